"""Evaluate the default training recipe on data kept out of training, by source.

Every figure here comes from a model that did not see the evaluated rows:

- team corpus: whole topics held out (the recipe is refit without them);
- YouTube: leave one video out (refit once per video, spam risk only);
- CONSTRAINT: the official val split (never in training);
- drug reviews: a fixed hash-chosen fifth, never in training (false positives only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from comment_guard.model import RiskModel
from comment_guard.results import MISINFORMATION, RISKS, SPAM
from comment_guard.training.examples import Example
from comment_guard.training.fit import FitOptions, fit_model
from comment_guard.training.metrics import at_threshold, ranking
from comment_guard.training.recipe import build_default_recipe

#: Team-corpus topics held out to measure generalisation to unseen topics.
HOLDOUT_TOPICS = frozenset({"adhd", "sleep", "diabetes", "heart", "womens_health"})
YOUTUBE_VIDEOS = ("Psy", "KatyPerry", "LMFAO", "Eminem", "Shakira")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score thresholds at which a comment is flagged (held or binned) for each risk."""

    spam: float
    misinformation: float


@dataclass(slots=True)
class EvaluationReport:
    """Rows of ``{"set", "risk", "n", "positives", metrics...}``; rendered as a Markdown table."""

    thresholds: Thresholds
    rows: list[dict[str, Any]] = field(default_factory=list)
    legitimate_flagged: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, risk: str, examples: Sequence[Example], scores: np.ndarray) -> None:
        """Add one evaluated set: ranking metrics and behaviour at the risk's threshold."""
        labels = np.asarray([example.label for example in examples])
        threshold = getattr(self.thresholds, risk)
        counts = at_threshold(labels, scores, threshold)
        row: dict[str, Any] = {"set": name, "risk": risk, "n": len(examples), "positives": int(labels.sum())}
        row.update(ranking(labels, scores))
        row.update(
            {
                "threshold": threshold,
                "recall": round(counts.recall, 4) if row["positives"] else None,
                "precision": round(counts.precision, 4) if row["positives"] else None,
                "false_positive_rate": round(counts.false_positive_rate, 4)
                if len(examples) > row["positives"]
                else None,
                "accuracy": round(counts.accuracy, 4),
                "weighted_f1": round(counts.weighted_f1, 4),
            }
        )
        self.rows.append(row)

    def to_markdown(self) -> str:
        """The report as a Markdown table."""
        columns = (
            "set",
            "risk",
            "n",
            "positives",
            "roc_auc",
            "pr_auc",
            "threshold",
            "recall",
            "precision",
            "false_positive_rate",
            "weighted_f1",
        )
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for row in self.rows:
            lines.append("| " + " | ".join(_cell(row.get(column)) for column in columns) + " |")
        if self.legitimate_flagged:
            flagged = self.legitimate_flagged
            lines += [
                "",
                (
                    "Legitimate team comments in held-out topics flagged by either risk at the default thresholds: "
                    f"{flagged['flagged']} of {flagged['n']} ({flagged['rate']:.2%})."
                ),
            ]
        return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _scores(model: RiskModel, examples: Sequence[Example], risk: str) -> np.ndarray:
    results = model.score([example.text for example in examples], explain=False)
    return np.asarray([result.get(risk) for result in results], dtype=np.float64)


def evaluate_recipe(
    data_dir: Path, corpus_dir: Path, *, thresholds: Thresholds, options: FitOptions | None = None
) -> EvaluationReport:
    """Fit the recipe with held-out parts and report every held-out set (see the module docstring)."""
    report = EvaluationReport(thresholds)
    data = build_default_recipe(data_dir, corpus_dir, holdout_topics=HOLDOUT_TOPICS)
    model, _ = fit_model(data.train, options=options)
    team = {risk: [e for e in data.holdout[risk] if e.source == "team"] for risk in RISKS}
    for risk in RISKS:
        for source, name in (
            ("team", "team corpus, held-out topics"),
            ("druglib", "drug reviews (legitimate)"),
            ("constraint", "CONSTRAINT val"),
        ):
            rows = [e for e in data.holdout[risk] if e.source == source]
            if rows:
                report.add(name, risk, rows, _scores(model, rows, risk))
    spam_scores, misinformation_scores = (
        _scores(model, team[SPAM], SPAM),
        _scores(model, team[MISINFORMATION], MISINFORMATION),
    )
    legitimate = np.asarray(
        [s.label == 0 and m.label == 0 for s, m in zip(team[SPAM], team[MISINFORMATION], strict=True)]
    )
    flagged = (spam_scores >= thresholds.spam) | (misinformation_scores >= thresholds.misinformation)
    report.legitimate_flagged = {
        "n": int(legitimate.sum()),
        "flagged": int((flagged & legitimate).sum()),
        "rate": float((flagged & legitimate).sum() / max(legitimate.sum(), 1)),
    }
    for video in YOUTUBE_VIDEOS:
        held = build_default_recipe(data_dir, corpus_dir, holdout_videos=frozenset({video}))
        spam_model, _ = fit_model({SPAM: held.train[SPAM]}, options=options)
        rows = [e for e in held.holdout[SPAM] if e.source == "youtube"]
        report.add(f"YouTube {video} (left out)", SPAM, rows, _scores(spam_model, rows, SPAM))
    return report
