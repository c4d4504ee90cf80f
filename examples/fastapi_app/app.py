"""comment_guard in a FastAPI app: the article and moderation pages, and a JSON API.

Run it from the repository root, then open http://127.0.0.1:8000/ (the API: /docs)::

    pip install -e ".[fastapi]" && python -m examples.fastapi_app.app

(or ``uvicorn --factory examples.fastapi_app.app:create_app``). Configuration comes from
``COMMENT_GUARD_SECRET_KEY``, ``COMMENT_GUARD_ADMIN_TOKEN`` and ``COMMENT_GUARD_DATABASE``
(``COMMENT_GUARD_MODEL`` names another model directory); without them the app runs with demo
values and says so on stderr, including the admin token. ``HOST`` and ``PORT`` choose where
it listens.

Moderation scores text and writes SQLite, so it never runs on the event loop: the two
handlers that moderate parse the request asynchronously, then ``await run_in_threadpool``;
every other handler that touches the guard or the database is a plain ``def``, which FastAPI
runs in its thread pool. In the API the email address is write-only: ``CommentIn`` accepts
it, and no response model has a field that could hold it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from starlette.concurrency import run_in_threadpool

from comment_guard import CommentGuard, Decision, ModerationResult, PublicComment
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

# The same Jinja templates as the Flask example; the header also links the JSON API docs here.
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "jinja_templates")
TEMPLATES.env.globals["api_docs"] = True
BEARER = HTTPBearer(auto_error=False, description="The admin token.")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _write_only_email(schema: dict[str, Any]) -> None:
    """Describe ``email`` as OpenAPI's write-only email string (pydantic calls a secret a password)."""
    schema.pop("anyOf", None)
    schema.update(
        anyOf=[{"type": "string", "format": "email"}, {"type": "null"}],
        writeOnly=True,
        description="The commenter's email address: required, never published, never returned.",
    )


class CommentIn(BaseModel):
    """A comment posted to the API. ``email`` is write-only; ``form_token`` and the honeypot
    name come from ``GET /api/posts/{post_id}/form``."""

    model_config = ConfigDict(extra="forbid")

    author: str | None = Field(default=None, examples=["Ann Example"])
    email: SecretStr | None = Field(default=None, json_schema_extra=_write_only_email)
    url: str | None = None
    content: str | None = Field(default=None, examples=["How long did the benefit last in the trial?"])
    form_token: str | None = None
    honeypot: str | None = Field(default=None, description="The hidden honeypot field's value: people leave it empty.")


class FormOut(BaseModel):
    """What an API client renders into its comment form of one post."""

    post_id: str
    form_token: str
    honeypot_field: str


class FieldErrorOut(BaseModel):
    """One problem with one field of a comment."""

    field: str
    code: str
    message: str


class CommentOut(BaseModel):
    """The outcome of posting a comment: published, awaiting moderation, or field errors."""

    id: int | None = None
    published: bool = False
    message: str
    comment: PublicComment | None = None
    errors: list[FieldErrorOut] = []


class ReasonOut(BaseModel):
    """Why the guard decided as it did."""

    code: str
    message: str
    detail: str = ""


class QueuedComment(BaseModel):
    """A comment awaiting a moderator, with its risk scores (probabilities in [0, 1]) and reasons."""

    id: int
    status: str
    decision: Decision
    spam: float | None
    misinformation: float | None
    reasons: list[ReasonOut]
    comment: PublicComment


class VerdictIn(BaseModel):
    """A moderator's verdict on a comment."""

    verdict: Literal["approve", "spam", "misinformation"]


def create_app(settings: Settings | None = None, *, guard: CommentGuard | None = None) -> FastAPI:
    """The FastAPI app; ``guard`` replaces the one built from ``settings`` (tests pass a small model)."""
    settings = settings or Settings.from_env()
    site_guard = guard or build_guard(settings)
    store = CommentStore(settings.database)
    keys = SiteKeys(settings)
    app = FastAPI(title="comment_guard example blog", summary="Moderated comments on a health blog.")

    def find_article(slug: str) -> Article:
        if slug not in ARTICLES:
            raise HTTPException(404, "No such article.")
        return ARTICLES[slug]

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        # A page showing what a commenter typed (their email address too) is theirs alone: never cache it.
        headers = SECURITY_HEADERS | ({"Cache-Control": "no-store"} if context.get("form") else {})
        return TEMPLATES.TemplateResponse(request, name, context, status_code=status, headers=headers)

    def article_page(request: Request, article: Article, status: int = 200, **context: Any) -> Response:
        fields = site_guard.form_fields(article.slug)
        context = {"errors": {}, "general": [], "preview": None, "token": fields.token} | context
        context |= {"article": article, "comments": store.published(article.slug), "honeypot": fields.honeypot_field}
        context.setdefault("form", {})
        return page(request, "article.html", context | {"awaiting_moderation": AWAITING_MODERATION}, status)

    def moderate_and_store(data: dict[str, Any]) -> tuple[ModerationResult, StoredComment | None]:
        result = site_guard.moderate(data)
        return result, None if result.decision is Decision.REJECT else store.add(result)

    def client_data(request: Request, form: Any, slug: str, honeypot_field: str) -> dict[str, Any]:
        return comment_data(
            form,
            post_id=slug,
            honeypot_field=honeypot_field,
            ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            referrer=request.headers.get("referer"),
            submitted_at=site_guard.clock(),
        )

    def require_moderator(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        if credentials is None or not keys.check_admin_token(credentials.credentials):
            raise HTTPException(401, "The admin token is missing or wrong.", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer repeats the rejected input, which may be an email address.
        detail = [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse(f"/articles/{ARTICLE.slug}", 303)

    @app.get("/articles/{slug}", include_in_schema=False)
    def article(request: Request, slug: str, unapproved: int | None = None) -> Response:
        article = find_article(slug)
        preview = None
        # Only the commenter has the link with the right hash (as in WordPress).
        if unapproved is not None and keys.check_preview(unapproved, request.query_params.get("moderation-hash")):
            preview = store.get(unapproved)
        if preview is not None and (preview.published or preview.public.post_id != slug):
            preview = None
        return article_page(request, article, preview=preview)

    @app.post("/articles/{slug}/comments", include_in_schema=False)
    async def post_comment(request: Request, slug: str) -> Response:
        article = find_article(slug)
        fields = site_guard.form_fields(slug)
        data = client_data(request, await request.form(), slug, fields.honeypot_field)
        result, stored = await run_in_threadpool(moderate_and_store, data)
        if stored is None:
            errors, general = field_messages(result)
            # Keep what was typed, and the original token: its render time is when the commenter started.
            token = data.get("form_token") or fields.token
            context = {"form": data, "errors": errors, "general": general, "token": token}
            return await run_in_threadpool(article_page, request, article, 422, **context)
        if stored.published:
            return RedirectResponse(f"/articles/{slug}#comment-{stored.id}", 303)
        # Held and spam alike: the commenter sees a preview awaiting moderation, so a bot learns nothing.
        preview = f"unapproved={stored.id}&moderation-hash={keys.preview(stored.id)}"
        return RedirectResponse(f"/articles/{slug}?{preview}#comment-{stored.id}", 303)

    @app.get("/moderation", include_in_schema=False)
    def moderation(request: Request) -> Response:
        if not keys.check_session(request.cookies.get(keys.cookie_name)):
            return page(request, "login.html", {"failed": False}, 401)
        return page(request, "moderation.html", {"queue": store.queue(), "csrf": keys.csrf, "score": _score})

    @app.post("/moderation/login", include_in_schema=False)
    def login(request: Request, token: Annotated[str, Form()] = "") -> Response:
        if not keys.check_admin_token(token):
            return page(request, "login.html", {"failed": True}, 401)
        response = RedirectResponse("/moderation", 303)
        secure = request.url.scheme == "https"
        response.set_cookie(
            keys.cookie_name, keys.session, path=keys.cookie_path, httponly=True, samesite="strict", secure=secure
        )
        return response

    @app.post("/moderation/logout", include_in_schema=False)
    def logout() -> RedirectResponse:
        response = RedirectResponse("/moderation", 303)
        response.delete_cookie(keys.cookie_name, path=keys.cookie_path)
        return response

    @app.post("/moderation/comments/{comment_id}", include_in_schema=False)
    def review(
        request: Request, comment_id: int, verdict: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
    ) -> RedirectResponse:
        if not keys.check_session(request.cookies.get(keys.cookie_name)) or not keys.check_csrf(csrf):
            raise HTTPException(403, "Log in to the moderation queue first.")
        give_verdict(comment_id, verdict)
        return RedirectResponse("/moderation", 303)

    def give_verdict(comment_id: int, verdict: str) -> StoredComment:
        stored = store.get(comment_id)
        if stored is None:
            raise HTTPException(404, "No such comment.")
        try:
            record = site_guard.feedback(stored.result, verdict)
        except FeedbackError as exc:
            raise HTTPException(400, str(exc)) from exc
        store.review(comment_id, record.verdict)
        return store.get(comment_id) or stored

    @app.get("/api/posts/{slug}/form", tags=["comments"])
    def api_form(slug: str) -> FormOut:
        """A signed form token and the honeypot field's name, for a client-rendered comment form."""
        fields = site_guard.form_fields(find_article(slug).slug)
        return FormOut(post_id=slug, form_token=fields.token, honeypot_field=fields.honeypot_field)

    @app.get("/api/posts/{slug}/comments", tags=["comments"])
    def api_comments(slug: str) -> list[PublicComment]:
        """The published comments of a post, oldest first."""
        return [stored.public for stored in store.published(find_article(slug).slug)]

    @app.post(
        "/api/posts/{slug}/comments",
        tags=["comments"],
        status_code=201,
        response_model=CommentOut,
        responses={422: {"model": CommentOut, "description": "The comment has field errors."}},
    )
    async def api_post_comment(request: Request, slug: str, comment: CommentIn) -> CommentOut | JSONResponse:
        """Post a comment: it is published, or awaits moderation, or has field errors (422)."""
        find_article(slug)
        form = comment.model_dump(exclude={"email", "content"}) | {"comment": comment.content}
        form["email"] = comment.email.get_secret_value() if comment.email is not None else None
        data = client_data(request, {key: value for key, value in form.items() if value is not None}, slug, "honeypot")
        result, stored = await run_in_threadpool(moderate_and_store, data)
        if stored is None:
            errors = [FieldErrorOut(field=e.field, code=e.code, message=e.message) for e in result.errors]
            rejected = CommentOut(message="Please correct the errors.", errors=errors)
            return JSONResponse(rejected.model_dump(mode="json"), status_code=422)
        message = "Your comment is published." if stored.published else AWAITING_MODERATION
        return CommentOut(id=stored.id, published=stored.published, message=message, comment=stored.public)

    @app.get("/api/moderation/queue", tags=["moderation"], dependencies=[Depends(require_moderator)])
    def api_queue() -> list[QueuedComment]:
        """Held and spam comments no moderator has reviewed yet, oldest first."""
        return [_queued(stored) for stored in store.queue()]

    @app.post("/api/moderation/comments/{comment_id}", tags=["moderation"], dependencies=[Depends(require_moderator)])
    def api_review(comment_id: int, verdict: VerdictIn) -> QueuedComment:
        """Give a verdict: ``approve`` publishes the comment and trusts its author."""
        return _queued(give_verdict(comment_id, verdict.verdict))

    return app


def _queued(stored: StoredComment) -> QueuedComment:
    result = stored.result
    return QueuedComment(
        id=stored.id,
        status=stored.status,
        decision=result.decision,
        spam=result.scores.spam if result.scores else None,
        misinformation=result.scores.misinformation if result.scores else None,
        reasons=[ReasonOut(code=r.code, message=r.message, detail=r.detail) for r in result.reasons],
        comment=stored.public,
    )


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main() -> None:
    """Serve the example with uvicorn."""
    import uvicorn

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    app = create_app()
    print(f"Serving http://{host}:{port}/ (moderation queue: /moderation, API: /docs)")
    uvicorn.run(app, host=host, port=port)


if __name__ == "__main__":
    main()
