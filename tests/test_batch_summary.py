"""Tests for the batch summary (counts, throughput, rendering) and the terminal progress bar."""

from __future__ import annotations

import io

import pytest

from comment_guard.batch.progress import ProgressBar
from comment_guard.batch.records import Record, RecordError, SourcePosition
from comment_guard.batch.run import Moderated
from comment_guard.batch.summary import BatchSummary, Tally
from comment_guard.results import Decision, ModerationResult, Reason, RiskScores


def _moderated(decision: Decision, *codes: str, enforced: bool = True) -> Moderated:
    reasons = tuple(Reason(code, "m") for code in codes)
    result = ModerationResult(decision, RiskScores(0.5, 0.5), reasons, None, None, enforced=enforced)
    return Moderated(Record(SourcePosition("f", 1)), result)


def _error(code: str) -> RecordError:
    return RecordError(SourcePosition("f", 1), code, "m")


def _tally() -> Tally:
    tally = Tally()
    for outcome in (
        _moderated(Decision.APPROVE),
        _moderated(Decision.SPAM, "spam_score", "duplicate"),
        _moderated(Decision.HOLD, "flood", "flood"),
        _moderated(Decision.HOLD, "misinformation_score", "log_only", enforced=False),
        _error("bad_encoding"),
    ):
        tally.add(outcome)
    return tally


def test_counts_by_decision_reason_and_error():
    """Decisions, effective decisions, reason codes (once per record) and error codes are counted."""
    summary = _tally().summary(seconds=2.0)
    assert (summary.records, summary.results, summary.errors) == (5, 4, 1)
    assert summary.by_decision == {"approve": 1, "spam": 1, "hold": 2}
    assert summary.by_effective_decision == {"approve": 2, "spam": 1, "hold": 1}
    assert summary.by_reason["flood"] == 1
    assert summary.errors_by_code == {"bad_encoding": 1}
    assert summary.records_per_second == 2.5


def test_saved_counts_continue_after_a_resume():
    """A tally built from a snapshot keeps the totals but counts throughput only for new records."""
    resumed = Tally(_tally().snapshot())
    resumed.add(_moderated(Decision.APPROVE))
    summary = resumed.summary(seconds=1.0)
    assert summary.records == 6
    assert summary.moderated_now == 1
    assert summary.by_decision["approve"] == 2


def test_render_lists_decisions_reasons_errors_and_rate():
    """The rendering shows every decision, the reasons by count, the errors and the rate."""
    text = _tally().summary(seconds=0.5).render()
    assert "5 records: 4 moderated, 1 could not be read or moderated" in text
    assert "5 handled in 0.5 s (10 records/s)" in text
    assert "reject" in text
    assert "(acted on: 2)" in text
    assert "bad_encoding" in text
    assert text.index("By reason:") < text.index("Errors:")


def test_zero_time_has_zero_rate():
    """An empty run reports zero throughput rather than dividing by zero."""
    assert BatchSummary(records=0, results=0, errors=0).records_per_second == 0.0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "drawn"), [(_Terminal(), True), (io.StringIO(), False)], ids=["tty", "pipe"])
def test_progress_bar_draws_only_on_a_terminal(stream, drawn):
    """The bar redraws in place on a terminal and writes nothing to a pipe or file."""
    bar = ProgressBar(lambda: 0.5, stream=stream, per_second=1e9)
    bar.advance(3)
    bar.close()
    output = stream.getvalue()
    assert bool(output) is drawn
    if drawn:
        assert "\r[############............]  50%  3 records" in output
        assert output.endswith("\n")


def test_to_dict_is_json_ready():
    """The summary as a mapping holds every count and the rounded throughput."""
    data = _tally().summary(seconds=0.5).to_dict()
    assert data["records"] == 5
    assert data["errors_by_code"] == {"bad_encoding": 1}
    assert data["records_per_second"] == 10.0
