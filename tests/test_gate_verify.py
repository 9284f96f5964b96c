"""CI quality gate: the claim checker's balanced accuracy must not fall below its floors.

Floors live in ``newsdesk/evaluation/floors/verify_*.json`` (dataset sha256, figures, tolerance,
and the number of rows used, to keep the gate to about a minute per file from a cold start).
Re-measure and raise them with ``benchmarks/verify_consistency.py --write-floors``.
"""

from __future__ import annotations

import pytest

from newsdesk.evaluation.common import eval_dir
from newsdesk.evaluation.gate import FLOORS_DIR, check, load_floor

pytestmark = pytest.mark.gate

GATES = {"verify_summedits": "consistency_summedits_news.jsonl",
         "verify_qags": "consistency_qags.jsonl"}


@pytest.mark.parametrize("gate", sorted(GATES))
def test_checker_holds_its_floor(gate):
    folder = eval_dir()
    if folder is None or not (folder / GATES[gate]).is_file():
        pytest.skip(f"{GATES[gate]} not found: ../shared/eval is absent (set NEWSDESK_EVAL_DIR)")
    if not (FLOORS_DIR / f"{gate}.json").is_file():
        pytest.fail(f"no floor recorded for {gate}: run benchmarks/verify_consistency.py "
                    "--write-floors")
    from newsdesk.evaluation.verify import figures, load_rows, score_rows

    floor = load_floor(gate)
    path = folder / GATES[gate]
    rows = load_rows(path, floor.get("limit"))
    fig = figures(score_rows(rows))
    result = check(gate, path, {k: fig["newsdesk"][k] for k in ("balanced_accuracy", "roc_auc")})
    assert result.ok, "; ".join(result.messages)
    # And a better ranking than every baseline on the same rows (ROC AUC needs no threshold;
    # balanced accuracies beside the baselines are in benchmarks/verify_consistency.py).
    for method, values in fig.items():
        if method != "newsdesk":
            assert fig["newsdesk"]["roc_auc"] > values["roc_auc"], (
                f"{method} ranks better ({values['roc_auc']:.3f}) than newsdesk "
                f"({fig['newsdesk']['roc_auc']:.3f})")
