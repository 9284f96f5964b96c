"""Planted errors and planted conflicts of the demo week: what the checker catches.

    .venv/bin/python benchmarks/verify_edits.py [--misses N]

Prints, per edit type (changed number, person, organisation, place, day/date, weapon/outcome,
added negation, altered quote word), how many edited cited sentences the checker rejects, the
false rejections of unedited sentences and of meaning-preserving rewrites, then the precision
and recall of ``find_conflicts`` on the conflicts planted in ``truth.json``. Baseline in the
same run: the embedding max-similarity check at its QAGS threshold (``BASELINE_THRESHOLDS``),
which sees an edited sentence as almost the same sentence.
"""

from __future__ import annotations

import argparse

import numpy as np

from newsdesk.evaluation.common import measure
from newsdesk.evaluation.verify import BASELINE_THRESHOLDS
from newsdesk.evaluation.verify_demo import (
    EDIT_TYPES,
    build_edit_set,
    evaluate_conflicts,
    evaluate_edits,
    load_demo,
)
from newsdesk.understand.embed import get_embedder
from newsdesk.understand.sentences import split_sentences


def embedding_baseline(corpus) -> dict[str, float]:
    """Share of each edit type the max-cosine baseline rejects (score below its threshold)."""
    embedder = get_embedder("minilm")
    cases, sources = build_edit_set(corpus)
    threshold = BASELINE_THRESHOLDS["embedding_max_similarity"]
    vectors = {}
    for event, docs in sources.items():
        sentences = [s for d in docs for s in split_sentences(d.text)]
        vectors[event] = embedder.embed(sentences)
    caught: dict[str, list[bool]] = {}
    claims = embedder.embed([c.text for c in cases])
    for case, vec in zip(cases, claims, strict=True):
        best = float(np.max(vectors[case.event] @ vec))
        caught.setdefault(case.kind, []).append(best < threshold)
    return {k: sum(v) / len(v) for k, v in caught.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", type=int, default=0, help="print N missed edits")
    args = parser.parse_args()
    corpus = load_demo()
    with measure() as m:
        result = evaluate_edits(corpus)
    base = embedding_baseline(corpus)
    print(f"edit test set from the demo week ({sum(result.counts.values())} checks, "
          f"{m.seconds:.0f} s incl. building the verifiers, {result.checks_per_second:.0f} "
          "checks/s with parsing and embedding)")
    print(f"{'edit type':20s} {'n':>5s} {'newsdesk':>9s} {'max-cos':>8s}")
    for kind in EDIT_TYPES:
        print(f"{kind:20s} {result.counts.get(kind, 0):5d} {result.recall.get(kind, 0):9.3f} "
              f"{base.get(kind, 0):8.3f}")
    print(f"{'unedited (FR)':20s} {result.unedited:5d} {result.false_rejection:9.3f} "
          f"{base.get('unedited', 0):8.3f}")
    print(f"{'reworded (FR)':20s} {result.reworded:5d} {result.reworded_rejection:9.3f} "
          f"{base.get('reworded', 0):8.3f}")
    for case, _reason in result.misses[:args.misses]:
        print(f"  missed {case.kind}: {case.text}")
    conflicts = evaluate_conflicts(corpus)
    print(f"\nconflicts planted in truth.json: precision {conflicts.precision:.3f}, "
          f"recall {conflicts.recall:.3f} ({len(conflicts.found)} found)")
    for event, conflict, ok in conflicts.found:
        print(f"  {'ok ' if ok else 'XX '} {event} {conflict.summary}")
    for planted in conflicts.missed:
        print(f"  missed {planted['event']} {planted['kind']}: {planted['subject']}")


if __name__ == "__main__":
    main()
