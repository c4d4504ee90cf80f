"""Throughput and peak memory of batch moderation, against scoring the same texts in one score() call.

    python benchmarks/bench_batch.py                            # 200,000 comments, shipped model, 3 repeats
    python benchmarks/bench_batch.py --comments 20000 --repeats 5
    python benchmarks/bench_batch.py --model DIR                # a model directory you trust

A WordPress export (WXR) of generated comments is written to a temporary directory. Each
measurement runs in a fresh Python process, so its peak memory (``ru_maxrss``) is its own:

* ``score()``: read every comment's text into a list, then time one ``guard.score(texts)``
  call (texts only: no validation, privacy stage, rules or output);
* ``moderate --jobs N``: time ``run_export`` from file to file (parse the WXR stream, validate,
  digest, score, apply the policy, write JSON lines and the error report), with N workers;
* the same with a tenth of the comments, to show that memory does not grow with the export.

Measurements alternate between configurations within each repeat; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from comment_guard.batch import ExportJob, ExportReader, Record, run_export
from comment_guard.errors import CommentGuardError

SECRET = b"benchmark secret key, 32 bytes.."
SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample_export.xml"
_MODELS: dict[str, Any] = {}


class GuardBuilder:
    """A picklable guard factory: the model is loaded once per process, a guard built per chunk."""

    def __init__(self, model_dir: str) -> None:
        self.model_dir = model_dir

    def __call__(self) -> Any:
        from comment_guard import CommentGuard, IdentityKey
        from comment_guard.artifact import load_model

        model = _MODELS.get(self.model_dir)
        if model is None:
            model = _MODELS[self.model_dir] = load_model(self.model_dir, trusted=True)
        return CommentGuard(model, identity_key=IdentityKey(SECRET))


# --- the generated export ------------------------------------------------------------------------


def _seed_texts() -> list[str]:
    texts = [item.fields.get("content", "") for item in ExportReader(SAMPLE) if isinstance(item, Record)]
    return [text for text in texts if text.strip()]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _export_lines(comments: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    texts = _seed_texts()
    vocabulary = sorted({word.strip(".,!?()") for text in texts for word in text.split()} - {""})
    moment = datetime(2020, 1, 1)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n'
    yield "<channel>\n<title>Benchmark</title>\n"
    per_post = 100
    for number in range(comments):
        if number % per_post == 0:
            if number:
                yield "</item>\n"
            yield f"<item>\n<title>Post {number // per_post}</title>\n<wp:post_id>{number // per_post + 1}</wp:post_id>\n"
        moment += timedelta(seconds=rng.randint(1, 600))
        filler = " ".join(rng.choices(vocabulary, k=rng.randint(0, 25)))
        content = f"{rng.choice(texts)} {filler}".strip()
        commenter = rng.randrange(20_000)
        yield (
            f"<wp:comment>\n<wp:comment_id>{number + 1}</wp:comment_id>\n"
            f"<wp:comment_author>{_cdata(f'Reader {commenter}')}</wp:comment_author>\n"
            f"<wp:comment_author_email>{_cdata(f'reader{commenter}@example.com')}</wp:comment_author_email>\n"
            f"<wp:comment_author_IP>{_cdata(f'10.{commenter >> 8 & 255}.{commenter & 255}.{rng.randrange(256)}')}"
            "</wp:comment_author_IP>\n"
            f"<wp:comment_date_gmt>{_cdata(moment.strftime('%Y-%m-%d %H:%M:%S'))}</wp:comment_date_gmt>\n"
            f"<wp:comment_content>{_cdata(content)}</wp:comment_content>\n"
            "<wp:comment_approved>1</wp:comment_approved>\n<wp:comment_parent>0</wp:comment_parent>\n"
            "</wp:comment>\n"
        )
    if comments:
        yield "</item>\n"
    yield "</channel>\n</rss>\n"


def write_export(path: Path, comments: int, seed: int = 20240312) -> None:
    """Write a WXR export of ``comments`` generated comments to ``path``."""
    with path.open("w", encoding="utf-8") as stream:
        stream.writelines(_export_lines(comments, seed))


# --- one measurement, in a child process ---------------------------------------------------------


def _peaks() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mib": own, "worker_peak_mib": children}


def measure_score(export: Path, model_dir: str) -> dict[str, float]:
    """Read all texts into memory, then time one guard.score(texts) call."""
    guard = GuardBuilder(model_dir)()
    texts = [item.fields.get("content", "") for item in ExportReader(export) if isinstance(item, Record)]
    started = time.perf_counter()
    guard.score(texts)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "comments": len(texts), **_peaks()}


def measure_moderate(export: Path, model_dir: str, jobs: int) -> dict[str, float]:
    """Time run_export from the WXR file to JSON-lines results with ``jobs`` workers."""
    factory = GuardBuilder(model_dir)
    factory()  # load the model before the clock starts, as the command line does
    with tempfile.TemporaryDirectory() as directory:
        job = ExportJob(
            export=export,
            output=Path(directory) / "results.jsonl",
            errors=Path(directory) / "errors.jsonl",
            jobs=jobs,
        )
        started = time.perf_counter()
        summary = run_export(job, guard_factory=factory, progress=False)
        seconds = time.perf_counter() - started
    if jobs > 1:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)  # reap the workers so their peak memory is counted
    return {"seconds": seconds, "comments": summary.records, **_peaks()}


def _child(args: argparse.Namespace) -> None:
    if args.child == "score":
        result = measure_score(args.export, args.model)
    else:
        result = measure_moderate(args.export, args.model, args.jobs)
    print(json.dumps(result))


# --- the parent: set up, run children, report ----------------------------------------------------


def _model_dir(directory: Path | None, scratch: Path) -> tuple[str, str]:
    """The model directory to measure and a description of it (a tiny fitted model as a last resort)."""
    from comment_guard import artifact

    if directory is not None:
        return str(directory), str(directory)
    try:
        artifact.load_default_model()
        return str(artifact.default_model_path()), "shipped default model"
    except CommentGuardError as exc:
        from bench_moderate import _TINY

        from comment_guard.training.examples import Example
        from comment_guard.training.fit import FitOptions, fit_model

        examples = {risk: [Example(text, label, "bench") for text, label in rows] for risk, rows in _TINY.items()}
        model, _ = fit_model(examples, options=FitOptions(folds=2, min_df=1))
        artifact.save_model(model, scratch / "tiny-model", name="tiny")
        return str(scratch / "tiny-model"), f"tiny inline model (no shipped model: {type(exc).__name__})"


def _run_child(mode: str, export: Path, model_dir: str, jobs: int = 1) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--export", str(export), "--model", model_dir]
    command += ["--jobs", str(jobs)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own script
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Parse arguments; as parent, generate the export, run every measurement and print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=200_000, help="comments in the generated export")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    parser.add_argument("--model", type=str, help="a model directory you trust (default: the shipped model)")
    parser.add_argument("--child", choices=["score", "moderate"], help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.jobs = args.jobs[0]
        _child(args)
        return

    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        model_dir, description = _model_dir(Path(args.model) if args.model else None, scratch)
        export, small = scratch / "export.xml", scratch / "small.xml"
        started = time.perf_counter()
        write_export(export, args.comments)
        write_export(small, max(1, args.comments // 10))
        size = export.stat().st_size / 2**20
        print(f"model: {description}")
        print(
            f"export: {args.comments:,} comments, {size:,.1f} MiB WXR (written in {time.perf_counter() - started:.1f} s)"
        )
        configs: list[tuple[str, str, Path, int]] = [("score() one call", "score", export, 1)]
        configs += [(f"moderate --jobs {jobs}", "moderate", export, jobs) for jobs in args.jobs]
        configs.append((f"moderate --jobs 1, {args.comments // 10:,} comments", "moderate", small, 1))
        runs: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in configs}
        for repeat in range(args.repeats):
            for label, mode, path, jobs in configs:
                runs[label].append(_run_child(mode, path, model_dir, jobs))
            print(f"  repeat {repeat + 1}/{args.repeats} done", file=sys.stderr)
    _report(runs, next(iter(runs)))


def _report(runs: dict[str, list[dict[str, float]]], baseline: str) -> None:
    def rate(label: str) -> float:
        return statistics.median(run["comments"] / run["seconds"] for run in runs[label])

    base = rate(baseline)
    print(
        f"\n{'configuration':<36}{'median s':>10}{'comments/s':>12}{'vs score()':>12}{'peak MiB':>10}{'worker MiB':>12}"
    )
    for label, measured in runs.items():
        seconds = statistics.median(run["seconds"] for run in measured)
        peak = max(run["peak_mib"] for run in measured)
        worker = max(run["worker_peak_mib"] for run in measured)
        worker_text = f"{worker:>12.0f}" if worker else f"{'-':>12}"
        print(f"{label:<36}{seconds:>10.2f}{rate(label):>12,.0f}{rate(label) / base:>12.2f}{peak:>10.0f}{worker_text}")
    jobs = [label for label in runs if label.startswith("moderate --jobs") and "," not in label]
    if len(jobs) >= 2:
        print(f"\nspeed-up {jobs[-1]} over {jobs[0]}: {rate(jobs[-1]) / rate(jobs[0]):.2f}x")


if __name__ == "__main__":
    # Run as the importable module "bench_batch" (this directory is on sys.path), so that worker
    # processes unpickle GuardBuilder by reference and keep one loaded model per process.
    import bench_batch

    bench_batch.main()
