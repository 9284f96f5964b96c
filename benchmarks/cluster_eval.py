"""Story detection on every development clustering file, newsdesk beside the baselines.

    .venv/bin/python benchmarks/cluster_eval.py [--files a.jsonl b.jsonl] [--rebuild]
        [--write-floor] [--json out.json]

Runs ``newsdesk.evaluation.cluster.evaluate`` (what ``newsdesk eval cluster`` prints) on each
file from a cold start (no embedding cache) and prints one line per method and file, with the
margin of newsdesk over the best baseline. ``--write-floor`` records the B-cubed and pair F1
reached on clustering_allsides_2021.jsonl as the CI gate's floor
(``newsdesk/evaluation/floors/cluster_allsides.json``, tolerance 0.01); it refuses to lower an
existing floor.
"""

from __future__ import annotations

import argparse
import json

from newsdesk.evaluation.cluster import evaluate
from newsdesk.evaluation.common import resolve_dataset
from newsdesk.evaluation.gate import write_floor

FILES = ("clustering_allsides_2021.jsonl", "clustering_multinews_val.jsonl",
         "clustering_neus_trainval.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", default=list(FILES))
    parser.add_argument("--rebuild", action="store_true", help="also the batch pass")
    parser.add_argument("--write-floor", action="store_true")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    everything = {}
    for name in args.files:
        path = resolve_dataset(name)
        figures = evaluate(path, rebuild=args.rebuild)
        everything[path.name] = figures
        print(f"\n{path.name}")
        for method, values in figures.items():
            print(f"  {method:22s} B3 P/R/F1 {values['bcubed_precision']:.3f}/"
                  f"{values['bcubed_recall']:.3f}/{values['bcubed_f1']:.3f}  pair P/R/F1 "
                  f"{values['pair_precision']:.3f}/{values['pair_recall']:.3f}/"
                  f"{values['pair_f1']:.3f}  clusters {values['clusters']}/"
                  f"{values['gold_clusters']}  {values['seconds']:.1f} s  "
                  f"{values['peak_rss_mb']:.0f} MB")
        ours = figures["newsdesk"]
        best = max((v["bcubed_f1"], k) for k, v in figures.items() if k.startswith(("tfidf",
                                                                                    "minilm")))
        print(f"  margin over the best baseline ({best[1]}): {ours['bcubed_f1'] - best[0]:+.3f}")
        print(f"  {ours['articles_per_second']:.0f} articles/s end to end (embedding "
              f"{ours['embed_seconds']:.1f} s, grouping {ours['group_seconds']:.1f} s); latency "
              f"median {ours['latency_median_ms']:.2f} ms p99 {ours['latency_p99_ms']:.2f} ms; "
              f"against the full index median {ours['full_index_latency_median_ms']:.2f} ms "
              f"p99 {ours['full_index_latency_p99_ms']:.2f} ms")
        if args.write_floor and path.name == FILES[0]:
            write_floor("cluster_allsides", path, {
                "bcubed_f1": round(ours["bcubed_f1"], 4), "pair_f1": round(ours["pair_f1"], 4)},
                tolerance=0.01)
            print("  floor written to newsdesk/evaluation/floors/cluster_allsides.json")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(everything, fh, indent=2)


if __name__ == "__main__":
    main()
