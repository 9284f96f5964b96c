"""The claim checker on the consistency datasets, beside its baselines (same run, same rows).

    .venv/bin/python benchmarks/verify_consistency.py [FILE ...] [--limit N]
        [--embed-cache /tmp/vectors.db] [--calibrate] [--write-floors [--allow-lower]] [--errors N]

Without FILE: consistency_qags.jsonl then consistency_summedits_news.jsonl. ``--calibrate``
prints each baseline's best threshold on each file (the fixed ``BASELINE_THRESHOLDS`` are the
ones on consistency_qags.jsonl). ``--write-floors`` records the CI gate floors
(``newsdesk/evaluation/floors/verify_*.json``; QAGS on its first GATE_QAGS_ROWS rows to keep the
gate short). ``--embed-cache`` keeps embeddings in a store file between runs.
"""

from __future__ import annotations

import argparse
import time

from newsdesk.evaluation.common import measure, resolve_dataset
from newsdesk.evaluation.gate import write_floor
from newsdesk.evaluation.verify import calibrate, figures, load_rows, score_rows
from newsdesk.understand.embed import CachedEmbedder, get_embedder

FILES = ["consistency_qags.jsonl", "consistency_summedits_news.jsonl"]
GATES = {"consistency_qags.jsonl": ("verify_qags", 300),
         "consistency_summedits_news.jsonl": ("verify_summedits", None)}
TOLERANCE = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", default=FILES)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--embed-cache", default=None)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--write-floors", action="store_true")
    parser.add_argument("--allow-lower", action="store_true",
                        help="let --write-floors lower an existing floor")
    parser.add_argument("--errors", type=int, default=0)
    args = parser.parse_args()

    embedder = get_embedder("minilm")
    store = None
    if args.embed_cache:
        from newsdesk.store import Store

        store = Store.open(args.embed_cache)
        embedder = CachedEmbedder(embedder, store)
    for name in args.files:
        path = resolve_dataset(name)
        limit = args.limit
        if args.write_floors and limit is None:
            limit = GATES.get(path.name, (None, None))[1]
        rows = load_rows(path, limit)
        with measure() as m:
            results = score_rows(rows, embedder=embedder)
        fig = figures(results)
        print(f"\n{path.name}: {len(rows)} rows, {sum(r.label for r in results)} supported; "
              f"{m.seconds:.1f} s ({len(rows) / m.seconds:.1f} rows/s), peak {m.peak_rss_mb:.0f} MB")
        print(f"{'method':28s} {'bal.acc':>8s} {'ROC AUC':>8s} {'threshold':>10s}")
        for method, values in fig.items():
            threshold = "config" if method == "newsdesk" else f"{values['threshold']:.3f}"
            print(f"{method:28s} {values['balanced_accuracy']:8.3f} {values['roc_auc']:8.3f} "
                  f"{threshold:>10s}")
        if args.calibrate:
            print("best thresholds on this file:", calibrate(results))
        if args.errors:
            wrong = [(row, r) for row, r in zip(rows, results, strict=True)
                     if r.supported != bool(r.label)]
            for row, r in wrong[:args.errors]:
                print(("FALSE REJECTION " if r.label else "MISSED ERROR ") +
                      row["summary_sentence"][:200])
                if r.reasons:
                    print("    ", r.reasons[0])
        if args.write_floors and path.name in GATES:
            gate, gate_limit = GATES[path.name]
            write_floor(gate, path, {k: round(fig["newsdesk"][k], 4)
                                     for k in ("balanced_accuracy", "roc_auc")},
                        TOLERANCE, allow_lower=args.allow_lower, limit=gate_limit,
                        measured=time.strftime("%Y-%m-%d"))
            print(f"wrote the {gate} floor")
    if store is not None:
        store.close()


if __name__ == "__main__":
    main()
