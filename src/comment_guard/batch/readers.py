"""Open an export file in the right format and stream its records, reporting how far it got."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from comment_guard.batch.csv_reader import read_csv
from comment_guard.batch.jsonl import read_jsonl
from comment_guard.batch.records import Item
from comment_guard.batch.wxr import read_wxr
from comment_guard.errors import InputFormatError

ExportFormat = Literal["wxr", "csv", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("wxr", "csv", "jsonl")
_EXTENSIONS: dict[str, ExportFormat] = {
    ".xml": "wxr",
    ".wxr": "wxr",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def detect_format(path: str | os.PathLike[str]) -> ExportFormat:
    """The export format implied by the file extension; raises :class:`InputFormatError` if none is."""
    suffix = Path(path).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InputFormatError(
            f"Cannot tell the format of {Path(path).name} from its extension {suffix or '(none)'!r}; "
            f"expected one of {known}, or give the format (wxr, csv or jsonl)."
        ) from None


def open_export(path: Path) -> IO[bytes]:
    """Open an export for binary reading; raises :class:`InputFormatError` with a clear message."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputFormatError(f"The export {path} does not exist.") from None
    except IsADirectoryError:
        raise InputFormatError(f"The export {path} is a directory, not a file.") from None
    except OSError as exc:
        raise InputFormatError(f"The export {path} cannot be opened ({exc.strerror}).") from exc


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How to read a CSV export: column overrides (field -> column), delimiter, encodings."""

    columns: Mapping[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"
    fallback_encoding: str | None = None


class ExportReader:
    """Iterates over the records of one export file, in file order.

    ``export_format`` defaults to the one the extension implies. Nothing is opened until iteration
    starts; each iteration reads the file again from the start. ``fraction_read`` tells how
    much of the file the current iteration has consumed, in [0, 1].
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        export_format: ExportFormat | None = None,
        csv_options: CsvOptions | None = None,
    ) -> None:
        self.path = Path(path)
        self.format: ExportFormat = export_format or detect_format(path)
        if self.format not in FORMATS:
            raise InputFormatError(f"Unknown export format {self.format!r}; expected one of {', '.join(FORMATS)}.")
        self.csv_options = csv_options or CsvOptions()
        self._stream: IO[bytes] | None = None
        self._size = 0
        self._finished = False

    @property
    def fraction_read(self) -> float:
        """How much of the file the current iteration has read, from 0 to 1."""
        stream = self._stream
        if stream is None or self._size == 0:
            return 0.0
        if stream.closed:
            return 1.0 if self._finished else 0.0
        return min(1.0, stream.tell() / self._size)

    def __iter__(self) -> Iterator[Item]:
        with open_export(self.path) as stream:
            self._stream, self._finished = stream, False
            self._size = os.fstat(stream.fileno()).st_size
            yield from self._read(stream)
            self._finished = True

    def _read(self, stream: IO[bytes]) -> Iterator[Item]:
        name = self.path.name
        if self.format == "wxr":
            return read_wxr(stream, name)
        if self.format == "jsonl":
            return read_jsonl(stream, name, columns=self.csv_options.columns)
        options = self.csv_options
        return read_csv(
            stream,
            name,
            columns=options.columns,
            delimiter=options.delimiter,
            encoding=options.encoding,
            fallback_encoding=options.fallback_encoding,
        )
