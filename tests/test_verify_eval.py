"""`newsdesk eval verify` on a small fictional consistency file, and the metrics it reports."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsdesk.cli.main import app
from newsdesk.evaluation.verify import balanced_accuracy, best_threshold, roc_auc

DOC = ("Two soldiers were killed and one was in critical condition after a drone struck the "
       "Karsh barracks in Northvale on Monday, officials said. The drone hit the barracks at "
       "about 6:40 a.m., according to Colonel Mara Lindqvist. No group has claimed "
       "responsibility for the attack.")
ROWS = [
    {"id": "1", "document": DOC, "label": 1,
     "summary_sentence": "Two soldiers were killed when a drone struck the Karsh barracks."},
    {"id": "2", "document": DOC, "label": 1,
     "summary_sentence": "The drone hit the barracks at about 6:40 a.m."},
    {"id": "3", "document": DOC, "label": 0,
     "summary_sentence": "Five soldiers were killed when a drone struck the Karsh barracks."},
    {"id": "4", "document": DOC, "label": 0,
     "summary_sentence": "Rockets hit the barracks on Saturday, according to Colonel Lindqvist."},
]


def test_metrics():
    assert balanced_accuracy([1, 1, 0, 0], [True, False, False, False]) == 0.75
    assert roc_auc([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5
    assert best_threshold([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1]) == 0.8


@pytest.fixture()
def data_file(tmp_path):
    path = tmp_path / "consistency_fiction.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return path


def test_eval_verify_json(data_file):
    result = CliRunner().invoke(app, ["eval", "verify", str(data_file), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {"newsdesk", "unigram_overlap", "bigram_overlap",
                            "embedding_max_similarity"}
    for values in figures.values():
        assert 0.0 <= values["balanced_accuracy"] <= 1.0
        assert 0.0 <= values["roc_auc"] <= 1.0
    assert figures["newsdesk"]["balanced_accuracy"] == 1.0


def test_eval_verify_table_and_errors(data_file):
    result = CliRunner().invoke(app, ["eval", "verify", str(data_file), "--limit", "3",
                                      "--calibrate"])
    assert result.exit_code == 0, result.output
    assert "newsdesk" in result.output and "bigram_overlap" in result.output
    assert "best thresholds on this file" in result.output


def test_eval_verify_explains_a_bad_file(tmp_path):
    missing = CliRunner().invoke(app, ["eval", "verify", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1 and "no such file" in " ".join(missing.output.split())
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({"id": 1, "text": "x"}) + "\n")
    result = CliRunner().invoke(app, ["eval", "verify", str(wrong)])
    assert result.exit_code == 1 and "consistency file" in " ".join(result.output.split())


def test_verify_command_rechecks_a_stored_story(tmp_path):
    from datetime import UTC, datetime

    from newsdesk.models import (
        Article,
        CitedSentence,
        Quote,
        StorySource,
        StoryVersion,
        WrittenStory,
    )
    from newsdesk.store import Store

    when = datetime(2026, 11, 17, 9, tzinfo=UTC)
    with Store.open(tmp_path / "newsdesk.db") as store:
        article = store.add_article(Article("https://harbour.example/a", "Drone strike", DOC,
                                            outlet="Harbour Gazette", published_at=when,
                                            content_hash="h1"))
        cluster = store.create_story([article.id])
        story = WrittenStory(
            headline="Drone strike kills two at Karsh barracks",
            lede=[CitedSentence(ROWS[0]["summary_sentence"], [1]),
                  CitedSentence("Rockets hit the barracks on Saturday.", [1])],
            quotes=[Quote("We will never forget them", "Mara Lindqvist", "Harbour Gazette",
                          [1])],
            sources=[StorySource(1, article.id, "Harbour Gazette", "Drone strike", article.url,
                                 when)])
        store.add_story_version(StoryVersion(cluster.id, 0, story, [article.id]))
        story_id = cluster.id
    runner = CliRunner()
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "verify", str(story_id)])
    assert result.exit_code == 1, result.output
    flat = " ".join(result.output.split())
    assert "Saturday" in flat and "1 of 2 sentences supported" in flat and "verbatim" in flat
    as_json = runner.invoke(app, ["--data-dir", str(tmp_path), "verify", str(story_id),
                                  "--json"])
    verdicts = json.loads(as_json.output)
    assert [s["supported"] for s in verdicts["sentences"]] == [True, False]
    assert verdicts["quotes"][0]["ok"] is False
    missing = runner.invoke(app, ["--data-dir", str(tmp_path), "verify", "999"])
    assert missing.exit_code == 1 and "no written version" in " ".join(missing.output.split())
