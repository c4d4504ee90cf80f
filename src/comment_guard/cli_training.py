"""The ``train`` and ``evaluate`` subcommands of ``comment-guard``.

    comment-guard train DATA... --out DIR [--base default [--public-data DIR]] [--target-fpr 0.01]
    comment-guard evaluate --model DIR DATA... [--trust] [--compare OTHER] [--plot out.png] [--worst N]

DATA are CSV or JSON-lines files of labelled comments (see
:mod:`comment_guard.training.user_data`); ``--where`` keeps some rows (``split=train``,
``group!=Psy``). Exit codes and one-line errors as for every subcommand (see
:mod:`comment_guard.cli`). Training and evaluation modules are imported when a command
runs, so ``comment-guard --help`` stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from comment_guard.cli import EXIT_OK, POLICIES, UsageError, make_policy

if TYPE_CHECKING:
    from comment_guard.artifact import Manifest
    from comment_guard.model import RiskModel
    from comment_guard.training.report import RiskReport
    from comment_guard.training.retrain import TrainedModel
    from comment_guard.training.user_data import DataSpec, LabelledData

PROG = "comment-guard"
#: ``--model default`` names the shipped model.
DEFAULT_MODEL = "default"


def _fraction(low: float, high: float, *, inclusive_low: bool) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (low <= value if inclusive_low else low < value) or not value < high:
            bracket = "[" if inclusive_low else "("
            raise argparse.ArgumentTypeError(f"expected a number in {bracket}{low:g}, {high:g}), got {text!r}")
        return value

    return parse


def _whole(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def _row_filter(text: str) -> Any:
    from comment_guard.training.user_files import RowFilter

    try:
        return RowFilter.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _threshold(text: str) -> float:
    value: float = _fraction(0.0, 1.0000001, inclusive_low=True)(text)
    return value


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that say how labelled files are read (shared by ``train`` and ``evaluate``)."""
    group = parser.add_argument_group("labelled data")
    group.add_argument(
        "data", nargs="+", type=Path, metavar="DATA", help="CSV or JSON-lines files of labelled comments"
    )
    group.add_argument("--text-column", default="text", metavar="NAME", help="column holding the text (default: text)")
    group.add_argument(
        "--label-column",
        metavar="NAME",
        help="column holding one risk's labels (default: the spam/misinformation columns, else label)",
    )
    group.add_argument(
        "--risk",
        choices=("spam", "misinformation"),
        help="the risk the labels are for (needed when they are not spam/ham or misinformation/reliable)",
    )
    group.add_argument(
        "--positive", action="append", default=[], metavar="VALUE", help="label value meaning the risk (repeatable)"
    )
    group.add_argument(
        "--negative", action="append", default=[], metavar="VALUE", help="label value meaning not the risk (repeatable)"
    )
    group.add_argument(
        "--where",
        action="append",
        default=[],
        type=_row_filter,
        metavar="COLUMN=VALUE",
        help="keep only rows where COLUMN equals VALUE (or differs, with !=); repeatable, all must hold",
    )
    group.add_argument(
        "--on-conflict",
        choices=("error", "drop", "last"),
        default="error",
        help="a text labelled both ways: stop (default), drop every copy, or keep the last label",
    )


def data_spec(args: argparse.Namespace) -> DataSpec:
    """The :class:`DataSpec` of the parsed data options."""
    from comment_guard.training.user_data import DataSpec

    if bool(args.positive) != bool(args.negative):
        raise UsageError("give --positive and --negative together (for example --positive 1 --negative 0)")
    if args.positive and args.risk is None:
        raise UsageError("--positive/--negative need --risk spam|misinformation")
    return DataSpec(
        text_column=args.text_column,
        label_column=args.label_column,
        risk=args.risk,
        positive=tuple(args.positive),
        negative=tuple(args.negative),
        filters=tuple(args.where),
        on_conflict=args.on_conflict,
    )


def _spec_for_manifest(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "text_column": args.text_column,
        "label_column": args.label_column,
        "risk": args.risk,
        "positive": list(args.positive),
        "negative": list(args.negative),
        "where": [str(row_filter) for row_filter in args.where],
        "on_conflict": args.on_conflict,
    }


def _progress(quiet: bool) -> Any:
    def report(message: str) -> None:
        if not quiet:
            sys.stderr.write(f"{PROG}: {message}\n")
            sys.stderr.flush()

    return report


# --- train ------------------------------------------------------------------------------------


def register_train(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``train``: fit a model on labelled comments and write a model directory."""
    parser = commands.add_parser(
        "train",
        help="train a model on your own labelled comments",
        description=(
            "Train a model on labelled comments (CSV or JSON lines; the feedback log works as it is). "
            "Checks the data first, cross-validates on it, chooses a threshold per risk for --target-fpr, "
            "and writes a model directory (model, manifest with data SHA-256 and metrics, MODEL_CARD.md) "
            "atomically. Load it with CommentGuard.from_path(DIR, secret_key=..., trust=True)."
        ),
    )
    add_data_options(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="model directory to write")
    parser.add_argument("--force", action="store_true", help="replace DIR if it is an existing model directory")
    parser.add_argument(
        "--base",
        choices=("none", "default"),
        default="none",
        help="none: your data alone (default); default: the shipped recipe's data plus yours",
    )
    parser.add_argument(
        "--public-data",
        type=Path,
        metavar="DIR",
        help="with --base default: the shared/data folder of public sets (default: the team corpus only)",
    )
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="with --base default: the team corpus folder")
    parser.add_argument(
        "--user-share",
        type=_fraction(0.0, 1.0, inclusive_low=False),
        default=0.5,
        metavar="SHARE",
        help="with --base default: your data's share of the training weight (default: 0.5)",
    )
    parser.add_argument(
        "--balance-classes", action="store_true", help="give each class of your data the same total weight"
    )
    parser.add_argument(
        "--target-fpr",
        type=_fraction(0.0, 0.5, inclusive_low=True),
        default=0.01,
        metavar="RATE",
        help="share of legitimate comments the recommended threshold may flag (default: 0.01)",
    )
    parser.add_argument(
        "--cv-folds", type=_whole(2), default=5, metavar="K", help="cross-validation folds (default: 5)"
    )
    parser.add_argument(
        "--cv-refit",
        action="store_true",
        help="refit everything (vocabulary too) per fold: a stricter estimate, K+1 times the training time",
    )
    parser.add_argument("--seed", type=_whole(0), default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--min-per-class", type=_whole(1), default=10, metavar="N", help="fewest examples per class (default: 10)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress messages on standard error")
    parser.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    """Handle ``train``."""
    from comment_guard.training.retrain import TrainOptions, check_output, save_trained, train
    from comment_guard.training.user_data import read_labelled

    if args.public_data is not None and args.base != "default":
        raise UsageError("--public-data needs --base default")
    check_output(args.out, force=args.force)  # before minutes of training, not after
    progress = _progress(args.quiet)
    data = read_labelled(args.data, data_spec(args))
    for line in data.summary():
        progress(line)
    options = TrainOptions(
        base=args.base,
        public_data=args.public_data,
        corpus_dir=args.corpus,
        user_share=args.user_share,
        balance_classes=args.balance_classes,
        target_fpr=args.target_fpr,
        cv_folds=args.cv_folds,
        refit_folds=args.cv_refit,
        seed=args.seed,
        min_per_class=args.min_per_class,
    )
    trained = train(data, options, progress=progress)
    manifest = save_trained(
        trained, args.out, command=train_command(args), spec=_spec_for_manifest(args), force=args.force
    )
    sys.stdout.write(_train_summary(trained, manifest, args.out) + "\n")
    return EXIT_OK


def train_command(args: argparse.Namespace) -> str:
    """The ``train`` command line that gives this model, from the parsed arguments (for the manifest)."""
    words = [PROG, "train", *(shlex.quote(str(path)) for path in args.data), "--out", shlex.quote(str(args.out))]
    for name, value in sorted(_spec_for_manifest(args).items()):
        values = value if isinstance(value, list) else [value]
        option = "--" + name.replace("_", "-")
        default = {"text_column": "text", "on_conflict": "error"}.get(name)
        words += [f"{option} {shlex.quote(str(item))}" for item in values if item is not None and item != default]
    for name in ("base", "public_data", "corpus", "user_share", "target_fpr", "cv_folds", "seed", "min_per_class"):
        value = getattr(args, name)
        if value is not None and value != _TRAIN_DEFAULTS.get(name):
            words.append(f"--{name.replace('_', '-')} {shlex.quote(str(value))}")
    words += [flag for flag, on in (("--balance-classes", args.balance_classes), ("--cv-refit", args.cv_refit)) if on]
    return " ".join(words)


_TRAIN_DEFAULTS: dict[str, Any] = {
    "base": "none",
    "user_share": 0.5,
    "target_fpr": 0.01,
    "cv_folds": 5,
    "seed": 0,
    "min_per_class": 10,
}


def _train_summary(trained: TrainedModel, manifest: Manifest, out: Path) -> str:
    from comment_guard.training.report import render_reports, risk_report

    reports = {
        risk: risk_report(risk, oof.labels, oof.scores, (trained.thresholds[risk], 0.5))
        for risk, oof in trained.cross_validation.items()
    }
    lines = [
        "Data:",
        *(f"  {line}" for line in trained.data.summary()),
        "",
        (
            f"Cross-validated on your data ({trained.options.cv_folds}-fold, seed {trained.options.seed}); "
            f"policy threshold = recommended for a {trained.options.target_fpr:.2%} false-positive rate, then 0.5:"
        ),
        render_reports([("out of fold", reports)]),
        "",
        "Recommended thresholds: " + ", ".join(f"{risk} {value:.4f}" for risk, value in trained.thresholds.items()),
        (
            f"Model written to {out} ({', '.join(manifest.risks)}; model.joblib SHA-256 "
            f"{manifest.files['model.joblib'].sha256[:16]}...)."
        ),
        (
            f"Use it: CommentGuard.from_path({str(out)!r}, secret_key=..., trust=True), or "
            f"{PROG} evaluate --model {out} --trust DATA..."
        ),
    ]
    return "\n".join(lines)


# --- evaluate ---------------------------------------------------------------------------------


def register_evaluate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evaluate``: metrics of a model (or two) on labelled comments."""
    parser = commands.add_parser(
        "evaluate",
        help="measure a model on labelled comments (metrics, confusion matrix, worst errors, plot)",
        description=(
            "Score labelled comments with a model and report ROC-AUC, PR-AUC and, at the policy thresholds "
            "(the model's recommended ones, else the default policy's), precision, recall, F1, accuracy, MCC "
            "and false-positive rate, the confusion matrix, and the worst errors so labels can be fixed."
        ),
    )
    parser.add_argument("--model", required=True, metavar="DIR", help=f"model directory ({DEFAULT_MODEL!r}: shipped)")
    add_data_options(parser)
    parser.add_argument(
        "--trust", action="store_true", help="load model directories outside the package (you made them)"
    )
    parser.add_argument("--compare", metavar="DIR", help="a second model to show side by side")
    parser.add_argument(
        "--policy", choices=POLICIES, help="use this preset policy's hold thresholds instead of the model's"
    )
    parser.add_argument(
        "--at",
        action="append",
        default=[],
        type=_threshold,
        metavar="T",
        help="also report at threshold T (repeatable)",
    )
    parser.add_argument(
        "--worst", type=_whole(0), default=10, metavar="N", help="list the N worst errors (default: 10)"
    )
    parser.add_argument("--plot", type=Path, metavar="PNG", help="save precision-recall and ROC curves (needs [plot])")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.set_defaults(handler=run_evaluate)


def _load(name: str, *, trust: bool) -> tuple[RiskModel, Manifest]:
    from comment_guard.artifact import default_model_path, load_default_model, load_model_with_manifest, read_manifest

    if name == DEFAULT_MODEL:  # a folder called "default" here can still be named ./default
        return load_default_model(), read_manifest(default_model_path())
    return load_model_with_manifest(name, trusted=trust)


def _thresholds(manifest: Manifest, policy_name: str | None) -> dict[str, float]:
    from comment_guard.guard import recommended_policy

    policy = make_policy(policy_name) if policy_name else recommended_policy(manifest.metrics)
    return {risk: policy.thresholds(risk)[0] for risk in ("spam", "misinformation")}


def run_evaluate(args: argparse.Namespace) -> int:
    """Handle ``evaluate``."""
    from comment_guard.training.user_data import read_labelled

    data = read_labelled(args.data, data_spec(args))
    names = [args.model] + ([args.compare] if args.compare else [])
    if len(set(names)) < len(names):
        raise UsageError("--compare names the same model as --model")
    loaded = [(name, *_load(name, trust=args.trust)) for name in names]
    risks = [risk for risk in data.risks if risk in loaded[0][1].risks]
    if not risks:
        raise UsageError(
            f"the model {args.model} scores {', '.join(loaded[0][1].risks)}; "
            f"the data is labelled for {', '.join(data.risks)}"
        )
    evaluations = [_evaluate_model(name, model, manifest, data, risks, args) for name, model, manifest in loaded]
    if args.json:
        document = {
            "data": [dataclasses.asdict(data_file) for data_file in data.files],
            "models": {e.name: {risk: report.to_dict() for risk, report in e.reports.items()} for e in evaluations},
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(_render_evaluation(evaluations, data, args.worst) + "\n")
    if args.plot is not None:
        where = f" where {', '.join(str(row_filter) for row_filter in args.where)}" if args.where else ""
        _plot(args.plot, evaluations, title=", ".join(str(path) for path in args.data) + where)
        if not args.json:
            sys.stdout.write(f"Plot saved to {args.plot}\n")
    return EXIT_OK


@dataclasses.dataclass(frozen=True)
class _Evaluation:
    name: str
    reports: dict[str, RiskReport]
    labels: dict[str, Any]
    scores: dict[str, Any]


def _evaluate_model(
    name: str, model: RiskModel, manifest: Manifest, data: LabelledData, risks: list[str], args: argparse.Namespace
) -> _Evaluation:
    import numpy as np

    from comment_guard.training.report import risk_report

    thresholds = _thresholds(manifest, args.policy)
    reports, labels, scores = {}, {}, {}
    for risk in risks:
        if risk not in model.risks:
            continue
        results = model.score([item.text for item in data.risks[risk]], explain=False)
        scores[risk] = np.asarray([result.get(risk) for result in results], dtype=np.float64)
        labels[risk] = np.asarray([item.label for item in data.risks[risk]], dtype=np.int64)
        reports[risk] = risk_report(risk, labels[risk], scores[risk], (thresholds[risk], *args.at))
    return _Evaluation(name, reports, labels, scores)


def _render_evaluation(evaluations: Sequence[_Evaluation], data: LabelledData, worst: int) -> str:
    from comment_guard.training.report import render_confusion, render_errors, render_reports, worst_errors

    out = [
        "Data:",
        *(f"  {line}" for line in data.summary()),
        "",
        render_reports([(e.name, e.reports) for e in evaluations]),
    ]
    for evaluation in evaluations:
        for risk, report in evaluation.reports.items():
            out += ["", render_confusion(evaluation.name, risk, report.at[0])]
    first = evaluations[0]
    for risk, report in first.reports.items() if worst else ():
        threshold = report.at[0].threshold
        cases = worst_errors(risk, data.risks[risk], first.scores[risk], threshold, worst)
        out += ["", f"Worst {risk} errors of {first.name} at {threshold:.4f}, most confidently wrong first:"]
        out.append(render_errors(cases))
    return "\n".join(out)


def _plot(path: Path, evaluations: Sequence[_Evaluation], *, title: str) -> None:
    from comment_guard.training.plots import save_curves

    curves = {
        e.name: {risk: (e.labels[risk], e.scores[risk], report.at[0].threshold) for risk, report in e.reports.items()}
        for e in evaluations
    }
    try:
        save_curves(path, curves, title=title)
    except ImportError as exc:
        raise UsageError(str(exc)) from exc


def register_training(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``train`` and ``evaluate``."""
    register_train(commands)
    register_evaluate(commands)


__all__ = ["add_data_options", "data_spec", "register_evaluate", "register_train", "register_training"]
