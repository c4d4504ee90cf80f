"""Labelled comments from a site's own files, checked before any training.

Two layouts are recognised in CSV and JSON-lines files:

- a text column and one **label column** for one risk. Labels ``spam``/``ham`` select the
  spam risk and ``misinformation``/``reliable`` the misinformation risk by themselves; other
  values (``1``/``0``, ``fake``/``real``...) need the risk and the values named
  (``risk``, ``positive``, ``negative``);
- **risk columns** ``spam`` and/or ``misinformation``, as in the feedback log written by
  ``CommentGuard.feedback`` and the team corpus: each column present trains its risk, and an
  empty value means the row is not labelled for that risk.

Checks, each a one-line :class:`TrainingDataError`: missing columns, empty texts, unknown
label values, the same text (lower-cased, white space folded) labelled both ways, and (for
training) too few examples of a class. Repeated texts with the same label are dropped and
counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from comment_guard.errors import TrainingDataError
from comment_guard.results import HAM, MISINFORMATION, RELIABLE, RISKS, SPAM
from comment_guard.training.examples import Example, normalised_key
from comment_guard.training.user_files import Location, RawFile, RowFilter, apply_filters, read_file, require_column

#: Label values each risk recognises without options: (positive, negative).
CANONICAL_LABELS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    SPAM: (frozenset({SPAM, "1"}), frozenset({HAM, "0"})),
    MISINFORMATION: (frozenset({MISINFORMATION, "1"}), frozenset({RELIABLE, "0"})),
}
#: Default minimum number of examples of each class, per risk.
MIN_PER_CLASS = 10

ConflictPolicy = Literal["error", "drop", "last"]


@dataclass(frozen=True, slots=True)
class DataSpec:
    """How to read labelled files.

    ``label_column`` names a label column (default: ``label`` when the file has no risk
    columns); ``risk`` restricts or names the risk; ``positive``/``negative`` replace the
    recognised label values (compared case-insensitively; give both or neither).
    ``on_conflict`` decides what happens to a text labelled both ways: ``error``, ``drop``
    every copy, or keep the ``last`` one (the latest verdict in a feedback log).
    """

    text_column: str = "text"
    label_column: str | None = None
    risk: str | None = None
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    filters: tuple[RowFilter, ...] = ()
    on_conflict: ConflictPolicy = "error"

    def __post_init__(self) -> None:
        if self.risk is not None and self.risk not in RISKS:
            raise TrainingDataError(f"Expected the risk to be one of {', '.join(RISKS)}; got {self.risk!r}.")
        if bool(self.positive) != bool(self.negative):
            raise TrainingDataError("Give both the positive and the negative label values, or neither.")
        overlap = {v.strip().lower() for v in self.positive} & {v.strip().lower() for v in self.negative}
        if overlap:
            raise TrainingDataError(f"Label values {sorted(overlap)} are given as both positive and negative.")

    def labels(self, risk: str) -> tuple[frozenset[str], frozenset[str]]:
        """The (positive, negative) label values recognised for ``risk``, lower-cased."""
        if self.positive:
            return (
                frozenset(v.strip().lower() for v in self.positive),
                frozenset(v.strip().lower() for v in self.negative),
            )
        return CANONICAL_LABELS[risk]


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One labelled text for one risk: ``label`` 1 for the risk, 0 otherwise."""

    text: str
    label: int
    location: Location


@dataclass(frozen=True, slots=True)
class DataFile:
    """A data file read: path as given, SHA-256 of its bytes, rows read and rows kept by the filters."""

    path: str
    sha256: str
    rows: int
    used: int


@dataclass(slots=True)
class LabelledData:
    """Checked, deduplicated labelled texts per risk, and what was read and dropped on the way."""

    risks: dict[str, list[LabelledText]] = field(default_factory=dict)
    files: list[DataFile] = field(default_factory=list)
    duplicates_dropped: dict[str, int] = field(default_factory=dict)
    conflicts_dropped: dict[str, int] = field(default_factory=dict)
    unlabelled: dict[str, int] = field(default_factory=dict)

    def counts(self, risk: str) -> tuple[int, int]:
        """How many positive and negative texts ``risk`` has."""
        positive = sum(item.label for item in self.risks.get(risk, ()))
        return positive, len(self.risks.get(risk, ())) - positive

    def examples(self, risk: str, *, source: str = "user") -> list[Example]:
        """The texts of ``risk`` as training examples of ``source``, weight 1."""
        return [Example(item.text, item.label, source) for item in self.risks.get(risk, ())]

    def summary(self) -> list[str]:
        """One line per file and per risk, for people."""
        lines = []
        for data_file in self.files:
            kept = "" if data_file.used == data_file.rows else f", {data_file.used:,} kept by --where"
            lines.append(f"{data_file.path}: {data_file.rows:,} rows{kept} (SHA-256 {data_file.sha256[:12]}...)")
        for risk in self.risks:
            positive, negative = self.counts(risk)
            negative_name = HAM if risk == SPAM else RELIABLE
            extras = [f"duplicates dropped: {self.duplicates_dropped.get(risk, 0):,}"]
            if self.conflicts_dropped.get(risk):
                extras.append(f"conflicting rows dropped: {self.conflicts_dropped[risk]:,}")
            if self.unlabelled.get(risk):
                extras.append(f"rows without a {risk} label: {self.unlabelled[risk]:,}")
            lines.append(f"{risk}: {positive:,} {risk} / {negative:,} {negative_name} ({', '.join(extras)})")
        return lines


def _risk_of_labels(raw: RawFile, values: set[str], column: str) -> str:
    """The risk whose label names (spam/ham, misinformation/reliable) occur among ``values``."""
    named = [risk for risk in RISKS if values & (CANONICAL_LABELS[risk][0] | CANONICAL_LABELS[risk][1]) - {"1", "0"}]
    if len(named) == 1:
        return named[0]
    shown = ", ".join(sorted(repr(value) for value in values)[:6])
    raise TrainingDataError(
        f"{raw.path}: cannot tell which risk the {column!r} values {shown} are for; "
        "pass --risk spam|misinformation (and --positive/--negative for values other than 1/0)."
    )


def _label_of(value: str, risk: str, spec: DataSpec) -> int | None:
    positive, negative = spec.labels(risk)
    key = value.strip().lower()
    if key in positive:
        return 1
    if key in negative:
        return 0
    return None


def _unknown_label(location: Location, value: str, risk: str, spec: DataSpec, count: int) -> TrainingDataError:
    positive, negative = spec.labels(risk)
    return TrainingDataError(
        f"{location}: label {value.strip()!r} is not a {risk} label ({count:,} such rows); expected "
        f"{' or '.join(sorted(positive))} ({risk}) or {' or '.join(sorted(negative))} (not {risk}). "
        "Map your values with --positive and --negative."
    )


def _columns_of(raw: RawFile, spec: DataSpec) -> dict[str, str]:
    """Map each risk the file trains to the column holding its labels."""
    if spec.label_column is not None:
        require_column(raw, spec.label_column, "the label column")
        return {"": spec.label_column}
    risk_columns = [risk for risk in RISKS if risk in raw.columns and spec.risk in {None, risk}]
    if risk_columns:
        return {risk: risk for risk in risk_columns}
    if "label" in raw.columns:
        return {"": "label"}
    found = ", ".join(raw.columns) or "none"
    raise TrainingDataError(
        f"{raw.path} has no 'label' column and no {' or '.join(repr(r) for r in RISKS)} column; its columns are: "
        f"{found}. Name the label column with --label-column."
    )


def _read_one(path: Path, spec: DataSpec, found: dict[str, list[LabelledText]], data: LabelledData) -> None:
    raw = read_file(path)
    rows = apply_filters(raw, spec.filters)
    data.files.append(DataFile(raw.path, raw.sha256, len(raw.rows), len(rows)))
    require_column(raw, spec.text_column, "the comment text; choose another with --text-column")
    columns = _columns_of(raw, spec)
    risk_columns = "" not in columns
    if not rows:
        return
    if not risk_columns:  # one label column: the risk is given or read off the values
        column = columns.pop("")
        require_column(raw, column, "the label column")
        if spec.risk is not None:
            risk = spec.risk
        elif spec.positive:
            raise TrainingDataError(f"{raw.path}: --positive/--negative need --risk spam|misinformation.")
        else:
            risk = _risk_of_labels(raw, {row[column].strip().lower() for _, row in rows}, column)
        columns = {risk: column}
    empty = [location for location, row in rows if not row[spec.text_column].strip()]
    if empty:
        raise TrainingDataError(
            f"{empty[0]} has an empty text ({len(empty):,} such rows); remove them or choose --text-column."
        )
    for risk, column in columns.items():
        unknown: list[tuple[Location, str]] = []
        items = found.setdefault(risk, [])
        for location, row in rows:
            value = row.get(column, "") if risk_columns else row[column]
            if risk_columns and not value.strip():
                data.unlabelled[risk] = data.unlabelled.get(risk, 0) + 1
                continue
            label = _label_of(value, risk, spec)
            if label is None:
                unknown.append((location, value))
            else:
                items.append(LabelledText(row[spec.text_column], label, location))
        if unknown:
            raise _unknown_label(unknown[0][0], unknown[0][1], risk, spec, len(unknown))


def _deduplicate(risk: str, items: list[LabelledText], spec: DataSpec, data: LabelledData) -> list[LabelledText]:
    groups: dict[str, list[LabelledText]] = {}
    for item in items:
        groups.setdefault(normalised_key(item.text), []).append(item)
    conflicting = [group for group in groups.values() if len({item.label for item in group}) > 1]
    if conflicting and spec.on_conflict == "error":
        first = conflicting[0]
        other = next(item for item in first if item.label != first[0].label)
        raise TrainingDataError(
            f"{len(conflicting):,} {risk} texts are labelled both ways (first: {first[0].location} and "
            f"{other.location}); fix the labels, or pass --on-conflict drop or last."
        )
    kept = []
    conflicts = 0
    for group in groups.values():
        if len({item.label for item in group}) > 1:
            conflicts += len(group) if spec.on_conflict == "drop" else len(group) - 1
            if spec.on_conflict == "drop":
                continue
            kept.append(group[-1])  # "last": the latest verdict wins
        else:
            kept.append(group[0])
    data.conflicts_dropped[risk] = conflicts
    data.duplicates_dropped[risk] = len(items) - len(kept) - conflicts
    return kept


def read_labelled(paths: Sequence[str | Path], spec: DataSpec | None = None) -> LabelledData:
    """Read, filter, map and check labelled files; drop repeated texts (see the module docstring).

    Raises :class:`TrainingDataError` for data that cannot be used as it stands, and
    ``OSError`` for a file that cannot be read.
    """
    spec = spec or DataSpec()
    if isinstance(paths, str | Path):
        raise TypeError("read_labelled() takes a sequence of paths; wrap a single path in a list.")
    if not paths:
        raise TrainingDataError("Expected at least one labelled data file; got none.")
    data = LabelledData()
    found: dict[str, list[LabelledText]] = {}
    for path in paths:
        _read_one(Path(path), spec, found, data)
    for risk in RISKS:
        if risk in found:
            data.risks[risk] = _deduplicate(risk, found[risk], spec, data)
    data.risks = {risk: items for risk, items in data.risks.items() if items}
    if not data.risks:
        kept = sum(data_file.used for data_file in data.files)
        raise TrainingDataError(
            f"No labelled rows to use ({kept:,} rows kept by the filters); check --where and the label columns."
        )
    return data


def check_class_counts(data: LabelledData, minimum: int = MIN_PER_CLASS) -> None:
    """Raise :class:`TrainingDataError` when a risk has fewer than ``minimum`` examples of a class."""
    for risk in data.risks:
        positive, negative = data.counts(risk)
        if min(positive, negative) < minimum:
            negative_name = HAM if risk == SPAM else RELIABLE
            raise TrainingDataError(
                f"{risk}: {positive:,} {risk} and {negative:,} {negative_name} examples after removing duplicates; "
                f"training needs at least {minimum} of each (--min-per-class)."
            )
