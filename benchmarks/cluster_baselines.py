"""Scan the baselines' similarity thresholds on one clustering file (the constants of
``newsdesk.evaluation.cluster`` come from a run on clustering_allsides_2021.jsonl).

    .venv/bin/python benchmarks/cluster_baselines.py clustering_allsides_2021.jsonl \
        [--embed-cache /tmp/vectors.db]

The embeddings are newsdesk's (the text ``GroupConfig`` embeds), so the MiniLM baselines see
exactly what newsdesk sees. ``--embed-cache`` keeps them in a store file between runs.
"""

from __future__ import annotations

import argparse

import numpy as np

from newsdesk.evaluation.cluster import (
    embed_rows,
    load_rows,
    minilm_agglomerative,
    minilm_single_pass,
    scores,
    tfidf_agglomerative,
)
from newsdesk.evaluation.common import resolve_dataset
from newsdesk.group.index import GroupConfig
from newsdesk.understand.embed import CachedEmbedder, get_embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--embed-cache", help="a store file that caches the embeddings")
    parser.add_argument("--embed-words", type=int, default=GroupConfig().embed_words,
                        help="body words embedded after the title")
    args = parser.parse_args()
    path = resolve_dataset(args.dataset)
    rows = load_rows(path)
    gold = {r.id: r.gold for r in rows}
    embedder = get_embedder("minilm")
    if args.embed_cache:
        from newsdesk.store import Store

        embedder = CachedEmbedder(embedder, Store.open(args.embed_cache))
    vectors = np.stack([d.vector for d in embed_rows(
        rows, embedder, GroupConfig(embed_words=args.embed_words))])
    grids = {
        "tfidf_agglomerative": (np.arange(0.10, 0.50, 0.025),
                                lambda t: tfidf_agglomerative(rows, t)),
        "minilm_agglomerative": (np.arange(0.40, 0.85, 0.025),
                                 lambda t: minilm_agglomerative(rows, vectors, t)),
        "minilm_single_pass": (np.arange(0.40, 0.85, 0.025),
                               lambda t: minilm_single_pass(rows, vectors, t)),
    }
    for name, (thresholds, run) in grids.items():
        results = [(scores(run(float(t)), gold)["bcubed_f1"], float(t)) for t in thresholds]
        best = max(results)
        line = "  ".join(f"{t:.3f}:{f:.3f}" for f, t in results)
        print(f"{name}: best B-cubed F1 {best[0]:.3f} at {best[1]:.3f}\n  {line}")


if __name__ == "__main__":
    main()
