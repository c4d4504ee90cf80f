"""Tests for comment_guard.features: text folding, marker words, negation and named signals."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from comment_guard import features
from comment_guard.features import (
    CUE_TRIGGERS,
    NEGATION_SCOPE,
    SIGNAL_LABELS,
    SIGNAL_NAMES,
    extract_signals,
    fold_text,
)

NEUTRAL = "We walked along the river after lunch and talked about the weather."

#: A phrase on which each signal fires; the keys must be exactly SIGNAL_NAMES.
TYPICAL: dict[str, str] = {
    "links": "see https://example.com/page for the details",
    "html_links": '<a href="http://example.com">great deals</a>',
    "suspicious_domain": "go to cheap-pills.xyz today",
    "authority_link": "see https://pubmed.ncbi.nlm.nih.gov/12345/ for the details",
    "email_in_text": "write to john.doe@example.com for details",
    "phone_in_text": "call +1 555 010 0222 for details",
    "messenger_handle": "message @pill_shop for details",
    "money": "only $49.99 per bottle",
    "invisible_characters": "bu\u200by chea\u200bp pi\u200bl\u200bls",
    "mixed_script_words": "\u0412uy \u0441heap pills",
    "leetspeak": "k3tam1ne and 0xyc0d0ne here",
    "spaced_letters": "get v i a g r a here",
    "styled_unicode": "\U0001d401\U0001d42e\U0001d432 \U0001d427\U0001d428\U0001d430",
    "non_latin_script": "Купить дешево",
    "shouting": "BUY THESE AMAZING PILLS TODAY",
    "exclamations": "Amazing offer!!!",
    "long_text": " ".join(["word"] * 100),
    "short_text": "Great post",
    "question": "Does it hurt?",
    "contact_request": "contact him today",
    "messenger": "I use telegram",
    "no_prescription": "no prescription needed",
    "payment_or_earnings": "pay with bitcoin",
    "certainty": "guaranteed results",
    "conspiracy": "big pharma lies",
    "treatment_advice": "stop taking your meds",
    "cure_claim": "it cured my diabetes",
    "hedge_or_evidence": "some studies suggest it helps",
    "refutation": "that is a myth",
    "promotion": "click here to order now",
    "blog_praise": "I bookmarked your blog",
}

#: Phrases close to a cue's wording that should not fire it.
NEAR_MISSES = [
    ("contact_request", "I contacted my insurer last week about the bill."),
    ("no_prescription", "My doctor wrote a prescription for it after the visit."),
    ("treatment_advice", "I stopped by the pharmacy on the way home from work."),
    ("cure_claim", "There is sadly no cure yet, but the symptoms can be managed well."),
    ("certainty", "The results were good for most people in the study group."),
    ("promotion", "My order of the chapters in the book was a little confusing."),
]

#: Short phrases, one per less obvious alternative of the cue patterns.
CUE_VARIANTS = (
    "e-mail me",
    "whats app now",
    "write to the doctor",
    "inbox us",
    "Contact: drokoro",
    "telegram - spellcaster",
    "wickr id: x",
    "signal:",
    "line id",
    "skype",
    "W/O RX",
    "no doctor's note needed",
    "without a script",
    "discreetly shipped",
    "discreet packaging",
    "western union",
    "gift cards",
    "cash app",
    "$300 per day",
    "recovered my funds",
    "working from home",
    "usdt",
    "forex",
    "100% natural",
    "completely cured",
    "one dose cures it",
    "zero side effects",
    "the truth is",
    "wake up",
    "fact is",
    "trust me",
    "for good",
    "they don't want you to know",
    "covered-up",
    "hiding the cure",
    "paid shills",
    "poisoning us",
    "sheeple",
    "population control",
    "globalists",
    "stop using it",
    "quit all",
    "throw out those",
    "ditch the",
    "flush your",
    "cold turkey",
    "instead of chemo",
    "never take",
    "don't need your meds",
    "dont need any doctors",
    "replace all antidepressants",
    "get off all",
    "cures cancer",
    "cure for",
    "curing",
    "healed completely",
    "reversed type 2",
    "got rid of it",
    "might",
    "could",
    "research shows",
    "randomised",
    "placebo",
    "talk to your gp",
    "ask your pharmacist",
    "under medical supervision",
    "side effects include",
    "in my experience",
    "for me",
    "isn't true",
    "debunked",
    "retracted",
    "that's not how",
    "hasn't been approved",
    "is not approved",
    "there is no proof",
    "doesnt cure",
    "did not work",
    "wont fix",
    "won't reverse",
    "arent safe",
    "is not linked",
    "no study shows",
    "no link between",
    "false claim",
    "misinformation",
    "visit our store",
    "check out my",
    "buy cheap",
    "promo code",
    "free sample",
    "limited time offer",
    "special offer",
    "dofollow",
    "guest posts",
    "hello admin",
    "rss feed",
    "keep up the great work",
    "blog theme",
    "I'll definitely be back",
    "useful info for",
    "valuable information",
    "webmaster",
    "It does not cure it. Never trust them! Not true? Not a cure.",
    "",
    "   ",
)

#: Words the Hypothesis strategies below combine, so generated texts often contain cue wording.
CUE_WORDS = sorted({trigger.strip() for triggers in CUE_TRIGGERS.values() for trigger in triggers} - {""})
FILLER = [
    "a",
    "the",
    "my",
    "your",
    "him",
    "me",
    "us",
    "now",
    "taking",
    "using",
    "cure",
    "cured",
    "up",
    "id",
    "number",
    "app",
    "effects",
    "funds",
    "doctor",
    "meds",
    "insulin",
    "true",
    "approved",
    "work",
    "does",
    "not",
    "don't",
    "isn't",
    "n't",
    "no",
    "never",
    ":",
    "-",
    "100%",
    "$5",
    "?",
    "!",
    "\u200b",
    "😀",
    "مرحبا",
    "שלום",
    "\uff42\uff55\uff59",
    "Кетамин",
]
SEPARATORS = [" ", "  ", "\n", "\t", "-", ", ", ". ", "'"]

cue_texts = st.lists(st.tuples(st.sampled_from(CUE_WORDS + FILLER), st.sampled_from(SEPARATORS)), max_size=25).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)
cue_matches = st.sampled_from(sorted(features._CUES)).flatmap(
    lambda name: st.from_regex(features._CUES[name], fullmatch=True)
)
padded_cue_matches = st.tuples(cue_texts, cue_matches, cue_texts).map(" ".join)
any_texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    cue_texts,
    st.lists(st.sampled_from(FILLER + list(TYPICAL.values())), max_size=12).map(" ".join),
)


def unconditional_cues(text: str) -> dict[str, float]:
    """The cue signals with every pattern run, whatever the triggers say."""
    cue_text = fold_text(text).cue_text
    return {name: min(len(pattern.findall(cue_text)), 2) / 2 for name, pattern in features._CUES.items()}


# --- fold_text: obfuscation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\uff26\uff32\uff25\uff25 \uff56\uff49\uff41\uff47\uff52\uff41", "free viagra"),
        ("\U0001d401\U0001d42e\U0001d432 now", "buy now"),
        ("ⓒⓗⓔⓐⓟ meds", "cheap meds"),
    ],
    ids=["fullwidth", "math-bold", "circled-letters"],
)
def test_fold_text_undoes_styled_unicode(text, expected):
    """Fullwidth and mathematical letters fold to plain lower-case ASCII and are counted."""
    folded = fold_text(text)
    assert folded.text == expected
    assert folded.styled_characters > 0


def test_fold_text_plain_ascii_counts_nothing():
    """Plain ASCII text is only lower-cased and no obfuscation is counted."""
    folded = fold_text("Thanks For The Article")
    assert folded.text == "thanks for the article"
    assert (
        folded.invisible_characters,
        folded.mixed_script_words,
        folded.leetspeak_words,
        folded.spaced_runs,
        folded.styled_characters,
    ) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected", "mixed"),
    [
        ("\u0412uy \u0441heap pills", "buy cheap pills", 2),
        ("ch\u0435\u0430p vi\u0430gr\u0430", "cheap viagra", 2),
        ("\u03bdiagra", "viagra", 1),
        ("Pl\u0430ndemic", "plandemic", 1),
    ],
    ids=["cyrillic-initial", "cyrillic-inner", "greek-nu", "cyrillic-a"],
)
def test_fold_text_folds_look_alikes_inside_latin_words(text, expected, mixed):
    """Cyrillic and Greek look-alikes inside Latin words become Latin letters, one count per word."""
    folded = fold_text(text)
    assert folded.text == expected
    assert folded.mixed_script_words == mixed


@pytest.mark.parametrize(
    "text",
    ["Купить дешево сейчас", "Привет мир", "Ελληνικά κείμενα"],
    ids=["russian", "russian-2", "greek"],
)
def test_fold_text_keeps_all_cyrillic_words(text):
    """Words written entirely in another script are left as they are (only lower-cased)."""
    folded = fold_text(text)
    assert folded.text == text.lower()
    assert folded.mixed_script_words == 0


@pytest.mark.parametrize(
    "text", ["Привет, мир", "Это хорошо!", "спасибо (очень)"], ids=["comma", "exclamation", "brackets"]
)
def test_fold_text_keeps_all_cyrillic_words_beside_punctuation(text):
    """Punctuation next to an all-Cyrillic word does not make it a mixed-script word."""
    folded = fold_text(text)
    assert folded.text == text.lower()
    assert folded.mixed_script_words == 0


def test_fold_text_folds_cyrillic_small_ka():
    """Cyrillic small ka inside a Latin word folds to Latin k."""
    assert fold_text("\u043aetamine").text == "ketamine"


@pytest.mark.parametrize(
    ("text", "invisible"),
    [
        ("vi\u200bag\u200dra", 2),
        ("\ufeffcheap\u00adpills", 2),
        ("bu\u2060y n\u200cow", 2),
    ],
    ids=["zero-width-space-joiner", "bom-soft-hyphen", "word-joiner-non-joiner"],
)
def test_fold_text_removes_invisible_characters(text, invisible):
    """Zero-width and other invisible characters are removed and counted."""
    folded = fold_text(text)
    assert folded.text == "".join(char for char in text if char.isprintable())
    assert folded.invisible_characters == invisible


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("k3tam1ne", "ketamine"),
        ("0xyc0d0ne", "oxycodone"),
        ("v1agr@", "viagra"),
        ("pr3scr1pt10n", "prescription"),
        ("c1al1s", "cialis"),
        ("Sp@m", "spam"),
    ],
    ids=["k3tam1ne", "0xyc0d0ne", "v1agr@", "pr3scr1pt10n", "c1al1s", "Sp@m"],
)
def test_fold_text_folds_leetspeak(word, expected):
    """Digits and symbols standing in for letters inside a word fold back to the letters."""
    folded = fold_text(f"get {word} here")
    assert folded.text == f"get {expected} here"
    assert folded.leetspeak_words == 1


@pytest.mark.parametrize(
    "word",
    ["covid19", "b12", "50mg", "T1D", "A1c", "H1N1", "mp3", "2nd", "3am", "10k"],
    ids=["covid19", "b12", "50mg", "T1D", "A1c", "H1N1", "mp3", "2nd", "3am", "10k"],
)
def test_fold_text_keeps_ordinary_words_with_digits(word):
    """Medical abbreviations, units and ordinals keep their digits."""
    folded = fold_text(f"my {word} result")
    assert folded.text == f"my {word.lower()} result"
    assert folded.leetspeak_words == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("get v i a g r a here", "get viagra here"),
        ("b.u.y now", "buy now"),
        ("B-U-Y C.H.E.A.P", "buy cheap"),
    ],
    ids=["spaced", "dotted", "dashed-and-dotted"],
)
def test_fold_text_joins_spaced_and_dotted_letters(text, expected):
    """Letters separated by spaces, dots or dashes are joined into one word and counted."""
    folded = fold_text(text)
    assert folded.text == expected
    assert folded.spaced_runs >= 1


@pytest.mark.parametrize(
    "text",
    ["I am a big fan", "a b c", "e.g. this one", "Dr. Smith said so"],
    ids=["short-words", "three-letters", "eg", "title"],
)
def test_fold_text_leaves_ordinary_short_words(text):
    """Ordinary one-letter words and abbreviations are not joined."""
    folded = fold_text(text)
    assert folded.text == text.lower()
    assert folded.spaced_runs == 0


# --- fold_text: marker words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("see https://pubmed.ncbi.nlm.nih.gov/12345/ please", ["xxurl", "xxauthority"], ["pubmed", "https"]),
        ("see www.cdc.gov for advice", ["xxurl", "xxauthority"], ["www"]),
        ("read https://example.com/a first", ["xxurl"], ["xxauthority", "xxsuspicioustld", "https"]),
        ("go to cheap-pills.ru now", ["xxurl", "xxsuspicioustld"], ["xxauthority", ".ru"]),
        ("visit deals.xyz/buy now", ["xxurl", "xxsuspicioustld"], [".xyz"]),
        ("mail john.doe+x@example.com now", ["xxemail"], ["@", "john"]),
        ("write to [email removed] now", ["xxemail"], ["removed"]),
        ("call +1 (555) 010-0222 now", ["xxphone"], ["555"]),
        ("call [phone removed] now", ["xxphone"], ["removed"]),
        ("dm @pill_shop now", ["xxhandle"], ["pill_shop"]),
        ("only $500 today", ["xxmoney"], ["500"]),
        ("earn 300 dollars today", ["xxmoney"], ["dollars"]),
        ("it is 100% natural", ["xxfullpercent"], ["xxpercent", "100"]),
        ("take 50% off", ["xxpercent"], ["xxfullpercent", "50"]),
        ('<a href="http://x.example.com">here</a>', ["xxhtmllink"], ["href"]),
        ("[url=http://x.example.com]here[/url]", ["xxhtmllink"], ["[url"]),
        ("see https://shop.example.de/x now", ["xxurl", "xxcountrytld", "example"], ["shop", ".de"]),
        ("see http://localhost/x now", ["xxurl", "xxcountrytld"], ["localhost"]),
        ("see http://[oops now", ["xxurl"], ["oops"]),
    ],
    ids=[
        "pubmed",
        "cdc-www",
        "generic-com",
        "ru",
        "xyz",
        "email",
        "email-scrubbed",
        "phone",
        "phone-scrubbed",
        "handle",
        "money-symbol",
        "money-word",
        "full-percent",
        "percent",
        "html-link",
        "bbcode-link",
        "country-tld",
        "single-label-host",
        "unparsable-url",
    ],
)
def test_fold_text_replaces_contacts_and_amounts_with_markers(text, present, absent):
    """Links, addresses, phone numbers, handles, amounts and percentages become marker words."""
    folded = fold_text(text)
    for word in present:
        assert word in folded.text.split()
    for fragment in absent:
        assert fragment not in folded.text


def test_fold_text_keeps_registered_domain_name():
    """A link keeps its registered domain name as a word beside the markers."""
    assert "cheap-pills" in fold_text("go to https://www.cheap-pills.ru/buy").text


@pytest.mark.parametrize("word", ["xxauthority", "XXURL", "xxemail"], ids=["authority", "url", "email"])
def test_marker_words_typed_in_text_are_not_markers(word):
    """A commenter who types a marker word does not get that marker's signal."""
    signals = extract_signals(f"buy pills here {word} today")
    assert signals["authority_link"] == signals["links"] == signals["email_in_text"] == 0.0


# --- fold_text: negation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it does not cure cancer at all", "it does not not_cure not_cancer not_at all"),
        ("i never said that", "i never not_said not_that"),
        ("you don't need meds", "you don't not_need not_meds"),
        ("it cannot hurt", "it cannot not_hurt"),
        ("nothing works", "nothing not_works"),
        ("not. really", "not. really"),
        ("i do not", "i do not"),
    ],
    ids=["not", "never", "dont", "cannot", "nothing", "punctuation-stops", "at-end"],
)
def test_fold_text_marks_words_after_negation(text, expected):
    """Up to NEGATION_SCOPE words after a negation get the not_ prefix; punctuation ends the scope."""
    folded = fold_text(text)
    assert folded.text == expected
    marked = [word for word in folded.text.split() if word.startswith("not_")]
    assert len(marked) <= NEGATION_SCOPE


def test_cue_text_has_no_negation_marks():
    """cue_text is the folded text without the not_ marking."""
    folded = fold_text("This does NOT cure cancer, and it is not true that it never fails.")
    assert "not_" not in folded.cue_text
    assert "not_" in folded.text
    assert folded.text.replace("not_", "") == folded.cue_text


@given(any_texts)
def test_cue_text_is_text_without_marks(text):
    """For any text without a literal not_, removing the marks from text gives cue_text's words."""
    folded = fold_text(text)
    if "not_" not in folded.cue_text:
        assert folded.text.replace("not_", "").split() == folded.cue_text.split()


# --- extract_signals -----------------------------------------------------------------------------


def test_typical_table_covers_every_signal():
    """The table of typical phrases below names every signal, so each one is tested."""
    assert tuple(TYPICAL) == SIGNAL_NAMES


@pytest.mark.parametrize("name", SIGNAL_NAMES, ids=SIGNAL_NAMES)
def test_signal_fires_on_typical_phrase(name):
    """Each named signal is positive on a typical phrase."""
    assert extract_signals(TYPICAL[name])[name] > 0


@pytest.mark.parametrize("name", SIGNAL_NAMES, ids=SIGNAL_NAMES)
def test_signal_is_zero_on_neutral_sentence(name):
    """No signal fires on a plain, neutral sentence."""
    assert extract_signals(NEUTRAL)[name] == 0.0


@pytest.mark.parametrize(("name", "text"), NEAR_MISSES, ids=[name for name, _ in NEAR_MISSES])
def test_cue_does_not_fire_on_near_miss(name, text):
    """A sentence sharing a cue's words without its meaning does not fire the cue."""
    assert extract_signals(text)[name] == 0.0


@settings(max_examples=300)
@given(any_texts)
@example("")
@example("😀" * 40 + "!!!!!!!!!!")
@example("مرحبا بكم في موقعنا http://example.ru")
@example("\u202eevil\u202c text \u200f")
@example(
    "\uff22\uff35\uff39 \uff2e\uff2f\uff37 \uff23\uff28\uff25\uff21\uff30 \uff30\uff29\uff2c\uff2c\uff33 \uff34\uff2f\uff24\uff21\uff39"
)
@example(" ".join(["word"] * 5000))
def test_extract_signals_names_and_range(text):
    """extract_signals returns exactly SIGNAL_NAMES, in order, each a float in [0, 1]."""
    signals = extract_signals(text)
    assert tuple(signals) == SIGNAL_NAMES
    for name, value in signals.items():
        assert isinstance(value, float), name
        assert 0.0 <= value <= 1.0, (name, value)


@pytest.mark.parametrize(
    "text", ["\u2167" * 30 + " abcdefghijkl", "\u24b6" * 30 + " abcdefghijkl"], ids=["roman-numeral", "circled"]
)
def test_shouting_stays_in_range_for_uppercase_symbols(text):
    """Upper-case symbols that are not letters cannot push shouting above 1."""
    assert 0.0 <= extract_signals(text)["shouting"] <= 1.0


@given(any_texts)
def test_extract_signals_accepts_precomputed_folding(text):
    """Passing the folded text in gives the same signals as letting extract_signals fold it."""
    assert extract_signals(text, fold_text(text)) == extract_signals(text)


def test_cue_triggers_name_every_cue():
    """Every cue pattern has a non-empty trigger list, and no trigger list lacks a pattern."""
    assert set(CUE_TRIGGERS) == set(features._CUES)
    assert all(CUE_TRIGGERS[name] for name in CUE_TRIGGERS)


@pytest.mark.parametrize(
    "text",
    [*TYPICAL.values(), *CUE_VARIANTS, *(text for _, text in NEAR_MISSES), NEUTRAL],
    ids=[*(f"typical-{name}" for name in TYPICAL), *(f"variant-{i}" for i in range(len(CUE_VARIANTS)))]
    + [f"near-miss-{name}" for name, _ in NEAR_MISSES]
    + ["neutral"],
)
def test_cue_triggers_sound_on_hand_written_texts(text):
    """Skipping patterns whose triggers are absent changes no cue signal on hand-written texts."""
    signals = extract_signals(text)
    assert {name: signals[name] for name in features._CUES} == unconditional_cues(text)


@settings(max_examples=600)
@given(st.one_of(padded_cue_matches, cue_texts, any_texts))
def test_cue_triggers_sound_on_generated_texts(text):
    """Skipping patterns whose triggers are absent changes no cue signal on generated texts."""
    signals = extract_signals(text)
    assert {name: signals[name] for name in features._CUES} == unconditional_cues(text)


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(features._CUES)).flatmap(
        lambda name: st.tuples(st.just(name), st.from_regex(features._CUES[name], fullmatch=True))
    )
)
def test_generated_cue_match_fires_its_cue(pair):
    """A string matching a cue pattern, between spaces, fires that cue (typed marker words aside)."""
    name, match = pair
    assume("xx" not in match.lower())  # a commenter typing a marker word is neutralised on purpose
    assert extract_signals(f"well {match} then")[name] > 0


def test_cue_variants_fire_many_cues():
    """The hand-written variants exercise every cue at least once (so the soundness test has teeth)."""
    fired = {name for text in CUE_VARIANTS for name, value in extract_signals(text).items() if value > 0}
    assert set(features._CUES) <= fired


def test_every_signal_has_a_label():
    """Every signal has a distinct, non-empty moderator-readable label, and no label is orphaned."""
    assert set(SIGNAL_LABELS) == set(SIGNAL_NAMES)
    labels = [SIGNAL_LABELS[name] for name in SIGNAL_NAMES]
    assert all(label.strip() for label in labels)
    assert len(set(labels)) == len(labels)
