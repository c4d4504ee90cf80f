"""Pure functions that turn comment text into model input: folded text and named signals.

:func:`fold_text` undoes the usual filter-dodging tricks (NFKC, look-alike letters in
mixed-script words, zero-width characters, leetspeak, s p a c e d letters) and replaces
links, email addresses, phone numbers and messenger handles with marker words, so a
linear model sees ``xxurl``/``xxphone`` rather than a thousand random domains.
:func:`extract_signals` returns named, bounded values in [0, 1] that transfer across
sites: link counts, contact requests, obfuscation, script mix, shouting, and the
certainty / conspiracy / treatment-advice cues typical of medical misinformation.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_CONFUSABLES = str.maketrans(
    # Cyrillic and Greek letters that look like Latin ones, folded only inside mixed-script words.
    "аАвВеЕёкКмМнНоОрРсСтТуУхХіІјЈѕЅԁɡһӏօαΑβΒεΕηΗιΙκΚμΜνΝοΟρΡτΤυΥχΧζΖ",
    "aABBeEekKmMHHoOpPcCTTyYxXiIjJsSdghloaABBeEnHiIkKmMvNoOpPtTuYxXzZ",
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
)
# Only tokens with a digit or symbol between two letters can be leetspeak.
_LEET_TOKEN = re.compile(r"[a-z0-9@$!|]*[a-z][013457@$!|][a-z][a-z0-9@$!|]*")
_UNIT = re.compile(r"^\d+(?:[.,]\d+)?(?:mg|mcg|ug|ml|kg|g|iu|lbs?|st|nd|rd|th|am|pm|k|x|s|h|hr|hrs|yo|yrs?|mins?)$")
_SPACED = re.compile(r"(?<![\w])(?:(?:[^\W\d_] ){3,}|(?:[^\W\d_][.\-_*]){2,})[^\W\d_](?![\w])")
_HTML_LINK = re.compile(r"<\s*a\s[^<>]*href\s*=|\[url[=\]]", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\])]+"
    r"|\b[a-z0-9][a-z0-9\-]{1,62}(?:\.[a-z0-9\-]{1,62})*\.(?:com|net|org|info|biz|ru|xyz|top|shop|site|online|store|"
    r"club|live|click|link|io|co|me|in|cn|pw|su|ua|de|uk|us|ca|au|tk|ml|ga|cf|gq|gov|edu|int|health|care|pro)"
    r"(?:/[^\s<>\"']*)?\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\[email removed\]", re.IGNORECASE)
_PHONE = re.compile(r"\[phone removed\]|(?<![\w.])\+?\d[\d\s().\-]{6,20}\d(?![\w])", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[a-z_][\w.]{2,}", re.IGNORECASE)
_MONEY = re.compile(r"[$€£₹]\s?\d[\d,.]*\s?[km]?|\b\d[\d,.]*\s?(?:usd|dollars|euros?|pounds|bucks)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\b(\d{1,3})(?:\.\d+)?\s?%")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_WORD = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")
# A commenter typing "xxauthority" must not fake a marker word: the "xx" prefix is dropped.
_TYPED_MARKER = re.compile(r"\bxx(?=[a-z])", re.IGNORECASE)
_URL_TRIGGER = re.compile(r"\w\.[^\W\d_]|://")
_NEGATION = re.compile(
    r"\b(not|no|never|cannot|can'?t|won'?t|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|"
    r"hasn'?t|haven'?t|shouldn'?t|wouldn'?t|nothing|nobody|neither|nor)\s+((?:[^\W\d_]+\s+){0,2}[^\W\d_]+)"
)
#: How many words after a negation are marked with the ``not_`` prefix.
NEGATION_SCOPE = 3

AUTHORITY_DOMAINS = (
    "nih.gov",
    "cdc.gov",
    "fda.gov",
    "va.gov",
    "who.int",
    "nhs.uk",
    "europa.eu",
    "cochrane.org",
    "nejm.org",
    "thelancet.com",
    "bmj.com",
    "jamanetwork.com",
    "nature.com",
    "sciencedirect.com",
    "mayoclinic.org",
    "clevelandclinic.org",
    "clinicaltrials.gov",
    "cancer.gov",
    "cancer.org",
    "diabetes.org",
    "heart.org",
    "medlineplus.gov",
    "hopkinsmedicine.org",
    "harvard.edu",
    "apa.org",
    "psychiatry.org",
    "samhsa.gov",
)
SUSPICIOUS_TLDS = frozenset(
    [
        "ru",
        "su",
        "xyz",
        "top",
        "shop",
        "site",
        "online",
        "store",
        "club",
        "live",
        "click",
        "link",
        "pw",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "cn",
        "icu",
        "buzz",
        "rest",
        "fun",
        "vip",
        "win",
        "bid",
        "loan",
    ]
)
_GENERIC_TLDS = frozenset(["com", "net", "org", "info", "biz", "co", "io", "me"])

# Phrase cues, matched against the lower-cased ``cue_text`` (hence no IGNORECASE: twice as fast).
_CUES: dict[str, re.Pattern[str]] = {
    "contact_request": re.compile(
        r"\b(?:contact|reach|email|e-mail|mail|text|call|whats\s?app|dm|message|write to|inbox)\s+"
        r"(?:him|her|them|me|us|dr|doctor|priest|via|on|at|now|today|directly)\b"
        r"|\b(?:contact|whatsapp|telegram|wickr|viber|signal|wechat|kik)\s*(?:number|no|id|handle|us|me)?\s*[:\-]",
    ),
    "messenger": re.compile(r"\b(?:whats\s?app|telegram|wickr|viber|wechat|kik|snapchat|skype|icq|line id)\b"),
    "no_prescription": re.compile(
        r"\b(?:no|without|w/o)\s+(?:a\s+)?(?:rx|prescriptions?|script|doctor'?s? (?:note|visit))(?:\s+needed|\s+required)?\b"
        r"|\bdiscreet(?:ly)?\s+(?:shipping|delivery|packag)",
    ),
    "payment_or_earnings": re.compile(
        r"\b(?:bitcoin|btc|crypto|usdt|paypal|western union|moneygram|cash ?app|gift cards?|per (?:hour|day|week|month)"
        r"|a (?:day|week|month) from home|work(?:ing)? from home|investment|profit|broker|forex|recover(?:y|ed) (?:my )?funds?)\b",
    ),
    "certainty": re.compile(
        r"\b(?:guarantee[ds]?|xxfullpercent|permanent(?:ly)?|forever|for good|completely (?:cured?|gone|healed)|totally cured|"
        r"always works|never fails|miracle|proven (?:cure|fact)|the truth is|fact is|trust me|undeniable|wake up|"
        r"no side effects|zero side effects|one (?:dose|session|infusion|treatment) (?:is all|cures?|fixe[sd]))\b",
    ),
    "conspiracy": re.compile(
        r"\b(?:big pharma|they don'?t want you to know|cover(?:ed|ing)?[ -]up|suppress(?:ed|ing)?|hid(?:e|ing|den) (?:the )?cure|"
        r"mainstream media|msm|sheeple|plandemic|depopulation|bill gates|do your own research|the elites?|globalists?|"
        r"paid (?:off|shills?)|agenda|brainwash(?:ed)?|poison(?:ing)? us|population control)\b",
    ),
    "treatment_advice": re.compile(
        r"\b(?:stop (?:taking|using)|quit (?:your|taking|all)|throw (?:away|out) (?:your|the|those)|ditch (?:your|the)|"
        r"flush (?:your|the)|get off (?:your|all|the)|cold turkey|instead of (?:your |the )?(?:meds|medication|insulin|chemo|"
        r"antidepressants|vaccines?|doctors?)|don'?t need (?:your |any )?(?:meds|medication|insulin|chemo|doctors?|therapy)|"
        r"replace (?:your|all|the) (?:meds|medication|insulin|pills|antidepressants)|never (?:take|trust) )",
    ),
    "cure_claim": re.compile(
        r"\b(?:cure[sd]? (?:my|his|her|their|your|it|cancer|diabetes|ptsd|depression|anxiety|hiv|herpes|autism|everything)|"
        r"cure for|curing|healed (?:my|me|him|her|completely)|reverse[sd]? (?:my|your|type|diabetes|cancer|autism)|"
        r"got rid of (?:my|it))\b",
    ),
    "hedge_or_evidence": re.compile(
        r"\b(?:may|might|could|some studies|studies suggest|evidence|research shows|trial|randomi[sz]ed|placebo|"
        r"talk to your (?:doctor|gp|psychiatrist|pharmacist|prescriber)|ask your (?:doctor|gp|pharmacist)|"
        r"under (?:medical )?supervision|not a cure|no cure|side effects? (?:include|can)|in my experience|for me)\b",
    ),
    "refutation": re.compile(
        r"\b(?:myths?|not true|isn'?t true|debunked|no evidence|false claim|misinformation|retracted|that'?s not how|"
        r"is not approved|isn'?t approved|hasn'?t been approved|there is no (?:cure|evidence|proof)|"
        r"(?:does|do|did)(?:n'?t| not) (?:cause|cure|work|prevent|replace|reverse)|won'?t (?:cure|replace|fix|reverse)|"
        r"(?:is|are)(?:n'?t| not) (?:a cure|safe|proven|linked)|no (?:link|proof|study) (?:between|that|shows))\b",
    ),
    "promotion": re.compile(
        r"\b(?:visit (?:my|our) (?:site|website|blog|page|store|shop)|check out (?:my|our)|click (?:here|the link|below)|"
        r"order (?:now|today)|buy (?:now|cheap)|coupon code|promo code|free (?:trial|sample)|limited (?:time )?offer|"
        r"special offer|backlinks?|seo|guest posts?|dofollow)\b",
    ),
    "blog_praise": re.compile(
        r"\b(?:bookmark(?:ed)? (?:your|this) (?:blog|site|website)|rss feed|keep up the (?:good|great) work|"
        r"blog (?:owner|platform|layout|theme|design)|webmaster|hello admin|hi admin|dear admin|"
        r"valuable information|useful info(?:rmation)? (?:for|you)|i(?:'ll| will) (?:definitely )?be back)\b",
    ),
}

# Substrings at least one of which occurs in any match of the cue: a cue's pattern runs only
# when one does (``tests/test_features.py`` checks the results are the same without them).
CUE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "contact_request": (
        "contact",
        "reach",
        "mail",
        "text",
        "call",
        "whats",
        "dm",
        "message",
        "write",
        "inbox",
        "telegram",
        "wickr",
        "viber",
        "signal",
        "wechat",
        "kik",
    ),
    "messenger": ("whats", "telegram", "wickr", "viber", "wechat", "kik", "snapchat", "skype", "icq", "line id"),
    "no_prescription": ("rx", "prescription", "script", "doctor", "discreet"),
    "payment_or_earnings": (
        "bitcoin",
        "btc",
        "crypto",
        "usdt",
        "paypal",
        "western union",
        "moneygram",
        "cash",
        "gift card",
        "per ",
        "from home",
        "investment",
        "profit",
        "broker",
        "forex",
        "recover",
    ),
    "certainty": (
        "guarantee",
        "xxfullpercent",
        "permanent",
        "forever",
        "for good",
        "complete",
        "totally",
        "always",
        "never",
        "miracle",
        "proven",
        "truth",
        "fact is",
        "trust me",
        "undeniable",
        "wake up",
        "side effects",
        "one ",
    ),
    "conspiracy": (
        "pharma",
        "want you to know",
        "cover",
        "suppress",
        "hid",
        "mainstream",
        "msm",
        "sheeple",
        "plandemic",
        "depopulation",
        "bill gates",
        "own research",
        "elite",
        "globalist",
        "paid ",
        "agenda",
        "brainwash",
        "poison",
        "population control",
    ),
    "treatment_advice": (
        "stop ",
        "quit ",
        "throw ",
        "ditch ",
        "flush ",
        "get off",
        "cold turkey",
        "instead of",
        "need",
        "replace ",
        "never ",
    ),
    "cure_claim": ("cure", "curing", "healed", "reverse", "got rid"),
    "hedge_or_evidence": (
        "may",
        "might",
        "could",
        "stud",
        "evidence",
        "research",
        "trial",
        "randomi",
        "placebo",
        "talk to your",
        "ask your",
        "supervision",
        "cure",
        "side effect",
        "in my experience",
        "for me",
    ),
    "refutation": (
        "myth",
        "not true",
        "isn",
        "debunk",
        "no evidence",
        "false claim",
        "misinformation",
        "retract",
        "not how",
        "approved",
        "there is no",
        "n't",
        "nt ",
        "not ",
        "no link",
        "no proof",
        "no study",
    ),
    "promotion": (
        "visit",
        "check out",
        "click",
        "order",
        "buy",
        "coupon",
        "promo",
        "free ",
        "limited",
        "offer",
        "backlink",
        "seo",
        "guest post",
        "dofollow",
    ),
    "blog_praise": (
        "bookmark",
        "rss",
        "keep up",
        "blog",
        "webmaster",
        "admin",
        "valuable information",
        "useful info",
        "be back",
    ),
}

# Flat (trigger, cue) pairs: one pass of C-level substring checks beats a regex scan per cue.
_TRIGGER_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (trigger, name) for name, triggers in CUE_TRIGGERS.items() for trigger in triggers
)

SIGNAL_NAMES: tuple[str, ...] = (
    "links",
    "html_links",
    "suspicious_domain",
    "authority_link",
    "email_in_text",
    "phone_in_text",
    "messenger_handle",
    "money",
    "invisible_characters",
    "mixed_script_words",
    "leetspeak",
    "spaced_letters",
    "styled_unicode",
    "non_latin_script",
    "shouting",
    "exclamations",
    "long_text",
    "short_text",
    "question",
    *tuple(_CUES),
)

# Readable names for moderators (explanations show these, never raw feature keys).
SIGNAL_LABELS: dict[str, str] = {
    "links": "links in the comment",
    "html_links": "HTML or BBCode links",
    "suspicious_domain": "link to a low-reputation domain",
    "authority_link": "link to a health authority or journal",
    "email_in_text": "email address in the text",
    "phone_in_text": "phone number in the text",
    "messenger_handle": "messenger handle",
    "money": "money amounts",
    "invisible_characters": "invisible characters",
    "mixed_script_words": "look-alike letters from other alphabets",
    "leetspeak": "digits or symbols in place of letters",
    "spaced_letters": "s p a c e d or d.o.t.t.e.d letters",
    "styled_unicode": "styled Unicode letters",
    "non_latin_script": "non-Latin script",
    "shouting": "mostly capital letters",
    "exclamations": "many exclamation marks",
    "long_text": "long text",
    "short_text": "very short text",
    "question": "asks a question",
    "contact_request": "asks readers to contact someone",
    "messenger": "messenger app named",
    "no_prescription": "no-prescription or discreet-shipping offer",
    "payment_or_earnings": "payment, crypto or earnings talk",
    "certainty": "absolute certainty (guaranteed, permanent, miracle)",
    "conspiracy": "conspiracy wording",
    "treatment_advice": "advice to stop or replace treatment",
    "cure_claim": "claims a cure",
    "hedge_or_evidence": "hedged or evidence-based wording",
    "refutation": "refutes a claim",
    "promotion": "promotional wording",
    "blog_praise": "generic praise of the blog",
}


@dataclass(frozen=True, slots=True)
class FoldedText:
    """The text a model reads, and what folding found on the way.

    ``text`` marks the words after a negation (``not_cure``); ``cue_text`` is the same
    text without that marking, for the phrase cues.
    """

    text: str
    cue_text: str
    invisible_characters: int
    mixed_script_words: int
    leetspeak_words: int
    spaced_runs: int
    styled_characters: int


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x250 or 0x1E00 <= code <= 0x1EFF


def _fold_mixed_script(word: str) -> str:
    letters = [char for char in word if char.isalpha()]
    ascii_letters = sum(1 for char in letters if char.isascii())
    if ascii_letters == 0 or ascii_letters == len(letters):
        return word
    return word.translate(_CONFUSABLES)


def _fold_leet(token: str) -> str:
    core = token.rstrip("!|")
    if core.isalpha() or _UNIT.match(core) or len(core) < 4 or sum(char.isalpha() for char in core) < 3:
        return token
    between_letters = any(
        core[i] in "013457@$!|" and core[i - 1].isalpha() and core[i + 1].isalpha() for i in range(1, len(core) - 1)
    )
    if not between_letters:
        return token
    return core.translate(_LEET) + token[len(core) :]


def _domain_words(url: str) -> str:
    target = url if "://" in url else "http://" + url
    try:
        host = (urlsplit(target).hostname or "").lower()
    except ValueError:
        return " xxurl "
    host = host.removeprefix("www.")
    labels = [label for label in host.split(".") if label]
    tld = labels[-1] if labels else ""
    words = ["xxurl"]
    if any(host == domain or host.endswith("." + domain) for domain in AUTHORITY_DOMAINS) or tld in {"gov", "edu"}:
        words.append("xxauthority")
    elif tld in SUSPICIOUS_TLDS:
        words.append("xxsuspicioustld")
    elif tld not in _GENERIC_TLDS:
        words.append("xxcountrytld")
    if len(labels) >= 2:
        words.append(labels[-2])
    return " " + " ".join(words) + " "


def fold_text(text: str) -> FoldedText:
    """Normalise ``text`` for the models and count the obfuscation undone on the way."""
    invisible = mixed = styled = 0
    if not text.isascii():
        invisible = len(_INVISIBLE.findall(text))
        text = _INVISIBLE.sub("", text)
        nfkc = unicodedata.normalize("NFKC", text)
        if len(text) == len(nfkc):
            styled = sum(1 for a, b in zip(text, nfkc, strict=True) if a != b and not a.isspace())
        else:
            styled = 1
        text = nfkc
        words = []
        for word in re.split(r"(\s+)", text):
            folded = _fold_mixed_script(word)
            mixed += folded != word
            words.append(folded)
        text = "".join(words)
    spaced = 0

    def _join(match: re.Match[str]) -> str:
        nonlocal spaced
        spaced += 1
        return re.sub(r"[ .\-_*]", "", match.group(0))

    text = _SPACED.sub(_join, text)
    if "xx" in text or "XX" in text or "Xx" in text or "xX" in text:
        text = _TYPED_MARKER.sub(lambda match: match.group(0)[2:], text)
    # Each pass runs only when its trigger characters occur: most comments skip most passes.
    if "<" in text or "[" in text:
        text = _HTML_LINK.sub(" xxhtmllink ", text)
    if "@" in text or "[email" in text:
        text = _EMAIL.sub(" xxemail ", text)
    if _URL_TRIGGER.search(text) is not None:
        text = _URL.sub(lambda match: _domain_words(match.group(0).rstrip(".,;:!?")), text)
    has_digit = _DIGIT.search(text) is not None
    if has_digit or "[phone" in text:
        text = _PHONE.sub(" xxphone ", text)
    if "@" in text:
        text = _HANDLE.sub(" xxhandle ", text)
    if has_digit:
        text = _MONEY.sub(" xxmoney ", text)
        if "%" in text:
            text = _PERCENT.sub(lambda m: " xxfullpercent " if m.group(1) == "100" else " xxpercent ", text)
    text = text.lower()
    leet = 0

    def _leet(match: re.Match[str]) -> str:
        nonlocal leet
        folded = _fold_leet(match.group(0))
        leet += folded != match.group(0)
        return folded

    if has_digit or "@" in text or "$" in text or "|" in text or "!" in text:
        text = _LEET_TOKEN.sub(_leet, text)
    if has_digit:
        text = _NUMBER.sub(" xxnum ", text)
    return FoldedText(_NEGATION.sub(_mark_negation, text), text, invisible, mixed, leet, spaced, styled)


def _mark_negation(match: re.Match[str]) -> str:
    scope = " ".join("not_" + word for word in match.group(2).split())
    return f"{match.group(1)} {scope}"


def _bounded(count: float, saturation: float) -> float:
    return min(count, saturation) / saturation


def signal_vector(text: str, folded: FoldedText | None = None) -> list[float]:
    """The values of :func:`extract_signals` as a list in :data:`SIGNAL_NAMES` order."""
    signals = extract_signals(text, folded)
    return [signals[name] for name in SIGNAL_NAMES]


def extract_signals(text: str, folded: FoldedText | None = None) -> dict[str, float]:
    """Return every signal in :data:`SIGNAL_NAMES` as a value in [0, 1] for ``text``."""
    folded = folded if folded is not None else fold_text(text)
    words = folded.text.split()
    letters = sum(map(str.isalpha, text))
    upper = min(sum(map(str.isupper, text)), letters)  # some upper-case characters are not letters (Ⅷ, Ⓐ)
    if folded.text.isascii():
        folded_letters = non_latin = 0
    else:
        folded_letters = sum(map(str.isalpha, folded.text))
        non_latin = sum(1 for char in folded.text if char.isalpha() and not _is_latin(char))
    urls = folded.text.count("xxurl")
    signals = {
        "links": _bounded(urls + folded.text.count("xxhtmllink"), 3),
        "html_links": _bounded(folded.text.count("xxhtmllink"), 2),
        "suspicious_domain": _bounded(folded.text.count("xxsuspicioustld") + folded.text.count("xxcountrytld"), 2),
        "authority_link": _bounded(folded.text.count("xxauthority"), 1),
        "email_in_text": _bounded(folded.text.count("xxemail"), 1),
        "phone_in_text": _bounded(folded.text.count("xxphone"), 1),
        "messenger_handle": _bounded(folded.text.count("xxhandle"), 1),
        "money": _bounded(folded.text.count("xxmoney"), 2),
        "invisible_characters": _bounded(folded.invisible_characters, 3),
        "mixed_script_words": _bounded(folded.mixed_script_words, 2),
        "leetspeak": _bounded(folded.leetspeak_words, 2),
        "spaced_letters": _bounded(folded.spaced_runs, 1),
        "styled_unicode": _bounded(folded.styled_characters, 5),
        "non_latin_script": non_latin / folded_letters if folded_letters else 0.0,
        "shouting": upper / letters if letters >= 12 and upper / letters > 0.5 else 0.0,
        "exclamations": _bounded(max(text.count("!") - 1, 0), 5),
        "long_text": _bounded(max(math.log2(max(len(words), 1)) - 5, 0), 4),
        "short_text": 1.0 if len(words) <= 4 else 0.0,
        "question": 1.0 if "?" in text else 0.0,
    }
    cue_text = folded.cue_text
    triggered = {name for trigger, name in _TRIGGER_PAIRS if trigger in cue_text}
    for name, pattern in _CUES.items():
        signals[name] = _bounded(len(pattern.findall(cue_text)), 2) if name in triggered else 0.0
    return signals
