"""Tests for comment_guard.training.metrics, checked against scikit-learn where it has the same measure."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sklearn import metrics as sk

from comment_guard.training.metrics import ThresholdMetrics, at_threshold, ranking, threshold_for_fpr

THRESHOLDS = [0.1, 0.3, 0.5, 0.7, 0.9]
SEEDS = [0, 1, 2]


def random_data(seed: int, size: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores loosely correlated with them."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0.0, 1.0)
    return labels, scores


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
@pytest.mark.parametrize("threshold", THRESHOLDS, ids=[f"t{t}" for t in THRESHOLDS])
def test_counts_match_confusion_matrix(threshold, seed):
    """at_threshold counts equal scikit-learn's confusion matrix for scores >= threshold."""
    labels, scores = random_data(seed)
    result = at_threshold(labels, scores, threshold)
    tn, fp, fn, tp = sk.confusion_matrix(labels, scores >= threshold, labels=[0, 1]).ravel()
    assert (result.true_positives, result.false_positives, result.true_negatives, result.false_negatives) == (
        tp,
        fp,
        tn,
        fn,
    )


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
@pytest.mark.parametrize("threshold", THRESHOLDS, ids=[f"t{t}" for t in THRESHOLDS])
def test_rates_match_scikit_learn(threshold, seed):
    """Precision, recall, F1, FPR, accuracy, MCC and weighted F1 equal scikit-learn's."""
    labels, scores = random_data(seed)
    predicted = (scores >= threshold).astype(int)
    result = at_threshold(labels, scores, threshold)
    tn, fp, _, _ = sk.confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    assert result.precision == pytest.approx(sk.precision_score(labels, predicted, zero_division=1.0))
    assert result.recall == pytest.approx(sk.recall_score(labels, predicted))
    assert result.f1 == pytest.approx(sk.f1_score(labels, predicted))
    assert result.false_positive_rate == pytest.approx(fp / (fp + tn))
    assert result.accuracy == pytest.approx(sk.accuracy_score(labels, predicted))
    assert result.mcc == pytest.approx(sk.matthews_corrcoef(labels, predicted))
    assert result.weighted_f1 == pytest.approx(sk.f1_score(labels, predicted, average="weighted"))


def test_threshold_is_inclusive():
    """A score equal to the threshold is flagged."""
    result = at_threshold([1, 0], [0.5, 0.5], 0.5)
    assert (result.true_positives, result.false_positives) == (1, 1)


def test_nothing_flagged():
    """With nothing flagged, precision is 1, recall, F1, FPR and MCC are 0."""
    result = at_threshold([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], 0.9)
    assert (result.precision, result.recall, result.f1, result.false_positive_rate, result.mcc) == (
        1.0,
        0.0,
        0.0,
        0.0,
        0.0,
    )
    assert result.accuracy == 0.5


def test_no_data():
    """With no texts every rate is defined: precision 1, the others 0."""
    result = at_threshold([], [], 0.5)
    assert result.precision == 1.0
    assert (result.recall, result.f1, result.false_positive_rate, result.accuracy, result.mcc, result.weighted_f1) == (
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    )


def test_as_dict_has_counts_and_rounded_rates():
    """as_dict holds the counts and every rate rounded to 6 places, all as floats."""
    labels, scores = random_data(0)
    result = at_threshold(labels, scores, 0.5)
    values = result.as_dict()
    assert set(values) == {
        "threshold",
        "true_positives",
        "false_positives",
        "true_negatives",
        "false_negatives",
        "precision",
        "recall",
        "f1",
        "false_positive_rate",
        "accuracy",
        "mcc",
        "weighted_f1",
    }
    assert all(isinstance(value, float) for value in values.values())
    assert values["true_positives"] == result.true_positives
    assert values["mcc"] == round(result.mcc, 6)


def test_threshold_metrics_is_frozen():
    """ThresholdMetrics cannot be changed after it is made."""
    result = ThresholdMetrics(0.5, 1, 2, 3, 4)
    with pytest.raises(AttributeError):
        result.true_positives = 9  # type: ignore[misc]


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_ranking_matches_scikit_learn(seed):
    """ranking gives scikit-learn's ROC-AUC and average precision, rounded to 6 places."""
    labels, scores = random_data(seed)
    result = ranking(labels, scores)
    assert result["roc_auc"] == pytest.approx(sk.roc_auc_score(labels, scores), abs=1e-6)
    assert result["pr_auc"] == pytest.approx(sk.average_precision_score(labels, scores), abs=1e-6)


@pytest.mark.parametrize("labels", [[0, 0, 0], [1, 1, 1], []], ids=["negatives", "positives", "empty"])
def test_ranking_none_for_one_class(labels):
    """ranking is None for both measures when only one class (or none) is present."""
    assert ranking(labels, [0.5] * len(labels)) == {"roc_auc": None, "pr_auc": None}


scores_lists = st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), max_size=200)
targets = st.floats(min_value=0.0, max_value=0.99)


@given(scores_lists, targets)
@example([0.2] * 10, 0.05)
@example([0.0, 0.0, 0.5], 0.0)
@example([0.3, 0.3, 0.3, 0.9], 0.25)
def test_threshold_for_fpr_flags_at_most_target(negative_scores, target):
    """The threshold flags at most target_fpr of the negatives, and any lower threshold flags more."""
    threshold = threshold_for_fpr(negative_scores, target)
    scores = np.asarray(negative_scores)
    allowed = math.floor(target * scores.size)
    assert 0.0 < threshold <= 1.0
    assert np.sum(scores >= threshold) <= allowed
    if scores.size:
        assert np.sum(scores >= np.nextafter(threshold, -np.inf)) > allowed


def test_threshold_for_fpr_without_negatives():
    """With no negative scores the threshold is 0.5."""
    assert threshold_for_fpr([], 0.02) == 0.5


def test_threshold_for_fpr_of_one_flags_everything():
    """A target of 1 gives the lowest negative score, so every negative is flagged."""
    assert threshold_for_fpr([0.4, 0.1, 0.7], 1.0) == 0.1


def test_threshold_for_fpr_flags_nothing_at_zero_target():
    """A target of 0 gives a threshold above every negative score."""
    assert threshold_for_fpr([0.1, 0.7, 0.4], 0.0) > 0.7


def test_threshold_for_fpr_with_certain_negatives():
    """Negatives scored exactly 1.0 do not push the flagged share above the target."""
    scores = np.asarray([1.0, 1.0, 0.2, 0.1])
    threshold = threshold_for_fpr(scores, 0.0)
    assert np.sum(scores >= threshold) == 0
