"""Records read from an export: where each came from, its submission fields, its metadata.

A reader yields, in file order, one :class:`Record` per comment it could read and one
:class:`RecordError` per comment it could not; both carry a :class:`SourcePosition` whose
``record`` number counts every item of the file from 1, so that "input records = results
+ errors" can be checked and an interrupted run resumed by record number.

Field names of WordPress (``comment_author``, ``comment_content``...) and a few common
synonyms are mapped to :class:`~comment_guard.submission.CommentSubmission` fields; every
other column is kept as pass-through ``metadata``, never as a submission field. Metadata
never holds an email address: columns named like an email or IP field are dropped, and
addresses inside other values are replaced by a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from comment_guard.errors import InputFormatError
from comment_guard.privacy import scrub_contacts

#: The submission fields an export can fill, in output order.
SUBMISSION_FIELDS: tuple[str, ...] = (
    "author",
    "email",
    "url",
    "content",
    "ip",
    "submitted_at",
    "post_id",
    "parent_id",
    "user_agent",
)

#: Column names recognised for each submission field, most specific first (compared lower-cased).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "author": ("author", "comment_author", "author_name", "name"),
    "email": ("email", "comment_author_email", "author_email"),
    "url": ("url", "comment_author_url", "author_url", "website"),
    "content": ("content", "comment_content", "comment", "body", "text", "message"),
    "ip": ("ip", "comment_author_ip", "author_ip", "ip_address"),
    "submitted_at": ("submitted_at", "comment_date_gmt", "date_gmt", "created_at"),
    "post_id": ("post_id", "comment_post_id", "post"),
    "parent_id": ("parent_id", "comment_parent", "parent"),
    "user_agent": ("user_agent", "comment_agent", "agent"),
}

#: Column names recognised for the comment's own id (kept in the position, not submitted).
ID_ALIASES: tuple[str, ...] = ("comment_id", "id")

#: Error codes a reader gives to a record it cannot read.
MALFORMED_ROW = "malformed_row"
MALFORMED_XML = "malformed_xml"
BAD_ENCODING = "bad_encoding"
INVALID_VALUE = "invalid_value"
MODERATION_FAILED = "moderation_failed"

# Columns that hold contact data under a name the aliases do not map: never passed through.
_PRIVATE_NAME = re.compile(r"e-?mail|(^|[_\W])(mail|ip)($|[_\W])|ip_?addr|remote_addr", re.IGNORECASE)
# Cheap test for "might hold an address" before the full scrub (plain or "name (at) host").
_MAYBE_ADDRESS = re.compile(r"@|\bat\b", re.IGNORECASE)
# WordPress writes an unset date as zeros; a top-level comment has parent 0.
_ZERO_DATE = re.compile(r"^0000-00-00(?:[ T]00:00:00)?$")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where a record comes from: file name, record number (from 1), line, comment id.

    ``line`` is the line on which the record starts (``None`` when unknown);
    ``comment_id`` is the id the exporting system gave the comment, if any.
    """

    file: str
    record: int
    line: int | None = None
    comment_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}, record {self.record}"
        if self.line is not None:
            where += f" (line {self.line})"
        if self.comment_id:
            where += f", comment {self.comment_id}"
        return where


@dataclass(frozen=True, slots=True)
class Record:
    """One comment read from an export.

    ``fields`` holds raw values for :data:`SUBMISSION_FIELDS` only (it may hold the email
    address and IP: it is the submission's input); ``metadata`` holds every other value
    of the comment (its existing status, type, local date...), safe to write out.
    """

    position: SourcePosition
    fields: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be read or moderated: its position, a stable code, a message.

    ``code`` is one of ``malformed_row``, ``malformed_xml``, ``bad_encoding``,
    ``invalid_value``, ``moderation_failed``; ``message`` never repeats the record's data.
    """

    position: SourcePosition
    code: str
    message: str


#: What a reader yields.
Item = Record | RecordError


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which source column fills each submission field, and which holds the comment id."""

    fields: Mapping[str, str]
    comment_id: str | None

    @staticmethod
    def check_overrides(overrides: Mapping[str, str] | None) -> None:
        """Raise :class:`InputFormatError` if an override names an unknown submission field."""
        for target in overrides or {}:
            if target not in FIELD_ALIASES and target != "id":
                raise InputFormatError(
                    f"Cannot map a column to {target!r}: expected one of {', '.join((*SUBMISSION_FIELDS, 'id'))}."
                )

    @classmethod
    def resolve(
        cls, names: Sequence[str], overrides: Mapping[str, str] | None = None, *, require_present: bool = True
    ) -> ColumnMap:
        """Map the columns ``names`` to submission fields, ``overrides`` (field -> column) first.

        Raises :class:`InputFormatError` for an override naming an unknown field, or (when
        ``require_present``) a column that is not among ``names``.
        """
        overrides = dict(overrides or {})
        cls.check_overrides(overrides)
        present = {name.strip().lower(): name for name in names}
        chosen: dict[str, str] = {}
        for target, column in overrides.items():
            if column not in names:
                if not require_present:
                    continue
                raise InputFormatError(
                    f"Column {column!r} (given for {target}) is not in the export; its columns are: {', '.join(names)}."
                )
            chosen[target] = column
        taken = set(chosen.values())
        for target, aliases in (*FIELD_ALIASES.items(), ("id", ID_ALIASES)):
            if target in overrides:
                continue
            found = next((present[a] for a in aliases if a in present and present[a] not in taken), None)
            if found is not None:
                chosen[target] = found
                taken.add(found)
        comment_id = chosen.pop("id", None)
        return cls(fields=chosen, comment_id=comment_id)

    def split(self, values: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str], str | None]:
        """Split one row into (submission fields, metadata, comment id)."""
        fields = {target: values[column] for target, column in self.fields.items() if column in values}
        used = set(self.fields.values())
        if self.comment_id is not None:
            used.add(self.comment_id)
        metadata = {name: value for name, value in values.items() if name not in used}
        comment_id = values.get(self.comment_id, "") if self.comment_id is not None else ""
        return normalise_fields(fields), safe_metadata(metadata), comment_id.strip() or None


def normalise_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Drop empty values and WordPress's placeholders (parent ``0``, a zero date)."""
    result: dict[str, str] = {}
    for name, value in fields.items():
        text = value.strip() if name != "content" else value
        if not text.strip():
            continue
        if name == "parent_id" and text == "0":
            continue
        if name == "submitted_at" and _ZERO_DATE.match(text):
            continue
        result[name] = text
    return result


def safe_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Metadata without email- or IP-named entries, with addresses in values replaced."""
    safe: dict[str, str] = {}
    for name, value in metadata.items():
        if _PRIVATE_NAME.search(name):
            continue
        text = _SURROGATE.sub("\ufffd", value)
        if _MAYBE_ADDRESS.search(text):
            scrubbed = scrub_contacts(text)
            text = scrubbed.text if scrubbed.emails_removed else text
        safe[name] = text
    return safe
