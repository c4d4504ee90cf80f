"""Read comments from JSON lines: one JSON object per line, keys named as in a CSV header."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO

from comment_guard.batch.records import (
    BAD_ENCODING,
    INVALID_VALUE,
    MALFORMED_ROW,
    ColumnMap,
    Item,
    Record,
    RecordError,
    SourcePosition,
)


def read_jsonl(stream: IO[bytes], name: str, *, columns: Mapping[str, str] | None = None) -> Iterator[Item]:
    """Yield a :class:`Record` or :class:`RecordError` per non-blank line of ``stream``.

    Keys are mapped to submission fields as CSV columns are (``columns`` overrides the
    defaults, per object). Numbers become text; ``null`` is absent; a list, an object or
    a boolean in a submission field is ``invalid_value``, and metadata keeps it as JSON.
    """
    ColumnMap.check_overrides(columns)
    count = 0
    for line_number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        count += 1
        yield _line_item(raw, SourcePosition(name, count, line_number), columns)


def _line_item(raw: bytes, position: SourcePosition, columns: Mapping[str, str] | None) -> Item:
    try:
        text = raw.decode("utf-8-sig" if position.record == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        message = f"The line is not valid UTF-8 (byte {exc.start + 1}); JSON lines must be UTF-8."
        return RecordError(position, BAD_ENCODING, message)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return RecordError(position, MALFORMED_ROW, f"The line is not valid JSON ({exc.msg} at column {exc.colno}).")
    except RecursionError:
        return RecordError(position, MALFORMED_ROW, "The line nests JSON too deeply to read.")
    if not isinstance(value, dict):
        return RecordError(position, MALFORMED_ROW, f"The line is a JSON {_kind(value)}; expected an object.")
    column_map = ColumnMap.resolve(list(value), columns, require_present=False)
    values: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, str):
            values[key] = item
        elif isinstance(item, int | float) and not isinstance(item, bool):
            values[key] = str(item)
        elif key in column_map.fields.values():
            return RecordError(position, INVALID_VALUE, f"Key {key!r} holds a JSON {_kind(item)}; expected text.")
        else:
            values[key] = json.dumps(item, ensure_ascii=False)
    fields, metadata, comment_id = column_map.split(values)
    return Record(SourcePosition(position.file, position.record, position.line, comment_id), fields, metadata)


def _kind(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
