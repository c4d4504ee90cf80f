"""Tests for comment_guard.submission: field rules, messages and error codes of a comment form."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import email_validator
import pytest
from pydantic import ValidationError

from comment_guard.errors import CommentGuardError, SubmissionError
from comment_guard.results import FieldError
from comment_guard.submission import CommentSubmission, SubmissionCheck, field_errors, validate_submission

STABLE_CODES = frozenset(
    {
        "required",
        "too_long",
        "invalid_email",
        "invalid_url",
        "invalid_ip",
        "invalid_token",
        "invalid_date",
        "invalid_type",
        "invalid_value",
        "unknown_field",
    }
)


def _check(form: Any, **kwargs: Any) -> SubmissionCheck:
    return validate_submission(form, **kwargs)


def _only_error(check: SubmissionCheck) -> FieldError:
    assert check.submission is None
    assert len(check.errors) == 1, check.errors
    return check.errors[0]


def _valid(check: SubmissionCheck) -> CommentSubmission:
    assert check.errors == ()
    assert check.submission is not None
    return check.submission


# --- required fields -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("author", None, "Please enter your name."),
        ("author", "", "Please enter your name."),
        ("author", "   \t ", "Please enter your name."),
        ("author", "\u200b\u202e", "Please enter your name."),
        ("email", None, "Please enter your email address."),
        ("email", "", "Please enter your email address."),
        ("email", "  \n", "Please enter your email address."),
    ],
    ids=[
        "author-missing",
        "author-empty",
        "author-blank",
        "author-invisible",
        "email-missing",
        "email-empty",
        "email-blank",
    ],
)
def test_name_and_email_required_by_default(make_form, field, value, message):
    """A missing, empty or blank name or email is a ``required`` error with a field-specific message."""
    error = _only_error(_check(make_form(**{field: value})))
    assert error == FieldError(field, "required", message)


@pytest.mark.parametrize("field", ["author", "email"], ids=["author", "email"])
@pytest.mark.parametrize("value", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_name_and_email_optional_when_switched_off(make_form, field, value):
    """With require_name_email=False an absent name or email is accepted and stored as None."""
    submission = _valid(_check(make_form(**{field: value}), require_name_email=False))
    assert getattr(submission, field) is None
    from_form = CommentSubmission.from_form(make_form(**{field: value}), require_name_email=False)
    assert getattr(from_form, field) is None


def test_model_validate_without_context_requires_name_and_email():
    """Validating the model directly (no context) applies the default: name and email are required."""
    with pytest.raises(ValidationError) as caught:
        CommentSubmission.model_validate({"content": "Hello"})
    assert {error["loc"][0] for error in caught.value.errors()} == {"author", "email"}


@pytest.mark.parametrize("require_name_email", [True, False], ids=["names-required", "names-optional"])
@pytest.mark.parametrize(
    "content",
    [None, "", "   \n\t  ", "\x00\x07\r\n"],
    ids=["missing", "empty", "whitespace", "control-only"],
)
def test_content_always_required(make_form, content, require_name_email):
    """A missing or empty comment is ``required`` with "Please type your comment text.", whatever the switch."""
    error = _only_error(_check(make_form(content=content), require_name_email=require_name_email))
    assert error == FieldError("content", "required", "Please type your comment text.")


def test_content_required_under_wordpress_alias(make_form):
    """An empty ``comment`` (WordPress's name) is reported against ``content``."""
    form = make_form(content=None, comment="  ")
    assert _only_error(_check(form)) == FieldError("content", "required", "Please type your comment text.")


# --- WordPress length limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "ok"),
    [
        ("a" * 245, True),
        ("a" * 246, False),
        ("é" * 122 + "a", True),
        ("é" * 123, False),
        ("😀" * 61 + "a", True),
        ("😀" * 61 + "ab", False),
    ],
    ids=["ascii-245", "ascii-246", "two-byte-245", "two-byte-246", "four-byte-245", "four-byte-246"],
)
def test_author_limit_is_245_utf8_bytes(make_form, author, ok):
    """The name may be 245 UTF-8 bytes long; one byte more is ``too_long`` even when fewer characters."""
    check = _check(make_form(author=author))
    if ok:
        assert _valid(check).author == author
    else:
        assert _only_error(check) == FieldError("author", "too_long", "Your name is too long.")


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("a" * 64 + "@" + "b" * 31 + ".com", True),
        ("a" * 64 + "@" + "b" * 32 + ".com", False),
        ("ü" * 20 + "@" + "b" * 60 + "." + "c" * 14 + ".com", True),
        ("ü" * 20 + "@" + "b" * 60 + "." + "c" * 15 + ".com", False),
    ],
    ids=["ascii-100", "ascii-101", "multibyte-100-chars", "multibyte-101-chars"],
)
def test_email_limit_is_100_characters(make_form, email, ok):
    """The email may be 100 characters long (counted in characters, not bytes); 101 is ``too_long``."""
    check = _check(make_form(email=email))
    if ok:
        assert _valid(check).email is not None
    else:
        assert _only_error(check) == FieldError("email", "too_long", "Your email address is too long.")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/" + "a" * 180, True),
        ("https://example.com/" + "a" * 181, False),
        ("https://example.com/" + "é" * 180, True),
        ("https://example.com/" + "é" * 181, False),
    ],
    ids=["ascii-200", "ascii-201", "multibyte-200-chars", "multibyte-201-chars"],
)
def test_url_limit_is_200_characters(make_form, url, ok):
    """The website may be 200 characters long (counted in characters); 201 is ``too_long``."""
    check = _check(make_form(url=url))
    if ok:
        assert _valid(check).url == url
    else:
        assert _only_error(check) == FieldError("url", "too_long", "Your website address is too long.")


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        ("a" * 65_525, True),
        ("a" * 65_526, False),
        ("€" * 21_841 + "ab", True),
        ("€" * 21_841 + "abc", False),
    ],
    ids=["ascii-65525", "ascii-65526", "three-byte-65525", "three-byte-65526"],
)
def test_content_limit_is_65525_utf8_bytes(make_form, content, ok):
    """The comment may be 65,525 UTF-8 bytes long; one byte more is ``too_long``."""
    check = _check(make_form(content=content))
    if ok:
        assert _valid(check).content == content
    else:
        assert _only_error(check) == FieldError("content", "too_long", "Your comment is too long.")


# --- normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "clean"),
    [
        ("author", "Cafe\u0301 Owner", "Caf\u00e9 Owner"),
        ("content", "Cre\u0300me bru\u0302le\u0301e", "Cr\u00e8me br\u00fbl\u00e9e"),
        ("author", "  Ann Example \n", "Ann Example"),
        ("author", "Ann \t\n  Example", "Ann Example"),
        ("content", "\n\n  Hello there.  \n", "Hello there."),
        ("post_id", "  42 ", "42"),
        ("language", " en-GB\u200b ", "en-GB"),
    ],
    ids=[
        "author-nfc",
        "content-nfc",
        "author-strip",
        "author-collapse-space",
        "content-strip",
        "post-id-strip",
        "language",
    ],
)
def test_text_is_nfc_normalised_and_stripped(make_form, field, raw, clean):
    """Text fields are NFC-normalised and stripped; a name's inner white space collapses to one space."""
    assert getattr(_valid(_check(make_form(**{field: raw}))), field) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b\x07c\x1bd\x7fe\x85f\x9fg", "abcdefg"),
        ("line one\nline two", "line one\nline two"),
        ("col\tcol", "col\tcol"),
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("keep\x0bvertical\x0cfeed", "keepverticalfeed"),
    ],
    ids=["c0-c1-controls", "newline-kept", "tab-kept", "crlf-and-cr-to-lf", "vt-ff-removed"],
)
def test_content_controls_removed_except_newline_and_tab(make_form, raw, clean):
    """Control characters are removed from the comment, except newline and tab; CRLF and CR become LF."""
    assert _valid(_check(make_form(content=raw))).content == clean


@pytest.mark.parametrize(
    "char",
    ["\u200b", "\u200c", "\u200d", "\u200e", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u2060"],
    ids=["zwsp", "zwnj", "zwj", "lrm", "lre", "rlo", "lri", "pdi", "bom", "soft-hyphen", "word-joiner"],
)
def test_invisible_and_bidi_characters_removed_from_names(make_form, char):
    """Zero-width and bidirectional-override characters are removed from the commenter's name."""
    assert _valid(_check(make_form(author=f"An{char}n{char} Example"))).author == "Ann Example"


@pytest.mark.parametrize(
    "field",
    ["author", "content", "email", "url", "user_agent", "referrer", "post_id", "language", "honeypot", "form_token"],
    ids=lambda field: field,
)
def test_lone_surrogates_do_not_crash(make_form, field):
    """A lone surrogate never raises: the form validates or fails cleanly, and a valid one dumps to JSON."""
    check = _check(make_form(**{field: "ab\ud800cd"}))
    assert all(isinstance(error, FieldError) for error in check.errors)
    if check.submission is not None:
        dumped = check.submission.model_dump_json()
        assert "\\ud800" not in dumped
        assert "ab\ufffdcd" in dumped or field in {"email", "url"}


def test_lone_surrogate_replaced_in_content(make_form):
    """A lone surrogate in the comment becomes U+FFFD so the text is valid UTF-8."""
    content = _valid(_check(make_form(content="ab\udc00cd"))).content
    assert content == "ab\ufffdcd"
    content.encode("utf-8")


# --- email ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("ann@example.com", "ann@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("ANN@EXAMPLE.COM", "ANN@example.com"),
        ("  ann@example.com\t", "ann@example.com"),
        ("jo@xn--bcher-kva.de", "jo@bücher.de"),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
    ids=["plain", "plus-subdomain", "apostrophe", "upper-case-domain", "surrounding-space", "punycode", "unicode"],
)
def test_valid_email_accepted_and_normalised(make_form, raw, normalised):
    """A syntactically valid address is accepted; its domain is normalised, surrounding space removed."""
    email = _valid(_check(make_form(email=raw))).email
    assert email is not None
    assert email.get_secret_value() == normalised


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@",
        "@example.com",
        "ann@@example.com",
        "ann@example",
        "ann example@example.com",
        "ann@exa mple.com",
        "ann..x@example.com",
        ".ann@example.com",
        "Ann <ann@example.com>",
        "ann@localhost",
        "ann@[192.0.2.1]",
        "ann@example.invalid",
        "ann@example.com.",
        "ann@exam_ple.com",
        12345,
    ],
    ids=[
        "no-at",
        "no-domain",
        "no-local-part",
        "double-at",
        "no-tld",
        "space-in-local",
        "space-in-domain",
        "double-dot",
        "leading-dot",
        "display-name",
        "localhost",
        "ip-literal",
        "special-use-tld",
        "trailing-dot",
        "underscore-domain",
        "number",
    ],
)
def test_invalid_email_rejected(make_form, email):
    """An address with invalid syntax is ``invalid_email`` with a message that does not repeat it."""
    error = _only_error(_check(make_form(email=email)))
    assert error == FieldError("email", "invalid_email", "Please enter a valid email address.")


def test_email_check_uses_no_network(make_form, monkeypatch):
    """Email validation is syntax-only: no deliverability check and no socket is opened."""
    calls: list[dict[str, Any]] = []
    original = email_validator.validate_email

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return original(*args, **kwargs)

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("email validation must not use the network")

    monkeypatch.setattr(email_validator, "validate_email", spy)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    _valid(_check(make_form(email="someone@no-such-host-7f3a9c.com")))
    assert calls
    assert all(call.get("check_deliverability") is False for call in calls)


# --- url ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://example.com", "https://example.com"),
        ("http://example.com/path?q=1#frag", "http://example.com/path?q=1#frag"),
        ("HTTPS://Example.com/", "HTTPS://Example.com/"),
        ("example.com", "http://example.com"),
        ("www.example.org/blog", "http://www.example.org/blog"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("http://localhost:8000/", "http://localhost:8000/"),
        ("http://[::1]/", "http://[::1]/"),
        ("https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
    ],
    ids=[
        "https",
        "http-path-query",
        "upper-case",
        "bare-domain",
        "bare-domain-path",
        "surrounding-space",
        "localhost-port",
        "ipv6-loopback",
        "ipv6-port",
    ],
)
def test_valid_url_accepted(make_form, raw, stored):
    """An http(s) address with a host is accepted; a bare "example.com" gets http:// as WordPress does."""
    assert _valid(_check(make_form(url=raw))).url == stored


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "javascript://example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:ann@example.com",
        "ftp://example.com/file",
        "http://",
        "https://",
        "//example.com",
        "http://exa mple.com",
        "http://example",
        "http://example.com:0/",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http://[nope]/",
        "vbscript:msgbox",
    ],
    ids=[
        "javascript",
        "javascript-mixed-case",
        "javascript-slashes",
        "data",
        "mailto",
        "ftp",
        "http-no-host",
        "https-no-host",
        "scheme-relative",
        "space-in-host",
        "single-label-host",
        "port-zero",
        "port-out-of-range",
        "port-not-number",
        "bad-ipv6-literal",
        "vbscript",
    ],
)
def test_invalid_url_rejected(make_form, url):
    """Only http(s) addresses with a real host are accepted; anything else is ``invalid_url``."""
    error = _only_error(_check(make_form(url=url)))
    assert error == FieldError(
        "url", "invalid_url", "Please enter a valid website address starting with http:// or https://."
    )


@pytest.mark.parametrize(
    "url",
    ["http://user:password@example.com/", "https://user@example.com", "https://:secret@example.com"],
    ids=["user-and-password", "user-only", "password-only"],
)
def test_url_with_credentials_rejected(make_form, url):
    """A website address carrying a user name or password is ``invalid_url`` with its own message."""
    error = _only_error(_check(make_form(url=url)))
    assert error == FieldError("url", "invalid_url", "Please enter a website address without a user name or password.")


def test_empty_url_means_no_website(make_form):
    """An empty website field is stored as None."""
    assert _valid(_check(make_form(url="  "))).url is None


# --- ip -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 198.51.100.1\n", "198.51.100.1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ],
    ids=["ipv4", "ipv4-space", "ipv6", "ipv6-expanded"],
)
def test_valid_ip_stored_canonical_and_secret(make_form, raw, canonical):
    """A valid IPv4 or IPv6 address is stored in canonical form as a secret."""
    submission = _valid(_check(make_form(ip=raw)))
    assert submission.ip is not None
    assert submission.ip.get_secret_value() == canonical
    assert canonical not in repr(submission)


@pytest.mark.parametrize(
    "ip",
    ["999.1.1.1", "203.0.113", "203.0.113.7:8080", "01.2.3.4", "2001:db8::g", "not an ip", "203.0.113.7/24"],
    ids=["octet-too-big", "three-octets", "with-port", "leading-zero", "bad-hex", "words", "network"],
)
def test_invalid_ip_rejected(make_form, ip):
    """An IP that is not a single IPv4 or IPv6 address is ``invalid_ip``."""
    assert _only_error(_check(make_form(ip=ip))) == FieldError("ip", "invalid_ip", "The IP address is not valid.")


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["submitted_at", "form_rendered_at"], ids=["submitted", "rendered"])
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T12:30:00", datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)),
        (datetime(2024, 5, 1, 12, 30), datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)),
        (
            "2024-05-01T12:30:00+02:00",
            datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        (1_714_566_600, datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)),
    ],
    ids=["naive-text", "naive-datetime", "aware-text", "unix-seconds"],
)
def test_dates_are_timezone_aware(make_form, field, raw, expected):
    """A naive date is taken as UTC; an aware one keeps its offset."""
    value = getattr(_valid(_check(make_form(**{field: raw}))), field)
    assert value == expected
    assert value.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "raw", ["yesterday", "2024-13-01T00:00:00", "ann@example.com"], ids=["word", "month-13", "email"]
)
def test_invalid_date_rejected(make_form, raw):
    """A value that is not a date and time is ``invalid_date``."""
    error = _only_error(_check(make_form(submitted_at=raw)))
    assert error == FieldError("submitted_at", "invalid_date", "Please enter a valid date and time.")


# --- WordPress aliases ----------------------------------------------------------------------


def test_wordpress_field_names_accepted(make_form):
    """WordPress's ``comment``, ``comment_post_ID`` and ``comment_parent`` fill content, post_id, parent_id."""
    form = make_form(content=None, post_id=None, comment="From WordPress.", comment_post_ID=17, comment_parent="0")
    submission = _valid(_check(form))
    assert (submission.content, submission.post_id, submission.parent_id) == ("From WordPress.", "17", "0")


def test_field_names_accepted(make_form):
    """The model's own names ``content``, ``post_id`` and ``parent_id`` are accepted too."""
    submission = _valid(_check(make_form(content="Own names.", post_id="5", parent_id="3")))
    assert (submission.content, submission.post_id, submission.parent_id) == ("Own names.", "5", "3")


# --- unknown fields and input shapes ----------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["wp_nonce", "akismet_comment_nonce", "submit"],
    ids=["wp-nonce", "akismet-nonce", "submit-button"],
)
def test_unknown_field_refused_by_name(make_form, key):
    """An unknown field with a plain name is ``unknown_field``, reported under that name."""
    error = _only_error(_check(make_form(**{key: "x"})))
    assert error == FieldError(key, "unknown_field", "This field is not accepted.")


@pytest.mark.parametrize(
    "key",
    [
        "ann@example.com",
        "<script>alert(1)</script>",
        "a" * 100,
        "has space",
        "ip=203.0.113.7",
        "203.0.113.7",
        12345,
        "",
    ],
    ids=["email", "markup", "too-long", "space", "ip-assignment", "bare-ip", "int-key", "empty"],
)
def test_unknown_field_never_echoes_unsafe_key(make_form, key):
    """An unknown field whose name is not a plain identifier is reported as "unknown field", not echoed."""
    form = make_form()
    form[key] = "x"
    error = _only_error(_check(form))
    assert error == FieldError("unknown field", "unknown_field", "This field is not accepted.")
    with pytest.raises(SubmissionError) as caught:
        CommentSubmission.from_form(form)
    if str(key):
        assert str(key) not in str(caught.value)


@pytest.mark.parametrize(
    "form",
    [None, "author=Ann&comment=Hi", ["author", "Ann"], [("comment", "Hi")], 42, b"comment=Hi"],
    ids=["none", "query-string", "list", "pairs", "int", "bytes"],
)
def test_non_mapping_input_rejected(form):
    """Anything but a mapping yields one ``invalid_type`` error for the whole submission."""
    error = _only_error(_check(form))
    assert error == FieldError("submission", "invalid_type", "The comment form data could not be read.")
    with pytest.raises(SubmissionError):
        CommentSubmission.from_form(form)


def test_validated_submission_passes_through(make_form):
    """Validating an existing CommentSubmission returns it unchanged, with no errors."""
    submission = CommentSubmission.from_form(make_form())
    check = _check(submission)
    assert check.submission is submission
    assert check.errors == ()
    assert check.ok


@pytest.mark.parametrize(
    "wrap",
    [list, tuple],
    ids=["list", "tuple"],
)
def test_multi_values_take_the_first(make_form, wrap):
    """A field with several values (MultiDict / parse_qs style) uses the first value."""
    form = {key: wrap([value, "second"]) for key, value in make_form().items()}
    submission = _valid(_check(form))
    assert submission.author == "Ann Example"
    assert submission.content == "Thanks for the clear write-up."
    assert submission.email is not None
    assert submission.email.get_secret_value() == "ann@example.com"


def test_empty_value_list_is_absent(make_form):
    """A field posted with no values at all counts as missing."""
    error = _only_error(_check(make_form(author=[])))
    assert error == FieldError("author", "required", "Please enter your name.")


class _QueryDictLike(Mapping[str, str]):
    """A mapping like Django's QueryDict: indexing and items() give the last value, getlist() all."""

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self._lists = lists

    def __getitem__(self, key: str) -> str:
        return self._lists[key][-1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def getlist(self, key: str) -> list[str]:
        return list(self._lists[key])


def test_querydict_style_mapping_uses_first_value(make_form):
    """A mapping whose items() give the last value still contributes the first value of each field."""
    form = _QueryDictLike({key: [value, "last"] for key, value in make_form().items()})
    submission = _valid(_check(form))
    assert submission.author == "Ann Example"
    assert submission.post_id == "42"


# --- other fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        ("user_agent", "Mozilla/5.0 " + "x" * 300, ("Mozilla/5.0 " + "x" * 300)[:255]),
        ("user_agent", "  ", None),
        ("user_agent", "\u200b", None),
        ("referrer", "https://example.com/" + "r" * 2_100, ("https://example.com/" + "r" * 2_100)[:2_000]),
        ("honeypot", "h" * 1_500, "h" * 1_000),
        ("honeypot", "", ""),
        ("post_id", "\u200b", None),
        ("parent_id", 7, "7"),
    ],
    ids=[
        "user-agent-truncated",
        "user-agent-blank",
        "user-agent-invisible",
        "referrer-truncated",
        "honeypot-truncated",
        "honeypot-empty-kept",
        "post-id-invisible",
        "parent-id-int",
    ],
)
def test_auxiliary_fields_cleaned(make_form, field, raw, stored):
    """User agent, referrer and honeypot are truncated, not rejected; blank identifiers become None."""
    assert getattr(_valid(_check(make_form(**{field: raw}))), field) == stored


@pytest.mark.parametrize(
    ("token", "ok"),
    [("t" * 1_000, True), ("t" * 1_001, False)],
    ids=["1000-chars", "1001-chars"],
)
def test_form_token_limit(make_form, token, ok):
    """A form token of more than 1,000 characters is ``invalid_token``."""
    check = _check(make_form(form_token=token))
    if ok:
        assert _valid(check).form_token == token
    else:
        assert _only_error(check) == FieldError(
            "form_token", "invalid_token", "The form has expired; please reload the page and try again."
        )


def test_identifier_too_long(make_form):
    """A post id of more than 200 characters is ``too_long``."""
    error = _only_error(_check(make_form(post_id="9" * 201)))
    assert error == FieldError("post_id", "too_long", "This value is too long.")


def test_submission_is_frozen(make_form):
    """A CommentSubmission cannot be changed after validation."""
    submission = CommentSubmission.from_form(make_form())
    with pytest.raises(ValidationError):
        submission.content = "changed"  # type: ignore[misc]
    assert submission.content == "Thanks for the clear write-up."


# --- error codes and messages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"author": None}, "author", "required"),
        ({"author": "x" * 300}, "author", "too_long"),
        ({"email": "nope"}, "email", "invalid_email"),
        ({"url": "ftp://example.com"}, "url", "invalid_url"),
        ({"ip": "1.2.3"}, "ip", "invalid_ip"),
        ({"form_token": "t" * 2_000}, "form_token", "invalid_token"),
        ({"submitted_at": "soon"}, "submitted_at", "invalid_date"),
        ({"content": 5}, "content", "invalid_type"),
        ({"author": True}, "author", "invalid_type"),
        ({"email": {"a": 1}}, "email", "invalid_type"),
        ({"url": 3.5}, "url", "invalid_type"),
        ({"ip": True}, "ip", "invalid_type"),
        ({"ip": 5}, "ip", "invalid_ip"),
        ({"ip": ["x", "203.0.113.7"]}, "ip", "invalid_ip"),
        ({"content": b"\xff\xfe"}, "content", "invalid_value"),
        ({"wp_nonce": "x"}, "wp_nonce", "unknown_field"),
    ],
    ids=[
        "required",
        "too-long",
        "invalid-email",
        "invalid-url",
        "invalid-ip",
        "invalid-token",
        "invalid-date",
        "wrong-type-int",
        "wrong-type-bool",
        "wrong-type-dict",
        "wrong-type-float",
        "wrong-type-ip-bool",
        "ip-number",
        "first-of-list-used",
        "invalid-utf8-bytes",
        "unknown-field",
    ],
)
def test_error_codes_are_stable_strings(make_form, overrides, field, code):
    """Each kind of problem has a fixed machine code from a small, documented set."""
    check = _check(make_form(**overrides))
    assert [(error.field, error.code) for error in check.errors] == [(field, code)]
    assert code in STABLE_CODES
    assert all(type(error.code) is str and type(error.message) is str for error in check.errors)


def test_all_problems_reported_once_each(make_form):
    """Every invalid field is reported, once, in one pass."""
    form = make_form(author=None, email="nope", url="javascript:x", content="", ip="x", submitted_at="?")
    check = _check(form)
    pairs = [(error.field, error.code) for error in check.errors]
    assert sorted(pairs) == sorted(
        [
            ("author", "required"),
            ("email", "invalid_email"),
            ("url", "invalid_url"),
            ("content", "required"),
            ("ip", "invalid_ip"),
            ("submitted_at", "invalid_date"),
        ]
    )
    assert len(set(pairs)) == len(pairs)


def test_unsafe_unknown_fields_reported_once(make_form):
    """Several unknown fields with unsafe names give a single "unknown field" error."""
    form = make_form()
    form.update({"a@example.com": "1", "b@example.com": "2", "with space": "3"})
    assert _only_error(_check(form)) == FieldError("unknown field", "unknown_field", "This field is not accepted.")


def test_model_level_error_reported_against_submission():
    """A pydantic error not tied to a field (the whole input has the wrong type) is reported as "submission"."""
    with pytest.raises(ValidationError) as caught:
        CommentSubmission.model_validate("author=Ann")
    assert field_errors(caught.value) == (
        FieldError("submission", "invalid_type", "This field has the wrong type of value."),
    )


SECRET_EMAIL = "leaky.person@example.net"
SECRET_IP = "198.51.100.23"


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": SECRET_EMAIL + "@"},
        {"email": "x" * 90 + SECRET_EMAIL},
        {"email": f"Leaky <{SECRET_EMAIL}>"},
        {"url": f"mailto:{SECRET_EMAIL}"},
        {"url": f"javascript:alert('{SECRET_EMAIL}')"},
        {"url": f"http://{SECRET_EMAIL}:pw@example.com/"},
        {"ip": f"{SECRET_IP}:443"},
        {"ip": f"for={SECRET_IP}"},
        {"author": SECRET_EMAIL * 20},
        {"submitted_at": SECRET_EMAIL},
        {"content": 1, "parent_id": SECRET_IP * 20},
        {"form_token": SECRET_EMAIL * 50},
        {SECRET_EMAIL: SECRET_IP},
        {f"ip_{SECRET_IP}@": SECRET_EMAIL},
    ],
    ids=[
        "bad-email",
        "long-email",
        "email-display-name",
        "mailto-url",
        "javascript-url",
        "credentials-url",
        "ip-with-port",
        "forwarded-ip",
        "long-author",
        "date",
        "long-parent-id",
        "long-token",
        "email-as-key",
        "ip-in-key",
    ],
)
def test_errors_never_contain_the_rejected_input(make_form, overrides):
    """No FieldError, SubmissionError text or repr contains the rejected email address or IP."""
    form = make_form(**overrides)
    check = _check(form)
    assert check.errors
    with pytest.raises(SubmissionError) as caught:
        CommentSubmission.from_form(form)
    texts = [repr(check), str(check), str(caught.value), repr(caught.value), repr(caught.value.errors)]
    texts += [f"{error.field} {error.code} {error.message}" for error in check.errors]
    for text in texts:
        assert SECRET_EMAIL not in text
        assert SECRET_IP not in text


def test_direct_model_errors_hide_input():
    """Building the model directly raises a ValidationError whose text does not repeat the input."""
    with pytest.raises(ValidationError) as caught:
        CommentSubmission(author="Ann", email=SECRET_EMAIL + "@", content="Hi", ip=SECRET_IP + "/8")
    assert SECRET_EMAIL not in str(caught.value)
    assert SECRET_IP not in str(caught.value)


def test_valid_submission_masks_email_and_ip(make_form):
    """repr, str and dumps of a valid submission show the email and IP masked."""
    submission = CommentSubmission.from_form(make_form(email=SECRET_EMAIL, ip=SECRET_IP))
    for text in (repr(submission), str(submission), str(submission.model_dump()), submission.model_dump_json()):
        assert SECRET_EMAIL not in text
        assert SECRET_IP not in text
    assert submission.email is not None
    assert submission.email.get_secret_value() == SECRET_EMAIL


# --- SubmissionError from from_form ---------------------------------------------------------


def test_from_form_raises_submission_error_with_errors(make_form):
    """from_form raises SubmissionError carrying the same FieldErrors validate_submission returns."""
    form = make_form(email=SECRET_EMAIL + "@", content="")
    with pytest.raises(SubmissionError) as caught:
        CommentSubmission.from_form(form)
    assert caught.value.errors == _check(form).errors
    assert {error.field for error in caught.value.errors} == {"email", "content"}
    assert "2 problem(s) in: content, email" in str(caught.value)


@pytest.mark.parametrize("base", [ValueError, CommentGuardError], ids=["value-error", "comment-guard-error"])
def test_submission_error_is_catchable_as(make_form, base):
    """A failed from_form can be caught as ValueError or as CommentGuardError."""
    with pytest.raises(base):
        CommentSubmission.from_form(make_form(content=""))


def test_from_form_returns_submission(make_form):
    """from_form returns a CommentSubmission for a valid form."""
    submission = CommentSubmission.from_form(make_form())
    assert isinstance(submission, CommentSubmission)
    assert submission.author == "Ann Example"
    assert submission.url == "https://ann.example.org/"
