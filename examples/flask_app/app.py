"""comment_guard in a Flask app: an article with a moderated comment form, and a moderation queue.

Run it from the repository root, then open http://127.0.0.1:5000/::

    pip install -e ".[flask]" && python -m examples.flask_app.app

Configuration comes from ``COMMENT_GUARD_SECRET_KEY``, ``COMMENT_GUARD_ADMIN_TOKEN`` and
``COMMENT_GUARD_DATABASE`` (``COMMENT_GUARD_MODEL`` names another model directory); without
them the app runs with demo values and says so on stderr, including the token that opens
http://127.0.0.1:5000/moderation. ``HOST`` and ``PORT`` choose where it listens.

The three calls to comment_guard are ``guard.form_fields`` (render the signed token and the
honeypot), ``guard.moderate`` (decide on a posted comment) and ``guard.feedback`` (record a
moderator's verdict). After a successful post the browser is redirected (post/redirect/get),
so the email address the commenter typed only ever appears in the response to their own
post when it has errors, which is marked ``Cache-Control: no-store``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from comment_guard import CommentGuard, Decision
from comment_guard.errors import FeedbackError
from examples.blog_common import (
    ARTICLE,
    ARTICLES,
    AWAITING_MODERATION,
    Article,
    CommentStore,
    Settings,
    SiteKeys,
    build_guard,
    comment_data,
    field_messages,
)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(settings: Settings | None = None, *, guard: CommentGuard | None = None) -> Flask:
    """The Flask app; ``guard`` replaces the one built from ``settings`` (tests pass a small model)."""
    settings = settings or Settings.from_env()
    guard = guard or build_guard(settings)
    store = CommentStore(settings.database)
    keys = SiteKeys(settings)
    # Flask and FastAPI render the same Jinja templates, kept once in examples/jinja_templates.
    app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent.parent / "jinja_templates"))

    def find_article(slug: str) -> Article:
        article = ARTICLES.get(slug)
        if article is None:
            abort(404)
        return article

    def render_article(article: Article, **context: Any) -> str:
        fields = guard.form_fields(article.slug)
        context = {"form": {}, "errors": {}, "general": [], "preview": None, "token": fields.token} | context
        return render_template(
            "article.html",
            article=article,
            comments=store.published(article.slug),
            honeypot=fields.honeypot_field,
            awaiting_moderation=AWAITING_MODERATION,
            **context,
        )

    def is_moderator() -> bool:
        return keys.check_session(request.cookies.get(keys.cookie_name))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("article", slug=ARTICLE.slug))

    @app.get("/articles/<slug>")
    def article(slug: str) -> str:
        article = find_article(slug)
        preview = None
        comment_id = request.args.get("unapproved", type=int)
        # Only the commenter has the link with the right hash (as in WordPress).
        if comment_id is not None and keys.check_preview(comment_id, request.args.get("moderation-hash")):
            preview = store.get(comment_id)
        if preview is not None and (preview.published or preview.public.post_id != article.slug):
            preview = None
        return render_article(article, preview=preview)

    @app.post("/articles/<slug>/comments")
    def post_comment(slug: str) -> Response | tuple[str, int, dict[str, str]]:
        article = find_article(slug)
        fields = guard.form_fields(article.slug)
        data = comment_data(
            request.form,
            post_id=article.slug,
            honeypot_field=fields.honeypot_field,
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
            referrer=request.referrer,
            submitted_at=guard.clock(),
        )
        result = guard.moderate(data)
        if result.decision is Decision.REJECT:
            errors, general = field_messages(result)
            # Keep what was typed, and the original token: its render time is when the commenter started.
            page = render_article(
                article, form=data, errors=errors, general=general, token=data.get("form_token") or fields.token
            )
            return page, 422, {"Cache-Control": "no-store"}
        stored = store.add(result)
        if stored.published:
            return redirect(url_for("article", slug=slug, _anchor=f"comment-{stored.id}"), 303)
        # Held and spam alike: the commenter sees a preview awaiting moderation, so a bot learns nothing.
        preview: dict[str, Any] = {"unapproved": stored.id, "moderation-hash": keys.preview(stored.id)}
        return redirect(url_for("article", slug=slug, **preview, _anchor=f"comment-{stored.id}"), 303)

    @app.get("/moderation")
    def moderation() -> str | tuple[str, int]:
        if not is_moderator():
            return render_template("login.html", failed=False), 401
        return render_template("moderation.html", queue=store.queue(), csrf=keys.csrf, score=_score)

    @app.post("/moderation/login")
    def login() -> Response | tuple[str, int]:
        if not keys.check_admin_token(request.form.get("token")):
            return render_template("login.html", failed=True), 401
        response = redirect(url_for("moderation"), 303)
        response.set_cookie(
            keys.cookie_name,
            keys.session,
            path=keys.cookie_path,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
        )
        return response

    @app.post("/moderation/logout")
    def logout() -> Response:
        response = redirect(url_for("moderation"), 303)
        response.delete_cookie(keys.cookie_name, path=keys.cookie_path)
        return response

    @app.post("/moderation/comments/<int:comment_id>")
    def review(comment_id: int) -> Response:
        if not is_moderator() or not keys.check_csrf(request.form.get("csrf")):
            abort(403)
        stored = store.get(comment_id)
        if stored is None:
            abort(404)
        try:
            record = guard.feedback(stored.result, request.form.get("verdict", ""))
        except FeedbackError:
            abort(400)
        store.review(comment_id, record.verdict)
        return redirect(url_for("moderation"), 303)

    return app


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main() -> None:
    """Serve the example with Flask's development server."""
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    print(f"Serving http://{host}:{port}/ (moderation queue: http://{host}:{port}/moderation)")
    app.run(host=host, port=port)


if __name__ == "__main__":
    main()
