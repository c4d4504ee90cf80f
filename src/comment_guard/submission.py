"""Validation of a comment submission as posted by a WordPress-style comment form.

:class:`CommentSubmission` is the only type that ever holds the commenter's raw email
address and IP address, both as :class:`pydantic.SecretStr` so that ``repr``, ``str``,
JSON and ``model_dump`` show them masked.

Length limits follow WordPress (``wp_get_comment_fields_max_lengths``): ``author`` 245
and ``content`` 65,525 are counted in UTF-8 bytes, as WordPress does; ``email`` 100 and
``url`` 200 are counted in characters.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urlsplit

import email_validator
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from comment_guard.errors import SubmissionError
from comment_guard.results import FieldError

AUTHOR_MAX_BYTES = 245
EMAIL_MAX_CHARS = 100
URL_MAX_CHARS = 200
CONTENT_MAX_BYTES = 65_525
USER_AGENT_MAX_CHARS = 255
REFERRER_MAX_CHARS = 2_000

#: Validation-context key that switches the "name and email required" rule.
REQUIRE_NAME_EMAIL = "require_name_email"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SAFE_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def clean_text(value: str, *, single_line: bool = False) -> str:
    """Return ``value`` in NFC with line breaks unified and control characters removed.

    Newline and tab survive unless ``single_line``, when any run of white space becomes one
    space and invisible formatting characters (zero-width, bidirectional overrides) go too.
    Lone surrogates become U+FFFD so the text can always be encoded as UTF-8.
    """
    text = _SURROGATE.sub("\ufffd", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    if single_line:
        text = " ".join(_INVISIBLE.sub("", text).split())
    return text.strip()


def _error(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _optional_text(value: Any) -> Any:
    """Treat an empty or blank form value as absent, and numbers as their text."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _check_email(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    address = clean_text(value, single_line=True)
    if len(address) > EMAIL_MAX_CHARS:
        raise _error("too_long", "Your email address is too long.")
    try:
        checked = email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise _error("invalid_email", "Please enter a valid email address.") from None
    return checked.normalized


def _check_url(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    url = clean_text(value, single_line=True)
    if len(url) > URL_MAX_CHARS:
        raise _error("too_long", "Your website address is too long.")
    if "://" not in url and not url.lower().startswith(("javascript:", "data:", "mailto:")):
        url = "http://" + url  # WordPress accepts "example.com" and adds the scheme.
    invalid = _error("invalid_url", "Please enter a valid website address starting with http:// or https://.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise invalid from None
    host = parts.hostname or ""
    if parts.scheme.lower() not in {"http", "https"} or not host or " " in url or port == 0:
        raise invalid
    if parts.username is not None or parts.password is not None:
        raise _error("invalid_url", "Please enter a website address without a user name or password.")
    # urlsplit drops the brackets of an IPv6 literal, so its hostname is recognised by the colon.
    if "." not in host and host != "localhost" and ":" not in host:
        raise invalid
    return url


def _check_ip(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise _error("invalid_ip", "The IP address is not valid.") from None


EmailField = Annotated[SecretStr | None, BeforeValidator(_check_email), BeforeValidator(_optional_text)]
IpField = Annotated[SecretStr | None, BeforeValidator(_check_ip), BeforeValidator(_optional_text)]
UrlField = Annotated[str | None, BeforeValidator(_check_url), BeforeValidator(_optional_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]


class CommentSubmission(BaseModel):
    """A validated comment as submitted through a comment form.

    Build one with :meth:`from_form` (raises :class:`SubmissionError`) or
    :func:`validate_submission` (returns errors instead). ``email`` and ``ip`` are secrets:
    read them only with ``get_secret_value()``, and only in the privacy stage.
    WordPress's form names ``comment``, ``comment_post_ID`` and ``comment_parent`` are
    accepted for ``content``, ``post_id`` and ``parent_id``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, hide_input_in_errors=True)

    author: OptionalText = Field(default=None, validate_default=True)
    email: EmailField = Field(default=None, validate_default=True)
    url: UrlField = None
    content: str = Field(validation_alias=AliasChoices("content", "comment"))
    post_id: OptionalText = Field(default=None, validation_alias=AliasChoices("post_id", "comment_post_ID"))
    parent_id: OptionalText = Field(default=None, validation_alias=AliasChoices("parent_id", "comment_parent"))
    ip: IpField = None
    user_agent: OptionalText = None
    referrer: OptionalText = None
    submitted_at: datetime | None = None
    form_rendered_at: datetime | None = None
    honeypot: str | None = None
    form_token: OptionalText = None
    language: OptionalText = None

    @field_validator("author", mode="after", check_fields=True)
    @classmethod
    def _author(cls, value: str | None, info: ValidationInfo) -> str | None:
        name = clean_text(value, single_line=True) if value is not None else ""
        if len(name.encode("utf-8")) > AUTHOR_MAX_BYTES:
            raise _error("too_long", "Your name is too long.")
        if not name:
            _require(info, "Please enter your name.")
            return None
        return name

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            _require(info, "Please enter your email address.")
        return value

    @field_validator("content", mode="after")
    @classmethod
    def _content(cls, value: str) -> str:
        text = clean_text(value)
        if not text:
            raise _error("required", "Please type your comment text.")
        if len(text.encode("utf-8")) > CONTENT_MAX_BYTES:
            raise _error("too_long", "Your comment is too long.")
        return text

    @field_validator("post_id", "parent_id", "language", mode="after")
    @classmethod
    def _short_identifier(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = clean_text(value, single_line=True)
        if len(text) > 200:
            raise _error("too_long", "This value is too long.")
        return text or None

    @field_validator("user_agent", "referrer", mode="after")
    @classmethod
    def _truncated(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        limit = USER_AGENT_MAX_CHARS if info.field_name == "user_agent" else REFERRER_MAX_CHARS
        return clean_text(value, single_line=True)[:limit] or None

    @field_validator("form_token", mode="after")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None and len(value) > 1_000:
            raise _error("invalid_token", "The form has expired; please reload the page and try again.")
        return None if value is None else _SURROGATE.sub("\ufffd", value)

    @field_validator("honeypot", mode="after")
    @classmethod
    def _honeypot(cls, value: str | None) -> str | None:
        # Lone surrogates are replaced so the submission can always be dumped as JSON.
        return None if value is None else _SURROGATE.sub("\ufffd", value[:1_000])

    @field_validator("submitted_at", "form_rendered_at", mode="after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value

    @classmethod
    def from_form(cls, form: Mapping[str, Any], *, require_name_email: bool = True) -> CommentSubmission:
        """Validate a raw form mapping; raise :class:`SubmissionError` listing every field error."""
        check = validate_submission(form, require_name_email=require_name_email)
        if check.submission is None:
            raise SubmissionError(check.errors)
        return check.submission


def _require(info: ValidationInfo, message: str) -> None:
    context = info.context if isinstance(info.context, Mapping) else {}
    if context.get(REQUIRE_NAME_EMAIL, True):
        raise _error("required", message)


@dataclass(frozen=True, slots=True)
class SubmissionCheck:
    """The outcome of :func:`validate_submission`: a submission, or the field errors."""

    submission: CommentSubmission | None
    errors: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        """``True`` when the submission is valid."""
        return self.submission is not None


_GENERIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("required", "This field is required."),
    "extra_forbidden": ("unknown_field", "This field is not accepted."),
}
_CONTENT_REQUIRED = "Please type your comment text."
_OWN_CODES = frozenset({"required", "too_long", "invalid_email", "invalid_url", "invalid_ip", "invalid_token"})


def validate_submission(form: Any, *, require_name_email: bool = True) -> SubmissionCheck:
    """Turn a raw form mapping into a :class:`SubmissionCheck`; never raises for bad input.

    ``form`` may be any mapping (a dict, Werkzeug's ``MultiDict``, Django's ``QueryDict``:
    the first value of each key is used). With ``require_name_email=False`` the name and
    email may be left empty, as WordPress allows when that setting is off.
    """
    if isinstance(form, CommentSubmission):
        return SubmissionCheck(form, ())
    if not isinstance(form, Mapping):
        error = FieldError("submission", "invalid_type", "The comment form data could not be read.")
        return SubmissionCheck(None, (error,))
    # QueryDict.items() yields the *last* value of a key; getlist() gives them all, in order.
    getlist = getattr(form, "getlist", None)
    data = {str(key): _first_value(getlist(key) if callable(getlist) else value) for key, value in form.items()}
    try:
        submission = CommentSubmission.model_validate(data, context={REQUIRE_NAME_EMAIL: require_name_email})
    except ValidationError as exc:
        return SubmissionCheck(None, field_errors(exc))
    return SubmissionCheck(submission, ())


def _first_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def field_errors(exc: ValidationError) -> tuple[FieldError, ...]:
    """Convert pydantic errors to :class:`FieldError` objects that never echo the input."""
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for item in exc.errors(include_input=False, include_url=False, include_context=False):
        field = _field_name(item["loc"])
        kind = item["type"]
        if kind in _GENERIC_MESSAGES:
            code, message = _GENERIC_MESSAGES[kind]
            if field == "content" and code == "required":
                message = _CONTENT_REQUIRED
        elif kind.startswith(("datetime", "date", "time")):
            code, message = "invalid_date", "Please enter a valid date and time."
        elif kind.endswith(("_type", "_parsing")):
            code, message = "invalid_type", "This field has the wrong type of value."
        elif kind in _OWN_CODES:
            code, message = kind, item["msg"]
        else:
            code, message = "invalid_value", "This value is not valid."
        if (field, code) not in seen:
            seen.add((field, code))
            errors.append(FieldError(field, code, message))
    return tuple(errors)


def _field_name(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "submission"
    name = str(loc[0])
    aliases = {"comment": "content", "comment_post_ID": "post_id", "comment_parent": "parent_id"}
    name = aliases.get(name, name)
    if "@" in name or not _SAFE_FIELD_NAME.match(name):
        return "unknown field"
    return name
