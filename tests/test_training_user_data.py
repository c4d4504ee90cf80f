"""Tests for comment_guard.training.user_data and user_files: reading, mapping and checking labelled files."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from comment_guard.errors import TrainingDataError
from comment_guard.training.user_data import DataSpec, check_class_counts, read_labelled
from comment_guard.training.user_files import RowFilter, is_json_lines, read_file


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a UTF-8 CSV file and return its path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, records: list[object]) -> Path:
    """Write one JSON value per line and return the path."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def spam_rows(count: int = 12) -> list[list[str]]:
    """``count`` distinct spam and ``count`` distinct ham rows."""
    return [[f"buy cheap pills number {i} now", "spam"] for i in range(count)] + [
        [f"thanks for article number {i}", "ham"] for i in range(count)
    ]


@pytest.mark.parametrize(
    ("labels", "risk"),
    [(("spam", "ham"), "spam"), (("misinformation", "reliable"), "misinformation"), (("SPAM", " Ham "), "spam")],
    ids=["spam-ham", "misinformation-reliable", "case-and-spaces"],
)
def test_label_values_select_the_risk(tmp_path, labels, risk):
    """A text,label file holding spam/ham or misinformation/reliable selects its risk by itself."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [["one text", labels[0]], ["other text", labels[1]]])
    data = read_labelled([path])
    assert list(data.risks) == [risk]
    assert data.counts(risk) == (1, 1)


def test_numeric_labels_need_the_risk(tmp_path):
    """Labels 1/0 alone do not say which risk they are for: the error asks for --risk."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [["a text", "1"], ["b text", "0"]])
    with pytest.raises(TrainingDataError, match="--risk"):
        read_labelled([path])
    assert read_labelled([path], DataSpec(risk="misinformation")).counts("misinformation") == (1, 1)


def test_custom_label_values_are_mapped(tmp_path):
    """--positive/--negative map other values (fake/real) to the risk and replace the defaults."""
    path = write_csv(
        tmp_path / "d.csv", ["claim", "verdict"], [["x cures y", "FAKE"], ["x treats y", "real"], ["z", "real"]]
    )
    spec = DataSpec(
        text_column="claim", label_column="verdict", risk="misinformation", positive=("fake",), negative=("real",)
    )
    assert read_labelled([path], spec).counts("misinformation") == (1, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"positive": ("1",)}, "both"),
        ({"positive": ("x",), "negative": ("x",)}, "both positive and negative"),
        ({"risk": "toxicity"}, "one of spam, misinformation"),
    ],
    ids=["positive-alone", "overlap", "unknown-risk"],
)
def test_invalid_specs_are_refused(kwargs, message):
    """A spec with one-sided, overlapping label values or an unknown risk is refused."""
    with pytest.raises(TrainingDataError, match=message):
        DataSpec(**kwargs)


def test_missing_text_column_names_the_columns(tmp_path):
    """A file without the text column is refused with the columns it does have."""
    path = write_csv(tmp_path / "d.csv", ["body", "label"], [["a", "spam"]])
    with pytest.raises(TrainingDataError, match=r"no column 'text'.*body, label"):
        read_labelled([path])


def test_missing_label_column(tmp_path):
    """A file with neither a label column nor risk columns is refused."""
    path = write_csv(tmp_path / "d.csv", ["text", "class"], [["a", "spam"]])
    with pytest.raises(TrainingDataError, match="--label-column"):
        read_labelled([path])
    with pytest.raises(TrainingDataError, match="no column 'verdict'"):
        read_labelled([path], DataSpec(label_column="verdict"))


def test_empty_texts_are_refused_with_their_line(tmp_path):
    """An empty or blank text is an error naming the file, line and count."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [["fine", "spam"], ["  ", "ham"], ["", "ham"]])
    with pytest.raises(TrainingDataError, match=r"d\.csv line 3 has an empty text \(2 such rows\)"):
        read_labelled([path])


def test_unknown_label_is_refused(tmp_path):
    """A label outside the recognised values is an error naming it and the expected values."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [["a", "spam"], ["b", "ham"], ["c", "maybe"]])
    with pytest.raises(TrainingDataError, match=r"line 4: label 'maybe' is not a spam label .*--positive"):
        read_labelled([path])


def test_conflicting_labels_are_refused(tmp_path):
    """The same normalised text labelled both ways stops reading, naming both rows."""
    path = write_csv(
        tmp_path / "d.csv", ["text", "label"], [["Buy  NOW", "spam"], ["other", "ham"], ["buy now", "ham"]]
    )
    with pytest.raises(
        TrainingDataError, match=r"1 spam texts are labelled both ways \(first: .*line 2 and .*line 4\)"
    ):
        read_labelled([path])


@pytest.mark.parametrize(
    ("policy", "counts", "dropped"), [("drop", (0, 1), 2), ("last", (0, 2), 1)], ids=["drop", "last"]
)
def test_conflict_policies(tmp_path, policy, counts, dropped):
    """--on-conflict drop removes every copy; last keeps the latest label."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [["buy now", "spam"], ["other", "ham"], ["Buy now", "ham"]])
    data = read_labelled([path], DataSpec(on_conflict=policy))
    assert data.counts("spam") == counts
    assert data.conflicts_dropped["spam"] == dropped


def test_duplicates_are_dropped_and_counted(tmp_path):
    """Repeated texts (case and white space aside) with the same label are kept once and counted."""
    path = write_csv(
        tmp_path / "d.csv",
        ["text", "label"],
        [["Buy now", "spam"], ["buy   now", "spam"], ["BUY NOW", "spam"], ["hi", "ham"]],
    )
    data = read_labelled([path])
    assert data.counts("spam") == (1, 1)
    assert data.duplicates_dropped["spam"] == 2
    assert "duplicates dropped: 2" in "\n".join(data.summary())


def test_duplicates_across_files_are_dropped(tmp_path):
    """A text repeated in a second file is dropped like any duplicate."""
    first = write_csv(tmp_path / "a.csv", ["text", "label"], [["same text", "spam"], ["x", "ham"]])
    second = write_csv(tmp_path / "b.csv", ["text", "label"], [["same text", "spam"], ["y", "ham"]])
    data = read_labelled([first, second])
    assert data.counts("spam") == (1, 2)
    assert [f.path for f in data.files] == [str(first), str(second)]


def test_where_filters_rows(tmp_path):
    """--where keeps rows by equality and inequality; every filter must hold."""
    rows = [["a", "spam", "train", "Psy"], ["b", "ham", "train", "Katy"], ["c", "spam", "val", "Katy"]]
    path = write_csv(tmp_path / "d.csv", ["text", "label", "split", "group"], rows)
    spec = DataSpec(filters=(RowFilter.parse("split=train"), RowFilter.parse("group!=Psy")))
    data = read_labelled([path], spec)
    assert [item.text for item in data.risks["spam"]] == ["b"]
    assert (data.files[0].rows, data.files[0].used) == (3, 1)


def test_where_on_a_missing_column_is_refused(tmp_path):
    """A filter on a column the file lacks is an error naming the filter."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [["a", "spam"]])
    with pytest.raises(TrainingDataError, match=r"no column 'split' \(used by --where split=train\)"):
        read_labelled([path], DataSpec(filters=(RowFilter.parse("split=train"),)))


@pytest.mark.parametrize(
    "text", ["split", "=train", "", "!=x"], ids=["no-operator", "no-column", "empty", "no-column-ne"]
)
def test_row_filter_parse_refuses_malformed(text):
    """RowFilter.parse refuses text without COLUMN=VALUE or COLUMN!=VALUE."""
    with pytest.raises(ValueError, match="COLUMN=VALUE"):
        RowFilter.parse(text)


def test_row_filter_round_trips_to_text():
    """A parsed filter prints as it was written (spaces around the parts removed)."""
    assert str(RowFilter.parse(" group != Psy ")) == "group!=Psy"
    assert str(RowFilter.parse("split=train")) == "split=train"


def test_filters_leaving_nothing_are_reported(tmp_path):
    """Filters that keep no row give an error rather than an empty model."""
    path = write_csv(tmp_path / "d.csv", ["text", "label", "split"], [["a", "spam", "train"]])
    with pytest.raises(TrainingDataError, match="No labelled rows"):
        read_labelled([path], DataSpec(filters=(RowFilter.parse("split=test"),)))


def test_feedback_layout_trains_each_risk_present(tmp_path):
    """Risk columns (the feedback log's) label each risk; an empty value means not labelled for it."""
    records = [
        {"text": "buy pills", "spam": "spam", "misinformation": "", "verdict": "spam"},
        {"text": "nice post", "spam": "ham", "misinformation": "reliable", "verdict": "approve"},
        {
            "text": "cure cancer with tea",
            "spam": "ham",
            "misinformation": "misinformation",
            "verdict": "misinformation",
        },
    ]
    data = read_labelled([write_jsonl(tmp_path / "feedback.jsonl", records)])
    assert data.counts("spam") == (1, 2)
    assert data.counts("misinformation") == (1, 1)
    assert data.unlabelled == {"misinformation": 1}


def test_risk_option_restricts_risk_columns(tmp_path):
    """--risk with risk columns trains only that risk."""
    path = write_csv(
        tmp_path / "d.csv",
        ["text", "spam", "misinformation"],
        [["a", "spam", "reliable"], ["b", "ham", "misinformation"]],
    )
    assert list(read_labelled([path], DataSpec(risk="misinformation")).risks) == ["misinformation"]


def test_json_lines_values_are_read_as_text(tmp_path):
    """JSON booleans, numbers and null become label text; a log with another extension is sniffed."""
    records = [{"text": "a", "label": True}, {"text": "b", "label": 0}, {"text": "c", "label": 1.0}]
    path = write_jsonl(tmp_path / "labels.log", records)
    assert read_labelled([path], DataSpec(risk="spam")).counts("spam") == (2, 1)
    assert is_json_lines(path, path.read_text())
    assert not is_json_lines(tmp_path / "x.csv", "{")


@pytest.mark.parametrize(
    ("content", "message"),
    [('{"text": "a"}\nnot json\n', "line 2 is not valid JSON"), ("[1, 2]\n", "expected a JSON object")],
    ids=["invalid-json", "not-an-object"],
)
def test_bad_json_lines_are_refused(tmp_path, content, message):
    """A JSON-lines file with a broken or non-object line is refused with its line number."""
    path = tmp_path / "d.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError, match=message):
        read_labelled([path])


def test_json_record_missing_a_field(tmp_path):
    """A JSON record without the label field is an error naming its line."""
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "a", "label": "spam"}, {"text": "b"}])
    with pytest.raises(TrainingDataError, match=r"line 2 has no field 'label'"):
        read_labelled([path])


def test_non_utf8_file_is_refused(tmp_path):
    """A file that is not UTF-8 is refused with a hint."""
    path = tmp_path / "d.csv"
    path.write_bytes("text,label\ncaf\xe9,spam\n".encode("latin-1"))
    with pytest.raises(TrainingDataError, match="not UTF-8"):
        read_labelled([path])


def test_bom_and_tsv_are_read(tmp_path):
    """A UTF-8 BOM is ignored and .tsv files are tab-separated."""
    path = tmp_path / "d.tsv"
    path.write_bytes("\ufefftext\tlabel\nhello there\tham\nbuy, now\tspam\n".encode())
    data = read_labelled([path])
    assert sorted(item.text for item in data.risks["spam"]) == ["buy, now", "hello there"]


def test_csv_with_extra_fields_is_refused(tmp_path):
    """A CSV row with more fields than the header is refused (a quoting mistake)."""
    path = tmp_path / "d.csv"
    path.write_text("text,label\nhello, there,ham\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="has 3 fields; the header has 2"):
        read_labelled([path])


def test_empty_csv_is_refused(tmp_path):
    """An empty CSV file is refused with the header it should have."""
    path = tmp_path / "d.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="is empty"):
        read_labelled([path])


def test_file_sha256_is_recorded(tmp_path):
    """Each file read is recorded with the SHA-256 of its bytes."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], spam_rows(2))
    assert read_file(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_labelled([path]).files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_paths_must_be_a_sequence(tmp_path):
    """A bare path is refused (it would be read character by character), and so is an empty list."""
    with pytest.raises(TypeError, match="sequence of paths"):
        read_labelled(str(tmp_path / "d.csv"))  # type: ignore[arg-type]
    with pytest.raises(TrainingDataError, match="at least one"):
        read_labelled([])


def test_class_counts_below_the_minimum(tmp_path):
    """Too few examples of a class is an error giving both counts and the minimum."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], spam_rows(12)[:15])
    data = read_labelled([path])
    check_class_counts(data, 3)
    with pytest.raises(TrainingDataError, match=r"spam: 12 spam and 3 ham examples .* at least 10 of each"):
        check_class_counts(data, 10)


def test_examples_carry_the_user_source(tmp_path):
    """Examples made from user data have source 'user' and weight 1."""
    path = write_csv(tmp_path / "d.csv", ["text", "label"], spam_rows(1))
    examples = read_labelled([path]).examples("spam")
    assert {(e.source, e.weight) for e in examples} == {("user", 1.0)}
