"""The story writer against editors' summaries, baselines beside it, in one run.

    .venv/bin/python benchmarks/summarize_eval.py [--cache-dir /tmp/nd-cache] [--json OUT]
    .venv/bin/python benchmarks/summarize_eval.py --write-floor     # the CI gate's floors

Runs ``newsdesk.evaluation.summarize.evaluate`` on both development files of ../shared/eval
(Multi-News val250 and AllSides 2021) at the reference budget: newsdesk, lead (round-robin),
sumy LexRank/TextRank/LSA, MiniLM centroid+MMR and the greedy oracle, on the same rows.
Prints ROUGE-1/2/L (F1 × 100), the gain of newsdesk over the best baseline of each metric
with a paired bootstrap 95% interval, seconds per story (sentences embedded and parsed, and
cold), the share of sentences opening with an unresolved reference, and one Multi-News story
beside its editor's summary.

``--write-floor`` measures the gate subsets (the first rows of each file, cold, newsdesk and
lead only: what ``tests/test_gate_summarize.py`` runs) and records them in
``newsdesk/evaluation/floors/summarize_*.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.evaluation.common import resolve_dataset  # noqa: E402
from newsdesk.evaluation.gate import write_floor  # noqa: E402
from newsdesk.evaluation.summarize import METRICS, SYSTEMS, evaluate  # noqa: E402
from newsdesk.write.render import to_markdown  # noqa: E402

DATASETS = ("summarization_multinews_val250.jsonl", "summarization_allsides_2021.jsonl")
# The CI gate: which rows of which file, and under which name its floor is kept.
GATES = {"summarize_multinews": ("summarization_multinews_val250.jsonl", 16),
         "summarize_allsides": ("summarization_allsides_2021.jsonl", 60)}
TOLERANCE = 0.75  # ROUGE points: onnxruntime builds differ a little in their last digits


def _progress(name: str):
    start = time.perf_counter()

    def tick(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            print(f"  {name}: {done}/{total} stories, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr)
    return tick


def print_report(figures: dict) -> None:
    print(f"\n{figures['dataset']}: {figures['rows']} stories, budget {figures['budget']}")
    print(f"{'system':<10} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'s/story':>8} {'cold':>7} "
          f"{'words':>6} {'unresolved':>10}")
    for name, f in figures.items():
        if name not in SYSTEMS:
            continue
        cold = f.get("seconds_per_story_with_embedding")
        print(f"{name:<10} {f['rouge1']:6.2f} {f['rouge2']:6.2f} {f['rougeL']:6.2f} "
              f"{f['seconds_per_story']:8.3f} {(f'{cold:.3f}' if cold is not None else ''):>7} "
              f"{f['words']:6.0f} {100 * f['unresolved_share']:9.1f}%")
    for metric, g in figures.get("newsdesk_gain_over_best_baseline", {}).items():
        print(f"  newsdesk − {g['baseline']} ({metric}): {g['gain']:+.2f} "
              f"[95% CI {g['ci_low']:+.2f}, {g['ci_high']:+.2f}]")
    if "newsdesk" in figures:
        print(f"  uncited sentences: {figures['newsdesk']['uncited_sentences']}")


def write_floors() -> None:
    for gate, (name, rows) in GATES.items():
        dataset = resolve_dataset(name)
        start = time.perf_counter()
        report = evaluate(dataset, limit=rows, systems=("newsdesk", "lead"))
        figures = report.to_dict()
        print_report(figures)
        floor = {m: figures["newsdesk"][m] for m in METRICS}
        write_floor(gate, dataset, floor, TOLERANCE, allow_lower=True, rows=rows,
                    lead={m: figures["lead"][m] for m in METRICS},
                    measured_by="benchmarks/summarize_eval.py --write-floor",
                    seconds=round(time.perf_counter() - start, 1))
        print(f"wrote the {gate} floor ({time.perf_counter() - start:.0f} s cold)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="keep sentence embeddings here between runs")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also save the figures here")
    parser.add_argument("--write-floor", action="store_true")
    args = parser.parse_args()
    if args.write_floor:
        write_floors()
        return
    everything = {}
    for name in DATASETS:
        dataset = resolve_dataset(name)
        report = evaluate(dataset, limit=args.limit, cache_dir=args.cache_dir,
                          progress=_progress(name), examples=1)
        figures = report.to_dict()
        everything[name] = figures
        print_report(figures)
        if name.startswith("summarization_multinews") and report.examples:
            example = report.examples[0]
            print(f"\n--- {example['id']}: newsdesk (lede + body are scored) ---\n")
            print(to_markdown(example["story"]))
            print(f"--- {example['id']}: the editor's summary ---\n")
            print(example["reference"])
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2) + "\n")


if __name__ == "__main__":
    main()
