"""The FastAPI example's JSON API: write-only email, field errors, moderation, and no blocking of the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pytest
from examples.blog_common import ARTICLE, AWAITING_MODERATION, SITE_POLICY, Settings
from examples.fastapi_app.app import create_app
from fastapi.testclient import TestClient
from web_clients import ADMIN_TOKEN, EMAIL, SPAM, VALID

from comment_guard import CommentGuard, IdentityKey, RiskScores
from comment_guard.history import SQLiteHistory

FORM = f"/api/posts/{ARTICLE.slug}/form"
COMMENTS = f"/api/posts/{ARTICLE.slug}/comments"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def api(settings: Settings, make_guard: Any) -> TestClient:
    """Return a test client of a new FastAPI example app."""
    return TestClient(create_app(settings, guard=make_guard()), follow_redirects=False)


def post(api: TestClient, clock: Any, **fields: Any) -> Any:
    """Fetch a form token, wait a minute, post a comment with VALID values replaced by ``fields``."""
    form = api.get(FORM).json()
    body = {
        "author": VALID["author"],
        "email": EMAIL,
        "url": VALID["url"],
        "content": VALID["comment"],
        "form_token": form["form_token"],
        "honeypot": "",
    }
    clock.advance(60)
    return api.post(COMMENTS, json={name: value for name, value in (body | fields).items() if value is not None})


def test_api_publishes_a_valid_comment_without_the_email(api: TestClient, clock: Any) -> None:
    """A valid comment is published and neither the answer nor the comment list holds the email."""
    response = post(api, clock)
    assert response.status_code == 201
    body = response.json()
    assert body["published"] is True
    assert body["comment"]["content"] == VALID["comment"]
    listed = api.get(COMMENTS)
    assert [comment["content"] for comment in listed.json()] == [VALID["comment"]]
    assert EMAIL not in response.text
    assert EMAIL not in listed.text


def test_api_reports_field_errors_without_echoing_input(api: TestClient, clock: Any) -> None:
    """Missing and invalid fields come back as field errors (422) that never repeat the email."""
    response = post(api, clock, author=None, email="ann.private@@example.com", content=" ")
    assert response.status_code == 422
    assert {error["field"]: error["code"] for error in response.json()["errors"]} == {
        "author": "required",
        "email": "invalid_email",
        "content": "required",
    }
    assert "ann.private" not in response.text
    assert api.get(COMMENTS).json() == []


def test_api_type_errors_do_not_echo_input(api: TestClient, clock: Any) -> None:
    """A request FastAPI itself refuses (an email that is not a string) is answered without the input."""
    response = post(api, clock, email=[EMAIL], nickname="extra")
    assert response.status_code == 422
    assert {tuple(error["loc"]) for error in response.json()["detail"]} == {("body", "email"), ("body", "nickname")}
    assert EMAIL not in response.text


def test_api_holds_spam_without_saying_so(api: TestClient, clock: Any) -> None:
    """Spam is accepted for moderation: the poster is told it awaits moderation, as a person would be."""
    response = post(api, clock, content=SPAM)
    assert response.status_code == 201
    assert response.json()["published"] is False
    assert response.json()["message"] == AWAITING_MODERATION
    assert api.get(COMMENTS).json() == []


def test_api_refuses_a_missing_token(api: TestClient, clock: Any) -> None:
    """A post without the signed form token is not published."""
    response = post(api, clock, form_token=None)
    assert response.json()["published"] is False


def _schemas_under(node: Any, schemas: dict[str, Any], seen: set[str]) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.rsplit("/", 1)[-1] not in seen:
            name = reference.rsplit("/", 1)[-1]
            seen.add(name)
            yield schemas[name]
            yield from _schemas_under(schemas[name], schemas, seen)
        for value in node.values():
            yield from _schemas_under(value, schemas, seen)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas_under(value, schemas, seen)


def test_openapi_schema_has_a_write_only_email(api: TestClient) -> None:
    """The request schema accepts a write-only email; no response schema has a field for one."""
    document = api.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    email = schemas["CommentIn"]["properties"]["email"]
    assert email["writeOnly"] is True
    assert {"type": "string", "format": "email"} in email["anyOf"]
    responses = [operation["responses"] for methods in document["paths"].values() for operation in methods.values()]
    reachable = list(_schemas_under(responses, schemas, set()))
    assert {"CommentOut", "PublicComment", "QueuedComment"} <= {schema["title"] for schema in reachable}
    assert all("email" not in schema.get("properties", {}) for schema in reachable)


def test_moderation_api_needs_the_admin_token(api: TestClient, clock: Any) -> None:
    """The queue and verdicts answer 401 without the bearer token, and work with it."""
    comment_id = post(api, clock, content=SPAM).json()["id"]
    assert api.get("/api/moderation/queue").status_code == 401
    wrong = {"Authorization": "Bearer not-the-admin-token"}
    assert api.get("/api/moderation/queue", headers=wrong).status_code == 401
    assert api.post(f"/api/moderation/comments/{comment_id}", json={"verdict": "approve"}).status_code == 401
    queue = api.get("/api/moderation/queue", headers=AUTH).json()
    assert [item["id"] for item in queue] == [comment_id]
    assert queue[0]["spam"] > 0.5
    assert queue[0]["reasons"][0]["code"] == "spam_score"
    reviewed = api.post(f"/api/moderation/comments/{comment_id}", json={"verdict": "approve"}, headers=AUTH)
    assert reviewed.status_code == 200
    assert reviewed.json()["status"] == "approve"
    assert [comment["content"] for comment in api.get(COMMENTS).json()] == [SPAM]
    assert api.get("/api/moderation/queue", headers=AUTH).json() == []


class LoopSpy:
    """A model that records, for every text it scores, whether it ran on an event loop's thread."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.on_event_loop: list[bool] = []

    @property
    def risks(self) -> tuple[str, ...]:
        return tuple(self._model.risks)

    def score(self, texts: Iterable[str], *, explain: bool = False) -> list[RiskScores]:
        return [self.score_one(text, explain=explain) for text in texts]

    def score_one(self, text: str, *, explain: bool = False) -> RiskScores:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.on_event_loop.append(False)
        else:
            self.on_event_loop.append(True)
        return self._model.score_one(text, explain=explain)


def test_moderation_runs_off_the_event_loop(settings: Settings, clock: Any, tiny_model: Any) -> None:
    """Both the form handler and the API moderate in a worker thread, never on the event loop."""
    spy = LoopSpy(tiny_model)
    with SQLiteHistory(settings.database) as history:
        guard = CommentGuard(
            spy, identity_key=IdentityKey(settings.secret_key), policy=SITE_POLICY, history=history, clock=clock
        )
        api = TestClient(create_app(settings, guard=guard), follow_redirects=False)
        assert post(api, clock).status_code == 201
        page = api.get(f"/articles/{ARTICLE.slug}").text
        token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        clock.advance(60)
        form = VALID | {"form_token": token, "comment": "A second, different comment."}
        assert api.post(f"/articles/{ARTICLE.slug}/comments", data=form).status_code == 303
    assert spy.on_event_loop == [False, False]
