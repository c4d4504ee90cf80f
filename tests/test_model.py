"""Tests for comment_guard.model (RiskModel scoring and explanations) and training.fit."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comment_guard.errors import RiskUnavailableError
from comment_guard.features import SIGNAL_LABELS, SIGNAL_NAMES, extract_signals, fold_text
from comment_guard.model import (
    TOP_CONTRIBUTIONS,
    RiskHead,
    RiskModel,
    fold_texts,
    readable_term,
    signal_matrix,
)
from comment_guard.results import MISINFORMATION, RISKS, SPAM, RiskScores
from comment_guard.training.examples import Example
from comment_guard.training.fit import FitOptions, fit_model

#: Texts of every kind: spam, misinformation, legitimate, obfuscated, marker-heavy, empty, foreign.
TEXTS = (
    "Buy cheap viagra online, no prescription needed, discreet shipping http://pills.example.ru",
    "Order oxycodone now!!! WhatsApp +1 555 010 9999 or email sales@pills.example.com",
    "Great post, I bookmarked your blog. Visit my site www.cheap-deals.xyz for $50 off",
    "B.u.y v1agr@ n0w \u200b\u1d04\u029c\u1d07\u1d00\u1d18 !!! 100% guaranteed",
    "Vaccines cause autism and big pharma is covering it up, do your own research.",
    "Stop taking your insulin, this herbal tea cures diabetes permanently, guaranteed.",
    "Vaccines do not cause autism; large studies found no link. See https://pubmed.ncbi.nlm.nih.gov/1/",
    "Thanks for the clear write-up; my doctor suggested the same approach for my knee.",
    "How long should I wait after a tetanus shot before swimming?",
    "cheap cheap cheap cheap pills pills",
    "Купить дешево таблетки без рецепта",
    "مرحبا، هل هذا الدواء آمن؟",
    "😀😀😀",
    "",
    "   ",
    "xxurl xxphone xxnum",
)

SINGLE_SPAM = [
    Example("Buy cheap pills online now, no prescription, discreet shipping", 1, "inline"),
    Example("Visit my site for cheap meds and casino bonus codes", 1, "inline"),
    Example("Earn money from home, contact me on WhatsApp today", 1, "inline"),
    Example("Order tramadol and xanax without a prescription", 1, "inline"),
    Example("Thanks for the article, it helped me understand my diagnosis", 0, "inline"),
    Example("My doctor suggested physiotherapy and it really helped my back", 0, "inline"),
    Example("How long do the side effects of the vaccine usually last?", 0, "inline"),
    Example("I appreciate the careful explanation of the study results", 0, "inline"),
]

texts_strategy = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from([word for text in TEXTS for word in text.split()]), max_size=30).map(" ".join),
)


@pytest.fixture(scope="module")
def spam_only_model() -> RiskModel:
    """A RiskModel trained for spam only."""
    model, _ = fit_model({SPAM: SINGLE_SPAM}, options=FitOptions(folds=2, min_df=1))
    return model


def analyzer_terms(model: RiskModel, text: str) -> set[str]:
    """The readable forms of every n-gram the model's vectorizer sees in ``text``."""
    analyze = model.vectorizer.build_analyzer()
    return {readable_term(term) for term in analyze(fold_text(text).text)}


# --- fast scoring path ---------------------------------------------------------------------------


@pytest.mark.parametrize("risk", RISKS, ids=RISKS)
def test_fast_path_matches_scikit_learn(tiny_model, risk):
    """score_one gives the same probabilities as the scikit-learn reference path, to 1e-9."""
    reference = tiny_model.decision_function_reference(TEXTS, risk)
    fast = [scores.get(risk) for scores in tiny_model.score(TEXTS)]
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(texts_strategy, min_size=1, max_size=5))
def test_fast_path_matches_scikit_learn_on_generated_texts(tiny_model, texts):
    """score_one and the scikit-learn reference agree to 1e-9 for both risks on arbitrary texts."""
    scores = tiny_model.score(texts, explain=False)
    for risk in RISKS:
        reference = tiny_model.decision_function_reference(texts, risk)
        np.testing.assert_allclose([s.get(risk) for s in scores], reference, rtol=0, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(text=texts_strategy)
def test_scores_are_probabilities(tiny_model, text):
    """Both scores are finite floats in [0, 1]."""
    scores = tiny_model.score_one(text)
    for risk in RISKS:
        value = scores.get(risk)
        assert isinstance(value, float)
        assert math.isfinite(value)
        assert 0.0 <= value <= 1.0


def test_score_with_and_without_explanations_agree(tiny_model):
    """explain=False gives the same scores and no explanations."""
    full = tiny_model.score(TEXTS)
    fast = tiny_model.score(TEXTS, explain=False)
    assert [(s.spam, s.misinformation) for s in full] == [(s.spam, s.misinformation) for s in fast]
    assert all(s.explanations == {} for s in fast)


def test_tiny_model_ranks_its_training_texts(tiny_model):
    """The tiny model scores obvious spam above a plain comment and a cure claim above a question."""
    spam, plain, cure, question = tiny_model.score(
        [
            "Buy cheap viagra online, no prescription needed, order now",
            "Thanks for the clear write-up; my doctor suggested the same approach.",
            "Stop taking your insulin, this herbal tea cures diabetes permanently.",
            "How long should I wait after a tetanus shot before swimming?",
        ]
    )
    assert spam.spam > plain.spam
    assert cure.misinformation > question.misinformation


# --- explanations --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TEXTS, ids=[f"text-{i}" for i in range(len(TEXTS))])
def test_explanations_positive_sorted_and_bounded(tiny_model, text):
    """Each risk lists at most TOP_CONTRIBUTIONS positive contributions, strongest first."""
    scores = tiny_model.score_one(text)
    assert set(scores.explanations) == set(RISKS)
    for contributions in scores.explanations.values():
        assert len(contributions) <= TOP_CONTRIBUTIONS
        weights = [c.weight for c in contributions]
        assert all(weight > 0 for weight in weights)
        assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("Buy cheap viagra online, no prescription needed, discreet shipping http://pills.example.ru", SPAM),
        ("Order oxycodone now!!! WhatsApp +1 555 010 9999 or email sales@pills.example.com", SPAM),
        ("Stop taking your insulin, this herbal tea cures diabetes permanently, guaranteed.", MISINFORMATION),
        ("Vaccines cause autism and big pharma is covering it up, do your own research.", MISINFORMATION),
    ],
    ids=["drug-spam", "contact-spam", "stop-insulin", "autism-conspiracy"],
)
def test_explanations_present_for_risky_text(tiny_model, text, risk):
    """An obviously risky text gets at least one contribution for that risk."""
    assert tiny_model.score_one(text).explanations[risk]


@pytest.mark.parametrize("text", TEXTS, ids=[f"text-{i}" for i in range(len(TEXTS))])
def test_explanation_terms_are_readable_whole_words(tiny_model, text):
    """Terms are word n-grams of the text with markers as bracketed labels; signals use their labels."""
    assert tiny_model.vectorizer.analyzer == "word"
    terms = analyzer_terms(tiny_model, text)
    for contributions in tiny_model.score_one(text).explanations.values():
        for contribution in contributions:
            assert not any(word.startswith("xx") for word in contribution.name.split()), contribution
            if contribution.kind == "term":
                assert contribution.name in terms
            else:
                assert contribution.kind == "signal"
                assert contribution.name in SIGNAL_LABELS.values()


def test_explanations_show_marker_labels(tiny_model):
    """A link in a spammy text shows up as the bracketed [link] label or a named link signal, never xxurl."""
    text = "Buy cheap viagra online, no prescription needed http://pills.example.ru http://x.example.xyz"
    names = [c.name for c in tiny_model.score_one(text).explanations[SPAM]]
    assert names
    assert not any("xx" in name for name in names)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("xxurl", "[link]"),
        ("xxurl xxauthority", "[link] [health-authority link]"),
        ("buy xxmoney", "buy [money amount]"),
        ("xxfullpercent natural", "100% natural"),
        ("call xxphone", "call [phone number]"),
        ("cheap pills", "cheap pills"),
        ("not_cure", "not_cure"),
    ],
    ids=["url", "url-authority", "money", "full-percent", "phone", "plain", "negated"],
)
def test_readable_term(term, expected):
    """Marker words become bracketed labels; other words are kept."""
    assert readable_term(term) == expected


# --- API shape -----------------------------------------------------------------------------------


def test_score_rejects_bare_string(tiny_model):
    """score() refuses a single str with a message saying to wrap it in a list."""
    with pytest.raises(TypeError, match="wrap it in a list"):
        tiny_model.score("Buy cheap pills")


def test_score_accepts_any_iterable(tiny_model):
    """score() takes a generator and returns one RiskScores per text, in order."""
    results = tiny_model.score(text for text in TEXTS[:3])
    assert [type(r) for r in results] == [RiskScores] * 3
    assert results == [tiny_model.score_one(text) for text in TEXTS[:3]]
    assert tiny_model.score([]) == []


def test_both_risks_trained(tiny_model):
    """The session model scores both risks, in canonical order."""
    assert tiny_model.risks == RISKS


def test_single_risk_model_returns_none_for_other(spam_only_model):
    """A model trained only for spam scores misinformation as None, with no explanation for it."""
    scores = spam_only_model.score_one("Buy cheap pills online now")
    assert spam_only_model.risks == (SPAM,)
    assert scores.misinformation is None
    assert 0.0 <= scores.spam <= 1.0
    assert set(scores.explanations) == {SPAM}


def test_reference_refuses_untrained_risk(spam_only_model):
    """The reference path raises RiskUnavailableError (a LookupError) for a risk without a head."""
    with pytest.raises(RiskUnavailableError, match="misinformation") as info:
        spam_only_model.decision_function_reference(["text"], MISINFORMATION)
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("heads", [{}, {"toxicity": None}], ids=["no-heads", "unknown-risk"])
def test_model_refuses_bad_heads(tiny_model, heads):
    """RiskModel needs at least one head, all for known risks."""
    with pytest.raises(ValueError, match="Expected heads"):
        RiskModel(tiny_model.vectorizer, heads)


def test_model_refuses_coefficients_of_wrong_length(tiny_model):
    """A head whose coefficients do not cover terms + signals is refused."""
    classifier = SimpleNamespace(coef_=np.zeros((1, 3)), intercept_=np.zeros(1))
    with pytest.raises(ValueError, match="coefficients"):
        RiskModel(tiny_model.vectorizer, {SPAM: RiskHead(classifier, 1.0, 0.0)})


def test_signal_matrix_columns_follow_signal_names():
    """signal_matrix has one row per text and columns in SIGNAL_NAMES order."""
    texts = ["Buy now!!! http://x.example.ru", "Plain text here, nothing special about it."]
    matrix = signal_matrix(texts).toarray()
    assert matrix.shape == (2, len(SIGNAL_NAMES))
    for row, text in zip(matrix, texts, strict=True):
        signals = extract_signals(text)
        assert row.tolist() == [signals[name] for name in SIGNAL_NAMES]


def test_signal_matrix_of_no_texts_is_empty():
    """signal_matrix of no texts has zero rows and every signal column."""
    assert signal_matrix([]).shape == (0, len(SIGNAL_NAMES))


def test_fold_texts_folds_each_text():
    """fold_texts returns the folded text of each input, in order."""
    assert fold_texts(["B.U.Y NOW", "k3tam1ne"]) == ["buy now", "ketamine"]


# --- training.fit --------------------------------------------------------------------------------


def test_fit_is_deterministic():
    """Fitting twice on the same examples and options gives identical scores."""
    options = FitOptions(folds=2, min_df=1)
    first, _ = fit_model({SPAM: SINGLE_SPAM}, options=options)
    second, _ = fit_model({SPAM: SINGLE_SPAM}, options=options)
    texts = [example.text for example in SINGLE_SPAM] + ["something else entirely"]
    assert [s.spam for s in first.score(texts)] == [s.spam for s in second.score(texts)]


def test_fit_returns_out_of_fold_probabilities():
    """fit_model returns, per risk, labels, weights and out-of-fold probabilities in [0, 1]."""
    _, fitted = fit_model({SPAM: SINGLE_SPAM}, options=FitOptions(folds=2, min_df=1))
    result = fitted[SPAM]
    assert result.labels.tolist() == [example.label for example in SINGLE_SPAM]
    assert result.weights.tolist() == [1.0] * len(SINGLE_SPAM)
    assert result.out_of_fold.shape == (len(SINGLE_SPAM),)
    assert np.all((result.out_of_fold >= 0) & (result.out_of_fold <= 1))


def test_fit_refuses_one_class():
    """A risk with examples of only one class is refused with ValueError."""
    only_spam = [example for example in SINGLE_SPAM if example.label == 1]
    with pytest.raises(ValueError, match="both classes"):
        fit_model({SPAM: only_spam}, options=FitOptions(folds=2, min_df=1))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_fast_analyzer_equals_scikit_learn(text):
    """The model's own word n-gram analysis gives exactly scikit-learn's terms for any text."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from comment_guard.model import _fast_analyzer

    vectorizer = TfidfVectorizer(lowercase=False, token_pattern=r"(?u)\b\w\w+\b", ngram_range=(1, 3))
    fast = _fast_analyzer(vectorizer)
    assert fast is not None
    assert fast(text) == vectorizer.build_analyzer()(text)


@pytest.mark.parametrize(
    "options",
    [{"lowercase": True}, {"analyzer": "char_wb"}, {"stop_words": "english"}, {"ngram_range": (2, 2)}],
    ids=["lowercase", "char", "stop-words", "no-unigrams"],
)
def test_fast_analyzer_declines_other_settings(options):
    """Settings the fast path does not reproduce fall back to scikit-learn's analyzer."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from comment_guard.model import _fast_analyzer

    assert _fast_analyzer(TfidfVectorizer(**{"lowercase": False, **options})) is None
