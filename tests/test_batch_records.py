"""Tests for comment_guard.batch.records: positions, field normalisation and safe metadata."""

from __future__ import annotations

import pytest

from comment_guard.batch.records import ColumnMap, SourcePosition, normalise_fields, safe_metadata


@pytest.mark.parametrize(
    ("position", "text"),
    [
        (SourcePosition("a.csv", 3), "a.csv, record 3"),
        (SourcePosition("a.csv", 3, 4), "a.csv, record 3 (line 4)"),
        (SourcePosition("a.xml", 3, 90, "17"), "a.xml, record 3 (line 90), comment 17"),
    ],
    ids=["record-only", "with-line", "with-comment-id"],
)
def test_position_reads_as_a_place_in_the_file(position, text):
    """A position prints as file, record number, line and comment id when known."""
    assert str(position) == text


@pytest.mark.parametrize(
    "name",
    ["author_email", "E-Mail", "comment_author_IP", "ip", "user_ip_address", "REMOTE_ADDR", "mail"],
    ids=["author-email", "e-mail", "wordpress-ip", "ip", "ip-address", "remote-addr", "mail"],
)
def test_metadata_drops_columns_named_like_contact_data(name):
    """A column whose name says email or IP never becomes metadata."""
    assert safe_metadata({name: "x", "status": "1"}) == {"status": "1"}


@pytest.mark.parametrize(
    "name", ["zip", "tip_amount", "description", "shipping"], ids=["zip", "tip", "description", "shipping"]
)
def test_metadata_keeps_columns_that_merely_contain_ip(name):
    """Names that contain the letters "ip" inside a word are kept."""
    assert safe_metadata({name: "x"}) == {name: "x"}


@pytest.mark.parametrize(
    "value",
    ["contact bob@example.com please", "bob (at) example (dot) com"],
    ids=["plain-address", "obfuscated-address"],
)
def test_metadata_values_lose_email_addresses(value):
    """An email address inside a metadata value is replaced by a placeholder."""
    cleaned = safe_metadata({"note": value})["note"]
    assert "bob" not in cleaned
    assert "[email removed]" in cleaned


def test_metadata_numbers_and_dates_are_untouched():
    """Timestamps and dates in metadata are not mistaken for phone numbers when no address is present."""
    values = {"time": "1700000000", "date": "2024-03-10 09:02:13"}
    assert safe_metadata(values) == values


def test_normalise_drops_placeholders_and_keeps_content_spacing():
    """Empty values, parent 0 and zero dates go; content keeps its own spacing."""
    fields = {"author": "  ", "parent_id": "0", "submitted_at": "0000-00-00 00:00:00", "content": "  hi\n"}
    assert normalise_fields(fields) == {"content": "  hi\n"}


def test_column_map_prefers_the_most_specific_alias():
    """With both ``content`` and ``comment`` present, ``content`` is the text; ``comment`` stays metadata."""
    column_map = ColumnMap.resolve(["comment", "content", "id"])
    fields, metadata, comment_id = column_map.split({"comment": "a", "content": "b", "id": " 7 "})
    assert fields == {"content": "b"}
    assert metadata == {"comment": "a"}
    assert comment_id == "7"
