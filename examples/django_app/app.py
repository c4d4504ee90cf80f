"""comment_guard in a single-file Django app: an article with a moderated comment form, and a moderation queue.

Run it from the repository root, then open http://127.0.0.1:8000/::

    pip install -e ".[django]" && python -m examples.django_app.app

Any other ``manage.py`` command line works too (``python -m examples.django_app.app runserver
0.0.0.0:8000``). Configuration comes from ``COMMENT_GUARD_SECRET_KEY``,
``COMMENT_GUARD_ADMIN_TOKEN`` and ``COMMENT_GUARD_DATABASE`` (``COMMENT_GUARD_MODEL`` names
another model directory; ``DJANGO_ALLOWED_HOSTS`` is a comma-separated list); without them
the app runs with demo values and says so on stderr, including the admin token.

In a Django project, put the views in an app's ``views.py``, the guard in a module-level
object built once (:func:`create_app` shows how), and the comments in a model if you
prefer the ORM: what matters is that the store keeps ``result.public`` and
``result.commenter``, never the submitted form.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import execute_from_command_line
from django.core.wsgi import get_wsgi_application
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from comment_guard import CommentGuard, Decision, IdentityKey
from comment_guard.errors import FeedbackError
from examples.blog_common import (
    ARTICLE,
    ARTICLES,
    AWAITING_MODERATION,
    Article,
    CommentStore,
    Settings,
    SiteKeys,
    StoredComment,
    build_guard,
    comment_data,
    field_messages,
)

#: The form's fields as the template renders them: name, label, input type, autocomplete, maximum length.
FIELDS = (
    ("author", "Name", "text", "name", 245),
    ("email", "Email", "email", "email", 100),
    ("url", "Website", "url", "url", 200),
    ("comment", "Comment", "textarea", "off", 65525),
)


@dataclass(frozen=True)
class Site:
    """What the views share: the guard, the comment store and the site's keys."""

    guard: CommentGuard
    store: CommentStore
    keys: SiteKeys


_sites: list[Site] = []  # the one site this process serves, set by create_app()


def create_app(settings: Settings | None = None, *, guard: CommentGuard | None = None) -> WSGIHandler:
    """Configure Django (once per process) and this site; ``guard`` replaces the one built from ``settings``."""
    settings = settings or Settings.from_env()
    if not django_settings.configured:
        django_settings.configure(
            DEBUG=False,
            SECRET_KEY=IdentityKey(settings.secret_key).digest("django-secret-key", "v1"),
            ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(","),
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[
                "django.middleware.security.SecurityMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.middleware.clickjacking.XFrameOptionsMiddleware",
            ],
            TEMPLATES=[
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "DIRS": [Path(__file__).parent / "templates"],
                }
            ],
            USE_TZ=True,
        )
        django.setup()
    _sites[:] = [Site(guard or build_guard(settings), CommentStore(settings.database), SiteKeys(settings))]
    return get_wsgi_application()


def _site() -> Site:
    if not _sites:
        raise ImproperlyConfigured("Call create_app() before serving requests.")
    return _sites[0]


def _find(slug: str) -> Article:
    if slug not in ARTICLES:
        raise Http404("No such article.")
    return ARTICLES[slug]


def _see_other(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _article_page(request: HttpRequest, article: Article, *, status: int = 200, **context: Any) -> HttpResponse:
    site = _site()
    form_fields = site.guard.form_fields(article.slug)
    form, errors = context.pop("form", {}), context.pop("errors", {})
    fields = [
        {
            "name": name,
            "label": label,
            "type": kind,
            "autocomplete": autocomplete,
            "maxlength": maxlength,
            "required": name != "url",
            "describedby": "email-notes" if name == "email" else "",
            "value": form.get(name, ""),
            "error": errors.get(name),
        }
        for name, label, kind, autocomplete, maxlength in FIELDS
    ]
    context = {"general": [], "preview": None, "token": form_fields.token} | context
    context |= {"article": article, "fields": fields, "honeypot": form_fields.honeypot_field}
    context |= {"comments": site.store.published(article.slug), "awaiting_moderation": AWAITING_MODERATION}
    return render(request, "article.html", context, status=status)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _see_other(reverse("article", args=[ARTICLE.slug]))


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    site, found = _site(), _find(slug)
    preview: StoredComment | None = None
    comment_id = request.GET.get("unapproved", "")
    # Only the commenter has the link with the right hash (as in WordPress).
    if comment_id.isdigit() and site.keys.check_preview(int(comment_id), request.GET.get("moderation-hash")):
        preview = site.store.get(int(comment_id))
    if preview is not None and (preview.published or preview.public.post_id != slug):
        preview = None
    return _article_page(request, found, preview=preview)


@require_POST
def post_comment(request: HttpRequest, slug: str) -> HttpResponse:
    site, found = _site(), _find(slug)
    fields = site.guard.form_fields(slug)
    data = comment_data(
        request.POST,
        post_id=slug,
        honeypot_field=fields.honeypot_field,
        ip=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("user-agent"),
        referrer=request.headers.get("referer"),
        submitted_at=site.guard.clock(),
    )
    result = site.guard.moderate(data)
    if result.decision is Decision.REJECT:
        errors, general = field_messages(result)
        # Keep what was typed, and the original token: its render time is when the commenter started.
        token = data.get("form_token") or fields.token
        response = _article_page(request, found, status=422, form=data, errors=errors, general=general, token=token)
        patch_cache_control(response, no_store=True)  # it shows the commenter's email address: theirs alone
        return response
    stored = site.store.add(result)
    url = reverse("article", args=[slug])
    if stored.published:
        return _see_other(f"{url}#comment-{stored.id}")
    # Held and spam alike: the commenter sees a preview awaiting moderation, so a bot learns nothing.
    return _see_other(
        f"{url}?unapproved={stored.id}&moderation-hash={site.keys.preview(stored.id)}#comment-{stored.id}"
    )


def _is_moderator(request: HttpRequest) -> bool:
    keys = _site().keys
    return keys.check_session(request.COOKIES.get(keys.cookie_name))


@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    if not _is_moderator(request):
        return render(request, "login.html", {"failed": False}, status=401)
    return render(request, "moderation.html", {"queue": _site().store.queue()})


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    keys = _site().keys
    if not keys.check_admin_token(request.POST.get("token")):
        return render(request, "login.html", {"failed": True}, status=401)
    response = _see_other(reverse("moderation"))
    response.set_cookie(
        keys.cookie_name,
        keys.session,
        path=keys.cookie_path,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure(),
    )
    return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = _see_other(reverse("moderation"))
    response.delete_cookie(_site().keys.cookie_name, path=_site().keys.cookie_path)
    return response


@require_POST
def review(request: HttpRequest, comment_id: int) -> HttpResponse:
    # Django's CSRF middleware has already checked the form's csrf token.
    if not _is_moderator(request):
        return HttpResponseForbidden("Log in to the moderation queue first.")
    site = _site()
    stored = site.store.get(comment_id)
    if stored is None:
        raise Http404("No such comment.")
    try:
        record = site.guard.feedback(stored.result, request.POST.get("verdict", ""))
    except FeedbackError as exc:
        return HttpResponseBadRequest(str(exc))
    site.store.review(comment_id, record.verdict)
    return _see_other(reverse("moderation"))


urlpatterns = [
    path("", index),
    path("articles/<slug:slug>", article, name="article"),
    path("articles/<slug:slug>/comments", post_comment, name="post_comment"),
    path("moderation", moderation, name="moderation"),
    path("moderation/login", login, name="login"),
    path("moderation/logout", logout, name="logout"),
    path("moderation/comments/<int:comment_id>", review, name="review"),
]


def main(argv: list[str] | None = None) -> None:
    """Run a ``manage.py`` command line; by default, the development server on 127.0.0.1:8000."""
    argv = list(sys.argv if argv is None else argv)
    create_app()
    if len(argv) < 2:
        argv += ["runserver", "--noreload", "127.0.0.1:8000"]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
