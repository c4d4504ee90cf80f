"""Batch moderation of exported comments: read an export, moderate in parallel, write results.

    records = ExportReader("export.xml")                         # WXR, CSV or JSON lines
    for outcome in moderate_many(records, guard_factory=factory, jobs=4):
        ...                                                      # Moderated or RecordError, in order

:func:`run_export` does the same from file to file, with an error report, a summary, atomic
output and resumption of an interrupted run.
"""

from __future__ import annotations

from comment_guard.batch.csv_reader import read_csv
from comment_guard.batch.job import ExportJob, run_export
from comment_guard.batch.jsonl import read_jsonl
from comment_guard.batch.readers import CsvOptions, ExportReader, detect_format
from comment_guard.batch.records import Item, Record, RecordError, SourcePosition
from comment_guard.batch.run import GuardFactory, Moderated, Moderator, Outcome, moderate_many
from comment_guard.batch.summary import BatchSummary
from comment_guard.batch.wxr import read_wxr
from comment_guard.errors import ResumeError

__all__ = [
    "BatchSummary",
    "CsvOptions",
    "ExportJob",
    "ExportReader",
    "GuardFactory",
    "Item",
    "Moderated",
    "Moderator",
    "Outcome",
    "Record",
    "RecordError",
    "ResumeError",
    "SourcePosition",
    "detect_format",
    "moderate_many",
    "read_csv",
    "read_jsonl",
    "read_wxr",
    "run_export",
]
