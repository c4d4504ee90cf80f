"""Tests for comment_guard.training.plots: the precision-recall / ROC PNG."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from comment_guard.errors import TrainingDataError
from comment_guard.training.plots import save_curves

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def curves():
    """Two models' labels, scores and thresholds for the spam risk."""
    labels = np.asarray([1, 1, 1, 0, 0, 0, 0, 1])
    return {
        "mine": {"spam": (labels, np.asarray([0.9, 0.8, 0.3, 0.2, 0.1, 0.6, 0.05, 0.7]), 0.5)},
        "other": {"spam": (labels, np.asarray([0.6, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]), 0.55)},
    }


def test_plot_is_a_png_written_by_matplotlib(tmp_path):
    """The plot file starts with the PNG signature and carries matplotlib's Software tag."""
    pytest.importorskip("matplotlib")
    path = save_curves(tmp_path / "curves.png", curves(), title="test")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert b"IHDR" in data[:32]
    assert b"Matplotlib" in data
    assert data.rstrip().endswith(b"IEND\xaeB`\x82")


def test_plot_does_not_touch_pyplot(tmp_path):
    """Drawing does not import pyplot, so the caller's backend and figures are left alone."""
    pytest.importorskip("matplotlib")
    had_pyplot = "matplotlib.pyplot" in sys.modules
    save_curves(tmp_path / "curves.png", curves())
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


def test_missing_matplotlib_says_how_to_install(tmp_path, monkeypatch):
    """Without matplotlib the ImportError names the plot extra."""
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"comment-guard\[plot\]"):
        save_curves(tmp_path / "curves.png", curves())
    assert not (tmp_path / "curves.png").exists()


def test_one_class_cannot_be_plotted(tmp_path):
    """Labels of one class have no curve: a TrainingDataError, no file."""
    pytest.importorskip("matplotlib")
    labels = np.zeros(4, dtype=int)
    with pytest.raises(TrainingDataError, match="both classes"):
        save_curves(tmp_path / "c.png", {"mine": {"spam": (labels, np.linspace(0, 1, 4), 0.5)}})
    assert not (tmp_path / "c.png").exists()
