"""The moderation policy: thresholds and rules, and the decision they give with reasons.

:class:`Policy` is frozen and validated on construction (:class:`PolicyError` names the
setting, what was expected and what was found). :meth:`Policy.decide` turns a comment's
:class:`RiskScores` and the :class:`Signals` the guard observed into a decision:

==============================================  ========  =================================
rule                                            decision  waived for a trusted commenter
==============================================  ========  =================================
form token forged, missing (if required),       spam      never
expired or replayed
honeypot filled, form submitted too fast        spam      never
disallowed key, duplicate comment               spam      never
risk at or above its spam threshold             spam      never
spam risk at or above its hold threshold        hold      yes
misinformation risk at or above its hold        hold      only if the policy says so
threshold
moderation key                                  hold      yes
too many links, flood                           hold      no (as WordPress)
==============================================  ========  =================================

The most severe rule decides; nothing fires -> approve. Token failures are spam, not
reject: ``REJECT`` means "invalid submission, show the commenter the field errors",
whereas a bad token is evidence of a bot, and a spam verdict keeps the comment where a
moderator can rescue a false positive (a form left open for days, a stale cached page) and
lets log-only mode observe token failures before they are enforced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from comment_guard.errors import PolicyError
from comment_guard.results import MISINFORMATION, RISKS, SPAM, Decision, Reason, RiskScores
from comment_guard.rules import KeyMatch
from comment_guard.tokens import DEFAULT_TOKEN_MAX_AGE_SECONDS, TokenStatus

#: Default thresholds, tuned to the shipped model: on team-corpus topics it never trained on they
#: flag 1.4 % of legitimate comments (see models/default/MODEL_CARD.md). Scores are probabilities.
SPAM_HOLD_THRESHOLD = 0.93
SPAM_THRESHOLD = 0.99
MISINFORMATION_HOLD_THRESHOLD = 0.93
#: Hold a comment with this many links or more (WordPress's ``comment_max_links`` default).
LINK_LIMIT = 2
#: People take at least this long to read a post and write a comment (Antispam Bee uses 5 s).
MIN_SECONDS_TO_SUBMIT = 3.0
#: A second post by the same commenter or IP within this many seconds is a flood (WordPress).
FLOOD_SECONDS = 15.0
#: How many contributions a score reason names.
REASON_CONTRIBUTIONS = 3

_RANK = {Decision.APPROVE: 0, Decision.HOLD: 1, Decision.SPAM: 2, Decision.REJECT: 3}
_CODE_ORDER = (
    "invalid_submission",
    "token_invalid",
    "token_expired",
    "token_replayed",
    "honeypot",
    "disallowed_key",
    "too_fast",
    "duplicate",
    "spam_score",
    "misinformation_score",
    "moderation_key",
    "too_many_links",
    "flood",
    "trusted_commenter",
    "log_only",
)


def decision_rank(decision: Decision) -> int:
    """0 for approve, 1 hold, 2 spam, 3 reject: higher is less permissive."""
    return _RANK[decision]


def _probability(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise PolicyError(f"Expected {name} to be a probability in [0, 1]; got {value!r}.")


def _seconds(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise PolicyError(f"Expected {name} to be a number of seconds >= 0; got {value!r}.")


def _keys(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        raise PolicyError(
            f"Expected {name} to be a sequence of keys, not a single str; "
            "use comment_guard.rules.parse_keys(text) for a WordPress-style list with one key per line."
        )
    if not isinstance(value, Sequence) or not all(isinstance(key, str) for key in value):
        raise PolicyError(f"Expected {name} to be a sequence of str keys; got {type(value).__name__}.")
    return tuple(key.strip() for key in value if key.strip())


@dataclass(frozen=True, slots=True)
class Signals:
    """What the guard observed about one submission, besides its scores.

    ``seconds_to_submit`` is the time from rendering the form to submitting it;
    ``seconds_since_last_post`` the time since the same commenter or IP last posted (both
    ``None`` when unknown). ``links`` counts links in the text.
    """

    honeypot_filled: bool = False
    seconds_to_submit: float | None = None
    token: TokenStatus = TokenStatus.ABSENT
    token_detail: str = ""
    disallowed: tuple[KeyMatch, ...] = ()
    moderated: tuple[KeyMatch, ...] = ()
    links: int = 0
    duplicate: bool = False
    seconds_since_last_post: float | None = None
    trusted: bool = False


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    """What the policy decided, why (most decisive reason first), and whether it is enforced."""

    decision: Decision
    reasons: tuple[Reason, ...]
    enforced: bool = True


@dataclass(frozen=True, slots=True)
class _Fired:
    severity: Decision
    reason: Reason
    waivable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Score thresholds and rules of moderation; frozen, validated, every option keyword-only.

    Per risk, ``<risk>_hold`` holds and ``<risk>_spam`` marks as spam a comment whose score
    (a probability in [0, 1]) is at or above it; ``<risk>_spam=None`` means that risk alone
    never makes a comment spam. By default high misinformation risk is held for a person and
    never made spam. ``link_limit``: hold a comment with that many links or more (0 turns
    the rule off). ``moderation_keys`` hold and ``disallowed_keys`` make spam (see
    :mod:`comment_guard.rules` for how they match). ``min_seconds_to_submit``: a form
    submitted sooner after rendering is spam. ``flood_seconds``: a post within that time of
    the same commenter's or IP's previous post is held (0 turns it off).
    ``require_token``: a submission without a signed form token is spam (off by default so
    that apps without tokens work). ``trust_approved_commenters``: a commenter with a
    previously approved comment skips moderation-key and spam-score holds, and also the
    misinformation hold if ``trusted_skip_misinformation_hold``. ``log_only``: report the
    decision but approve everything (``ModerationResult.enforced`` is ``False``).
    Raises :class:`PolicyError` for a value out of range.
    """

    spam_hold: float = SPAM_HOLD_THRESHOLD
    spam_spam: float | None = SPAM_THRESHOLD
    misinformation_hold: float = MISINFORMATION_HOLD_THRESHOLD
    misinformation_spam: float | None = None
    link_limit: int = LINK_LIMIT
    moderation_keys: tuple[str, ...] = ()
    disallowed_keys: tuple[str, ...] = ()
    min_seconds_to_submit: float = MIN_SECONDS_TO_SUBMIT
    flood_seconds: float = FLOOD_SECONDS
    check_duplicates: bool = True
    require_token: bool = False
    token_max_age_seconds: float = DEFAULT_TOKEN_MAX_AGE_SECONDS
    trust_approved_commenters: bool = True
    trusted_skip_misinformation_hold: bool = False
    log_only: bool = False

    def __post_init__(self) -> None:
        for risk in RISKS:
            hold, spam = self.thresholds(risk)
            _probability(f"{risk}_hold", hold)
            if spam is not None:
                _probability(f"{risk}_spam", spam)
                if spam < hold:
                    raise PolicyError(
                        f"Expected {risk}_spam to be at or above {risk}_hold ({hold}); got {spam}. "
                        f"Pass {risk}_spam=None to never mark a comment as spam for this risk alone."
                    )
        if isinstance(self.link_limit, bool) or not isinstance(self.link_limit, int) or self.link_limit < 0:
            raise PolicyError(f"Expected link_limit to be a whole number >= 0; got {self.link_limit!r}.")
        for name in ("min_seconds_to_submit", "flood_seconds", "token_max_age_seconds"):
            _seconds(name, getattr(self, name))
        if self.token_max_age_seconds == 0:
            raise PolicyError("Expected token_max_age_seconds to be above 0; got 0.")
        for item in fields(self):
            if item.type == "bool" and not isinstance(getattr(self, item.name), bool):
                raise PolicyError(f"Expected {item.name} to be True or False; got {getattr(self, item.name)!r}.")
        object.__setattr__(self, "moderation_keys", _keys("moderation_keys", self.moderation_keys))
        object.__setattr__(self, "disallowed_keys", _keys("disallowed_keys", self.disallowed_keys))

    def __repr__(self) -> str:
        # Keys may be email or IP addresses: show how many there are, not what they are.
        shown = ", ".join(
            f"{item.name}=<{len(getattr(self, item.name))} keys>"
            if item.name.endswith("_keys")
            else f"{item.name}={getattr(self, item.name)!r}"
            for item in fields(self)
        )
        return f"Policy({shown})"

    @classmethod
    def default(cls) -> Policy:
        """The default policy: a health site can use it unchanged."""
        return cls()

    @classmethod
    def strict(cls) -> Policy:
        """Hold more: lower thresholds, one link held, slower minimum time, longer flood window."""
        return cls(
            spam_hold=0.7,
            spam_spam=0.97,
            misinformation_hold=0.75,
            link_limit=1,
            min_seconds_to_submit=5.0,
            flood_seconds=60.0,
            trust_approved_commenters=False,
        )

    @classmethod
    def lenient(cls) -> Policy:
        """Hold less: higher thresholds, four links allowed before holding, a shorter minimum time."""
        return cls(
            spam_hold=0.97,
            spam_spam=0.995,
            misinformation_hold=0.97,
            link_limit=4,
            min_seconds_to_submit=2.0,
            trusted_skip_misinformation_hold=True,
        )

    def thresholds(self, risk: str) -> tuple[float, float | None]:
        """The ``(hold, spam)`` thresholds of ``risk`` (``"spam"`` or ``"misinformation"``)."""
        if risk == SPAM:
            return self.spam_hold, self.spam_spam
        if risk == MISINFORMATION:
            return self.misinformation_hold, self.misinformation_spam
        raise KeyError(f"Unknown risk {risk!r}; expected one of {RISKS}.")

    def decide(self, scores: RiskScores | None, signals: Signals) -> PolicyOutcome:
        """Decide on a comment from its scores (``None``: not scored) and the observed signals.

        A risk whose score is ``None`` (the model was not trained for it) is skipped silently.
        Pure and deterministic; raising a score never makes the decision more permissive.
        """
        fired = [*self._bot_rules(signals), *self._key_rules(signals), *self._content_rules(signals)]
        if scores is not None:
            fired += [hit for risk in RISKS if (hit := self._score_rule(risk, scores)) is not None]
        if signals.trusted and self.trust_approved_commenters:
            fired = _waive(fired)
        decision = max((hit.severity for hit in fired), key=decision_rank, default=Decision.APPROVE)
        ordered = sorted(fired, key=lambda hit: (-decision_rank(hit.severity), _CODE_ORDER.index(hit.reason.code)))
        reasons = [hit.reason for hit in ordered]
        if self.log_only and decision in {Decision.HOLD, Decision.SPAM}:
            verb = "held it" if decision is Decision.HOLD else "marked it as spam"
            reasons.append(Reason("log_only", f"Log-only mode: the comment is approved; enforcing would have {verb}."))
        return PolicyOutcome(decision, tuple(reasons), enforced=not self.log_only)

    def _bot_rules(self, signals: Signals) -> list[_Fired]:
        hits = []
        token = _token_reason(signals.token, signals.token_detail, self)
        if token is not None:
            hits.append(_Fired(Decision.SPAM, token))
        if signals.honeypot_filled:
            message = "A hidden field that people never see was filled in, as form-filling bots do."
            hits.append(_Fired(Decision.SPAM, Reason("honeypot", message)))
        elapsed = signals.seconds_to_submit
        if elapsed is not None and elapsed < self.min_seconds_to_submit:
            message = (
                f"The form was submitted {max(elapsed, 0.0):.1f} s after it was shown; "
                f"people take at least {self.min_seconds_to_submit:g} s."
            )
            hits.append(_Fired(Decision.SPAM, Reason("too_fast", message)))
        return hits

    def _key_rules(self, signals: Signals) -> list[_Fired]:
        hits = []
        if signals.disallowed:
            detail = "; ".join(str(match) for match in signals.disallowed[:3])
            reason = Reason("disallowed_key", "A disallowed word or address matched the comment.", detail)
            hits.append(_Fired(Decision.SPAM, reason))
        if signals.moderated:
            detail = "; ".join(str(match) for match in signals.moderated[:3])
            reason = Reason("moderation_key", "A moderation word or address matched; a moderator should look.", detail)
            hits.append(_Fired(Decision.HOLD, reason, waivable=True))
        return hits

    def _content_rules(self, signals: Signals) -> list[_Fired]:
        hits = []
        if self.check_duplicates and signals.duplicate:
            message = "Duplicate comment detected: the same commenter already said that on this post."
            hits.append(_Fired(Decision.SPAM, Reason("duplicate", message)))
        if self.link_limit and signals.links >= self.link_limit:
            message = f"The comment has {signals.links} links; comments with {self.link_limit} or more are held."
            hits.append(_Fired(Decision.HOLD, Reason("too_many_links", message)))
        since = signals.seconds_since_last_post
        if self.flood_seconds and since is not None and abs(since) < self.flood_seconds:
            message = (
                f"The same commenter or IP posted {abs(since):.0f} s earlier; "
                f"posts within {self.flood_seconds:g} s are held."
            )
            hits.append(_Fired(Decision.HOLD, Reason("flood", message)))
        return hits

    def _score_rule(self, risk: str, scores: RiskScores) -> _Fired | None:
        score = scores.get(risk)
        if score is None:
            return None
        hold, spam = self.thresholds(risk)
        detail = ", ".join(str(item) for item in scores.explanations.get(risk, ())[:REASON_CONTRIBUTIONS])
        name = "Spam" if risk == SPAM else "Misinformation"
        if spam is not None and score >= spam:
            message = f"{name} risk {score:.2f} is at or above the spam threshold {spam:.2f}."
            return _Fired(Decision.SPAM, Reason(f"{risk}_score", message, detail))
        if score >= hold:
            message = f"{name} risk {score:.2f} is at or above the hold threshold {hold:.2f}."
            if risk == MISINFORMATION:
                message += " A person should check the claims before it is published."
            waivable = risk == SPAM or self.trusted_skip_misinformation_hold
            return _Fired(Decision.HOLD, Reason(f"{risk}_score", message, detail), waivable)
        return None


def _token_reason(status: TokenStatus, detail: str, policy: Policy) -> Reason | None:
    if status is TokenStatus.INVALID:
        return Reason("token_invalid", "The form token is not genuine or belongs to another post.", detail)
    if status is TokenStatus.ABSENT and policy.require_token:
        return Reason("token_invalid", "The form token is missing and this site requires one.", "no token")
    if status is TokenStatus.EXPIRED:
        hours = policy.token_max_age_seconds / 3600
        return Reason("token_expired", f"The form was shown more than {hours:g} hours before it was submitted.")
    if status is TokenStatus.REPLAYED:
        return Reason("token_replayed", "This form token was already used for an earlier submission.")
    return None


def _waive(fired: list[_Fired]) -> list[_Fired]:
    waived = [hit for hit in fired if hit.waivable]
    if not waived:
        return fired
    kept = [hit for hit in fired if not hit.waivable]
    detail = "waived: " + "; ".join(hit.reason.message for hit in waived)
    message = "The commenter has a previously approved comment, so these holds were waived."
    return [*kept, _Fired(Decision.APPROVE, Reason("trusted_commenter", message, detail))]
