"""Tests for comment_guard.training.recipe on tiny CSV files shaped like the shared data sets."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from comment_guard.results import MISINFORMATION, RISKS, SPAM
from comment_guard.training import recipe
from comment_guard.training.examples import normalised_key
from comment_guard.training.recipe import (
    CONSTRAINT,
    DRUGLIB,
    DRUGLIB_HOLDOUT_FRACTION,
    RUMOUR,
    SMS,
    SOURCE_SHARES,
    YOUTUBE,
    RecipeData,
    build_default_recipe,
    clean_covid_text,
)

# Headers as in ../shared/data (tests must not read that folder).
YOUTUBE_HEADER = [
    "text",
    "label",
    "author",
    "date",
    "group",
    "video_id",
    "split",
    "source_id",
    "source_file",
    "row_in_file",
    "is_duplicate_text",
    "duplicate_source_id",
    "text_raw",
]
SMS_HEADER = ["text", "label", "split", "source_id", "is_duplicate_text", "text_raw"]
DRUGLIB_HEADER = [
    "text",
    "label",
    "split",
    "source_id",
    "drug",
    "condition",
    "rating",
    "effectiveness",
    "side_effects",
    "benefits_review",
    "side_effects_review",
    "comments_review",
    "is_duplicate_text",
]
CONSTRAINT_HEADER = [
    "text",
    "label",
    "split",
    "source_id",
    "source_file",
    "encoding_repaired",
    "is_duplicate_text",
    "text_raw",
]
RUMOUR_HEADER = [
    "text",
    "label",
    "label_original",
    "group",
    "split",
    "source_id",
    "source_file",
    "sentiment",
    "encoding_repaired",
    "is_duplicate_text",
    "text_raw",
]
TEAM_HEADER = ["text", "spam", "misinformation", "topic", "kind"]

DUPLICATED_SPAM = "WIN a free cruise, call now to claim"
DUPLICATED_MISINFORMATION = "Garlic cures covid in three days"

TEAM_ROWS = [
    ["Buy ketamine with no prescription at ket-direct.xyz", "spam", "reliable", "ketamine_ptsd", "drug_sale"],
    ["How much do ketamine infusions cost without insurance?", "ham", "reliable", "ketamine_ptsd", "question"],
    ["Cinnamon reverses diabetes, throw away your insulin", "ham", "misinformation", "diabetes", "miracle_cure"],
    ["My A1c dropped after I started walking every day", "ham", "reliable", "diabetes", "story"],
    [DUPLICATED_SPAM, "spam", "reliable", "scam", "prize"],
    [DUPLICATED_MISINFORMATION, "ham", "misinformation", "covid", "miracle_cure"],
]
YOUTUBE_ROWS = [
    # text, label, group, date (spam rows have an empty date, as in the real Eminem file)
    ("Check out my channel for free music", "spam", "Psy", ""),
    ("This song never gets old", "ham", "Psy", "2013-11-07T06:20:48"),
    ("Subscribe to me and I will subscribe back", "spam", "Eminem", ""),
    ("His lyrics in this one are incredible", "ham", "Eminem", "2014-01-19T12:00:00"),
    ("Visit my website to win an iPhone", "spam", "Shakira", ""),
    ("I danced to this at my wedding", "ham", "Shakira", "2015-05-27T09:30:00"),
]
SMS_ROWS = [
    ("  win A FREE cruise,  CALL NOW to claim ", "ham"),
    ("URGENT! You have won a prize, text WIN to 80086", "spam"),
    ("Are we still meeting for lunch tomorrow?", "ham"),
    ("Ok see you at the station", "ham"),
]
CONSTRAINT_ROWS = [
    ("Says drinking hot water kills the virus https://t.co/abc123", "misinformation", "train"),
    ("The CDC reports 1,000 new cases today. Details: https://www.cdc.gov/covid", "reliable", "train"),
    ("Masks don???t work and the government knows it", "misinformation", "train"),
    ("Hand washing reduces transmission of respiratory viruses", "reliable", "train"),
    ("5G towers spread the coronavirus", "misinformation", "val"),
    ("Vaccines went through phase 3 trials before approval", "reliable", "val"),
    ("garlic cures COVID in three days", "reliable", "train"),
]
RUMOUR_ROWS = [
    ("Says a bat soup started the pandemic", "misinformation", "news"),
    ("Claim: holding your breath for ten seconds tests for covid www.example.com/x", "misinformation", "twitter"),
    ("The WHO declared a pandemic in March 2020", "reliable", "news"),
]
DRUGLIB_ROWS = 200


@dataclass(frozen=True)
class Fixture:
    """Where a tiny copy of the shared data and the team corpus was written."""

    data_dir: Path
    corpus_dir: Path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    """Write ``rows`` with every column of ``header``, RFC-4180 style with LF line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in header})


def write_fixture(
    root: Path,
    *,
    dates: Sequence[str] | None = None,
    druglib_order: Sequence[int] | None = None,
    team_rows: Sequence[Sequence[str]] = TEAM_ROWS,
) -> Fixture:
    """Write tiny versions of the five shared data files and a two-file team corpus under ``root``."""
    data_dir, corpus_dir = root / "data", root / "corpus"
    youtube_dates = dates if dates is not None else [date for *_, date in YOUTUBE_ROWS]
    write_csv(
        data_dir / YOUTUBE,
        YOUTUBE_HEADER,
        [
            {"text": text, "label": label, "group": group, "date": date, "author": "someone", "split": "all"}
            for (text, label, group, _), date in zip(YOUTUBE_ROWS, youtube_dates, strict=True)
        ],
    )
    write_csv(data_dir / SMS, SMS_HEADER, [{"text": t, "label": label, "split": "all"} for t, label in SMS_ROWS])
    order = druglib_order if druglib_order is not None else range(DRUGLIB_ROWS)
    write_csv(
        data_dir / DRUGLIB,
        DRUGLIB_HEADER,
        [
            {
                "text": f"Review {i}: the tablets helped my condition after two weeks",
                "label": "ham",
                "source_id": str(1000 + i),
                "condition": ["depression", "anxiety", "ptsd"][i % 3],
            }
            for i in order
        ],
    )
    write_csv(
        data_dir / CONSTRAINT,
        CONSTRAINT_HEADER,
        [{"text": t, "label": label, "split": split} for t, label, split in CONSTRAINT_ROWS],
    )
    write_csv(
        data_dir / RUMOUR,
        RUMOUR_HEADER,
        [{"text": t, "label": label, "group": group, "split": "all"} for t, label, group in RUMOUR_ROWS],
    )
    half = len(team_rows) // 2
    for name, rows in (("b_second.csv", team_rows[half:]), ("a_first.csv", team_rows[:half])):
        write_csv(corpus_dir / name, TEAM_HEADER, [dict(zip(TEAM_HEADER, row, strict=True)) for row in rows])
    return Fixture(data_dir, corpus_dir)


@pytest.fixture
def fixture(tmp_path: Path) -> Fixture:
    """Tiny shared-data and team-corpus files."""
    return write_fixture(tmp_path)


@pytest.fixture
def data(fixture: Fixture) -> RecipeData:
    """The recipe built from the tiny files with default options."""
    return build_default_recipe(fixture.data_dir, fixture.corpus_dir)


def texts(examples: Sequence[recipe.Example]) -> set[str]:
    """The texts of some examples."""
    return {example.text for example in examples}


# --- cleaning ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read this https://t.co/abc now", "Read this now"),
        ("see www.example.com/x and http://a.example.org/y?z=1", "see and"),
        ("t.co/xyz hello", "hello"),
        ("Says the vaccine changes your DNA", "the vaccine changes your DNA"),
        ("  Says   masks are useless", "masks are useless"),
        ("Claim: 5G spreads the virus", "5G spreads the virus"),
        ("He Says so himself", "He Says so himself"),
        ("Masks don???t work", "Masks don t work"),
        ("What?? Really?", "What?? Really?"),
        ("too   many\nspaces\there", "too many spaces here"),
    ],
    ids=[
        "t.co",
        "www-and-http",
        "bare-t.co",
        "leading-says",
        "padded-says",
        "claim",
        "says-inside",
        "lost-characters",
        "real-question-marks",
        "white-space",
    ],
)
def test_clean_covid_text(text, expected):
    """Links, lost-character runs and a leading "Says"/"Claim:" are removed and white space folded."""
    assert clean_covid_text(text) == expected


def test_traps_neutralised_in_all_examples(data):
    """No example from the COVID sets keeps a link, a ??? run or a leading "Says"."""
    for examples in (*data.train.values(), *data.holdout.values()):
        for example in examples:
            if example.source in {"constraint", "rumour", "covid_sets"}:
                assert "http" not in example.text
                assert "www." not in example.text
                assert "???" not in example.text
                assert not example.text.startswith(("Says ", "Claim:"))


# --- what goes where -----------------------------------------------------------------------------


def test_both_risks_built(data):
    """The recipe returns training and held-out examples for both risks."""
    assert set(data.train) == set(RISKS) == set(data.holdout) == set(data.duplicates_dropped)
    assert all(data.train[risk] for risk in RISKS)


def test_sources_per_risk(data):
    """Spam trains on every source; misinformation on team, COVID sets, drug reviews and chatter."""
    assert {e.source for e in data.train[SPAM]} == {"team", "youtube", "sms", "druglib", "covid_sets"}
    assert {e.source for e in data.train[MISINFORMATION]} == {"team", "constraint", "rumour", "druglib", "chatter"}


def test_labels_read_from_each_source(data):
    """Each source's label column is read: team spam, YouTube/SMS spam, COVID misinformation."""
    spam = {e.text: e.label for e in data.train[SPAM]}
    misinformation = {e.text: e.label for e in data.train[MISINFORMATION]}
    assert spam["Buy ketamine with no prescription at ket-direct.xyz"] == 1
    assert spam["How much do ketamine infusions cost without insurance?"] == 0
    assert spam["Check out my channel for free music"] == 1
    assert spam["This song never gets old"] == 0
    assert spam["URGENT! You have won a prize, text WIN to 80086"] == 1
    assert misinformation["Cinnamon reverses diabetes, throw away your insulin"] == 1
    assert misinformation["drinking hot water kills the virus"] == 1
    assert misinformation["Hand washing reduces transmission of respiratory viruses"] == 0
    assert misinformation["The WHO declared a pandemic in March 2020"] == 0
    assert misinformation["Check out my channel for free music"] == 0


def test_youtube_date_never_matters(tmp_path):
    """Two data sets that differ only in YouTube's date column give identical examples."""
    original = write_fixture(tmp_path / "original")
    swapped = write_fixture(
        tmp_path / "swapped", dates=["2099-01-01T00:00:00" if not d else "" for *_, d in YOUTUBE_ROWS]
    )
    first = build_default_recipe(original.data_dir, original.corpus_dir, holdout_videos=frozenset({"Psy"}))
    second = build_default_recipe(swapped.data_dir, swapped.corpus_dir, holdout_videos=frozenset({"Psy"}))
    assert first.train == second.train
    assert first.holdout == second.holdout
    assert first.duplicates_dropped == second.duplicates_dropped
    youtube = [(a.sha256, b.sha256) for a, b in zip(first.files, second.files, strict=True) if a.path.endswith(YOUTUBE)]
    assert youtube
    assert all(a != b for a, b in youtube)


def test_holdout_topics_kept_out_of_training(fixture):
    """Team rows of a held-out topic are held out for both risks and absent from training."""
    data = build_default_recipe(fixture.data_dir, fixture.corpus_dir, holdout_topics=frozenset({"diabetes"}))
    diabetes = {row[0] for row in TEAM_ROWS if row[3] == "diabetes"}
    for risk in RISKS:
        assert diabetes <= {e.text for e in data.holdout[risk] if e.source == "team" and e.group == "diabetes"}
        assert not diabetes & texts(data.train[risk])


def test_topics_trained_on_unless_held_out(data):
    """Without held-out topics every team row is in training for both risks."""
    for risk in RISKS:
        assert {row[0] for row in TEAM_ROWS} <= texts(data.train[risk])
        assert not any(e.source == "team" for e in data.holdout[risk])


def test_holdout_videos_kept_out_of_training(fixture):
    """YouTube rows of a held-out video are spam holdout and absent from both risks' training."""
    data = build_default_recipe(fixture.data_dir, fixture.corpus_dir, holdout_videos=frozenset({"Psy"}))
    psy = {text for text, _, group, _ in YOUTUBE_ROWS if group == "Psy"}
    others = {text for text, _, group, _ in YOUTUBE_ROWS if group != "Psy"}
    assert psy == {e.text for e in data.holdout[SPAM] if e.source == "youtube"}
    for risk in RISKS:
        assert not psy & texts(data.train[risk])
    assert others <= texts(data.train[SPAM])
    assert others <= texts(data.train[MISINFORMATION])


def test_druglib_holdout_fraction(data):
    """About DRUGLIB_HOLDOUT_FRACTION of the drug reviews are held out, the same ones for both risks."""
    held = {risk: {e.text for e in data.holdout[risk] if e.source == "druglib"} for risk in RISKS}
    assert held[SPAM] == held[MISINFORMATION]
    share = len(held[SPAM]) / DRUGLIB_ROWS
    assert DRUGLIB_HOLDOUT_FRACTION - 0.1 <= share <= DRUGLIB_HOLDOUT_FRACTION + 0.1
    for risk in RISKS:
        trained = {e.text for e in data.train[risk] if e.source == "druglib"}
        assert not trained & held[risk]
        assert len(trained) + len(held[risk]) == DRUGLIB_ROWS


def test_druglib_holdout_independent_of_row_order(tmp_path):
    """Which drug reviews are held out depends on the rows, not on their order in the file."""
    forward = write_fixture(tmp_path / "forward")
    backward = write_fixture(tmp_path / "backward", druglib_order=range(DRUGLIB_ROWS - 1, -1, -1))
    first = build_default_recipe(forward.data_dir, forward.corpus_dir)
    second = build_default_recipe(backward.data_dir, backward.corpus_dir)
    assert texts(first.holdout[SPAM]) == texts(second.holdout[SPAM])


def test_constraint_val_held_out_by_default(data):
    """CONSTRAINT's val split is misinformation holdout, not training, unless asked for."""
    val = {clean_covid_text(t) for t, _, split in CONSTRAINT_ROWS if split == "val"}
    assert val <= texts(data.holdout[MISINFORMATION])
    assert not val & texts(data.train[MISINFORMATION])
    assert not val & texts(data.train[SPAM])


def test_constraint_val_used_when_asked(fixture):
    """use_constraint_val=True trains on CONSTRAINT's val split."""
    data = build_default_recipe(fixture.data_dir, fixture.corpus_dir, use_constraint_val=True)
    val = {clean_covid_text(t) for t, _, split in CONSTRAINT_ROWS if split == "val"}
    assert val <= texts(data.train[MISINFORMATION])
    assert not val & texts(data.holdout[MISINFORMATION])


@pytest.mark.parametrize(
    ("risk", "text"), [(SPAM, DUPLICATED_SPAM), (MISINFORMATION, DUPLICATED_MISINFORMATION)], ids=RISKS
)
def test_team_labels_win_on_duplicates(data, risk, text):
    """A text in both the team corpus and a public set keeps the team's example and label."""
    key = normalised_key(text)
    matches = [e for e in data.train[risk] if normalised_key(e.text) == key]
    assert len(matches) == 1
    assert (matches[0].source, matches[0].label) == ("team", 1)
    assert data.duplicates_dropped[risk] >= 1


def test_training_has_no_duplicates_or_holdout_texts(fixture):
    """Training texts are unique per risk and share no normalised text with the holdout."""
    data = build_default_recipe(
        fixture.data_dir, fixture.corpus_dir, holdout_topics=frozenset({"covid"}), holdout_videos=frozenset({"Psy"})
    )
    for risk in RISKS:
        train_keys = [normalised_key(e.text) for e in data.train[risk]]
        assert len(train_keys) == len(set(train_keys))
        assert not set(train_keys) & {normalised_key(e.text) for e in data.holdout[risk]}


def test_held_out_team_text_not_trained_from_public_copy(fixture):
    """A held-out team text is not trained on through its copy in a public set."""
    data = build_default_recipe(fixture.data_dir, fixture.corpus_dir, holdout_topics=frozenset({"scam"}))
    key = normalised_key(DUPLICATED_SPAM)
    assert all(normalised_key(e.text) != key for e in data.train[SPAM])


def test_weights_follow_source_shares(data):
    """Each source's training weights sum to its share of the number of training examples."""
    for risk in RISKS:
        total = len(data.train[risk])
        for source, share in SOURCE_SHARES[risk].items():
            weight = sum(e.weight for e in data.train[risk] if e.source == source)
            assert weight == pytest.approx(share * total)


def test_files_recorded_with_sha256(fixture, data):
    """Every file read is recorded with its SHA-256 and row count, team files in name order."""
    recorded = {Path(f.path): f for f in data.files}
    expected = [fixture.data_dir / name for name in (YOUTUBE, SMS, DRUGLIB, CONSTRAINT, RUMOUR)]
    expected += [fixture.corpus_dir / "a_first.csv", fixture.corpus_dir / "b_second.csv"]
    assert set(recorded) == set(expected)
    for path in expected:
        assert recorded[path].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open(encoding="utf-8", newline="") as handle:
            assert recorded[path].rows == sum(1 for _ in csv.DictReader(handle))
    team = [Path(f.path).name for f in data.files if Path(f.path).parent == fixture.corpus_dir]
    assert team == ["a_first.csv", "b_second.csv"]


def test_multi_line_text_read_as_one_row(tmp_path):
    """A quoted team text spanning lines is read as one example."""
    rows = [*TEAM_ROWS, ["First line\nsecond line, with a comma", "spam", "reliable", "scam", "prize"]]
    fixture = write_fixture(tmp_path, team_rows=rows)
    data = build_default_recipe(fixture.data_dir, fixture.corpus_dir)
    assert "First line\nsecond line, with a comma" in texts(data.train[SPAM])


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\x0c"], ids=["line-separator", "next-line", "form-feed"])
def test_unicode_line_separator_inside_text(tmp_path, separator):
    """A team text containing a Unicode line separator is read as one row with its own labels."""
    text = f"Buy pills{separator}cheap today"
    fixture = write_fixture(tmp_path, team_rows=[*TEAM_ROWS, [text, "spam", "reliable", "scam", "prize"]])
    data = build_default_recipe(fixture.data_dir, fixture.corpus_dir)
    assert (text, 1) in {(e.text, e.label) for e in data.train[SPAM]}
