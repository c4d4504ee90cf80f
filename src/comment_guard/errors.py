"""Exceptions raised by comment_guard.

Every exception derives from :class:`CommentGuardError`; each subclass also derives
from the built-in a caller would naturally catch, so ``except ValueError`` works too::

    CommentGuardError
    ├── SubmissionError (ValueError)           a comment submission failed validation
    ├── InsecureKeyError (ValueError)          a secret key is missing or too short
    ├── PolicyError (ValueError)               a policy setting is out of range
    ├── FormTokenError (ValueError)            a signed form token is forged, replayed or expired
    ├── FeedbackError (ValueError)             a moderator verdict cannot be recorded for that result
    ├── HistoryError (OSError)                 the commenter-history store cannot be read or written
    ├── TrainingDataError (ValueError)         labelled data cannot be used for training
    ├── InputFormatError (ValueError)          an export file cannot be read at all
    ├── ResumeError (ValueError)               an unfinished batch run cannot be resumed as asked
    └── ModelError                             a model directory cannot be used
        ├── ModelNotFoundError (FileNotFoundError)
        ├── ManifestError (ValueError)         manifest.json is missing fields or malformed
        ├── IntegrityError (ValueError)        a file's size or SHA-256 differs from the manifest
        ├── UntrustedModelError (PermissionError)
        ├── ModelBehaviourError (RuntimeError) probe texts no longer score as recorded
        └── RiskUnavailableError (LookupError) the model does not score that risk

No message here ever contains an email address or a raw IP: structured details
live on attributes, and field errors never echo the rejected input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from comment_guard.results import FieldError


class CommentGuardError(Exception):
    """Base class of every exception raised by comment_guard."""


class SubmissionError(CommentGuardError, ValueError):
    """A comment submission failed validation; ``errors`` lists one entry per problem."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        fields = ", ".join(sorted({error.field for error in self.errors})) or "submission"
        super().__init__(
            f"The comment submission is invalid ({len(self.errors)} problem(s) in: {fields}); "
            "see .errors for a message per field."
        )


class InsecureKeyError(CommentGuardError, ValueError):
    """The secret key used for commenter digests or form tokens is missing or too short."""


class PolicyError(CommentGuardError, ValueError):
    """A moderation policy setting is invalid."""


class FormTokenError(CommentGuardError, ValueError):
    """A signed form token is malformed, forged, expired or for another post."""


class FeedbackError(CommentGuardError, ValueError):
    """A moderator verdict cannot be recorded (unknown verdict, or a rejected submission)."""


class HistoryError(CommentGuardError, OSError):
    """The commenter-history store (a SQLite file) cannot be opened, read or written."""


class TrainingDataError(CommentGuardError, ValueError):
    """Labelled data cannot be used for training or evaluation."""


class InputFormatError(CommentGuardError, ValueError):
    """An export file cannot be read at all (unknown format, unreadable container)."""


class ResumeError(CommentGuardError, ValueError):
    """An unfinished run cannot be resumed (different export or settings), or was not asked to be."""


class ModelError(CommentGuardError):
    """A model directory cannot be loaded or used."""


class ModelNotFoundError(ModelError, FileNotFoundError):
    """The model directory or one of its files does not exist."""


class ManifestError(ModelError, ValueError):
    """The model manifest is missing, malformed or of an unsupported format version."""


class IntegrityError(ModelError, ValueError):
    """A model file's size or SHA-256 differs from the manifest; it was not unpickled."""


class UntrustedModelError(ModelError, PermissionError):
    """A model outside the installed package was loaded without the caller trusting it."""


class ModelBehaviourError(ModelError, RuntimeError):
    """The loaded model no longer gives the probe scores recorded when it was trained."""


class RiskUnavailableError(ModelError, LookupError):
    """The model was not trained for the requested risk."""
