"""comment_guard: local, explainable moderation of blog comments.

Validates a comment submission, keeps the commenter's email address private, scores spam
and medical-misinformation risk with shipped scikit-learn models, and decides approve /
hold / spam / reject with reasons a moderator can read.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from comment_guard.errors import CommentGuardError, SubmissionError
from comment_guard.guard import CommentGuard
from comment_guard.policy import Policy
from comment_guard.privacy import IdentityKey, PublicComment
from comment_guard.results import Decision, FieldError, ModerationResult, Reason, RiskScores
from comment_guard.submission import CommentSubmission, SubmissionCheck, validate_submission

try:
    __version__ = version("comment-guard")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "CommentGuard",
    "CommentGuardError",
    "CommentSubmission",
    "Decision",
    "FieldError",
    "IdentityKey",
    "ModerationResult",
    "Policy",
    "PublicComment",
    "Reason",
    "RiskScores",
    "SubmissionCheck",
    "SubmissionError",
    "__version__",
    "validate_submission",
]
