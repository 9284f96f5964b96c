"""How much the order of arrival changes the online grouping.

    .venv/bin/python benchmarks/cluster_order.py FILE.jsonl [--runs 3] [--embed-cache PATH]

Feeds the file through ``StoryIndex`` several times, each time shuffling the articles that
share a timestamp (a dated file keeps its order of days; an undated file is shuffled whole),
and prints the B-cubed F1 between every pair of runs (1.0: the same stories) and each run's
B-cubed F1 against the gold clusters.
"""

from __future__ import annotations

import argparse
import itertools
import random

from newsdesk.evaluation.cluster import embed_rows, load_rows
from newsdesk.evaluation.common import resolve_dataset
from newsdesk.group.index import GroupConfig, StoryIndex
from newsdesk.group.metrics import bcubed_scores
from newsdesk.understand.embed import CachedEmbedder, get_embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embed-cache", help="a store file that caches the embeddings")
    args = parser.parse_args()
    rows = load_rows(resolve_dataset(args.dataset))
    embedder = get_embedder("minilm")
    if args.embed_cache:
        from newsdesk.store import Store

        embedder = CachedEmbedder(embedder, Store.open(args.embed_cache))
    config = GroupConfig()
    docs = embed_rows(rows, embedder, config)
    gold = {r.id: r.gold for r in rows}
    runs = []
    for seed in range(args.runs):
        rng = random.Random(seed)
        order = sorted(range(len(rows)), key=lambda i: (
            rows[i].when.timestamp() if rows[i].when else float("-inf"), rng.random()))
        index = StoryIndex(config)
        for i in order:
            index.add(docs[i])
        runs.append(index.labels())
        print(f"run {seed}: B-cubed F1 against gold {bcubed_scores(runs[-1], gold).f1:.3f}")
    for (a, first), (b, second) in itertools.combinations(enumerate(runs), 2):
        print(f"runs {a} and {b}: B-cubed F1 between them {bcubed_scores(first, second).f1:.3f}")


if __name__ == "__main__":
    main()
