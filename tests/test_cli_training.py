"""Tests for ``comment-guard train`` and ``comment-guard evaluate``: end to end on small inline files."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from comment_guard import CommentGuard
from comment_guard.artifact import MANIFEST, MODEL_FILE, default_model_path, read_manifest
from comment_guard.cli import EXIT_OK, EXIT_USAGE, main
from shared_texts import HAM_TEXTS, MISINFORMATION_TEXTS, RELIABLE_TEXTS, SPAM_TEXTS, TEST_SECRET

FAST = ("-q", "--cv-folds", "2", "--min-per-class", "4")


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a UTF-8 CSV file and return its path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def spam_file(path: Path) -> Path:
    """text,label,split: spam against legitimate texts, every sixth row in the val split."""
    rows = [[text, "spam"] for text in SPAM_TEXTS] + [[text, "ham"] for text in HAM_TEXTS + RELIABLE_TEXTS]
    return write_rows(
        path, ["text", "label", "split"], [[*row, "val" if i % 6 == 0 else "train"] for i, row in enumerate(rows)]
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line; return the exit code, standard output and standard error."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, err: str) -> str:
    """Assert a usage-error exit with one error line; return the line."""
    assert code == EXIT_USAGE
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("comment-guard: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory):
    """A spam model trained by the command line once for the module, and its data file."""
    root = tmp_path_factory.mktemp("cli")
    data = spam_file(root / "spam.csv")
    assert main(["train", str(data), "--out", str(root / "model"), *FAST]) == EXIT_OK
    return root / "model", data


def test_train_writes_a_complete_model(trained_dir):
    """train writes model, manifest and card; the manifest records the command and the data's SHA-256."""
    model, data = trained_dir
    assert sorted(path.name for path in model.iterdir()) == ["MODEL_CARD.md", MANIFEST, MODEL_FILE]
    manifest = read_manifest(model)
    assert manifest.training["data_files"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert manifest.training["command"].startswith(f"comment-guard train {data} --out {model}")
    assert "--cv-folds 2" in manifest.training["command"]
    assert manifest.risks == ["spam"]


def test_train_prints_metrics_and_how_to_load(tmp_path, capsys):
    """train prints the data summary, cross-validated metrics, thresholds and how to load the model."""
    data = spam_file(tmp_path / "spam.csv")
    code, out, err = run(
        capsys, "train", str(data), "--out", str(tmp_path / "m"), "--cv-folds", "2", "--min-per-class", "4"
    )
    assert code == EXIT_OK
    for expected in ("spam: 12 spam / 24 ham", "ROC-AUC", "MCC", "false-positive rate", "Recommended thresholds: spam"):
        assert expected in out
    assert "trust=True" in out
    assert "fitting the model (2-fold out-of-fold scores" in err


def test_cv_refit_refits_each_fold(tmp_path, capsys):
    """--cv-refit fits once per fold, then the final model, and says so in the manifest's command."""
    data = spam_file(tmp_path / "spam.csv")
    code, _, err = run(capsys, "train", str(data), "--out", str(tmp_path / "m"), "--cv-refit", "--cv-folds", "2")
    assert code == EXIT_OK
    assert "cross-validation: fitting fold 2 of 2" in err
    assert read_manifest(tmp_path / "m").training["command"].endswith("--cv-folds 2 --cv-refit")


def test_where_splits_a_public_set(tmp_path, capsys):
    """--where keeps the train split only; the manifest records the filter."""
    data = spam_file(tmp_path / "spam.csv")
    code, out, _ = run(capsys, "train", str(data), "--where", "split=train", "--out", str(tmp_path / "m"), *FAST)
    assert code == EXIT_OK
    assert "36 rows, 30 kept by --where" in out
    assert read_manifest(tmp_path / "m").training["data"]["where"] == ["split=train"]


@pytest.mark.parametrize(
    ("rows", "extra", "message"),
    [
        ([["a", "spam"]], ("--text-column", "body"), "no column 'body'"),
        ([["a", "spam"], ["b", "maybe"]], (), "label 'maybe' is not a spam label"),
        ([["a", "spam"], ["", "ham"]], (), "has an empty text"),
        ([["buy", "spam"], ["BUY", "ham"]], (), "labelled both ways"),
        ([["a", "spam"], ["b", "ham"]], (), "at least 10 of each"),
        ([["a", "1"], ["b", "0"]], (), "--risk"),
    ],
    ids=["missing-column", "unknown-label", "empty-text", "conflict", "too-few", "needs-risk"],
)
def test_bad_training_data_is_one_line(tmp_path, capsys, rows, extra, message):
    """Unusable training data ends with one error line, exit code 2 and no model directory."""
    data = write_rows(tmp_path / "d.csv", ["text", "label"], rows)
    code, _, err = run(capsys, "train", str(data), "--out", str(tmp_path / "m"), "-q", *extra)
    assert message in one_line_error(code, err)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--positive", "1"), "together"),
        (("--positive", "1", "--negative", "0"), "need --risk"),
        (("--public-data", "x"), "needs --base default"),
    ],
    ids=["positive-alone", "mapping-without-risk", "public-without-base"],
)
def test_inconsistent_options_are_one_line(tmp_path, capsys, extra, message):
    """Options that do not fit together end with one error line and exit code 2."""
    data = spam_file(tmp_path / "d.csv")
    code, _, err = run(capsys, "train", str(data), "--out", str(tmp_path / "m"), "-q", *extra)
    assert message in one_line_error(code, err)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--target-fpr", "0.7"), ("--cv-folds", "1"), ("--user-share", "1"), ("--where", "split")],
    ids=["fpr", "folds", "share", "where"],
)
def test_out_of_range_options_are_usage_errors(tmp_path, capsys, option, value):
    """argparse refuses out-of-range values with exit code 2 and one line."""
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "d.csv", "--out", str(tmp_path / "m"), option, value])
    assert exit_info.value.code == EXIT_USAGE
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_refuses_the_shipped_model(tmp_path, capsys):
    """--out at the shipped model is refused, even with --force, and the model is untouched."""
    before = hashlib.sha256((default_model_path() / MANIFEST).read_bytes()).hexdigest()
    data = spam_file(tmp_path / "d.csv")
    code, _, err = run(capsys, "train", str(data), "--out", str(default_model_path()), "--force", "-q")
    assert "shipped model" in one_line_error(code, err)
    assert hashlib.sha256((default_model_path() / MANIFEST).read_bytes()).hexdigest() == before


def test_existing_output_needs_force(tmp_path, capsys):
    """An existing model directory is replaced only with --force."""
    data = spam_file(tmp_path / "d.csv")
    assert main(["train", str(data), "--out", str(tmp_path / "m"), *FAST]) == EXIT_OK
    capsys.readouterr()
    code, _, err = run(capsys, "train", str(data), "--out", str(tmp_path / "m"), *FAST)
    assert "--force" in one_line_error(code, err)
    code, _, _ = run(capsys, "train", str(data), "--out", str(tmp_path / "m"), "--force", "--seed", "3", *FAST)
    assert code == EXIT_OK
    assert read_manifest(tmp_path / "m").training["options"]["seed"] == 3


def test_evaluate_reports_matrix_and_worst_errors(trained_dir, capsys):
    """evaluate prints the metrics, the confusion matrix at the policy threshold and the worst errors."""
    model, data = trained_dir
    code, out, _ = run(
        capsys, "evaluate", "--model", str(model), "--trust", str(data), "--where", "split=val", "--at", "0.5"
    )
    assert code == EXIT_OK
    threshold = read_manifest(model).metrics["recommended_thresholds"]["spam"]
    assert f"spam at {threshold:.4f}:" in out
    assert "flagged" in out
    assert re.search(r"at threshold\s+0\.5000", out)
    assert "Worst spam errors of" in out


def test_evaluate_needs_trust(trained_dir, capsys):
    """A model directory outside the package is not loaded without --trust."""
    model, data = trained_dir
    code, _, err = run(capsys, "evaluate", "--model", str(model), str(data))
    assert "--trust" in one_line_error(code, err)


def test_evaluate_compares_with_the_shipped_model(trained_dir, capsys):
    """--compare default shows both models; --json gives machine-readable figures."""
    model, data = trained_dir
    code, out, _ = run(
        capsys, "evaluate", "--model", str(model), "--trust", str(data), "--compare", "default", "--json"
    )
    assert code == EXIT_OK
    document = json.loads(out)
    assert set(document["models"]) == {str(model), "default"}
    assert document["models"]["default"]["spam"]["at"][0]["threshold"] == pytest.approx(0.93)
    assert document["data"][0]["rows"] == 36


def test_evaluate_policy_option_sets_thresholds(trained_dir, capsys):
    """--policy uses a preset policy's hold threshold instead of the model's recommendation."""
    model, data = trained_dir
    code, out, _ = run(capsys, "evaluate", "--model", str(model), "--trust", str(data), "--policy", "strict", "--json")
    assert code == EXIT_OK
    assert json.loads(out)["models"][str(model)]["spam"]["at"][0]["threshold"] == pytest.approx(0.7)


def test_evaluate_writes_a_png(trained_dir, tmp_path, capsys):
    """--plot writes a PNG made by matplotlib."""
    pytest.importorskip("matplotlib")
    model, data = trained_dir
    code, out, _ = run(
        capsys, "evaluate", "--model", str(model), "--trust", str(data), "--plot", str(tmp_path / "c.png")
    )
    assert code == EXIT_OK
    assert f"Plot saved to {tmp_path / 'c.png'}" in out
    png = (tmp_path / "c.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Matplotlib" in png


def test_plot_without_matplotlib_is_one_line(trained_dir, tmp_path, capsys, monkeypatch):
    """Without matplotlib, --plot ends with one line naming the plot extra."""
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    model, data = trained_dir
    code, _, err = run(
        capsys, "evaluate", "--model", str(model), "--trust", str(data), "--plot", str(tmp_path / "c.png")
    )
    assert "comment-guard[plot]" in one_line_error(code, err)


def test_evaluate_needs_a_shared_risk(trained_dir, tmp_path, capsys):
    """Data labelled only for a risk the model does not score is refused."""
    model, _ = trained_dir
    data = write_rows(tmp_path / "m.csv", ["text", "label"], [["a", "misinformation"], ["b", "reliable"]])
    code, _, err = run(capsys, "evaluate", "--model", str(model), "--trust", str(data))
    assert "scores spam" in one_line_error(code, err)


def test_feedback_log_is_training_input(tmp_path, capsys, tiny_model, make_form, identity_key):
    """The log written by guard.feedback trains both risks as it stands, and evaluates."""
    log = tmp_path / "feedback.log"
    guard = CommentGuard(tiny_model, identity_key=identity_key, feedback_log=log)
    verdicts = [(SPAM_TEXTS, "spam"), (HAM_TEXTS + RELIABLE_TEXTS, "approve"), (MISINFORMATION_TEXTS, "misinformation")]
    for number, (texts, verdict) in enumerate(verdicts):
        for index, text in enumerate(texts):
            result = guard.moderate(make_form(content=text, post_id=f"{number}-{index}"))
            guard.feedback(result, verdict)
    code, out, _ = run(capsys, "train", str(log), "--out", str(tmp_path / "m"), *FAST)
    assert code == EXIT_OK
    assert "spam: 12 spam / 36 ham" in out
    assert (
        "misinformation: 12 misinformation / 24 reliable (duplicates dropped: 0, rows without a misinformation label: 12)"
        in out
    )
    assert read_manifest(tmp_path / "m").risks == ["spam", "misinformation"]
    code, out, _ = run(capsys, "evaluate", "--model", str(tmp_path / "m"), "--trust", str(log), "--worst", "0")
    assert code == EXIT_OK
    assert "Worst" not in out
    loaded = CommentGuard.from_path(tmp_path / "m", secret_key=TEST_SECRET, trust=True)
    assert loaded.score([SPAM_TEXTS[0]])[0].spam is not None
