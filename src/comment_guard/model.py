"""RiskModel: fitted scikit-learn parts -> calibrated risk probabilities and explanations.

A model is one TF-IDF vocabulary over folded text (word 1-2 grams) shared by every risk,
plus, per risk, a logistic-regression head over [tf-idf terms, named signals] and a Platt
calibration (slope, intercept) fitted on out-of-fold decision values.

Scoring does not go through ``Pipeline.predict_proba`` (about a millisecond of input
checking per call): it evaluates the same linear function directly from the vocabulary,
idf and coefficients, which gives the same numbers (a test checks it against
scikit-learn) in tens of microseconds.
"""

from __future__ import annotations

import heapq
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from comment_guard.errors import RiskUnavailableError
from comment_guard.features import SIGNAL_LABELS, SIGNAL_NAMES, fold_text, signal_vector
from comment_guard.results import MISINFORMATION, RISKS, SPAM, Contribution, RiskScores

#: How many contributions an explanation lists per risk.
TOP_CONTRIBUTIONS = 5
#: Contributions below this (in log-odds, after calibration) are too small to show.
MIN_CONTRIBUTION = 0.01

_MARKERS = {
    "xxurl": "[link]",
    "xxemail": "[email address]",
    "xxphone": "[phone number]",
    "xxmoney": "[money amount]",
    "xxnum": "[number]",
    "xxhandle": "[@handle]",
    "xxhtmllink": "[HTML link]",
    "xxsuspicioustld": "[low-reputation domain]",
    "xxcountrytld": "[country domain]",
    "xxauthority": "[health-authority link]",
    "xxfullpercent": "100%",
    "xxpercent": "[percentage]",
}


def readable_term(term: str) -> str:
    """Return a vocabulary term with marker words shown as bracketed labels."""
    return " ".join(_MARKERS.get(word, word) for word in term.split())


def signal_matrix(texts: Iterable[str]) -> sp.csr_matrix:
    """Signals of each text as a sparse matrix with columns in :data:`SIGNAL_NAMES` order."""
    rows = [signal_vector(text) for text in texts]
    return sp.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(SIGNAL_NAMES)))


def fold_texts(texts: Iterable[str]) -> list[str]:
    """Folded form (see :func:`comment_guard.features.fold_text`) of each text."""
    return [fold_text(text).text for text in texts]


@dataclass(frozen=True, slots=True)
class RiskHead:
    """One risk's fitted classifier and its Platt calibration ``p = sigmoid(slope * z + intercept)``."""

    classifier: Any
    slope: float
    intercept: float


@dataclass(frozen=True, slots=True)
class _CompiledHead:
    term_weights: list[float]
    signal_weights: tuple[float, ...]
    bias: float
    slope: float
    intercept: float


_TF_TABLE = 64
_SUBLINEAR_TF = [0.0] + [1.0 + math.log(count) for count in range(1, _TF_TABLE)]


def _fast_analyzer(vectorizer: Any) -> Callable[[str], list[str]] | None:
    """The vectorizer's word n-gram analysis without scikit-learn's per-call overhead.

    Only for the settings the recipe uses (word analyzer, no lower-casing, preprocessing or
    stop words); returns ``None`` otherwise. The result is checked against scikit-learn's
    analyzer on a sample text, and ``None`` is returned if they ever differ.
    """
    settings_match = (
        vectorizer.analyzer == "word"
        and not vectorizer.lowercase
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and vectorizer.strip_accents is None
        and vectorizer.ngram_range[0] == 1
    )
    if not settings_match:
        return None
    tokenize = re.compile(vectorizer.token_pattern).findall
    longest = int(vectorizer.ngram_range[1])

    def analyze(text: str) -> list[str]:
        tokens = tokenize(text)
        terms = list(tokens)
        for n in range(2, min(longest, len(tokens)) + 1):
            terms += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return terms

    sample = "one two three, four-five six seven not_eight xxurl nine ten eleven"
    return analyze if analyze(sample) == vectorizer.build_analyzer()(sample) else None


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


class RiskModel:
    """Scores texts for the risks it was trained on; scores are probabilities in [0, 1].

    ``vectorizer`` is a fitted ``TfidfVectorizer`` (over folded text); ``heads`` maps a
    risk name (``"spam"``, ``"misinformation"``) to its :class:`RiskHead`. A risk without a
    head scores ``None``. Thread-safe: scoring reads only immutable state.
    """

    def __init__(self, vectorizer: Any, heads: Mapping[str, RiskHead]) -> None:
        unknown = set(heads) - set(RISKS)
        if unknown or not heads:
            raise ValueError(f"Expected heads for some of {RISKS}; got {sorted(heads)}.")
        self.vectorizer = vectorizer
        self.heads: dict[str, RiskHead] = dict(heads)
        self._analyze: Callable[[str], list[str]] = _fast_analyzer(vectorizer) or vectorizer.build_analyzer()
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._index = vocabulary
        self._idf: list[float] = np.asarray(vectorizer.idf_, dtype=np.float64).tolist()
        self._terms = {index: term for term, index in vocabulary.items()}
        self._compiled = {risk: self._compile(head, len(vocabulary)) for risk, head in self.heads.items()}

    @staticmethod
    def _compile(head: RiskHead, n_terms: int) -> _CompiledHead:
        coef = np.asarray(head.classifier.coef_, dtype=np.float64).ravel()
        if coef.shape[0] != n_terms + len(SIGNAL_NAMES):
            raise ValueError(
                f"Expected {n_terms + len(SIGNAL_NAMES)} coefficients (terms + signals); got {coef.shape[0]}."
            )
        return _CompiledHead(
            term_weights=coef[:n_terms].tolist(),
            signal_weights=tuple(float(value) for value in coef[n_terms:]),
            bias=float(np.asarray(head.classifier.intercept_).ravel()[0]),
            slope=head.slope,
            intercept=head.intercept,
        )

    @property
    def risks(self) -> tuple[str, ...]:
        """Names of the risks this model scores, in canonical order."""
        return tuple(risk for risk in RISKS if risk in self.heads)

    def score(self, texts: Iterable[str], *, explain: bool = True) -> list[RiskScores]:
        """Score each text; ``explain=False`` skips the explanations (faster in batch)."""
        if isinstance(texts, str):
            raise TypeError("score() takes an iterable of texts, not a single str; wrap it in a list.")
        return [self.score_one(text, explain=explain) for text in texts]

    def score_one(self, text: str, *, explain: bool = True) -> RiskScores:
        """Score one text: a :class:`RiskScores` with probabilities in [0, 1] (``None`` if not trained)."""
        folded = fold_text(text)
        signal_values = signal_vector(text, folded)
        index_of, idf = self._index.get, self._idf
        counts = Counter(self._analyze(folded.text))
        found = [
            (index, count)
            for index, count in zip(map(index_of, counts), counts.values(), strict=True)
            if index is not None
        ]
        indices = [index for index, _ in found]
        # Sublinear tf (1 + ln count) times idf, as TfidfVectorizer(sublinear_tf=True) computes it.
        values = [
            (_SUBLINEAR_TF[count] if count < _TF_TABLE else 1.0 + math.log(count)) * idf[index]
            for index, count in found
        ]
        squares = sum(map(operator.mul, values, values))
        norm = math.sqrt(squares) or 1.0
        probabilities: dict[str, float | None] = {SPAM: None, MISINFORMATION: None}
        explanations: dict[str, tuple[Contribution, ...]] = {}
        for risk, head in self._compiled.items():
            weights = head.term_weights
            term_sum = sum(map(operator.mul, values, map(weights.__getitem__, indices))) / norm
            signal_parts = [value * weight for value, weight in zip(signal_values, head.signal_weights, strict=True)]
            decision = head.bias + term_sum + sum(signal_parts)
            probabilities[risk] = _sigmoid(head.slope * decision + head.intercept)
            if explain:
                term_parts = {
                    index: value / norm * weights[index] for index, value in zip(indices, values, strict=True)
                }
                explanations[risk] = self._explain(term_parts, signal_parts, head.slope)
        return RiskScores(probabilities[SPAM], probabilities[MISINFORMATION], explanations)

    def _explain(
        self, term_parts: dict[int, float], signal_parts: Sequence[float], slope: float
    ) -> tuple[Contribution, ...]:
        # Pick the strongest first and build objects for those few only: explaining is on the hot path.
        terms = heapq.nlargest(TOP_CONTRIBUTIONS, term_parts.items(), key=lambda item: item[1] * slope)
        signals = heapq.nlargest(TOP_CONTRIBUTIONS, enumerate(signal_parts), key=lambda item: item[1] * slope)
        candidates = [Contribution(readable_term(self._terms[index]), part * slope, "term") for index, part in terms]
        candidates += [
            Contribution(SIGNAL_LABELS[SIGNAL_NAMES[index]], part * slope, "signal") for index, part in signals
        ]
        positive = sorted((c for c in candidates if c.weight > MIN_CONTRIBUTION), key=lambda c: c.weight, reverse=True)
        return tuple(positive[:TOP_CONTRIBUTIONS])

    def decision_function_reference(self, texts: Sequence[str], risk: str) -> np.ndarray:
        """Calibrated probabilities for ``risk`` computed through scikit-learn (slow reference path)."""
        if risk not in self.heads:
            raise RiskUnavailableError(f"This model does not score {risk!r}; it scores {self.risks}.")
        head = self.heads[risk]
        matrix = sp.hstack([self.vectorizer.transform(fold_texts(texts)), signal_matrix(texts)]).tocsr()
        decision = np.asarray(head.classifier.decision_function(matrix), dtype=np.float64)
        return np.asarray(1.0 / (1.0 + np.exp(-(head.slope * decision + head.intercept))))
