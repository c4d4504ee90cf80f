"""Read rows of labelled data files (CSV or JSON lines) and filter them.

A file is JSON lines when its name ends in ``.jsonl``, ``.ndjson`` or ``.json``, or when
its first non-blank character is ``{`` (the feedback log may be called anything); CSV
otherwise (tab-separated when it ends in ``.tsv``). Every value is read as text: JSON
``true``/``false`` become ``"1"``/``"0"``, ``null`` the empty string. Errors are one-line
:class:`TrainingDataError` messages naming the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from comment_guard.errors import TrainingDataError

#: The longest field a CSV data file may hold (csv's default limit is 128 KiB).
MAX_FIELD_CHARS = 10_000_000
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a row came from: the file as given and the line its record ends on."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"


@dataclass(frozen=True, slots=True)
class RowFilter:
    """Keep rows whose ``column`` equals ``value`` (or differs from it when ``negate``)."""

    column: str
    value: str
    negate: bool = False

    @classmethod
    def parse(cls, text: str) -> RowFilter:
        """Parse ``COLUMN=VALUE`` or ``COLUMN!=VALUE``; raise ``ValueError`` for anything else."""
        column, sep, value = text.partition("!=")
        negate = bool(sep)
        if not sep:
            column, sep, value = text.partition("=")
        if not sep or not column.strip():
            raise ValueError(f"expected COLUMN=VALUE or COLUMN!=VALUE such as split=train, got {text!r}")
        return cls(column.strip(), value.strip(), negate)

    def matches(self, row: Mapping[str, str]) -> bool:
        """Whether ``row`` passes the filter (values compared exactly, after stripping)."""
        return (row[self.column].strip() == self.value) != self.negate

    def __str__(self) -> str:
        return f"{self.column}{'!=' if self.negate else '='}{self.value}"


@dataclass(frozen=True, slots=True)
class RawFile:
    """The rows of one data file: its SHA-256, its column names and ``(location, row)`` pairs."""

    path: str
    sha256: str
    columns: tuple[str, ...]
    rows: list[tuple[Location, dict[str, str]]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def is_json_lines(path: Path, text: str) -> bool:
    """Whether the file at ``path`` (holding ``text``) is read as JSON lines."""
    if path.suffix.lower() in _JSON_SUFFIXES:
        return True
    if path.suffix.lower() in {".csv", ".tsv"}:
        return False
    return text.lstrip().startswith("{")


def _json_rows(name: str, text: str) -> Iterator[tuple[Location, dict[str, str]]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{name} line {number} is not valid JSON ({exc.msg}); fix or remove it.") from exc
        if not isinstance(record, dict):
            raise TrainingDataError(
                f"{name} line {number}: expected a JSON object per line, found {type(record).__name__}."
            )
        yield Location(name, number), {str(key): _text(value) for key, value in record.items()}


def _csv_rows(name: str, text: str, delimiter: str) -> tuple[tuple[str, ...], list[tuple[Location, dict[str, str]]]]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise TrainingDataError(f"{name} is empty; expected a header line such as text,label.")
        columns = tuple(column.strip() for column in header)
        rows = []
        for record in reader:
            if not record:
                continue
            location = Location(name, reader.line_num)
            if len(record) > len(columns):
                raise TrainingDataError(
                    f"{location} has {len(record)} fields; the header has {len(columns)}. Check the quoting."
                )
            rows.append((location, dict(zip(columns, [*record, *[""] * (len(columns) - len(record))], strict=True))))
    except csv.Error as exc:
        raise TrainingDataError(f"{name} line {reader.line_num} is not valid CSV ({exc}).") from exc
    return columns, rows


def read_file(path: Path) -> RawFile:
    """Read every row of a CSV or JSON-lines file (UTF-8, an optional BOM).

    Raises :class:`TrainingDataError` when the file cannot be decoded or parsed, and
    ``OSError`` when it cannot be read.
    """
    name = str(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrainingDataError(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc
    if is_json_lines(path, text):
        rows = list(_json_rows(name, text))
        columns = tuple(rows[0][1]) if rows else ()
    else:
        columns, rows = _csv_rows(name, text, "\t" if path.suffix.lower() == ".tsv" else ",")
    return RawFile(name, hashlib.sha256(data).hexdigest(), columns, rows)


def require_column(raw: RawFile, column: str, purpose: str) -> None:
    """Raise :class:`TrainingDataError` unless every row of ``raw`` has ``column``."""
    if raw.columns and column not in raw.columns:
        found = ", ".join(raw.columns) or "none"
        raise TrainingDataError(f"{raw.path} has no column {column!r} ({purpose}); its columns are: {found}.")
    for location, row in raw.rows:
        if column not in row:
            raise TrainingDataError(f"{location} has no field {column!r} ({purpose}); every record needs one.")


def apply_filters(raw: RawFile, filters: tuple[RowFilter, ...]) -> list[tuple[Location, dict[str, str]]]:
    """The rows of ``raw`` that pass every filter (all must hold)."""
    for row_filter in filters:
        require_column(raw, row_filter.column, f"used by --where {row_filter}")
    return [(location, row) for location, row in raw.rows if all(f.matches(row) for f in filters)]
