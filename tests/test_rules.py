"""Tests for comment_guard.rules: link counting, content normalisation and WordPress-style keys."""

from __future__ import annotations

import time

import pytest

from comment_guard.privacy import IdentityKey, screen
from comment_guard.rules import (
    KeyList,
    KeyMatch,
    count_links,
    honeypot_filled,
    normalise_content,
    parse_keys,
    strip_tags,
)
from comment_guard.submission import REQUIRE_NAME_EMAIL, CommentSubmission

EMAIL = "ann.smith@mail.example.ru"
IP = "203.0.113.7"


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("No links here, just words about health.", 0),
        ("See https://example.org/page for more", 1),
        ("See http://a.example and www.b.example/x", 2),
        ('Read <a href="https://example.org">this</a> please', 1),
        ('<a href="https://example.org">https://example.org</a>', 1),
        ("<A HREF='x'>one</A> <a class=x href=y>two</a>", 2),
        ("[url=http://spam.example]cheap[/url]", 1),
        ("[url]http://spam.example[/url] and [URL=http://b.example]b[/URL]", 2),
        ('<a href="http://1.example">1</a> [url]http://2.example[/url] http://3.example', 3),
        ("mail me at ann@example.com", 0),
        ("example.com without a scheme", 0),
        ("<a name='top'>anchor without href</a>", 0),
    ],
    ids=[
        "none",
        "bare-https",
        "bare-http-and-www",
        "html-anchor",
        "anchor-with-url-text-counted-once",
        "anchors-any-case-and-attribute-order",
        "bbcode-url-equals",
        "bbcode-both-forms",
        "mixed",
        "email-is-not-a-link",
        "bare-domain-not-counted",
        "anchor-without-href",
    ],
)
def test_count_links(text, links):
    """Links are HTML anchors, BBCode links and bare http(s)/www addresses, a linked address counted once."""
    assert count_links(text) == links


@pytest.mark.parametrize(
    "text",
    ["<a " * 20_000, "<a href" * 10_000, "[url=" * 20_000, "http://" * 10_000, "<" * 60_000],
    ids=["open-anchors", "open-hrefs", "open-bbcode", "schemes", "angle-brackets"],
)
def test_count_links_is_fast_on_hostile_input(text):
    """Pathological markup of 60 KB is counted in well under a second (no catastrophic backtracking)."""
    started = time.perf_counter()
    count_links(text)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Great post", "great   POST"),
        ("Great\npost ", " Great post"),
        ("<b>Great</b> post", "Great post"),
        ("Great\u200b post", "Great post"),
        ("\uff27\uff52\uff45\uff41\uff54 post", "Great post"),
    ],
    ids=["case-and-spaces", "line-breaks", "tags", "zero-width", "full-width"],
)
def test_normalise_content_equates_trivial_variants(first, second):
    """Comments differing only in case, white space, tags or invisible characters normalise alike."""
    assert normalise_content(first) == normalise_content(second)


def test_normalise_content_keeps_different_texts_apart():
    """Different words stay different after normalisation."""
    assert normalise_content("Great post") != normalise_content("Great posts")


def test_strip_tags():
    """strip_tags removes HTML tags and keeps their text."""
    assert strip_tags("vi<b>ag</b>ra <i>now</i>") == "viagra now"


def test_parse_keys():
    """A WordPress key list splits on lines; blank lines and surrounding spaces go."""
    assert parse_keys("viagra\n\n  casino  \r\n\t\n203.0.113.") == ("viagra", "casino", "203.0.113.")


@pytest.mark.parametrize(
    ("value", "filled"),
    [(None, False), ("", False), ("  \n", False), ("x", True), (" http://spam ", True)],
    ids=["absent", "empty", "blank", "letter", "url"],
)
def test_honeypot_filled(value, filled):
    """The honeypot counts as filled when it holds anything but white space."""
    assert honeypot_filled(value) is filled


# --- keys -----------------------------------------------------------------------------------


def screened(identity_key: IdentityKey, **overrides):
    data = {
        "author": "Ann Smith",
        "email": EMAIL,
        "url": "https://ann.example.org/blog",
        "content": "I tried the <b>herbal</b> remedy from the shop.",
        "ip": IP,
        "user_agent": "Mozilla/5.0 SpamBot/2.1",
        "post_id": "1",
    }
    data.update(overrides)
    present = {key: value for key, value in data.items() if value is not None}
    submission = CommentSubmission.model_validate(present, context={REQUIRE_NAME_EMAIL: False})
    return screen(submission, identity_key)


@pytest.mark.parametrize(
    ("key", "field", "shown"),
    [
        ("ann smith", "author", True),
        ("ANN.EXAMPLE.ORG", "url", True),
        ("herbal remedy", "content", True),
        ("HERBAL", "content", True),
        ("spambot", "user_agent", True),
        (EMAIL, "email", False),
        (EMAIL.upper(), "email", False),
        ("mail.example.ru", "email", False),
        ("@mail.example.ru", "email", False),
        (".ru", "email", False),
        (IP, "ip", False),
        ("203.0.113.", "ip", False),
        ("203.0.", "ip", False),
        ("203.0.113.0/24", "ip", False),
        ("203.0.0.0/16", "ip", False),
    ],
    ids=[
        "author",
        "url-case-insensitive",
        "content-without-tags",
        "content-case-insensitive",
        "user-agent",
        "whole-email-by-digest",
        "whole-email-any-case",
        "email-domain",
        "at-domain",
        "domain-suffix",
        "whole-ip-by-digest",
        "partial-ip-prefix",
        "shorter-ip-prefix",
        "cidr-24",
        "cidr-16",
    ],
)
def test_key_matches_field(identity_key, key, field, shown):
    """Each key matches its field as WordPress would, within what the privacy stage keeps."""
    matches = KeyList.compile([key], identity_key).match(screened(identity_key))
    assert matches == (KeyMatch(1, field, key if shown else None),)


@pytest.mark.parametrize(
    "key",
    [
        "ann.smith",
        "ann.smith@mail.example.com",
        "203.0.113.8",
        "203.0.114.",
        "203.0.113.0/28",
        "198.51.100.0/24",
        "2001:db8::/32",
        "10.0.0.0/99",
        "0.113",
        "nothing-like-this",
    ],
    ids=[
        "email-local-part",
        "other-email",
        "other-ip",
        "other-network-prefix",
        "cidr-narrower-than-24",
        "other-cidr",
        "ipv6-cidr-for-ipv4",
        "invalid-cidr",
        "ip-infix",
        "unrelated",
    ],
)
def test_key_does_not_match(identity_key, key):
    """Keys that WordPress might match on the raw address, or that match nothing, do not match."""
    assert KeyList.compile([key], identity_key).match(screened(identity_key)) == ()


def test_email_or_phone_keys_do_not_match_scrubbed_text(identity_key):
    """Contact data in the text was scrubbed by the privacy stage, so keys for it do not match the text."""
    comment = screened(identity_key, content="Write to bob@example.net or call +1 555 010 9999 today")
    keys = KeyList.compile(["bob@example.net", "555 010 9999"], identity_key)
    assert keys.match(comment) == ()


def test_ipv6_keys(identity_key):
    """IPv6 commenters match by digest, CIDR (/48 or wider) and prefix of the anonymised network."""
    comment = screened(identity_key, ip="2001:db8:85a3::8a2e:370:7334")
    for key in ("2001:db8:85a3::8a2e:370:7334", "2001:db8::/32", "2001:db8:85a3::/48", "2001:db8:85a3:"):
        assert KeyList.compile([key], identity_key).match(comment), key
    assert KeyList.compile(["2001:db8:85a3::/64"], identity_key).match(comment) == ()


def test_missing_fields_match_nothing(identity_key):
    """A comment without email, IP, URL or user agent is only matched on its text and name."""
    comment = screened(identity_key, email=None, ip=None, url=None, user_agent=None, author="Bo")
    keys = KeyList.compile(["203.0.113.", ".ru", "example.org", "mozilla", "bo"], identity_key)
    assert keys.match(comment) == (KeyMatch(5, "author", "bo"),)


def test_matches_reported_in_key_order_with_lines(identity_key):
    """Every matching key is reported once, with its line, in key order; blank keys are skipped."""
    keys = KeyList.compile(["herbal", "  ", "unrelated", "shop"], identity_key)
    assert keys.match(screened(identity_key)) == (
        KeyMatch(1, "content", "herbal"),
        KeyMatch(4, "content", "shop"),
    )
    assert len(keys) == 3


def test_match_text_never_shows_email_or_ip(identity_key):
    """A KeyMatch on the email or IP shows the line only, never the key (which is the address)."""
    keys = KeyList.compile([EMAIL, IP, "203.0.113."], identity_key)
    matches = keys.match(screened(identity_key))
    text = " ".join(str(match) for match in matches) + repr(matches) + repr(keys)
    assert len(matches) == 3
    assert EMAIL not in text
    assert IP not in text
    assert "203.0.113" not in text


def test_empty_key_list_matches_nothing(identity_key):
    """An empty key list matches nothing."""
    assert KeyList.compile([], identity_key).match(screened(identity_key)) == ()
