"""One small interface over the Flask, FastAPI (Starlette) and Django test clients, and the example sites."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from examples.blog_common import ARTICLE, Settings

from comment_guard import CommentGuard

ADMIN_TOKEN = "test-admin-token-0123456789"
ARTICLE_PATH = f"/articles/{ARTICLE.slug}"
POST_PATH = f"{ARTICLE_PATH}/comments"
EMAIL = "ann.private@example.com"
VALID = {
    "author": "Ann Example",
    "email": EMAIL,
    "url": "https://ann.example.org/",
    "comment": "Thank you for this careful summary; my therapist mentioned ketamine trials and I want to read more.",
}
SPAM = "Buy cheap viagra online, no prescription needed, discreet shipping http://pills.example.ru"
MISINFORMATION = "Stop taking your insulin, this herbal tea cures diabetes permanently, guaranteed."

_TOKEN = re.compile(r'name="form_token" value="([^"]*)"')
_HONEYPOT = re.compile(r'name="(cg_[0-9a-f]+)"')


@dataclass(frozen=True)
class Page:
    """A response: status, body text, headers with lower-case names, and where a redirect points."""

    status: int
    text: str
    headers: Mapping[str, str]

    @property
    def location(self) -> str:
        """The redirect target as path and query (a client never sends the fragment)."""
        target = urlsplit(self.headers.get("location", ""))
        return target.path + (f"?{target.query}" if target.query else "")


class WebClient(Protocol):
    """What the tests do with a framework's test client."""

    def get(self, path: str) -> Page:
        """GET ``path``, without following redirects."""
        ...

    def post(self, path: str, data: Mapping[str, str]) -> Page:
        """POST ``data`` as a form to ``path``, without following redirects."""
        ...


class FlaskClient:
    """Flask's test client."""

    def __init__(self, app: Any) -> None:
        self._client = app.test_client()

    def get(self, path: str) -> Page:
        return self._page(self._client.get(path))

    def post(self, path: str, data: Mapping[str, str]) -> Page:
        return self._page(self._client.post(path, data=dict(data)))

    @staticmethod
    def _page(response: Any) -> Page:
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Page(response.status_code, response.get_data(as_text=True), headers)


class StarletteClient:
    """FastAPI's (Starlette's) test client, built on httpx."""

    def __init__(self, app: Any) -> None:
        from fastapi.testclient import TestClient

        self.client = TestClient(app, follow_redirects=False)

    def get(self, path: str) -> Page:
        return self._page(self.client.get(path))

    def post(self, path: str, data: Mapping[str, str]) -> Page:
        return self._page(self.client.post(path, data=dict(data)))

    @staticmethod
    def _page(response: Any) -> Page:
        return Page(
            response.status_code, response.text, {name.lower(): value for name, value in response.headers.items()}
        )


class DjangoClient:
    """Django's test client (the example's settings are process-wide, so one site at a time)."""

    _test_environment: ClassVar[list[bool]] = []

    def __init__(self, *, enforce_csrf_checks: bool = False) -> None:
        from django.test import Client
        from django.test.utils import setup_test_environment

        if not self._test_environment:  # once per process: lets the client's "testserver" host in
            setup_test_environment()
            self._test_environment.append(True)
        self.client = Client(enforce_csrf_checks=enforce_csrf_checks)

    def get(self, path: str) -> Page:
        return self._page(self.client.get(path))

    def post(self, path: str, data: Mapping[str, str]) -> Page:
        return self._page(self.client.post(path, data=dict(data)))

    @staticmethod
    def _page(response: Any) -> Page:
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Page(response.status_code, response.content.decode(), headers)


def flask_client(settings: Settings, guard: CommentGuard) -> WebClient:
    """A test client of a new Flask example app."""
    from examples.flask_app.app import create_app

    return FlaskClient(create_app(settings, guard=guard))


def fastapi_client(settings: Settings, guard: CommentGuard) -> WebClient:
    """A test client of a new FastAPI example app."""
    from examples.fastapi_app.app import create_app

    return StarletteClient(create_app(settings, guard=guard))


def django_client(settings: Settings, guard: CommentGuard) -> WebClient:
    """A test client of the Django example, configured anew."""
    from examples.django_app.app import create_app

    create_app(settings, guard=guard)
    return DjangoClient()


CLIENTS: dict[str, Callable[[Settings, CommentGuard], WebClient]] = {
    "flask": flask_client,
    "fastapi": fastapi_client,
    "django": django_client,
}


def hidden_fields(html: str) -> dict[str, str]:
    """The form token and the (empty) honeypot field rendered into an article page."""
    token, honeypot = _TOKEN.search(html), _HONEYPOT.search(html)
    assert token is not None, "the page has no form_token field"
    assert honeypot is not None, "the page has no honeypot field"
    return {"form_token": token.group(1), honeypot.group(1): ""}


def honeypot_name(hidden: Mapping[str, str]) -> str:
    """The honeypot field's name among the hidden fields of a page."""
    return next(name for name in hidden if name != "form_token")


_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


class Site:
    """An example site under test: its client, a way to restart it, and the steps a visitor takes."""

    def __init__(self, framework: str, settings: Settings, make_guard: Callable[[], CommentGuard], clock: Any) -> None:
        self.framework = framework
        self.settings = settings
        self._make_guard = make_guard
        self.clock = clock
        self.client = CLIENTS[framework](settings, make_guard())

    def restart(self) -> None:
        """Start a new app, with a new guard, on the same database (the old client's cookies are gone)."""
        self.client = CLIENTS[self.framework](self.settings, self._make_guard())

    def post_comment(self, *, wait: float = 60.0, **fields: str | None) -> Page:
        """Load the article, wait ``wait`` seconds, post its form with VALID values replaced by ``fields``
        (``None`` leaves a field out; ``honeypot`` fills the site's honeypot field)."""
        hidden = hidden_fields(self.client.get(ARTICLE_PATH).text)
        if "honeypot" in fields:
            fields[honeypot_name(hidden)] = fields.pop("honeypot")
        data: dict[str, str | None] = {**hidden, **VALID, **fields}
        self.clock.advance(wait)
        return self.client.post(POST_PATH, {name: value for name, value in data.items() if value is not None})

    def log_in(self, token: str) -> Page:
        """Post the moderation login form."""
        return self.client.post("/moderation/login", {"token": token})

    def review(self, comment_id: int, verdict: str) -> Page:
        """Press a verdict button of the moderation queue."""
        csrf = _CSRF.search(self.client.get("/moderation").text)
        data = {"verdict": verdict} | ({"csrf": csrf.group(1)} if csrf else {})
        return self.client.post(f"/moderation/comments/{comment_id}", data)

    def article(self) -> str:
        """The article page as any visitor sees it."""
        page = self.client.get(ARTICLE_PATH)
        assert page.status == 200
        return page.text

    def files_contain(self, text: str) -> bool:
        """Whether ``text`` is in any file beside the database (SQLite, its WAL, the feedback log)."""
        needle = text.encode()
        return any(needle in path.read_bytes() for path in self.settings.database.parent.iterdir() if path.is_file())
