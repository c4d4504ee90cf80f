"""Tests for comment_guard.training.report: per-risk reports, worst errors, rendering and the model card."""

from __future__ import annotations

import json

import pytest

from comment_guard.training.report import (
    render_confusion,
    render_errors,
    render_model_card,
    render_reports,
    risk_report,
    shown_text,
    worst_errors,
)
from comment_guard.training.user_data import LabelledText
from comment_guard.training.user_files import Location

LABELS = [1, 1, 1, 0, 0, 0, 0]
SCORES = [0.95, 0.6, 0.1, 0.05, 0.3, 0.7, 0.99]


def items():
    """LabelledText items matching LABELS."""
    return [LabelledText(f"text {i}", label, Location("d.csv", i + 2)) for i, label in enumerate(LABELS)]


def test_risk_report_counts_at_each_threshold():
    """A report gives ranking figures and confusion counts at each threshold, in order."""
    report = risk_report("spam", LABELS, SCORES, (0.5, 0.9))
    assert (report.n, report.positives) == (7, 3)
    assert [m.threshold for m in report.at] == [0.5, 0.9]
    first = report.at[0]
    assert (first.true_positives, first.false_negatives, first.false_positives, first.true_negatives) == (2, 1, 2, 2)
    assert report.roc_auc is not None
    assert 0 < report.roc_auc < 1
    json.dumps(report.to_dict())


def test_report_with_one_class_has_no_ranking():
    """Data of one class (all legitimate) still reports the false-positive rate, without AUCs."""
    report = risk_report("spam", [0, 0, 0], [0.1, 0.95, 0.2], (0.9,))
    assert report.roc_auc is None
    assert report.at[0].false_positive_rate == pytest.approx(1 / 3)


def test_worst_errors_most_confident_first():
    """Only misclassified texts are listed, the most confidently wrong first, up to the limit."""
    cases = worst_errors("spam", items(), SCORES, 0.5, 10)
    assert [(case.label, case.score) for case in cases] == [(0, 0.99), (1, 0.1), (0, 0.7)]
    assert cases[0].location == "d.csv line 8"
    assert len(worst_errors("spam", items(), SCORES, 0.5, 1)) == 1


def test_shown_text_is_one_scrubbed_line():
    """Texts shown to people lose line breaks, email addresses and phone numbers, and are cut."""
    text = "Write to ann@example.com\nor call +1 555 010 9999 " + "x" * 200
    shown = shown_text(text, limit=60)
    assert "ann@example.com" not in shown
    assert "555 010" not in shown
    assert "\n" not in shown
    assert len(shown) == 60
    assert shown.endswith("...")


def test_render_errors_lists_label_score_and_place():
    """Each error line names the label, the score, the file and line, and the text."""
    text = render_errors(worst_errors("misinformation", items(), SCORES, 0.5, 2))
    assert text.splitlines()[0].startswith("   1. labelled reliable, scored 0.990  d.csv line 8")
    assert render_errors([]).strip() == "none"


def test_render_reports_side_by_side():
    """Two models show as two columns; a risk one model lacks shows '-'."""
    first = {"spam": risk_report("spam", LABELS, SCORES, (0.5,))}
    second = {
        "spam": risk_report("spam", LABELS, [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1], (0.5,)),
        "misinformation": risk_report("misinformation", LABELS, SCORES, (0.5,)),
    }
    text = render_reports([("mine", first), ("other", second)])
    assert "mine" in text
    assert "other" in text
    auc_lines = [line.split() for line in text.splitlines() if "ROC-AUC" in line]
    assert auc_lines[0][-1] == "1.0000"
    assert auc_lines[1][1:] == ["-", f"{second['misinformation'].roc_auc:.4f}"]


def test_render_confusion_places_counts():
    """The confusion matrix puts true positives and false negatives on the risk's row."""
    text = render_confusion("mine", "spam", risk_report("spam", LABELS, SCORES, (0.5,)).at[0])
    lines = text.splitlines()
    assert lines[0] == "mine, spam at 0.5000:"
    assert lines[2].split() == ["spam", "2", "1"]
    assert lines[3].split() == ["ham", "2", "2"]


def test_model_card_names_files_metrics_and_thresholds():
    """The model card lists the data files with SHA-256, the cross-validated figures and thresholds."""
    training = {
        "command": "comment-guard train d.csv --out m",
        "recipe": "user data",
        "data_files": [{"path": "d.csv", "sha256": "ab" * 32, "rows": 7, "used": 7}],
        "options": {"cv_folds": 5, "seed": 0},
        "examples": {
            "spam": {
                "user_positive": 3,
                "user_negative": 4,
                "base": 0,
                "user_weight_share": 1.0,
                "duplicates_dropped": 0,
                "conflicts_dropped": 0,
                "unlabelled": 0,
            }
        },
    }
    report = risk_report("spam", LABELS, SCORES, (0.5, 0.5))
    metrics = {
        "cross_validation": {"spam": {"folds": 5, **report.to_dict()}},
        "recommended_thresholds": {"spam": 0.5},
        "target_false_positive_rate": 0.01,
    }
    training["examples"]["misinformation"] = {**training["examples"]["spam"], "user_positive": 0, "user_negative": 0}
    training["examples"]["misinformation"]["base"] = 120
    card = render_model_card("m", training, metrics)
    assert "- **misinformation**: the base alone (120 examples)" in card
    assert card.startswith("# comment_guard model: m")
    assert "ab" * 32 in card
    assert "spam 0.5000" in card
    assert "1.00%" in card
    assert card.count("| spam | 7 | 3 |") == 2
