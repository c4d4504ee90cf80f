"""Tests for comment_guard.training.crossval: stratified folds over texts and honest out-of-fold scores."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from comment_guard.errors import TrainingDataError
from comment_guard.training.crossval import assign_folds, cross_validate, fit_examples, fit_with_out_of_fold
from comment_guard.training.examples import Example, normalised_key
from comment_guard.training.fit import FitOptions
from comment_guard.training.user_data import LabelledText
from comment_guard.training.user_files import Location
from shared_texts import HAM_TEXTS, MISINFORMATION_TEXTS, RELIABLE_TEXTS, SPAM_TEXTS

OPTIONS = FitOptions(folds=2, min_df=1)


def labelled(texts, label):
    """LabelledText items for ``texts`` with one label."""
    return [LabelledText(text, label, Location("inline", number)) for number, text in enumerate(texts, start=2)]


def spam_items():
    """Spam risk items: 12 spam, 24 legitimate."""
    return {"spam": labelled(SPAM_TEXTS, 1) + labelled(HAM_TEXTS + RELIABLE_TEXTS, 0)}


def plain(part):
    """Examples of weight 1 from a part of the user's data."""
    return {risk: [Example(item.text, item.label, "user") for item in rows] for risk, rows in part.items()}


def test_folds_are_stratified():
    """Each fold gets a near-equal share of each class."""
    items = spam_items()
    fold_of = assign_folds(items, 3, seed=0)
    per_fold = Counter((fold_of[normalised_key(item.text)], item.label) for item in items["spam"])
    assert sorted(per_fold[(fold, 1)] for fold in range(3)) == [4, 4, 4]
    assert sorted(per_fold[(fold, 0)] for fold in range(3)) == [8, 8, 8]


def test_a_text_of_both_risks_has_one_fold():
    """A text labelled for both risks is in the same fold for both, even in rare strata."""
    items = {
        "spam": labelled(SPAM_TEXTS, 1) + labelled(HAM_TEXTS + RELIABLE_TEXTS + MISINFORMATION_TEXTS[:1], 0),
        "misinformation": labelled(MISINFORMATION_TEXTS, 1) + labelled(HAM_TEXTS + RELIABLE_TEXTS, 0),
    }
    fold_of = assign_folds(items, 5, seed=3)
    keys = {normalised_key(item.text) for rows in items.values() for item in rows}
    assert set(fold_of) == keys
    assert set(fold_of.values()) == set(range(5))


def test_held_out_texts_never_reach_training():
    """No fold's training examples include a text scored in that fold."""
    items = spam_items()
    fold_of = assign_folds(items, 3, seed=0)
    seen: list[set[str]] = []

    def build(part):
        seen.append({normalised_key(item.text) for rows in part.values() for item in rows})
        return plain(part)

    result = cross_validate(items, build, folds=3, seed=0, options=OPTIONS)
    for fold, training in enumerate(seen):
        assert not {key for key, value in fold_of.items() if value == fold} & training
    assert np.all(np.isfinite(result["spam"].scores))
    assert np.all((result["spam"].scores >= 0) & (result["spam"].scores <= 1))


def test_out_of_fold_scores_are_deterministic():
    """The same items, seed and options give the same out-of-fold scores."""
    first = cross_validate(spam_items(), plain, folds=2, seed=1, options=OPTIONS)["spam"]
    second = cross_validate(spam_items(), plain, folds=2, seed=1, options=OPTIONS)["spam"]
    assert np.array_equal(first.scores, second.scores)
    assert first.labels.tolist() == [1] * 12 + [0] * 24


def test_progress_is_reported():
    """Each fold is announced to the progress callback."""
    messages: list[str] = []
    cross_validate(spam_items(), plain, folds=2, seed=0, options=OPTIONS, progress=messages.append)
    assert messages == ["cross-validation: fitting fold 1 of 2", "cross-validation: fitting fold 2 of 2"]


def test_unfittable_data_is_a_training_data_error():
    """scikit-learn's refusal (one class only) becomes a TrainingDataError."""
    with pytest.raises(TrainingDataError, match="cannot be fitted"):
        fit_examples({"spam": [Example(text, 1, "user") for text in SPAM_TEXTS]}, OPTIONS)


def test_fit_out_of_fold_takes_the_user_tail():
    """With base examples first, the user's out-of-fold scores are the tail of the fit's, in order."""
    items = spam_items()
    base = [Example(f"unrelated base text number {i}", i % 2, "team") for i in range(20)]
    examples = {"spam": base + plain(items)["spam"]}
    model, scores = fit_with_out_of_fold(items, examples, OPTIONS)
    assert model.risks == ("spam",)
    assert scores["spam"].labels.tolist() == [item.label for item in items["spam"]]
    assert np.all((scores["spam"].scores >= 0) & (scores["spam"].scores <= 1))


def test_fit_out_of_fold_refuses_misordered_examples():
    """Examples that do not end with the user's texts in order are refused."""
    items = spam_items()
    examples = {"spam": list(reversed(plain(items)["spam"]))}
    with pytest.raises(ValueError, match="do not end with the user's texts"):
        fit_with_out_of_fold(items, examples, OPTIONS)
