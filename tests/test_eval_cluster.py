"""The clustering metrics on hand-made clusterings, and `newsdesk eval cluster` end to end on a
small file of fictional articles written here."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from newsdesk.cli.main import app
from newsdesk.evaluation.cluster import (
    DatasetError,
    arrival_order,
    evaluate,
    load_rows,
    minilm_single_pass,
    tfidf_agglomerative,
)
from newsdesk.group.metrics import bcubed_scores, pair_scores

GOLD = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}


def test_pair_and_bcubed_on_a_worked_example():
    # gold {a,b,c} {d,e}; predicted {a,b} {c,d,e}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}
    pair = pair_scores(predicted, GOLD)
    # gold pairs ab ac bc de; predicted pairs ab cd ce de; shared ab de
    assert pair.precision == pytest.approx(2 / 4)
    assert pair.recall == pytest.approx(2 / 4)
    assert pair.f1 == pytest.approx(0.5)
    b3 = bcubed_scores(predicted, GOLD)
    # per item precision: a 1, b 1, c 1/3, d 2/3, e 2/3; recall: 2/3, 2/3, 1/3, 1, 1
    assert b3.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert b3.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert b3.f1 == pytest.approx(2 * b3.precision * b3.recall / (b3.precision + b3.recall))


def test_perfect_singletons_and_one_lump():
    assert bcubed_scores(GOLD, GOLD).f1 == pytest.approx(1.0)
    assert pair_scores(GOLD, GOLD).f1 == pytest.approx(1.0)
    singletons = {k: k for k in GOLD}
    b3 = bcubed_scores(singletons, GOLD)
    assert b3.precision == pytest.approx(1.0)
    assert b3.recall == pytest.approx((3 * (1 / 3) + 2 * (1 / 2)) / 5)
    pair = pair_scores(singletons, GOLD)
    assert pair.precision == pytest.approx(1.0)  # nothing claimed, nothing wrong
    assert pair.recall == pytest.approx(0.0)
    assert pair.f1 == 0.0
    lump = {k: 0 for k in GOLD}
    assert bcubed_scores(lump, GOLD).recall == pytest.approx(1.0)
    assert bcubed_scores(lump, GOLD).precision == pytest.approx((3 * 3 / 5 + 2 * 2 / 5) / 5)
    assert pair_scores(lump, GOLD).precision == pytest.approx(4 / 10)


def test_metrics_refuse_different_items():
    with pytest.raises(ValueError, match="same items"):
        bcubed_scores({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(ValueError, match="same items"):
        pair_scores({"a": 1, "z": 1}, {"a": 1, "b": 2})


# Three fictional events of one afternoon, two of them on the same topic (rail), and an
# unrelated item; dated rows first, then undated ones.
ROWS = [
    ("r1", "Freight train derails near Calder Junction, spilling grain",
     "Eleven wagons of a freight train left the tracks near Calder Junction on Tuesday, "
     "spilling grain across the line. No one was hurt, the rail operator Norlink said.",
     "2031-03-04T10:00:00Z", "derail"),
    ("r2", "Calder Junction derailment closes main line for two days",
     "The main line through Calder Junction will stay closed for two days after a grain "
     "train derailed on Tuesday, Norlink said, as crews lifted eleven wagons.",
     "2031-03-04T12:00:00Z", "derail"),
    ("r3", "Norlink drivers vote to strike over rosters",
     "Train drivers at Norlink voted to strike for 48 hours next week in a dispute over "
     "rosters, their union said on Tuesday. The operator called the vote regrettable.",
     "2031-03-04T13:00:00Z", "strike"),
    ("r4", "Rail strike called at Norlink for next week",
     "Norlink services will stop for 48 hours next week after drivers backed a strike "
     "over rosters, the drivers' union announced on Tuesday.",
     "2031-03-04T15:00:00Z", "strike"),
    ("r5", "Lake Avessa swimmers break winter record",
     "Two hundred swimmers took to the icy water of Lake Avessa on Tuesday, the largest "
     "winter swim the town has seen, organisers said.",
     "2031-03-04T16:00:00Z", "swim"),
    ("r6", "Grain train wagons lifted at Calder Junction",
     "Cranes lifted the last of eleven derailed grain wagons at Calder Junction, where a "
     "Norlink freight train left the rails on Tuesday.", "", "derail"),
]


def _write(tmp_path, rows=ROWS):
    path = tmp_path / "clusters.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for key, title, text, date, cluster in rows:
            fh.write(json.dumps({"id": key, "title": title, "text": text, "date": date,
                                 "cluster_id": cluster}) + "\n")
    return path


def test_load_rows_and_arrival_order(tmp_path):
    rows = load_rows(_write(tmp_path))
    assert [r.id for r in rows] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert rows[0].when == datetime(2031, 3, 4, 10, tzinfo=UTC)
    assert rows[5].when is None
    order = [rows[i].id for i in arrival_order(rows)]
    assert order[0] == "r6"  # undated rows come first (no time to place them by)
    assert order[1:] == ["r1", "r2", "r3", "r4", "r5"]
    # Undated rows never keep file order, which would leak the gold grouping.
    undated = [r.__class__(r.id, r.title, r.text, None, r.gold) for r in rows]
    shuffled = [undated[i].id for i in arrival_order(undated)]
    assert shuffled != [r.id for r in undated]
    assert sorted(shuffled) == [r.id for r in undated]


@pytest.mark.parametrize(("line", "message"), [
    ({"id": "x", "text": "t"}, "no cluster_id"),
    ({"id": "x", "text": "t", "cluster_id": "c", "date": "next tuesday"}, "unreadable date"),
])
def test_load_rows_says_what_is_wrong(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(DatasetError, match=message):
        load_rows(path)


def test_load_rows_refuses_repeated_ids(tmp_path):
    path = _write(tmp_path, ROWS[:2] + [ROWS[0]])
    with pytest.raises(DatasetError, match="repeats the id 'r1'"):
        load_rows(path)


def test_evaluate_groups_the_events_and_runs_the_baselines(tmp_path):
    figures = evaluate(_write(tmp_path))
    assert set(figures) == {"newsdesk", "tfidf_agglomerative", "minilm_agglomerative",
                            "minilm_single_pass"}
    ours = figures["newsdesk"]
    assert ours["bcubed_f1"] == pytest.approx(1.0)
    assert ours["clusters"] == ours["gold_clusters"] == 3
    for values in figures.values():
        for key in ("pair_precision", "pair_recall", "pair_f1", "bcubed_precision",
                    "bcubed_recall", "bcubed_f1"):
            assert 0.0 <= values[key] <= 1.0
        assert values["seconds"] > 0 and values["peak_rss_mb"] > 0
    assert ours["articles"] == 6
    assert ours["latency_p99_ms"] >= ours["latency_median_ms"] > 0


def test_baselines_on_their_own(tmp_path):
    rows = load_rows(_write(tmp_path))
    labels = tfidf_agglomerative(rows, threshold=0.2)
    assert set(labels) == {r.id for r in rows}
    assert labels["r1"] == labels["r2"] and labels["r1"] != labels["r5"]
    import numpy as np

    vectors = np.eye(6, dtype=np.float32)[[0, 0, 1, 1, 2, 0]]
    single = minilm_single_pass(rows, vectors, threshold=0.9)
    assert single["r1"] == single["r2"] == single["r6"]
    assert len({single["r3"], single["r1"], single["r5"]}) == 3


def test_cli_eval_cluster_json_and_table(tmp_path):
    path = _write(tmp_path)
    result = CliRunner().invoke(app, ["eval", "cluster", str(path), "--json",
                                      "--no-baselines", "--rebuild"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {"newsdesk", "newsdesk_rebuild"}
    assert figures["newsdesk"]["bcubed_f1"] == pytest.approx(1.0)
    assert figures["newsdesk_rebuild"]["clusters"] == 3
    table = CliRunner().invoke(app, ["eval", "cluster", str(path), "--limit", "5"])
    assert table.exit_code == 0, table.output
    assert "tfidf_agglomerative" in table.output and "B³ F1" in table.output
    assert "margin over the best baseline" in table.output


def test_cli_eval_cluster_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["eval", "cluster", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "no such file" in " ".join(result.output.split())
