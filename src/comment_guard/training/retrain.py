"""Retrain on a site's own labelled comments: checked data -> cross-validation -> threshold -> model directory.

    data = read_labelled(["feedback.jsonl"])           # comment_guard.training.user_data
    trained = train(data, TrainOptions(target_fpr=0.01))
    save_trained(trained, "models/my-site", command="...")

Without a base the model learns from the user's data alone (every example weight 1, or
each class half the weight with ``balance_classes``). With ``base="default"`` it learns
from the shipped recipe's data as well (the team corpus, plus the public sets when
``public_data`` names the ``shared/data`` folder) and the user's data gets ``user_share``
of the total training weight; base texts that the user labelled are dropped, so the
user's labels win. The same data and options give a byte-identical ``model.joblib``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from comment_guard.artifact import MANIFEST, Manifest, default_model_path, save_model
from comment_guard.errors import TrainingDataError
from comment_guard.model import RiskModel
from comment_guard.results import MISINFORMATION, RISKS, SPAM
from comment_guard.training.crossval import OutOfFold, Progress, cross_validate, fit_examples, fit_with_out_of_fold
from comment_guard.training.examples import Example, balance_weights, deduplicate, fingerprint, normalised_key
from comment_guard.training.fit import FitOptions
from comment_guard.training.metrics import threshold_for_fpr
from comment_guard.training.recipe import SourceFile, build_default_recipe, read_team_corpus, team_corpus_dir
from comment_guard.training.report import render_model_card, risk_report
from comment_guard.training.user_data import MIN_PER_CLASS, LabelledData, LabelledText, check_class_counts

BASES = ("none", "default")


@dataclass(frozen=True, slots=True)
class TrainOptions:
    """Options of :func:`train`; every default is the command line's.

    ``target_fpr`` is the share of legitimate comments (in [0, 0.5)) the recommended
    threshold may flag, measured on out-of-fold scores; ``user_share`` the fraction of the
    training weight (in (0, 1)) the user's data gets on top of a base; ``cv_folds`` the
    folds of the out-of-fold scores and of the Platt calibration; ``refit_folds`` refits
    the whole recipe per fold (k + 1 fits, a stricter estimate) instead of using the fit's
    own out-of-fold scores. Raises ``ValueError`` for a value out of range.
    """

    base: str = "none"
    public_data: Path | None = None
    corpus_dir: Path | None = None
    user_share: float = 0.5
    balance_classes: bool = False
    target_fpr: float = 0.01
    cv_folds: int = 5
    refit_folds: bool = False
    seed: int = 0
    min_per_class: int = MIN_PER_CLASS

    def __post_init__(self) -> None:
        if self.base not in BASES:
            raise ValueError(f"Expected base to be one of {', '.join(BASES)}; got {self.base!r}.")
        if self.public_data is not None and self.base == "none":
            raise ValueError("public_data is only used with base='default'.")
        if not 0.0 < self.user_share < 1.0:
            raise ValueError(f"Expected user_share in (0, 1); got {self.user_share!r}.")
        if not 0.0 <= self.target_fpr < 0.5:
            raise ValueError(f"Expected target_fpr in [0, 0.5); got {self.target_fpr!r}.")
        if self.cv_folds < 2:
            raise ValueError(f"Expected at least 2 cross-validation folds; got {self.cv_folds!r}.")
        if self.min_per_class < 1:
            raise ValueError(f"Expected min_per_class >= 1; got {self.min_per_class!r}.")

    @property
    def fit_options(self) -> FitOptions:
        """The recipe's hyper-parameters, with this seed and ``cv_folds`` calibration folds."""
        return FitOptions(folds=self.cv_folds, seed=self.seed)

    @property
    def required_per_class(self) -> int:
        """Examples needed per class: ``min_per_class``, and enough for the folds (both levels with refits)."""
        return max(self.min_per_class, 2 * self.cv_folds if self.refit_folds else self.cv_folds)

    def describe(self) -> dict[str, Any]:
        """The options as JSON values, for the manifest."""
        values = {item.name: getattr(self, item.name) for item in dataclasses.fields(self)}
        values["corpus_dir"] = str(self.corpus_dir or team_corpus_dir()) if self.base != "none" else None
        values["public_data"] = str(self.public_data) if self.public_data is not None else None
        return values


@dataclass(frozen=True, slots=True)
class BaseData:
    """Training examples of the base recipe per risk, the files they came from, and a description."""

    examples: dict[str, list[Example]]
    files: list[SourceFile]
    description: str


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A fitted model with what it was trained on and its cross-validated scores on the user's data."""

    model: RiskModel
    data: LabelledData
    options: TrainOptions
    examples: dict[str, list[Example]]
    cross_validation: dict[str, OutOfFold]
    thresholds: dict[str, float]
    base: BaseData | None


def load_base(options: TrainOptions) -> BaseData | None:
    """The base recipe's examples (``None`` without a base); raises :class:`TrainingDataError` if missing."""
    if options.base == "none":
        return None
    corpus = options.corpus_dir or team_corpus_dir()
    if not any(corpus.glob("*.csv")):
        raise TrainingDataError(f"Expected the team corpus (CSV files) in {corpus}; found none.")
    if options.public_data is not None:
        try:
            recipe = build_default_recipe(options.public_data, corpus)
        except (OSError, KeyError) as exc:
            raise TrainingDataError(
                f"{options.public_data} does not hold the public data sets the default recipe reads ({exc})."
            ) from exc
        return BaseData(recipe.train, recipe.files, "default recipe: team corpus and public data sets")
    files: list[SourceFile] = []
    rows = list(read_team_corpus(corpus, files))
    examples = {
        SPAM: [Example(row["text"], int(row["spam"] == SPAM), "team", row["topic"]) for row in rows],
        MISINFORMATION: [
            Example(row["text"], int(row["misinformation"] == MISINFORMATION), "team", row["topic"]) for row in rows
        ],
    }
    weighted = {risk: balance_weights(deduplicate(items)[0], {"team": 1.0}) for risk, items in examples.items()}
    return BaseData(weighted, files, "team corpus")


def _user_examples(items: Sequence[LabelledText], balance: bool) -> list[Example]:
    examples = [Example(item.text, item.label, "user") for item in items]
    return balance_weights(examples, {"user": 1.0}) if balance and examples else examples


def build_examples(
    user: Mapping[str, Sequence[LabelledText]],
    base: BaseData | None,
    options: TrainOptions,
    excluded: frozenset[str] = frozenset(),
) -> dict[str, list[Example]]:
    """Weighted training examples per risk: the user's rows, plus the base's unless its text is in ``excluded``.

    ``excluded`` holds the normalised keys of every user text (all folds), so a text
    held out in cross-validation cannot come back through the base.
    """
    result: dict[str, list[Example]] = {}
    for risk in RISKS:
        rows = _user_examples(user.get(risk, ()), options.balance_classes)
        if base is None:
            if rows:
                result[risk] = rows
            continue
        base_rows = [e for e in base.examples.get(risk, ()) if normalised_key(e.text) not in excluded]
        if rows:
            user_total = options.user_share / (1.0 - options.user_share) * sum(e.weight for e in base_rows)
            scale = user_total / sum(e.weight for e in rows)
            rows = [dataclasses.replace(e, weight=e.weight * scale) for e in rows]
        result[risk] = base_rows + rows
    return result


def train(data: LabelledData, options: TrainOptions | None = None, *, progress: Progress | None = None) -> TrainedModel:
    """Fit the model, score the user's texts out of fold, and choose a threshold per risk.

    The out-of-fold scores come from the fit itself, or from a refit per fold with
    ``refit_folds`` (see :mod:`comment_guard.training.crossval`). Deterministic for the same
    data and options. Raises :class:`TrainingDataError` when a class has too few examples
    or the data cannot be fitted.
    """
    options = options or TrainOptions()
    check_class_counts(data, options.required_per_class)
    base = load_base(options)
    excluded = frozenset(normalised_key(item.text) for items in data.risks.values() for item in items)

    def build(part: Mapping[str, Sequence[LabelledText]]) -> dict[str, list[Example]]:
        return build_examples(part, base, options, excluded)

    if options.refit_folds:
        scores = cross_validate(
            data.risks, build, folds=options.cv_folds, seed=options.seed, options=options.fit_options, progress=progress
        )
        if progress is not None:
            progress("fitting the final model on all the data")
        examples = build(data.risks)
        model = fit_examples(examples, options.fit_options)
    else:
        if progress is not None:
            progress(f"fitting the model ({options.cv_folds}-fold out-of-fold scores for calibration and metrics)")
        examples = build(data.risks)
        model, scores = fit_with_out_of_fold(data.risks, examples, options.fit_options)
    thresholds = {
        risk: min(threshold_for_fpr(oof.scores[oof.labels == 0], options.target_fpr), 1.0)
        for risk, oof in scores.items()
    }
    return TrainedModel(model, data, options, examples, scores, thresholds, base)


def check_output(directory: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Raise ``FileExistsError`` unless a model may be written to ``directory``.

    The shipped model is never replaced; an existing directory only with ``force``, and
    only when it is empty or a model directory (it holds a manifest).
    """
    target = Path(directory)
    shipped = {default_model_path().resolve(), (Path(__file__).resolve().parents[3] / "models" / "default")}
    if target.resolve() in shipped:
        raise FileExistsError(f"Refusing to overwrite the shipped model at {target}; choose another --out.")
    if target.exists():
        if not force:
            raise FileExistsError(f"{target} already exists; pass --force to replace it.")
        if not target.is_dir() or (any(target.iterdir()) and not (target / MANIFEST).is_file()):
            raise FileExistsError(f"{target} exists and is not a model directory; refusing to replace it.")
    return target


def _risk_examples(trained: TrainedModel, risk: str) -> dict[str, Any]:
    examples = trained.examples[risk]
    positive, negative = trained.data.counts(risk)
    return {
        "user_positive": positive,
        "user_negative": negative,
        "base": sum(example.source != "user" for example in examples),
        "user_weight_share": round(
            sum(e.weight for e in examples if e.source == "user") / max(sum(e.weight for e in examples), 1e-12), 4
        ),
        "duplicates_dropped": trained.data.duplicates_dropped.get(risk, 0),
        "conflicts_dropped": trained.data.conflicts_dropped.get(risk, 0),
        "unlabelled": trained.data.unlabelled.get(risk, 0),
        "sha256": fingerprint(examples),
    }


def manifest_sections(
    trained: TrainedModel, *, command: str, spec: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``training`` and ``metrics`` sections of the manifest."""
    base = trained.base
    training = {
        "command": command,
        "recipe": "user data" if base is None else f"{base.description} + user data",
        "data_files": [dataclasses.asdict(data_file) for data_file in trained.data.files],
        "base_files": [] if base is None else [dataclasses.asdict(source) for source in base.files],
        "data": dict(spec),
        "options": trained.options.describe(),
        "fit_options": dataclasses.asdict(trained.options.fit_options),
        "examples": {risk: _risk_examples(trained, risk) for risk in trained.examples},
    }
    cross_validation = {}
    for risk, oof in trained.cross_validation.items():
        report = risk_report(risk, oof.labels, oof.scores, (trained.thresholds[risk], 0.5))
        method = "refit per fold" if trained.options.refit_folds else "out-of-fold predictions of the fit"
        cross_validation[risk] = {"folds": trained.options.cv_folds, "method": method, **report.to_dict()}
    metrics = {
        "cross_validation": cross_validation,
        "recommended_thresholds": {risk: round(value, 6) for risk, value in trained.thresholds.items()},
        "target_false_positive_rate": trained.options.target_fpr,
    }
    return training, metrics


def save_trained(
    trained: TrainedModel,
    directory: str | os.PathLike[str],
    *,
    command: str,
    spec: Mapping[str, Any] | None = None,
    force: bool = False,
) -> Manifest:
    """Write the model directory (model, manifest, MODEL_CARD.md) atomically; see :func:`check_output`."""
    target = check_output(directory, force=force)
    training, metrics = manifest_sections(trained, command=command, spec=spec or {})
    card = render_model_card(target.resolve().name, training, metrics)
    return save_model(
        trained.model,
        target,
        name=target.resolve().name,
        training=training,
        metrics=metrics,
        extra_files={"MODEL_CARD.md": card},
        overwrite=force,
    )
