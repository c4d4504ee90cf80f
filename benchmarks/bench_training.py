"""Training time and peak memory of ``comment-guard train`` for 10k, 50k and 200k comments.

    python benchmarks/bench_training.py [--sizes 10000,50000,200000] [--repeats 3] [--cv-folds 5] [--cv-refit]

The comments are generated from the team corpus texts with variation (words swapped,
dropped, repeated or re-cased, words borrowed from other comments, sentences of two
comments of the same labels joined, short endings added), each keeping the spam and
misinformation labels of the corpus row it came from, so both risks are trained, as from
a feedback log. Each run (one size, one repeat) is a fresh subprocess, so its peak
resident memory (``ru_maxrss``) is its own; the parent prints the median of each figure
over the repeats: reading and checking the data, training (fit with out-of-fold scores,
or every fold refit with ``--cv-refit``), saving, the total, peak memory, the memory after
imports alone, and the size of model.joblib. Only the standard library,
comment_guard and its dependencies are used.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (10_000, 50_000, 200_000)
_ENDINGS = ("", "", "", " thanks", " :)", "!!", " - sent from my phone", " (edited)", " lol", " ??", " 🙏", " ...")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def corpus_rows() -> list[dict[str, str]]:
    """The team corpus rows (text, spam, misinformation), in file order."""
    from comment_guard.training.recipe import read_team_corpus, team_corpus_dir

    return [
        {"text": row["text"], "spam": row["spam"], "misinformation": row["misinformation"]}
        for row in read_team_corpus(team_corpus_dir(), [])
    ]


def vary(text: str, rng: random.Random, donor: str, words: list[str]) -> str:
    """One varied copy of ``text``; ``donor`` is another comment with the same labels."""
    tokens = text.split()
    for _ in range(rng.randint(1, 3)):
        if len(tokens) < 2:
            break
        operation = rng.randrange(6)
        index = rng.randrange(len(tokens) - 1)
        if operation == 0:
            tokens[index], tokens[index + 1] = tokens[index + 1], tokens[index]
        elif operation == 1:
            del tokens[index]
        elif operation == 2:
            tokens.insert(index, tokens[index])
        elif operation == 3:
            tokens[index] = tokens[index].upper() if rng.random() < 0.5 else tokens[index].lower()
        elif operation == 4:
            tokens.insert(index, rng.choice(words))
        else:
            sentences = _SENTENCE.split(donor)
            tokens += rng.choice(sentences).split()
    return " ".join(tokens) + rng.choice(_ENDINGS)


def generate(size: int, path: Path, seed: int = 0) -> int:
    """Write ``size`` distinct varied comments with both labels to ``path`` (CSV); return the count."""
    rows = corpus_rows()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    by_labels: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        by_labels.setdefault((row["spam"], row["misinformation"]), []).append(row["text"])
    words = sorted({word for row in rows for word in row["text"].split() if word.isalpha()})
    seen: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "spam", "misinformation"])
        while len(seen) < size:
            row = rng.choice(rows)
            labels = (row["spam"], row["misinformation"])
            text = vary(row["text"], rng, rng.choice(by_labels[labels]), words)
            key = " ".join(text.lower().split())
            if key not in seen:
                seen.add(key)
                writer.writerow([text, *labels])
    return len(seen)


def child(data: Path, out: Path, cv_folds: int, refit: bool) -> dict[str, float]:
    """Train on ``data`` as ``comment-guard train`` does; return phase times (s) and memory (MiB)."""
    from comment_guard.training.retrain import TrainOptions, save_trained, train
    from comment_guard.training.user_data import read_labelled

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    labelled = read_labelled([data])
    read_done = time.perf_counter()
    trained = train(labelled, TrainOptions(cv_folds=cv_folds, refit_folds=refit))
    fit_done = time.perf_counter()
    save_trained(trained, out, command="bench_training")
    saved = time.perf_counter()
    return {
        "texts": float(sum(len(items) for items in labelled.risks.values()) / len(labelled.risks)),
        "read_s": read_done - started,
        "train_s": fit_done - read_done,
        "save_s": saved - fit_done,
        "total_s": saved - started,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_imports_mib": baseline,
        "model_mib": (out / "model.joblib").stat().st_size / 2**20,
    }


def run_once(data: Path, scratch: Path, cv_folds: int, refit: bool) -> dict[str, float]:
    """One child run in a fresh interpreter."""
    out = scratch / f"model-{time.monotonic_ns()}"
    command = [sys.executable, __file__, "--child", str(data), "--out", str(out), "--cv-folds", str(cv_folds)]
    command += ["--cv-refit"] if refit else []
    completed = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - fixed argument list
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated sizes")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (median reported)")
    parser.add_argument("--cv-folds", type=int, default=5, help="cross-validation folds (as train --cv-folds)")
    parser.add_argument("--cv-refit", action="store_true", help="refit per fold (as train --cv-refit)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.out, args.cv_folds, args.cv_refit)))
        return 0
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    columns = ("texts", "read_s", "train_s", "save_s", "total_s", "peak_rss_mib", "rss_after_imports_mib", "model_mib")
    method = "refit per fold" if args.cv_refit else "out-of-fold scores of the fit"
    print(f"comment-guard train, both risks, {args.cv_folds}-fold ({method}); median of {args.repeats} runs")
    print(f"{'size':>8} " + " ".join(f"{column:>{max(9, len(column))}}" for column in columns))
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        for size in sizes:
            data = scratch / f"comments-{size}.csv"
            generate(size, data)
            runs = [run_once(data, scratch, args.cv_folds, args.cv_refit) for _ in range(args.repeats)]
            medians = {column: statistics.median(run[column] for run in runs) for column in columns}
            cells = [f"{medians[column]:>{max(9, len(column))}.1f}" for column in columns]
            print(f"{size:>8} " + " ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
