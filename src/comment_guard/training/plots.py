"""Precision-recall and ROC curves as a PNG, with matplotlib (the optional extra ``plot``).

matplotlib is imported only when a plot is drawn, and through its object-oriented API
(``Figure`` with the Agg canvas), so drawing never changes the caller's pyplot state or
backend.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from comment_guard.errors import TrainingDataError

#: Per model name, per risk: (labels with 1 = the risk, scores in [0, 1], operating threshold).
Curves = Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray, float]]]


def save_curves(path: str | os.PathLike[str], curves: Curves, *, title: str = "") -> Path:
    """Draw one row per risk (precision-recall left, ROC right), one line per model, to a PNG.

    Each model's operating point at its threshold is marked. Raises ``ImportError`` (with
    the install command) when matplotlib is missing, and :class:`TrainingDataError` when no
    risk has both classes.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("Plots need matplotlib: pip install 'comment-guard[plot]'.") from exc

    risks = [
        risk
        for risk in dict.fromkeys(risk for per_risk in curves.values() for risk in per_risk)
        if any(risk in per_risk and len(set(per_risk[risk][0].tolist())) == 2 for per_risk in curves.values())
    ]
    if not risks:
        raise TrainingDataError("Cannot draw precision-recall or ROC curves: no risk has texts of both classes.")
    figure = Figure(figsize=(11, 4.6 * len(risks)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(risks), 2, squeeze=False)
    for row, risk in enumerate(risks):
        pr_axis, roc_axis = axes[row]
        for name, per_risk in curves.items():
            if risk not in per_risk or len(set(per_risk[risk][0].tolist())) < 2:
                continue
            labels, scores, threshold = per_risk[risk]
            precision, recall, _ = precision_recall_curve(labels, scores)
            false_positive, true_positive, _ = roc_curve(labels, scores)
            pr_line = pr_axis.plot(
                recall,
                precision,
                drawstyle="steps-post",
                label=f"{name} (PR-AUC {average_precision_score(labels, scores):.3f})",
            )
            roc_axis.plot(false_positive, true_positive, label=f"{name} (ROC-AUC {roc_auc_score(labels, scores):.3f})")
            flagged = scores >= threshold
            positives, negatives = labels == 1, labels == 0
            point_recall = float(np.sum(flagged & positives) / max(np.sum(positives), 1))
            point_precision = float(np.sum(flagged & positives) / max(np.sum(flagged), 1)) if flagged.any() else 1.0
            point_fpr = float(np.sum(flagged & negatives) / max(np.sum(negatives), 1))
            colour = pr_line[0].get_color()
            pr_axis.plot([point_recall], [point_precision], "o", color=colour)
            roc_axis.plot([point_fpr], [point_recall], "o", color=colour, label=f"{name} at {threshold:.3f}")
        pr_axis.set(
            title=f"{risk}: precision-recall", xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.01)
        )
        roc_axis.set(title=f"{risk}: ROC", xlabel="false-positive rate", ylabel="true-positive rate", xlim=(0, 1.01))
        roc_axis.plot([0, 1], [0, 1], linestyle=":", color="grey")
        for axis in (pr_axis, roc_axis):
            axis.grid(alpha=0.3)
            axis.legend(loc="lower left" if axis is pr_axis else "lower right", fontsize="small")
    if title:
        figure.suptitle(title)
    target = Path(path)
    figure.savefig(target, format="png", dpi=100)
    return target
