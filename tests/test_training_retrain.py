"""Tests for comment_guard.training.retrain: training on user data, thresholds, determinism, atomic saving."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from comment_guard import CommentGuard, Policy
from comment_guard.artifact import MANIFEST, MODEL_FILE, default_model_path, load_model, read_manifest
from comment_guard.errors import TrainingDataError, UntrustedModelError
from comment_guard.guard import recommended_policy
from comment_guard.training.examples import Example
from comment_guard.training.retrain import (
    BaseData,
    TrainOptions,
    build_examples,
    check_output,
    load_base,
    save_trained,
    train,
)
from comment_guard.training.user_data import DataSpec, read_labelled
from shared_texts import HAM_TEXTS, MISINFORMATION_TEXTS, RELIABLE_TEXTS, SPAM_TEXTS, TEST_SECRET

FAST = TrainOptions(cv_folds=2, min_per_class=4)


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a UTF-8 CSV file and return its path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def spam_file(path: Path) -> Path:
    """A text,label file: the conftest spam texts against the legitimate ones."""
    rows = [[text, "spam"] for text in SPAM_TEXTS] + [[text, "ham"] for text in HAM_TEXTS + RELIABLE_TEXTS]
    return write_rows(path, ["text", "label"], rows)


def both_risks_file(path: Path) -> Path:
    """A file in the feedback-log layout labelling both risks."""
    rows = [[text, "spam", ""] for text in SPAM_TEXTS]
    rows += [[text, "ham", "reliable"] for text in HAM_TEXTS + RELIABLE_TEXTS]
    rows += [[text, "ham", "misinformation"] for text in MISINFORMATION_TEXTS]
    return write_rows(path, ["text", "spam", "misinformation"], rows)


@pytest.fixture(scope="module")
def spam_trained(tmp_path_factory):
    """A spam-only model trained once on the inline spam file, with its data."""
    path = spam_file(tmp_path_factory.mktemp("data") / "spam.csv")
    return train(read_labelled([path]), FAST)


def test_one_risk_model_scores_only_that_risk(spam_trained):
    """A model trained for spam alone reports misinformation as unavailable (None)."""
    scores = spam_trained.model.score(["Buy cheap viagra online now", "Thanks for the article"], explain=False)
    assert spam_trained.model.risks == ("spam",)
    assert all(score.misinformation is None for score in scores)
    assert scores[0].spam > scores[1].spam


def test_cross_validated_scores_cover_every_text(spam_trained):
    """Every user text gets one out-of-fold probability in [0, 1]."""
    oof = spam_trained.cross_validation["spam"]
    assert oof.scores.shape == oof.labels.shape == (36,)
    assert np.all((oof.scores >= 0) & (oof.scores <= 1))


def test_threshold_meets_the_target_rate(tmp_path):
    """The recommended threshold flags at most the target share of legitimate texts out of fold."""
    trained = train(
        read_labelled([spam_file(tmp_path / "s.csv")]), TrainOptions(cv_folds=2, min_per_class=4, target_fpr=0.05)
    )
    oof = trained.cross_validation["spam"]
    flagged = oof.scores[oof.labels == 0] >= trained.thresholds["spam"]
    assert flagged.mean() <= 0.05
    assert 0.0 < trained.thresholds["spam"] <= 1.0


def test_too_few_examples_per_class(tmp_path):
    """Training refuses data with fewer examples per class than the minimum."""
    data = read_labelled([spam_file(tmp_path / "s.csv")])
    with pytest.raises(TrainingDataError, match="at least 20 of each"):
        train(data, TrainOptions(min_per_class=20))


def test_folds_raise_the_minimum():
    """The minimum per class covers the folds: twice the folds when every fold is refit."""
    assert TrainOptions(cv_folds=2, min_per_class=4).required_per_class == 4
    assert TrainOptions(cv_folds=8, min_per_class=4).required_per_class == 8
    assert TrainOptions(cv_folds=8, min_per_class=4, refit_folds=True).required_per_class == 16
    assert TrainOptions(min_per_class=30).required_per_class == 30


@pytest.mark.parametrize("refit", [False, True], ids=["out-of-fold", "refit"])
def test_both_cross_validation_methods(tmp_path, refit):
    """Both methods score every user text out of fold and record how in the manifest."""
    data = read_labelled([spam_file(tmp_path / "s.csv")])
    trained = train(data, TrainOptions(cv_folds=2, min_per_class=4, refit_folds=refit))
    assert trained.cross_validation["spam"].labels.tolist() == [1] * 12 + [0] * 24
    manifest = save_trained(trained, tmp_path / "m", command="test")
    method = manifest.metrics["cross_validation"]["spam"]["method"]
    assert method == ("refit per fold" if refit else "out-of-fold predictions of the fit")
    assert ("refit without the scored text" in (tmp_path / "m" / "MODEL_CARD.md").read_text()) == refit


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base": "web"}, "base"),
        ({"public_data": Path("x")}, "public_data"),
        ({"user_share": 1.0}, "user_share"),
        ({"target_fpr": 0.5}, "target_fpr"),
        ({"cv_folds": 1}, "folds"),
        ({"min_per_class": 0}, "min_per_class"),
    ],
    ids=["base", "public-without-base", "share", "fpr", "folds", "minimum"],
)
def test_options_out_of_range(kwargs, message):
    """TrainOptions refuses values out of range with a ValueError naming the option."""
    with pytest.raises(ValueError, match=message):
        TrainOptions(**kwargs)


def test_same_data_same_bytes_in_process(tmp_path):
    """Training twice on the same data and options gives a byte-identical model.joblib."""
    data = read_labelled([spam_file(tmp_path / "s.csv")])
    first = save_trained(train(data, FAST), tmp_path / "a", command="test")
    second = save_trained(train(data, FAST), tmp_path / "b", command="test")
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() == (tmp_path / "b" / MODEL_FILE).read_bytes()
    assert first.files[MODEL_FILE] == second.files[MODEL_FILE]


def test_another_seed_gives_another_split(tmp_path):
    """The seed decides the folds: another seed gives other out-of-fold scores."""
    data = read_labelled([spam_file(tmp_path / "s.csv")])
    first = train(data, FAST).cross_validation["spam"].scores
    second = train(data, TrainOptions(cv_folds=2, min_per_class=4, seed=7)).cross_validation["spam"].scores
    assert not np.array_equal(first, second)


def test_same_bytes_across_processes(tmp_path):
    """Two processes with different hash seeds write byte-identical model.joblib files."""
    data = spam_file(tmp_path / "s.csv")
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / f"m{seed}"
        command = [
            sys.executable,
            "-m",
            "comment_guard",
            "train",
            str(data),
            "--out",
            str(out),
            "-q",
            "--cv-folds",
            "2",
        ]
        command += ["--min-per-class", "4"]
        env = {"PYTHONHASHSEED": seed, "PATH": ""}
        subprocess.run(command, check=True, capture_output=True, env=env, timeout=300)  # noqa: S603 - fixed argument list
        digests.append(hashlib.sha256((out / MODEL_FILE).read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_round_trip_gives_identical_scores(spam_trained, tmp_path):
    """train -> save -> load (trusted) scores exactly as the trained model does."""
    save_trained(spam_trained, tmp_path / "m", command="test")
    loaded = load_model(tmp_path / "m", trusted=True)
    texts = [*SPAM_TEXTS[:3], *HAM_TEXTS[:3], "something new entirely"]
    assert loaded.score(texts, explain=False) == spam_trained.model.score(texts, explain=False)


def test_loading_needs_trust(spam_trained, tmp_path):
    """A retrained model directory is not loaded without the caller's trust."""
    save_trained(spam_trained, tmp_path / "m", command="test")
    with pytest.raises(UntrustedModelError):
        CommentGuard.from_path(tmp_path / "m", secret_key=TEST_SECRET)


def test_manifest_records_data_and_metrics(spam_trained, tmp_path):
    """The manifest holds each file's SHA-256, the counts, options, metrics and thresholds, and the card."""
    manifest = save_trained(spam_trained, tmp_path / "m", command="comment-guard train s.csv", spec={"risk": None})
    data_file = manifest.training["data_files"][0]
    assert data_file["sha256"] == hashlib.sha256(Path(data_file["path"]).read_bytes()).hexdigest()
    assert manifest.training["examples"]["spam"]["user_positive"] == 12
    assert manifest.training["options"]["target_fpr"] == 0.01
    assert manifest.metrics["recommended_thresholds"]["spam"] == round(spam_trained.thresholds["spam"], 6)
    assert set(manifest.metrics["cross_validation"]["spam"]) >= {"roc_auc", "pr_auc", "at", "folds"}
    assert "MODEL_CARD.md" in manifest.files
    card = (tmp_path / "m" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Recommended thresholds" in card
    assert data_file["sha256"] in card
    assert json.loads((tmp_path / "m" / MANIFEST).read_text())["name"] == "m"


def test_from_path_uses_recommended_thresholds(spam_trained, tmp_path):
    """Without a policy, from_path holds at the model's recommended thresholds; a given policy wins."""
    save_trained(spam_trained, tmp_path / "m", command="test")
    guard = CommentGuard.from_path(tmp_path / "m", secret_key=TEST_SECRET, trust=True)
    assert guard.policy.spam_hold == pytest.approx(spam_trained.thresholds["spam"], abs=1e-6)
    assert guard.policy.misinformation_hold == Policy.default().misinformation_hold
    strict = CommentGuard.from_path(tmp_path / "m", secret_key=TEST_SECRET, trust=True, policy=Policy.strict())
    assert strict.policy == Policy.strict()


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({}, (0.93, 0.99, 0.93)),
        ({"recommended_thresholds": {"spam": 0.4}}, (0.4, 0.99, 0.93)),
        ({"recommended_thresholds": {"spam": 0.995, "misinformation": 0.2}}, (0.995, 0.995, 0.2)),
        ({"recommended_thresholds": {"spam": 1.5}}, (1.0, 1.0, 0.93)),
        ({"recommended_thresholds": {"spam": "high", "misinformation": True}}, (0.93, 0.99, 0.93)),
        ({"recommended_thresholds": [0.1]}, (0.93, 0.99, 0.93)),
    ],
    ids=["none", "spam", "above-spam-threshold", "clipped", "not-numbers", "not-a-mapping"],
)
def test_recommended_policy(metrics, expected):
    """recommended_policy sets hold thresholds, keeps spam >= hold, clips, and ignores junk."""
    policy = recommended_policy(metrics)
    assert (policy.spam_hold, policy.spam_spam, policy.misinformation_hold) == pytest.approx(expected)


def test_failure_midway_leaves_nothing(spam_trained, tmp_path, monkeypatch):
    """A failure after model.joblib is written leaves no model directory and no staging files."""
    from comment_guard import artifact

    def broken(model):
        raise RuntimeError("disk full")

    monkeypatch.setattr(artifact, "probe_scores", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_trained(spam_trained, tmp_path / "m", command="test")
    assert list(tmp_path.iterdir()) == []


def test_failure_midway_keeps_the_old_model(spam_trained, tmp_path, monkeypatch):
    """With --force, a failure midway leaves the previous model directory as it was."""
    from comment_guard import artifact

    save_trained(spam_trained, tmp_path / "m", command="first")
    before = {path.name: path.read_bytes() for path in (tmp_path / "m").iterdir()}
    monkeypatch.setattr(artifact, "probe_scores", lambda model: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        save_trained(spam_trained, tmp_path / "m", command="second", force=True)
    assert {path.name: path.read_bytes() for path in (tmp_path / "m").iterdir()} == before
    assert [path.name for path in tmp_path.iterdir()] == ["m"]


def test_refuses_the_shipped_model():
    """The shipped model directory is never a training output, even with force."""
    for force in (False, True):
        with pytest.raises(FileExistsError, match="shipped model"):
            check_output(default_model_path(), force=force)


def test_existing_directories(tmp_path, spam_trained):
    """An existing directory needs force, and must be empty or a model directory."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    (tmp_path / "file.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="--force"):
        check_output(tmp_path / "empty")
    assert check_output(tmp_path / "empty", force=True) == tmp_path / "empty"
    for name in ("notes", "file.txt"):
        with pytest.raises(FileExistsError, match="not a model directory"):
            check_output(tmp_path / name, force=True)
    save_trained(spam_trained, tmp_path / "model", command="test")
    assert check_output(tmp_path / "model", force=True) == tmp_path / "model"
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


def team_corpus(directory: Path) -> Path:
    """A tiny corpus folder in the team corpus layout."""
    directory.mkdir()
    rows = [[text, "spam", "reliable", "drugs", "k"] for text in SPAM_TEXTS]
    rows += [[text, "ham", "reliable", "health", "k"] for text in HAM_TEXTS + RELIABLE_TEXTS]
    rows += [[text, "ham", "misinformation", "health", "k"] for text in MISINFORMATION_TEXTS]
    write_rows(directory / "corpus.csv", ["text", "spam", "misinformation", "topic", "kind"], rows)
    return directory


def test_base_default_trains_both_risks(tmp_path):
    """--base default adds the team corpus: the model scores both risks, CV stays on the user's risk."""
    corpus = team_corpus(tmp_path / "corpus")
    user = write_rows(
        tmp_path / "user.csv",
        ["text", "label"],
        [[f"visit my shop {i} for cheap watches", "spam"] for i in range(10)]
        + [[f"my knee hurt for {i} weeks after running", "ham"] for i in range(10)],
    )
    options = TrainOptions(base="default", corpus_dir=corpus, cv_folds=2, min_per_class=4)
    trained = train(read_labelled([user]), options)
    assert trained.model.risks == ("spam", "misinformation")
    assert list(trained.cross_validation) == ["spam"]
    assert trained.base is not None
    assert trained.base.description == "team corpus"


def test_user_share_of_the_weight(tmp_path):
    """With a base, the user's rows get user_share of each risk's weight, and their texts replace the base's."""
    base_rows = [Example(f"base text {i}", i % 2, "team", weight=1.0 + i % 3) for i in range(30)]
    base_rows.append(Example("Shared TEXT", 1, "team"))
    base = BaseData({"spam": base_rows}, [], "team corpus")
    data = read_labelled(
        [write_rows(tmp_path / "u.csv", ["text", "label"], [["shared text", "ham"], ["user spam", "spam"]])]
    )
    excluded = frozenset({"shared text", "user spam"})
    examples = build_examples(data.risks, base, TrainOptions(base="default", user_share=0.25), excluded)["spam"]
    user_weight = sum(e.weight for e in examples if e.source == "user")
    assert user_weight / sum(e.weight for e in examples) == pytest.approx(0.25)
    assert [e.text for e in examples if e.source == "team" and "shared" in e.text.lower()] == []


def test_balanced_classes_without_base(tmp_path):
    """balance_classes gives each class of the user's data the same total weight."""
    data = read_labelled([spam_file(tmp_path / "s.csv")])
    examples = build_examples(data.risks, None, TrainOptions(balance_classes=True))["spam"]
    spam = sum(e.weight for e in examples if e.label == 1)
    ham = sum(e.weight for e in examples if e.label == 0)
    assert spam == pytest.approx(ham)
    plain = build_examples(data.risks, None, TrainOptions())["spam"]
    assert {e.weight for e in plain} == {1.0}


def test_missing_base_data(tmp_path):
    """A base without its corpus or public data is a TrainingDataError naming the folder."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingDataError, match="team corpus"):
        load_base(TrainOptions(base="default", corpus_dir=tmp_path / "empty"))
    corpus = team_corpus(tmp_path / "corpus")
    with pytest.raises(TrainingDataError, match="public data sets"):
        load_base(TrainOptions(base="default", corpus_dir=corpus, public_data=tmp_path / "nothing"))
    assert load_base(TrainOptions()) is None


def test_both_risks_from_the_feedback_layout(tmp_path):
    """A file with spam and misinformation columns trains and cross-validates both risks."""
    data = read_labelled([both_risks_file(tmp_path / "f.csv")], DataSpec())
    trained = train(data, FAST)
    assert trained.model.risks == ("spam", "misinformation")
    assert set(trained.thresholds) == {"spam", "misinformation"}
    assert len(trained.cross_validation["misinformation"].labels) == 36


def test_read_manifest_of_saved_model(spam_trained, tmp_path):
    """The saved directory passes the artifact checks (manifest, hashes, probes)."""
    save_trained(spam_trained, tmp_path / "m", command="test")
    manifest = read_manifest(tmp_path / "m")
    assert manifest.risks == ["spam"]
    assert [probe.misinformation for probe in manifest.probes] == [None] * len(manifest.probes)


def test_team_corpus_found_in_the_wheel_or_the_checkout(tmp_path, monkeypatch):
    """team_corpus_dir() prefers the corpus packaged in the wheel and falls back to the checkout's."""
    from comment_guard.training import recipe

    assert (recipe.team_corpus_dir() / "DATASHEET.md").is_file()
    packaged = tmp_path / "data" / "corpus"
    packaged.mkdir(parents=True)
    (packaged / "rows.csv").write_text("text,spam,misinformation,topic,kind\n", encoding="utf-8")
    monkeypatch.setattr(recipe.resources, "files", lambda package: tmp_path)
    assert recipe.team_corpus_dir() == packaged
