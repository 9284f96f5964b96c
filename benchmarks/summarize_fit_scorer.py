"""Fit the sentence scorer's weights (newsdesk/write/scorer_weights.json), cross-validated.

    .venv/bin/python benchmarks/summarize_fit_scorer.py [--cache-dir /tmp/nd-cache] [--write]

Each publishable sentence of the development stories (Multi-News val250 and AllSides 2021,
both from ../shared/eval) is labelled by how much of the editor's summary it covers: unigram
plus twice bigram precision against the reference, rouge-score's tokens. A ridge regression
on the standardised features of ``newsdesk.write.plan.FEATURES`` is fitted with 5-fold
cross-validation grouped by story, over both datasets at once. For each held-out fold the real
writer then writes every story with the fold's weights and the script prints ROUGE of lede +
body beside the lead baseline on the same rows: the figures to trust are these held-out ones.
``--write`` fits on all stories and saves the weights with the figures in their metadata.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.evaluation.common import resolve_dataset  # noqa: E402
from newsdesk.evaluation.gate import file_sha256  # noqa: E402
from newsdesk.evaluation.summarize import (  # noqa: E402
    DiskCachedEmbedder,
    Pool,
    _tokenizer,
    cache_path,
    lead,
    load_clusters,
    rouge,
    truncate,
)
from newsdesk.understand.embed import get_embedder  # noqa: E402
from newsdesk.write.extractive import ExtractiveWriter, WriterConfig  # noqa: E402
from newsdesk.write.plan import FEATURES, build_plan, rescore  # noqa: E402
from newsdesk.write.scorer import PRIOR, WEIGHTS_FILE, LinearScorer  # noqa: E402

DATASETS = ("summarization_multinews_val250.jsonl", "summarization_allsides_2021.jsonl")


def _grams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def label(text: str, ref1: Counter, ref2: Counter) -> float:
    """How much of the reference a sentence carries, per word it costs."""
    toks = _tokenizer().tokenize(text)
    if len(toks) < 2:
        return 0.0
    p1 = sum((_grams(toks, 1) & ref1).values()) / len(toks)
    p2 = sum((_grams(toks, 2) & ref2).values()) / (len(toks) - 1)
    return p1 + 2 * p2


def load(cache_dir: Path | None, limit: int | None):
    """Plans (features only) and labels of every development story."""
    inner = get_embedder("minilm")
    stories = []
    for name in DATASETS:
        dataset = resolve_dataset(name)
        embedder = DiskCachedEmbedder(inner, cache_path(cache_dir, dataset, inner))
        clusters = load_clusters(dataset, limit)
        start = time.perf_counter()
        for cluster in clusters:
            plan = build_plan(cluster.articles, embedder=embedder, with_facts=False,
                              scorer=PRIOR)
            ref = _tokenizer().tokenize(cluster.reference)
            ref1, ref2 = _grams(ref, 1), _grams(ref, 2)
            rows = [s for s in plan.sentences if s.features]
            x = np.array([[s.features[f] for f in FEATURES] for s in rows]) if rows else \
                np.zeros((0, len(FEATURES)))
            y = np.array([label(s.clean, ref1, ref2) for s in rows])
            stories.append({"dataset": name, "cluster": cluster, "plan": plan, "x": x, "y": y})
        embedder.save()
        print(f"{name}: {len(clusters)} stories ready in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)
    return stories


def fit(stories: list[dict], alpha: float) -> LinearScorer:
    x = np.vstack([s["x"] for s in stories])
    y = np.concatenate([s["y"] for s in stories])
    # Each story weighs the same however many sentences it has.
    w = np.concatenate([np.full(len(s["y"]), 1.0 / max(1, len(s["y"]))) for s in stories])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    sw = np.sqrt(w)[:, None]
    a = (z * sw).T @ (z * sw) + alpha * np.eye(z.shape[1])
    b = (z * sw).T @ ((y - np.average(y, weights=w)) * sw[:, 0])
    coef = np.linalg.solve(a, b)
    return LinearScorer(list(FEATURES), coef.round(5).tolist(), mean.round(5).tolist(),
                        scale.round(5).tolist(), 0.0)


def score_stories(stories: list[dict], scorer: LinearScorer, config: WriterConfig
                  ) -> dict[str, dict[str, list[float]]]:
    writer = ExtractiveWriter(scorer=scorer, config=config, with_facts=False)
    out: dict[str, dict[str, list[float]]] = {}
    for s in stories:
        cluster, plan = s["cluster"], s["plan"]
        rescore(plan, scorer)
        words = cluster.budget("reference")
        selection = writer.select(plan, words)
        text = " ".join(plan.sentence(n).clean for n in selection.lede + selection.body)
        mine = rouge(truncate(text, words), cluster.reference)
        base = rouge(truncate(" ".join(p.text for p in lead(Pool.of(plan.articles), words)),
                              words), cluster.reference)
        d = out.setdefault(s["dataset"], {})
        for m, v in mine.items():
            d.setdefault(m, []).append(v)
            d.setdefault("lead_" + m, []).append(base[m])
    return out


def report(results: dict[str, dict[str, list[float]]]) -> dict:
    figures = {}
    for name, d in results.items():
        f = {m: round(float(np.mean(v)), 2) for m, v in d.items()}
        figures[name] = f
        print(f"  {name}: newsdesk {f['rouge1']:.2f}/{f['rouge2']:.2f}/{f['rougeL']:.2f}  "
              f"lead {f['lead_rouge1']:.2f}/{f['lead_rouge2']:.2f}/{f['lead_rougeL']:.2f}  "
              f"gain {f['rouge1'] - f['lead_rouge1']:+.2f}/{f['rouge2'] - f['lead_rouge2']:+.2f}"
              f"/{f['rougeL'] - f['lead_rougeL']:+.2f}", file=sys.stderr)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--alpha", type=float, default=10.0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="save the weights fitted on all")
    args = parser.parse_args()
    stories = load(args.cache_dir, args.limit)
    rng = np.random.default_rng(0)
    fold_of = rng.permutation(len(stories)) % args.folds
    config = WriterConfig()
    merged: dict[str, dict[str, list[float]]] = {}
    for fold in range(args.folds):
        train = [s for s, f in zip(stories, fold_of, strict=True) if f != fold]
        test = [s for s, f in zip(stories, fold_of, strict=True) if f == fold]
        scorer = fit(train, args.alpha)
        for name, d in score_stories(test, scorer, config).items():
            for m, v in d.items():
                merged.setdefault(name, {}).setdefault(m, []).extend(v)
    print(f"held-out ({args.folds}-fold, alpha {args.alpha}):", file=sys.stderr)
    figures = report(merged)
    if args.write:
        scorer = fit(stories, args.alpha)
        scorer.meta = {
            "fitted_by": "benchmarks/summarize_fit_scorer.py",
            "fitted_on": {name: file_sha256(resolve_dataset(name))[:16] for name in DATASETS},
            "date": date.today().isoformat(),
            "label": "unigram + 2 x bigram precision against the editor's summary",
            "model": f"ridge regression, alpha {args.alpha}, standardised features, "
                     "stories weighted equally",
            "cross_validated": {"folds": args.folds, "rouge_held_out": figures},
        }
        scorer.save(WEIGHTS_FILE)
        print(f"wrote {WEIGHTS_FILE}", file=sys.stderr)
        print(json.dumps(dict(zip(scorer.features, scorer.coef, strict=True)), indent=1))


if __name__ == "__main__":
    main()
