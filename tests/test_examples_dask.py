"""Tests for examples/dask_moderation.py: moderation on a Dask LocalCluster equals a local run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from batch_fakes import make_guard
from comment_guard.batch import ExportReader, RecordError, moderate_many
from comment_guard.batch.records import Record, SourcePosition

pytest.importorskip("dask.distributed", reason="the Dask example needs the dask extra")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dask_moderation", EXAMPLES / "dask_moderation.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dask_moderation"] = module  # so Dask can pickle the task function by reference
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """The example module, imported from its file."""
    return _load_example()


@pytest.fixture(scope="module")
def client():
    """A Dask client on a LocalCluster of two in-process workers."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


@pytest.mark.parametrize("chunk_size", [7, 1000], ids=["many-chunks", "one-chunk"])
def test_dask_results_equal_a_local_run(example, client, chunk_size):
    """The sample export moderated on the cluster gives the local run's outcomes, in order."""
    items = list(ExportReader(EXAMPLES / "sample_export.xml"))
    local = list(moderate_many(items, guard_factory=make_guard, chunk_size=chunk_size))
    distributed = list(
        example.moderate_on_dask(items, client, guard_factory=make_guard, chunk_size=chunk_size, in_flight=3)
    )
    assert distributed == local
    assert len(distributed) == 52


def test_errors_pass_through_the_cluster(example, client):
    """A record error in the stream comes back in its place."""
    error = RecordError(SourcePosition("x.csv", 2), "bad_encoding", "bad")
    items = [Record(SourcePosition("x.csv", 1), {"content": "Hello."}), error]
    outcomes = list(example.moderate_on_dask(items, client, guard_factory=make_guard, chunk_size=1))
    assert outcomes[1] == error
    assert [o.position.record for o in outcomes] == [1, 2]


def test_main_writes_results_without_email(example, monkeypatch, tmp_path, capsys):
    """The example's command line moderates the sample on a local cluster and writes JSON lines."""
    import functools
    import json

    from dask.distributed import LocalCluster

    from comment_guard.guard import CommentGuard

    def default(cls: type[CommentGuard], **_: object) -> CommentGuard:  # named so that Dask can pickle it
        return make_guard()

    monkeypatch.setattr(example, "LocalCluster", functools.partial(LocalCluster, processes=False))
    monkeypatch.setattr(CommentGuard, "default", classmethod(default))
    output = tmp_path / "out.jsonl"
    assert example.main([str(EXAMPLES / "sample_export.xml"), "-o", str(output), "--chunk-size", "10"]) == 0
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["record"] for row in rows] == list(range(1, 53))
    assert "@example.com" not in output.read_text()
    assert capsys.readouterr().out.startswith("52 records ->")
