"""WordPress-style rule checks on a screened comment, as pure functions.

Links are counted as WordPress's ``comment_max_links`` intends, but more completely:
HTML anchors, BBCode ``[url]`` links and bare ``http(s)://`` or ``www.`` addresses (what
WordPress's ``make_clickable`` turns into links), a linked address counted once.

Moderation and disallowed keys follow WordPress's ``check_comment()``: one key per line,
blank lines ignored, each matched case-insensitively as a substring of the author, email,
URL, content (as written and without HTML tags), IP and user agent. The privacy stage has
already replaced the email address and IP with keyed digests, so those two fields differ:

- a key that is a whole email address matches when its keyed digest equals the
  commenter's (WordPress would also match it inside a longer address);
- any other key is matched as a substring of ``"@" + email domain``, so ``mail.ru``,
  ``@mail.ru`` and ``.ru`` work, but a fragment of the local part (``john.smith``) cannot;
- a key that is a whole IP address matches when its keyed digest equals the commenter's;
- a CIDR key (``203.0.113.0/24``, IPv6 ``/48`` or wider) matches when it contains the
  commenter's anonymised network; a narrower CIDR cannot be decided and never matches;
- a partial IP key (``203.0.113.``, ``2001:db8:``) matches as a prefix of the anonymised
  network (IPv4 /24, IPv6 /48), not as an arbitrary substring as in WordPress;
- email addresses and phone numbers inside the comment text were scrubbed, so keys of
  that kind do not match the text.

A match on the email address or IP never shows the key in a reason, since the key would
then reveal the commenter's address.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from comment_guard.privacy import IdentityKey, ScreenedComment

_HTML_ANCHOR = re.compile(r"<a\b[^<>]*\bhref\b[^<>]*>[^<]*(?:</a\s*>)?", re.IGNORECASE)
_BBCODE_LINK = re.compile(r"\[url(?:=[^\[\]]*)?\][^\[]*(?:\[/url\])?", re.IGNORECASE)
_BARE_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'\[\]]+", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_WHOLE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IPV4_FRAGMENT = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{0,3}){1,3}$")
_IPV6_FRAGMENT = re.compile(r"^[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){1,7}$")

#: Field names used in :class:`KeyMatch`, with the words a moderator reads.
FIELD_LABELS = {
    "author": "the name",
    "email": "the email address",
    "url": "the website address",
    "content": "the comment text",
    "ip": "the IP address",
    "user_agent": "the browser's user agent",
}


def count_links(text: str) -> int:
    """Count HTML anchors, BBCode links and bare http(s):// or www. addresses in ``text``."""
    anchors = len(_HTML_ANCHOR.findall(text))
    text = _HTML_ANCHOR.sub(" ", text)
    bbcode = len(_BBCODE_LINK.findall(text))
    text = _BBCODE_LINK.sub(" ", text)
    return anchors + bbcode + len(_BARE_URL.findall(text))


def strip_tags(text: str) -> str:
    """Remove HTML tags, as WordPress's ``wp_strip_all_tags`` does before matching keys."""
    return _TAG.sub("", text)


def normalise_content(text: str) -> str:
    """The form two comments share when they say the same thing: NFKC, case-folded, tags,
    invisible characters and differences in white space removed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", strip_tags(text)))
    return " ".join(text.casefold().split())


def parse_keys(text: str) -> tuple[str, ...]:
    """Split a WordPress-style key list (one key per line) into keys; blank lines are dropped."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def honeypot_filled(value: str | None) -> bool:
    """``True`` when the honeypot field holds anything but white space."""
    return value is not None and bool(value.strip())


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """One key that matched: its 1-based ``line`` in the key list and the ``field`` it matched.

    ``key`` is the key as written, or ``None`` when showing it would reveal the commenter's
    email address or IP (a match on those fields).
    """

    line: int
    field: str
    key: str | None

    def __str__(self) -> str:
        where = FIELD_LABELS.get(self.field, self.field)
        if self.key is None:
            return f"key on line {self.line} matched {where}"
        return f'"{self.key}" in {where}'


@dataclass(frozen=True, slots=True)
class _Key:
    line: int
    text: str
    folded: str
    email_digest: str | None
    ip_digest: str | None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    ip_prefix: str | None


def _compile_key(line: int, text: str, identity_key: IdentityKey) -> _Key:
    folded = text.casefold()
    email_digest = identity_key.commenter_digest(folded) if _WHOLE_EMAIL.match(folded) else None
    ip_digest = network = ip_prefix = None
    try:
        ip_digest = identity_key.ip_digest(folded)
    except ValueError:
        if "/" in folded:
            try:
                network = ipaddress.ip_network(folded, strict=False)
            except ValueError:
                network = None
        elif _IPV4_FRAGMENT.match(folded) or (":" in folded and _IPV6_FRAGMENT.match(folded)):
            ip_prefix = folded
    return _Key(line, text, folded, email_digest, ip_digest, network, ip_prefix)


class KeyList:
    """WordPress-style keys compiled for matching against screened comments.

    Build with :meth:`compile` (which digests whole email and IP keys once); :meth:`match`
    is then cheap and thread-safe.
    """

    __slots__ = ("_keys",)

    def __init__(self, keys: tuple[_Key, ...]) -> None:
        self._keys = keys

    @classmethod
    def compile(cls, keys: Iterable[str], identity_key: IdentityKey) -> KeyList:
        """Compile ``keys`` (blank ones skipped; line numbers count every key given)."""
        compiled = [
            _compile_key(line, key.strip(), identity_key) for line, key in enumerate(keys, start=1) if key.strip()
        ]
        return cls(tuple(compiled))

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"KeyList(<{len(self._keys)} keys>)"

    def match(self, comment: ScreenedComment) -> tuple[KeyMatch, ...]:
        """Every key that matches ``comment``, each with the first field it matched, in key order."""
        if not self._keys:
            return ()
        public = comment.public
        texts = {
            "author": (public.author or "").casefold(),
            "url": (public.url or "").casefold(),
            "content": public.content.casefold(),
            "user_agent": (comment.user_agent or "").casefold(),
        }
        stripped = strip_tags(texts["content"])
        domain = "@" + comment.email_domain.casefold() if comment.email_domain else ""
        network = _network(comment.ip_network)
        matches = []
        for key in self._keys:
            field = _matched_field(key, texts, stripped, domain, comment, network)
            if field is not None:
                shown = None if field in {"email", "ip"} else key.text
                matches.append(KeyMatch(key.line, field, shown))
        return tuple(matches)


def _network(text: str | None) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if text is None:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _matched_field(
    key: _Key,
    texts: dict[str, str],
    stripped_content: str,
    domain: str,
    comment: ScreenedComment,
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None,
) -> str | None:
    if texts["author"] and key.folded in texts["author"]:
        return "author"
    if comment.commenter is not None and key.email_digest == comment.commenter:
        return "email"
    if domain and key.folded in domain:
        return "email"
    if texts["url"] and key.folded in texts["url"]:
        return "url"
    if key.folded in texts["content"] or key.folded in stripped_content:
        return "content"
    if _ip_matches(key, comment.ip_digest, network):
        return "ip"
    if texts["user_agent"] and key.folded in texts["user_agent"]:
        return "user_agent"
    return None


def _ip_matches(
    key: _Key, ip_digest: str | None, network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
) -> bool:
    if ip_digest is not None and key.ip_digest == ip_digest:
        return True
    if network is None:
        return False
    if isinstance(key.network, ipaddress.IPv4Network) and isinstance(network, ipaddress.IPv4Network):
        return network.subnet_of(key.network)
    if isinstance(key.network, ipaddress.IPv6Network) and isinstance(network, ipaddress.IPv6Network):
        return network.subnet_of(key.network)
    if key.network is not None:
        return False
    return key.ip_prefix is not None and str(network).startswith(key.ip_prefix)
