"""Moderate one export file into a results file and an error report, resumably and atomically.

Results and errors are written to ``.partial`` files next to their destinations and renamed
into place only when every record has been handled, so a destination file is either the
complete output of a run or untouched. See :mod:`comment_guard.batch.checkpoint` for how an
interrupted run continues.
"""

from __future__ import annotations

import io
import itertools
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from comment_guard.batch.checkpoint import (
    Checkpoint,
    checkpoint_path,
    export_fingerprint,
    partial_path,
)
from comment_guard.batch.progress import ProgressBar
from comment_guard.batch.readers import CsvOptions, ExportFormat, ExportReader, open_export
from comment_guard.batch.records import Item, RecordError
from comment_guard.batch.run import DEFAULT_CHUNK_SIZE, GuardFactory, Outcome, moderate_many
from comment_guard.batch.summary import BatchSummary, Tally
from comment_guard.batch.writers import JsonLinesWriter, ResultFormat, error_row, result_row, result_writer
from comment_guard.errors import ResumeError

#: Save a checkpoint at the first chunk boundary after this many records, or after 10 seconds.
DEFAULT_CHECKPOINT_EVERY = 5_000
_CHECKPOINT_SECONDS = 10.0


def result_format_for(path: Path) -> ResultFormat:
    """``csv`` for a ``.csv`` output path, JSON lines otherwise."""
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


@dataclass(frozen=True, slots=True)
class ExportJob:
    """What to moderate and where to write it.

    ``settings`` holds whatever else must not change between a run and its resumption
    (the CLI puts the policy name and a fingerprint of the secret key there); values must
    be JSON scalars.
    """

    export: Path
    output: Path
    errors: Path
    export_format: ExportFormat | None = None
    csv_options: CsvOptions = field(default_factory=CsvOptions)
    include_private: bool = False
    require_name_email: bool = False
    jobs: int = 1
    chunk_size: int = DEFAULT_CHUNK_SIZE
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY
    settings: Mapping[str, Any] = field(default_factory=dict)

    def run_settings(self, reader: ExportReader) -> dict[str, Any]:
        """The settings a checkpoint records (those that change the output)."""
        return {
            "export_format": reader.format,
            "result_format": result_format_for(self.output),
            "include_private": self.include_private,
            "require_name_email": self.require_name_email,
            "chunk_size": self.chunk_size,
            "columns": dict(self.csv_options.columns),
            "delimiter": self.csv_options.delimiter,
            "encoding": self.csv_options.encoding,
            "fallback_encoding": self.csv_options.fallback_encoding,
            **self.settings,
        }


def run_export(
    job: ExportJob,
    *,
    guard_factory: GuardFactory,
    resume: bool = False,
    progress: bool | None = None,
) -> BatchSummary:
    """Moderate ``job.export`` into ``job.output`` and ``job.errors``; return the summary.

    With ``resume``, continue the unfinished run recorded next to ``job.output`` (or start
    afresh when there is none). Without it, an unfinished run is not overwritten: raises
    :class:`ResumeError`. ``progress`` draws a bar on stderr (default: when it is a
    terminal). Raises :class:`~comment_guard.errors.InputFormatError` when the export
    cannot be read at all.
    """
    started = time.perf_counter()
    reader = ExportReader(job.export, export_format=job.export_format, csv_options=job.csv_options)
    with open_export(job.export) as stream:
        export = export_fingerprint(stream)
    for path in (job.output, job.errors):
        path.parent.mkdir(parents=True, exist_ok=True)  # "-o out/results.jsonl" on a fresh checkout
    state_path = checkpoint_path(job.output)
    state = _starting_state(state_path, export, job.run_settings(reader), resume=resume)
    items = _peeked(itertools.islice(reader, state.records_done, None))
    state.save(state_path)
    tally = Tally(state.tally)
    outcomes = moderate_many(
        items,
        guard_factory=guard_factory,
        jobs=job.jobs,
        chunk_size=job.chunk_size,
        require_name_email=job.require_name_email,
    )
    bar = ProgressBar(lambda: reader.fraction_read, enabled=progress)
    try:
        with (
            _open_partial(job.output, state.results_bytes) as results_file,
            _open_partial(job.errors, state.errors_bytes) as errors_file,
        ):
            sink = _Sink(job, state, state_path, results_file, errors_file)
            for outcome in outcomes:
                sink.write(outcome, tally)
                bar.advance()
            _sync(results_file)
            _sync(errors_file)
    finally:
        bar.close()
    partial_path(job.output).replace(job.output)
    partial_path(job.errors).replace(job.errors)
    state_path.unlink()
    return tally.summary(time.perf_counter() - started)


class _Sink:
    """Writes outcomes to the partial files and saves a checkpoint now and then."""

    def __init__(
        self, job: ExportJob, state: Checkpoint, path: Path, results: io.TextIOWrapper, errors: io.TextIOWrapper
    ) -> None:
        self.job, self.state, self.path = job, state, path
        self.results_file, self.errors_file = results, errors
        self.results = result_writer(
            results,
            result_format_for(job.output),
            include_private=job.include_private,
            new_file=not state.results_bytes,
        )
        self.errors = JsonLinesWriter(errors)
        self.since_saved, self.saved_at = 0, time.perf_counter()

    def write(self, outcome: Outcome, tally: Tally) -> None:
        """Write one outcome, count it, and checkpoint if one is due."""
        if isinstance(outcome, RecordError):
            self.errors.write(error_row(outcome))
        else:
            self.results.write(result_row(outcome, include_private=self.job.include_private))
        tally.add(outcome)
        self.since_saved += 1
        # Only at chunk boundaries: a resumed run then chunks (and so moderates) as an uninterrupted one.
        if tally.records % self.job.chunk_size == 0 and (
            self.since_saved >= self.job.checkpoint_every or time.perf_counter() - self.saved_at > _CHECKPOINT_SECONDS
        ):
            Checkpoint(
                export=self.state.export,
                settings=self.state.settings,
                records_done=tally.records,
                results_bytes=_sync(self.results_file),
                errors_bytes=_sync(self.errors_file),
                tally=tally.snapshot(),
            ).save(self.path)
            self.since_saved, self.saved_at = 0, time.perf_counter()


def _peeked(items: Iterator[Item]) -> Iterator[Item]:
    """Read the first item now, so an export that cannot be read at all fails before any file is written."""
    first = next(items, None)
    return items if first is None else itertools.chain([first], items)


def _starting_state(path: Path, export: dict[str, Any], settings: dict[str, Any], *, resume: bool) -> Checkpoint:
    if not path.exists():
        return Checkpoint(export=export, settings=settings)
    if not resume:
        raise ResumeError(f"An unfinished run left {path}; resume it (--resume), or delete that file to start over.")
    state = Checkpoint.load(path)
    state.check(export, settings, path)
    return state


def _open_partial(destination: Path, keep_bytes: int) -> io.TextIOWrapper:
    """Open the partial file of ``destination`` for appending after its first ``keep_bytes``."""
    path = partial_path(destination)
    raw: IO[bytes] = path.open("r+b") if keep_bytes and path.exists() else path.open("w+b")
    try:
        if os.fstat(raw.fileno()).st_size < keep_bytes:
            raise ResumeError(f"{path} is shorter than its checkpoint says; delete the checkpoint to start over.")
        raw.truncate(keep_bytes)
        raw.seek(keep_bytes)
    except BaseException:
        raw.close()
        raise
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _sync(stream: io.TextIOWrapper) -> int:
    """Flush ``stream`` to disk and return its length in bytes."""
    stream.flush()
    os.fsync(stream.fileno())
    return os.fstat(stream.fileno()).st_size
