"""Check that the shipped model is what its training command produces (needs ../shared/data).

    python benchmarks/check_reproducible.py --data ../shared/data

Refits the default recipe into a temporary directory and compares it with models/default:
the training data's SHA-256 per file and per risk, the probe scores, and whether model.joblib
is byte-identical. Exits 1 if the data or the probe scores differ.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from comment_guard.artifact import MANIFEST, MODEL_FILE, default_model_path, read_manifest
from comment_guard.training.default import CORPUS_DIR, build

TOLERANCE = 1e-9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    shipped = read_manifest(default_model_path())
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "model"
        build(args.data, CORPUS_DIR, out, command="check_reproducible", evaluate=False)
        rebuilt = read_manifest(out)
        problems = []
        shipped_files = {Path(f["path"]).name: f["sha256"] for f in shipped.training["data_files"]}
        rebuilt_files = {Path(f["path"]).name: f["sha256"] for f in rebuilt.training["data_files"]}
        if shipped_files != rebuilt_files:
            problems.append(f"training files differ: {sorted(set(shipped_files.items()) ^ set(rebuilt_files.items()))}")
        for risk in shipped.risks:
            if shipped.training["examples"][risk]["sha256"] != rebuilt.training["examples"][risk]["sha256"]:
                problems.append(f"{risk} training examples differ")
        for old, new in zip(shipped.probes, rebuilt.probes, strict=True):
            for risk in shipped.risks:
                a, b = getattr(old, risk), getattr(new, risk)
                if a is None or b is None or abs(a - b) > TOLERANCE:
                    problems.append(f"probe {old.text[:40]!r} {risk}: shipped {a}, rebuilt {b}")
        identical = rebuilt.files[MODEL_FILE].sha256 == shipped.files[MODEL_FILE].sha256
        print(json.dumps({"model_joblib_byte_identical": identical, "problems": problems}, indent=2))
        print(f"shipped: {default_model_path() / MANIFEST}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
