"""Cross-validation on a site's own labelled data: every score from a head that never saw the text's label.

Two ways, both seeded and stratified by label:

- :func:`fit_with_out_of_fold` (the default, one fit): the recipe's own k-fold out-of-fold
  predictions, which also fit its Platt calibration. The TF-IDF vocabulary and idf are
  learnt once from all texts (no labels), so a term seen once in training and once in the
  held-out fold still counts: a slightly optimistic estimate.
- :func:`cross_validate` (``refit``, k + 1 fits): folds are drawn over the user's distinct
  texts and, for each fold, the whole recipe (vocabulary, heads, calibration) is refit
  from scratch on everything else: the other folds plus the base data, if any. A text
  labelled for both risks (a feedback-log row) is held out of both at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from comment_guard.errors import TrainingDataError
from comment_guard.model import RiskModel
from comment_guard.training.examples import Example, normalised_key
from comment_guard.training.fit import FitOptions, FittedRisk, fit_model
from comment_guard.training.user_data import LabelledText

#: Builds the weighted training examples per risk from a part of the user's data.
ExampleBuilder = Callable[[Mapping[str, Sequence[LabelledText]]], dict[str, list[Example]]]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """Labels (1 = the risk) and out-of-fold calibrated scores in [0, 1] of one risk's texts, in order."""

    labels: np.ndarray
    scores: np.ndarray


def assign_folds(items: Mapping[str, Sequence[LabelledText]], folds: int, seed: int) -> dict[str, int]:
    """Map each distinct normalised text to a fold in ``range(folds)``, stratified by its labels.

    The stratum of a text is its label for every risk (or none); strata with fewer than
    ``folds`` texts are pooled so that every stratum can be split.
    """
    labels: dict[str, dict[str, int]] = {}
    for risk, rows in items.items():
        for item in rows:
            labels.setdefault(normalised_key(item.text), {})[risk] = item.label
    keys = list(labels)
    strata = ["/".join(str(labels[key].get(risk, "-")) for risk in sorted(items)) for key in keys]
    counts = Counter(strata)
    strata = [stratum if counts[stratum] >= folds else "rare" for stratum in strata]
    counts = Counter(strata)
    if 0 < counts["rare"] < folds:
        common = counts.most_common(1)[0][0]
        strata = [common if stratum == "rare" else stratum for stratum in strata]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    fold_of: dict[str, int] = {}
    for fold, (_, test_index) in enumerate(splitter.split(np.zeros(len(keys)), strata)):
        for index in test_index:
            fold_of[keys[index]] = fold
    return fold_of


def fit_examples(examples: Mapping[str, Sequence[Example]], options: FitOptions) -> RiskModel:
    """Fit the recipe; a scikit-learn refusal (no shared words, one class) becomes a TrainingDataError."""
    return _fit(examples, options)[0]


def _fit(examples: Mapping[str, Sequence[Example]], options: FitOptions) -> tuple[RiskModel, dict[str, FittedRisk]]:
    try:
        return fit_model(examples, options=options)
    except ValueError as exc:
        raise TrainingDataError(f"The training data cannot be fitted: {exc}") from exc


def fit_with_out_of_fold(
    items: Mapping[str, Sequence[LabelledText]], examples: Mapping[str, Sequence[Example]], options: FitOptions
) -> tuple[RiskModel, dict[str, OutOfFold]]:
    """Fit once; return the model and the fit's out-of-fold scores of the user's texts, per risk.

    ``examples[risk]`` must end with the user's texts of ``items[risk]``, in order (any base
    examples come first), as :func:`comment_guard.training.retrain.build_examples` builds them.
    """
    model, fitted = _fit(examples, options)
    scores = {}
    for risk, rows in items.items():
        tail = examples[risk][len(examples[risk]) - len(rows) :]
        if [example.text for example in tail] != [item.text for item in rows]:
            raise ValueError(f"The {risk} examples do not end with the user's texts in order.")
        start = len(examples[risk]) - len(rows)
        scores[risk] = OutOfFold(fitted[risk].labels[start:].copy(), fitted[risk].out_of_fold[start:].copy())
    return model, scores


def cross_validate(
    items: Mapping[str, Sequence[LabelledText]],
    build: ExampleBuilder,
    *,
    folds: int,
    seed: int,
    options: FitOptions,
    progress: Progress | None = None,
) -> dict[str, OutOfFold]:
    """Out-of-fold scores of every user text, per risk (see the module docstring)."""
    fold_of = assign_folds(items, folds, seed)
    scores = {risk: np.full(len(rows), np.nan) for risk, rows in items.items()}
    for fold in range(folds):
        if progress is not None:
            progress(f"cross-validation: fitting fold {fold + 1} of {folds}")
        train = {
            risk: [item for item in rows if fold_of[normalised_key(item.text)] != fold] for risk, rows in items.items()
        }
        model = fit_examples(build(train), options)
        for risk, rows in items.items():
            index = [i for i, item in enumerate(rows) if fold_of[normalised_key(item.text)] == fold]
            for i, result in zip(index, model.score([rows[i].text for i in index], explain=False), strict=True):
                score = result.get(risk)
                if score is None:  # the builder always trains every risk it is given
                    raise TrainingDataError(f"The fold model does not score {risk!r}.")
                scores[risk][i] = score
    return {
        risk: OutOfFold(np.asarray([item.label for item in rows], dtype=np.int64), scores[risk])
        for risk, rows in items.items()
    }
