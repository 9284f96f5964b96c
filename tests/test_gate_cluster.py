"""CI quality gate: story detection's B-cubed F1 on clustering_allsides_2021.jsonl must not fall
below its floor.

The floor (``newsdesk/evaluation/floors/cluster_allsides.json``: dataset sha256, figures,
tolerance) was measured with ``benchmarks/cluster_eval.py --write-floor``. The run embeds the
1,380 articles from a cold start (no cache), as CI does, and groups them through the online
path of ``newsdesk eval cluster``; it also checks that newsdesk stays above the TF-IDF
agglomerative baseline measured on the same rows.
"""

from __future__ import annotations

import pytest

from newsdesk.evaluation.common import eval_dir
from newsdesk.evaluation.gate import FLOORS_DIR, check

pytestmark = pytest.mark.gate

GATE = "cluster_allsides"
DATASET = "clustering_allsides_2021.jsonl"


def test_story_detection_holds_its_floor():
    folder = eval_dir()
    if folder is None or not (folder / DATASET).is_file():
        pytest.skip(f"{DATASET} not found: ../shared/eval is absent (set NEWSDESK_EVAL_DIR)")
    if not (FLOORS_DIR / f"{GATE}.json").is_file():
        pytest.fail(f"no floor recorded for {GATE}: run benchmarks/cluster_eval.py --write-floor")
    from newsdesk.evaluation.cluster import evaluate, load_rows, scores, tfidf_agglomerative

    path = folder / DATASET
    figures = evaluate(path, baselines=False)["newsdesk"]
    result = check(GATE, path, {k: figures[k] for k in ("bcubed_f1", "pair_f1")})
    assert result.ok, "; ".join(result.messages)
    rows = load_rows(path)
    baseline = scores(tfidf_agglomerative(rows), {r.id: r.gold for r in rows})
    assert figures["bcubed_f1"] > baseline["bcubed_f1"] + 0.03, (
        f"newsdesk B-cubed F1 {figures['bcubed_f1']:.3f} is not 0.03 above the TF-IDF "
        f"agglomerative baseline ({baseline['bcubed_f1']:.3f})")
