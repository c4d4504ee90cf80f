"""Tests pinning the public API: comment_guard.__all__, importability, version, exception tree."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect

import pytest

import comment_guard
from comment_guard import errors

#: The public contract. Update deliberately, in the same change that grows the API.
EXPECTED_ALL = [
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

ERROR_CLASSES = [
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, BaseException) and obj.__module__ == errors.__name__
]


def test_all_is_pinned():
    """comment_guard.__all__ is exactly the expected list, in sorted order."""
    assert comment_guard.__all__ == EXPECTED_ALL
    assert sorted(comment_guard.__all__) == comment_guard.__all__


@pytest.mark.parametrize("name", EXPECTED_ALL, ids=EXPECTED_ALL)
def test_public_name_importable(name):
    """Every name in __all__ can be imported from the package."""
    module = importlib.import_module("comment_guard")
    assert getattr(module, name) is not None


def test_star_import_gives_exactly_all():
    """``from comment_guard import *`` binds exactly the names in __all__."""
    namespace: dict[str, object] = {}
    exec("from comment_guard import *", namespace)  # noqa: S102 - a fixed literal, to test star-import
    assert sorted(name for name in namespace if name != "__builtins__") == EXPECTED_ALL


def test_version_matches_installed_metadata():
    """__version__ comes from the installed package metadata, the single place it is declared."""
    assert comment_guard.__version__ == importlib.metadata.version("comment-guard")
    assert comment_guard.__version__ != "0+unknown"


def test_errors_module_defines_exceptions():
    """comment_guard.errors defines its exception classes (guards the checks below against an empty list)."""
    assert {cls.__name__ for cls in ERROR_CLASSES} >= {"CommentGuardError", "SubmissionError", "InsecureKeyError"}


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=[cls.__name__ for cls in ERROR_CLASSES])
def test_every_exception_derives_from_base(cls):
    """Every exception in comment_guard.errors is a CommentGuardError."""
    assert issubclass(cls, comment_guard.CommentGuardError)
