"""Tests for comment_guard.tokens: signed form tokens and the honeypot field name."""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta, timezone

import pytest

from comment_guard import tokens
from comment_guard.privacy import IdentityKey
from comment_guard.tokens import (
    CLOCK_SKEW_SECONDS,
    DEFAULT_TOKEN_MAX_AGE_SECONDS,
    TOKEN_FIELD,
    FormSigner,
    TokenStatus,
    normalise_post_id,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
OTHER_SECRET = b"another site secret, 32 bytes.."


@pytest.fixture
def signer(identity_key: IdentityKey) -> FormSigner:
    """Return a FormSigner under the test key."""
    return FormSigner(identity_key)


def test_issued_token_verifies(signer):
    """A freshly issued token verifies as valid, with its render time and an id."""
    fields = signer.issue("42", now=NOW)
    check = signer.verify(fields.token, "42", now=NOW + timedelta(seconds=30))
    assert check.status is TokenStatus.VALID
    assert check.rendered_at == NOW
    assert check.token_id is not None
    assert re.fullmatch(r"[0-9a-f]{64}", check.token_id)


@pytest.mark.parametrize(
    ("issued_for", "verified_for"),
    [(42, "42"), (" 42 ", "42"), ("42", " 42"), (None, None), ("", None)],
    ids=["int-id", "padded-issue", "padded-verify", "no-post", "blank-post"],
)
def test_post_id_normalised_like_submission(signer, issued_for, verified_for):
    """The post id is compared in the form CommentSubmission stores it."""
    fields = signer.issue(issued_for, now=NOW)
    assert signer.verify(fields.token, verified_for, now=NOW).status is TokenStatus.VALID


def test_token_for_another_post_is_invalid(signer):
    """A token rendered for one post is invalid on another."""
    fields = signer.issue("42", now=NOW)
    check = signer.verify(fields.token, "43", now=NOW)
    assert check.status is TokenStatus.INVALID
    assert check.rendered_at is None


def test_token_from_another_key_is_invalid(signer):
    """A token signed under another site's key is invalid."""
    foreign = FormSigner(IdentityKey(OTHER_SECRET)).issue("42", now=NOW)
    assert signer.verify(foreign.token, "42", now=NOW).status is TokenStatus.INVALID


def _tamper(token: str, part: int) -> str:
    pieces = token.split(".")
    if part == 1:
        pieces[1] = str(int(pieces[1]) - 3600)
    elif part == 2:
        pieces[2] = ("A" if pieces[2][0] != "A" else "B") + pieces[2][1:]
    else:
        pieces[3] = ("0" if pieces[3][0] != "0" else "1") + pieces[3][1:]
    return ".".join(pieces)


@pytest.mark.parametrize("part", [1, 2, 3], ids=["render-time", "nonce", "mac"])
def test_tampered_token_is_invalid(signer, part):
    """Changing any part of a token (to look older, or another nonce or MAC) makes it invalid."""
    token = signer.issue("42", now=NOW).token
    assert signer.verify(_tamper(token, part), "42", now=NOW).status is TokenStatus.INVALID


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "v2.1700000000.AAAAAAAAAAAAAAAA." + "0" * 64,
        "v1.1700000000.short." + "0" * 64,
        "v1.notanumber.AAAAAAAAAAAAAAAA." + "0" * 64,
        "v1.1700000000.AAAAAAAAAAAAAAAA." + "G" * 64,
        "v1.1700000000.AAAAAAAAAAAAAAAA." + "0" * 64 + ".extra",
        "\u202ev1.1.AAAAAAAAAAAAAAAA." + "0" * 64,
        "\ud800" * 10,
        "x" * 1000,
    ],
    ids=["word", "version", "nonce", "time", "mac-not-hex", "extra-part", "rtl-override", "surrogates", "long"],
)
def test_malformed_token_is_invalid(signer, token):
    """A malformed token is invalid, and verification never raises."""
    check = signer.verify(token, "42", now=NOW)
    assert check.status is TokenStatus.INVALID
    assert check.detail


@pytest.mark.parametrize("token", [None, "", "   "], ids=["none", "empty", "blank"])
def test_missing_token_is_absent(signer, token):
    """No token, or a blank one, is reported as absent (the policy decides whether that matters)."""
    assert signer.verify(token, "42", now=NOW).status is TokenStatus.ABSENT


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (DEFAULT_TOKEN_MAX_AGE_SECONDS - 1, TokenStatus.VALID),
        (DEFAULT_TOKEN_MAX_AGE_SECONDS, TokenStatus.VALID),
        (DEFAULT_TOKEN_MAX_AGE_SECONDS + 1, TokenStatus.EXPIRED),
        (-CLOCK_SKEW_SECONDS, TokenStatus.VALID),
        (-CLOCK_SKEW_SECONDS - 1, TokenStatus.INVALID),
    ],
    ids=["just-fresh", "at-max-age", "just-expired", "skew-allowed", "from-the-future"],
)
def test_token_age(signer, age, status):
    """Tokens expire after the maximum age, and tokens from further in the future than the skew are invalid."""
    fields = signer.issue("42", now=NOW)
    assert signer.verify(fields.token, "42", now=NOW + timedelta(seconds=age)).status is status


def test_max_age_is_a_parameter(signer):
    """A shorter max_age_seconds expires a token sooner."""
    fields = signer.issue("42", now=NOW)
    later = NOW + timedelta(seconds=120)
    assert signer.verify(fields.token, "42", now=later, max_age_seconds=60).status is TokenStatus.EXPIRED
    assert signer.verify(fields.token, "42", now=later, max_age_seconds=600).status is TokenStatus.VALID


def test_forged_old_token_is_invalid_not_expired(signer):
    """A forged token dated long ago is reported invalid: expiry is only checked after the signature."""
    token = _tamper(signer.issue("42", now=NOW - timedelta(days=30)).token, 3)
    assert signer.verify(token, "42", now=NOW).status is TokenStatus.INVALID


def test_tokens_rendered_in_the_same_second_differ(signer):
    """Two forms rendered for the same post in the same second get different tokens and ids."""
    first, second = signer.issue("42", now=NOW), signer.issue("42", now=NOW)
    assert first.token != second.token
    ids = {signer.verify(item.token, "42", now=NOW).token_id for item in (first, second)}
    assert len(ids) == 2


def test_signature_compared_in_constant_time(signer, monkeypatch):
    """The MAC is compared with hmac.compare_digest."""
    calls = []
    original = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    fields = signer.issue("42", now=NOW)
    assert signer.verify(fields.token, "42", now=NOW).status is TokenStatus.VALID
    assert len(calls) == 1


def test_honeypot_field_is_site_specific(identity_key):
    """The honeypot field name is stable for one key, differs between keys and is a plain identifier."""
    name = FormSigner(identity_key).honeypot_field
    assert name == FormSigner(identity_key).honeypot_field
    assert name != FormSigner(IdentityKey(OTHER_SECRET)).honeypot_field
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name)
    assert name not in {"honeypot", TOKEN_FIELD, "content", "email", "url", "author"}


def test_form_fields(signer):
    """FormFields carries the post, render time and the hidden inputs: the token and an empty honeypot."""
    fields = signer.issue(7, now=NOW + timedelta(microseconds=900))
    assert fields.post_id == "7"
    assert fields.rendered_at == NOW
    assert fields.hidden_inputs() == {TOKEN_FIELD: fields.token, signer.honeypot_field: ""}


def test_repr_hides_the_key(identity_key):
    """repr(FormSigner) shows no key material."""
    assert "hidden" in repr(FormSigner(identity_key))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (True, None), (42, "42"), ("  7\n", "7"), ("", None), ("a\u200bb", "ab")],
    ids=["none", "bool", "int", "padded", "empty", "zero-width"],
)
def test_normalise_post_id(value, expected):
    """Post ids become trimmed text, as the submission stores them."""
    assert normalise_post_id(value) == expected
