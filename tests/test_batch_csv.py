"""Tests for comment_guard.batch.csv_reader: column mapping, per-row encoding and malformed rows."""

from __future__ import annotations

import io

import pytest

from comment_guard.batch.csv_reader import read_csv
from comment_guard.batch.records import BAD_ENCODING, MALFORMED_ROW, Item, Record, RecordError
from comment_guard.errors import InputFormatError


def _read(data: bytes, **options: object) -> list[Item]:
    return list(read_csv(io.BytesIO(data), "comments.csv", **options))  # type: ignore[arg-type]


def _only_record(items: list[Item]) -> Record:
    assert len(items) == 1
    (item,) = items
    assert isinstance(item, Record), item
    return item


@pytest.mark.parametrize(
    "data",
    [
        b"author,email,url,content\nAnn,ann@example.com,https://ann.example.org,Is 50 mg a lot?\n",
        (
            b"comment_author,comment_author_email,comment_author_url,comment_content\n"
            b"Ann,ann@example.com,https://ann.example.org,Is 50 mg a lot?\n"
        ),
        b"Author , EMAIL,Url,Content\nAnn,ann@example.com,https://ann.example.org,Is 50 mg a lot?\n",
    ],
    ids=["short-names", "wordpress-names", "case-and-spaces"],
)
def test_default_column_names_are_recognised(data):
    """Short names, WordPress column names and their case or spacing variants all map."""
    record = _only_record(_read(data))
    assert dict(record.fields) == {
        "author": "Ann",
        "email": "ann@example.com",
        "url": "https://ann.example.org",
        "content": "Is 50 mg a lot?",
    }


def test_wordpress_table_dump_maps_every_known_column():
    """A wp_comments dump maps ids, IP, date, post, parent and agent; the rest is metadata."""
    data = (
        b"comment_ID,comment_post_ID,comment_author,comment_author_email,comment_author_url,comment_author_IP,"
        b"comment_date,comment_date_gmt,comment_content,comment_approved,comment_agent,comment_parent\n"
        b"17,42,Ann,ann@example.com,,203.0.113.7,2024-03-10 09:02:13,2024-03-10 14:02:13,Thanks!,1,Mozilla/5.0,0\n"
    )
    record = _only_record(_read(data))
    assert record.position.comment_id == "17"
    assert dict(record.fields) == {
        "post_id": "42",
        "author": "Ann",
        "email": "ann@example.com",
        "ip": "203.0.113.7",
        "submitted_at": "2024-03-10 14:02:13",
        "content": "Thanks!",
        "user_agent": "Mozilla/5.0",
    }
    assert record.metadata == {"comment_date": "2024-03-10 09:02:13", "comment_approved": "1"}


def test_column_overrides_take_precedence():
    """``columns`` names the column of a field, and the named column is not also metadata."""
    data = b"writer,body,content\nAnn,The real comment,a template placeholder\n"
    record = _only_record(_read(data, columns={"author": "writer", "content": "body"}))
    assert record.fields["content"] == "The real comment"
    assert record.fields["author"] == "Ann"
    assert record.metadata == {"content": "a template placeholder"}


@pytest.mark.parametrize(
    ("columns", "match"),
    [({"content": "missing"}, "not in the export"), ({"colour": "body"}, "Cannot map a column")],
    ids=["absent-column", "unknown-field"],
)
def test_bad_overrides_are_refused(columns, match):
    """An override naming an absent column or an unknown field raises InputFormatError."""
    with pytest.raises(InputFormatError, match=match):
        _read(b"author,body\nAnn,hi\n", columns=columns)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "is empty"),
        (b"author,email\nAnn,ann@example.com\n", "no comment-text column"),
        (b"auth\xffor,content\nAnn,hi\n", "header row that is not valid text"),
    ],
    ids=["empty", "no-content-column", "binary-header"],
)
def test_unusable_files_are_refused(data, match):
    """A file without a usable header raises InputFormatError saying why."""
    with pytest.raises(InputFormatError, match=match):
        _read(data)


def test_nul_byte_makes_only_its_row_malformed():
    """A row holding a NUL byte is a malformed_row error; the rows around it are read."""
    data = b"author,content\nAnn,first\nBob,sec\x00ond\nCid,third\n"
    items = _read(data)
    assert [type(item) for item in items] == [Record, RecordError, Record]
    error = items[1]
    assert isinstance(error, RecordError)
    assert (error.code, error.position.record, error.position.line) == (MALFORMED_ROW, 2, 3)
    assert "NUL" in error.message


MIXED = "author,content\nAnn,caf\u00e9 au lait\n".encode() + b"Bob,caf\xe9 cr\xe8me\n" + b"Cid,plain\n"


def test_mixed_encodings_report_the_bad_row():
    """A Windows-1252 row in a UTF-8 file is a bad_encoding error naming the column; others are read."""
    items = _read(MIXED)
    assert [type(item) for item in items] == [Record, RecordError, Record]
    error = items[1]
    assert isinstance(error, RecordError)
    assert error.code == BAD_ENCODING
    assert "'content'" in error.message
    assert "caf" not in error.message
    first = items[0]
    assert isinstance(first, Record)
    assert first.fields["content"] == "caf\u00e9 au lait"


def test_fallback_encoding_recovers_the_bad_row():
    """With a cp1252 fallback the Windows-1252 row is decoded; UTF-8 rows are untouched."""
    items = _read(MIXED, fallback_encoding="cp1252")
    contents = [item.fields["content"] for item in items if isinstance(item, Record)]
    assert contents == ["caf\u00e9 au lait", "caf\u00e9 cr\u00e8me", "plain"]


def test_other_encodings_are_read_when_named():
    """``encoding`` decodes the whole file; an unknown encoding name is refused."""
    data = "author,content\nAnn,na\u00efve\n".encode("latin-1")
    assert _only_record(_read(data, encoding="latin-1")).fields["content"] == "na\u00efve"
    with pytest.raises(InputFormatError, match="Unknown text encoding"):
        _read(data, encoding="no-such-codec")


def test_byte_order_mark_is_ignored():
    """A UTF-8 byte-order mark before the header does not hide the first column's name."""
    record = _only_record(_read(b"\xef\xbb\xbfauthor,content\nAnn,hi\n"))
    assert record.fields["author"] == "Ann"


@pytest.mark.parametrize(
    ("row", "message"),
    [(b"Ann,hi,extra\n", "has 3 fields"), (b"Ann\n", "has 1 fields"), (b'Ann,"unclosed"x\n', "malformed")],
    ids=["too-many-fields", "too-few-fields", "bad-quoting"],
)
def test_malformed_rows_are_errors(row, message):
    """A row with the wrong number of fields or bad quoting is a malformed_row error."""
    items = _read(b"author,content\n" + row + b"Bob,fine\n")
    assert isinstance(items[0], RecordError)
    assert items[0].code == MALFORMED_ROW
    assert message in items[0].message
    assert isinstance(items[-1], Record)


def test_quoted_newlines_keep_line_numbers_right():
    """A multi-line quoted comment is one record, and the next record's line is where it starts."""
    data = b'author,content\nAnn,"line one\nline two\nline three"\nBob,next\n'
    records = _read(data)
    assert [item.position.line for item in records] == [2, 5]
    assert [item.position.record for item in records] == [1, 2]


def test_blank_lines_are_not_records():
    """Blank lines are skipped and not counted."""
    items = _read(b"author,content\n\nAnn,hi\n\n\nBob,yo\n")
    assert [item.position.record for item in items] == [1, 2]


def test_ten_megabyte_comment_is_read_whole():
    """A 10 MB field is read as one record rather than tripping csv's field-size limit."""
    content = "x" * (10 * 1024 * 1024)
    record = _only_record(_read(b"author,content\nAnn," + content.encode() + b"\n"))
    assert len(record.fields["content"]) == len(content)


def test_semicolon_delimiter():
    """``delimiter`` reads a semicolon-separated export."""
    record = _only_record(_read(b"author;content\nAnn;hi, there\n", delimiter=";"))
    assert record.fields["content"] == "hi, there"


def test_stream_stays_open():
    """The caller's stream is still open after reading, so the caller decides when to close it."""
    stream = io.BytesIO(b"author,content\nAnn,hi\n")
    list(read_csv(stream, "comments.csv"))
    assert not stream.closed
