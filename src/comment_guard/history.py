"""Commenter history: what the duplicate, flood, trusted-commenter and replay rules remember.

Everything is keyed by digests (HMAC-SHA256 under the site key) and never holds an email
address, an IP or the text of a comment: approved-comment counts per commenter digest, the
last post time per commenter or IP digest, a fingerprint (a keyed digest of post, author
and normalised text) per comment seen, and the MAC of each form token already used.

Each operation that checks and records does both atomically, so two identical comments
arriving at once cannot both pass the duplicate check. :class:`InMemoryHistory` serves one
process; :class:`SQLiteHistory` (a file, WAL mode) is shared by the threads and processes
of one web app. Times are seconds since the epoch.

:func:`append_feedback` writes moderator verdicts as JSON lines whose ``text``, ``spam``
and ``misinformation`` fields a trainer can read directly.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from comment_guard.errors import HistoryError

#: Seconds SQLite waits for another writer before giving up.
BUSY_TIMEOUT_SECONDS = 5.0


@runtime_checkable
class CommenterHistory(Protocol):
    """The store the guard remembers commenters in; implementations must be thread-safe."""

    def approved_count(self, commenter: str) -> int:
        """How many of this commenter digest's comments a moderator approved."""
        ...

    def record_approval(self, commenter: str, *, at: float) -> None:
        """Count one more approved comment for this commenter digest."""
        ...

    def record_post(self, identities: Sequence[str], *, at: float) -> float | None:
        """Record a post by these identity digests; return the latest earlier post time of any."""
        ...

    def add_fingerprint(self, fingerprint: str, *, at: float) -> bool:
        """Remember a comment fingerprint; ``False`` when it was already there (a duplicate)."""
        ...

    def use_token(self, token_id: str, *, expires_at: float) -> bool:
        """Mark a form token as used; ``False`` when it was already used (a replay)."""
        ...


class InMemoryHistory:
    """A :class:`CommenterHistory` in this process's memory, guarded by a lock.

    It grows with the number of commenters, comments and tokens seen; call :meth:`prune`
    now and then in a long-running process, or use :class:`SQLiteHistory`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._approved: dict[str, int] = {}
        self._last_post: dict[str, float] = {}
        self._fingerprints: dict[str, float] = {}
        self._tokens: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"InMemoryHistory(<{len(self._last_post)} identities, {len(self._fingerprints)} fingerprints>)"

    def approved_count(self, commenter: str) -> int:
        """How many of this commenter digest's comments a moderator approved."""
        with self._lock:
            return self._approved.get(commenter, 0)

    def record_approval(self, commenter: str, *, at: float) -> None:
        """Count one more approved comment for this commenter digest."""
        with self._lock:
            self._approved[commenter] = self._approved.get(commenter, 0) + 1

    def record_post(self, identities: Sequence[str], *, at: float) -> float | None:
        """Record a post by these identity digests; return the latest earlier post time of any."""
        with self._lock:
            previous = [self._last_post[identity] for identity in identities if identity in self._last_post]
            for identity in identities:
                self._last_post[identity] = max(at, self._last_post.get(identity, at))
            return max(previous, default=None)

    def add_fingerprint(self, fingerprint: str, *, at: float) -> bool:
        """Remember a comment fingerprint; ``False`` when it was already there (a duplicate)."""
        with self._lock:
            if fingerprint in self._fingerprints:
                return False
            self._fingerprints[fingerprint] = at
            return True

    def use_token(self, token_id: str, *, expires_at: float) -> bool:
        """Mark a form token as used; ``False`` when it was already used (a replay)."""
        with self._lock:
            if token_id in self._tokens:
                return False
            self._tokens[token_id] = expires_at
            return True

    def prune(self, *, before: float) -> None:
        """Forget posts and fingerprints recorded before ``before`` and tokens expired by then."""
        with self._lock:
            self._last_post = {key: value for key, value in self._last_post.items() if value >= before}
            self._fingerprints = {key: value for key, value in self._fingerprints.items() if value >= before}
            self._tokens = {key: value for key, value in self._tokens.items() if value >= before}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (commenter TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS posts (identity TEXT PRIMARY KEY, last_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS fingerprints (fingerprint TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, expires_at REAL NOT NULL);
"""


class SQLiteHistory:
    """A :class:`CommenterHistory` in a SQLite file, shared by threads and processes.

    The file is opened on first use (the constructor does no I/O) in WAL mode with a busy
    timeout; each process uses one connection guarded by a lock, and every check-and-record
    runs in one ``BEGIN IMMEDIATE`` transaction. A process forked after first use opens its
    own connection. Raises :class:`HistoryError` when the file cannot be used.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout_seconds: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid: int | None = None

    def __repr__(self) -> str:
        return f"SQLiteHistory({str(self.path)!r})"

    def __enter__(self) -> SQLiteHistory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close this process's connection (the next use opens it again)."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        connection = sqlite3.connect(
            self.path, timeout=self.timeout_seconds, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout_seconds * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_SCHEMA)
        except sqlite3.Error:
            connection.close()
            raise
        self._connection, self._pid = connection, os.getpid()
        return connection

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                connection = self._connect()
                # IMMEDIATE takes the write lock up front, so a check-and-record cannot interleave.
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                raise HistoryError(
                    f"Cannot use the commenter history at {self.path}: {exc}. "
                    "Check that the directory exists and is writable."
                ) from exc

    def approved_count(self, commenter: str) -> int:
        """How many of this commenter digest's comments a moderator approved."""
        with self._transaction(write=False) as db:
            row = db.execute("SELECT count FROM approvals WHERE commenter = ?", (commenter,)).fetchone()
        return int(row[0]) if row else 0

    def record_approval(self, commenter: str, *, at: float) -> None:
        """Count one more approved comment for this commenter digest."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO approvals (commenter, count, last_at) VALUES (?, 1, ?) "
                "ON CONFLICT (commenter) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                (commenter, at),
            )

    def record_post(self, identities: Sequence[str], *, at: float) -> float | None:
        """Record a post by these identity digests; return the latest earlier post time of any."""
        if not identities:
            return None
        marks = ", ".join("?" * len(identities))
        query = f"SELECT max(last_at) FROM posts WHERE identity IN ({marks})"  # noqa: S608 - only placeholders
        with self._transaction() as db:
            row = db.execute(query, tuple(identities)).fetchone()
            db.executemany(
                "INSERT INTO posts (identity, last_at) VALUES (?, ?) "
                "ON CONFLICT (identity) DO UPDATE SET last_at = max(last_at, excluded.last_at)",
                [(identity, at) for identity in identities],
            )
        return None if row is None or row[0] is None else float(row[0])

    def add_fingerprint(self, fingerprint: str, *, at: float) -> bool:
        """Remember a comment fingerprint; ``False`` when it was already there (a duplicate)."""
        with self._transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO fingerprints (fingerprint, at) VALUES (?, ?)", (fingerprint, at))
            return cursor.rowcount == 1

    def use_token(self, token_id: str, *, expires_at: float) -> bool:
        """Mark a form token as used; ``False`` when it was already used (a replay)."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO tokens (token, expires_at) VALUES (?, ?)", (token_id, expires_at)
            )
            return cursor.rowcount == 1

    def prune(self, *, before: float) -> None:
        """Forget posts and fingerprints recorded before ``before`` and tokens expired by then."""
        with self._transaction() as db:
            db.execute("DELETE FROM posts WHERE last_at < ?", (before,))
            db.execute("DELETE FROM fingerprints WHERE at < ?", (before,))
            db.execute("DELETE FROM tokens WHERE expires_at < ?", (before,))


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One moderator verdict as a labelled training row; never holds an email address or IP.

    ``spam`` is ``"spam"`` or ``"ham"``; ``misinformation`` is ``"misinformation"``,
    ``"reliable"`` or ``""`` when the verdict says nothing about it. ``commenter`` is the
    commenter digest; ``timestamp`` is ISO 8601 in UTC.
    """

    text: str
    spam: str
    misinformation: str
    verdict: str
    decision: str
    commenter: str | None
    post_id: str | None
    timestamp: str

    def to_json(self) -> str:
        """One line of JSON (ASCII, so any reader decodes it), without the newline."""
        return json.dumps(asdict(self), ensure_ascii=True, sort_keys=False)


_APPEND_LOCK = threading.Lock()


def append_feedback(path: str | os.PathLike[str], record: FeedbackRecord) -> None:
    """Append ``record`` as one JSON line to ``path`` (created with mode 0600 if missing).

    The line is written with a single ``write`` to a file opened for appending, so lines
    from several processes do not interleave. Raises :class:`HistoryError` on failure.
    """
    data = (record.to_json() + "\n").encode("ascii")
    with _APPEND_LOCK:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, data)
            finally:
                os.close(descriptor)
        except OSError as exc:
            raise HistoryError(f"Cannot append to the feedback log {os.fspath(path)!r}: {exc.strerror}.") from exc
