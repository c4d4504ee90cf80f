"""Signed form tokens and the honeypot field: what a web app renders into its comment form.

A token is ``v1.<rendered>.<nonce>.<mac>``: the render time in whole seconds since the
epoch, a random nonce, and an HMAC-SHA256 (:meth:`IdentityKey.digest`, purpose
``form-token``) over the post id, the render time and the nonce. Verification recomputes
the MAC, compares it in constant time, and only then looks at the age, so a forged token
is always reported as invalid, never as expired.

The nonce keeps two forms rendered for the same post in the same second distinct, so
replay detection (the guard records each token's MAC in its history) never mistakes a
second visitor for a replay. The honeypot is an extra text field, hidden from people with
CSS, whose name is derived from the site key: a person leaves it empty, a form-filling bot
does not.
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from comment_guard.privacy import IdentityKey
from comment_guard.submission import clean_text

#: Form field name of the token; it is also the name :class:`CommentSubmission` reads.
TOKEN_FIELD = "form_token"  # noqa: S105 - a form field name, not a secret
#: How long a rendered form stays valid (2 days), unless the policy says otherwise.
DEFAULT_TOKEN_MAX_AGE_SECONDS = 2 * 24 * 3600.0
#: A token dated this far in the future (clock differences between servers) is still accepted.
CLOCK_SKEW_SECONDS = 60

_VERSION = "v1"
_TOKEN = re.compile(r"^v1\.(\d{1,12})\.([A-Za-z0-9_\-]{16})\.([0-9a-f]{64})$")
_HONEYPOT_PREFIX = "cg_"


class TokenStatus(str, enum.Enum):
    """The outcome of checking a form token."""

    ABSENT = "absent"
    VALID = "valid"
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLAYED = "replayed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """A checked token: its status and, when its signature is genuine, when it was rendered.

    ``token_id`` is the token's MAC (already a keyed digest), which is what a history stores
    to recognise a replay; ``detail`` says in a few words why an invalid token is invalid.
    """

    status: TokenStatus
    rendered_at: datetime | None = None
    token_id: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FormFields:
    """The hidden fields a web app puts into the comment form of one post.

    Render ``hidden_inputs()`` as ``<input type="hidden">`` for the token, and the honeypot
    as a text input hidden with CSS, with ``autocomplete="off"`` and ``tabindex="-1"`` so
    neither browsers nor keyboard users fill it.
    """

    post_id: str | None
    token: str
    rendered_at: datetime
    honeypot_field: str
    token_field: str = TOKEN_FIELD

    def hidden_inputs(self) -> dict[str, str]:
        """Field name -> value for every hidden field (the honeypot's value is empty)."""
        return {self.token_field: self.token, self.honeypot_field: ""}


def normalise_post_id(post_id: str | int | None) -> str | None:
    """Return ``post_id`` as :class:`CommentSubmission` stores it (text, trimmed; ``None`` if blank)."""
    if post_id is None or isinstance(post_id, bool):
        return None
    return clean_text(str(post_id), single_line=True) or None


class FormSigner:
    """Issues and verifies signed form tokens under a site's :class:`IdentityKey`."""

    __slots__ = ("_honeypot_field", "_key")

    def __init__(self, key: IdentityKey) -> None:
        self._key = key
        self._honeypot_field = _HONEYPOT_PREFIX + key.digest("honeypot-field", _VERSION)[:10]

    def __repr__(self) -> str:
        return "FormSigner(<hidden key>)"

    @property
    def honeypot_field(self) -> str:
        """The site's honeypot field name (stable for a given secret key)."""
        return self._honeypot_field

    def _mac(self, post_id: str | None, rendered: int, nonce: str) -> str:
        return self._key.digest("form-token", f"{post_id or ''}\x1f{rendered}\x1f{nonce}")

    def issue(self, post_id: str | int | None, *, now: datetime) -> FormFields:
        """Sign a token for a form of ``post_id`` rendered at ``now`` (an aware datetime)."""
        post = normalise_post_id(post_id)
        rendered = int(now.timestamp())
        nonce = secrets.token_urlsafe(12)
        token = f"{_VERSION}.{rendered}.{nonce}.{self._mac(post, rendered, nonce)}"
        when = datetime.fromtimestamp(rendered, tz=timezone.utc)
        return FormFields(post, token, when, self._honeypot_field)

    def verify(
        self,
        token: str | None,
        post_id: str | None,
        *,
        now: datetime,
        max_age_seconds: float = DEFAULT_TOKEN_MAX_AGE_SECONDS,
    ) -> TokenCheck:
        """Check ``token`` for a comment on ``post_id`` submitted at ``now``; never raises.

        Replays are not detected here (that needs the history): a genuine, unexpired token
        is ``VALID`` however often it is presented.
        """
        if token is None or not token.strip():
            return TokenCheck(TokenStatus.ABSENT)
        match = _TOKEN.match(token.strip())
        if match is None:
            return TokenCheck(TokenStatus.INVALID, detail="malformed token")
        rendered_text, nonce, mac = match.groups()
        rendered = int(rendered_text)
        if not hmac.compare_digest(self._mac(normalise_post_id(post_id), rendered, nonce), mac):
            return TokenCheck(TokenStatus.INVALID, detail="bad signature or another post's token")
        try:
            rendered_at = datetime.fromtimestamp(rendered, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # a signed but absurd time: only with our own key
            return TokenCheck(TokenStatus.INVALID, detail="render time out of range")
        if rendered_at > now + timedelta(seconds=CLOCK_SKEW_SECONDS):
            return TokenCheck(TokenStatus.INVALID, rendered_at, mac, "rendered in the future")
        if (now - rendered_at).total_seconds() > max_age_seconds:
            return TokenCheck(TokenStatus.EXPIRED, rendered_at, mac, "form older than the token lifetime")
        return TokenCheck(TokenStatus.VALID, rendered_at, mac)
