"""Counts of a batch run: records by decision, by reason code, errors by code, throughput."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from comment_guard.batch.records import RecordError
from comment_guard.batch.run import Outcome
from comment_guard.results import Decision


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """What a batch run did.

    ``records`` counts every input item (results plus errors). ``by_decision`` counts the
    decisions the policy took, ``by_effective_decision`` the ones to act on (they differ in
    log-only mode), ``by_reason`` each reason code once per record that has it.
    ``moderated_now`` and ``seconds`` cover this invocation only (a resumed run adds to
    counts read from its checkpoint), so ``records_per_second`` is this invocation's rate.
    """

    records: int
    results: int
    errors: int
    by_decision: Mapping[str, int] = field(default_factory=dict)
    by_effective_decision: Mapping[str, int] = field(default_factory=dict)
    by_reason: Mapping[str, int] = field(default_factory=dict)
    errors_by_code: Mapping[str, int] = field(default_factory=dict)
    moderated_now: int = 0
    seconds: float = 0.0

    @property
    def records_per_second(self) -> float:
        """Items handled per second of this invocation's wall-clock time (0 when none)."""
        return self.moderated_now / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of every count, with the throughput."""
        return {
            "records": self.records,
            "results": self.results,
            "errors": self.errors,
            "by_decision": dict(self.by_decision),
            "by_effective_decision": dict(self.by_effective_decision),
            "by_reason": dict(self.by_reason),
            "errors_by_code": dict(self.errors_by_code),
            "moderated_now": self.moderated_now,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_per_second, 1),
        }

    def render(self) -> str:
        """A few aligned lines for a terminal."""
        lines = [
            f"{self.records:,} records: {self.results:,} moderated, {self.errors:,} could not be read or moderated",
            f"{self.moderated_now:,} handled in {self.seconds:.1f} s ({self.records_per_second:,.0f} records/s)",
            "",
            "By decision:",
        ]
        for decision in Decision:
            count = self.by_decision.get(decision.value, 0)
            effective = self.by_effective_decision.get(decision.value, 0)
            note = f"   (acted on: {effective:,})" if effective != count else ""
            lines.append(f"  {decision.value:<10}{count:>8,}{note}")
        lines += _table("By reason:", self.by_reason)
        lines += _table("Errors:", self.errors_by_code)
        return "\n".join(lines)


def _table(title: str, counts: Mapping[str, int]) -> list[str]:
    if not counts:
        return []
    width = max(10, *(len(code) + 2 for code in counts))
    rows = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return ["", title] + [f"  {code:<{width}}{count:>8,}" for code, count in rows]


class Tally:
    """Accumulates a :class:`BatchSummary` outcome by outcome; can start from saved counts."""

    def __init__(self, saved: Mapping[str, Any] | None = None) -> None:
        saved = saved or {}
        self.records = int(saved.get("records", 0))
        self.results = int(saved.get("results", 0))
        self.errors = int(saved.get("errors", 0))
        self.by_decision: Counter[str] = Counter(saved.get("by_decision", {}))
        self.by_effective_decision: Counter[str] = Counter(saved.get("by_effective_decision", {}))
        self.by_reason: Counter[str] = Counter(saved.get("by_reason", {}))
        self.errors_by_code: Counter[str] = Counter(saved.get("errors_by_code", {}))
        self.moderated_now = 0

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.records += 1
        self.moderated_now += 1
        if isinstance(outcome, RecordError):
            self.errors += 1
            self.errors_by_code[outcome.code] += 1
            return
        result = outcome.result
        self.results += 1
        self.by_decision[result.decision.value] += 1
        self.by_effective_decision[result.effective_decision.value] += 1
        self.by_reason.update({reason.code for reason in result.reasons})

    def snapshot(self) -> dict[str, Any]:
        """The counts, JSON-ready, to save in a checkpoint and give back to ``Tally(saved)``."""
        return {
            "records": self.records,
            "results": self.results,
            "errors": self.errors,
            "by_decision": dict(self.by_decision),
            "by_effective_decision": dict(self.by_effective_decision),
            "by_reason": dict(self.by_reason),
            "errors_by_code": dict(self.errors_by_code),
        }

    def summary(self, seconds: float) -> BatchSummary:
        """The counts so far, with this invocation's elapsed ``seconds``."""
        return BatchSummary(
            records=self.records,
            results=self.results,
            errors=self.errors,
            by_decision=dict(self.by_decision),
            by_effective_decision=dict(self.by_effective_decision),
            by_reason=dict(self.by_reason),
            errors_by_code=dict(self.errors_by_code),
            moderated_now=self.moderated_now,
            seconds=seconds,
        )
