"""Moderate a comment export on a Dask cluster, through ``comment_guard.batch.moderate_many``.

    pip install "comment-guard[dask]"
    python examples/dask_moderation.py examples/sample_export.xml --workers 2 -o results.jsonl

The export is read here, in the client, as a stream; chunks of records are sent to the
cluster a few at a time, and each Dask task moderates one chunk with ``moderate_many``.
Because ``moderate_many`` builds a fresh guard per chunk, a chunk gives the same outcomes
wherever it runs: the results equal a local run with the same chunk size, in the same order.
Point ``Client`` at a real scheduler address to run on a cluster instead of this machine.

Records hold commenters' email addresses (the guard needs them to compute the digests), so
they travel to the workers; the results written here hold none.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dask.distributed import Client, Future, LocalCluster

from comment_guard.batch import ExportReader, GuardFactory, Item, Moderated, Outcome, moderate_many
from comment_guard.batch.run import DEFAULT_CHUNK_SIZE
from comment_guard.batch.writers import error_row, result_row
from comment_guard.guard import CommentGuard

#: Only for trying the example: a real site keeps its secret out of the code.
DEMO_SECRET_KEY = "demo-key-for-the-dask-example-only"


def moderate_chunk(chunk: list[Item], guard_factory: GuardFactory, chunk_size: int) -> list[Outcome]:
    """One Dask task: moderate one chunk of records (with one guard, as a local run would)."""
    return list(moderate_many(chunk, guard_factory=guard_factory, chunk_size=chunk_size))


def moderate_on_dask(
    items: Iterable[Item],
    client: Client,
    *,
    guard_factory: GuardFactory,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    in_flight: int = 8,
) -> Iterator[Outcome]:
    """Yield an outcome per item, in input order, with the chunks moderated on ``client``'s cluster.

    At most ``in_flight`` chunks are submitted ahead of what has been yielded, so memory stays
    bounded however long the export is.
    """
    pending: deque[Future[list[Outcome]]] = deque()
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, chunk_size)):
        pending.append(client.submit(moderate_chunk, chunk, guard_factory, chunk_size, pure=False))
        if len(pending) >= in_flight:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()


def main(argv: list[str] | None = None) -> int:
    """Moderate EXPORT on a local Dask cluster and write JSON-lines results."""
    parser = argparse.ArgumentParser(description="Moderate a comment export with Dask.")
    parser.add_argument("export", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=Path("dask_results.jsonl"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    args = parser.parse_args(argv)
    secret_key = os.environ.get("COMMENT_GUARD_SECRET_KEY", DEMO_SECRET_KEY)
    factory = functools.partial(CommentGuard.default, secret_key=secret_key)
    counts: Counter[str] = Counter()
    # distributed's constructors are unannotated, hence the two ignores.
    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0") as cluster,  # type: ignore[no-untyped-call]
        Client(cluster) as client,  # type: ignore[no-untyped-call]
        args.output.open("w", encoding="utf-8") as stream,
    ):
        outcomes = moderate_on_dask(
            ExportReader(args.export), client, guard_factory=factory, chunk_size=args.chunk_size
        )
        for outcome in outcomes:
            row: dict[str, Any] = result_row(outcome) if isinstance(outcome, Moderated) else error_row(outcome)
            counts[row.get("decision", "error")] += 1
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(
        f"{sum(counts.values())} records -> {args.output}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
