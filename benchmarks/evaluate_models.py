"""Evaluate the default recipe and the shipped model on data they never saw (needs ../shared/data).

    python benchmarks/evaluate_models.py --data ../shared/data [--out report.md]

Prints, per risk and source: ROC-AUC, PR-AUC, recall at the default policy's thresholds and
the false-positive rate on legitimate comments, for
- the recipe refit without the evaluated rows (team-corpus topics held out, YouTube one video
  left out at a time, CONSTRAINT val, a fifth of the drug reviews), as in the model card;
- the same held-out rows scored by a plain TF-IDF + logistic regression on raw text trained on
  the same rows (the baseline named in the risk-model issue);
- the cross-set check: the recipe without the COVID rumour set, on that set's rows not shared
  with CONSTRAINT (how many reliable items it flags);
- the shipped model on the rows it never trained on (CONSTRAINT val, held-out drug reviews).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from comment_guard.artifact import load_default_model
from comment_guard.results import MISINFORMATION, RISKS
from comment_guard.training import recipe as recipe_module
from comment_guard.training.default import CORPUS_DIR, default_thresholds
from comment_guard.training.evaluation import HOLDOUT_TOPICS, EvaluationReport, evaluate_recipe
from comment_guard.training.examples import normalised_key
from comment_guard.training.fit import fit_model
from comment_guard.training.recipe import build_default_recipe


def baseline(data_dir: Path, corpus_dir: Path, report: EvaluationReport) -> None:
    """Plain TF-IDF + logistic regression on raw text, trained and evaluated on the recipe's split."""
    data = build_default_recipe(data_dir, corpus_dir, holdout_topics=HOLDOUT_TOPICS)
    for risk in RISKS:
        train = data.train[risk]
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        matrix = vectorizer.fit_transform([e.text for e in train])
        classifier = LogisticRegression(C=4.0, solver="liblinear", max_iter=5_000)
        classifier.fit(matrix, [e.label for e in train])
        for source, name in (
            ("team", "team corpus, held-out topics"),
            ("druglib", "drug reviews (legitimate)"),
            ("constraint", "CONSTRAINT val"),
        ):
            rows = [e for e in data.holdout[risk] if e.source == source]
            if rows:
                scores = classifier.predict_proba(vectorizer.transform([e.text for e in rows]))[:, 1]
                report.add(f"BASELINE {name}", risk, rows, scores)


def cross_set(data_dir: Path, corpus_dir: Path, report: EvaluationReport) -> None:
    """The recipe without the rumour set, evaluated on rumour rows not shared with CONSTRAINT."""
    shares = dict(recipe_module.SOURCE_SHARES[MISINFORMATION])
    recipe_module.SOURCE_SHARES[MISINFORMATION] = {**shares, "rumour": 0.0}
    try:
        data = build_default_recipe(data_dir, corpus_dir)
    finally:
        recipe_module.SOURCE_SHARES[MISINFORMATION] = shares
    train = [e for e in data.train[MISINFORMATION] if e.source != "rumour"]
    rumour = [e for e in data.train[MISINFORMATION] if e.source == "rumour"]
    seen = {normalised_key(e.text) for e in train}
    rumour = [e for e in rumour if normalised_key(e.text) not in seen]
    model, _ = fit_model({MISINFORMATION: train})
    scores = np.asarray([s.misinformation for s in model.score([e.text for e in rumour], explain=False)])
    report.add("COVID rumour set (never trained on)", MISINFORMATION, rumour, scores)


def shipped(data_dir: Path, corpus_dir: Path, report: EvaluationReport) -> None:
    """The shipped model on rows outside its training data."""
    model = load_default_model()
    data = build_default_recipe(data_dir, corpus_dir)
    for risk in RISKS:
        for source, name in (
            ("druglib", "SHIPPED drug reviews (legitimate)"),
            ("constraint", "SHIPPED CONSTRAINT val"),
        ):
            rows = [e for e in data.holdout[risk] if e.source == source]
            if rows:
                scores = np.asarray([s.get(risk) for s in model.score([e.text for e in rows], explain=False)])
                report.add(name, risk, rows, scores)


def main() -> int:
    parser = argparse.ArgumentParser(description="Evaluate the default recipe and model (needs shared/data).")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args()
    started = time.perf_counter()
    thresholds = default_thresholds()
    report = evaluate_recipe(args.data, args.corpus, thresholds=thresholds)
    baseline(args.data, args.corpus, report)
    cross_set(args.data, args.corpus, report)
    shipped(args.data, args.corpus, report)
    text = report.to_markdown() + f"\n\n(evaluated in {time.perf_counter() - started:.0f} s)\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
