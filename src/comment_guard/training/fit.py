"""Fit a RiskModel from labelled examples: shared TF-IDF, one logistic head per risk, Platt calibration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from comment_guard.model import RiskHead, RiskModel, fold_texts, signal_matrix
from comment_guard.results import MISINFORMATION
from comment_guard.training.examples import Example


@dataclass(frozen=True, slots=True)
class FitOptions:
    """Hyper-parameters of the training recipe; the defaults are the shipped model's.

    ``c_spam`` and ``c_misinformation`` are the inverse L2 regularisation strengths of the
    two logistic heads; ``folds`` the number of folds whose out-of-fold decision values fit
    the Platt calibration.
    """

    c_spam: float = 4.0
    c_misinformation: float = 16.0
    min_df: int = 2
    max_features: int = 100_000
    ngram_max: int = 2
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True, slots=True)
class FittedRisk:
    """Out-of-fold calibrated probabilities for the training examples of one risk."""

    labels: np.ndarray
    out_of_fold: np.ndarray
    weights: np.ndarray


def make_vectorizer(options: FitOptions) -> TfidfVectorizer:
    """The TF-IDF vectorizer of the recipe (input is already folded and lower-cased)."""
    return TfidfVectorizer(
        lowercase=False,
        token_pattern=r"(?u)\b\w\w+\b",  # noqa: S106 - a regular expression, not a password
        ngram_range=(1, options.ngram_max),
        min_df=options.min_df,
        max_df=0.5,
        max_features=options.max_features,
        sublinear_tf=True,
        dtype=np.float64,
    )


def _classifier(options: FitOptions, risk: str) -> LogisticRegression:
    c = options.c_misinformation if risk == MISINFORMATION else options.c_spam
    return LogisticRegression(C=c, solver="liblinear", max_iter=5_000, random_state=options.seed)


def _platt(decision: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    calibrator = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1_000)
    calibrator.fit(decision.reshape(-1, 1), labels, sample_weight=weights)
    return float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])


def fit_model(
    examples: Mapping[str, Sequence[Example]], *, options: FitOptions | None = None
) -> tuple[RiskModel, dict[str, FittedRisk]]:
    """Fit a :class:`RiskModel` for each risk in ``examples``; also return out-of-fold predictions.

    Deterministic for the same examples and options. Raises ``ValueError`` when a risk has
    examples of only one class.
    """
    options = options or FitOptions()
    texts_by_risk = {risk: [example.text for example in rows] for risk, rows in examples.items()}
    unique_texts = list(dict.fromkeys(text for texts in texts_by_risk.values() for text in texts))
    folded = dict(zip(unique_texts, fold_texts(unique_texts), strict=True))
    signals = signal_matrix(unique_texts)
    row_of = {text: row for row, text in enumerate(unique_texts)}
    vectorizer = make_vectorizer(options).fit([folded[text] for text in unique_texts])
    matrix = sp.hstack([vectorizer.transform([folded[text] for text in unique_texts]), signals]).tocsr()

    heads: dict[str, RiskHead] = {}
    fitted: dict[str, FittedRisk] = {}
    for risk, rows in examples.items():
        labels = np.asarray([example.label for example in rows], dtype=np.int64)
        if len(set(labels.tolist())) < 2:
            raise ValueError(f"Risk {risk!r} needs examples of both classes; got only label {labels[0]}.")
        weights = np.asarray([example.weight for example in rows], dtype=np.float64)
        features = matrix[[row_of[example.text] for example in rows]]
        decision = np.zeros(len(rows), dtype=np.float64)
        splitter = StratifiedKFold(n_splits=options.folds, shuffle=True, random_state=options.seed)
        for train_index, test_index in splitter.split(features, labels):
            fold_model = _classifier(options, risk).fit(
                features[train_index], labels[train_index], sample_weight=weights[train_index]
            )
            decision[test_index] = fold_model.decision_function(features[test_index])
        slope, intercept = _platt(decision, labels, weights)
        classifier = _classifier(options, risk).fit(features, labels, sample_weight=weights)
        heads[risk] = RiskHead(classifier, slope, intercept)
        out_of_fold = 1.0 / (1.0 + np.exp(-(slope * decision + intercept)))
        fitted[risk] = FittedRisk(labels, out_of_fold, weights)
    return RiskModel(vectorizer, heads), fitted
