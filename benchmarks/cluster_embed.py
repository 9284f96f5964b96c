"""Embedding throughput of grouping's embedding path against the plain model call.

    .venv/bin/python benchmarks/cluster_embed.py [--rows 1000] [--repeats 3]

On the same texts (what ``GroupConfig`` embeds for the first rows of
clustering_neus_trainval.jsonl), in the same run, alternating: the plain
``MiniLMEmbedder.embed`` call, and ``build_docs`` over a ``CachedEmbedder`` on a fresh store
(texts built, cache looked up, vectors embedded and written to SQLite): the path every fetch
takes. Prints texts/s for both (medians over the repeats) and the wrapper's overhead.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from newsdesk.evaluation.cluster import load_rows
from newsdesk.evaluation.common import resolve_dataset
from newsdesk.group.index import GroupConfig, build_docs
from newsdesk.group.text import embedding_text
from newsdesk.store import Store
from newsdesk.understand.embed import CachedEmbedder, MiniLMEmbedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = GroupConfig()
    rows = load_rows(resolve_dataset("clustering_neus_trainval.jsonl"), args.rows)
    items = [(r.id, r.title, r.text, r.when) for r in rows]
    texts = [embedding_text(r.title, r.text, config.embed_words, config.embed_words_untitled)
             for r in rows]
    model = MiniLMEmbedder()
    model.embed(texts[:32])  # warm up
    plain, wrapped = [], []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            start = time.perf_counter()
            model.embed(texts)
            plain.append(len(texts) / (time.perf_counter() - start))
            store = Store.open(Path(folder) / f"run{repeat}.db")
            start = time.perf_counter()
            build_docs(items, CachedEmbedder(model, store), config)
            wrapped.append(len(texts) / (time.perf_counter() - start))
            store.close()
    p, w = statistics.median(plain), statistics.median(wrapped)
    tokens = sum(len(e.ids) for e in model._tokenizer.encode_batch(texts)) / len(texts)
    print(f"{len(texts)} texts (~{tokens:.0f} tokens each), 2 threads, medians of "
          f"{args.repeats}: plain model {p:.0f} texts/s, grouping's cached path {w:.0f} texts/s"
          f" (overhead {100 * (p - w) / p:+.1f}%)")


if __name__ == "__main__":
    main()
