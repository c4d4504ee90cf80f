"""Moderate a stream of records, in order, on one process or several.

:func:`moderate_many` is a pure function over an iterable: it reads records as it needs
them (a bounded number of chunks ahead), yields one outcome per input item in input order,
and touches no file, so the same call runs inside a Dask task or any other scheduler.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from joblib import Parallel, delayed
from pydantic import TypeAdapter, ValidationError

from comment_guard.batch.records import MODERATION_FAILED, Item, Record, RecordError, SourcePosition
from comment_guard.results import ModerationResult

#: Records sent to a worker at a time; large enough that inter-process overhead is small.
DEFAULT_CHUNK_SIZE = 1000


class Moderator(Protocol):
    """What :func:`moderate_many` needs of a guard: :meth:`CommentGuard.moderate`."""

    def moderate(
        self, form: Mapping[str, Any], /, *, require_name_email: bool = True, now: datetime | None = None
    ) -> ModerationResult:
        """Moderate one raw form posted at ``now``; never raises for bad input."""
        ...


#: Builds a guard; called once per chunk of records (it must pickle when ``jobs > 1``).
GuardFactory = Callable[[], Moderator]


@dataclass(frozen=True, slots=True)
class Moderated:
    """A record and the guard's result for it (``REJECT`` with field errors when invalid)."""

    record: Record
    result: ModerationResult

    @property
    def position(self) -> SourcePosition:
        """Where the record comes from."""
        return self.record.position


#: What :func:`moderate_many` yields for each input item.
Outcome = Moderated | RecordError


def moderate_many(
    items: Iterable[Item],
    *,
    guard: Moderator | None = None,
    guard_factory: GuardFactory | None = None,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    require_name_email: bool = False,
) -> Iterator[Outcome]:
    """Moderate each record of ``items``; yield one outcome per item, in input order.

    Give either a ``guard_factory`` or a ``guard``. The factory is called once per chunk of
    ``chunk_size`` consecutive items, so the history-based rules (duplicate, flood) compare
    a record with the earlier records of its chunk, and the outcomes do not depend on
    ``jobs`` or on where a run was resumed (resumption happens at chunk boundaries). A
    ``guard`` object is used for every chunk, in this process (``jobs`` must be 1), and
    keeps its history across them.

    Each record is moderated as posted at its ``submitted_at``, so the flood rule sees the
    real spacing of old comments; a record without a date counts as posted days away from
    any other. A :class:`RecordError` in ``items`` is passed through unchanged; a record
    whose moderation raises becomes a ``RecordError`` with code ``moderation_failed``, so the
    run goes on. ``require_name_email`` is off by default: exports hold anonymous comments.
    With ``jobs > 1`` the chunks are moderated by that many joblib worker processes, a few
    chunks ahead of the consumer.

    Raises ``TypeError`` for a bare string and ``ValueError`` for inconsistent arguments.
    """
    if isinstance(items, str | bytes):
        raise TypeError("moderate_many() takes an iterable of records, not a string.")
    if (guard is None) == (guard_factory is None):
        raise ValueError("Give exactly one of guard= or guard_factory=.")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {jobs!r}.")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer; got {chunk_size!r}.")
    if guard is not None and jobs > 1:
        raise ValueError("A guard object is used in this process only; pass guard_factory= to use jobs > 1.")
    chunks = _chunks(items, chunk_size)
    if guard is not None:
        for chunk in chunks:
            yield from _pair(chunk, _moderate_forms(guard, _forms(chunk), require_name_email))
    elif jobs == 1:
        for chunk in chunks:
            yield from _pair(chunk, _moderate_chunk(_factory(guard_factory), _forms(chunk), require_name_email))
    else:
        yield from _parallel(chunks, _factory(guard_factory), jobs, require_name_email)


def _factory(guard_factory: GuardFactory | None) -> GuardFactory:
    if guard_factory is None:  # pragma: no cover - ruled out by moderate_many's checks
        raise ValueError("guard_factory is required.")
    return guard_factory


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# A record without a date is moderated as posted this long after the previous undated one.
_UNDATED_SPACING = timedelta(days=1)
_UNDATED_ORIGIN = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DATETIME = TypeAdapter(datetime)


@dataclass(frozen=True, slots=True)
class _Form:
    """What a worker needs of a record: its raw fields and the moment it was posted."""

    fields: Mapping[str, str]
    now: datetime


def _forms(chunk: Sequence[Item]) -> list[_Form]:
    return [_Form(item.fields, _posted_at(item)) for item in chunk if isinstance(item, Record)]


def _posted_at(record: Record) -> datetime:
    """The record's date as the submission reads it; far from any other when it has none."""
    value = record.fields.get("submitted_at")
    if value is not None:
        try:
            moment = _DATETIME.validate_python(value)
        except ValidationError:
            pass  # the guard rejects the record with an invalid_date error
        else:
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
    return _UNDATED_ORIGIN + record.position.record * _UNDATED_SPACING


def _parallel(
    chunks: Iterator[list[Item]], factory: GuardFactory, jobs: int, require_name_email: bool
) -> Iterator[Outcome]:
    # joblib pulls chunks a few at a time (pre_dispatch); the records wait here, only forms travel.
    waiting: deque[list[Item]] = deque()

    def tasks() -> Iterator[Any]:
        for chunk in chunks:
            waiting.append(chunk)
            yield delayed(_moderate_chunk)(factory, _forms(chunk), require_name_email)

    parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2 * n_jobs")
    for answers in parallel(tasks()):
        yield from _pair(waiting.popleft(), answers)


def _pair(chunk: Sequence[Item], answers: Sequence[ModerationResult | str]) -> Iterator[Outcome]:
    results = iter(answers)
    for item in chunk:
        if isinstance(item, RecordError):
            yield item
            continue
        answer = next(results)
        if isinstance(answer, str):
            message = f"The guard failed on this record ({answer}); it was not moderated."
            yield RecordError(item.position, MODERATION_FAILED, message)
        else:
            yield Moderated(item, answer)


def _moderate_forms(guard: Moderator, forms: Sequence[_Form], require_name_email: bool) -> list[ModerationResult | str]:
    answers: list[ModerationResult | str] = []
    for form in forms:
        try:
            answers.append(guard.moderate(form.fields, require_name_email=require_name_email, now=form.now))
        except Exception as exc:  # noqa: BLE001 - one failing record must not end a run of millions
            answers.append(type(exc).__name__)
    return answers


def _moderate_chunk(
    factory: GuardFactory, forms: Sequence[_Form], require_name_email: bool
) -> list[ModerationResult | str]:
    """Moderate one chunk with a fresh guard (runs in a worker process when ``jobs > 1``)."""
    return _moderate_forms(factory(), forms, require_name_email)
