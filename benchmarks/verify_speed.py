"""Claim checks per second against a 5-article story, embeddings cached in the store.

    .venv/bin/python benchmarks/verify_speed.py [--repeats 5] [--event e01]

Builds a ``Verifier`` over one demo-week event with five articles (its vectors go to a fresh
SQLite store), then times ``check_many`` on (a) the story's own sentences, as the extractive
writer cites them, and (b) the same sentences edited (a changed number, name, day, …: new text,
so parsed and embedded on the first pass). Each pass is repeated; the figure is the median of
the warm repeats, when the store already has every vector and the parser's cache every
sentence, as on a story's every update. The first (cold) pass is printed beside it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from newsdesk.evaluation.common import median
from newsdesk.evaluation.verify_demo import build_edit_set, load_demo
from newsdesk.store import Store
from newsdesk.understand.embed import CachedEmbedder, get_embedder
from newsdesk.verify.checker import Verifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--event", default=None, help="a demo event id with 5 articles")
    args = parser.parse_args()
    corpus = load_demo()
    event = args.event or next(e for e, ids in corpus.events.items() if len(ids) == 5)
    cases, sources = build_edit_set(corpus)
    docs = sources[event]
    edited = [(c.text, c.citations) for c in cases if c.event == event and c.kind != "unedited"]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        embedder = CachedEmbedder(get_embedder("minilm"), store)
        start = time.perf_counter()
        verifier = Verifier(docs, embedder=embedder)
        build = time.perf_counter() - start
        own = [(s, [d.number]) for d in docs for s in verifier.sentences_of(d.number)]
        print(f"event {event}: {len(docs)} articles, {len(own)} sentences; verifier built in "
              f"{build:.2f} s (cold: parse + embed)")
        for label, claims in (("cited source sentences", own), ("edited sentences", edited)):
            rates = []
            for _ in range(args.repeats + 1):
                start = time.perf_counter()
                verdicts = verifier.check_many(claims)
                rates.append(len(claims) / (time.perf_counter() - start))
            rejected = sum(not v.supported for v in verdicts)
            print(f"{label:24s} n={len(claims):4d}  cold {rates[0]:8.0f} checks/s   warm median "
                  f"{median(rates[1:]):8.0f} checks/s   rejected {rejected}")
        store.close()


if __name__ == "__main__":
    main()
