"""What the three web examples share: the article, settings, the guard, and a SQLite comment store.

Nothing here depends on a web framework. Each app does its own HTTP work and calls
comment_guard itself (``guard.form_fields``, ``guard.moderate``, ``guard.feedback``): read
an app first, and this module when it refers here.

The store keeps what the guard returns, never the submission: a comment's row holds its
:class:`~comment_guard.PublicComment` (which has no field for an email address), the
commenter digest, the scores and the reasons. The email address a commenter types reaches
the guard and is written nowhere. The commenter history (duplicates, floods, trusted
commenters, used form tokens) lives in the same SQLite file, so a restart loses nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import secrets
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from comment_guard import (
    CommentGuard,
    Decision,
    IdentityKey,
    ModerationResult,
    Policy,
    PublicComment,
    Reason,
    RiskScores,
)
from comment_guard.history import SQLiteHistory


@dataclass(frozen=True)
class Article:
    """A blog post: its ``slug`` is also the ``post_id`` its form tokens are signed for."""

    slug: str
    title: str
    paragraphs: tuple[str, ...]


ARTICLE = Article(
    slug="ketamine-ptsd-relief",
    title="Ketamine: A Promising Treatment for PTSD Relief",
    paragraphs=(
        (
            "Post-traumatic stress disorder (PTSD) affects millions of people, and the first-line treatments, "
            "trauma-focused psychotherapy and antidepressants such as sertraline, do not help everyone. That gap "
            "is why researchers are studying ketamine, an anaesthetic that acts on the brain's glutamate system."
        ),
        (
            "In a randomised controlled trial published in 2021 in the American Journal of Psychiatry, six ketamine "
            "infusions over two weeks reduced the symptoms of chronic PTSD more than an active placebo did. "
            "Esketamine, a related nasal spray, is already approved for treatment-resistant depression."
        ),
        (
            "The results are promising but early: the trials were small, the benefit often fades within weeks, and "
            "ketamine can cause dissociation, raised blood pressure and nausea, and can be misused. It is not "
            "approved for PTSD and should only be given under medical supervision."
        ),
        (
            "If you live with PTSD, talk to your doctor or therapist about the options that suit you. Comments are "
            "moderated: questions and experiences are welcome; claims that could put readers at risk wait until a "
            "person has checked them."
        ),
    ),
)
ARTICLES = {ARTICLE.slug: ARTICLE}

#: The comment form's fields, named as WordPress names them (``comment`` is the text).
FORM_FIELDS = ("author", "email", "url", "comment", "form_token")
#: The form field each :class:`~comment_guard.FieldError` belongs to; others are shown above the form.
ERROR_FIELDS = {"author": "author", "email": "email", "url": "url", "content": "comment"}
#: WordPress's words for a held comment, shown to its author only.
AWAITING_MODERATION = (
    "Your comment is awaiting moderation. This is a preview; your comment will be visible after it has been approved."
)
#: The examples' policy: the default, except that a form without the signed token is spam.
SITE_POLICY = Policy(require_token=True)
MIN_ADMIN_TOKEN_CHARS = 16
DEMO_DATABASE = "comment-guard-demo.sqlite3"


def _warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr)


@dataclass(frozen=True)
class Settings:
    """A site's configuration; :meth:`from_env` reads it from environment variables.

    ``secret_key`` keys every digest and form token (at least 16 bytes); ``admin_token``
    opens the moderation queue (at least 16 characters); ``database`` is the SQLite file of
    comments and commenter history; ``model`` a model directory to use instead of the
    shipped one. Raises ``ValueError`` (``InsecureKeyError`` for the key) for a short secret.
    """

    secret_key: str
    admin_token: str
    database: Path
    model: Path | None = None

    def __post_init__(self) -> None:
        IdentityKey(self.secret_key)
        if len(self.admin_token) < MIN_ADMIN_TOKEN_CHARS:
            raise ValueError(
                f"The admin token must be at least {MIN_ADMIN_TOKEN_CHARS} characters; got {len(self.admin_token)}. "
                "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(24))'"
            )

    @property
    def feedback_log(self) -> Path:
        """The JSON-lines file of moderator verdicts, beside the database (for retraining)."""
        return self.database.with_name(self.database.name + ".feedback.jsonl")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read ``COMMENT_GUARD_SECRET_KEY``, ``_ADMIN_TOKEN``, ``_DATABASE`` and ``_MODEL``.

        Missing values get demo defaults, each announced on stderr: the database in the
        working directory, a random secret key kept in a file beside it (mode 0600), and an
        admin token derived from that key.
        """
        database = Path(environ.get("COMMENT_GUARD_DATABASE") or DEMO_DATABASE)
        secret_key = environ.get("COMMENT_GUARD_SECRET_KEY") or _demo_secret(database)
        admin_token = environ.get("COMMENT_GUARD_ADMIN_TOKEN")
        if not admin_token:
            admin_token = IdentityKey(secret_key).digest("demo-admin-token", "v1")[:32]
            _warn(f"COMMENT_GUARD_ADMIN_TOKEN is not set; this demo's moderation token is {admin_token}")
        model = environ.get("COMMENT_GUARD_MODEL")
        return cls(secret_key, admin_token, database, Path(model) if model else None)


def _demo_secret(database: Path) -> str:
    path = database.with_name(database.name + ".secret")
    _warn(
        f"COMMENT_GUARD_SECRET_KEY is not set; using a random demo key kept in {path}. Set your own "
        "(python -c 'import secrets; print(secrets.token_hex(32))') before going live."
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def build_guard(settings: Settings) -> CommentGuard:
    """The site's guard: the shipped model (or ``settings.model``), history in the database.

    Forms must carry the signed token the app renders (``require_token``), so a bot cannot
    post without loading the page first. Raises ``ModelError`` when the model cannot be loaded.
    """
    options: dict[str, Any] = {
        "secret_key": settings.secret_key,
        "policy": SITE_POLICY,
        "history": SQLiteHistory(settings.database),
        "feedback_log": settings.feedback_log,
    }
    if settings.model is not None:  # the operator named this directory, which is the explicit trust it needs
        return CommentGuard.from_path(settings.model, trust=True, **options)
    return CommentGuard.default(**options)


def comment_data(
    form: Mapping[str, Any],
    *,
    post_id: str,
    honeypot_field: str,
    ip: str | None,
    user_agent: str | None,
    referrer: str | None,
    submitted_at: datetime,
) -> dict[str, Any]:
    """The mapping to give ``guard.moderate()``: the form's own fields plus what the server knows.

    Only the comment form's fields are read from the request, so a bot cannot choose the
    ``ip`` or ``post_id`` the guard sees; an unparsable client address is left out. Behind a
    reverse proxy, configure the framework to trust its forwarded address (Werkzeug's
    ``ProxyFix``, uvicorn's ``--proxy-headers``), or every visitor shares the proxy's IP.
    """
    data: dict[str, Any] = {}
    getlist = getattr(form, "getlist", None)
    for name in (*FORM_FIELDS, honeypot_field):
        values = list(getlist(name)) if callable(getlist) else ([form[name]] if name in form else [])
        if values:
            data[name] = values[0]
    data.update(post_id=post_id, user_agent=user_agent, referrer=referrer, submitted_at=submitted_at)
    if ip is not None and _is_ip(ip):
        data["ip"] = ip
    return {name: value for name, value in data.items() if value is not None}


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def field_messages(result: ModerationResult) -> tuple[dict[str, str], list[str]]:
    """Split a rejected result's errors into form field -> message and messages for the whole form."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in result.errors:
        name = ERROR_FIELDS.get(error.field)
        if name is None:
            general.append(error.message)
        else:
            by_field.setdefault(name, error.message)
    return by_field, general


class SiteKeys:
    """Keyed values derived from the site secret: the moderator's session, CSRF and preview links."""

    #: The moderator's cookie: HttpOnly, SameSite=Strict, only sent to the moderation pages.
    cookie_name = "cg_admin"
    cookie_path = "/moderation"

    def __init__(self, settings: Settings) -> None:
        self._key = IdentityKey(settings.secret_key)
        self._admin_token = settings.admin_token
        self.session = self._key.digest("admin-session", settings.admin_token)
        self.csrf = self._key.digest("admin-csrf", settings.admin_token)

    def __repr__(self) -> str:
        return "SiteKeys(<hidden>)"

    def check_admin_token(self, token: object) -> bool:
        """Whether ``token`` is the admin token (compared in constant time)."""
        return _same(token, self._admin_token)

    def check_session(self, cookie: object) -> bool:
        """Whether ``cookie`` is the moderator's session value."""
        return _same(cookie, self.session)

    def check_csrf(self, value: object) -> bool:
        """Whether ``value`` is the CSRF value of the moderation forms."""
        return _same(value, self.csrf)

    def preview(self, comment_id: int) -> str:
        """The value that lets a commenter see their own held comment (WordPress's moderation hash)."""
        return self._key.digest("comment-preview", str(comment_id))[:24]

    def check_preview(self, comment_id: int, value: object) -> bool:
        """Whether ``value`` is the preview value of ``comment_id``."""
        return _same(value, self.preview(comment_id))


def _same(given: object, expected: str) -> bool:
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


@dataclass(frozen=True)
class StoredComment:
    """A moderated comment as stored: ``status`` is ``approve`` (published), ``hold``, ``spam``
    or ``misinformation``; ``reviewed`` once a moderator gave a verdict."""

    id: int
    status: str
    reviewed: bool
    result: ModerationResult

    @property
    def public(self) -> PublicComment:
        """The publishable part of the comment (the store only holds comments that have one)."""
        assert self.result.public is not None  # noqa: S101 - add() refuses rejected results
        return self.result.public

    @property
    def published(self) -> bool:
        """Whether visitors see the comment."""
        return self.status == Decision.APPROVE.value


_SCHEMA = """
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0,
    decision TEXT NOT NULL,
    enforced INTEGER NOT NULL,
    public TEXT NOT NULL,
    commenter TEXT,
    spam REAL,
    misinformation REAL,
    reasons TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_by_post ON comments (post_id, status);
"""


class CommentStore:
    """Moderated comments in a SQLite table; safe to share between threads and processes.

    Each call opens its own short-lived connection; the constructor does no I/O.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._has_schema = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=5.0)) as connection:
            connection.row_factory = sqlite3.Row
            if not self._has_schema:  # two threads may both run it: CREATE ... IF NOT EXISTS is idempotent
                connection.executescript(_SCHEMA)
                self._has_schema = True
            with connection:  # one transaction: committed, or rolled back on error
                yield connection

    def add(self, result: ModerationResult) -> StoredComment:
        """Store a moderated comment under the decision to act on; raises ``ValueError`` for a rejected one."""
        if result.public is None:
            raise ValueError("A rejected submission has no comment to store; show the commenter its errors.")
        scores = result.scores or RiskScores(None, None)
        row = (
            result.public.post_id or "",
            result.effective_decision.value,
            result.decision.value,
            int(result.enforced),
            result.public.model_dump_json(),
            result.commenter,
            scores.spam,
            scores.misinformation,
            json.dumps([[reason.code, reason.message, reason.detail] for reason in result.reasons]),
        )
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO comments (post_id, status, decision, enforced, public, commenter, spam, misinformation,"
                " reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            comment_id = cursor.lastrowid
        assert comment_id is not None  # noqa: S101 - an INSERT always sets it
        return StoredComment(comment_id, result.effective_decision.value, False, result)

    def get(self, comment_id: int) -> StoredComment | None:
        """The comment with this id, or ``None``."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM comments WHERE id = ?", (comment_id,)).fetchone()
        return None if row is None else _stored(row)

    def published(self, post_id: str) -> list[StoredComment]:
        """The approved comments of a post, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM comments WHERE post_id = ? AND status = 'approve' ORDER BY id", (post_id,))
            return [_stored(row) for row in rows]

    def queue(self) -> list[StoredComment]:
        """Held and spam comments no moderator has reviewed yet, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM comments WHERE status IN ('hold', 'spam') AND reviewed = 0 ORDER BY id")
            return [_stored(row) for row in rows]

    def review(self, comment_id: int, status: str) -> None:
        """Record a moderator's verdict: the comment's new status, and that it was reviewed."""
        with self._connect() as db:
            db.execute("UPDATE comments SET status = ?, reviewed = 1 WHERE id = ?", (status, comment_id))


def _stored(row: sqlite3.Row) -> StoredComment:
    result = ModerationResult(
        Decision(row["decision"]),
        RiskScores(row["spam"], row["misinformation"]),
        tuple(Reason(*reason) for reason in json.loads(row["reasons"])),
        PublicComment.model_validate_json(row["public"]),
        row["commenter"],
        enforced=bool(row["enforced"]),
    )
    return StoredComment(row["id"], row["status"], bool(row["reviewed"]), result)
