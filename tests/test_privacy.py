"""Tests for comment_guard.privacy: keyed digests, contact scrubbing and the published comment."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from comment_guard.errors import CommentGuardError, InsecureKeyError, SubmissionError
from comment_guard.privacy import (
    EMAIL_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    IdentityKey,
    PublicComment,
    ScreenedComment,
    anonymise_ip,
    screen,
    scrub_contacts,
)
from comment_guard.submission import CommentSubmission, validate_submission

SECRET = "0123456789abcdef0123456789abcdef"
OTHER_SECRET = "fedcba9876543210fedcba9876543210"
HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")


# --- IdentityKey ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    ["", b"", "k" * 15, b"\x00" * 15, "é" * 7, "short-secret"],
    ids=["empty-str", "empty-bytes", "15-chars", "15-bytes", "14-utf8-bytes", "short-word"],
)
def test_short_or_empty_key_refused(secret):
    """A key shorter than 16 bytes is refused with InsecureKeyError, whose text omits the key."""
    with pytest.raises(InsecureKeyError) as caught:
        IdentityKey(secret)
    if secret:
        text = secret if isinstance(secret, str) else secret.decode("latin-1")
        assert text not in str(caught.value)
    assert "16 bytes" in str(caught.value)


@pytest.mark.parametrize("base", [ValueError, CommentGuardError], ids=["value-error", "comment-guard-error"])
def test_insecure_key_catchable_as(base):
    """InsecureKeyError can be caught as ValueError or CommentGuardError."""
    with pytest.raises(base):
        IdentityKey("tiny")


@pytest.mark.parametrize(
    "secret",
    ["k" * 16, b"\x00" * 16, "é" * 8, bytearray(range(32)), SECRET],
    ids=["16-chars", "16-zero-bytes", "16-utf8-bytes", "bytearray", "32-chars"],
)
def test_long_enough_key_accepted(secret):
    """A key of 16 bytes or more, given as str, bytes or bytearray, yields hex digests."""
    assert HEX_DIGEST.match(IdentityKey(secret).commenter_digest("ann@example.com"))


def test_str_and_bytes_key_agree():
    """A str key and its UTF-8 bytes give the same digests."""
    assert IdentityKey(SECRET).commenter_digest("a@b.co") == IdentityKey(SECRET.encode()).commenter_digest("a@b.co")


def test_digests_stable_for_same_key():
    """Two IdentityKeys with the same secret give the same email and IP digests."""
    first, second = IdentityKey(SECRET), IdentityKey(SECRET)
    assert first.commenter_digest("ann@example.com") == second.commenter_digest("ann@example.com")
    assert first.ip_digest("203.0.113.7") == second.ip_digest("203.0.113.7")


def test_digests_differ_across_keys():
    """Different secrets give different digests of the same address (the digest is keyed)."""
    assert IdentityKey(SECRET).commenter_digest("ann@example.com") != IdentityKey(OTHER_SECRET).commenter_digest(
        "ann@example.com"
    )
    assert IdentityKey(SECRET).ip_digest("203.0.113.7") != IdentityKey(OTHER_SECRET).ip_digest("203.0.113.7")


def test_digest_purposes_are_separated(identity_key):
    """The same value digested for different purposes gives different digests."""
    assert identity_key.digest("email", "x") != identity_key.digest("ip", "x")


def test_digest_is_not_a_bare_hash(identity_key):
    """A digest is not the plain SHA-256 of the address, which anyone could recompute."""
    assert identity_key.commenter_digest("ann@example.com") != hashlib.sha256(b"ann@example.com").hexdigest()


@pytest.mark.parametrize(
    "variant",
    ["Ann@Example.COM", "  ann@example.com ", "ANN@EXAMPLE.COM\n", "\tann@example.com"],
    ids=["mixed-case", "spaces", "upper-newline", "tab"],
)
def test_email_normalised_before_hashing(identity_key, variant):
    """Case and surrounding white space do not change the commenter digest."""
    assert identity_key.commenter_digest(variant) == identity_key.commenter_digest("ann@example.com")


def test_different_emails_differ(identity_key):
    """Different addresses give different commenter digests."""
    assert identity_key.commenter_digest("ann@example.com") != identity_key.commenter_digest("ann@example.org")


def test_repr_hides_key():
    """Neither repr nor str of an IdentityKey shows the secret."""
    key = IdentityKey(SECRET)
    assert repr(key) == "IdentityKey(<hidden>)"
    assert SECRET not in str(key)
    assert SECRET not in repr(key)


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
    ids=["ipv6-upper", "ipv6-expanded", "ipv4-spaces", "ipv4-mapped"],
)
def test_ip_digest_uses_canonical_form(identity_key, variant, canonical):
    """Spellings of the same IP address give the same digest."""
    assert identity_key.ip_digest(variant) == identity_key.ip_digest(canonical)


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        (" 198.51.100.255 ", "198.51.100.0/24"),
        ("10.0.0.1", "10.0.0.0/24"),
        ("2001:db8:abcd:12:3456::1", "2001:db8:abcd::/48"),
        ("2001:DB8:1:FFFF:FFFF:FFFF:FFFF:FFFF", "2001:db8:1::/48"),
        ("::1", "::/48"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
    ],
    ids=["ipv4", "ipv4-spaces", "ipv4-private", "ipv6", "ipv6-upper-full", "ipv6-loopback", "ipv4-mapped"],
)
def test_anonymise_ip(ip, network):
    """anonymise_ip zeroes the host part: IPv4 to /24, IPv6 to /48, IPv4-mapped IPv6 as IPv4."""
    assert anonymise_ip(ip) == network


@pytest.mark.parametrize(
    "bad",
    ["203.0.113.7:443", "for=203.0.113.7", "203.0.113.7/24", "2001:db8::1 extra"],
    ids=["with-port", "forwarded", "network", "trailing-word"],
)
def test_invalid_ip_error_does_not_echo_input(identity_key, bad):
    """anonymise_ip and ip_digest raise ValueError for a non-address without repeating it."""
    for function in (anonymise_ip, identity_key.ip_digest):
        with pytest.raises(ValueError, match=r"^Expected an IPv4 or IPv6 address\.$") as caught:
            function(bad)
        assert bad not in str(caught.value)


# --- scrub_contacts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("mail me at jo.doe@example.org", f"mail me at {EMAIL_PLACEHOLDER}"),
        ("Jo+tag@Sub.Example.CO.UK.", f"{EMAIL_PLACEHOLDER}."),
        ("<jo@example.com>", f"<{EMAIL_PLACEHOLDER}>"),
        ("JO@EXAMPLE.COM please", f"{EMAIL_PLACEHOLDER} please"),
        ("jo (at) example (dot) com", EMAIL_PLACEHOLDER),
        ("jo[at]example[dot]co[dot]uk", EMAIL_PLACEHOLDER),
        ("write jo {at} example.com now", f"write {EMAIL_PLACEHOLDER} now"),
        ("jo at gmail dot com", EMAIL_PLACEHOLDER),
        ("jo.doe at hotmail.com!", f"{EMAIL_PLACEHOLDER}!"),
    ],
    ids=[
        "plain",
        "plus-and-subdomains",
        "angle-brackets",
        "upper-case",
        "parenthesised-at-dot",
        "bracketed-at-dot",
        "braced-at",
        "provider-words",
        "provider-dot",
    ],
)
def test_emails_scrubbed(text, scrubbed):
    """Email addresses, also written as "name (at) host (dot) com", become a placeholder."""
    result = scrub_contacts(text)
    assert result.text == scrubbed
    assert result.emails_removed == 1
    assert result.phones_removed == 0


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("Call +1 (555) 123-4567 now", f"Call {PHONE_PLACEHOLDER} now"),
        ("Call 555-123-4567", f"Call {PHONE_PLACEHOLDER}"),
        ("(555) 123-4567", PHONE_PLACEHOLDER),
        ("555.123.4567", PHONE_PLACEHOLDER),
        ("1-800-273-8255", PHONE_PLACEHOLDER),
        ("tel 5551234567.", f"tel {PHONE_PLACEHOLDER}."),
        ("+44 20 7946 0958", PHONE_PLACEHOLDER),
        ("+44 (0)20 7946 0958", PHONE_PLACEHOLDER),
        ("ring 020 7946 0958 today", f"ring {PHONE_PLACEHOLDER} today"),
        ("mobile 07700 900123", f"mobile {PHONE_PLACEHOLDER}"),
        ("+49 30 1234567", PHONE_PLACEHOLDER),
        ("+33 1 23 45 67 89", PHONE_PLACEHOLDER),
        ("+61 2 9876 5432", PHONE_PLACEHOLDER),
        ("Call 555-123-4567: ask for Jo", f"Call {PHONE_PLACEHOLDER}: ask for Jo"),
    ],
    ids=[
        "us-international",
        "us-dashes",
        "us-parentheses",
        "us-dots",
        "us-toll-free",
        "digits-only",
        "uk-international",
        "uk-trunk-zero",
        "uk-london",
        "uk-mobile",
        "germany",
        "france",
        "australia",
        "before-colon",
    ],
)
def test_phone_numbers_scrubbed(text, scrubbed):
    """Phone numbers in international, US and UK formats become a placeholder."""
    result = scrub_contacts(text)
    assert result.text == scrubbed
    assert result.phones_removed == 1
    assert result.emails_removed == 0


@pytest.mark.parametrize(
    "text",
    [
        "on 2024-01-15 at noon",
        "15/01/2024",
        "01.02.2024",
        "seen 2024-01-15 10:30",
        "15/01/2024 14:00",
        "pi is 3.14159265",
        "costs $1,299.99",
        "€1.299,99",
        "£2.50 a pack",
        "$12,345",
        "1,000,000 people",
        "100,000 IU daily",
        "500 mg twice a day",
        "take 2.5 mg",
        "2.5-5 mg/kg",
        "dose 0.5-1.0 mg",
        "1,000-2,000 mg",
        "800 IU vitamin D3",
        "0.9% saline",
        "98.6°F",
        "BP 120/80, pulse 72",
        "in 1999",
        "from 2019 to 2023",
        "studies 2015-2020 show",
        "1998 1999 2000",
        "2020, 2021, 2022",
        "call 988",
        "page 123456",
        "ZIP 90210",
        "10:30-11:45",
        "ratio 1:1000",
        "version 1.2.3.4",
        "COVID-19",
        "4-6 weeks",
        "12.5% of 300",
        "24/7 line 116 123",
    ],
    ids=[
        "iso-date",
        "slash-date",
        "dotted-date",
        "date-and-time",
        "slash-date-and-time",
        "decimal",
        "price-dollars",
        "price-euro",
        "price-pounds",
        "thousands",
        "millions",
        "units",
        "dosage",
        "decimal-dosage",
        "dosage-range",
        "decimal-range",
        "thousands-range",
        "vitamin",
        "percent",
        "temperature",
        "blood-pressure",
        "year",
        "years-words",
        "year-range",
        "year-list",
        "year-commas",
        "short-number-988",
        "six-digits",
        "zip-code",
        "time-range",
        "ratio",
        "version",
        "disease-name",
        "week-range",
        "percentage",
        "helpline-short",
    ],
)
def test_numbers_that_are_not_phones_kept(text):
    """Dates, decimals, prices, dosages, years and short numbers are left unchanged."""
    result = scrub_contacts(text)
    assert result.text == text
    assert (result.emails_removed, result.phones_removed) == (0, 0)


def test_scrub_counts_every_contact():
    """scrub_contacts counts each address and number it replaced."""
    result = scrub_contacts("a@example.com or b@example.org, or +1 800 555 0199 or +1 800 555 0198")
    assert (result.emails_removed, result.phones_removed) == (2, 2)
    assert result.text == f"{EMAIL_PLACEHOLDER} or {EMAIL_PLACEHOLDER}, or {PHONE_PLACEHOLDER} or {PHONE_PLACEHOLDER}"


@pytest.mark.parametrize(
    "text",
    ["meet at noon dot com", "look at this", "at the hospital"],
    ids=["at-dot-words", "look-at", "at-the"],
)
def test_prose_with_at_not_scrubbed(text):
    """Ordinary prose using "at" and "dot" is not taken for an email address."""
    assert scrub_contacts(text).text == text


# --- screen ---------------------------------------------------------------------------------

EMAIL = "ann.secret@example.com"
IP = "203.0.113.77"


def _screened(make_form, identity_key, **overrides: Any) -> ScreenedComment:
    form = make_form(email=EMAIL, ip=IP, **overrides)
    return screen(CommentSubmission.from_form(form, require_name_email=False), identity_key)


def _texts(screened: ScreenedComment) -> list[str]:
    public = screened.public
    return [
        repr(screened),
        str(screened),
        repr(public),
        str(public),
        str(public.model_dump()),
        public.model_dump_json(),
        public.to_html(),
    ]


def test_screen_replaces_email_and_ip_with_digests(make_form, identity_key):
    """screen() keeps keyed digests, the email's domain and the anonymised network, not the raw values."""
    screened = _screened(make_form, identity_key)
    assert screened.commenter == identity_key.commenter_digest(EMAIL)
    assert screened.ip_digest == identity_key.ip_digest(IP)
    assert screened.email_domain == "example.com"
    assert screened.ip_network == "203.0.113.0/24"
    for text in _texts(screened):
        assert EMAIL not in text
        assert IP not in text


def test_screen_without_email_or_ip(make_form, identity_key):
    """Without an email or IP the digests, domain and network are None."""
    form = make_form(email=None, ip=None, author=None)
    screened = screen(CommentSubmission.from_form(form, require_name_email=False), identity_key)
    assert (screened.commenter, screened.email_domain, screened.ip_digest, screened.ip_network) == (None,) * 4
    assert screened.public.author is None


def test_screen_passes_through_signals(make_form, identity_key):
    """Non-identifying signals (user agent, referrer, honeypot, token, render time) reach the screened comment."""
    rendered = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    screened = _screened(
        make_form,
        identity_key,
        user_agent="Mozilla/5.0",
        referrer="https://example.com/post",
        honeypot="",
        form_token="tok",
        form_rendered_at=rendered,
    )
    assert (screened.user_agent, screened.referrer, screened.honeypot, screened.form_token) == (
        "Mozilla/5.0",
        "https://example.com/post",
        "",
        "tok",
    )
    assert screened.form_rendered_at == rendered


@pytest.mark.parametrize(
    ("author", "public_author"),
    [
        (f"Ann {EMAIL}", f"Ann {EMAIL_PLACEHOLDER}"),
        (EMAIL, EMAIL_PLACEHOLDER),
        ("Ann (call 555-123-4567)", f"Ann (call {PHONE_PLACEHOLDER})"),
        ("Ann Example", "Ann Example"),
    ],
    ids=["email-in-name", "email-as-name", "phone-in-name", "plain-name"],
)
def test_contacts_scrubbed_from_public_name(make_form, identity_key, author, public_author):
    """An email address or phone number typed into the name field is not published."""
    screened = _screened(make_form, identity_key, author=author)
    assert screened.public.author == public_author
    assert EMAIL not in screened.public.to_html()


def test_contacts_scrubbed_from_content(make_form, identity_key):
    """Contact data in the body is replaced in both the published and the scoring text, and counted."""
    content = f"Write to {EMAIL} or jo (at) example (dot) org, or call +44 20 7946 0958."
    screened = _screened(make_form, identity_key, content=content)
    expected = f"Write to {EMAIL_PLACEHOLDER} or {EMAIL_PLACEHOLDER}, or call {PHONE_PLACEHOLDER}."
    assert screened.public.content == expected
    assert screened.scoring_text == expected
    assert (screened.emails_in_content, screened.phones_in_content) == (2, 1)


def test_bidi_controls_dropped_from_public_content_only(make_form, identity_key):
    """Bidirectional controls are removed from the published body but kept in the scoring text."""
    screened = _screened(make_form, identity_key, content="abc\u202edef\u2066ghi")
    assert screened.public.content == "abcdefghi"
    assert screened.scoring_text == "abc\u202edef\u2066ghi"


def test_public_comment_has_no_field_for_email_or_ip():
    """PublicComment's fields are exactly the publishable ones; none could hold an email or IP."""
    assert set(PublicComment.model_fields) == {
        "author",
        "url",
        "content",
        "post_id",
        "parent_id",
        "submitted_at",
        "language",
    }
    assert not [name for name in PublicComment.model_fields if "mail" in name or "ip" in name.split("_")]


@pytest.mark.parametrize("extra", ["email", "ip", "commenter"], ids=["email", "ip", "commenter"])
def test_public_comment_refuses_extra_fields(extra):
    """PublicComment cannot be given an extra field such as an email."""
    with pytest.raises(ValidationError):
        PublicComment(author="Ann", url=None, content="Hi", **{extra: EMAIL})


def test_screened_comment_has_no_raw_email_or_ip_field():
    """ScreenedComment has no field named email or ip, only digests, a domain and a network."""
    names = {field.name for field in dataclasses.fields(ScreenedComment)}
    assert not names & {"email", "ip", "ip_address", "email_address"}
    assert {"commenter", "ip_digest", "ip_network", "email_domain"} <= names


def test_public_comment_is_frozen():
    """A PublicComment cannot be changed."""
    public = PublicComment(author="Ann", url=None, content="Hi")
    with pytest.raises(ValidationError):
        public.author = "Bob"  # type: ignore[misc]


# --- to_html --------------------------------------------------------------------------------


def _public(**fields: Any) -> PublicComment:
    values: dict[str, Any] = {"author": "Ann", "url": None, "content": "Hello."}
    values.update(fields)
    return PublicComment(**values)


@pytest.mark.parametrize(
    ("fields", "forbidden", "required"),
    [
        ({"content": "<script>alert(1)</script>"}, "<script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ({"author": "<b>Ann</b>"}, "<b>", "&lt;b&gt;Ann&lt;/b&gt;"),
        ({"author": "Tom & Jerry"}, "Tom & Jerry", "Tom &amp; Jerry"),
        (
            {"url": 'https://example.com/?q="><script>alert(1)</script>'},
            '"><script>',
            'href="https://example.com/?q=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"',
        ),
        ({"url": "https://example.com/?a='b'"}, "'b'", "?a=&#x27;b&#x27;"),
        ({"content": 'say "hi" & <bye>'}, "<bye>", "say &quot;hi&quot; &amp; &lt;bye&gt;"),
    ],
    ids=[
        "script-in-content",
        "markup-in-name",
        "ampersand-in-name",
        "double-quote-in-url",
        "single-quote-in-url",
        "mixed",
    ],
)
def test_to_html_escapes_everything(fields, forbidden, required):
    """to_html escapes markup and quotes in the name, the website and the comment."""
    rendered = _public(**fields).to_html()
    assert forbidden not in rendered
    assert required in rendered


def test_to_html_keeps_paragraphs_and_line_breaks():
    """Blank lines start a new <p>; a single newline becomes <br>."""
    rendered = _public(content="First para.\n\nSecond line one\nline two\n\n\n\nThird.").to_html()
    assert "<p>First para.</p>\n<p>Second line one<br>\nline two</p>\n<p>Third.</p>" in rendered
    assert rendered.count("<p>") == 3


def test_to_html_links_author_with_nofollow():
    """With a website, the author's name links to it with rel="nofollow ugc noopener"."""
    rendered = _public(url="https://ann.example.org/").to_html()
    assert '<a href="https://ann.example.org/" rel="nofollow ugc noopener">Ann</a>' in rendered


def test_to_html_without_url_has_no_link():
    """Without a website the author's name is not a link."""
    rendered = _public().to_html()
    assert "<a " not in rendered
    assert '<cite class="comment-author">Ann</cite>' in rendered


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.example"],
    ids=["javascript", "javascript-upper", "data", "scheme-relative"],
)
def test_to_html_never_links_non_web_url(url):
    """A stored website that is not http(s) is not rendered as a link."""
    rendered = _public(url=url).to_html()
    assert "<a " not in rendered
    assert "href" not in rendered


@pytest.mark.parametrize("author", [None, ""], ids=["none", "empty"])
def test_to_html_anonymous_without_name(author):
    """Without a name the comment is shown as by "Anonymous", as WordPress does."""
    public = _public(author=author)
    assert public.display_name == "Anonymous"
    assert '<cite class="comment-author">Anonymous</cite>' in public.to_html()


def test_to_html_shows_submission_time():
    """With a submission time, a <time> element carries the ISO timestamp and a short readable form."""
    rendered = _public(submitted_at=datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)).to_html()
    assert '<time datetime="2024-05-01T12:30:00+00:00">2024-05-01 12:30</time>' in rendered
    assert "<time" not in _public().to_html()


# --- property: the email and raw IP never leak ------------------------------------------------

_SQUASH = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _mentions(text: str | None, needle: str) -> bool:
    """Whether ``text`` contains ``needle`` now or after the cleaning validation applies."""
    if not text:
        return False
    variants = [text, _SQUASH.sub("", unicodedata.normalize("NFC", text.encode("utf-8", "replace").decode()))]
    return any(needle.lower() in variant.lower() for variant in variants)


def _dumps(*objects: object) -> list[str]:
    texts: list[str] = []
    for obj in objects:
        texts += [repr(obj), str(obj)]
        if isinstance(obj, CommentSubmission | PublicComment):
            texts += [str(obj.model_dump()), obj.model_dump_json(), str(obj.model_dump(mode="json"))]
    return texts


def _invalid_variants(form: dict[str, Any], email: str, ip: str) -> list[Any]:
    """Forms that fail validation in ways that involve the email address or IP."""
    return [
        {**form, "content": ""},
        {**form, "email": email + "@"},
        {**form, "email": "x" * 100 + email},
        {**form, "email": f"Name <{email}>"},
        {**form, "ip": f"{ip} extra"},
        {**form, "ip": f"[{ip}]:443"},
        {**form, "url": f"mailto:{email}"},
        {**form, "url": f"javascript:alert('{email} {ip}')"},
        {**form, "author": (email + " ") * 250},
        {**form, "submitted_at": email},
        {**form, "post_id": (ip + " ") * 100},
        {**form, email: ip},
        {**form, ip: email},
        [email, ip],
    ]


_TEXT = st.text(max_size=80)
_IP = st.ip_addresses().map(str)
_EMAIL = st.emails().filter(lambda address: len(address) <= 100)
_URL = st.one_of(st.none(), st.sampled_from(["example.org", "https://example.org/a?b=c"]), st.text(max_size=30))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    email=_EMAIL,
    ip=_IP,
    author=_TEXT,
    content=st.text(min_size=1, max_size=300),
    url=_URL,
    user_agent=_TEXT,
    referrer=_TEXT,
    honeypot=_TEXT,
    form_token=_TEXT,
    post_id=_TEXT,
)
def test_email_and_raw_ip_never_leak(
    caplog, identity_key, email, ip, author, content, url, user_agent, referrer, honeypot, form_token, post_id
):
    """No repr, str, dump, HTML, error text or log line of any stage contains the email or the raw IP."""
    others = [author, content, url, user_agent, referrer, honeypot, form_token, post_id]
    assume(not any(_mentions(other, email) or _mentions(other, ip) for other in others))
    assume(ip.lower() not in email.lower())
    assume(ip not in anonymise_ip(ip))  # a network address with a zero host part is its own network
    form = {
        "author": author,
        "email": email,
        "url": url,
        "content": content,
        "ip": ip,
        "user_agent": user_agent,
        "referrer": referrer,
        "honeypot": honeypot,
        "form_token": form_token,
        "post_id": post_id,
    }
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    check = validate_submission(form)
    event("valid submission" if check.ok else "invalid submission")
    texts = _dumps(check, check.submission, *check.errors)
    if check.submission is not None:
        screened = screen(check.submission, identity_key)
        texts += _dumps(screened, screened.public)
        texts.append(screened.public.to_html())
    for variant in _invalid_variants(form, email, ip):
        variant_check = validate_submission(variant)
        assert not variant_check.ok
        texts += _dumps(variant_check, *variant_check.errors)
        with pytest.raises(SubmissionError) as caught:
            CommentSubmission.from_form(variant)
        texts += [str(caught.value), repr(caught.value), repr(caught.value.args)]
    for bad_ip in (f"{ip} extra", f"for={ip}"):
        for function in (anonymise_ip, identity_key.ip_digest):
            with pytest.raises(ValueError, match="IPv4 or IPv6") as raised:
                function(bad_ip)
            texts.append(str(raised.value))
    texts.append(caplog.text)
    texts += [record.getMessage() for record in caplog.records]

    for text in texts:
        assert email.lower() not in text.lower()
        assert ip.lower() not in text.lower()
