"""Labelled examples and the data sets built from them."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


def normalised_key(text: str) -> str:
    """The key two texts share when they are duplicates: lower-cased, white space folded."""
    return _SPACE.sub(" ", text.lower()).strip()


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text for one risk: ``label`` is 1 for the risk (spam, misinformation), 0 otherwise.

    ``source`` names the data set, ``group`` a subgroup used for held-out evaluation (a video,
    a topic), ``weight`` the sample weight used in training.
    """

    text: str
    label: int
    source: str
    group: str = ""
    weight: float = 1.0


def deduplicate(examples: Iterable[Example]) -> tuple[list[Example], int]:
    """Keep the first example of each normalised text; return them and how many were dropped."""
    seen: set[str] = set()
    kept: list[Example] = []
    dropped = 0
    for example in examples:
        key = normalised_key(example.text)
        if key and key not in seen:
            seen.add(key)
            kept.append(example)
        else:
            dropped += 1
    return kept, dropped


def balance_weights(examples: Sequence[Example], shares: dict[str, float]) -> list[Example]:
    """Weight examples so each source gets its ``shares`` fraction of the total weight.

    Within a source with both classes, each class gets half of the source's share, so one
    large or lopsided data set cannot dominate. Sources missing from ``shares`` get 0 weight.
    """
    counts = Counter((example.source, example.label) for example in examples)
    labels_per_source: dict[str, set[int]] = {}
    for source, label in counts:
        labels_per_source.setdefault(source, set()).add(label)
    total = len(examples)
    weighted = []
    for example in examples:
        share = shares.get(example.source, 0.0)
        classes = len(labels_per_source[example.source])
        weight = share * total / classes / counts[(example.source, example.label)]
        weighted.append(Example(example.text, example.label, example.source, example.group, weight))
    return weighted


def fingerprint(examples: Iterable[Example]) -> str:
    """SHA-256 over the texts and labels, in order: identifies a training set."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.label}\t{example.source}\t{example.text}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
