"""Tests for comment_guard.errors: the exception tree and SubmissionError's message."""

from __future__ import annotations

import inspect

import pytest

from comment_guard import errors
from comment_guard.errors import CommentGuardError, SubmissionError
from comment_guard.results import FieldError

#: Each exception and the built-in it also derives from, as drawn in the errors module docstring.
BUILTIN_PARENTS = [
    (errors.SubmissionError, ValueError),
    (errors.InsecureKeyError, ValueError),
    (errors.PolicyError, ValueError),
    (errors.FormTokenError, ValueError),
    (errors.FeedbackError, ValueError),
    (errors.HistoryError, OSError),
    (errors.TrainingDataError, ValueError),
    (errors.InputFormatError, ValueError),
    (errors.ResumeError, ValueError),
    (errors.ModelNotFoundError, FileNotFoundError),
    (errors.ManifestError, ValueError),
    (errors.IntegrityError, ValueError),
    (errors.UntrustedModelError, PermissionError),
    (errors.ModelBehaviourError, RuntimeError),
    (errors.RiskUnavailableError, LookupError),
]

MODEL_ERRORS = [
    errors.ModelNotFoundError,
    errors.ManifestError,
    errors.IntegrityError,
    errors.UntrustedModelError,
    errors.ModelBehaviourError,
    errors.RiskUnavailableError,
]

ALL_CLASSES = [
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, BaseException) and obj.__module__ == errors.__name__
]


@pytest.mark.parametrize(("cls", "builtin"), BUILTIN_PARENTS, ids=[cls.__name__ for cls, _ in BUILTIN_PARENTS])
def test_exception_also_derives_from_builtin(cls, builtin):
    """Each exception can be caught by the built-in a caller would naturally use, and by the base."""
    assert issubclass(cls, builtin)
    assert issubclass(cls, CommentGuardError)


@pytest.mark.parametrize("cls", MODEL_ERRORS, ids=[cls.__name__ for cls in MODEL_ERRORS])
def test_model_errors_share_model_error(cls):
    """Every model-loading failure is a ModelError."""
    assert issubclass(cls, errors.ModelError)


def test_every_exception_has_a_builtin_parent_listed():
    """The table above covers every exception except the two abstract bases."""
    listed = {cls for cls, _ in BUILTIN_PARENTS}
    assert {cls for cls in ALL_CLASSES if cls not in listed} == {CommentGuardError, errors.ModelError}


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=[cls.__name__ for cls in ALL_CLASSES])
def test_exception_drawn_in_module_docstring(cls):
    """The exception tree in the module docstring names every exception class."""
    assert errors.__doc__ is not None
    assert cls.__name__ in errors.__doc__


def test_submission_error_carries_errors():
    """SubmissionError keeps its FieldErrors, as a tuple, on .errors."""
    problems = [FieldError("email", "invalid_email", "Please enter a valid email address.")]
    error = SubmissionError(problems)
    assert error.errors == tuple(problems)
    assert isinstance(error.errors, tuple)


def test_submission_error_message_names_fields_once_sorted():
    """The message counts the problems and names each field once, sorted."""
    error = SubmissionError(
        [
            FieldError("url", "invalid_url", "Please enter a valid website address."),
            FieldError("author", "required", "Please enter your name."),
            FieldError("author", "too_long", "Your name is too long."),
        ]
    )
    assert str(error) == (
        "The comment submission is invalid (3 problem(s) in: author, url); see .errors for a message per field."
    )


def test_submission_error_without_errors():
    """An empty error list still gives a readable message naming the submission."""
    error = SubmissionError([])
    assert error.errors == ()
    assert "(0 problem(s) in: submission)" in str(error)


def test_submission_error_message_omits_field_messages():
    """SubmissionError's text names fields only, never the per-field messages or codes."""
    error = SubmissionError([FieldError("content", "required", "Please type your comment text.")])
    assert "Please type your comment text." not in str(error)
    assert "required" not in str(error)


@pytest.mark.parametrize("catch_as", [ValueError, CommentGuardError, SubmissionError], ids=lambda cls: cls.__name__)
def test_submission_error_catchable_as(catch_as):
    """A raised SubmissionError is caught by ValueError, CommentGuardError and itself."""
    with pytest.raises(catch_as):
        raise SubmissionError([FieldError("content", "required", "Please type your comment text.")])
