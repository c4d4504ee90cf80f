"""Tests for comment_guard.batch.job.run_export: outputs, privacy, atomicity, accounting, resume."""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_fakes import make_guard
from comment_guard.batch.checkpoint import checkpoint_path, partial_path
from comment_guard.batch.job import ExportJob, run_export
from comment_guard.batch.readers import ExportReader
from comment_guard.batch.records import Record
from comment_guard.errors import ResumeError

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample_export.xml"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _job(tmp_path: Path, export: Path = SAMPLE, output: str = "results.jsonl", **options: Any) -> ExportJob:
    return ExportJob(export=export, output=tmp_path / output, errors=tmp_path / "errors.jsonl", **options)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _private_values(export: Path) -> set[str]:
    values = set()
    for item in ExportReader(export):
        if isinstance(item, Record):
            values |= {item.fields[name] for name in ("email", "ip") if name in item.fields}
    return values


def test_sample_export_gives_one_result_per_comment(tmp_path):
    """All 52 sample comments are results in file order; no partial or checkpoint file is left."""
    job = _job(tmp_path)
    summary = run_export(job, guard_factory=make_guard)
    rows = _lines(job.output)
    assert [row["record"] for row in rows] == list(range(1, 53))
    assert (summary.records, summary.results, summary.errors) == (52, 52, 0)
    assert job.errors.read_text() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["errors.jsonl", "results.jsonl"]
    assert summary.by_decision["reject"] == 2
    assert summary.by_reason["duplicate"] == 1
    assert summary.by_reason["flood"] == 1


def test_result_rows_carry_position_decision_scores_and_public_fields(tmp_path):
    """A result row names its record, decision, scores, reasons, digest and the public comment."""
    job = _job(tmp_path)
    run_export(job, guard_factory=make_guard)
    rows = {row["comment_id"]: row for row in _lines(job.output)}
    spam = rows["215"]
    assert spam["decision"] == spam["effective_decision"] == "spam"
    assert spam["spam"] == 0.99
    assert spam["reason_codes"] == ["spam_score"]
    assert spam["reasons"][0]["detail"]
    assert re.fullmatch(r"[0-9a-f]{64}", spam["commenter"])
    assert spam["author"] == "KetaPharma Direct"
    assert spam["metadata"]["comment_approved"] == "spam"
    assert spam["file"] == "sample_export.xml"
    assert spam["line"] > 0
    rejected = rows["228"]
    assert rejected["decision"] == "reject"
    assert rejected["errors"] == [
        {"field": "email", "code": "invalid_email", "message": rejected["errors"][0]["message"]}
    ]
    assert rejected["content"] is None


@pytest.mark.parametrize("output", ["results.jsonl", "results.csv"], ids=["jsonl", "csv"])
def test_no_email_or_ip_in_any_output_file(tmp_path, output):
    """Neither results nor error report holds a commenter's email address or IP, in any format."""
    job = _job(tmp_path, output=output)
    run_export(job, guard_factory=make_guard)
    private = _private_values(SAMPLE)
    assert len(private) > 40
    for path in (job.output, job.errors):
        text = path.read_text(encoding="utf-8")
        assert not [value for value in private if value in text], path.name
        assert not _EMAIL.findall(text), path.name


def test_include_private_writes_email_and_ip(tmp_path):
    """With ``include_private`` the raw email and IP columns are present."""
    job = _job(tmp_path, output="results.csv", include_private=True)
    run_export(job, guard_factory=make_guard)
    with job.output.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows[0]["email"] == "maria.lindqvist@example.com"
    assert rows[0]["ip"] == "198.51.100.23"


def test_csv_results_flatten_reasons_and_defuse_formulas(tmp_path):
    """CSV rows join reasons into text and prefix cells a spreadsheet would evaluate."""
    export = tmp_path / "in.csv"
    export.write_text('author,content\n"=HYPERLINK(""http://x.example"")",Buy cheap pills\n', encoding="utf-8")
    job = _job(tmp_path, export=export, output="results.csv")
    run_export(job, guard_factory=make_guard)
    with job.output.open(encoding="utf-8", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert row["author"].startswith("'=")
    assert row["reason_codes"] == "spam_score"
    assert row["reasons"].startswith("spam_score: Spam risk 0.99")


def _mixed_csv(path: Path) -> Path:
    path.write_bytes(
        b"author,email,content\n"
        b"Ann,ann@example.com,Is 50 mg a lot?\n"
        b"Bob,bob@example.com,caf\xe9\n"
        b"Cid,cid@example.com,nul\x00here\n"
        b"Dee,not-an-email,Fine question.\n"
        b"Eve,eve@example.com,\n"
        b"Fay,fay@example.com,too,many\n"
    )
    return path


def test_unreadable_records_go_to_the_error_report(tmp_path):
    """Bad encoding, NUL bytes and malformed rows are errors with positions; invalid ones are rejects."""
    job = _job(tmp_path, export=_mixed_csv(tmp_path / "in.csv"))
    summary = run_export(job, guard_factory=make_guard)
    errors = _lines(job.errors)
    assert [(e["record"], e["line"], e["code"]) for e in errors] == [
        (2, 3, "bad_encoding"),
        (3, 4, "malformed_row"),
        (6, 7, "malformed_row"),
    ]
    assert all(e["message"] for e in errors)
    results = _lines(job.output)
    assert [(r["record"], r["decision"]) for r in results] == [(1, "approve"), (4, "reject"), (5, "reject")]
    assert summary.errors_by_code == {"bad_encoding": 1, "malformed_row": 2}


_LINE_KINDS = {
    "ok": lambda n: json.dumps({"id": n, "content": f"Question {n} about dosing."}),
    "spam": lambda n: json.dumps({"content": f"Buy cheap pills {n}", "email": f"s{n}@example.com"}),
    "no_content": lambda n: json.dumps({"author": "Ann"}),
    "bad_email": lambda n: json.dumps({"content": "Fine.", "email": "nobody@"}),
    "not_json": lambda n: '{"content": ',
    "array": lambda n: "[1, 2]",
    "blank": lambda n: "   ",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(sorted(_LINE_KINDS)), max_size=40), chunk_size=st.integers(1, 7))
def test_every_input_record_is_a_result_or_an_error(kinds, chunk_size):
    """Input records = results + errors, each record number exactly once, for any mix of lines."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        export = root / "in.jsonl"
        export.write_text("".join(_LINE_KINDS[kind](n) + "\n" for n, kind in enumerate(kinds)), encoding="utf-8")
        job = _job(root, export=export, chunk_size=chunk_size)
        summary = run_export(job, guard_factory=make_guard)
        results, errors = _lines(job.output), _lines(job.errors)
    records = len([kind for kind in kinds if kind != "blank"])
    assert len(results) + len(errors) == records == summary.records
    assert sorted(row["record"] for row in results + errors) == list(range(1, records + 1))
    assert len(errors) == sum(kind in {"not_json", "array"} for kind in kinds)


class _CrashAfter:
    """A guard factory whose guards stop the process (KeyboardInterrupt) after ``limit`` records in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def __call__(self) -> Any:
        guard = make_guard()
        original: Callable[..., Any] = guard.moderate

        def moderate(form: Any, /, **kwargs: Any) -> Any:
            self.count += 1
            if self.count > self.limit:
                raise KeyboardInterrupt
            return original(form, **kwargs)

        guard.moderate = moderate  # type: ignore[method-assign]
        return guard


def _crash(job: ExportJob, limit: int) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_export(job, guard_factory=_CrashAfter(limit))


@pytest.mark.parametrize("output", ["results.jsonl", "results.csv"], ids=["jsonl", "csv"])
def test_resume_after_a_crash_gives_the_uninterrupted_output(tmp_path, output):
    """A run killed midway and resumed writes exactly the files of an uninterrupted run."""
    clean = _job(tmp_path / "clean", output=output, chunk_size=5, checkpoint_every=7)
    (tmp_path / "clean").mkdir()
    run_export(clean, guard_factory=make_guard)
    (tmp_path / "crashed").mkdir()
    crashed = replace(clean, output=tmp_path / "crashed" / output, errors=tmp_path / "crashed" / "errors.jsonl")
    _crash(crashed, limit=33)
    assert not crashed.output.exists()
    state = json.loads(checkpoint_path(crashed.output).read_text())
    assert state["records_done"] == 30  # checkpoints fall on chunk boundaries only
    with partial_path(crashed.output).open("ab") as stream:
        stream.write(b'{"record": 31, "half a line')  # what a hard kill mid-write leaves
    summary = run_export(crashed, guard_factory=make_guard, resume=True)
    assert crashed.output.read_bytes() == clean.output.read_bytes()
    assert crashed.errors.read_bytes() == clean.errors.read_bytes()
    assert summary.records == 52
    assert summary.moderated_now == 22
    assert not checkpoint_path(crashed.output).exists()


def test_a_crash_leaves_existing_outputs_untouched(tmp_path):
    """Until a run completes, the files it will replace keep their previous content."""
    job = _job(tmp_path, chunk_size=5, checkpoint_every=5)
    job.output.write_text("previous results\n")
    _crash(job, limit=12)
    assert job.output.read_text() == "previous results\n"
    assert partial_path(job.output).exists()


def test_an_unfinished_run_is_not_silently_restarted(tmp_path):
    """Without ``resume`` an unfinished run's checkpoint makes the run refuse to start."""
    job = _job(tmp_path, chunk_size=5, checkpoint_every=5)
    _crash(job, limit=12)
    with pytest.raises(ResumeError, match="resume it"):
        run_export(job, guard_factory=make_guard)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"include_private": True}, "include_private"),
        ({"chunk_size": 7}, "chunk_size"),
        ({"settings": {"policy": "strict"}}, "policy"),
    ],
    ids=["privacy", "chunk-size", "policy"],
)
def test_resume_with_other_settings_is_refused(tmp_path, change, match):
    """Resuming with settings that change the output raises ResumeError naming them."""
    job = _job(tmp_path, chunk_size=5, checkpoint_every=5, settings={"policy": "default"})
    _crash(job, limit=12)
    with pytest.raises(ResumeError, match=match):
        run_export(replace(job, **change), guard_factory=make_guard, resume=True)


def test_resume_of_a_changed_export_is_refused(tmp_path):
    """A checkpoint for another version of the export is not applied to this one."""
    export = tmp_path / "in.xml"
    export.write_bytes(SAMPLE.read_bytes())
    job = _job(tmp_path, export=export, chunk_size=5, checkpoint_every=5)
    _crash(job, limit=12)
    export.write_bytes(SAMPLE.read_bytes().replace(b"Maria", b"Marta"))
    with pytest.raises(ResumeError, match="another version"):
        run_export(job, guard_factory=make_guard, resume=True)


def test_resume_without_a_checkpoint_starts_afresh(tmp_path):
    """``resume`` with nothing to resume runs the whole export."""
    summary = run_export(_job(tmp_path), guard_factory=make_guard, resume=True)
    assert summary.records == summary.moderated_now == 52


def test_an_unreadable_checkpoint_is_refused(tmp_path):
    """A corrupt checkpoint file raises ResumeError telling the user to delete it."""
    job = _job(tmp_path)
    checkpoint_path(job.output).write_text("{not json")
    with pytest.raises(ResumeError, match="cannot be read"):
        run_export(job, guard_factory=make_guard, resume=True)


def test_a_partial_file_shorter_than_its_checkpoint_is_refused(tmp_path):
    """If a partial file lost data the checkpoint counts on, the run refuses to resume."""
    job = _job(tmp_path, chunk_size=5, checkpoint_every=5)
    _crash(job, limit=12)
    partial_path(job.output).write_bytes(b"")
    with pytest.raises(ResumeError, match="shorter than its checkpoint"):
        run_export(job, guard_factory=make_guard, resume=True)


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel>&a;</channel></rss>',
        b"author,content\nAnn,hi\n",
    ],
    ids=["entity-bomb", "csv-named-xml"],
)
def test_an_unreadable_export_fails_before_writing_anything(tmp_path, content):
    """An export refused as a whole raises InputFormatError and leaves no file behind."""
    from comment_guard.errors import InputFormatError

    export = tmp_path / "in.xml"
    export.write_bytes(content)
    with pytest.raises(InputFormatError):
        run_export(_job(tmp_path, export=export), guard_factory=make_guard)
    assert [p.name for p in tmp_path.iterdir()] == ["in.xml"]
