"""The checkpoint of an unfinished batch run: how far it got and how to continue it.

While a run writes ``OUT.partial`` and ``ERRORS.partial``, it saves ``OUT.checkpoint.json``
every few thousand records (after flushing both files to disk): the number of input
records handled, the byte length of each partial file at that moment, the counts so far,
and what identifies the run (the export's size and leading bytes, the settings). A resumed
run cuts both files back to those lengths, which drops rows written after the checkpoint,
and skips that many records, so no record is lost or written twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from comment_guard.errors import ResumeError

FORMAT_VERSION = 1
_HEAD_BYTES = 1 << 20


def checkpoint_path(output: Path) -> Path:
    """Where the checkpoint of a run writing ``output`` lives."""
    return output.with_name(output.name + ".checkpoint.json")


def partial_path(path: Path) -> Path:
    """The file a run writes in place of ``path`` until it completes."""
    return path.with_name(path.name + ".partial")


def export_fingerprint(stream: IO[bytes]) -> dict[str, Any]:
    """Size and SHA-256 of the first MiB of an export: enough to notice another or a changed one."""
    head = stream.read(_HEAD_BYTES)
    size = os.fstat(stream.fileno()).st_size
    return {"size": size, "head_sha256": hashlib.sha256(head).hexdigest()}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The saved state of an unfinished run (see the module docstring)."""

    export: Mapping[str, Any]
    settings: Mapping[str, Any]
    records_done: int = 0
    results_bytes: int = 0
    errors_bytes: int = 0
    tally: Mapping[str, Any] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        """Write atomically: a crash leaves the previous checkpoint or this one, never half of one."""
        temporary = path.with_name(path.name + ".tmp")
        data = {"format_version": FORMAT_VERSION, **asdict(self)}
        with temporary.open("w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint; raises :class:`ResumeError` if it is unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.pop("format_version") != FORMAT_VERSION:
                raise ValueError("format version")
            return cls(**data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ResumeError(
                f"The checkpoint {path} cannot be read ({type(exc).__name__}); delete it to start the run over."
            ) from exc

    def check(self, export: Mapping[str, Any], settings: Mapping[str, Any], path: Path) -> None:
        """Raise :class:`ResumeError` unless this checkpoint is for that export and those settings."""
        if dict(self.export) != dict(export):
            raise ResumeError(
                f"The unfinished run in {path} was for another version of the export (its size or first bytes "
                "differ); delete the checkpoint to start over."
            )
        keys = sorted(set(self.settings) | set(settings))
        differing = [key for key in keys if self.settings.get(key) != settings.get(key)]
        if differing:
            raise ResumeError(
                f"The unfinished run in {path} used different settings ({', '.join(differing)}); "
                "resume with the same options, or delete the checkpoint to start over."
            )
