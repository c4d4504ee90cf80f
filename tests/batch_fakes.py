"""Fakes shared by the batch and CLI tests: a keyword risk model inside the real CommentGuard.

The model scores by keywords, so tests can say which records must be spam or held without
depending on the shipped model; everything else (validation, privacy, rules, policy) is the
real pipeline. Everything here is importable by reference, so it pickles into joblib workers.
"""

from __future__ import annotations

from collections.abc import Iterable

from comment_guard.guard import CommentGuard
from comment_guard.privacy import IdentityKey
from comment_guard.results import MISINFORMATION, SPAM, Contribution, RiskScores

#: A 32-byte secret for tests only.
SECRET = bytes(range(32))

SPAM_WORDS = ("buy", "casino", "cheap", "loan", "xanax")
MISINFORMATION_WORDS = ("cures", "cured", "poison", "hides the cure")


class KeywordModel:
    """Spam 0.99 for a spam word, misinformation 0.9 for a misinformation phrase, else 0.01."""

    risks: tuple[str, ...] = (SPAM, MISINFORMATION)

    def score_one(self, text: str, *, explain: bool = True) -> RiskScores:
        """Score one text by keywords; the explanation names the word found."""
        lowered = text.lower()
        spam_hits = [word for word in SPAM_WORDS if word in lowered]
        misinformation_hits = [phrase for phrase in MISINFORMATION_WORDS if phrase in lowered]
        explanations = {
            SPAM: tuple(Contribution(word, 2.0, "term") for word in spam_hits),
            MISINFORMATION: tuple(Contribution(phrase, 2.0, "term") for phrase in misinformation_hits),
        }
        return RiskScores(
            0.99 if spam_hits else 0.01,
            0.9 if misinformation_hits else 0.01,
            explanations if explain else {},
        )

    def score(self, texts: Iterable[str], *, explain: bool = True) -> list[RiskScores]:
        """Score each text."""
        return [self.score_one(text, explain=explain) for text in texts]


def make_guard() -> CommentGuard:
    """A real CommentGuard (default policy, fresh in-memory history) around the keyword model."""
    return CommentGuard(KeywordModel(), identity_key=IdentityKey(SECRET))


class ExplodingGuard:
    """Moderates like :func:`make_guard` but raises ``error`` on the records whose content says so."""

    def __init__(self, error: type[BaseException] = RuntimeError, trigger: str = "EXPLODE") -> None:
        self.inner = make_guard()
        self.error = error
        self.trigger = trigger

    def moderate(self, form, /, **kwargs):  # type: ignore[no-untyped-def]
        """Raise for a triggering record, else moderate it."""
        if self.trigger in str(form.get("content", "")):
            raise self.error("boom")
        return self.inner.moderate(form, **kwargs)
