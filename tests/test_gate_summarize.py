"""CI quality gate: the story writer's ROUGE on fixed subsets of the summarization files must
not fall below its floors.

The floors (``newsdesk/evaluation/floors/summarize_multinews.json`` and
``summarize_allsides.json``: dataset sha256, the rows, the figures, a tolerance) were measured
with ``benchmarks/summarize_eval.py --write-floor``. The run is cold, as in CI: every sentence
is embedded and parsed afresh, and every story goes through verification. Besides ROUGE, every
published sentence must carry a citation and almost none may open with an unresolved reference.
"""

from __future__ import annotations

import pytest

from newsdesk.evaluation.common import eval_dir
from newsdesk.evaluation.gate import FLOORS_DIR, check, load_floor

pytestmark = pytest.mark.gate


@pytest.mark.parametrize("gate", ["summarize_multinews", "summarize_allsides"])
def test_story_writer_holds_its_floor(gate):
    if not (FLOORS_DIR / f"{gate}.json").is_file():
        pytest.fail(f"no floor recorded for {gate}: run benchmarks/summarize_eval.py "
                    "--write-floor")
    floor = load_floor(gate)
    folder = eval_dir()
    if folder is None or not (folder / floor["dataset"]).is_file():
        pytest.skip(f"{floor['dataset']} not found: ../shared/eval is absent (set "
                    "NEWSDESK_EVAL_DIR)")
    from newsdesk.evaluation.summarize import METRICS, evaluate

    path = folder / floor["dataset"]
    report = evaluate(path, limit=int(floor["rows"]), systems=("newsdesk",))
    figures = report.to_dict()["newsdesk"]
    result = check(gate, path, {m: figures[m] for m in METRICS})
    assert result.ok, "; ".join(result.messages)
    assert figures["uncited_sentences"] == 0
    assert figures["unresolved_share"] < 0.02
