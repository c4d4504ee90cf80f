"""Tests for comment_guard.batch.run.moderate_many: order, accounting, chunks, workers."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_fakes import ExplodingGuard, make_guard
from comment_guard.batch.records import MODERATION_FAILED, Item, Record, RecordError, SourcePosition
from comment_guard.batch.run import Moderated, moderate_many
from comment_guard.results import Decision


def _record(number: int, content: str = "A fair question about dosing.", **fields: str) -> Record:
    values = {"content": content, **fields}
    return Record(SourcePosition("t.csv", number, number + 1, str(100 + number)), values, {"n": str(number)})


def _decisions(outcomes: list[Moderated | RecordError]) -> list[str]:
    return [o.result.decision.value if isinstance(o, Moderated) else o.code for o in outcomes]


def test_outcomes_follow_input_order_with_errors_in_place():
    """Results and passed-through errors come back one per item, in input order."""
    error = RecordError(SourcePosition("t.csv", 2), "malformed_row", "bad")
    items: list[Item] = [_record(1), error, _record(3, "Buy cheap pills"), _record(4, "")]
    outcomes = list(moderate_many(items, guard_factory=make_guard))
    assert [o.position.record for o in outcomes] == [1, 2, 3, 4]
    assert outcomes[1] is error
    assert _decisions(outcomes) == ["approve", "malformed_row", "spam", "reject"]


def test_records_without_name_or_email_are_accepted_by_default():
    """Anonymous comments are moderated; ``require_name_email=True`` rejects them."""
    (lenient,) = moderate_many([_record(1)], guard_factory=make_guard)
    (strict,) = moderate_many([_record(1)], guard_factory=make_guard, require_name_email=True)
    assert isinstance(lenient, Moderated)
    assert isinstance(strict, Moderated)
    assert lenient.result.decision is Decision.APPROVE
    assert strict.result.decision is Decision.REJECT
    assert {error.field for error in strict.result.errors} == {"author", "email"}


def test_a_failing_record_becomes_an_error_and_the_run_goes_on():
    """A guard exception on one record gives a moderation_failed error naming only the exception type."""
    items = [_record(1), _record(2, "EXPLODE bob@example.com"), _record(3, "Another question.")]
    outcomes = list(moderate_many(items, guard_factory=ExplodingGuard))
    assert _decisions(outcomes) == ["approve", MODERATION_FAILED, "approve"]
    failed = outcomes[1]
    assert isinstance(failed, RecordError)
    assert "RuntimeError" in failed.message
    assert "bob@example.com" not in failed.message


def test_interrupt_is_not_swallowed():
    """KeyboardInterrupt inside the guard stops the run instead of becoming a record error."""
    factory = functools.partial(ExplodingGuard, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        list(moderate_many([_record(1, "EXPLODE")], guard_factory=factory))


def _flood_pair() -> list[Item]:
    first = _record(1, "First thought.", email="ann@example.com", submitted_at="2024-03-12 09:14:05")
    second = _record(2, "Second thought.", email="ann@example.com", submitted_at="2024-03-12 09:14:12")
    return [first, second]


@pytest.mark.parametrize(("chunk_size", "flood"), [(2, True), (1, False)], ids=["same-chunk", "split-chunks"])
def test_history_rules_compare_records_within_a_chunk(chunk_size, flood):
    """Two posts 7 s apart are a flood when in one chunk; each chunk starts with a fresh history."""
    outcomes = list(moderate_many(_flood_pair(), guard_factory=make_guard, chunk_size=chunk_size))
    second = outcomes[1]
    assert isinstance(second, Moderated)
    assert ("flood" in {r.code for r in second.result.reasons}) is flood


def test_a_guard_object_keeps_its_history_across_chunks():
    """Passing ``guard=`` shares one history over the whole stream, whatever the chunk size."""
    outcomes = list(moderate_many(_flood_pair(), guard=make_guard(), chunk_size=1))
    assert isinstance(outcomes[1], Moderated)
    assert "flood" in {r.code for r in outcomes[1].result.reasons}


def test_undated_records_are_not_a_flood():
    """Records without a date are not all "posted now": the same commenter twice is no flood."""
    items = [_record(1, "One.", email="ann@example.com"), _record(2, "Two.", email="ann@example.com")]
    outcomes = list(moderate_many(items, guard_factory=make_guard))
    assert _decisions(outcomes) == ["approve", "approve"]


def test_workers_give_the_same_outcomes_in_the_same_order():
    """Two worker processes give exactly the outcomes of one process, in input order."""
    items: list[Item] = [
        _record(n, "Buy cheap pills" if n % 3 == 0 else f"Comment number {n}.", email=f"u{n % 4}@example.com")
        for n in range(1, 41)
    ]
    items[7] = RecordError(SourcePosition("t.csv", 8), "bad_encoding", "bad")
    local = list(moderate_many(items, guard_factory=make_guard, chunk_size=6))
    parallel = list(moderate_many(items, guard_factory=make_guard, chunk_size=6, jobs=2))
    assert parallel == local


def test_input_is_consumed_lazily():
    """Only a bounded number of chunks is read ahead of what the caller has taken."""
    pulled = []

    def source():
        for number in range(1, 10_001):
            pulled.append(number)
            yield _record(number)

    outcomes = moderate_many(source(), guard_factory=make_guard, chunk_size=10)
    next(outcomes)
    assert len(pulled) <= 20


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "exactly one"),
        ({"guard_factory": make_guard, "guard": object()}, ValueError, "exactly one"),
        ({"guard_factory": make_guard, "jobs": 0}, ValueError, "jobs"),
        ({"guard_factory": make_guard, "chunk_size": 0}, ValueError, "chunk_size"),
        ({"guard": object(), "jobs": 2}, ValueError, "guard_factory"),
    ],
    ids=["no-guard", "both", "zero-jobs", "zero-chunk", "object-with-workers"],
)
def test_inconsistent_arguments_are_refused(kwargs, error, match):
    """Bad argument combinations raise at the first ``next`` with a message naming the fix."""
    with pytest.raises(error, match=match):
        next(moderate_many([_record(1)], **kwargs))


def test_a_bare_string_is_refused():
    """A string is not an iterable of records."""
    with pytest.raises(TypeError, match="not a string"):
        next(moderate_many("content", guard_factory=make_guard))  # type: ignore[arg-type]


_kinds = st.sampled_from(["ok", "spam", "empty", "bad_email", "error"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(_kinds, max_size=30), chunk_size=st.integers(min_value=1, max_value=8))
def test_every_item_gives_exactly_one_outcome(kinds, chunk_size):
    """For any mix of records and errors and any chunk size, outcome positions equal input positions."""
    items: list[Item] = []
    for number, kind in enumerate(kinds, start=1):
        if kind == "error":
            items.append(RecordError(SourcePosition("t.csv", number), "malformed_row", "bad"))
        else:
            content = {"ok": "Fine.", "spam": "Buy cheap", "empty": " ", "bad_email": "Fine."}[kind]
            email = {"bad_email": "nobody@"}.get(kind, "ann@example.com")
            items.append(_record(number, content, email=email))
    outcomes = list(moderate_many(items, guard_factory=make_guard, chunk_size=chunk_size))
    assert [o.position for o in outcomes] == [i.position for i in items]
    assert sum(isinstance(o, RecordError) for o in outcomes) == kinds.count("error")


def test_an_invalid_date_is_rejected_by_the_guard():
    """A record whose date cannot be read is rejected with an invalid_date field error."""
    (outcome,) = moderate_many([_record(1, submitted_at="the day before yesterday")], guard_factory=make_guard)
    assert isinstance(outcome, Moderated)
    assert outcome.result.decision is Decision.REJECT
    assert [(e.field, e.code) for e in outcome.result.errors] == [("submitted_at", "invalid_date")]
