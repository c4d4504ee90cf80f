"""Tests for comment_guard.training.examples: duplicate keys, deduplication, weights, fingerprints."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comment_guard.training.examples import Example, balance_weights, deduplicate, fingerprint, normalised_key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hello  World", "hello world"),
        ("\tBuy\nNOW \r\n", "buy now"),
        ("ÄRZTE  Über", "ärzte über"),
        ("already plain", "already plain"),
        ("   ", ""),
        ("", ""),
    ],
    ids=["double-space", "tabs-newlines", "non-ascii", "plain", "blank", "empty"],
)
def test_normalised_key(text, key):
    """The key is lower-cased with runs of white space folded to one space and the ends stripped."""
    assert normalised_key(text) == key


def test_example_defaults():
    """An Example has no group and weight 1 unless given."""
    example = Example("text", 1, "team")
    assert (example.group, example.weight) == ("", 1.0)


def test_deduplicate_keeps_first_and_counts_dropped():
    """The first example of each normalised text is kept, in order; later copies are counted as dropped."""
    examples = [
        Example("Buy now", 1, "team"),
        Example("Thanks!", 0, "sms"),
        Example("  buy   NOW ", 0, "sms"),
        Example("Another text", 0, "youtube"),
        Example("thanks!", 1, "youtube"),
    ]
    kept, dropped = deduplicate(examples)
    assert kept == [examples[0], examples[1], examples[3]]
    assert dropped == 2


def test_deduplicate_drops_blank_texts():
    """Empty and white-space-only texts are dropped and counted."""
    kept, dropped = deduplicate([Example("", 0, "a"), Example("  \n", 1, "a"), Example("ok", 0, "a")])
    assert [example.text for example in kept] == ["ok"]
    assert dropped == 2


def test_deduplicate_accepts_a_generator():
    """deduplicate consumes any iterable, including a one-shot generator."""
    kept, dropped = deduplicate(Example(text, 0, "a") for text in ["x", "X", "y"])
    assert ([example.text for example in kept], dropped) == (["x", "y"], 1)


@given(st.lists(st.tuples(st.sampled_from(["a", "A", "a ", "b", " B", "c", ""]), st.integers(0, 1))))
def test_deduplicate_keys_unique_and_total_preserved(rows):
    """Kept keys are unique and non-empty, and kept plus dropped is the number of examples."""
    examples = [Example(text, label, "s") for text, label in rows]
    kept, dropped = deduplicate(examples)
    keys = [normalised_key(example.text) for example in kept]
    assert len(keys) == len(set(keys))
    assert all(keys)
    assert len(kept) + dropped == len(examples)


SOURCES = {"team": 0.5, "sms": 0.3, "youtube": 0.2}


def sample_examples() -> list[Example]:
    """Lopsided sources: team 3 positives / 7 negatives, sms 1 / 19, youtube only negatives (5)."""
    examples = [Example(f"team {i}", int(i < 3), "team", "topic") for i in range(10)]
    examples += [Example(f"sms {i}", int(i < 1), "sms") for i in range(20)]
    examples += [Example(f"youtube {i}", 0, "youtube", "Psy") for i in range(5)]
    return examples


def weight_sums(examples: list[Example]) -> dict[tuple[str, int], float]:
    """Total weight per (source, label)."""
    sums: dict[tuple[str, int], float] = defaultdict(float)
    for example in examples:
        sums[(example.source, example.label)] += example.weight
    return dict(sums)


def test_balance_weights_gives_each_source_its_share():
    """Each source's weights sum to its share of the number of examples."""
    examples = sample_examples()
    weighted = balance_weights(examples, SOURCES)
    total = len(examples)
    for source, share in SOURCES.items():
        assert sum(e.weight for e in weighted if e.source == source) == pytest.approx(share * total)
    assert sum(e.weight for e in weighted) == pytest.approx(total)


def test_balance_weights_balances_classes_within_a_source():
    """Within a source with both classes, each class gets half of the source's weight."""
    examples = sample_examples()
    sums = weight_sums(balance_weights(examples, SOURCES))
    total = len(examples)
    for source in ("team", "sms"):
        assert sums[(source, 0)] == pytest.approx(sums[(source, 1)])
        assert sums[(source, 1)] == pytest.approx(SOURCES[source] * total / 2)
    assert sums[("youtube", 0)] == pytest.approx(SOURCES["youtube"] * total)


def test_balance_weights_equal_within_a_class():
    """Examples of the same source and class get the same weight."""
    weighted = balance_weights(sample_examples(), SOURCES)
    by_group: dict[tuple[str, int], set[float]] = defaultdict(set)
    for example in weighted:
        by_group[(example.source, example.label)].add(example.weight)
    assert all(len(weights) == 1 for weights in by_group.values())


def test_balance_weights_zero_for_unlisted_source():
    """A source missing from the shares gets weight 0."""
    weighted = balance_weights([*sample_examples(), Example("other", 1, "unknown")], SOURCES)
    assert [e.weight for e in weighted if e.source == "unknown"] == [0.0]


def test_balance_weights_keeps_everything_but_weight():
    """Texts, labels, sources and groups are kept, in order."""
    examples = sample_examples()
    weighted = balance_weights(examples, SOURCES)
    assert [(e.text, e.label, e.source, e.group) for e in weighted] == [
        (e.text, e.label, e.source, e.group) for e in examples
    ]


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 1)), min_size=1, max_size=60),
    st.fixed_dictionaries({"a": st.floats(0.01, 1.0), "b": st.floats(0.01, 1.0), "c": st.floats(0.01, 1.0)}),
)
def test_balance_weights_sums_property(rows, shares):
    """For any mix of sources and labels, each source present sums to share x count, split evenly by class."""
    examples = [Example(f"{i}", label, source) for i, (source, label) in enumerate(rows)]
    sums = weight_sums(balance_weights(examples, shares))
    for source in {source for source, _ in rows}:
        labels = {label for s, label in rows if s == source}
        for label in labels:
            assert sums[(source, label)] == pytest.approx(shares[source] * len(rows) / len(labels))


def test_fingerprint_is_sha256_hex_and_stable():
    """The fingerprint is 64 hex digits and the same for equal example lists."""
    first = fingerprint(sample_examples())
    assert len(first) == 64
    assert int(first, 16) >= 0
    assert fingerprint(sample_examples()) == first
    assert fingerprint(iter(sample_examples())) == first


def test_fingerprint_stable_across_processes():
    """Another interpreter, with another hash seed, computes the same fingerprint."""
    code = (
        "from comment_guard.training.examples import Example, fingerprint;"
        "print(fingerprint([Example('Buy now', 1, 'team'), Example('Thanks', 0, 'sms', 'g', 2.5)]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603 - fixed argument list
    expected = fingerprint([Example("Buy now", 1, "team"), Example("Thanks", 0, "sms", "g", 2.5)])
    assert output.stdout.strip() == expected


CHANGES = [
    ("reversed", lambda xs: xs[::-1]),
    ("label", lambda xs: [Example(xs[0].text, 1 - xs[0].label, xs[0].source), *xs[1:]]),
    ("text", lambda xs: [Example(xs[0].text + ".", xs[0].label, xs[0].source), *xs[1:]]),
    ("source", lambda xs: [Example(xs[0].text, xs[0].label, "other"), *xs[1:]]),
    ("dropped", lambda xs: xs[1:]),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[i for i, _ in CHANGES])
def test_fingerprint_changes_with_order_and_content(change):
    """Reordering, relabelling, editing or dropping an example changes the fingerprint."""
    examples = sample_examples()
    assert fingerprint(change(examples)) != fingerprint(examples)


def test_fingerprint_ignores_weights_and_groups():
    """Reweighting or regrouping the same examples keeps the fingerprint."""
    examples = sample_examples()
    regrouped = [Example(e.text, e.label, e.source, "x", 3.0) for e in examples]
    assert fingerprint(regrouped) == fingerprint(examples)
    assert fingerprint(balance_weights(examples, SOURCES)) == fingerprint(examples)


def test_fingerprint_accepts_lone_surrogates():
    """Texts with lone surrogates (from badly decoded files) can still be fingerprinted."""
    assert len(fingerprint([Example("bad \udcff byte", 0, "sms")])) == 64
