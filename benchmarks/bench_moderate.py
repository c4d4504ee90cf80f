"""Latency of CommentGuard.moderate() for a typical comment, against bare score_one() of the same text.

    python benchmarks/bench_moderate.py                     # shipped model, or a tiny one if none is built
    python benchmarks/bench_moderate.py --model DIR         # a model directory you trust
    python benchmarks/bench_moderate.py --history sqlite    # with a SQLite history in a temporary file

Both are measured in the same run, alternating call by call so that drift affects them
alike. Each moderated comment comes from a different commenter and IP, so the flood and
duplicate rules run their checks without firing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from comment_guard import CommentGuard, IdentityKey
from comment_guard.errors import CommentGuardError
from comment_guard.history import CommenterHistory, InMemoryHistory, SQLiteHistory
from comment_guard.training.examples import Example
from comment_guard.training.fit import FitOptions, fit_model

SECRET = b"benchmark secret key, 32 bytes.."
TYPICAL_COMMENT = (
    "Thank you for this article. My mother was diagnosed with type 2 diabetes last spring and her "
    "doctor suggested the same changes you describe: more walking after meals and fewer sugary drinks. "
    "Her numbers have improved, although she still takes metformin. Do you know whether the timing of "
    "the walk matters, or is any time of day fine?"
)
_TINY = {
    "spam": [
        ("Buy cheap viagra online, no prescription needed, discreet shipping http://pills.example.ru", 1),
        ("Best SEO backlinks, cheap and fast, click here http://seo.example.club", 1),
        ("Earn $5000 a week from home, contact me on WhatsApp", 1),
        ("Casino bonus, free spins today http://casino.example.site", 1),
        ("Thanks for the clear write-up; my doctor suggested the same for my knee.", 0),
        ("Does anyone know whether physiotherapy helps with lower back pain?", 0),
        ("I asked my GP about the side effects and she explained them patiently.", 0),
        ("Recovery took about six weeks for me after the operation.", 0),
    ],
    "misinformation": [
        ("Vaccines cause autism and big pharma is covering it up.", 1),
        ("Stop taking your insulin, this herbal tea cures diabetes permanently.", 1),
        ("Chemo is poison; a juice cleanse cured my cancer completely.", 1),
        ("Throw away your antidepressants and think positive.", 1),
        ("Large studies found no link between vaccines and autism.", 0),
        ("Talk to your doctor before changing your insulin dose.", 0),
        ("Antidepressants may take weeks to work; ask your prescriber.", 0),
        ("Chemotherapy improves survival for many cancers in trials.", 0),
    ],
}


def load_model(directory: Path | None) -> tuple[Any, str]:
    """The model to measure and a description of it."""
    from comment_guard import artifact

    if directory is not None:
        return artifact.load_model(directory, trusted=True), str(directory)
    try:
        return artifact.load_default_model(), "shipped default model"
    except CommentGuardError as exc:
        examples = {risk: [Example(text, label, "bench") for text, label in rows] for risk, rows in _TINY.items()}
        model, _ = fit_model(examples, options=FitOptions(folds=2, min_df=1))
        return model, f"tiny inline model (no shipped model: {type(exc).__name__})"


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(model: Any, history: CommenterHistory, iterations: int, warmup: int) -> tuple[list[float], list[float]]:
    """Time score_one() and moderate() alternately; return both lists of microseconds."""
    guard = CommentGuard(model, identity_key=IdentityKey(SECRET), history=history)
    score_times: list[float] = []
    moderate_times: list[float] = []
    for i in range(warmup + iterations):
        form = {
            "author": f"Reader {i}",
            "email": f"reader{i}@example.com",
            "content": TYPICAL_COMMENT,
            "post_id": "1234",
            "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        }
        started = time.perf_counter_ns()
        model.score_one(TYPICAL_COMMENT, explain=True)
        scored = time.perf_counter_ns()
        result = guard.moderate(form)
        moderated = time.perf_counter_ns()
        if i >= warmup:
            score_times.append((scored - started) / 1_000)
            moderate_times.append((moderated - scored) / 1_000)
        if i == 0:
            print(f"decision for the typical comment: {result.decision} {[r.code for r in result.reasons]}")
    return score_times, moderate_times


def main() -> None:
    """Parse arguments, run the benchmark and print a short report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a model directory you trust (default: the shipped model)")
    parser.add_argument("--iterations", type=int, default=3_000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--history", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args()

    model, description = load_model(args.model)
    with tempfile.TemporaryDirectory() as directory:
        if args.history == "sqlite":
            history: CommenterHistory = SQLiteHistory(Path(directory) / "history.sqlite3")
        else:
            history = InMemoryHistory()
        try:
            score_times, moderate_times = run(model, history, args.iterations, args.warmup)
        finally:
            if isinstance(history, SQLiteHistory):
                history.close()

    print(f"model: {description}; history: {args.history}; {args.iterations} calls each")
    print(f"{'':>24} {'p50 us':>10} {'p99 us':>10} {'mean us':>10}")
    for name, times in (("score_one()", score_times), ("moderate()", moderate_times)):
        print(
            f"{name:>24} {percentile(times, 0.5):10.1f} {percentile(times, 0.99):10.1f} {statistics.fmean(times):10.1f}"
        )
    p50 = percentile(moderate_times, 0.5) / percentile(score_times, 0.5)
    p99 = percentile(moderate_times, 0.99) / percentile(score_times, 0.99)
    print(f"{'moderate / score_one':>24} {p50:10.2f} {p99:10.2f}")


if __name__ == "__main__":
    main()
