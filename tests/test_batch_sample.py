"""Golden tests: the sample export moderated with the shipped model (directional, no exact scores)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from comment_guard.batch import ExportReader, Moderated, moderate_many
from comment_guard.guard import CommentGuard
from comment_guard.results import Decision

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample_export.xml"
FACTORY = functools.partial(CommentGuard.default, secret_key=b"sample-export-test-key-32-bytes!")


@pytest.fixture(scope="module")
def decisions() -> dict[str, Moderated]:
    """Each sample comment's outcome under the default policy, by comment id."""
    outcomes = list(moderate_many(ExportReader(SAMPLE), guard_factory=FACTORY))
    assert all(isinstance(outcome, Moderated) for outcome in outcomes)
    return {o.position.comment_id or "": o for o in outcomes if isinstance(o, Moderated)}


def _codes(outcome: Moderated) -> set[str]:
    return {reason.code for reason in outcome.result.reasons}


@pytest.mark.parametrize(
    "comment_id",
    ["215", "218", "219", "220", "306", "406", "505"],
    ids=["drug-sale", "obfuscated", "payday-loan", "pill-mill", "vitamin-shop", "essays", "casino"],
)
def test_commercial_spam_is_spam(decisions, comment_id):
    """Drug sales, obfuscated offers, loans, essays and casinos are marked as spam by their score."""
    outcome = decisions[comment_id]
    assert outcome.result.decision is Decision.SPAM
    assert "spam_score" in _codes(outcome)


@pytest.mark.parametrize(
    "comment_id",
    ["223", "224", "225", "226", "227", "304", "404", "503"],
    ids=["one-dose-cure", "stop-antidepressants", "fda-approved", "street-ketamine", "big-pharma", "vitamin-d-megadose",
         "ssri-shootings", "vaccines-autism"],
)  # fmt: skip
def test_misinformation_is_held_for_a_person(decisions, comment_id):
    """Each misinformation comment is held (not binned) with a misinformation reason."""
    outcome = decisions[comment_id]
    assert outcome.result.decision is Decision.HOLD
    assert "misinformation_score" in _codes(outcome)


@pytest.mark.parametrize(
    "comment_id",
    ["203", "204", "205", "206", "207", "208", "212", "305", "504"],
    ids=["price", "prescription", "dosing", "not-a-one-time-cure", "do-not-stop-alone", "fda-correction",
         "street-ketamine-warning", "toxicity-warning", "wakefield-retracted"],
)  # fmt: skip
def test_hard_negatives_are_approved(decisions, comment_id):
    """Questions about price, prescriptions and doses, and myth refutations, are approved."""
    assert decisions[comment_id].result.decision is Decision.APPROVE


def test_bot_duplicate_and_flood_are_caught(decisions):
    """The bot's second identical comment is a duplicate; the second post 7 s later is a flood."""
    assert "duplicate" in _codes(decisions["222"])
    assert "duplicate" not in _codes(decisions["221"])
    assert "flood" in _codes(decisions["224"])


def test_invalid_comments_are_rejected_with_field_errors(decisions):
    """An email without a domain and an empty comment are rejected, naming the field."""
    assert [(e.field, e.code) for e in decisions["228"].result.errors] == [("email", "invalid_email")]
    assert [(e.field, e.code) for e in decisions["229"].result.errors] == [("content", "required")]


def test_two_workers_agree_with_one(decisions):
    """Moderating the sample with two worker processes gives the same results, in order."""
    parallel = list(moderate_many(ExportReader(SAMPLE), guard_factory=FACTORY, jobs=2, chunk_size=10))
    local = list(moderate_many(ExportReader(SAMPLE), guard_factory=FACTORY, chunk_size=10))
    assert parallel == local
