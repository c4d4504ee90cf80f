"""CommentGuard: the one object a web app holds to moderate comments.

It composes the stages, each taking the previous stage's type::

    form -> validate_submission -> privacy.screen -> model.score_one -> Policy.decide -> ModerationResult

and keeps what the duplicate, flood, trusted-commenter and replay rules need in a
:class:`CommenterHistory`. A guard is safe to share between the threads of a web server:
the model and policy are read-only and the histories lock.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from comment_guard.errors import FeedbackError
from comment_guard.history import CommenterHistory, FeedbackRecord, InMemoryHistory, append_feedback
from comment_guard.policy import Policy, Signals
from comment_guard.privacy import IdentityKey, ScreenedComment, screen, scrub_contacts
from comment_guard.results import RISKS, Decision, FieldError, ModerationResult, Reason, RiskScores, Verdict
from comment_guard.rules import KeyList, count_links, honeypot_filled, normalise_content
from comment_guard.submission import CommentSubmission, clean_text, validate_submission
from comment_guard.tokens import FormFields, FormSigner, TokenCheck, TokenStatus

logger = logging.getLogger("comment_guard")

_HONEYPOT = "honeypot"


class ScoringModel(Protocol):
    """What the guard needs of a model (:class:`comment_guard.model.RiskModel` is one)."""

    @property
    def risks(self) -> tuple[str, ...]:
        """Names of the risks the model scores."""
        ...

    def score(self, texts: Iterable[str], *, explain: bool = ...) -> list[RiskScores]:
        """Score each text."""
        ...

    def score_one(self, text: str, *, explain: bool = ...) -> RiskScores:
        """Score one text; a risk the model was not trained for scores ``None``."""
        ...


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class CommentGuard:
    """Moderates comment submissions: approve, hold, spam or reject, with reasons.

    ``model`` scores texts (a :class:`~comment_guard.model.RiskModel`); ``identity_key``
    digests email addresses, IPs and form tokens; ``policy`` defaults to
    :meth:`Policy.default`; ``history`` to a fresh :class:`InMemoryHistory` (use a
    :class:`SQLiteHistory` when several processes serve the site); ``feedback_log`` is the
    JSON-lines file :meth:`feedback` appends labelled records to (``None``: none written);
    ``clock`` returns the current time as an aware datetime. The constructor does no I/O.
    """

    def __init__(
        self,
        model: ScoringModel,
        *,
        identity_key: IdentityKey,
        policy: Policy | None = None,
        history: CommenterHistory | None = None,
        feedback_log: str | os.PathLike[str] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.model = model
        self.policy = policy if policy is not None else Policy.default()
        self.history: CommenterHistory = history if history is not None else InMemoryHistory()
        self.feedback_log = Path(feedback_log) if feedback_log is not None else None
        self.clock = clock
        self._key = identity_key
        self._signer = FormSigner(identity_key)
        self._moderation_keys = KeyList.compile(self.policy.moderation_keys, identity_key)
        self._disallowed_keys = KeyList.compile(self.policy.disallowed_keys, identity_key)

    def __repr__(self) -> str:
        return f"CommentGuard(model={type(self.model).__name__}, policy={self.policy!r}, history={self.history!r})"

    @classmethod
    def default(
        cls,
        *,
        secret_key: str | bytes,
        policy: Policy | None = None,
        history: CommenterHistory | None = None,
        feedback_log: str | os.PathLike[str] | None = None,
    ) -> CommentGuard:
        """A guard with the shipped models; raises :class:`InsecureKeyError` or :class:`ModelError`."""
        # Imported here so that importing the guard never touches model files or scikit-learn pickles.
        from comment_guard.artifact import load_default_model

        identity_key = IdentityKey(secret_key)
        model = load_default_model()
        return cls(model, identity_key=identity_key, policy=policy, history=history, feedback_log=feedback_log)

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        secret_key: str | bytes,
        trust: bool = False,
        policy: Policy | None = None,
        history: CommenterHistory | None = None,
        feedback_log: str | os.PathLike[str] | None = None,
    ) -> CommentGuard:
        """A guard with the model directory at ``path``; ``trust=True`` is required for a model
        outside the installed package (a model file can run code when loaded).

        Without a ``policy``, the default policy is used with the hold thresholds the model's
        manifest recommends (``metrics.recommended_thresholds``, written by ``comment-guard train``).
        """
        from comment_guard.artifact import load_model_with_manifest

        identity_key = IdentityKey(secret_key)
        model, manifest = load_model_with_manifest(path, trusted=trust)
        if policy is None:
            policy = recommended_policy(manifest.metrics)
        return cls(model, identity_key=identity_key, policy=policy, history=history, feedback_log=feedback_log)

    def form_fields(self, post_id: str | int | None, *, now: datetime | None = None) -> FormFields:
        """The hidden fields (signed token, honeypot name) to render into the form of ``post_id``."""
        return self._signer.issue(post_id, now=now or self.clock())

    def score(self, texts: Iterable[str], *, explain: bool = True) -> list[RiskScores]:
        """Score texts alone (no rules, no history): probabilities in [0, 1] per risk.

        Texts are cleaned and scrubbed of contact data exactly as :meth:`moderate` does, so
        the same text scores the same both ways. Raises ``TypeError`` for a bare ``str`` or
        a non-text item.
        """
        if isinstance(texts, str | bytes):
            raise TypeError("score() takes an iterable of texts, not a single str; wrap it in a list.")
        prepared = []
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"score() expects every text to be a str; got {type(text).__name__}.")
            prepared.append(scrub_contacts(clean_text(text)).text)
        return self.model.score(prepared, explain=explain)

    def moderate(
        self,
        form: Mapping[str, Any] | CommentSubmission,
        *,
        require_name_email: bool = True,
        now: datetime | None = None,
    ) -> ModerationResult:
        """Moderate one submission (a form mapping or a :class:`CommentSubmission`); never raises
        for bad input: an invalid one is ``REJECT`` with field errors.

        ``now`` is the moment of submission (default: the guard's clock); batch imports of
        old comments pass the comment's date so flood and duplicate rules see real spacing.
        """
        moment = _aware(now or self.clock())
        check = validate_submission(self._standard_names(form), require_name_email=require_name_email)
        if check.submission is None:
            return self._reject(check.errors)
        try:
            screened = screen(check.submission, self._key)
        except ValueError:
            # Validation lets a few non-text values through unchecked (bytes as an IP address);
            # the privacy stage refuses them, and so must the guard, without raising.
            return self._reject(
                (FieldError("submission", "invalid_value", "The comment form data could not be read."),)
            )
        token = self._check_token(screened, moment)
        scores = self.model.score_one(screened.scoring_text, explain=True)
        signals = self._signals(screened, token, moment)
        outcome = self.policy.decide(scores, signals)
        logger.debug(
            "moderated a comment: %s (%s), commenter %s",
            outcome.decision,
            ", ".join(reason.code for reason in outcome.reasons) or "no rule fired",
            (screened.commenter or "anonymous")[:12],
        )
        return ModerationResult(
            outcome.decision,
            scores,
            outcome.reasons,
            screened.public,
            screened.commenter,
            enforced=outcome.enforced,
        )

    def feedback(
        self, result: ModerationResult, verdict: Verdict | str, *, now: datetime | None = None
    ) -> FeedbackRecord:
        """Record a moderator's verdict on ``result``, as Akismet's submit-ham / submit-spam do.

        An ``approve`` verdict makes the commenter trusted. When the guard has a
        ``feedback_log``, a labelled record (never the email address or IP) is appended to it.
        Raises :class:`FeedbackError` for an unknown verdict or a rejected submission, and
        :class:`HistoryError` when the log cannot be written.
        """
        try:
            verdict = Verdict(verdict)
        except ValueError:
            choices = ", ".join(member.value for member in Verdict)
            raise FeedbackError(f"Expected a verdict among {choices} (or 'ham'); got {verdict!r}.") from None
        if result.public is None:
            raise FeedbackError("A rejected submission has no comment to learn from; record verdicts on others.")
        moment = _aware(now or self.clock())
        if verdict is Verdict.APPROVE and result.commenter is not None:
            self.history.record_approval(result.commenter, at=moment.timestamp())
        record = FeedbackRecord(
            text=result.public.content,
            spam=verdict.spam_label,
            misinformation=verdict.misinformation_label,
            verdict=verdict.value,
            decision=result.decision.value,
            commenter=result.commenter,
            post_id=result.public.post_id,
            timestamp=moment.astimezone(timezone.utc).isoformat(),
        )
        if self.feedback_log is not None:
            append_feedback(self.feedback_log, record)
        return record

    def _reject(self, errors: tuple[FieldError, ...]) -> ModerationResult:
        fields = ", ".join(sorted({error.field for error in errors}))
        reason = Reason("invalid_submission", "The submission is invalid; the commenter should fix it.", fields)
        logger.debug("rejected an invalid submission (fields: %s)", fields)
        return ModerationResult(Decision.REJECT, None, (reason,), None, None, errors, enforced=not self.policy.log_only)

    def _standard_names(self, form: Any) -> Any:
        """Read the site's honeypot field as ``honeypot``, the name the submission knows."""
        name = self._signer.honeypot_field
        if not isinstance(form, Mapping) or name not in form:
            return form
        getlist = getattr(form, "getlist", None)
        data = {str(key): getlist(key) if callable(getlist) else value for key, value in form.items()}
        value = data.pop(name)
        if not _filled(data.get(_HONEYPOT)):
            data[_HONEYPOT] = value
        return data

    def _check_token(self, screened: ScreenedComment, moment: datetime) -> TokenCheck:
        max_age = self.policy.token_max_age_seconds
        check = self._signer.verify(screened.form_token, screened.public.post_id, now=moment, max_age_seconds=max_age)
        if check.status is TokenStatus.VALID and check.token_id is not None and check.rendered_at is not None:
            expires = check.rendered_at + timedelta(seconds=max_age)
            if not self.history.use_token(check.token_id, expires_at=expires.timestamp()):
                return TokenCheck(TokenStatus.REPLAYED, check.rendered_at, check.token_id)
        return check

    def _signals(self, screened: ScreenedComment, token: TokenCheck, moment: datetime) -> Signals:
        policy = self.policy
        at = moment.timestamp()
        rendered = token.rendered_at if token.status is not TokenStatus.ABSENT else screened.form_rendered_at
        seconds_to_submit = None
        if rendered is not None and token.status is not TokenStatus.INVALID:
            seconds_to_submit = (moment - _aware(rendered)).total_seconds()
        identities = [digest for digest in (screened.commenter, screened.ip_digest) if digest is not None]
        since = None
        if policy.flood_seconds and identities:
            previous = self.history.record_post(identities, at=at)
            since = None if previous is None else at - previous
        duplicate = policy.check_duplicates and not self.history.add_fingerprint(self._fingerprint(screened), at=at)
        trusted = bool(
            policy.trust_approved_commenters
            and screened.commenter is not None
            and self.history.approved_count(screened.commenter) > 0
        )
        return Signals(
            honeypot_filled=honeypot_filled(screened.honeypot),
            seconds_to_submit=seconds_to_submit,
            token=token.status,
            token_detail=token.detail,
            disallowed=self._disallowed_keys.match(screened),
            moderated=self._moderation_keys.match(screened),
            links=count_links(screened.scoring_text),
            duplicate=duplicate,
            seconds_since_last_post=since,
            trusted=trusted,
        )

    def _fingerprint(self, screened: ScreenedComment) -> str:
        """A keyed digest of post, author and normalised text: equal only for a duplicate."""
        author = screened.commenter or screened.ip_digest or (screened.public.author or "").casefold()
        content = normalise_content(screened.scoring_text)
        return self._key.digest("content", f"{screened.public.post_id or ''}\x1f{author}\x1f{content}")


def recommended_policy(metrics: Mapping[str, Any]) -> Policy:
    """The default policy with the hold thresholds a model manifest's ``metrics`` recommend.

    A spam threshold below a recommended hold threshold is raised to it; values outside
    [0, 1] are clipped; risks without a recommendation keep the default.
    """
    default = Policy.default()
    recommended = metrics.get("recommended_thresholds")
    if not isinstance(recommended, Mapping):
        return default
    changes: dict[str, Any] = {}
    for risk in RISKS:
        value = recommended.get(risk)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            hold = min(max(float(value), 0.0), 1.0)
            changes[f"{risk}_hold"] = hold
            spam = default.thresholds(risk)[1]
            if spam is not None and spam < hold:
                changes[f"{risk}_spam"] = hold
    return dataclasses.replace(default, **changes)


def _filled(value: Any) -> bool:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return isinstance(value, str) and bool(value.strip())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
