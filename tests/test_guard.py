"""Tests for comment_guard.guard: the moderation pipeline end to end, with a stub and a tiny model."""

from __future__ import annotations

import json
import logging
import sys
import threading
import types
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comment_guard import CommentGuard, Policy
from comment_guard.errors import FeedbackError, InsecureKeyError
from comment_guard.history import InMemoryHistory, SQLiteHistory
from comment_guard.privacy import EMAIL_PLACEHOLDER
from comment_guard.results import RISKS, Contribution, Decision, ModerationResult, RiskScores, Verdict
from comment_guard.submission import CommentSubmission
from comment_guard.tokens import TOKEN_FIELD, FormFields
from comment_guard.training.examples import Example
from comment_guard.training.fit import FitOptions, fit_model

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
SECRET = bytes(range(32))
LEGITIMATE = "Thanks for the clear write-up; my doctor suggested the same approach for my knee."
DRUG_SPAM = "Buy cheap viagra and tramadol online, no prescription needed, discreet shipping, order now"
MISINFORMATION = "Stop taking your insulin, this herbal tea cures diabetes permanently, big pharma hides it."


@dataclass
class StubModel:
    """A model whose scores are fixed, for rule tests that need exact values."""

    spam: float | None = 0.01
    misinformation: float | None = 0.01
    explanations: dict[str, tuple[Contribution, ...]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    @property
    def risks(self) -> tuple[str, ...]:
        return tuple(risk for risk in RISKS if getattr(self, risk) is not None)

    def score_one(self, text: str, *, explain: bool = True) -> RiskScores:
        self.texts.append(text)
        return RiskScores(self.spam, self.misinformation, dict(self.explanations) if explain else {})

    def score(self, texts: Iterable[str], *, explain: bool = True) -> list[RiskScores]:
        return [self.score_one(text, explain=explain) for text in texts]


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """Return a clock standing at NOW."""
    return Clock()


@pytest.fixture
def make_guard(identity_key, clock):
    """Return a factory of guards around a stub model (or the given one), an in-memory history and the clock."""

    def factory(model: Any = None, **options: Any) -> CommentGuard:
        options.setdefault("clock", clock)
        return CommentGuard(model if model is not None else StubModel(), identity_key=identity_key, **options)

    return factory


def codes(result: ModerationResult) -> list[str]:
    return [reason.code for reason in result.reasons]


# --- the pipeline ---------------------------------------------------------------------------


def test_legitimate_comment_approved(make_guard, make_form, tiny_model):
    """A legitimate question is approved, published, and identified by a digest, not the email."""
    result = make_guard(tiny_model).moderate(make_form(content=LEGITIMATE))
    assert result.decision is Decision.APPROVE
    assert result.reasons == ()
    assert result.public is not None
    assert result.public.content == LEGITIMATE
    assert result.commenter is not None
    assert len(result.commenter) == 64
    assert "@" not in result.commenter
    assert result.errors == ()
    assert result.enforced is True


def test_drug_spam_is_spam_with_reasons(make_guard, make_form, tiny_model):
    """Drug-sale spam is spam, and the score reason names what pushed the score up."""
    result = make_guard(tiny_model).moderate(make_form(content=DRUG_SPAM))
    assert result.decision is Decision.SPAM
    assert result.reasons[0].code == "spam_score"
    assert "(+" in result.reasons[0].detail


def test_misinformation_is_held_not_binned(make_guard, make_form, tiny_model):
    """Medical misinformation is held for a person, with a misinformation reason, not marked as spam."""
    result = make_guard(tiny_model).moderate(make_form(content=MISINFORMATION))
    assert result.decision is Decision.HOLD
    assert "misinformation_score" in codes(result)


def test_invalid_submission_rejected_with_field_errors(make_guard):
    """An invalid form is REJECT with field errors, no public comment and no scoring."""
    model = StubModel()
    result = make_guard(model).moderate({"author": "Ann", "email": "not an email", "content": "  "})
    assert result.decision is Decision.REJECT
    assert {error.field for error in result.errors} == {"email", "content"}
    assert codes(result) == ["invalid_submission"]
    assert result.reasons[0].detail == "content, email"
    assert (result.public, result.scores, result.commenter) == (None, None, None)
    assert model.texts == []


def test_name_and_email_optional_when_asked(make_guard):
    """With require_name_email=False an anonymous comment is moderated, with no commenter digest."""
    result = make_guard().moderate({"content": "Anonymous thanks."}, require_name_email=False)
    assert result.decision is Decision.APPROVE
    assert result.commenter is None
    assert make_guard().moderate({"content": "Anonymous thanks."}).decision is Decision.REJECT


def test_accepts_a_submission_object(make_guard, make_form):
    """moderate() accepts an already validated CommentSubmission."""
    submission = CommentSubmission.from_form(make_form())
    assert make_guard().moderate(submission).decision is Decision.APPROVE


def test_model_scores_the_scrubbed_text(make_guard, make_form):
    """The model reads the text with contact data replaced, never the address itself."""
    model = StubModel()
    make_guard(model).moderate(make_form(content="Write to me at bob@example.net please"))
    assert EMAIL_PLACEHOLDER in model.texts[0]
    assert "bob@example.net" not in model.texts[0]


def test_untrained_risk_gives_no_reason(make_guard, make_form):
    """A model without a misinformation head scores None there and no reason mentions it."""
    result = make_guard(StubModel(spam=0.95, misinformation=None)).moderate(make_form())
    assert result.scores is not None
    assert result.scores.misinformation is None
    assert codes(result) == ["spam_score"]


def test_score_reason_from_explanations(make_guard, make_form):
    """The score reason's detail is built from the model's explanations."""
    explanations = {
        "spam": (Contribution("no prescription", 1.2, "term"), Contribution("money amounts", 0.4, "signal"))
    }
    result = make_guard(StubModel(spam=0.99, explanations=explanations)).moderate(make_form())
    assert result.reasons[0].detail == '"no prescription" (+1.20), money amounts (+0.40)'


# --- bot checks -----------------------------------------------------------------------------


def test_honeypot_under_site_field_name(make_guard, make_form):
    """Filling the site's honeypot field makes spam, even with a low score."""
    guard = make_guard()
    name = guard.form_fields("42").honeypot_field
    result = guard.moderate(make_form(**{name: "http://spam.example"}))
    assert result.decision is Decision.SPAM
    assert codes(result) == ["honeypot"]


def test_empty_honeypot_field_is_accepted(make_guard, make_form):
    """An empty site honeypot field is not an unknown field: the comment is approved."""
    guard = make_guard()
    fields = guard.form_fields("42")
    result = guard.moderate(make_form(**fields.hidden_inputs()), now=NOW + timedelta(seconds=30))
    assert result.decision is Decision.APPROVE
    assert result.errors == ()


def test_honeypot_under_standard_name(make_guard, make_form):
    """The submission's own honeypot field works too."""
    assert codes(make_guard().moderate(make_form(honeypot="x"))) == ["honeypot"]


class MultiDict(dict):
    """A minimal Werkzeug-like mapping whose getlist gives every value of a key."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._lists: dict[str, list[str]] = {}
        for key, value in pairs:
            self._lists.setdefault(key, []).append(value)
        super().__init__({key: values[-1] for key, values in self._lists.items()})

    def getlist(self, key: str) -> list[str]:
        return self._lists.get(key, [])


def test_honeypot_in_multidict(make_guard, make_form):
    """A filled honeypot in a multi-value form is read with getlist, first value first."""
    guard = make_guard()
    name = guard.form_fields("42").honeypot_field
    form = MultiDict([*make_form().items(), (name, "bot text"), (name, "")])
    assert codes(guard.moderate(form)) == ["honeypot"]


def _token_form(make_form, fields: FormFields, **overrides: Any) -> dict[str, Any]:
    return make_form(post_id="42", **fields.hidden_inputs(), **overrides)


def test_valid_token_approved(make_guard, make_form):
    """A form with a genuine token submitted after a human delay is approved without token reasons."""
    guard = make_guard()
    fields = guard.form_fields("42")
    result = guard.moderate(_token_form(make_form, fields), now=NOW + timedelta(seconds=20))
    assert result.decision is Decision.APPROVE


def test_too_fast_uses_signed_render_time(make_guard, make_form):
    """The token's signed render time wins over a forged older form_rendered_at: submitted in 1 s is spam."""
    guard = make_guard()
    fields = guard.form_fields("42")
    form = _token_form(make_form, fields, form_rendered_at=(NOW - timedelta(hours=1)).isoformat())
    result = guard.moderate(form, now=NOW + timedelta(seconds=1))
    assert result.decision is Decision.SPAM
    assert codes(result) == ["too_fast"]


@pytest.mark.parametrize(
    ("rendered_ago", "decision"),
    [(1.0, Decision.SPAM), (60.0, Decision.APPROVE)],
    ids=["one-second", "one-minute"],
)
def test_too_fast_without_token(make_guard, make_form, rendered_ago, decision):
    """Without a token, the form's own render time is used for the minimum-time rule."""
    form = make_form(form_rendered_at=(NOW - timedelta(seconds=rendered_ago)).isoformat())
    assert make_guard().moderate(form).decision is decision


def test_replayed_token_is_spam(make_guard, make_form):
    """A token used a second time (new text, new commenter) is spam with token_replayed."""
    guard = make_guard()
    fields = guard.form_fields("42")
    later = NOW + timedelta(seconds=30)
    assert guard.moderate(_token_form(make_form, fields), now=later).decision is Decision.APPROVE
    replay = _token_form(make_form, fields, content="Another text", email="bot@example.net", ip="198.51.100.9")
    result = guard.moderate(replay, now=later + timedelta(minutes=5))
    assert result.decision is Decision.SPAM
    assert codes(result) == ["token_replayed"]


def test_rejected_submission_does_not_use_up_its_token(make_guard, make_form):
    """A form sent back for a field error can be resubmitted with the same token."""
    guard = make_guard()
    fields = guard.form_fields("42")
    later = NOW + timedelta(seconds=30)
    assert guard.moderate(_token_form(make_form, fields, email="oops"), now=later).decision is Decision.REJECT
    assert guard.moderate(_token_form(make_form, fields), now=later).decision is Decision.APPROVE


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"post_id": "43"}, "token_invalid"),
        ({TOKEN_FIELD: "v1.1.AAAAAAAAAAAAAAAA." + "0" * 64}, "token_invalid"),
        ({TOKEN_FIELD: "garbage"}, "token_invalid"),
    ],
    ids=["other-post", "forged", "malformed"],
)
def test_bad_token_is_spam(make_guard, make_form, change, code):
    """A token for another post, or a forged or malformed one, is spam."""
    guard = make_guard()
    form = {**_token_form(make_form, guard.form_fields("42")), **change}
    result = guard.moderate(form, now=NOW + timedelta(seconds=30))
    assert result.decision is Decision.SPAM
    assert codes(result) == [code]


def test_expired_token_is_spam(make_guard, make_form):
    """A form submitted after the policy's token lifetime is spam with token_expired."""
    guard = make_guard(policy=Policy(token_max_age_seconds=3600))
    form = _token_form(make_form, guard.form_fields("42"))
    assert codes(guard.moderate(form, now=NOW + timedelta(hours=2))) == ["token_expired"]


def test_required_token_missing_is_spam(make_guard, make_form):
    """With require_token, a form without a token is spam; without the option it is approved."""
    assert codes(make_guard(policy=Policy(require_token=True)).moderate(make_form())) == ["token_invalid"]
    assert make_guard().moderate(make_form()).decision is Decision.APPROVE


# --- history rules --------------------------------------------------------------------------


def test_duplicate_comment_is_spam(make_guard, make_form):
    """The same commenter posting the same text (up to case and spacing) on the same post again is spam."""
    guard = make_guard()
    assert guard.moderate(make_form(content="Great post, thanks")).decision is Decision.APPROVE
    result = guard.moderate(make_form(content="great  POST, thanks"), now=NOW + timedelta(minutes=5))
    assert result.decision is Decision.SPAM
    assert codes(result) == ["duplicate"]


@pytest.mark.parametrize(
    "change",
    [{"post_id": "43"}, {"email": "bob@example.net", "ip": "198.51.100.4"}, {"content": "Different words"}],
    ids=["other-post", "other-commenter", "other-text"],
)
def test_not_a_duplicate(make_guard, make_form, change):
    """The same text on another post, by another commenter, or another text, is not a duplicate."""
    guard = make_guard()
    guard.moderate(make_form())
    assert guard.moderate(make_form(**change), now=NOW + timedelta(minutes=5)).decision is Decision.APPROVE


def test_duplicates_can_be_allowed(make_guard, make_form):
    """With check_duplicates=False a repeated comment is approved."""
    guard = make_guard(policy=Policy(check_duplicates=False))
    guard.moderate(make_form())
    assert guard.moderate(make_form(), now=NOW + timedelta(minutes=5)).decision is Decision.APPROVE


@pytest.mark.parametrize(
    ("change", "seconds", "decision"),
    [
        ({"ip": "198.51.100.4"}, 5, Decision.HOLD),
        ({"email": "bob@example.net"}, 5, Decision.HOLD),
        ({}, 20, Decision.APPROVE),
        ({"email": "bob@example.net", "ip": "198.51.100.4"}, 5, Decision.APPROVE),
    ],
    ids=["same-commenter", "same-ip", "after-the-window", "someone-else"],
)
def test_flood(make_guard, make_form, change, seconds, decision):
    """A second post by the same commenter or IP within 15 s is held."""
    guard = make_guard()
    guard.moderate(make_form(content="First comment"))
    result = guard.moderate(make_form(content="Second comment", **change), now=NOW + timedelta(seconds=seconds))
    assert result.decision is decision
    assert codes(result) == (["flood"] if decision is Decision.HOLD else [])


def test_concurrent_duplicates_let_exactly_one_through(make_guard, make_form):
    """Many threads posting the same comment at once: exactly one is not a duplicate."""
    guard = make_guard(policy=Policy(flood_seconds=0))
    barrier = threading.Barrier(12)

    def post(_: int) -> Decision:
        barrier.wait()
        return guard.moderate(make_form()).decision

    with ThreadPoolExecutor(12) as pool:
        decisions = list(pool.map(post, range(12)))
    assert decisions.count(Decision.APPROVE) == 1
    assert decisions.count(Decision.SPAM) == 11


# --- keys and links -------------------------------------------------------------------------


def test_disallowed_email_key_beats_low_score(make_guard, make_form):
    """A disallowed key equal to the commenter's email makes spam, and the reason does not show it."""
    result = make_guard(policy=Policy(disallowed_keys=["ann@example.com"])).moderate(make_form())
    assert result.decision is Decision.SPAM
    assert codes(result) == ["disallowed_key"]
    assert "ann@example.com" not in str(result.reasons)


def test_moderation_ip_prefix_key_holds(make_guard, make_form):
    """A moderation key that is an IP prefix holds a comment from that network."""
    result = make_guard(policy=Policy(moderation_keys=["203.0.113."])).moderate(make_form())
    assert result.decision is Decision.HOLD
    assert codes(result) == ["moderation_key"]


def test_links_hold(make_guard, make_form):
    """Two links in the text hold the comment."""
    result = make_guard().moderate(make_form(content="See http://a.example and <a href='http://b.example'>b</a>"))
    assert codes(result) == ["too_many_links"]


# --- trust and feedback ---------------------------------------------------------------------


def test_approval_makes_commenter_trusted(make_guard, make_form):
    """After a moderator approves a comment, its author skips moderation-key and spam-score holds."""
    model = StubModel(spam=0.9)
    guard = make_guard(model, policy=Policy(moderation_keys=["knee"]))
    first = guard.moderate(make_form(content="My knee hurts"))
    assert first.decision is Decision.HOLD
    guard.feedback(first, Verdict.APPROVE)
    clock_later = NOW + timedelta(minutes=5)
    second = guard.moderate(make_form(content="My knee is better"), now=clock_later)
    assert second.decision is Decision.APPROVE
    assert codes(second) == ["trusted_commenter"]


def test_trusted_commenter_with_high_spam_score_is_spam(make_guard, make_form):
    """A trusted commenter whose comment scores 0.99 spam is still spam."""
    model = StubModel()
    guard = make_guard(model)
    guard.feedback(guard.moderate(make_form(content="Hello")), "approve")
    model.spam = 0.99
    result = guard.moderate(make_form(content="Buy now"), now=NOW + timedelta(minutes=5))
    assert result.decision is Decision.SPAM
    assert result.reasons[0].code == "spam_score"


def test_trusted_commenter_honeypot_is_spam(make_guard, make_form):
    """Trust does not excuse a filled honeypot."""
    guard = make_guard()
    guard.feedback(guard.moderate(make_form(content="Hello")), Verdict.APPROVE)
    result = guard.moderate(make_form(content="Again", honeypot="x"), now=NOW + timedelta(minutes=5))
    assert codes(result) == ["honeypot"]


@pytest.mark.parametrize(
    ("verdict", "spam", "misinformation", "trusted"),
    [
        (Verdict.APPROVE, "ham", "reliable", True),
        ("ham", "ham", "reliable", True),
        ("SPAM", "spam", "", False),
        (Verdict.MISINFORMATION, "ham", "misinformation", False),
    ],
    ids=["approve", "ham-alias", "spam", "misinformation"],
)
def test_feedback_record(make_guard, make_form, tmp_path, verdict, spam, misinformation, trusted):
    """feedback() appends the labelled record and only an approval makes the commenter trusted."""
    log = tmp_path / "feedback.jsonl"
    guard = make_guard(feedback_log=log)
    result = guard.moderate(make_form(content="Is this safe with ibuprofen?"))
    record = guard.feedback(result, verdict, now=NOW + timedelta(hours=1))
    row = json.loads(log.read_text("ascii"))
    assert row == {
        "text": "Is this safe with ibuprofen?",
        "spam": spam,
        "misinformation": misinformation,
        "verdict": Verdict(verdict).value,
        "decision": "approve",
        "commenter": result.commenter,
        "post_id": "42",
        "timestamp": "2025-03-01T13:00:00+00:00",
    }
    assert json.loads(record.to_json()) == row
    assert result.commenter is not None
    assert (guard.history.approved_count(result.commenter) > 0) is trusted


def test_feedback_on_anonymous_comment(make_guard, tmp_path):
    """An anonymous comment can be approved: the record has no commenter and nobody becomes trusted."""
    log = tmp_path / "feedback.jsonl"
    guard = make_guard(feedback_log=log)
    result = guard.moderate({"content": "Anonymous thanks."}, require_name_email=False)
    record = guard.feedback(result, Verdict.APPROVE)
    assert record.commenter is None
    assert json.loads(log.read_text("ascii"))["commenter"] is None


def test_feedback_without_log_writes_nothing(make_guard, make_form, tmp_path):
    """Without a feedback_log the record is returned and no file is written."""
    guard = make_guard()
    record = guard.feedback(guard.moderate(make_form()), "spam")
    assert record.spam == "spam"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("verdict", ["maybe", "", 3, None], ids=["word", "empty", "int", "none"])
def test_feedback_unknown_verdict(make_guard, make_form, verdict):
    """An unknown verdict raises FeedbackError listing the accepted ones."""
    guard = make_guard()
    with pytest.raises(FeedbackError, match="approve, spam, misinformation"):
        guard.feedback(guard.moderate(make_form()), verdict)


def test_feedback_on_rejected_submission(make_guard):
    """A rejected submission cannot be given a verdict: it has no text."""
    guard = make_guard()
    with pytest.raises(FeedbackError, match="rejected"):
        guard.feedback(guard.moderate({}), "spam")


def test_feedback_log_trains_a_model(make_guard, make_form, tmp_path, tiny_model):
    """Records in the feedback log are training input: either risk's column selects its examples."""
    log = tmp_path / "feedback.jsonl"
    guard = make_guard(tiny_model, feedback_log=log, policy=Policy(flood_seconds=0))
    texts = {
        Verdict.SPAM: ["Cheap pills, order now", "Casino bonus, sign up", "Buy followers cheap"],
        Verdict.APPROVE: ["Thanks for the article", "My GP agreed with this", "Helpful for my back pain"],
        Verdict.MISINFORMATION: ["Vaccines cause autism", "Bleach cures infections", "Insulin is a scam"],
    }
    for verdict, items in texts.items():
        for number, text in enumerate(items):
            guard.feedback(guard.moderate(make_form(content=text, email=f"u{number}@example.com")), verdict)
    rows = [json.loads(line) for line in log.read_text("ascii").splitlines()]
    examples = {
        "spam": [Example(row["text"], int(row["spam"] == "spam"), "feedback") for row in rows],
        "misinformation": [
            Example(row["text"], int(row["misinformation"] == "misinformation"), "feedback")
            for row in rows
            if row["misinformation"]
        ],
    }
    assert len(examples["spam"]) == 9
    assert len(examples["misinformation"]) == 6
    model, _ = fit_model(examples, options=FitOptions(folds=2, min_df=1))
    assert model.risks == RISKS


# --- log-only -------------------------------------------------------------------------------


def test_log_only_reports_without_enforcing(make_guard, make_form):
    """In log-only mode a spam comment reports SPAM but is effectively approved."""
    result = make_guard(StubModel(spam=0.99), policy=Policy(log_only=True)).moderate(make_form())
    assert result.decision is Decision.SPAM
    assert result.enforced is False
    assert result.effective_decision is Decision.APPROVE
    assert codes(result)[-1] == "log_only"


# --- score() --------------------------------------------------------------------------------


@pytest.mark.parametrize("texts", ["one text", b"bytes"], ids=["str", "bytes"])
def test_score_rejects_a_bare_string(make_guard, texts):
    """score() refuses a single str with a message saying to wrap it in a list."""
    with pytest.raises(TypeError, match="wrap it in a list"):
        make_guard().score(texts)


def test_score_rejects_non_text_items(make_guard):
    """score() refuses an item that is not a str."""
    with pytest.raises(TypeError, match="int"):
        make_guard().score(["fine", 3])


def test_score_reads_text_as_moderate_does(make_guard):
    """score() hands the model cleaned text with contact data scrubbed, as moderate() does."""
    model = StubModel()
    make_guard(model).score(["Mail joe@example.com\r\nnow\x00"])
    assert model.texts == [f"Mail {EMAIL_PLACEHOLDER}\nnow"]


def test_score_matches_moderate(make_guard, make_form, tiny_model):
    """score() gives the same probabilities as moderate() for the same text, contact data included."""
    guard = make_guard(tiny_model)
    texts = [LEGITIMATE, DRUG_SPAM + " mail me: joe@example.com", MISINFORMATION, "\ud800 odd \u202e text"]
    scored = guard.score(iter(texts))
    for text, scores in zip(texts, scored, strict=True):
        moderated = guard.moderate(make_form(content=text, email=f"{len(text)}@example.com"), now=NOW)
        assert moderated.scores is not None
        assert (scores.spam, scores.misinformation) == (moderated.scores.spam, moderated.scores.misinformation)
    assert scored[1].explanations["spam"]
    assert guard.score([DRUG_SPAM], explain=False)[0].explanations == {}


# --- bad input ------------------------------------------------------------------------------

JUNK_FORMS: list[Any] = [
    None,
    "content=hello",
    b"\x00\xff",
    42,
    [("content", "hello")],
    object(),
    {},
    {"content": None},
    {"content": 123, "author": 4.5, "email": ["a@example.com"]},
    {"content": {"nested": "dict"}},
    {1: "one", None: "none", ("t",): "tuple"},
    {"content": "x" * 1_000_000, "author": "A", "email": "a@example.com"},
    {"content": bytes(range(256)).decode("latin-1") * 200, "author": "A", "email": "a@example.com"},
    {"content": "\ud800 lone \udfff surrogates \udbff", "author": "\ud800", "email": "a@example.com"},
    {"content": "\u202egnp.exe\u202d harmless \u2066", "author": "\u202eAnn", "email": "a@example.com"},
    {"content": "\U0001f600" * 16_384, "author": "A", "email": "a@example.com"},
    {"content": "\U0001f600" * 16_000, "author": "A", "email": "a@example.com"},
    {"content": "hi", "author": "A", "email": "\ud800@example.com"},
    {"content": "hi", "author": "A", "email": "a@example.com", "ip": "999.1.1.1"},
    {"content": "hi", "author": "A", "email": "a@example.com", "ip": b"\x00"},
    {"content": "hi", "author": "A", "email": "a@example.com", "url": "javascript:alert(1)"},
    {"content": "hi", "author": "A", "email": "a@example.com", "honeypot": 5},
    {"content": "hi", "author": "A", "email": "a@example.com", TOKEN_FIELD: "\x00" * 2_000},
    {"content": "hi", "author": "A", "email": "a@example.com", "submitted_at": "yesterday"},
    {"content": "hi", "author": "A", "email": "a@example.com", "form_rendered_at": "9999-12-31T23:59:59"},
    {"content": "hi", "author": "A", "email": "a@example.com", "form_rendered_at": "0001-01-01T00:00:00"},
    {"content": "<a " * 2_000 + "[url=" * 2_000, "author": "A", "email": "a@example.com"},
    {f"field{i}": "v" for i in range(5_000)},
]
JUNK_IDS = [
    "none",
    "str",
    "bytes",
    "int",
    "list-of-pairs",
    "object",
    "empty",
    "content-none",
    "wrong-types",
    "nested-dict",
    "non-str-keys",
    "megabyte",
    "binary-junk",
    "lone-surrogates",
    "rtl-overrides",
    "64kb-emoji",
    "just-under-64kb-emoji",
    "surrogate-email",
    "bad-ip",
    "bytes-ip",
    "javascript-url",
    "int-honeypot",
    "nul-token",
    "bad-date",
    "far-future-render",
    "ancient-render",
    "hostile-markup",
    "five-thousand-fields",
]


@pytest.mark.parametrize("form", JUNK_FORMS, ids=JUNK_IDS)
def test_bad_input_never_crashes(make_guard, tiny_model, form):
    """Any input gets a decision, and REJECT always comes with field errors and nothing published."""
    result = make_guard(tiny_model).moderate(form)
    assert isinstance(result.decision, Decision)
    if result.decision is Decision.REJECT:
        assert result.errors
        assert result.public is None
    else:
        assert result.public is not None
        result.public.content.encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    extra=st.dictionaries(
        st.sampled_from(["author", "email", "url", "content", "post_id", "ip", "honeypot", TOKEN_FIELD, "user_agent"])
        | st.text(max_size=12),
        st.none() | st.text() | st.integers() | st.binary(max_size=20) | st.lists(st.text(), max_size=3),
        max_size=6,
    )
)
def test_any_form_gets_a_result(make_guard, make_form, tiny_model, extra):
    """Random fields and values merged into a valid form never make moderate() raise."""
    result = make_guard(tiny_model).moderate({**make_form(), **extra})
    assert isinstance(result, ModerationResult)
    assert (result.decision is Decision.REJECT) == bool(result.errors)


# --- threads --------------------------------------------------------------------------------


def _forms(count: int) -> list[dict[str, Any]]:
    texts = [LEGITIMATE, DRUG_SPAM, MISINFORMATION, "See http://a.example and http://b.example for more"]
    return [
        {
            "author": f"Commenter {i}",
            "email": f"user{i}@example.com",
            "content": f"{texts[i % len(texts)]} (#{i})",
            "post_id": str(i % 7),
            "ip": f"10.{i // 250}.{i % 250}.1",
            "honeypot": "bot" if i % 11 == 0 else "",
        }
        for i in range(count)
    ]


def _summary(result: ModerationResult) -> tuple[Any, ...]:
    scores = result.scores
    return (result.decision, result.reasons, result.commenter, scores and (scores.spam, scores.misinformation))


@pytest.mark.parametrize("store", ["memory", "sqlite"], ids=["in-memory-history", "sqlite-history"])
def test_threads_give_the_same_results_as_one(identity_key, tiny_model, tmp_path, store):
    """Many threads moderating at once through one guard give exactly the single-threaded results."""
    forms = _forms(160)

    def guard_with_history(name: str) -> CommentGuard:
        history = InMemoryHistory() if store == "memory" else SQLiteHistory(tmp_path / f"{name}.sqlite3")
        return CommentGuard(tiny_model, identity_key=identity_key, history=history, clock=lambda: NOW)

    serial_guard, threaded_guard = guard_with_history("serial"), guard_with_history("threaded")
    try:
        serial = [_summary(serial_guard.moderate(form)) for form in forms]
        with ThreadPoolExecutor(16) as pool:
            threaded = list(pool.map(lambda form: _summary(threaded_guard.moderate(form)), forms))
    finally:
        for guard in (serial_guard, threaded_guard):
            if isinstance(guard.history, SQLiteHistory):
                guard.history.close()
    assert threaded == serial
    assert {summary[0] for summary in serial} >= {Decision.APPROVE, Decision.HOLD, Decision.SPAM}


# --- privacy --------------------------------------------------------------------------------

PRIVATE_EMAIL = "ann.private@example.com"
PRIVATE_IP = "198.51.100.23"


def test_no_email_or_ip_anywhere(identity_key, make_form, tmp_path, caplog, clock):
    """Neither the email nor the IP appears in results, reasons, reprs, logs, the history file or the feedback log."""
    history_path, log_path = tmp_path / "history.sqlite3", tmp_path / "feedback.jsonl"
    policy = Policy(moderation_keys=[PRIVATE_IP, "198.51.100."], disallowed_keys=[PRIVATE_EMAIL])
    with SQLiteHistory(history_path) as history:
        guard = CommentGuard(
            StubModel(spam=0.9),
            identity_key=identity_key,
            policy=policy,
            history=history,
            feedback_log=log_path,
            clock=clock,
        )
        fields = guard.form_fields("42")
        form = make_form(email=PRIVATE_EMAIL, ip=PRIVATE_IP, post_id="42", **fields.hidden_inputs())
        caplog.set_level(logging.DEBUG, logger="comment_guard")
        clock.advance(30)
        results = [guard.moderate(form), guard.moderate(form), guard.moderate({**form, "url": "bad url"})]
        record = guard.feedback(results[0], Verdict.SPAM)
        guard.feedback(results[1], Verdict.APPROVE)
        texts = [caplog.text, repr(guard), repr(record), log_path.read_text("ascii")]
        texts += [repr(result) + str(result) + " ".join(map(str, result.reasons)) for result in results]
    assert {"disallowed_key", "moderation_key"} <= set(codes(results[0]))
    assert caplog.records
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("history.sqlite3*"))
    assert stored
    for secret in (PRIVATE_EMAIL, PRIVATE_IP, "198.51.100."):
        assert secret.encode() not in stored
        for text in texts:
            assert secret not in text


# --- construction ---------------------------------------------------------------------------


def test_constructor_does_no_io(identity_key, tmp_path):
    """Building a guard with a SQLite history and a feedback log creates neither file."""
    CommentGuard(
        StubModel(),
        identity_key=identity_key,
        history=SQLiteHistory(tmp_path / "h.sqlite3"),
        feedback_log=tmp_path / "f.jsonl",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def fake_artifact(monkeypatch):
    """Replace comment_guard.artifact with a module whose loaders record their calls."""
    calls: list[tuple[Any, ...]] = []
    module = types.ModuleType("comment_guard.artifact")

    def load_default_model() -> StubModel:
        calls.append(("default",))
        return StubModel()

    def load_model(path: Any, *, trusted: bool = False) -> StubModel:
        calls.append(("path", path, trusted))
        return StubModel()

    def load_model_with_manifest(path: Any, *, trusted: bool = False) -> tuple[StubModel, Any]:
        calls.append(("path", path, trusted))
        return StubModel(), types.SimpleNamespace(metrics={})

    module.__dict__.update(
        load_default_model=load_default_model, load_model=load_model, load_model_with_manifest=load_model_with_manifest
    )
    monkeypatch.setitem(sys.modules, "comment_guard.artifact", module)
    return calls


def test_default_loads_the_shipped_model(fake_artifact, make_form):
    """CommentGuard.default() loads the shipped model and uses the given policy."""
    guard = CommentGuard.default(secret_key=SECRET, policy=Policy.strict())
    assert fake_artifact == [("default",)]
    assert guard.policy == Policy.strict()
    assert guard.moderate(make_form()).decision is Decision.APPROVE


@pytest.mark.parametrize("trust", [False, True], ids=["untrusted", "trusted"])
def test_from_path_passes_trust(fake_artifact, tmp_path, trust):
    """CommentGuard.from_path() loads the directory with the caller's trust."""
    CommentGuard.from_path(tmp_path, secret_key=SECRET, trust=trust)
    assert fake_artifact == [("path", tmp_path, trust)]


@pytest.mark.parametrize("method", ["default", "from_path"], ids=["default", "from-path"])
def test_short_secret_refused_before_loading(fake_artifact, tmp_path, method):
    """A short secret key raises InsecureKeyError before any model is loaded."""
    load = (
        (lambda: CommentGuard.default(secret_key="short"))
        if method == "default"
        else (lambda: CommentGuard.from_path(tmp_path, secret_key="short"))
    )
    with pytest.raises(InsecureKeyError):
        load()
    assert fake_artifact == []


def test_naive_now_is_utc(make_guard, make_form):
    """A naive ``now`` is read as UTC, as naive submission times are."""
    guard = make_guard()
    fields = guard.form_fields("42")
    result = guard.moderate(_token_form(make_form, fields), now=(NOW + timedelta(seconds=1)).replace(tzinfo=None))
    assert codes(result) == ["too_fast"]


def test_repr_hides_key(make_guard):
    """repr(guard) names the model, policy and history, never key material."""
    text = repr(make_guard())
    assert "StubModel" in text
    assert "InMemoryHistory" in text
    assert "Policy(" in text
    assert SECRET.hex() not in text
    assert repr(SECRET) not in text
