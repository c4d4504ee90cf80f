"""Scoring speed of the shipped model, against scikit-learn on the same model in the same run.

    python benchmarks/bench_score.py [--model DIR --trust] [--repeats 5]

Reports, as medians over repeats:
- model load time (read, verify SHA-256, unpickle, probe check);
- one comment, both risks: ``RiskModel.score_one`` (direct linear evaluation) versus the same
  model through scikit-learn (``vectorizer.transform`` + ``decision_function``, what a Pipeline's
  ``predict_proba`` does per call), and their ratio;
- batch throughput on one core: ``RiskModel.score(texts, explain=False)`` in comments/s of wall
  clock and per CPU-second of this process (the second is robust to other load on the machine);
- peak traced memory of loading the model.
Texts are the probe texts and a fixed set of typical comments (no shared data needed).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

from comment_guard.artifact import PROBE_TEXTS, default_model_path, load_model
from comment_guard.model import RiskModel

TYPICAL = (
    "Has anyone here had ketamine infusions for PTSD through the VA? How many sessions did you need?",
    "My psychiatrist started me on Spravato last spring. The dissociation was strange but it helped.",
    "Does insurance cover this, or is it all out of pocket? $500 per infusion is a lot for us.",
    "Great article, sharing it with my brother who served two tours.",
    "Ketamine cured my PTSD in one session, throw away your antidepressants, the doctors hide this.",
    "Buy ketamine online no prescription needed, fast discreet shipping, WhatsApp +1 555 0100 333",
    "Thank you for citing the actual trials. People forget it is not approved for PTSD yet.",
    "I was skeptical, but after six infusions my PCL-5 score dropped from 58 to 31.",
)


def _median_seconds(function, repeats: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--trust", action="store_true", help="trust a --model directory you produced")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    trusted = args.trust or args.model == default_model_path()

    load_seconds = _median_seconds(lambda: load_model(args.model, trusted=trusted), args.repeats)
    tracemalloc.start()  # measured apart: tracing slows the allocation-heavy unpickling several times
    load_model(args.model, trusted=trusted)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    model: RiskModel = load_model(args.model, trusted=trusted)
    texts = list(TYPICAL + PROBE_TEXTS)

    def fast_one() -> None:
        for text in texts:
            model.score_one(text)

    def sklearn_one() -> None:
        for text in texts:
            for risk in model.risks:
                model.decision_function_reference([text], risk)

    fast = _median_seconds(fast_one, args.repeats) / len(texts)
    reference = _median_seconds(sklearn_one, args.repeats) / len(texts)
    batch = [texts[i % len(texts)] + f" ({i})" for i in range(20_000)]
    batch_seconds = _median_seconds(lambda: model.score(batch, explain=False), max(3, args.repeats // 2))
    cpu_samples = []
    for _ in range(max(3, args.repeats // 2)):
        started = time.process_time()  # CPU time of this process: what one core did, whatever else runs
        model.score(batch, explain=False)
        cpu_samples.append(time.process_time() - started)
    cpu_seconds = statistics.median(cpu_samples)

    print(
        f"model load (verify + unpickle + probes): {load_seconds * 1000:.0f} ms median; peak traced memory {peak / 2**20:.0f} MiB"
    )
    print(f"one comment, both risks, with explanations: {fast * 1e6:.0f} us median")
    print(f"same through scikit-learn (transform + decision_function per risk): {reference * 1e6:.0f} us median")
    print(f"ratio scikit-learn / direct: {reference / fast:.1f}x")
    print(
        f"batch, one core, no explanations: {len(batch) / batch_seconds:,.0f} comments/s wall clock, "
        f"{len(batch) / cpu_seconds:,.0f} comments per CPU-second"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
