"""Read the comments of a WordPress export (WXR) in constant memory.

WordPress's Tools -> Export writes RSS with one ``item`` per post; each ``wp:comment`` in it
holds ``wp:comment_*`` fields and any number of ``wp:commentmeta`` key/value pairs. The
file is parsed with :mod:`defusedxml` (entity declarations and external references are
refused, so an entity-expansion bomb never expands) and streamed with ``iterparse``: every
element is detached from its parent once read, so only the current comment is in memory.

A file that is not XML at all, or that declares entities, raises
:class:`~comment_guard.errors.InputFormatError`; XML that breaks midway yields a
:class:`~comment_guard.batch.records.RecordError` at the line where it broke, after the
comments read before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from comment_guard.batch.records import MALFORMED_XML, ColumnMap, Item, Record, RecordError, SourcePosition
from comment_guard.errors import InputFormatError

_WP_NAMESPACE = "http://wordpress.org/export/"
# Children of these are detached once read; a comment's fields stay until the comment ends.
_CONTAINERS = frozenset({"rss", "channel", "item"})
# WXR field names are WordPress's column names, so the CSV aliases map them too.
_COLUMNS = ColumnMap.resolve(
    [
        "comment_id",
        "comment_author",
        "comment_author_email",
        "comment_author_url",
        "comment_author_IP",
        "comment_date_gmt",
        "comment_content",
        "comment_parent",
        "comment_agent",
    ]
)


def _split_tag(tag: str) -> tuple[str, str]:
    """Return (namespace, local name) of an ElementTree tag ``{namespace}local``."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _is_wp(tag: str, local: str) -> bool:
    namespace, name = _split_tag(tag)
    return name == local and namespace.startswith(_WP_NAMESPACE)


class _LineTracker(TreeBuilder):
    """A tree builder that notes the line where each ``wp:comment`` starts.

    ``iterparse`` reports events after a whole block of input is parsed; the builder is
    called while the parser is still on the element's start tag, so its line is exact.
    """

    def __init__(self) -> None:
        super().__init__()
        self.current_line: Callable[[], int] = lambda: 0
        self.comment_lines: dict[Element, int] = {}

    def start(self, tag: Any, attrs: dict[Any, Any], /) -> Element:
        element = super().start(tag, attrs)
        if _is_wp(tag, "comment"):
            self.comment_lines[element] = self.current_line()
        return element


def read_wxr(stream: IO[bytes], name: str) -> Iterator[Item]:
    """Yield a :class:`Record` per ``wp:comment`` of the WXR file open in ``stream``.

    ``name`` is the file name shown in positions. The post id comes from the enclosing
    ``item``'s ``wp:post_id``; the post title, the existing ``comment_approved`` status and
    the other fields are metadata, ``wp:commentmeta`` pairs as ``meta:<key>``.
    """
    builder = _LineTracker()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.current_line = lambda: int(parser.parser.CurrentLineNumber)
    count = 0
    root_tag = ""
    stack: list[Element] = []
    post: dict[str, str] = {}
    try:
        for event, element in iterparse(stream, events=("start", "end"), parser=parser):
            if event == "start":
                root_tag = root_tag or _split_tag(element.tag)[1]
                stack.append(element)
                if element.tag == "item":
                    post = {}
                continue
            stack.pop()
            parent = stack[-1] if stack else None
            if _is_wp(element.tag, "comment"):
                count += 1
                line = builder.comment_lines.pop(element, None)
                yield _comment_record(element, post, SourcePosition(name, count, line))
            elif parent is not None and parent.tag == "item":
                _note_post_field(element, post)
            # Detach what has been read, so memory holds one comment whatever the file's size.
            if parent is not None and (parent.tag in _CONTAINERS or _is_wp(element.tag, "comment")):
                parent.remove(element)
    except DefusedXmlException as exc:
        raise InputFormatError(
            f"{name} was refused: it declares XML entities or external references ({type(exc).__name__}), "
            "which a WordPress export never does and an entity-expansion attack does."
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        if not stack and count == 0:
            raise InputFormatError(
                f"{name} is not a WordPress export: the XML is malformed at line {line}, column {column}."
            ) from exc
        count += 1
        message = (
            f"The XML is malformed at line {line}, column {column}; "
            "this comment and the rest of the file could not be read."
        )
        yield RecordError(SourcePosition(name, count, line), MALFORMED_XML, message)
        return
    if count == 0 and root_tag != "rss":
        raise InputFormatError(f"{name} is XML but not a WordPress export (WXR): its root is not <rss>.")


def _note_post_field(element: Element, post: dict[str, str]) -> None:
    if _is_wp(element.tag, "post_id"):
        post["post_id"] = (element.text or "").strip()
    elif element.tag == "title":
        post["post_title"] = (element.text or "").strip()


def _comment_record(element: Element, post: dict[str, str], position: SourcePosition) -> Record:
    values: dict[str, str] = {}
    for child in element:
        namespace, local = _split_tag(child.tag)
        if not namespace.startswith(_WP_NAMESPACE):
            continue
        if local == "commentmeta":
            key = (child.findtext(f"{{{namespace}}}meta_key") or "").strip()
            if key:
                values[f"meta:{key}"] = child.findtext(f"{{{namespace}}}meta_value") or ""
        else:
            values[local] = child.text or ""
    fields, metadata, comment_id = _COLUMNS.split(values)
    if "post_id" in post:
        fields.setdefault("post_id", post["post_id"])
    if "post_title" in post:
        metadata = {"post_title": post["post_title"], **metadata}
    return Record(SourcePosition(position.file, position.record, position.line, comment_id), fields, metadata)
