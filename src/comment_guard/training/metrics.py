"""Classification metrics for risk scores: ranking quality and behaviour at a threshold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


@dataclass(frozen=True, slots=True)
class ThresholdMetrics:
    """Counts and rates when scores at or above ``threshold`` are flagged.

    ``false_positive_rate`` is the share of negatives (legitimate comments) flagged.
    """

    threshold: float
    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of flagged texts that are positive (1.0 when nothing is flagged)."""
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        """Share of positives flagged."""
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def false_positive_rate(self) -> float:
        """Share of negatives flagged."""
        negatives = self.false_positives + self.true_negatives
        return self.false_positives / negatives if negatives else 0.0

    @property
    def accuracy(self) -> float:
        """Share of texts classified correctly."""
        total = self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
        return (self.true_positives + self.true_negatives) / total if total else 0.0

    @property
    def mcc(self) -> float:
        """Matthews correlation coefficient in [-1, 1]."""
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        return (tp * tn - fp * fn) / denominator if denominator else 0.0

    @property
    def weighted_f1(self) -> float:
        """F1 of each class weighted by its support (the CONSTRAINT shared task's measure)."""
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        negative = ThresholdMetrics(self.threshold, tn, fn, tp, fp)
        positives, negatives = tp + fn, tn + fp
        total = positives + negatives
        return (self.f1 * positives + negative.f1 * negatives) / total if total else 0.0

    def as_dict(self) -> dict[str, float]:
        """All counts and rates, for reports and manifests."""
        values: dict[str, float] = {key: float(value) for key, value in asdict(self).items()}
        for name in ("precision", "recall", "f1", "false_positive_rate", "accuracy", "mcc", "weighted_f1"):
            values[name] = round(float(getattr(self, name)), 6)
        return values


def at_threshold(
    labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray, threshold: float
) -> ThresholdMetrics:
    """Confusion counts when scores ``>= threshold`` are flagged."""
    y = np.asarray(labels, dtype=bool)
    flagged = np.asarray(scores, dtype=np.float64) >= threshold
    return ThresholdMetrics(
        threshold=threshold,
        true_positives=int(np.sum(flagged & y)),
        false_positives=int(np.sum(flagged & ~y)),
        true_negatives=int(np.sum(~flagged & ~y)),
        false_negatives=int(np.sum(~flagged & y)),
    )


def ranking(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray) -> dict[str, float | None]:
    """ROC-AUC and PR-AUC (average precision); ``None`` when only one class is present."""
    y = np.asarray(labels)
    if len(set(y.tolist())) < 2:
        return {"roc_auc": None, "pr_auc": None}
    return {
        "roc_auc": round(float(roc_auc_score(y, scores)), 6),
        "pr_auc": round(float(average_precision_score(y, scores)), 6),
    }


def threshold_for_fpr(negative_scores: Sequence[float] | np.ndarray, target_fpr: float) -> float:
    """The lowest threshold that flags at most ``target_fpr`` of ``negative_scores``.

    ``target_fpr`` is a fraction in [0, 1). Returns a value in (0, 1], or just above 1 when
    too many negatives score exactly 1.0 (nothing can then be flagged); with no negatives, 0.5.
    """
    scores = np.sort(np.asarray(negative_scores, dtype=np.float64))
    if scores.size == 0:
        return 0.5
    allowed = math.floor(target_fpr * scores.size)
    if allowed >= scores.size:
        return float(scores[0])
    cut = scores[scores.size - allowed - 1]
    return float(np.nextafter(cut, np.inf))
