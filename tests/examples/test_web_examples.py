"""The Flask, FastAPI and Django examples behave alike: each test runs against all three test clients."""

from __future__ import annotations

import json
import re

import pytest
from examples.blog_common import ARTICLE, AWAITING_MODERATION
from web_clients import (
    ADMIN_TOKEN,
    ARTICLE_PATH,
    EMAIL,
    MISINFORMATION,
    POST_PATH,
    SPAM,
    VALID,
    Page,
    Site,
    hidden_fields,
)

_COMMENT_ID = re.compile(r"#comment-(\d+)$")
_PREVIEW_ID = re.compile(r"unapproved=(\d+)")


def published_id(page: Page) -> int:
    """The id in the redirect to a published comment (the fragment is in the raw Location header)."""
    match = _COMMENT_ID.search(page.headers.get("location", ""))
    assert match is not None, f"expected a redirect to a published comment, got {page.status} {page.location!r}"
    return int(match.group(1))


def held_id(page: Page) -> int:
    """The id in the redirect to the preview of a comment awaiting moderation."""
    match = _PREVIEW_ID.search(page.location)
    assert match is not None, f"expected a redirect to a held comment's preview, got {page.status} {page.location!r}"
    return int(match.group(1))


def test_article_page_renders_the_comment_form(site: Site) -> None:
    """The article shows the health blog's form with the signed token and the hidden honeypot."""
    html = site.article()
    assert ARTICLE.title in html
    for text in ("Your email address will not be published", "Required fields are marked", "Website"):
        assert text in html
    for label in ("Name", "Email", "Comment"):
        assert re.search(rf'<label for="\w+">{label} <span class="required">\*</span></label>', html)
    hidden = hidden_fields(html)
    assert hidden["form_token"].startswith("v1.")
    assert 'class="cg-hp"' in html


def test_valid_comment_is_published_without_the_email(site: Site) -> None:
    """A legitimate comment is published via PublicComment.to_html and its email is nowhere, not even on disk."""
    page = site.post_comment(post_id="another-post", ip="198.51.100.9", submit="Post Comment")
    assert page.status == 303
    comment_id = published_id(page)
    html = site.article()
    assert f'id="comment-{comment_id}"' in html
    assert "Ann Example" in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "I want to read more." in html
    assert EMAIL not in html
    assert site.files_contain("Ann Example")  # the check reads what was stored...
    assert not site.files_contain(EMAIL)  # ...and the email address was not


def test_missing_fields_show_their_messages_next_to_the_fields(site: Site) -> None:
    """Each missing required field gets its own message beside it, and nothing is stored."""
    page = site.post_comment(author="", email="", comment="")
    assert page.status == 422
    for field, message in (
        ("author", "Please enter your name."),
        ("email", "Please enter your email address."),
        ("comment", "Please type your comment text."),
    ):
        assert re.search(rf'id="{field}-error">{re.escape(message)}<', page.text), field
    assert 'id="url-error"' not in page.text
    assert "0 comments" in site.article()


def test_rejected_form_keeps_what_was_typed_for_its_author_only(site: Site) -> None:
    """The form comes back filled in (the email too, in an uncacheable response) and can then be completed."""
    page = site.post_comment(author="", email="not an email")
    assert page.status == 422
    assert "Please enter your name." in page.text
    assert "Please enter a valid email address." in page.text
    assert VALID["comment"] in page.text
    assert 'value="not an email"' in page.text
    assert "no-store" in page.headers["cache-control"]
    token = hidden_fields(page.text)
    site.clock.advance(30)
    fixed = site.client.post(POST_PATH, {**VALID, **token})
    assert fixed.status == 303
    published_id(fixed)


@pytest.mark.parametrize("text", [SPAM, MISINFORMATION], ids=["spam", "misinformation"])
def test_risky_comment_awaits_moderation(site: Site, text: str) -> None:
    """Spam and misinformation are not published; their author sees a preview awaiting moderation."""
    page = site.post_comment(comment=text)
    assert page.status == 303
    comment_id = held_id(page)
    preview = site.client.get(page.location)
    assert AWAITING_MODERATION in preview.text
    assert f'id="comment-{comment_id}"' in preview.text
    assert EMAIL not in preview.text
    assert text.split(",")[0] not in site.article()


def test_preview_needs_the_right_hash(site: Site) -> None:
    """Another visitor cannot see a held comment by guessing its id."""
    comment_id = held_id(site.post_comment(comment=SPAM))
    page = site.client.get(f"{ARTICLE_PATH}?unapproved={comment_id}&moderation-hash=0000")
    assert AWAITING_MODERATION not in page.text
    assert "viagra" not in page.text


@pytest.mark.parametrize(
    ("fields", "wait", "reason"),
    [
        ({"honeypot": "https://bot.example"}, 60, "honeypot"),
        ({}, 3 * 24 * 3600, "token_expired"),
        ({"form_token": "v1.1741944600.AAAAAAAAAAAAAAAA." + "0" * 64}, 60, "token_invalid"),
        ({"form_token": None}, 60, "token_invalid"),
        ({}, 1, "too_fast"),
    ],
    ids=["honeypot", "stale-token", "forged-token", "missing-token", "too-fast"],
)
def test_bot_submissions_are_refused(site: Site, fields: dict[str, str | None], wait: float, reason: str) -> None:
    """A filled honeypot, a stale, forged or missing token, or a form posted at once is not published."""
    page = site.post_comment(wait=wait, **fields)
    held_id(page)
    assert "I want to read more." not in site.article()
    assert site.log_in(ADMIN_TOKEN).status == 303
    queue = site.client.get("/moderation").text
    assert f"<code>{reason}</code>" in queue


def test_replayed_token_is_refused(site: Site) -> None:
    """A form token works once: posting it again is spam, even with other text."""
    hidden = hidden_fields(site.article())
    site.clock.advance(60)
    published_id(site.client.post(POST_PATH, {**VALID, **hidden}))
    site.clock.advance(60)
    replay = site.client.post(POST_PATH, {**VALID, **hidden, "comment": "A different comment on the same form."})
    held_id(replay)
    assert "A different comment" not in site.article()


def test_moderation_queue_refuses_without_the_admin_token(site: Site) -> None:
    """The queue shows a login form, a wrong token is refused, and verdicts cannot be forced."""
    comment_id = held_id(site.post_comment(comment=SPAM))
    page = site.client.get("/moderation")
    assert page.status == 401
    assert "viagra" not in page.text
    assert site.log_in("wrong-token-of-enough-length").status == 401
    assert site.client.get("/moderation").status == 401
    assert site.client.post(f"/moderation/comments/{comment_id}", {"verdict": "approve"}).status == 403
    assert "viagra" not in site.article()


def test_moderator_sees_scores_and_reasons_and_approves(site: Site) -> None:
    """Approving a held comment publishes it, empties the queue and logs a labelled record."""
    comment_id = held_id(site.post_comment(comment=MISINFORMATION))
    assert site.log_in(ADMIN_TOKEN).status == 303
    queue = site.client.get("/moderation")
    assert queue.status == 200
    assert "<code>misinformation_score</code>" in queue.text
    assert re.search(r"misinformation risk (?:0|1)\.\d\d", queue.text)
    assert EMAIL not in queue.text
    assert site.review(comment_id, "approve").status == 303
    assert f'id="comment-{comment_id}"' in site.article()
    assert "Nothing awaits moderation." in site.client.get("/moderation").text
    records = [json.loads(line) for line in site.settings.feedback_log.read_text().splitlines()]
    assert [(record["verdict"], record["spam"], record["misinformation"]) for record in records] == [
        ("approve", "ham", "reliable")
    ]
    assert not site.files_contain(EMAIL)


def test_moderator_confirms_spam(site: Site) -> None:
    """A spam verdict keeps the comment unpublished and takes it out of the queue."""
    comment_id = held_id(site.post_comment(comment=SPAM))
    site.log_in(ADMIN_TOKEN)
    assert site.review(comment_id, "spam").status == 303
    assert "viagra" not in site.article()
    assert "Nothing awaits moderation." in site.client.get("/moderation").text


def test_unknown_verdict_is_refused(site: Site) -> None:
    """A verdict other than approve, spam or misinformation changes nothing."""
    comment_id = held_id(site.post_comment(comment=SPAM))
    site.log_in(ADMIN_TOKEN)
    assert site.review(comment_id, "delete").status == 400
    assert site.review(comment_id + 100, "approve").status == 404
    assert f'id="queued-{comment_id}"' in site.client.get("/moderation").text


@pytest.mark.parametrize("site", ["flask", "fastapi"], indirect=True)
def test_verdict_needs_the_csrf_value(site: Site) -> None:
    """A logged-in moderator's browser cannot be made to post a verdict from another page."""
    comment_id = held_id(site.post_comment(comment=SPAM))
    site.log_in(ADMIN_TOKEN)
    page = site.client.post(f"/moderation/comments/{comment_id}", {"verdict": "approve", "csrf": "forged"})
    assert page.status == 403
    assert "viagra" not in site.article()


def test_logging_out_closes_the_queue(site: Site) -> None:
    """After logging out the queue asks for the token again."""
    site.log_in(ADMIN_TOKEN)
    assert site.client.post("/moderation/logout", {}).status == 303
    assert site.client.get("/moderation").status == 401


def test_restart_keeps_comments_queue_and_history(site: Site) -> None:
    """A new app on the same database shows the comments and the queue, and still knows used tokens."""
    hidden = hidden_fields(site.article())
    site.clock.advance(60)
    approved = published_id(site.client.post(POST_PATH, {**VALID, **hidden}))
    held = held_id(site.post_comment(comment=MISINFORMATION))
    site.restart()
    assert f'id="comment-{approved}"' in site.article()
    site.log_in(ADMIN_TOKEN)
    assert f'id="queued-{held}"' in site.client.get("/moderation").text
    site.clock.advance(60)
    replay = site.client.post(POST_PATH, {**VALID, **hidden, "comment": "Posted again with a used form."})
    held_id(replay)
    assert site.review(held, "approve").status == 303
    assert f'id="comment-{held}"' in site.article()


def test_unknown_article_is_not_found(site: Site) -> None:
    """Only the blog's article has a page and a form."""
    assert site.client.get("/articles/no-such-post").status == 404
    assert site.client.post("/articles/no-such-post/comments", VALID).status == 404


def test_front_page_leads_to_the_article(site: Site) -> None:
    """The site's root redirects to the article."""
    page = site.client.get("/")
    assert page.status in {302, 303}
    assert page.location == ARTICLE_PATH
