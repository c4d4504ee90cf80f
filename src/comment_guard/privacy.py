"""The privacy stage: email and IP become keyed digests, the body is scrubbed of contact data.

After :func:`screen` nothing holds the commenter's email address or raw IP:
:class:`ScreenedComment` carries an HMAC-SHA256 digest of each (a bare hash of an email is
guessable by hashing candidate addresses; a keyed digest is not), the email's domain and an
anonymised network (IPv4 /24, IPv6 /48, as Antispam Bee and analytics tools anonymise),
which is what the WordPress-style key rules need.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from comment_guard.errors import InsecureKeyError
from comment_guard.submission import CommentSubmission

MIN_KEY_BYTES = 16
EMAIL_PLACEHOLDER = "[email removed]"
PHONE_PLACEHOLDER = "[phone removed]"
NOFOLLOW = "nofollow ugc noopener"

_MAIL_PROVIDERS = r"(?:gmail|googlemail|yahoo|hotmail|outlook|live|aol|icloud|proton(?:mail)?|yandex|mail|gmx|qq|163)"
_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
    r"|[\w.+-]+\s*[\[({]\s*at\s*[\])}]\s*[\w-]+(?:\s*(?:[\[({]\s*dot\s*[\])}]|\.)\s*[\w-]+)+"
    rf"|[\w.+-]+\s+at\s+{_MAIL_PROVIDERS}\s*(?:\.|\s+dot\s+)\s*[a-z]{{2,6}}\b",
    re.IGNORECASE,
)
# A digit followed by ":" and a digit is the hour of a time, so "2024-01-15 10:30" is not a phone number.
_PHONE_CANDIDATE = re.compile(r"(?<![\w.,])\+?\(?\d[\d\s().\-]{5,22}\d(?![\w,]|\.\d|:\d)")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_YEARS_LIKE = re.compile(r"^(?:(?:1[89]|20)\d\d[\s/\-]+)+(?:1[89]|20)\d\d$")  # "2015-2020", "1998 1999"
_DECIMAL_LIKE = re.compile(r"^\d+\.\d+$")


class IdentityKey:
    """Keyed digests (HMAC-SHA256, hex) of commenter identities under a site secret.

    ``secret_key`` must be at least 16 bytes (for example ``secrets.token_hex(32)``);
    a shorter or empty key raises :class:`InsecureKeyError`. The key never appears in a repr.
    """

    __slots__ = ("_key",)

    def __init__(self, secret_key: str | bytes) -> None:
        key = secret_key.encode("utf-8") if isinstance(secret_key, str) else bytes(secret_key)
        if len(key) < MIN_KEY_BYTES:
            raise InsecureKeyError(
                f"The secret key must be at least {MIN_KEY_BYTES} bytes; got {len(key)}. "
                "Generate one with secrets.token_hex(32) and keep it in your settings."
            )
        self._key = key

    def __repr__(self) -> str:
        return "IdentityKey(<hidden>)"

    def digest(self, purpose: str, value: str) -> str:
        """Return the hex HMAC-SHA256 of ``value`` for ``purpose`` (domain separation)."""
        message = f"comment_guard:{purpose}:{value}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def commenter_digest(self, email: str) -> str:
        """Digest of an email address, normalised (trimmed, lower-cased) first."""
        return self.digest("email", email.strip().lower())

    def ip_digest(self, ip: str) -> str:
        """Digest of an IP address in its canonical form; raises ``ValueError`` if it is not one."""
        return self.digest("ip", str(_ip_address(ip)))


def _ip_address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Parse ``ip``, reading an IPv4-mapped IPv6 address as the IPv4 address it carries."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        # ipaddress repeats the input, which may hold a real address ("203.0.113.7:443").
        raise ValueError("Expected an IPv4 or IPv6 address.") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def anonymise_ip(ip: str) -> str:
    """Return the network of ``ip`` with the host part zeroed (IPv4 /24, IPv6 /48).

    Raises ``ValueError`` (without repeating ``ip``) if it is not an IP address.
    """
    address = _ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass(frozen=True, slots=True)
class ScrubbedText:
    """Text with email addresses and phone numbers replaced by placeholders."""

    text: str
    emails_removed: int
    phones_removed: int


def scrub_contacts(text: str) -> ScrubbedText:
    """Replace email addresses (also "name (at) host (dot) com") and phone numbers.

    A phone number is a run of 7 to 15 digits with the usual separators; dates, decimals
    and thousands-separated amounts are left alone.
    """
    text, emails = _EMAIL.subn(EMAIL_PLACEHOLDER, text)
    phones = 0

    def _phone(match: re.Match[str]) -> str:
        nonlocal phones
        candidate = match.group(0).strip()
        digits = sum(char.isdigit() for char in candidate)
        if not 7 <= digits <= 15 or any(p.match(candidate) for p in (_DATE_LIKE, _DECIMAL_LIKE, _YEARS_LIKE)):
            return match.group(0)
        phones += 1
        trailing = match.group(0)[len(match.group(0).rstrip()) :]
        return PHONE_PLACEHOLDER + trailing

    text = _PHONE_CANDIDATE.sub(_phone, text)
    return ScrubbedText(text, emails, phones)


class PublicComment(BaseModel):
    """Everything about a comment that may be published; it has no field for an email.

    ``author`` and ``content`` are scrubbed of email addresses and phone numbers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    author: str | None
    url: str | None
    content: str
    post_id: str | None = None
    parent_id: str | None = None
    submitted_at: datetime | None = None
    language: str | None = None

    @property
    def display_name(self) -> str:
        """The name to show; "Anonymous" when the commenter gave none, as WordPress does."""
        return self.author or "Anonymous"

    def to_html(self) -> str:
        """Render as escaped HTML: paragraphs kept, the author's link ``rel="nofollow ugc noopener"``."""
        name = html.escape(self.display_name)
        # A PublicComment may be built from stored data, so never link a non-web scheme (javascript:).
        if self.url and self.url.lower().startswith(("http://", "https://")):
            name = f'<a href="{html.escape(self.url, quote=True)}" rel="{NOFOLLOW}">{name}</a>'
        when = ""
        if self.submitted_at is not None:
            stamp = self.submitted_at.isoformat()
            when = f' <time datetime="{html.escape(stamp)}">{html.escape(stamp[:16].replace("T", " "))}</time>'
        paragraphs = [part.strip() for part in self.content.split("\n\n") if part.strip()]
        body = "\n".join("<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs)
        return (
            '<article class="comment">\n'
            f'<footer class="comment-meta"><cite class="comment-author">{name}</cite>{when}</footer>\n'
            f'<div class="comment-content">\n{body}\n</div>\n'
            "</article>"
        )


_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class ScreenedComment:
    """A submission after the privacy stage: digests instead of the email address and IP.

    ``scoring_text`` is the body with contact data replaced by placeholders but invisible
    characters kept (they are spam signals); ``public.content`` also drops bidirectional
    controls so the published page cannot be visually spoofed.
    """

    public: PublicComment
    scoring_text: str
    commenter: str | None
    email_domain: str | None
    ip_digest: str | None
    ip_network: str | None
    user_agent: str | None
    referrer: str | None
    honeypot: str | None
    form_token: str | None
    form_rendered_at: datetime | None
    emails_in_content: int
    phones_in_content: int


def screen(submission: CommentSubmission, key: IdentityKey) -> ScreenedComment:
    """Run the privacy stage: digest the email and IP, scrub the body and the name."""
    body = scrub_contacts(submission.content)
    email = submission.email.get_secret_value() if submission.email is not None else None
    ip = submission.ip.get_secret_value() if submission.ip is not None else None
    author = scrub_contacts(submission.author).text if submission.author else None
    public = PublicComment(
        author=author,
        url=submission.url,
        content=_BIDI_CONTROLS.sub("", body.text),
        post_id=submission.post_id,
        parent_id=submission.parent_id,
        submitted_at=submission.submitted_at,
        language=submission.language,
    )
    return ScreenedComment(
        public=public,
        scoring_text=body.text,
        commenter=key.commenter_digest(email) if email else None,
        email_domain=email.rsplit("@", 1)[-1].lower() if email else None,
        ip_digest=key.ip_digest(ip) if ip else None,
        ip_network=anonymise_ip(ip) if ip else None,
        user_agent=submission.user_agent,
        referrer=submission.referrer,
        honeypot=submission.honeypot,
        form_token=submission.form_token,
        form_rendered_at=submission.form_rendered_at,
        emails_in_content=body.emails_removed,
        phones_in_content=body.phones_removed,
    )
