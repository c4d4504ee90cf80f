"""Tests for comment_guard.batch.jsonl: one JSON object per line, errors per line."""

from __future__ import annotations

import io
import json

import pytest

from comment_guard.batch.jsonl import read_jsonl
from comment_guard.batch.records import BAD_ENCODING, INVALID_VALUE, MALFORMED_ROW, Item, Record, RecordError
from comment_guard.errors import InputFormatError


def _read(data: bytes, **options: object) -> list[Item]:
    return list(read_jsonl(io.BytesIO(data), "comments.jsonl", **options))  # type: ignore[arg-type]


def _line(**values: object) -> bytes:
    return json.dumps(values).encode() + b"\n"


def test_objects_become_records_with_line_numbers():
    """Each object is a record; keys map like CSV columns, numbers become text, null is absent."""
    data = _line(id=9, author="Ann", email="ann@example.com", content="hi", post_id=42, url=None) + b"\n"
    data += _line(comment_content="second", comment_approved="1")
    items = _read(data)
    assert all(isinstance(item, Record) for item in items)
    first, second = items
    assert isinstance(first, Record)
    assert isinstance(second, Record)
    assert dict(first.fields) == {"author": "Ann", "email": "ann@example.com", "content": "hi", "post_id": "42"}
    assert (first.position.comment_id, first.position.line) == ("9", 1)
    assert (second.position.record, second.position.line) == (2, 3)
    assert second.metadata == {"comment_approved": "1"}


@pytest.mark.parametrize(
    ("line", "code", "message"),
    [
        (b'{"content": "hi"\n', MALFORMED_ROW, "not valid JSON"),
        (b'["content", "hi"]\n', MALFORMED_ROW, "JSON array; expected an object"),
        (b'"just text"\n', MALFORMED_ROW, "JSON string"),
        (b'{"content": "caf\xe9"}\n', BAD_ENCODING, "not valid UTF-8"),
        (b'{"content": ["a", "b"]}\n', INVALID_VALUE, "holds a JSON array"),
        (b'{"content": true}\n', INVALID_VALUE, "holds a JSON boolean"),
        (b"[" * 100_000 + b"\n", MALFORMED_ROW, "JSON"),
    ],
    ids=["truncated", "array", "string", "latin-1", "list-content", "bool-content", "deep-nesting"],
)
def test_bad_lines_are_errors_and_reading_goes_on(line, code, message):
    """A line that is not a usable object is an error with its line number; the next line is read."""
    items = _read(_line(content="before") + line + _line(content="after"))
    assert [type(item) for item in items] == [Record, RecordError, Record]
    error = items[1]
    assert isinstance(error, RecordError)
    assert (error.code, error.position.line) == (code, 2)
    assert message in error.message


def test_nested_metadata_is_kept_as_json_without_emails():
    """A nested value outside the submission fields is metadata as JSON, addresses removed."""
    (record,) = _read(_line(content="hi", extra={"contact": "bob@example.com", "n": 1}))
    assert isinstance(record, Record)
    assert "bob@example.com" not in record.metadata["extra"]
    assert json.loads(record.metadata["extra"])["n"] == 1


def test_overrides_apply_per_object():
    """A column override applies when the key is present and does not fail when it is absent."""
    items = _read(_line(body="from body", content="by default"))
    assert isinstance(items[0], Record)
    assert items[0].fields["content"] == "by default"
    overridden = _read(
        _line(body="from body", content="ignored") + _line(content="no body"), columns={"content": "body"}
    )
    assert isinstance(overridden[0], Record)
    assert isinstance(overridden[1], Record)
    assert overridden[0].fields["content"] == "from body"
    assert "content" not in overridden[1].fields


def test_unknown_override_field_is_refused():
    """An override naming an unknown field raises InputFormatError before reading."""
    with pytest.raises(InputFormatError, match="Cannot map"):
        _read(_line(content="hi"), columns={"colour": "body"})


def test_lone_surrogate_escape_does_not_break_metadata():
    """A ``\\ud800`` escape (valid JSON, invalid Unicode) is replaced in metadata."""
    (record,) = _read(b'{"content": "hi", "note": "a\\ud800b"}\n')
    assert isinstance(record, Record)
    assert record.metadata["note"] == "a\ufffdb"
