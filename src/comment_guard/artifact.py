"""Save, verify and load a model directory: ``manifest.json`` plus ``model.joblib``.

Loading goes in steps, each with its own exception (see :mod:`comment_guard.errors`):

1. trust: only the installed package's own model is trusted implicitly; any other
   directory needs ``trusted=True`` from the caller (:class:`UntrustedModelError`);
2. read and validate the manifest (:class:`ModelNotFoundError`, :class:`ManifestError`);
3. verify each file's size and SHA-256 before anything is unpickled (:class:`IntegrityError`);
4. unpickle with joblib and check the object's shape (:class:`ManifestError`);
5. score the probe texts and compare with the scores recorded at training time
   (:class:`ModelBehaviourError`), which catches a scikit-learn upgrade that changed behaviour.

A SHA-256 beside a file catches corruption, not tampering: whoever can write the
directory can rewrite the manifest too, hence the explicit trust in step 1.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import sklearn
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from comment_guard.errors import (
    IntegrityError,
    ManifestError,
    ModelBehaviourError,
    ModelNotFoundError,
    UntrustedModelError,
)
from comment_guard.model import RiskHead, RiskModel
from comment_guard.results import MISINFORMATION, RISKS, SPAM

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL_FILE = "model.joblib"
PROBE_TOLERANCE = 1e-6
LABELS = {SPAM: ("ham", SPAM), MISINFORMATION: ("reliable", MISINFORMATION)}

#: Texts scored at training time and again at every load.
PROBE_TEXTS: tuple[str, ...] = (
    "Buy ketamine online without prescription, discreet shipping, WhatsApp +1 555 0100 222",
    "Great post! I have bookmarked your blog, visit my site for cheap meds: www.best-pharma-deals.xyz",
    "One ketamine infusion cures PTSD forever. Stop taking your antidepressants, Big Pharma hides this.",
    "The FDA approved psilocybin for PTSD last year, so you can grow your own at home safely.",
    "How much does a course of ketamine infusions cost, and does insurance cover Spravato?",
    "My psychiatrist helped me taper off sertraline slowly over three months. Talk to your doctor first.",
    "Thank you for this balanced article. The trial results you linked were really helpful.",
    "B.u.y v1agr@ n0w ‌ᴄʜᴇᴀᴘ !!!",
)


class FileEntry(BaseModel):
    """Size and SHA-256 of one file of the model directory."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class Probe(BaseModel):
    """A probe text and the scores it had when the model was saved (``None``: risk not trained)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    text: str
    spam: float | None
    misinformation: float | None


class Manifest(BaseModel):
    """The contents of ``manifest.json``; unknown top-level fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format_version: int
    name: str
    risks: list[str]
    labels: dict[str, list[str]]
    files: dict[str, FileEntry]
    versions: dict[str, str]
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    probes: list[Probe]
    probe_tolerance: float = PROBE_TOLERANCE


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour a saved model depends on."""
    from comment_guard import __version__

    return {
        "comment_guard": __version__,
        "scikit_learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def default_model_path() -> Path:
    """The directory of the model shipped with the package (wheel) or the source checkout."""
    packaged = Path(str(resources.files("comment_guard"))) / "models" / "default"
    if (packaged / MANIFEST).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "models" / "default"


def _is_default(path: Path) -> bool:
    try:
        return path.resolve() == default_model_path().resolve()
    except OSError:
        return False


def read_manifest(directory: Path) -> Manifest:
    """Read and validate ``manifest.json`` of a model directory."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ModelNotFoundError(f"Expected a model directory with {MANIFEST} at {Path(directory)}; found none.")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        raise ManifestError(f"{path} is not a valid model manifest ({problems}).") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise ManifestError(
            f"{path} has format version {manifest.format_version}; this comment_guard reads version {FORMAT_VERSION}."
        )
    if MODEL_FILE not in manifest.files or not set(manifest.risks) <= set(RISKS) or not manifest.risks:
        raise ManifestError(f"{path} must list {MODEL_FILE} and risks among {RISKS}.")
    return manifest


def verify_files(directory: Path, manifest: Manifest) -> None:
    """Check every file's size and SHA-256 against the manifest; raise before anything is unpickled."""
    for name, entry in manifest.files.items():
        path = Path(directory) / name
        if Path(name).name != name or name in {"", ".", ".."}:
            raise ManifestError(f"Manifest file names must be plain names; found {name!r}.")
        if not path.is_file():
            raise ModelNotFoundError(f"Model file {path} listed in the manifest is missing.")
        size = path.stat().st_size
        if size != entry.size:
            raise IntegrityError(
                f"Model file {path} has {size} bytes; the manifest expects {entry.size} (truncated or replaced?). "
                "It was not loaded; reinstall or retrain the model."
            )
        if sha256_file(path) != entry.sha256:
            raise IntegrityError(
                f"Model file {path} does not match the SHA-256 in the manifest. It was not loaded; "
                "reinstall or retrain the model."
            )


def _build(payload: object, manifest: Manifest, path: Path) -> RiskModel:
    if not isinstance(payload, Mapping) or "vectorizer" not in payload or "heads" not in payload:
        raise ManifestError(f"{path} does not hold a comment_guard model (expected vectorizer and heads).")
    heads = {
        risk: RiskHead(head["classifier"], float(head["slope"]), float(head["intercept"]))
        for risk, head in payload["heads"].items()
    }
    if sorted(heads) != sorted(manifest.risks):
        raise ManifestError(f"{path} holds heads for {sorted(heads)}; the manifest lists {sorted(manifest.risks)}.")
    try:
        return RiskModel(payload["vectorizer"], heads)
    except (AttributeError, ValueError, TypeError) as exc:
        raise ManifestError(f"{path} holds a model of an unexpected shape: {exc}") from exc


def check_probes(model: RiskModel, manifest: Manifest) -> None:
    """Score the manifest's probe texts; raise :class:`ModelBehaviourError` if any moved."""
    texts = [probe.text for probe in manifest.probes]
    for probe, scores in zip(manifest.probes, model.score(texts, explain=False), strict=True):
        for risk in manifest.risks:
            expected, found = getattr(probe, risk), scores.get(risk)
            if expected is None or found is None or abs(expected - found) > manifest.probe_tolerance:
                trained = manifest.versions.get("scikit_learn", "unknown")
                raise ModelBehaviourError(
                    f"The model scores a probe text {found} for {risk}; it scored {expected} when trained "
                    f"(scikit-learn {trained}, installed {sklearn.__version__}). Install scikit-learn=={trained} "
                    "or retrain the model with `comment-guard train`."
                )


def load_model(directory: str | os.PathLike[str], *, trusted: bool = False) -> RiskModel:
    """Load a model directory in verified steps (see the module docstring).

    ``trusted`` must be ``True`` for any directory other than the packaged default model:
    loading unpickles code-bearing objects, so only load directories you produced.
    """
    return load_model_with_manifest(directory, trusted=trusted)[0]


def load_model_with_manifest(directory: str | os.PathLike[str], *, trusted: bool = False) -> tuple[RiskModel, Manifest]:
    """Load a model directory as :func:`load_model` does; also return the manifest it verified."""
    path = Path(directory)
    if not trusted and not _is_default(path):
        raise UntrustedModelError(
            f"Refusing to load the model at {path}: only the packaged model is trusted implicitly. "
            "Pass trusted=True (or --trust) if you produced this directory yourself."
        )
    manifest = read_manifest(path)
    verify_files(path, manifest)
    model = _build(joblib.load(path / MODEL_FILE), manifest, path)
    check_probes(model, manifest)
    return model, manifest


@functools.lru_cache(maxsize=1)
def load_default_model() -> RiskModel:
    """The packaged default model, loaded and verified once per process."""
    return load_model(default_model_path(), trusted=True)


def probe_scores(model: RiskModel) -> list[Probe]:
    """Score :data:`PROBE_TEXTS` with ``model`` for the manifest."""
    return [
        Probe(text=text, spam=scores.spam, misinformation=scores.misinformation)
        for text, scores in zip(PROBE_TEXTS, model.score(PROBE_TEXTS, explain=False), strict=True)
    ]


def save_model(
    model: RiskModel,
    directory: str | os.PathLike[str],
    *,
    name: str,
    training: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, str] | None = None,
    overwrite: bool = False,
    allow_default: bool = False,
) -> Manifest:
    """Write ``model`` as a complete model directory, atomically.

    Everything is written to a temporary directory beside ``directory`` and renamed into
    place, so a failure midway leaves no half model. ``extra_files`` maps plain file names
    to text (a model card, an evaluation report); they are hashed in the manifest too.
    Refuses to replace an existing directory unless ``overwrite``, and the packaged
    default model unless ``allow_default``.
    """
    target = Path(directory)
    if _is_default(target) and not allow_default:
        raise FileExistsError(f"Refusing to overwrite the packaged default model at {target}; choose another --out.")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; pass overwrite=True (--force) to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        payload = {
            "vectorizer": _without_process_state(model.vectorizer),
            "heads": {
                risk: {"classifier": head.classifier, "slope": head.slope, "intercept": head.intercept}
                for risk, head in model.heads.items()
            },
        }
        joblib.dump(payload, staging / MODEL_FILE, compress=3)
        for file_name, text in (extra_files or {}).items():
            if Path(file_name).name != file_name or file_name in {MANIFEST, MODEL_FILE, "", ".", ".."}:
                raise ValueError(f"Extra file names must be plain and not reserved; got {file_name!r}.")
            (staging / file_name).write_text(text, encoding="utf-8")
        files = {
            path.name: FileEntry(sha256=sha256_file(path), size=path.stat().st_size)
            for path in sorted(staging.iterdir())
        }
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            name=name,
            risks=list(model.risks),
            labels={risk: list(LABELS[risk]) for risk in model.risks},
            files=files,
            versions=versions(),
            training=dict(training or {}),
            metrics=dict(metrics or {}),
            probes=probe_scores(model),
        )
        (staging / MANIFEST).write_text(json.dumps(manifest.model_dump(), indent=2, sort_keys=True) + "\n")
        staging.chmod(0o755)  # mkdtemp makes it private; a model directory is read by other users too
        _replace_directory(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _without_process_state(vectorizer: Any) -> Any:
    """A shallow copy of ``vectorizer`` without scikit-learn's ``_stop_words_id`` cache.

    That cache holds ``id(stop_words)``, a memory address that differs from one process to
    the next; scikit-learn recomputes it on use, and without it ``model.joblib`` is
    byte-identical for the same training data and options.
    """
    if "_stop_words_id" not in getattr(vectorizer, "__dict__", {}):
        return vectorizer
    clean = copy.copy(vectorizer)
    del clean._stop_words_id
    return clean


def _replace_directory(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    backup = target.with_name(f".{target.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    target.rename(backup)
    try:
        staging.rename(target)
    except BaseException:
        backup.rename(target)
        raise
    shutil.rmtree(backup, ignore_errors=True)
