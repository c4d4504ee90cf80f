"""Fixtures for the web examples: a settable clock, site settings in a temporary directory, guards."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from comment_guard import CommentGuard, IdentityKey
from comment_guard.history import SQLiteHistory

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the examples are run from the repository root, as `python -m examples...`
    sys.path.insert(0, str(ROOT))

from examples.blog_common import SITE_POLICY, Settings  # noqa: E402 - needs the repository root on sys.path
from web_clients import ADMIN_TOKEN, Site  # noqa: E402 - imports the examples too

GuardFactory = Callable[[], CommentGuard]


class Clock:
    """A clock the tests move by hand; the guard reads it to date forms and posts."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """Return a clock set to a fixed moment."""
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return site settings with a test key and token and a database in a temporary directory."""
    return Settings(secret_key=bytes(range(32)).hex(), admin_token=ADMIN_TOKEN, database=tmp_path / "blog.sqlite3")


@pytest.fixture
def make_guard(settings: Settings, clock: Clock, tiny_model: Any) -> Iterator[GuardFactory]:
    """Return a factory of guards as the examples build them, with the tiny model and the test clock."""
    histories: list[SQLiteHistory] = []

    def make() -> CommentGuard:
        histories.append(SQLiteHistory(settings.database))
        return CommentGuard(
            tiny_model,
            identity_key=IdentityKey(settings.secret_key),
            policy=SITE_POLICY,
            history=histories[-1],
            feedback_log=settings.feedback_log,
            clock=clock,
        )

    yield make
    for history in histories:
        history.close()


@pytest.fixture(params=["flask", "fastapi", "django"])
def site(request: pytest.FixtureRequest, settings: Settings, make_guard: GuardFactory, clock: Clock) -> Site:
    """Return each example site in turn, started on a fresh database with the tiny model."""
    return Site(request.param, settings, make_guard, clock)
