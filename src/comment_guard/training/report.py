"""Evaluation reports: metrics per risk at thresholds, confusion matrices, the worst errors,
models side by side, and the model card of a retrained model.

Pure functions of labels and scores (probabilities in [0, 1]) that return values or text;
printing is the command line's job. Texts shown to people are cut to one line and scrubbed
of email addresses and phone numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from comment_guard.privacy import scrub_contacts
from comment_guard.results import HAM, RELIABLE, SPAM
from comment_guard.training.metrics import ThresholdMetrics, at_threshold, ranking
from comment_guard.training.user_data import LabelledText

#: Characters of a text shown in the list of worst errors.
ERROR_TEXT_CHARS = 100

_ROWS = (
    ("precision", "precision"),
    ("recall", "recall"),
    ("F1", "f1"),
    ("accuracy", "accuracy"),
    ("MCC", "mcc"),
    ("false-positive rate", "false_positive_rate"),
    ("weighted F1", "weighted_f1"),
)


def negative_name(risk: str) -> str:
    """The label of a text without the risk: ``ham`` for spam, ``reliable`` for misinformation."""
    return HAM if risk == SPAM else RELIABLE


@dataclass(frozen=True, slots=True)
class RiskReport:
    """Ranking quality of one risk's scores and behaviour at thresholds (the first is the operating one)."""

    risk: str
    n: int
    positives: int
    roc_auc: float | None
    pr_auc: float | None
    at: tuple[ThresholdMetrics, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON values for manifests and ``--json``."""
        return {
            "n": self.n,
            "positives": self.positives,
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "at": [metrics.as_dict() for metrics in self.at],
        }


def risk_report(
    risk: str, labels: np.ndarray | Sequence[int], scores: np.ndarray | Sequence[float], thresholds: Sequence[float]
) -> RiskReport:
    """The report of ``risk`` for labels (1 = the risk) and scores, at each of ``thresholds``."""
    y = np.asarray(labels, dtype=np.int64)
    values = np.asarray(scores, dtype=np.float64)
    ranks = ranking(y, values)
    return RiskReport(
        risk,
        int(y.size),
        int(y.sum()),
        ranks["roc_auc"],
        ranks["pr_auc"],
        tuple(at_threshold(y, values, threshold) for threshold in thresholds),
    )


@dataclass(frozen=True, slots=True)
class ErrorCase:
    """A text the model got wrong at the threshold: its label (1 = the risk), score and origin."""

    risk: str
    label: int
    score: float
    location: str
    text: str


def worst_errors(
    risk: str, items: Sequence[LabelledText], scores: np.ndarray | Sequence[float], threshold: float, limit: int
) -> list[ErrorCase]:
    """Up to ``limit`` texts misclassified at ``threshold``, the most confidently wrong first."""
    cases = []
    for item, score in zip(items, np.asarray(scores, dtype=np.float64).tolist(), strict=True):
        if (score >= threshold) != bool(item.label):
            cases.append(ErrorCase(risk, item.label, score, str(item.location), item.text))
    cases.sort(key=lambda case: (-abs(case.label - case.score), case.location))
    return cases[:limit]


def shown_text(text: str, limit: int = ERROR_TEXT_CHARS) -> str:
    """``text`` on one line, contacts scrubbed, cut to ``limit`` characters."""
    line = " ".join(scrub_contacts(text).text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def render_reports(columns: Sequence[tuple[str, Mapping[str, RiskReport]]]) -> str:
    """Metrics per risk, one column per named model, thresholds in the order of the reports."""
    names = [name for name, _ in columns]
    width = max(12, *(len(name) + 2 for name in names))
    risks = list(dict.fromkeys(risk for _, reports in columns for risk in reports))
    label_width = max([28, *(len(f"  texts ({risk} / {negative_name(risk)})") + 2 for risk in risks)])
    lines: list[str] = []

    def row(label: str, cells: Sequence[str]) -> None:
        lines.append(f"  {label:<{label_width - 2}}" + "".join(f"{cell:>{width}}" for cell in cells))

    for risk in risks:
        reports = [reports.get(risk) for _, reports in columns]
        lines.append(f"{risk:<{label_width}}" + "".join(f"{name:>{width}}" for name in names))
        counts = [f"{r.positives}/{r.n - r.positives}" if r else "-" for r in reports]
        row(f"texts ({risk} / {negative_name(risk)})", counts)
        row("ROC-AUC", [_number(r.roc_auc) if r else "-" for r in reports])
        row("PR-AUC", [_number(r.pr_auc) if r else "-" for r in reports])
        depth = max((len(r.at) for r in reports if r), default=0)
        for index in range(depth):
            at = [r.at[index] if r and index < len(r.at) else None for r in reports]
            row(
                "at the policy threshold" if index == 0 else "at threshold",
                [f"{m.threshold:.4f}" if m else "-" for m in at],
            )
            for name, attribute in _ROWS:
                row(f"  {name}", [_number(getattr(m, attribute)) if m else "-" for m in at])
        lines.append("")
    return "\n".join(lines).rstrip()


def render_confusion(name: str, risk: str, metrics: ThresholdMetrics) -> str:
    """The confusion matrix of one risk at one threshold, as a small text table."""
    negative = negative_name(risk)
    width = max(len(risk), len(negative)) + 4
    return "\n".join(
        [
            f"{name}, {risk} at {metrics.threshold:.4f}:",
            f"{'':>{width}}{'flagged':>10}{'passed':>10}",
            f"{risk:>{width}}{metrics.true_positives:>10}{metrics.false_negatives:>10}",
            f"{negative:>{width}}{metrics.false_positives:>10}{metrics.true_negatives:>10}",
        ]
    )


def render_errors(cases: Sequence[ErrorCase]) -> str:
    """The worst errors, numbered, one per line, for a person fixing labels."""
    lines = []
    for number, case in enumerate(cases, start=1):
        label = case.risk if case.label else negative_name(case.risk)
        lines.append(
            f'{number:>4}. labelled {label}, scored {case.score:.3f}  {case.location}  "{shown_text(case.text)}"'
        )
    return "\n".join(lines) if lines else "     none"


def _card_metrics(metrics: Mapping[str, Any]) -> list[str]:
    columns = ("risk", "n", "positives", "ROC-AUC", "PR-AUC", "threshold", *(name for name, _ in _ROWS))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for risk, report in metrics.get("cross_validation", {}).items():
        for at in report["at"]:
            cells = [risk, str(report["n"]), str(report["positives"]), _number(report["roc_auc"])]
            cells += [_number(report["pr_auc"]), f"{at['threshold']:.4f}"]
            cells += [_number(at[attribute]) for _, attribute in _ROWS]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_model_card(name: str, training: Mapping[str, Any], metrics: Mapping[str, Any]) -> str:
    """The model card of a retrained model in Markdown, from the manifest's sections."""
    options = training.get("options", {})
    risks = list(training.get("examples", {}))
    files = [
        f"| {f['path']} | `{f['sha256']}` | {f['rows']:,} | {f['used']:,} |" for f in training.get("data_files", [])
    ]
    counts = []
    for risk, summary in training.get("examples", {}).items():
        if not summary["user_positive"] + summary["user_negative"]:
            counts.append(
                f"- **{risk}**: the base alone ({summary['base']:,} examples), none from your data: no "
                "cross-validated figures, and the default policy's threshold applies."
            )
            continue
        counts.append(
            f"- **{risk}**: {summary['user_positive']:,} {risk} / {summary['user_negative']:,} "
            f"{negative_name(risk)} from your data ({summary['duplicates_dropped']:,} duplicates and "
            f"{summary['conflicts_dropped']:,} conflicting rows dropped, {summary['unlabelled']:,} rows without a "
            f"{risk} label); {summary['base']:,} base examples; your data's share of the weight: "
            f"{summary['user_weight_share']:.0%}."
        )
    thresholds = metrics.get("recommended_thresholds", {})
    target = metrics.get("target_false_positive_rate", 0.0)
    recommended = ", ".join(f"{risk} {value:.4f}" for risk, value in thresholds.items()) or "none"
    method = (
        "every score comes from the recipe refit without the scored text (vocabulary, weights and "
        "calibration), any base data always in training."
        if options.get("refit_folds")
        else "every score comes from a logistic head fitted without the scored text (the fit's own "
        "out-of-fold scores, which also fit its calibration); the vocabulary is learnt from all texts."
    )
    return f"""# comment_guard model: {name}

Retrained with `comment-guard train` on a site's own labelled comments. It scores
{" and ".join(f"**{risk}**" for risk in risks)} as calibrated probabilities in [0, 1]; a risk it
was not trained for scores `None` (reported as unavailable, never invented).
Recipe: {training.get("recipe", "user data")}.

Command: `{training.get("command", "")}`

## Training data
| file | SHA-256 | rows | used |
|---|---|---|---|
{chr(10).join(files)}

{chr(10).join(counts)}

## Cross-validated metrics on your data
{options.get("cv_folds", "?")}-fold cross-validation (stratified by label, seed {options.get("seed", 0)}): {method}
Rows: at the recommended threshold, then at 0.5.

{chr(10).join(_card_metrics(metrics))}

## Recommended thresholds
{recommended}: for each risk, the lowest threshold that flags at most {target:.2%} of your
legitimate comments out of fold. `CommentGuard.from_path(DIR, secret_key=..., trust=True)` uses
them as the hold thresholds when no policy is given.

## Limits
The figures are only as good as the labels, and come from the same site and period as the
training data: re-evaluate on newer comments (`comment-guard evaluate`) before relying on them.
Loading the model unpickles it: load only directories you produced (`trust=True`, `--trust`).
"""
