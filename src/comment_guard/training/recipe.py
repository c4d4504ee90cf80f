"""The default training recipe: public data sets in ``shared/data`` plus the team corpus.

Known traps of the public sets are neutralised here (see ``shared/data/README.md``):
YouTube's ``date`` column is never read; links and the fact-checkers' leading "Says" are
removed from the COVID sets (both occur far more in one class); texts are deduplicated
across sets, the team corpus first so its labels win; and each source gets a fixed share
of the training weight so no single set dominates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from comment_guard.results import MISINFORMATION, SPAM
from comment_guard.training.examples import Example, balance_weights, deduplicate, normalised_key

YOUTUBE = "youtube_spam_collection/youtube_spam_collection.csv"
SMS = "sms_spam_collection/sms_spam_collection.csv"
DRUGLIB = "druglib_reviews_ham/druglib_reviews_ham.csv"
CONSTRAINT = "constraint_covid19_fake_news/constraint_covid19_fake_news.csv"
RUMOUR = "covid19_rumor_cheng2021/covid19_rumor_cheng2021.csv"

#: Share of the training weight each source gets, per risk.
SOURCE_SHARES: dict[str, dict[str, float]] = {
    SPAM: {"team": 0.60, "youtube": 0.10, "sms": 0.10, "druglib": 0.12, "covid_sets": 0.08},
    MISINFORMATION: {"team": 0.75, "constraint": 0.05, "rumour": 0.03, "druglib": 0.10, "chatter": 0.07},
}
#: Fraction of the drug reviews kept out of training to measure false positives.
DRUGLIB_HOLDOUT_FRACTION = 0.2

_URL = re.compile(r"https?://\S+|www\.\S+|\bt\.co/\S+", re.IGNORECASE)
_LOST_CHARACTERS = re.compile(r"\?{3,}")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A data file the recipe read: path as given, SHA-256 and rows read."""

    path: str
    sha256: str
    rows: int


@dataclass(slots=True)
class RecipeData:
    """Training examples and held-out evaluation examples per risk, and the files read."""

    train: dict[str, list[Example]] = field(default_factory=dict)
    holdout: dict[str, list[Example]] = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)
    duplicates_dropped: dict[str, int] = field(default_factory=dict)


def _read_csv(path: Path, files: list[SourceFile]) -> list[dict[str, str]]:
    data = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    files.append(SourceFile(str(path), hashlib.sha256(data).hexdigest(), len(rows)))
    return rows


def clean_covid_text(text: str) -> str:
    """Remove links, lost-character runs and a leading fact-checker "Says" from a COVID-set text."""
    text = _LOST_CHARACTERS.sub(" ", _URL.sub(" ", text))
    text = re.sub(r"^(?:Says|Claim:)\s+", "", text.strip())
    return " ".join(text.split())


def _in_holdout(key: str, fraction: float) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


def team_corpus_dir() -> Path:
    """The team corpus folder: inside the installed package (wheel), else in the source checkout."""
    packaged = Path(str(resources.files("comment_guard"))) / "data" / "corpus"
    if any(packaged.glob("*.csv")):
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "corpus"


def read_team_corpus(corpus_dir: Path, files: list[SourceFile]) -> Iterator[dict[str, str]]:
    """Rows of every ``*.csv`` in the team corpus folder, in file-name order."""
    for path in sorted(corpus_dir.glob("*.csv")):
        yield from _read_csv(path, files)


def build_default_recipe(
    data_dir: Path,
    corpus_dir: Path,
    *,
    holdout_topics: frozenset[str] = frozenset(),
    holdout_videos: frozenset[str] = frozenset(),
    use_constraint_val: bool = False,
) -> RecipeData:
    """Read the public sets and the team corpus into per-risk training and held-out examples.

    ``holdout_topics`` keeps team-corpus topics out of training (for evaluation);
    ``holdout_videos`` does the same for YouTube videos. CONSTRAINT's ``val`` split is held
    out unless ``use_constraint_val``. A fixed hash-chosen fifth of the drug reviews is
    always held out to measure false positives on legitimate health talk.
    """
    files: list[SourceFile] = []
    spam: list[Example] = []
    misinformation: list[Example] = []
    spam_holdout: list[Example] = []
    misinformation_holdout: list[Example] = []

    for row in read_team_corpus(corpus_dir, files):
        topic = row["topic"]
        held = topic in holdout_topics
        (spam_holdout if held else spam).append(Example(row["text"], int(row["spam"] == "spam"), "team", topic))
        label = int(row["misinformation"] == "misinformation")
        (misinformation_holdout if held else misinformation).append(Example(row["text"], label, "team", topic))

    for row in _read_csv(data_dir / YOUTUBE, files):
        example = Example(row["text"], int(row["label"] == "spam"), "youtube", row["group"])
        (spam_holdout if row["group"] in holdout_videos else spam).append(example)
        if row["group"] not in holdout_videos:
            misinformation.append(Example(row["text"], 0, "chatter", "youtube"))

    for row in _read_csv(data_dir / SMS, files):
        spam.append(Example(row["text"], int(row["label"] == "spam"), "sms"))
        misinformation.append(Example(row["text"], 0, "chatter", "sms"))

    for row in _read_csv(data_dir / DRUGLIB, files):
        held = _in_holdout(row["source_id"], DRUGLIB_HOLDOUT_FRACTION)
        (spam_holdout if held else spam).append(Example(row["text"], 0, "druglib", row["condition"]))
        (misinformation_holdout if held else misinformation).append(Example(row["text"], 0, "druglib", "druglib"))

    for row in _read_csv(data_dir / CONSTRAINT, files):
        text = clean_covid_text(row["text"])
        example = Example(text, int(row["label"] == "misinformation"), "constraint", row["split"])
        if row["split"] == "val" and not use_constraint_val:
            misinformation_holdout.append(example)
            continue
        misinformation.append(example)
        spam.append(Example(text, 0, "covid_sets", "constraint"))

    for row in _read_csv(data_dir / RUMOUR, files):
        text = clean_covid_text(row["text"])
        misinformation.append(Example(text, int(row["label"] == "misinformation"), "rumour", row["group"]))
        spam.append(Example(text, 0, "covid_sets", "rumour"))

    data = RecipeData(files=files)
    for risk, train, holdout in ((SPAM, spam, spam_holdout), (MISINFORMATION, misinformation, misinformation_holdout)):
        holdout_kept, _ = deduplicate(holdout)
        held_keys = {normalised_key(example.text) for example in holdout_kept}
        kept, dropped = deduplicate(example for example in train if normalised_key(example.text) not in held_keys)
        data.train[risk] = balance_weights(kept, SOURCE_SHARES[risk])
        data.holdout[risk] = holdout_kept
        data.duplicates_dropped[risk] = dropped
    return data
