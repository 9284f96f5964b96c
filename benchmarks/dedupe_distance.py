"""How far apart (SimHash bits, shared shingles) are syndicated copies and independent reports?

Reads the clustering datasets of ../shared/eval (never copies them). For each article it makes
the edits a wire story goes through when another outlet republishes it — its own credit line,
one trimmed sentence (last or from the middle), both — and compares the copy with the original.
Against that: pairs of *different* articles of one gold story (independent reports of the same
event) and random pairs. Prints recall / false-match rates for several SimHash distances, for the
store's band index alone (candidates must share a 16-bit band) and for a full scan, and for the
rule newsdesk uses (distance ≤ NEAR_DISTANCE and resemblance ≥ MIN_RESEMBLANCE) beside the
exact-hash baseline.

    .venv/bin/python benchmarks/dedupe_distance.py [--limit N]
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections import defaultdict
from itertools import combinations

from newsdesk.evaluation.common import read_jsonl, resolve_dataset
from newsdesk.ingest.dedupe import (
    MIN_RESEMBLANCE,
    MIN_SHINGLES,
    NEAR_DISTANCE,
    content_hash,
    resemblance,
    shingles,
    simhash,
)
from newsdesk.store import simhash_bands
from newsdesk.understand.sentences import split_sentences

CREDITS = ["By a staff correspondent of the Harbour Wire Service.",
           "Additional reporting by Ines Valdor; editing by Pavel Orm."]


def edits(text: str, rng: random.Random) -> dict[str, str]:
    sentences = split_sentences(text)
    if len(sentences) < 4:
        return {}
    middle = rng.randrange(1, len(sentences) - 1)
    trimmed_end = " ".join(sentences[:-1])
    trimmed_mid = " ".join(sentences[:middle] + sentences[middle + 1:])
    return {
        "credit line": CREDITS[0] + "\n\n" + text + "\n\n" + CREDITS[1],
        "trim last sentence": trimmed_end,
        "trim a middle sentence": trimmed_mid,
        "credit + trim": CREDITS[0] + "\n\n" + trimmed_mid,
    }


def distance(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def share_band(a: int, b: int) -> bool:
    return any(x == y for x, y in zip(simhash_bands(a), simhash_bands(b), strict=True))


def table(name: str, pairs: list[tuple[str, str]]) -> None:
    rows = []
    for a, b in pairs:
        ha, hb = simhash(a), simhash(b)
        rows.append((distance(ha, hb), resemblance(shingles(a), shingles(b)),
                     share_band(ha, hb), content_hash(a) == content_hash(b)))
    n = len(rows)
    ds = sorted(r[0] for r in rows)
    rs = sorted(r[1] for r in rows)
    print(f"\n{name}: {n} pairs; SimHash distance median {statistics.median(ds):.0f}, "
          f"p5 {ds[n // 20]}, p95 {ds[min(n - 1, n * 19 // 20)]}, min {ds[0]}, max {ds[-1]}; "
          f"resemblance median {statistics.median(rs):.2f}, p5 {rs[n // 20]:.2f}, "
          f"p95 {rs[min(n - 1, n * 19 // 20)]:.2f}, max {rs[-1]:.2f}")
    print("  exact hash (baseline):          " + f"{sum(r[3] for r in rows) / n:6.1%}")
    for d in (3, 6, 8, 10, 12, 16):
        scan = sum(r[0] <= d for r in rows) / n
        band = sum(r[0] <= d and r[2] for r in rows) / n
        print(f"  distance <= {d:2}: band index {band:6.1%}   full scan {scan:6.1%}")
    for bits, least in ((NEAR_DISTANCE, MIN_RESEMBLANCE), (NEAR_DISTANCE, 0.5),
                        (NEAR_DISTANCE, 0.7)):
        rule = sum(r[0] <= bits and r[1] >= least for r in rows) / n
        mark = "newsdesk rule" if (bits, least) == (NEAR_DISTANCE, MIN_RESEMBLANCE) else "variant"
        print(f"  {mark:13} <= {bits} bits and resemblance >= {least}: {rule:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="articles per dataset")
    args = parser.parse_args()
    rng = random.Random(7)
    for dataset in ("clustering_multinews_val.jsonl", "clustering_allsides_2021.jsonl"):
        rows = [r for r in read_jsonl(resolve_dataset(dataset), args.limit)
                if len(shingles(r["text"])) >= MIN_SHINGLES]
        print(f"\n=== {dataset}: {len(rows)} articles with >= {MIN_SHINGLES} shingles")
        by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in rows:
            for kind, copy in edits(row["text"], rng).items():
                by_kind[kind].append((row["text"], copy))
        for kind, pairs in by_kind.items():
            table(f"syndicated copy, {kind}", pairs)
        clusters: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            clusters[row["cluster_id"]].append(row["text"])
        same = [(a, b) for texts in clusters.values() for a, b in combinations(texts, 2)
                if content_hash(a) != content_hash(b)]
        table("independent reports of one event (same gold story)", same)
        randoms = [tuple(rng.sample([r["text"] for r in rows], 2)) for _ in range(2000)]
        table("random pairs", randoms)


if __name__ == "__main__":
    main()
