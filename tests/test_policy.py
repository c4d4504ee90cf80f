"""Tests for comment_guard.policy: validation, presets, every rule, their interplay, monotonicity."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comment_guard.errors import CommentGuardError, PolicyError
from comment_guard.policy import (
    FLOOD_SECONDS,
    LINK_LIMIT,
    MIN_SECONDS_TO_SUBMIT,
    MISINFORMATION_HOLD_THRESHOLD,
    SPAM_HOLD_THRESHOLD,
    SPAM_THRESHOLD,
    Policy,
    Signals,
    decision_rank,
)
from comment_guard.results import Contribution, Decision, RiskScores
from comment_guard.rules import KeyMatch
from comment_guard.tokens import TokenStatus

LOW = RiskScores(spam=0.01, misinformation=0.01)
KEY_IN_CONTENT = (KeyMatch(1, "content", "cheap pills"),)


def scores(spam: float | None = 0.01, misinformation: float | None = 0.01) -> RiskScores:
    return RiskScores(spam, misinformation)


def codes(outcome) -> list[str]:
    return [reason.code for reason in outcome.reasons]


# --- construction and validation ----------------------------------------------------------


def test_default_uses_module_constants():
    """Policy.default() takes its thresholds and limits from the module constants."""
    policy = Policy.default()
    assert (policy.spam_hold, policy.spam_spam) == (SPAM_HOLD_THRESHOLD, SPAM_THRESHOLD)
    assert (policy.misinformation_hold, policy.misinformation_spam) == (MISINFORMATION_HOLD_THRESHOLD, None)
    assert (policy.link_limit, policy.min_seconds_to_submit, policy.flood_seconds) == (
        LINK_LIMIT,
        MIN_SECONDS_TO_SUBMIT,
        FLOOD_SECONDS,
    )
    assert not policy.require_token
    assert not policy.log_only
    assert policy == Policy()


def test_presets_are_ordered_by_strictness():
    """strict holds at lower scores and fewer links than default, and lenient at higher ones."""
    strict, default, lenient = Policy.strict(), Policy.default(), Policy.lenient()
    for risk in ("spam", "misinformation"):
        assert strict.thresholds(risk)[0] < default.thresholds(risk)[0] < lenient.thresholds(risk)[0]
    assert strict.link_limit < default.link_limit < lenient.link_limit
    assert strict.misinformation_spam is None
    assert lenient.misinformation_spam is None


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"spam_hold": 1.5}, "spam_hold"),
        ({"spam_hold": -0.1}, "spam_hold"),
        ({"spam_hold": math.nan}, "spam_hold"),
        ({"spam_hold": True}, "spam_hold"),
        ({"spam_hold": "0.5"}, "spam_hold"),
        ({"spam_spam": 1.01}, "spam_spam"),
        ({"spam_hold": 0.9, "spam_spam": 0.8}, "spam_spam"),
        ({"misinformation_hold": 0.9, "misinformation_spam": 0.5}, "misinformation_spam"),
        ({"misinformation_hold": None}, "misinformation_hold"),
        ({"link_limit": -1}, "link_limit"),
        ({"link_limit": 2.5}, "link_limit"),
        ({"link_limit": True}, "link_limit"),
        ({"min_seconds_to_submit": -1}, "min_seconds_to_submit"),
        ({"flood_seconds": math.inf}, "flood_seconds"),
        ({"token_max_age_seconds": 0}, "token_max_age_seconds"),
        ({"log_only": 1}, "log_only"),
        ({"require_token": "yes"}, "require_token"),
        ({"moderation_keys": "viagra\ncasino"}, "parse_keys"),
        ({"disallowed_keys": ["ok", 3]}, "disallowed_keys"),
        ({"disallowed_keys": 7}, "disallowed_keys"),
    ],
    ids=[
        "hold-above-1",
        "hold-negative",
        "hold-nan",
        "hold-bool",
        "hold-str",
        "spam-above-1",
        "spam-below-hold",
        "misinformation-spam-below-hold",
        "misinformation-hold-none",
        "links-negative",
        "links-float",
        "links-bool",
        "min-seconds-negative",
        "flood-infinite",
        "token-age-zero",
        "log-only-int",
        "require-token-str",
        "keys-bare-str",
        "keys-non-str-item",
        "keys-not-a-sequence",
    ],
)
def test_invalid_settings_refused(options, needle):
    """An out-of-range or mistyped setting raises PolicyError naming the setting."""
    with pytest.raises(PolicyError) as caught:
        Policy(**options)
    assert needle in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, CommentGuardError)


def test_settings_are_keyword_only():
    """Policy settings cannot be passed positionally."""
    with pytest.raises(TypeError):
        Policy(0.5)  # type: ignore[misc]


def test_policy_is_frozen():
    """Assigning to a setting of a built policy fails."""
    policy = Policy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.spam_hold = 0.1  # type: ignore[misc]


def test_replace_revalidates():
    """dataclasses.replace goes through validation too."""
    with pytest.raises(PolicyError):
        dataclasses.replace(Policy(), spam_spam=0.1)


def test_keys_are_trimmed_and_blank_ones_dropped():
    """Keys lose surrounding white space and blank keys are dropped, so none matches everything."""
    policy = Policy(moderation_keys=["  viagra ", "", "   ", "casino"], disallowed_keys=("x",))
    assert policy.moderation_keys == ("viagra", "casino")
    assert policy.disallowed_keys == ("x",)


def test_repr_hides_keys():
    """repr(policy) counts the keys without showing them (they may be email or IP addresses)."""
    policy = Policy(disallowed_keys=["spammer@example.com", "203.0.113.7"])
    text = repr(policy)
    assert "spammer@example.com" not in text
    assert "203.0.113.7" not in text
    assert "<2 keys>" in text


def test_thresholds_unknown_risk():
    """thresholds() raises KeyError for a risk that does not exist."""
    with pytest.raises(KeyError, match="toxicity"):
        Policy().thresholds("toxicity")


#: Rule tests pin their own thresholds so that tuning the shipped defaults does not change them.
RULE_THRESHOLDS = {"spam_hold": 0.80, "spam_spam": 0.97, "misinformation_hold": 0.85}


def rule_policy(**overrides: object) -> Policy:
    """A policy with the rule tests' thresholds and ``overrides``."""
    return Policy(**{**RULE_THRESHOLDS, **overrides})  # type: ignore[arg-type]


# --- scores ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spam", "misinformation", "decision", "expected_codes"),
    [
        (0.01, 0.01, Decision.APPROVE, []),
        (0.7999, 0.01, Decision.APPROVE, []),
        (0.80, 0.01, Decision.HOLD, ["spam_score"]),
        (0.9699, 0.01, Decision.HOLD, ["spam_score"]),
        (0.97, 0.01, Decision.SPAM, ["spam_score"]),
        (0.01, 0.85, Decision.HOLD, ["misinformation_score"]),
        (0.01, 1.0, Decision.HOLD, ["misinformation_score"]),
        (0.99, 0.99, Decision.SPAM, ["spam_score", "misinformation_score"]),
    ],
    ids=[
        "low",
        "just-below-hold",
        "at-spam-hold",
        "just-below-spam",
        "at-spam",
        "misinformation-hold",
        "misinformation-certain-still-held",
        "both-high",
    ],
)
def test_score_thresholds(spam, misinformation, decision, expected_codes):
    """Scores at or above a hold threshold hold, at or above the spam threshold make spam."""
    outcome = rule_policy().decide(scores(spam, misinformation), Signals())
    assert outcome.decision is decision
    assert codes(outcome) == expected_codes


def test_misinformation_can_be_made_spam_when_configured():
    """With misinformation_spam set, misinformation risk at or above it makes spam."""
    policy = rule_policy(misinformation_spam=0.95)
    assert policy.decide(scores(misinformation=0.96), Signals()).decision is Decision.SPAM
    assert policy.decide(scores(misinformation=0.90), Signals()).decision is Decision.HOLD


def test_spam_none_never_marks_spam():
    """spam_spam=None means a spam score, however high, only holds."""
    policy = Policy(spam_spam=None)
    assert policy.decide(scores(spam=1.0), Signals()).decision is Decision.HOLD


@pytest.mark.parametrize(
    ("spam", "misinformation", "decision", "unscored"),
    [
        (None, 0.99, Decision.HOLD, "spam"),
        (0.99, None, Decision.SPAM, "misinformation"),
        (None, None, Decision.APPROVE, "spam"),
    ],
    ids=["no-spam-score", "no-misinformation-score", "no-scores"],
)
def test_untrained_risk_is_skipped_silently(spam, misinformation, decision, unscored):
    """A risk scoring None adds no reason; the other risk still decides."""
    outcome = Policy().decide(scores(spam, misinformation), Signals())
    assert outcome.decision is decision
    assert all(unscored not in reason.code and unscored not in reason.message.lower() for reason in outcome.reasons)


def test_unscored_comment_is_decided_by_rules():
    """scores=None (not scored) leaves the decision to the other rules."""
    assert Policy().decide(None, Signals()).decision is Decision.APPROVE
    assert Policy().decide(None, Signals(honeypot_filled=True)).decision is Decision.SPAM


def test_score_reason_names_top_contributions():
    """A score reason's detail lists the strongest contributions, strongest first, at most three."""
    contributions = [
        Contribution("no prescription", 1.2, "term"),
        Contribution("link to a low-reputation domain", 0.9, "signal"),
        Contribution("cheap", 0.5, "term"),
        Contribution("pills", 0.1, "term"),
    ]
    outcome = Policy().decide(RiskScores(0.99, 0.01, {"spam": tuple(contributions)}), Signals())
    reason = outcome.reasons[0]
    assert reason.code == "spam_score"
    assert reason.detail == '"no prescription" (+1.20), link to a low-reputation domain (+0.90), "cheap" (+0.50)'
    assert "0.99" in reason.message


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signals", "decision", "code"),
    [
        (Signals(honeypot_filled=True), Decision.SPAM, "honeypot"),
        (Signals(seconds_to_submit=1.0), Decision.SPAM, "too_fast"),
        (Signals(seconds_to_submit=-5.0), Decision.SPAM, "too_fast"),
        (Signals(token=TokenStatus.INVALID, token_detail="bad signature"), Decision.SPAM, "token_invalid"),
        (Signals(token=TokenStatus.EXPIRED), Decision.SPAM, "token_expired"),
        (Signals(token=TokenStatus.REPLAYED), Decision.SPAM, "token_replayed"),
        (Signals(disallowed=KEY_IN_CONTENT), Decision.SPAM, "disallowed_key"),
        (Signals(moderated=KEY_IN_CONTENT), Decision.HOLD, "moderation_key"),
        (Signals(links=2), Decision.HOLD, "too_many_links"),
        (Signals(duplicate=True), Decision.SPAM, "duplicate"),
        (Signals(seconds_since_last_post=5.0), Decision.HOLD, "flood"),
    ],
    ids=[
        "honeypot",
        "too-fast",
        "rendered-in-future",
        "token-invalid",
        "token-expired",
        "token-replayed",
        "disallowed-key",
        "moderation-key",
        "too-many-links",
        "duplicate",
        "flood",
    ],
)
def test_each_rule_fires(signals, decision, code):
    """Each rule alone gives its decision and exactly its reason code."""
    outcome = Policy().decide(LOW, signals)
    assert outcome.decision is decision
    assert codes(outcome) == [code]
    assert outcome.reasons[0].message


@pytest.mark.parametrize(
    "signals",
    [
        Signals(seconds_to_submit=3.0),
        Signals(seconds_to_submit=None),
        Signals(links=1),
        Signals(seconds_since_last_post=15.0),
        Signals(seconds_since_last_post=None),
        Signals(token=TokenStatus.VALID),
        Signals(token=TokenStatus.ABSENT),
        Signals(trusted=True),
    ],
    ids=[
        "exactly-min-seconds",
        "render-time-unknown",
        "one-link",
        "exactly-flood-window",
        "first-post",
        "valid-token",
        "no-token-not-required",
        "trusted-alone",
    ],
)
def test_rule_boundaries_approve(signals):
    """At the edge of each rule, or with nothing suspicious, the comment is approved without reasons."""
    outcome = Policy().decide(LOW, signals)
    assert outcome.decision is Decision.APPROVE
    assert outcome.reasons == ()


def test_missing_token_is_spam_when_required():
    """With require_token, a submission without a token is spam with token_invalid."""
    outcome = Policy(require_token=True).decide(LOW, Signals(token=TokenStatus.ABSENT))
    assert outcome.decision is Decision.SPAM
    assert codes(outcome) == ["token_invalid"]
    assert outcome.reasons[0].detail == "no token"


@pytest.mark.parametrize(
    ("policy", "signals"),
    [
        (Policy(link_limit=0), Signals(links=50)),
        (Policy(flood_seconds=0), Signals(seconds_since_last_post=0.0)),
        (Policy(check_duplicates=False), Signals(duplicate=True)),
        (Policy(min_seconds_to_submit=0), Signals(seconds_to_submit=0.0)),
    ],
    ids=["links-off", "flood-off", "duplicates-off", "min-seconds-off"],
)
def test_rules_can_be_turned_off(policy, signals):
    """A rule set to 0 or False never fires."""
    assert policy.decide(LOW, signals).decision is Decision.APPROVE


def test_flood_uses_absolute_spacing():
    """An out-of-order earlier post (batch import) within the window is still a flood."""
    outcome = Policy().decide(LOW, Signals(seconds_since_last_post=-4.0))
    assert codes(outcome) == ["flood"]


# --- interplay ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "signals", "decision", "first_code"),
    [
        (scores(spam=0.99), Signals(trusted=True), Decision.SPAM, "spam_score"),
        (LOW, Signals(trusted=True, disallowed=KEY_IN_CONTENT), Decision.SPAM, "disallowed_key"),
        (LOW, Signals(trusted=True, honeypot_filled=True), Decision.SPAM, "honeypot"),
        (LOW, Signals(trusted=True, token=TokenStatus.INVALID), Decision.SPAM, "token_invalid"),
        (LOW, Signals(trusted=True, token=TokenStatus.REPLAYED), Decision.SPAM, "token_replayed"),
        (LOW, Signals(trusted=True, seconds_to_submit=0.5), Decision.SPAM, "too_fast"),
        (LOW, Signals(trusted=True, duplicate=True), Decision.SPAM, "duplicate"),
        (LOW, Signals(trusted=True, links=5), Decision.HOLD, "too_many_links"),
        (LOW, Signals(trusted=True, seconds_since_last_post=1.0), Decision.HOLD, "flood"),
        (scores(misinformation=0.9), Signals(trusted=True), Decision.HOLD, "misinformation_score"),
    ],
    ids=[
        "spam-score-0.99",
        "disallowed-key",
        "honeypot",
        "invalid-token",
        "replayed-token",
        "too-fast",
        "duplicate",
        "links",
        "flood",
        "misinformation-hold",
    ],
)
def test_trust_never_overrides(score, signals, decision, first_code):
    """A trusted commenter still gets spam for spam-level rules and holds for links, flood and misinformation."""
    outcome = rule_policy().decide(score, signals)
    assert outcome.decision is decision
    assert outcome.reasons[0].code == first_code


@pytest.mark.parametrize(
    ("score", "signals", "waived"),
    [
        (scores(spam=0.9), Signals(trusted=True), "Spam risk 0.90"),
        (LOW, Signals(trusted=True, moderated=KEY_IN_CONTENT), "moderation word"),
    ],
    ids=["spam-score-hold", "moderation-key"],
)
def test_trust_waives_score_and_moderation_key_holds(score, signals, waived):
    """A trusted commenter skips spam-score and moderation-key holds, and the reason says what was waived."""
    outcome = rule_policy().decide(score, signals)
    assert outcome.decision is Decision.APPROVE
    assert codes(outcome) == ["trusted_commenter"]
    assert waived in outcome.reasons[0].detail
    untrusted = rule_policy().decide(score, dataclasses.replace(signals, trusted=False))
    assert untrusted.decision is Decision.HOLD


def test_trust_can_waive_misinformation_hold_when_configured():
    """trusted_skip_misinformation_hold lets a trusted commenter skip the misinformation hold."""
    policy = rule_policy(trusted_skip_misinformation_hold=True)
    outcome = policy.decide(scores(misinformation=0.9), Signals(trusted=True))
    assert outcome.decision is Decision.APPROVE
    assert codes(outcome) == ["trusted_commenter"]


def test_trust_can_be_turned_off():
    """With trust_approved_commenters=False, a trusted commenter is held like anyone else."""
    outcome = rule_policy(trust_approved_commenters=False).decide(scores(spam=0.9), Signals(trusted=True))
    assert outcome.decision is Decision.HOLD
    assert codes(outcome) == ["spam_score"]


def test_disallowed_key_beats_low_score():
    """A disallowed key makes spam even when both scores are near zero."""
    outcome = rule_policy().decide(scores(0.0001, 0.0001), Signals(disallowed=KEY_IN_CONTENT))
    assert outcome.decision is Decision.SPAM


def test_reasons_most_decisive_first():
    """Spam-level reasons come before hold-level ones, then the trusted and log-only notes."""
    signals = Signals(
        honeypot_filled=True,
        links=3,
        seconds_since_last_post=2.0,
        moderated=KEY_IN_CONTENT,
        duplicate=True,
        token=TokenStatus.EXPIRED,
    )
    outcome = rule_policy(log_only=True).decide(scores(spam=0.98, misinformation=0.9), signals)
    assert codes(outcome) == [
        "token_expired",
        "honeypot",
        "duplicate",
        "spam_score",
        "misinformation_score",
        "moderation_key",
        "too_many_links",
        "flood",
        "log_only",
    ]


def test_key_reason_detail_lists_matches():
    """A key reason's detail names what matched, without an email key when it matched the address."""
    matches = (KeyMatch(2, "content", "casino"), KeyMatch(5, "email", None))
    outcome = Policy().decide(LOW, Signals(moderated=matches))
    assert outcome.reasons[0].detail == '"casino" in the comment text; key on line 5 matched the email address'


# --- log-only -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signals", "decision"),
    [(Signals(honeypot_filled=True), Decision.SPAM), (Signals(links=9), Decision.HOLD)],
    ids=["spam", "hold"],
)
def test_log_only_reports_but_does_not_enforce(signals, decision):
    """In log-only mode the policy's decision is reported, not enforced, with a log_only note last."""
    outcome = Policy(log_only=True).decide(LOW, signals)
    assert outcome.decision is decision
    assert outcome.enforced is False
    assert outcome.reasons[-1].code == "log_only"


def test_log_only_adds_no_note_to_approvals():
    """An approved comment in log-only mode has no log_only reason."""
    outcome = Policy(log_only=True).decide(LOW, Signals())
    assert outcome.decision is Decision.APPROVE
    assert outcome.reasons == ()
    assert outcome.enforced is False


# --- properties -----------------------------------------------------------------------------

probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
maybe_probability = st.one_of(st.none(), probabilities)
signal_strategy = st.builds(
    Signals,
    honeypot_filled=st.booleans(),
    seconds_to_submit=st.one_of(st.none(), st.floats(min_value=-10, max_value=100)),
    token=st.sampled_from(list(TokenStatus)),
    disallowed=st.sampled_from([(), KEY_IN_CONTENT]),
    moderated=st.sampled_from([(), KEY_IN_CONTENT]),
    links=st.integers(min_value=0, max_value=6),
    duplicate=st.booleans(),
    seconds_since_last_post=st.one_of(st.none(), st.floats(min_value=-60, max_value=60)),
    trusted=st.booleans(),
)
policy_strategy = st.sampled_from(
    [
        Policy.default(),
        Policy.strict(),
        Policy.lenient(),
        Policy(misinformation_spam=0.95),
        Policy(trusted_skip_misinformation_hold=True),
        Policy(spam_spam=None, require_token=True),
    ]
)


@given(
    policy=policy_strategy,
    signals=signal_strategy,
    spam=maybe_probability,
    misinformation=maybe_probability,
    raise_spam=probabilities,
    raise_misinformation=probabilities,
)
def test_raising_a_score_never_moves_toward_approve(
    policy, signals, spam, misinformation, raise_spam, raise_misinformation
):
    """For any signals, raising either score never gives a more permissive decision."""
    higher_spam = None if spam is None else spam + (1.0 - spam) * raise_spam
    higher_misinformation = (
        None if misinformation is None else misinformation + (1.0 - misinformation) * raise_misinformation
    )
    before = policy.decide(RiskScores(spam, misinformation), signals)
    after = policy.decide(RiskScores(higher_spam, higher_misinformation), signals)
    assert decision_rank(after.decision) >= decision_rank(before.decision)


@given(policy=policy_strategy, signals=signal_strategy, spam=probabilities, misinformation=probabilities)
def test_decision_matches_most_severe_reason(policy, signals, spam, misinformation):
    """Reasons are never empty for a non-approval, and the policy is deterministic."""
    outcome = policy.decide(RiskScores(spam, misinformation), signals)
    assert outcome == policy.decide(RiskScores(spam, misinformation), signals)
    if outcome.decision is not Decision.APPROVE:
        assert outcome.reasons
        assert outcome.reasons[0].code not in {"trusted_commenter", "log_only"}


@given(hold=probabilities, spam=probabilities)
def test_any_ordered_thresholds_accepted(hold, spam):
    """Any hold <= spam in [0, 1] is a valid policy, and spam < hold is refused."""
    if hold <= spam:
        assert Policy(spam_hold=hold, spam_spam=spam).spam_spam == spam
    else:
        with pytest.raises(PolicyError):
            Policy(spam_hold=hold, spam_spam=spam)
