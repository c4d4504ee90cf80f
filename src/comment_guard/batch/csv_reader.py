"""Read comments from a CSV export, one record per row, checking each row's encoding.

The header names the columns; :class:`~comment_guard.batch.records.ColumnMap` maps them to
submission fields (``author,email,url,content`` and WordPress's ``comment_author``,
``comment_content``... work unchanged; anything else is given as overrides). The bytes are
decoded with ``surrogateescape``, so a row holding bytes that are not valid in the
encoding is found and reported on its own (or re-decoded with a fallback encoding, for
the common export that mixes UTF-8 and Windows-1252) instead of failing the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import IO

from comment_guard.batch.records import (
    BAD_ENCODING,
    MALFORMED_ROW,
    ColumnMap,
    Item,
    Record,
    RecordError,
    SourcePosition,
)
from comment_guard.errors import InputFormatError

#: Largest field the CSV reader accepts, in characters (a comment longer than WordPress's
#: limit is still read, then rejected as too long with the other invalid submissions).
MAX_FIELD_CHARS = 64 * 1024 * 1024

_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]")


def read_csv(
    stream: IO[bytes],
    name: str,
    *,
    columns: Mapping[str, str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    fallback_encoding: str | None = None,
) -> Iterator[Item]:
    """Yield a :class:`Record` or :class:`RecordError` per non-blank row of the CSV in ``stream``.

    ``columns`` maps submission fields to column names, overriding the defaults. A row with
    a NUL byte or a wrong number of fields is ``malformed_row``; a row with bytes invalid in
    ``encoding`` is ``bad_encoding`` unless ``fallback_encoding`` decodes it. Raises
    :class:`InputFormatError` when the header is missing or has no content column, or for an
    unknown encoding.
    """
    for label in (encoding, fallback_encoding):
        if label is not None:
            _check_encoding(label)
    # csv's limit is process-wide; raising it only ever admits larger fields.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    wire = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    text = io.TextIOWrapper(stream, encoding=wire, errors="surrogateescape", newline="")
    rows = csv.reader(text, delimiter=delimiter, strict=True)
    header = _read_header(rows, name)
    column_map = ColumnMap.resolve(header, columns)
    if "content" not in column_map.fields:
        raise InputFormatError(
            f"{name} has no comment-text column: expected one of content, comment_content, comment, body, "
            "text, message, or name it with --column content=NAME."
        )
    try:
        yield from _rows(rows, header, column_map, name, encoding, fallback_encoding)
    finally:
        text.detach()  # leave the caller's stream open


def _rows(
    rows: Iterator[list[str]],
    header: list[str],
    column_map: ColumnMap,
    name: str,
    encoding: str,
    fallback_encoding: str | None,
) -> Iterator[Item]:
    count = 0
    line = _line_number(rows) + 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            count += 1
            yield RecordError(SourcePosition(name, count, line), MALFORMED_ROW, f"The row is malformed ({exc}).")
            line = _line_number(rows) + 1
            continue
        start, line = line, _line_number(rows) + 1
        if not row or row == [""]:
            continue
        count += 1
        yield _row_item(row, header, column_map, SourcePosition(name, count, start), encoding, fallback_encoding)


def _line_number(rows: Iterator[list[str]]) -> int:
    return int(getattr(rows, "line_num", 0))


def _check_encoding(label: str) -> None:
    try:
        codecs.lookup(label)
    except LookupError:
        raise InputFormatError(f"Unknown text encoding {label!r}; expected a name such as utf-8 or cp1252.") from None


def _read_header(rows: Iterator[list[str]], name: str) -> list[str]:
    try:
        header = next(rows)
    except StopIteration:
        raise InputFormatError(f"{name} is empty; expected a header row naming the columns.") from None
    except csv.Error as exc:
        raise InputFormatError(f"{name} has a malformed header row ({exc}).") from exc
    if any(_ESCAPED_BYTES.search(column) or "\x00" in column for column in header):
        raise InputFormatError(f"{name} has a header row that is not valid text; is it a CSV file?")
    return [column.strip() for column in header]


def _row_item(
    row: list[str],
    header: list[str],
    column_map: ColumnMap,
    position: SourcePosition,
    encoding: str,
    fallback_encoding: str | None,
) -> Item:
    if len(row) != len(header):
        message = f"The row has {len(row)} fields; the header has {len(header)}."
        return RecordError(position, MALFORMED_ROW, message)
    if any("\x00" in value for value in row):
        return RecordError(position, MALFORMED_ROW, "The row contains a NUL byte; the file may be corrupt.")
    values: dict[str, str] = {}
    for column, raw in zip(header, row, strict=True):
        value = _redecode(raw, encoding, fallback_encoding) if _ESCAPED_BYTES.search(raw) else raw
        if value is None:
            hint = "re-export the file as UTF-8 or give a fallback encoding (for example cp1252)"
            message = f"Column {column!r} is not valid {encoding}; {hint}."
            return RecordError(position, BAD_ENCODING, message)
        values[column] = value
    fields, metadata, comment_id = column_map.split(values)
    return Record(SourcePosition(position.file, position.record, position.line, comment_id), fields, metadata)


def _redecode(value: str, encoding: str, fallback_encoding: str | None) -> str | None:
    if fallback_encoding is None:
        return None
    try:
        return value.encode(encoding, "surrogateescape").decode(fallback_encoding)
    except UnicodeError:
        return None
