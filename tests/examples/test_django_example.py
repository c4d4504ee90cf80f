"""What only the Django example does: its forms carry Django's CSRF token, which its middleware checks."""

from __future__ import annotations

import re
from typing import Any

from examples.blog_common import Settings
from examples.django_app.app import create_app
from web_clients import ADMIN_TOKEN, ARTICLE_PATH, POST_PATH, VALID, DjangoClient, hidden_fields

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_forms_need_django_csrf_token(settings: Settings, make_guard: Any, clock: Any) -> None:
    """A post without the CSRF token is refused; the token the page renders lets the comment through."""
    create_app(settings, guard=make_guard())
    client = DjangoClient(enforce_csrf_checks=True)
    page = client.get(ARTICLE_PATH).text
    form = VALID | hidden_fields(page)
    clock.advance(60)
    assert client.post(POST_PATH, form).status == 403
    assert client.post("/moderation/login", {"token": ADMIN_TOKEN}).status == 403
    csrf = _CSRF.search(page)
    assert csrf is not None
    response = client.post(POST_PATH, form | {"csrfmiddlewaretoken": csrf.group(1)})
    assert response.status == 303
    assert "#comment-" in response.headers["location"]
