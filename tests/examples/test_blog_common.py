"""The examples' shared module: settings from the environment, the guard it builds, form data, the store."""

from __future__ import annotations

import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from examples.blog_common import (
    DEMO_DATABASE,
    CommentStore,
    Settings,
    SiteKeys,
    build_guard,
    comment_data,
    field_messages,
)
from web_clients import EMAIL, VALID

from comment_guard import CommentGuard, Decision
from comment_guard.artifact import save_model
from comment_guard.errors import InsecureKeyError, ModelError


def test_demo_settings_are_random_persistent_and_announced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without environment variables the demo key is random, kept in a private file, and both defaults are announced."""
    monkeypatch.chdir(tmp_path)
    first = Settings.from_env({})
    second = Settings.from_env({})
    assert first == second
    assert first.database == Path(DEMO_DATABASE)
    secret_file = tmp_path / f"{DEMO_DATABASE}.secret"
    assert secret_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    warnings = capsys.readouterr().err
    assert warnings.count("WARNING: COMMENT_GUARD_SECRET_KEY is not set") == 2
    assert f"moderation token is {first.admin_token}" in warnings
    other_site = Settings.from_env({"COMMENT_GUARD_DATABASE": str(tmp_path / "other.sqlite3")})
    assert other_site.secret_key != first.secret_key


def test_environment_settings_are_used_silently(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Configured values are taken as given and nothing is printed."""
    environ = {
        "COMMENT_GUARD_SECRET_KEY": "k" * 32,
        "COMMENT_GUARD_ADMIN_TOKEN": "a" * 16,
        "COMMENT_GUARD_DATABASE": str(tmp_path / "site.sqlite3"),
        "COMMENT_GUARD_MODEL": str(tmp_path / "model"),
    }
    settings = Settings.from_env(environ)
    assert settings == Settings("k" * 32, "a" * 16, tmp_path / "site.sqlite3", tmp_path / "model")
    assert settings.feedback_log == tmp_path / "site.sqlite3.feedback.jsonl"
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("secret_key", "admin_token", "error"),
    [("short", "a" * 16, InsecureKeyError), ("k" * 32, "too-short", ValueError)],
    ids=["short-secret-key", "short-admin-token"],
)
def test_short_secrets_are_refused(tmp_path: Path, secret_key: str, admin_token: str, error: type[Exception]) -> None:
    """A secret key under 16 bytes or an admin token under 16 characters is refused."""
    with pytest.raises(error, match="at least 16"):
        Settings(secret_key, admin_token, tmp_path / "site.sqlite3")


def test_build_guard_loads_the_configured_model(tmp_path: Path, tiny_model: Any, settings: Settings) -> None:
    """A model directory named in the settings is loaded, with the history in the site database."""
    save_model(tiny_model, tmp_path / "model", name="tiny")
    configured = Settings(settings.secret_key, settings.admin_token, settings.database, tmp_path / "model")
    guard = build_guard(configured)
    try:
        assert isinstance(guard, CommentGuard)
        assert guard.policy.require_token is True
        assert guard.score(["Buy cheap viagra online"])[0].spam is not None
    finally:
        guard.history.close()  # type: ignore[attr-defined]


def test_build_guard_reports_a_missing_model(tmp_path: Path, settings: Settings) -> None:
    """A model directory that does not exist raises the library's ModelError."""
    configured = Settings(settings.secret_key, settings.admin_token, settings.database, tmp_path / "missing")
    with pytest.raises(ModelError):
        build_guard(configured)


class MultiValueForm(dict[str, list[str]]):
    """A form mapping with several values per name, as Werkzeug, Starlette and Django give."""

    def getlist(self, name: str) -> list[str]:
        return self.get(name, [])


def test_comment_data_reads_only_the_form_fields() -> None:
    """Fields a bot adds (ip, post id) are ignored; the first of repeated values counts; a bad client address is dropped."""
    form = MultiValueForm(
        author=["Ann", "Bob"], comment=["Hello"], ip=["10.0.0.1"], post_id=["other"], cg_trap=[""], submit=["Post"]
    )
    data = comment_data(
        form,
        post_id="ketamine-ptsd-relief",
        honeypot_field="cg_trap",
        ip="testclient",
        user_agent="Mozilla/5.0",
        referrer=None,
        submitted_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    )
    assert set(data) == {"author", "comment", "cg_trap", "post_id", "user_agent", "submitted_at"}
    assert data["author"] == "Ann"
    assert data["post_id"] == "ketamine-ptsd-relief"


def test_field_messages_split_field_and_form_errors(make_guard: Any) -> None:
    """Errors on form fields go beside them (the text under ``comment``); others go above the form."""
    result = make_guard().moderate({"author": "", "email": "x", "content": "", "form_token": "t" * 2_000})
    by_field, general = field_messages(result)
    assert set(by_field) == {"author", "email", "comment"}
    assert general == ["The form has expired; please reload the page and try again."]


def test_store_refuses_a_rejected_result(settings: Settings, make_guard: Any) -> None:
    """Only moderated comments are stored; a rejected submission has none."""
    result = make_guard().moderate({"content": ""})
    assert result.decision is Decision.REJECT
    with pytest.raises(ValueError, match="rejected"):
        CommentStore(settings.database).add(result)


def test_stored_result_supports_feedback(settings: Settings, make_guard: Any) -> None:
    """A comment read back from the store is a result the guard accepts feedback on, without the email."""
    guard = make_guard()
    result = guard.moderate(VALID | {"post_id": "p"})
    store = CommentStore(settings.database)
    stored = store.add(result)
    again = store.get(stored.id)
    assert again is not None
    assert again.result.public == result.public
    assert again.result.commenter == result.commenter
    assert again.result.reasons == result.reasons
    assert guard.feedback(again.result, "spam").spam == "spam"
    assert store.get(stored.id + 1) is None
    assert EMAIL.encode() not in settings.database.read_bytes()


def test_site_keys_compare_strictly(settings: Settings) -> None:
    """Admin token, session, CSRF and preview values are recognised exactly, and nothing else is."""
    keys = SiteKeys(settings)
    assert keys.check_admin_token(settings.admin_token)
    assert keys.check_session(keys.session)
    assert keys.check_csrf(keys.csrf)
    assert keys.check_preview(7, keys.preview(7))
    for wrong in (None, "", settings.admin_token + "x", "\udcff", 42):
        assert not keys.check_admin_token(wrong)
    assert not keys.check_preview(8, keys.preview(7))
    assert keys.session != keys.csrf
    assert settings.secret_key not in repr(keys)
