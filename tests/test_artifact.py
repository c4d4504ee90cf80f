"""Tests for comment_guard.artifact: saving, verifying and loading a model directory."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pytest
import sklearn

from comment_guard import artifact
from comment_guard.artifact import (
    FORMAT_VERSION,
    MANIFEST,
    MODEL_FILE,
    PROBE_TEXTS,
    Manifest,
    load_default_model,
    load_model,
    read_manifest,
    save_model,
    sha256_file,
    versions,
)
from comment_guard.errors import (
    IntegrityError,
    ManifestError,
    ModelBehaviourError,
    ModelError,
    ModelNotFoundError,
    UntrustedModelError,
)
from comment_guard.model import RiskModel
from comment_guard.results import MISINFORMATION, RISKS, SPAM

TEXTS = (
    "Buy cheap viagra online, no prescription needed, discreet shipping http://pills.example.ru",
    "Stop taking your insulin, this herbal tea cures diabetes permanently, guaranteed.",
    "Thanks for the clear write-up; my doctor suggested the same approach for my knee.",
    "B.u.y v1agr@ n0w \u200b\u1d04\u029c\u1d07\u1d00\u1d18 !!!",
    "",
)
TRAINING = {"data_sha256": "0" * 64, "rows": {SPAM: {"spam": 12, "ham": 24}}}
METRICS = {SPAM: {"roc_auc": 0.99}, MISINFORMATION: {"roc_auc": 0.95}}


@pytest.fixture
def saved(tiny_model: RiskModel, tmp_path: Path) -> Path:
    """A freshly saved copy of the session's tiny model."""
    directory = tmp_path / "model"
    save_model(tiny_model, directory, name="tiny", training=TRAINING, metrics=METRICS)
    return directory


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any call to joblib.load fail the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        pytest.fail("joblib.load was called on a file that failed verification")

    monkeypatch.setattr(artifact.joblib, "load", refuse)


def edit_manifest(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to the manifest's JSON object and write it back."""
    path = directory / MANIFEST
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def rehash(directory: Path, name: str = MODEL_FILE) -> None:
    """Record the current size and SHA-256 of ``name`` in the manifest."""
    path = directory / name

    def update(data: dict[str, Any]) -> None:
        data["files"][name] = {"sha256": sha256_file(path), "size": path.stat().st_size}

    edit_manifest(directory, update)


def scores_of(model: RiskModel) -> list[tuple[float | None, float | None]]:
    """Both scores of each test text."""
    return [(s.spam, s.misinformation) for s in model.score(TEXTS)]


# --- round trip and manifest ---------------------------------------------------------------------


def test_round_trip_gives_identical_scores(tiny_model, saved):
    """A saved and reloaded model scores exactly as the original, explanations included."""
    loaded = load_model(saved, trusted=True)
    assert scores_of(loaded) == scores_of(tiny_model)
    for text in TEXTS:
        assert loaded.score_one(text).explanations == tiny_model.score_one(text).explanations


def test_round_trip_accepts_str_path(tiny_model, saved):
    """load_model takes a str path as well as a Path."""
    assert scores_of(load_model(str(saved), trusted=True)) == scores_of(tiny_model)


def test_manifest_contents(tiny_model, saved):
    """The manifest records format, files, labels, versions, probes, training data and metrics."""
    manifest = read_manifest(saved)
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.name == "tiny"
    assert manifest.risks == list(RISKS)
    assert manifest.labels == {SPAM: ["ham", "spam"], MISINFORMATION: ["reliable", "misinformation"]}
    model_path = saved / MODEL_FILE
    assert manifest.files[MODEL_FILE].sha256 == hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert manifest.files[MODEL_FILE].size == model_path.stat().st_size
    assert manifest.versions["scikit_learn"] == sklearn.__version__
    assert manifest.versions["joblib"] == joblib.__version__
    assert manifest.versions["python"] == platform.python_version()
    assert "comment_guard" in manifest.versions
    assert manifest.training == TRAINING
    assert manifest.metrics == METRICS
    assert [probe.text for probe in manifest.probes] == list(PROBE_TEXTS)
    for probe, scores in zip(manifest.probes, tiny_model.score(PROBE_TEXTS), strict=True):
        assert (probe.spam, probe.misinformation) == (scores.spam, scores.misinformation)


def test_save_returns_the_written_manifest(tiny_model, tmp_path):
    """save_model returns exactly what it wrote to manifest.json."""
    returned = save_model(tiny_model, tmp_path / "m", name="tiny")
    assert Manifest.model_validate_json((tmp_path / "m" / MANIFEST).read_bytes()) == returned
    assert returned.training == {}
    assert returned.metrics == {}


def test_manifest_of_single_risk_model(tiny_model, tmp_path):
    """A model trained for one risk lists only that risk, its labels, and None probes for the other."""
    single = RiskModel(tiny_model.vectorizer, {SPAM: tiny_model.heads[SPAM]})
    manifest = save_model(single, tmp_path / "m", name="spam-only")
    assert manifest.risks == [SPAM]
    assert set(manifest.labels) == {SPAM}
    assert all(probe.misinformation is None for probe in manifest.probes)
    loaded = load_model(tmp_path / "m", trusted=True)
    assert loaded.risks == (SPAM,)
    assert loaded.score_one("buy now").misinformation is None


def test_sha256_file_matches_hashlib(tmp_path):
    """sha256_file gives the hex SHA-256 of the file's bytes, across chunk boundaries."""
    path = tmp_path / "blob"
    data = bytes(range(256)) * 10_000
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_versions_names_the_libraries():
    """versions() names comment_guard, scikit-learn, joblib and Python."""
    assert set(versions()) == {"comment_guard", "scikit_learn", "joblib", "python"}


# --- trust ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exists", [True, False], ids=["existing", "missing"])
def test_untrusted_directory_refused_before_reading(saved, tmp_path, monkeypatch, exists):
    """Without trusted=True a non-default directory is refused before its manifest or files are read."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        pytest.fail("something was read from an untrusted directory")

    monkeypatch.setattr(artifact, "read_manifest", refuse)
    monkeypatch.setattr(artifact, "sha256_file", refuse)
    monkeypatch.setattr(artifact.joblib, "load", refuse)
    directory = saved if exists else tmp_path / "nowhere"
    with pytest.raises(UntrustedModelError, match="trusted=True") as info:
        load_model(directory)
    assert isinstance(info.value, PermissionError)


def test_default_directory_trusted_implicitly(tiny_model, saved, monkeypatch):
    """The packaged default model loads without trusted=True."""
    monkeypatch.setattr(artifact, "default_model_path", lambda: saved)
    assert scores_of(load_model(saved)) == scores_of(tiny_model)


def test_load_default_model_loads_once(tiny_model, saved, monkeypatch):
    """load_default_model loads the default directory once and caches it."""
    monkeypatch.setattr(artifact, "default_model_path", lambda: saved)
    load_default_model.cache_clear()
    try:
        first = load_default_model()
        assert load_default_model() is first
        assert scores_of(first) == scores_of(tiny_model)
    finally:
        load_default_model.cache_clear()


def test_default_model_path_prefers_packaged_model(tmp_path, monkeypatch):
    """An installed package's own models/default (with a manifest) is the default model path."""
    packaged = tmp_path / "models" / "default"
    packaged.mkdir(parents=True)
    (packaged / MANIFEST).write_text("{}")
    monkeypatch.setattr(artifact.resources, "files", lambda package: tmp_path)
    assert artifact.default_model_path() == packaged


def test_unresolvable_default_trusts_nothing(saved, monkeypatch):
    """If the default model's location cannot be resolved, no directory is trusted implicitly."""

    def broken() -> Path:
        raise OSError("no such package data")

    monkeypatch.setattr(artifact, "default_model_path", broken)
    with pytest.raises(UntrustedModelError):
        load_model(saved)


def test_default_model_path_names_models_default():
    """The default model lives in a models/default directory."""
    path = artifact.default_model_path()
    assert path.parts[-2:] == ("models", "default")


# --- missing and malformed -----------------------------------------------------------------------


def test_missing_directory(tmp_path):
    """A directory that does not exist raises ModelNotFoundError, also a FileNotFoundError."""
    with pytest.raises(ModelNotFoundError) as info:
        load_model(tmp_path / "nowhere", trusted=True)
    assert isinstance(info.value, FileNotFoundError)


def test_missing_manifest(saved):
    """A directory without manifest.json raises ModelNotFoundError."""
    (saved / MANIFEST).unlink()
    with pytest.raises(ModelNotFoundError, match=MANIFEST):
        load_model(saved, trusted=True)


def test_missing_model_file(saved, no_unpickling):
    """A file listed in the manifest but absent raises ModelNotFoundError."""
    (saved / MODEL_FILE).unlink()
    with pytest.raises(ModelNotFoundError, match="missing"):
        load_model(saved, trusted=True)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[key] = value

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del data[key]

    return change


def _drop_model_file(data: dict[str, Any]) -> None:
    data["files"]["other.bin"] = data["files"].pop(MODEL_FILE)


def _bad_hash(data: dict[str, Any]) -> None:
    data["files"][MODEL_FILE]["sha256"] = "not-a-hash"


def _negative_size(data: dict[str, Any]) -> None:
    data["files"][MODEL_FILE]["size"] = -1


def _probe_extra_field(data: dict[str, Any]) -> None:
    data["probes"][0]["expected"] = 0.5


MANIFEST_CHANGES = [
    ("missing-probes", _delete("probes")),
    ("missing-files", _delete("files")),
    ("missing-format-version", _delete("format_version")),
    ("unknown-field", _set("signed_by", "someone")),
    ("format-version-2", _set("format_version", FORMAT_VERSION + 1)),
    ("format-version-0", _set("format_version", 0)),
    ("format-version-text", _set("format_version", "one")),
    ("unknown-risk", _set("risks", ["toxicity"])),
    ("no-risks", _set("risks", [])),
    ("no-model-file", _drop_model_file),
    ("bad-sha256", _bad_hash),
    ("negative-size", _negative_size),
    ("probe-extra-field", _probe_extra_field),
    ("files-not-a-dict", _set("files", ["model.joblib"])),
]


@pytest.mark.parametrize("change", [c for _, c in MANIFEST_CHANGES], ids=[i for i, _ in MANIFEST_CHANGES])
def test_invalid_manifest_raises_manifest_error(saved, no_unpickling, change):
    """A manifest with missing, unknown or wrong fields raises ManifestError, also a ValueError."""
    edit_manifest(saved, change)
    with pytest.raises(ManifestError) as info:
        load_model(saved, trusted=True)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[]", b"\xff\xfe\x00garbage", b'{"format_version": 1}'],
    ids=["malformed", "empty", "array", "binary", "almost-empty"],
)
def test_unreadable_manifest_raises_manifest_error(saved, no_unpickling, content):
    """A manifest that is not a JSON object of the right shape raises ManifestError."""
    (saved / MANIFEST).write_bytes(content)
    with pytest.raises(ManifestError, match=MANIFEST):
        load_model(saved, trusted=True)


def test_manifest_error_names_the_problem(saved):
    """The ManifestError message names the missing field."""
    edit_manifest(saved, _delete("probes"))
    with pytest.raises(ManifestError, match="probes"):
        read_manifest(saved)


def test_wrong_format_version_message(saved):
    """A manifest of another format version says which version was found and which is read."""
    edit_manifest(saved, _set("format_version", 99))
    with pytest.raises(ManifestError, match=rf"format version 99.*reads version {FORMAT_VERSION}"):
        read_manifest(saved)


@pytest.mark.parametrize(
    "name", ["../model.joblib", "sub/model.joblib", "/etc/passwd"], ids=["parent", "subdir", "absolute"]
)
def test_path_names_in_manifest_refused(saved, no_unpickling, name):
    """A manifest file name that is not a plain name is refused before anything is unpickled."""

    def add(data: dict[str, Any]) -> None:
        data["files"][name] = data["files"][MODEL_FILE]

    edit_manifest(saved, add)
    with pytest.raises(ManifestError, match="plain names"):
        load_model(saved, trusted=True)


# --- integrity -----------------------------------------------------------------------------------


def test_truncated_model_file(saved, no_unpickling):
    """A truncated model file raises IntegrityError about its size and is never unpickled."""
    path = saved / MODEL_FILE
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(IntegrityError, match="bytes") as info:
        load_model(saved, trusted=True)
    assert "not loaded" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("position", [0, 0.5, -1], ids=["first", "middle", "last"])
def test_flipped_byte_in_model_file(saved, no_unpickling, position):
    """One flipped byte raises IntegrityError about the SHA-256 and the file is never unpickled."""
    path = saved / MODEL_FILE
    data = bytearray(path.read_bytes())
    index = int(len(data) * position) if isinstance(position, float) else position
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="SHA-256"):
        load_model(saved, trusted=True)


def test_extra_files_hashed(tiny_model, tmp_path, no_unpickling):
    """Extra files are written, hashed in the manifest, and a changed one fails verification."""
    directory = tmp_path / "m"
    card = "# Model card\n\nA tiny model for tests.\n"
    manifest = save_model(tiny_model, directory, name="tiny", extra_files={"MODEL_CARD.md": card})
    path = directory / "MODEL_CARD.md"
    assert path.read_text(encoding="utf-8") == card
    assert manifest.files["MODEL_CARD.md"].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest.files["MODEL_CARD.md"].size == path.stat().st_size
    path.write_text(card.replace("tiny", "huge"), encoding="utf-8")
    with pytest.raises(IntegrityError):
        load_model(directory, trusted=True)


# --- loaded object and behaviour -----------------------------------------------------------------


def _heads(model: RiskModel) -> dict[str, dict[str, Any]]:
    return {
        risk: {"classifier": head.classifier, "slope": head.slope, "intercept": head.intercept}
        for risk, head in model.heads.items()
    }


PAYLOADS: list[tuple[str, Callable[[RiskModel], object]]] = [
    ("list", lambda model: ["not", "a", "mapping"]),
    ("no-heads", lambda model: {"vectorizer": model.vectorizer}),
    ("one-head", lambda model: {"vectorizer": model.vectorizer, "heads": {SPAM: _heads(model)[SPAM]}}),
    ("bad-vectorizer", lambda model: {"vectorizer": object(), "heads": _heads(model)}),
]


@pytest.mark.parametrize("make_payload", [p for _, p in PAYLOADS], ids=[i for i, _ in PAYLOADS])
def test_unexpected_payload_raises_manifest_error(tiny_model, saved, make_payload):
    """A verified file that does not hold a model of the manifest's shape raises ManifestError."""
    joblib.dump(make_payload(tiny_model), saved / MODEL_FILE)
    rehash(saved)
    with pytest.raises(ManifestError):
        load_model(saved, trusted=True)


def test_heads_disagreeing_with_manifest_raise_manifest_error(saved):
    """A model file whose risks differ from the manifest's raises ManifestError."""
    edit_manifest(saved, _set("risks", [SPAM]))
    with pytest.raises(ManifestError, match="heads"):
        load_model(saved, trusted=True)


@pytest.mark.parametrize(
    ("risk", "shift"),
    [(SPAM, 0.01), (MISINFORMATION, -0.01), (SPAM, None)],
    ids=["spam-moved", "misinformation-moved", "spam-missing"],
)
def test_probe_score_changed_raises_behaviour_error(saved, risk, shift):
    """A probe score that no longer matches raises ModelBehaviourError saying what to do."""

    def tamper(data: dict[str, Any]) -> None:
        probe = data["probes"][2]
        if shift is None:
            probe[risk] = None
        else:
            probe[risk] += shift if 0.0 <= probe[risk] + shift <= 1.0 else -shift

    edit_manifest(saved, tamper)
    with pytest.raises(ModelBehaviourError) as info:
        load_model(saved, trusted=True)
    message = str(info.value)
    assert risk in message
    assert f"scikit-learn=={sklearn.__version__}" in message
    assert "retrain" in message
    assert isinstance(info.value, RuntimeError)


def test_probe_within_tolerance_loads(tiny_model, saved):
    """A probe score that moved by less than the tolerance still loads."""

    def nudge(data: dict[str, Any]) -> None:
        data["probes"][0][SPAM] += data["probe_tolerance"] / 10

    edit_manifest(saved, nudge)
    assert scores_of(load_model(saved, trusted=True)) == scores_of(tiny_model)


# --- saving --------------------------------------------------------------------------------------


def test_save_refuses_existing_directory(tiny_model, saved):
    """Saving over an existing directory without overwrite raises FileExistsError and leaves it alone."""
    before = (saved / MANIFEST).read_bytes()
    with pytest.raises(FileExistsError, match="overwrite"):
        save_model(tiny_model, saved, name="other")
    assert (saved / MANIFEST).read_bytes() == before


def test_save_overwrite_replaces_directory(tiny_model, saved):
    """overwrite=True replaces the directory completely and leaves no backup or staging directory."""
    (saved / "stale.txt").write_text("old")
    save_model(tiny_model, saved, name="replacement", overwrite=True)
    assert read_manifest(saved).name == "replacement"
    assert not (saved / "stale.txt").exists()
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]


def test_save_refuses_default_path(tiny_model, tmp_path, monkeypatch):
    """The packaged default model directory is written only with allow_default=True."""
    default = tmp_path / "default"
    monkeypatch.setattr(artifact, "default_model_path", lambda: default)
    with pytest.raises(FileExistsError, match="default"):
        save_model(tiny_model, default, name="tiny")
    assert not default.exists()
    save_model(tiny_model, default, name="tiny", allow_default=True)
    assert read_manifest(default).name == "tiny"


def test_failed_save_leaves_nothing(tiny_model, tmp_path, monkeypatch):
    """A failure while writing leaves neither the target nor a staging directory."""

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(artifact.joblib, "dump", fail)
    parent = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        save_model(tiny_model, parent / "model", name="tiny")
    assert list(parent.iterdir()) == []


def test_failed_overwrite_keeps_old_model(tiny_model, saved, monkeypatch):
    """A failure while overwriting leaves the previous model intact and no stray directories."""
    before = (saved / MANIFEST).read_bytes()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(artifact.joblib, "dump", fail)
    with pytest.raises(OSError, match="disk full"):
        save_model(tiny_model, saved, name="other", overwrite=True)
    assert (saved / MANIFEST).read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]


def test_failed_rename_restores_old_model(tiny_model, saved, monkeypatch):
    """If the final rename fails, the previous model is put back and no stray directories remain."""
    before = (saved / MANIFEST).read_bytes()
    rename = Path.rename

    def flaky_rename(self: Path, target: Any) -> Any:
        if self.name.startswith(f".{saved.name}.") and not self.name.endswith(".old"):
            raise OSError("rename failed")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", flaky_rename)
    with pytest.raises(OSError, match="rename failed"):
        save_model(tiny_model, saved, name="other", overwrite=True)
    monkeypatch.undo()
    assert (saved / MANIFEST).read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]
    load_model(saved, trusted=True)


@pytest.mark.parametrize(
    "name", [MANIFEST, MODEL_FILE, "../card.md", "sub/card.md"], ids=["manifest", "model", "parent", "subdir"]
)
def test_save_refuses_bad_extra_file_names(tiny_model, tmp_path, name):
    """Extra files with reserved or path-like names are refused and nothing is left behind."""
    with pytest.raises(ValueError, match="Extra file names"):
        save_model(tiny_model, tmp_path / "m", name="tiny", extra_files={name: "text"})
    assert list(tmp_path.iterdir()) == []


def test_error_classes_share_a_base():
    """Every artifact failure is a ModelError, so callers can catch them together."""
    for error in (IntegrityError, ManifestError, ModelBehaviourError, ModelNotFoundError, UntrustedModelError):
        assert issubclass(error, ModelError)
