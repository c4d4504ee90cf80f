"""Tests for comment_guard.history: the in-memory and SQLite histories and the feedback log."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from comment_guard.errors import CommentGuardError, HistoryError
from comment_guard.history import (
    CommenterHistory,
    FeedbackRecord,
    InMemoryHistory,
    SQLiteHistory,
    append_feedback,
)

COMMENTER = "c" * 64
IP_DIGEST = "d" * 64


@pytest.fixture(params=["memory", "sqlite"])
def history(request, tmp_path) -> Iterator[CommenterHistory]:
    """Yield each history implementation, empty."""
    if request.param == "memory":
        yield InMemoryHistory()
    else:
        with SQLiteHistory(tmp_path / "history.sqlite3") as store:
            yield store


def test_implements_protocol(history):
    """Both implementations satisfy the CommenterHistory protocol."""
    assert isinstance(history, CommenterHistory)


def test_approvals_counted(history):
    """A commenter has no approvals until one is recorded, then counts them."""
    assert history.approved_count(COMMENTER) == 0
    history.record_approval(COMMENTER, at=1.0)
    history.record_approval(COMMENTER, at=2.0)
    assert history.approved_count(COMMENTER) == 2
    assert history.approved_count(IP_DIGEST) == 0


def test_record_post_returns_previous_time(history):
    """record_post returns None for a first post, then the latest earlier time of any identity."""
    assert history.record_post([COMMENTER], at=100.0) is None
    assert history.record_post([COMMENTER, IP_DIGEST], at=110.0) == 100.0
    assert history.record_post(["e" * 64, IP_DIGEST], at=120.0) == 110.0
    assert history.record_post([], at=130.0) is None


def test_record_post_keeps_latest_time(history):
    """Recording an older post (an out-of-order import) never moves the last post time back."""
    history.record_post([COMMENTER], at=200.0)
    history.record_post([COMMENTER], at=100.0)
    assert history.record_post([COMMENTER], at=300.0) == 200.0


def test_fingerprint_seen_once(history):
    """add_fingerprint is True the first time and False after (a duplicate)."""
    assert history.add_fingerprint("f" * 64, at=1.0) is True
    assert history.add_fingerprint("f" * 64, at=2.0) is False
    assert history.add_fingerprint("0" * 64, at=2.0) is True


def test_token_used_once(history):
    """use_token is True the first time and False on a replay."""
    assert history.use_token("t" * 64, expires_at=10.0) is True
    assert history.use_token("t" * 64, expires_at=10.0) is False


def test_prune(history):
    """prune forgets posts and fingerprints older than the cut-off and tokens expired by then."""
    history.record_post([COMMENTER], at=10.0)
    history.add_fingerprint("old", at=10.0)
    history.add_fingerprint("new", at=50.0)
    history.use_token("expired", expires_at=20.0)
    history.prune(before=30.0)
    assert history.record_post([COMMENTER], at=60.0) is None
    assert history.add_fingerprint("old", at=60.0) is True
    assert history.add_fingerprint("new", at=60.0) is False
    assert history.use_token("expired", expires_at=20.0) is True


def test_check_and_record_is_atomic_across_threads(history):
    """Of many threads adding the same fingerprint and token at once, exactly one succeeds."""
    barrier = threading.Barrier(16)

    def attempt(_: int) -> tuple[bool, bool]:
        barrier.wait()
        return history.add_fingerprint("same", at=1.0), history.use_token("same", expires_at=9.0)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert sum(fingerprint for fingerprint, _ in results) == 1
    assert sum(token for _, token in results) == 1


# --- SQLite specifics -----------------------------------------------------------------------


def test_sqlite_constructor_does_no_io(tmp_path):
    """Creating a SQLiteHistory does not create the file; the first use does."""
    path = tmp_path / "lazy.sqlite3"
    store = SQLiteHistory(path)
    assert not path.exists()
    store.approved_count(COMMENTER)
    assert path.exists()
    store.close()


def test_sqlite_uses_wal(tmp_path):
    """The database is in WAL mode, so readers and a writer do not block each other."""
    path = tmp_path / "wal.sqlite3"
    with SQLiteHistory(path) as store:
        store.record_post([COMMENTER], at=1.0)
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_sqlite_reopens_after_close(tmp_path):
    """A closed SQLiteHistory reopens on the next use and still has its data."""
    store = SQLiteHistory(tmp_path / "reopen.sqlite3")
    store.record_approval(COMMENTER, at=1.0)
    store.close()
    assert store.approved_count(COMMENTER) == 1
    store.close()


def test_sqlite_unusable_path_raises_history_error(tmp_path):
    """A path in a missing directory raises HistoryError (an OSError and a CommentGuardError)."""
    store = SQLiteHistory(tmp_path / "missing" / "history.sqlite3")
    with pytest.raises(HistoryError) as caught:
        store.approved_count(COMMENTER)
    assert isinstance(caught.value, OSError)
    assert isinstance(caught.value, CommentGuardError)
    assert isinstance(caught.value.__cause__, sqlite3.Error)


_WRITER = textwrap.dedent(
    """
    import sys
    from comment_guard.history import SQLiteHistory
    with SQLiteHistory(sys.argv[1]) as store:
        store.record_approval("c" * 64, at=1.0)
        store.record_post(["c" * 64], at=100.0)
        store.add_fingerprint("f" * 64, at=100.0)
        store.use_token("t" * 64, expires_at=1e12)
    """
)
_READER = textwrap.dedent(
    """
    import json, sys
    from comment_guard.history import SQLiteHistory
    with SQLiteHistory(sys.argv[1]) as store:
        print(json.dumps([
            store.approved_count("c" * 64),
            store.record_post(["c" * 64], at=105.0),
            store.add_fingerprint("f" * 64, at=105.0),
            store.use_token("t" * 64, expires_at=1e12),
        ]))
    """
)


def _run(script: str, *args: str) -> str:
    completed = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed script
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60, check=True
    )
    return completed.stdout


def test_sqlite_history_survives_process_restart(tmp_path):
    """What one process records, a later process reads back: approvals, post times, fingerprints, tokens."""
    path = str(tmp_path / "restart.sqlite3")
    _run(_WRITER, path)
    assert json.loads(_run(_READER, path)) == [1, 100.0, False, False]


_RACER = textwrap.dedent(
    """
    import sys, time
    from comment_guard.history import SQLiteHistory
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    with SQLiteHistory(sys.argv[1]) as store:
        print(int(store.add_fingerprint("race", at=1.0)) + 2 * int(store.use_token("race", expires_at=9.0)))
    """
)


def test_sqlite_check_and_record_is_atomic_across_processes(tmp_path):
    """Of several processes adding the same fingerprint and token at once, exactly one succeeds each time."""
    path = str(tmp_path / "race.sqlite3")
    with SQLiteHistory(path) as store:
        store.approved_count(COMMENTER)  # create the schema before the race
    start = str(time.time() + 1.5)
    processes = [
        subprocess.Popen(  # noqa: S603 - runs this interpreter on a fixed script
            [sys.executable, "-c", _RACER, path, start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    outputs = [int(process.communicate(timeout=60)[0]) for process in processes]
    assert sum(output & 1 for output in outputs) == 1
    assert sum(output >> 1 for output in outputs) == 1


# --- feedback log ---------------------------------------------------------------------------


def _record(text: str = "Thanks, helpful.") -> FeedbackRecord:
    return FeedbackRecord(
        text=text,
        spam="ham",
        misinformation="reliable",
        verdict="approve",
        decision="hold",
        commenter=COMMENTER,
        post_id="42",
        timestamp="2025-03-01T12:00:00+00:00",
    )


def test_feedback_lines_appended(tmp_path):
    """Each record is appended as one JSON line with the training columns."""
    path = tmp_path / "feedback.jsonl"
    append_feedback(path, _record("first"))
    append_feedback(path, _record("second \u00e9\U0001f600"))
    lines = path.read_text("ascii").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["text"] for row in rows] == ["first", "second \u00e9\U0001f600"]
    assert {"text", "spam", "misinformation", "commenter", "timestamp"} <= set(rows[0])


def test_feedback_log_is_private(tmp_path):
    """A new feedback log is readable by its owner only."""
    path = tmp_path / "feedback.jsonl"
    append_feedback(path, _record())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_feedback_log_unwritable_raises_history_error(tmp_path):
    """A log in a missing directory raises HistoryError."""
    with pytest.raises(HistoryError, match="feedback log"):
        append_feedback(tmp_path / "missing" / "feedback.jsonl", _record())


def test_feedback_lines_do_not_interleave_across_threads(tmp_path):
    """Records appended from many threads at once are each one whole line."""
    path = tmp_path / "feedback.jsonl"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: append_feedback(path, _record(str(i) * 2_000)), range(200)))
    rows = [json.loads(line) for line in path.read_text("ascii").splitlines()]
    assert sorted(row["text"] for row in rows) == sorted(str(i) * 2_000 for i in range(200))
