"""Small factories shared by the tests: a valid comment form and an identity key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from comment_guard.privacy import IdentityKey

#: A 32-byte secret, the size ``secrets.token_bytes(32)`` gives; for tests only.
TEST_SECRET = bytes(range(32))

FormFactory = Callable[..., dict[str, Any]]


def _valid_form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "author": "Ann Example",
        "email": "ann@example.com",
        "url": "https://ann.example.org/",
        "content": "Thanks for the clear write-up.",
        "post_id": "42",
        "ip": "203.0.113.7",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


@pytest.fixture
def make_form() -> FormFactory:
    """Return a factory of valid forms: keyword arguments replace fields, ``None`` leaves one out."""
    return _valid_form


@pytest.fixture
def valid_form() -> dict[str, Any]:
    """Return a valid comment form as a plain dict."""
    return _valid_form()


@pytest.fixture
def identity_key() -> IdentityKey:
    """Return an IdentityKey built from a fixed 32-byte test secret."""
    return IdentityKey(TEST_SECRET)
