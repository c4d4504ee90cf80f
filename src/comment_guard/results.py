"""Frozen result types shared by every stage: decisions, scores, reasons and field errors.

This module is a leaf: it imports nothing else from comment_guard, so any stage may use it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from comment_guard.privacy import PublicComment

#: The two risks, named once and reused as score fields, label names and manifest keys.
SPAM = "spam"
MISINFORMATION = "misinformation"
RISKS: tuple[str, str] = (SPAM, MISINFORMATION)
#: The negative label of each risk, as written in labelled feedback records.
HAM = "ham"
RELIABLE = "reliable"


class Decision(str, enum.Enum):
    """What to do with a comment, from most to least permissive."""

    APPROVE = "approve"
    HOLD = "hold"
    SPAM = "spam"
    REJECT = "reject"

    def __str__(self) -> str:
        return self.value


class Verdict(str, enum.Enum):
    """A moderator's verdict on a moderated comment, given to ``CommentGuard.feedback``.

    ``APPROVE`` (also accepted as ``"ham"``): legitimate and reliable, and its author becomes
    a trusted commenter. ``SPAM``: spam. ``MISINFORMATION``: not spam, but misinformation.
    """

    APPROVE = "approve"
    SPAM = "spam"
    MISINFORMATION = "misinformation"

    @classmethod
    def _missing_(cls, value: object) -> Verdict | None:
        if isinstance(value, str):
            text = value.strip().lower()
            aliases = {HAM: cls.APPROVE, "approved": cls.APPROVE, "misinfo": cls.MISINFORMATION}
            if text in aliases:
                return aliases[text]
            for member in cls:
                if member.value == text:
                    return member
        return None

    @property
    def spam_label(self) -> str:
        """The ``spam`` column of a labelled record: ``"spam"`` or ``"ham"``."""
        return SPAM if self is Verdict.SPAM else HAM

    @property
    def misinformation_label(self) -> str:
        """The ``misinformation`` column: ``"misinformation"``, ``"reliable"``, or ``""`` when unknown."""
        if self is Verdict.MISINFORMATION:
            return MISINFORMATION
        return RELIABLE if self is Verdict.APPROVE else ""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one form field, in words a commenter understands.

    ``code`` is a stable machine code (``required``, ``invalid_email``, ``too_long``...);
    ``message`` never repeats the rejected value.
    """

    field: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Contribution:
    """A term or named signal that pushed a risk score up.

    ``weight`` is its additive contribution to the score's log-odds (positive = riskier).
    ``kind`` is ``"term"`` for a word or word pair, ``"signal"`` for a named feature.
    """

    name: str
    weight: float
    kind: Literal["term", "signal"]

    def __str__(self) -> str:
        label = f'"{self.name}"' if self.kind == "term" else self.name
        return f"{label} (+{self.weight:.2f})"


@dataclass(frozen=True, slots=True)
class RiskScores:
    """Calibrated risk probabilities in [0, 1] for one text, with what pushed them up.

    A score is ``None`` when the model in use was not trained for that risk.
    ``explanations`` maps a risk name to its top contributions, strongest first.
    """

    spam: float | None
    misinformation: float | None
    explanations: dict[str, tuple[Contribution, ...]] = field(default_factory=dict, compare=False)

    def get(self, risk: str) -> float | None:
        """Return the score of ``risk`` (``"spam"`` or ``"misinformation"``)."""
        if risk == SPAM:
            return self.spam
        if risk == MISINFORMATION:
            return self.misinformation
        raise KeyError(f"Unknown risk {risk!r}; expected one of {RISKS}.")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a decision was taken: a stable ``code``, a moderator-readable ``message``, a ``detail``."""

    code: str
    message: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, slots=True)
class ModerationResult:
    """The outcome of moderating one submission.

    ``public`` is ``None`` when the submission was rejected as invalid; ``errors`` is then
    non-empty. ``commenter`` is a keyed digest of the email address, never the address.
    ``enforced`` is ``False`` in log-only mode, where ``decision`` is what the policy would
    have done but the comment is approved.
    """

    decision: Decision
    scores: RiskScores | None
    reasons: tuple[Reason, ...]
    public: PublicComment | None
    commenter: str | None
    errors: tuple[FieldError, ...] = ()
    enforced: bool = True

    @property
    def effective_decision(self) -> Decision:
        """The decision to act on: ``APPROVE`` in log-only mode, else ``decision``."""
        if not self.enforced and self.decision is not Decision.REJECT:
            return Decision.APPROVE
        return self.decision
