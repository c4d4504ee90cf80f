"""Small factories shared by the tests: a valid comment form and an identity key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from comment_guard.privacy import IdentityKey
from shared_texts import HAM_TEXTS, MISINFORMATION_TEXTS, RELIABLE_TEXTS, SPAM_TEXTS, TEST_SECRET

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


# --- a tiny model, trained once per test session ----------------------------------------------


@pytest.fixture(scope="session")
def tiny_model() -> Any:
    """Return a RiskModel for both risks, trained once per session on the few dozen texts above."""
    from comment_guard.training.examples import Example
    from comment_guard.training.fit import FitOptions, fit_model

    spam = [Example(text, 1, "spam") for text in SPAM_TEXTS]
    spam += [Example(text, 0, "ham") for text in HAM_TEXTS + RELIABLE_TEXTS]
    misinformation = [Example(text, 1, "misinformation") for text in MISINFORMATION_TEXTS]
    misinformation += [Example(text, 0, "reliable") for text in RELIABLE_TEXTS + HAM_TEXTS]
    model, _ = fit_model({"spam": spam, "misinformation": misinformation}, options=FitOptions(folds=2, min_df=1))
    return model
