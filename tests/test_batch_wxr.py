"""Tests for comment_guard.batch.wxr: WordPress exports, streamed safely and in constant memory."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from comment_guard.batch.readers import ExportReader
from comment_guard.batch.records import MALFORMED_XML, Item, Record, RecordError
from comment_guard.batch.wxr import read_wxr
from comment_guard.errors import InputFormatError

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample_export.xml"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n<title>Site</title>\n'
)
TAIL = "</channel>\n</rss>\n"


def _comment(comment_id: int, content: str = "A question about dosing.", **fields: str) -> str:
    values = {
        "comment_author": "Ann Example",
        "comment_author_email": "ann@example.com",
        "comment_author_IP": "203.0.113.7",
        "comment_date_gmt": "2024-03-10 14:02:13",
        "comment_content": content,
        "comment_approved": "1",
        "comment_parent": "0",
        **fields,
    }
    body = "".join(f"<wp:{name}><![CDATA[{value}]]></wp:{name}>\n" for name, value in values.items())
    return f"<wp:comment>\n<wp:comment_id>{comment_id}</wp:comment_id>\n{body}</wp:comment>\n"


def _item(post_id: int, *comments: str, title: str = "A post") -> str:
    return f"<item>\n<title>{title}</title>\n<wp:post_id>{post_id}</wp:post_id>\n{''.join(comments)}</item>\n"


def _read(xml: str | bytes, name: str = "export.xml") -> list[Item]:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return list(read_wxr(io.BytesIO(data), name))


def _records(items: list[Item]) -> list[Record]:
    assert all(isinstance(item, Record) for item in items), items
    return [item for item in items if isinstance(item, Record)]


def test_sample_export_reads_every_comment():
    """The sample export yields its 52 comments, numbered 1..52, with comment ids and lines."""
    items = _records(list(ExportReader(SAMPLE)))
    assert [item.position.record for item in items] == list(range(1, 53))
    assert all(item.position.comment_id and item.position.line for item in items)
    assert items[0].position.file == "sample_export.xml"


def test_fields_map_to_submission_names_and_extras_to_metadata():
    """WordPress fields become submission fields; status, type and commentmeta stay metadata."""
    meta = (
        "<wp:commentmeta><wp:meta_key>akismet_result</wp:meta_key><wp:meta_value>true</wp:meta_value></wp:commentmeta>"
    )
    comment = _comment(7, comment_author_url="https://ann.example.org", comment_type="comment").replace(
        "</wp:comment>", meta + "</wp:comment>"
    )
    (record,) = _records(_read(HEAD + _item(42, comment, title="Ketamine and PTSD") + TAIL))
    assert dict(record.fields) == {
        "author": "Ann Example",
        "email": "ann@example.com",
        "url": "https://ann.example.org",
        "content": "A question about dosing.",
        "ip": "203.0.113.7",
        "submitted_at": "2024-03-10 14:02:13",
        "post_id": "42",
    }
    assert record.metadata == {
        "post_title": "Ketamine and PTSD",
        "comment_approved": "1",
        "comment_type": "comment",
        "meta:akismet_result": "true",
    }
    assert record.position.comment_id == "7"


def test_post_id_comes_from_the_enclosing_item():
    """Each comment carries the id of the post it was found in, and a reply its parent id."""
    xml = HEAD + _item(1, _comment(10)) + _item(2, _comment(20), _comment(21, comment_parent="20")) + TAIL
    records = _records(_read(xml))
    assert [(r.fields["post_id"], r.fields.get("parent_id")) for r in records] == [
        ("1", None),
        ("2", None),
        ("2", "20"),
    ]


def test_line_numbers_point_at_each_comment():
    """A record's line is the line of its ``<wp:comment>`` start tag."""
    xml = HEAD + _item(1, _comment(10), _comment(11)) + TAIL
    lines = xml.splitlines()
    expected = [number for number, line in enumerate(lines, start=1) if line == "<wp:comment>"]
    assert [r.position.line for r in _records(_read(xml))] == expected


def test_zero_date_and_empty_fields_are_left_out():
    """WordPress's zero date and empty author or email are absent, not empty strings."""
    xml = HEAD + _item(1, _comment(1, comment_date_gmt="0000-00-00 00:00:00", comment_author="")) + TAIL
    (record,) = _records(_read(xml))
    assert "submitted_at" not in record.fields
    assert "author" not in record.fields


def test_other_export_versions_are_read():
    """WXR 1.0 and 1.1 namespaces are read like 1.2."""
    xml = (HEAD + _item(1, _comment(1)) + TAIL).replace("export/1.2/", "export/1.0/")
    assert len(_records(_read(xml))) == 1


def test_broken_xml_midway_keeps_earlier_comments_and_reports_the_line():
    """XML that breaks after two comments yields them, then one malformed_xml error at the break."""
    xml = HEAD + _item(1, _comment(1), _comment(2)) + "<item>\n<wp:comment><wp:comment_id>3</wp:comment_id>\n<broken"
    items = _read(xml)
    assert [type(item) for item in items] == [Record, Record, RecordError]
    error = items[-1]
    assert isinstance(error, RecordError)
    assert error.code == MALFORMED_XML
    assert error.position.record == 3
    assert error.position.line == xml.count("\n") + 1
    assert "line" in error.message


def test_mismatched_tag_is_reported_not_raised():
    """A mismatched closing tag after a comment is an error record, not an exception."""
    xml = HEAD + _item(1, _comment(1)) + "<item><title>x</wrong></item>" + TAIL
    items = _read(xml)
    assert isinstance(items[-1], RecordError)
    assert isinstance(items[0], Record)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><wp:comment>
<wp:comment_content>&lol9;</wp:comment_content></wp:comment></item></channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><wp:comment>
<wp:comment_content>&secret;</wp:comment_content></wp:comment></item></channel></rss>
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused_before_expanding(xml):
    """An entity bomb or an external entity is refused at once, without expanding anything."""
    started = time.perf_counter()
    with pytest.raises(InputFormatError, match="refused"):
        _read(xml)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"author,email,content\nAnn,ann@example.com,hi\n", "not a WordPress export"),
        (b"", "not a WordPress export"),
        (b'<?xml version="1.0"?><html><body>hi</body></html>', "root is not <rss>"),
    ],
    ids=["csv-given-as-wxr", "empty-file", "other-xml"],
)
def test_a_file_that_is_not_an_export_is_refused(data, match):
    """A file that is not a WordPress export raises InputFormatError naming the problem."""
    with pytest.raises(InputFormatError, match=match):
        _read(data)


def test_rss_without_comments_yields_nothing():
    """An export with posts but no comments is valid and yields no record."""
    assert _read(HEAD + _item(1) + TAIL) == []


def test_ten_megabyte_comment_is_read_whole():
    """A 10 MB comment is read as one record (the guard later rejects it as too long)."""
    content = "spam " * (2 * 1024 * 1024)
    (record,) = _records(_read(HEAD + _item(1, _comment(1, content=content)) + TAIL))
    assert len(record.fields["content"]) == len(content)


def test_channel_author_email_never_reaches_a_record():
    """The site author's email in ``wp:author`` is not a comment field or metadata."""
    author = "<wp:author><wp:author_email>owner@example.org</wp:author_email></wp:author>\n"
    (record,) = _records(_read(HEAD + author + _item(1, _comment(1, comment_author_email="")) + TAIL))
    assert "owner@example.org" not in repr(record)


def _export_stream(comments: int) -> Iterator[bytes]:
    yield HEAD.encode()
    for post in range(comments // 10):
        yield _item(post, *(_comment(post * 10 + n, content="word " * 40) for n in range(10))).encode()
    yield TAIL.encode()


def _peak_while_reading(path: Path) -> int:
    tracemalloc.start()
    try:
        count = sum(1 for _ in ExportReader(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 0
    return peak


def test_memory_does_not_grow_with_the_export(tmp_path):
    """Reading an export eight times longer does not take noticeably more memory."""
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    small.write_bytes(b"".join(_export_stream(500)))
    large.write_bytes(b"".join(_export_stream(4_000)))
    assert large.stat().st_size > 7 * small.stat().st_size
    small_peak, large_peak = _peak_while_reading(small), _peak_while_reading(large)
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)


def test_reader_reports_how_far_it_has_read(tmp_path):
    """``fraction_read`` is 0 before reading and 1 once the whole export has been read."""
    reader = ExportReader(SAMPLE)
    assert reader.fraction_read == 0.0
    iterator = iter(reader)
    next(iterator)
    assert 0.0 < reader.fraction_read <= 1.0
    for _ in iterator:
        pass
    assert reader.fraction_read == 1.0


@pytest.mark.parametrize(
    ("make", "match"),
    [(lambda p: p.mkdir(), "is a directory"), (lambda p: None, "does not exist")],
    ids=["directory", "missing"],
)
def test_unopenable_exports_are_clear_errors(tmp_path, make, match):
    """A directory or a missing path given as the export raises InputFormatError."""
    path = tmp_path / "export.xml"
    make(path)
    with pytest.raises(InputFormatError, match=match):
        list(ExportReader(path))
