"""Write moderation results and the error report as JSON lines or CSV.

A result row holds the record's position, the decision, the risk scores (probabilities in
[0, 1]), the reasons, the public fields of the comment and the commenter digest. It holds
the commenter's email address and raw IP only when ``include_private`` is set.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with ``'``: the comments come from strangers.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import Any, Literal, Protocol, TextIO

from comment_guard.batch.records import RecordError, SourcePosition
from comment_guard.batch.run import Moderated
from comment_guard.results import MISINFORMATION, SPAM

ResultFormat = Literal["jsonl", "csv"]

#: Columns of a result row, in order; ``email`` and ``ip`` only with ``include_private``.
RESULT_COLUMNS: tuple[str, ...] = (
    "record",
    "file",
    "line",
    "comment_id",
    "decision",
    "effective_decision",
    "enforced",
    SPAM,
    MISINFORMATION,
    "reason_codes",
    "reasons",
    "errors",
    "commenter",
    "author",
    "url",
    "post_id",
    "parent_id",
    "submitted_at",
    "content",
    "metadata",
)
PRIVATE_COLUMNS: tuple[str, ...] = ("email", "ip")
ERROR_COLUMNS: tuple[str, ...] = ("record", "file", "line", "comment_id", "code", "message")

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _position_columns(position: SourcePosition) -> dict[str, Any]:
    return {
        "record": position.record,
        "file": position.file,
        "line": position.line,
        "comment_id": position.comment_id,
    }


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def result_row(moderated: Moderated, *, include_private: bool = False) -> dict[str, Any]:
    """The output row of one moderated record (JSON-ready; lists and mappings nested)."""
    result = moderated.result
    public = result.public
    scores = result.scores
    row: dict[str, Any] = _position_columns(moderated.position)
    row |= {
        "decision": result.decision.value,
        "effective_decision": result.effective_decision.value,
        "enforced": result.enforced,
        SPAM: _score(scores.spam) if scores is not None else None,
        MISINFORMATION: _score(scores.misinformation) if scores is not None else None,
        "reason_codes": [reason.code for reason in result.reasons],
        "reasons": [{"code": r.code, "message": r.message, "detail": r.detail} for r in result.reasons],
        "errors": [{"field": e.field, "code": e.code, "message": e.message} for e in result.errors],
        "commenter": result.commenter,
        "author": public.author if public else None,
        "url": public.url if public else None,
        "post_id": public.post_id if public else moderated.record.fields.get("post_id"),
        "parent_id": public.parent_id if public else None,
        "submitted_at": public.submitted_at.isoformat() if public and public.submitted_at else None,
        "content": public.content if public else None,
        "metadata": dict(moderated.record.metadata),
    }
    if include_private:
        row["email"] = moderated.record.fields.get("email")
        row["ip"] = moderated.record.fields.get("ip")
    return row


def error_row(error: RecordError) -> dict[str, Any]:
    """The error-report row of one record that could not be read or moderated."""
    return _position_columns(error.position) | {"code": error.code, "message": error.message}


def _clean(value: Any) -> Any:
    """Replace lone surrogates (from JSON escapes in an export) so any row encodes as UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


class RowWriter(Protocol):
    """Writes rows (mappings from :data:`RESULT_COLUMNS` or :data:`ERROR_COLUMNS`) to a text file."""

    def write(self, row: dict[str, Any]) -> None:
        """Write one row."""
        ...


class JsonLinesWriter:
    """Writes each row as one line of JSON (UTF-8, non-ASCII kept readable)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, row: dict[str, Any]) -> None:
        """Write one row as a JSON object on its own line."""
        self.stream.write(json.dumps(_clean(row), ensure_ascii=False) + "\n")


class CsvWriter:
    """Writes rows as CSV under a fixed header; nested values are flattened to text.

    ``write_header=False`` continues a file that already has its header (a resumed run).
    """

    def __init__(self, stream: TextIO, columns: Iterable[str], *, write_header: bool = True) -> None:
        self.columns = tuple(columns)
        self._writer = csv.writer(stream)
        if write_header:
            self._writer.writerow(self.columns)

    def write(self, row: dict[str, Any]) -> None:
        """Write one row; reasons become ``code: message (detail)`` joined by ``; ``."""
        self._writer.writerow([_cell(column, row.get(column)) for column in self.columns])


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column == "reason_codes":
        text = " ".join(value)
    elif column == "reasons":
        text = "; ".join(f"{r['code']}: {r['message']}" + (f" ({r['detail']})" if r["detail"] else "") for r in value)
    elif column == "errors":
        text = "; ".join(f"{e['field']}: {e['message']}" for e in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False) if value else ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    text = _SURROGATE.sub("\ufffd", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def result_writer(stream: TextIO, result_format: ResultFormat, *, include_private: bool, new_file: bool) -> RowWriter:
    """A writer of result rows in ``result_format``; ``new_file`` writes the CSV header."""
    if result_format == "jsonl":
        return JsonLinesWriter(stream)
    columns = RESULT_COLUMNS + (PRIVATE_COLUMNS if include_private else ())
    return CsvWriter(stream, columns, write_header=new_file)
