"""``newsdesk eval summarize``: ROUGE, the baselines, the bookkeeping and the command, on a
small summarization file made from the fictional demo week (its articles' own summaries serve
as the references)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rouge_score import rouge_scorer, tokenize
from typer.testing import CliRunner

from newsdesk.cli.main import app
from newsdesk.demo.corpus import load_articles
from newsdesk.evaluation.summarize import (
    BASELINES,
    DiskCachedEmbedder,
    Pick,
    Pool,
    RougeTokenizer,
    SumyTokenizer,
    centroid_mmr,
    evaluate,
    lead,
    load_clusters,
    oracle,
    rouge,
    sumy_summary,
    truncate,
    unresolved_openings,
)
from newsdesk.understand.embed import get_embedder
from tests.writer_fixtures import demo_truth


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Four demo events in the summarization format of ../shared/eval/README.md."""
    articles = {a["id"]: a for a in load_articles()}
    path = tmp_path_factory.mktemp("eval") / "summarization_demo.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for event in demo_truth()["events"][:4]:
            members = [articles[i] for i in event["articles"]]
            row = {"id": event["id"], "origin": "newsdesk demo corpus (fiction)",
                   "articles": [{"title": a["title"], "text": a["text"], "source": a["outlet"],
                                 "date": a["published"]} for a in members],
                   "references": [" ".join(a["summary"] for a in members[:2])]}
            fh.write(json.dumps(row) + "\n")
    return path


def test_rouge_matches_rouge_score():
    reference = "The ferry ran aground off Skellan Point on Tuesday, and 40 passengers left."
    summary = "Forty passengers left the ferry that ran aground on Tuesday."
    ours = rouge(summary, reference)
    theirs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(
        reference, summary)
    for metric in ours:
        assert ours[metric] == pytest.approx(100 * theirs[metric].fmeasure)
    assert rouge(reference, reference)["rouge2"] == pytest.approx(100.0)
    assert rouge("zebra quartz", reference)["rouge1"] == 0.0


def test_cached_tokenizer_is_rouge_scores_own():
    from nltk.stem import porter

    text = "Running ferries were running aground; the council's 2,300 evacuees returned."
    assert RougeTokenizer().tokenize(text) == tokenize.tokenize(text, porter.PorterStemmer())


def test_truncate_and_lead_round_robin():
    assert truncate("one two three four", 2) == "one two"
    pool = Pool(["A1 first.", "A2 second.", "B1 first.", "B2 second."], [0, 0, 1, 1],
                [0, 1, 0, 1])
    assert [p.text for p in lead(pool, 100)] == ["A1 first.", "B1 first.", "A2 second.",
                                                "B2 second."]
    assert [p.text for p in lead(pool, 3)] == ["A1 first.", "B1 first."]


def test_unresolved_openings_count_what_nothing_resolves():
    assert unresolved_openings([Pick("He said it was over.", 0, 3)]) == 1
    assert unresolved_openings([Pick("Harte spoke on Tuesday.", 0, 2),
                                Pick("He said it was over.", 0, 3)]) == 0
    assert unresolved_openings([Pick("Harte spoke on Tuesday.", 1, 2),
                                Pick("He said it was over.", 0, 3)]) == 1
    assert unresolved_openings([Pick("Skellan Lines, the company, apologised.", 0, 0),
                                Pick("The company said it was sorry.", 1, 4)]) == 0


def test_baselines_pick_from_the_pool(dataset):
    cluster = load_clusters(dataset, 1)[0]
    pool = Pool.of(cluster.articles)
    words = cluster.budget("reference")
    for kind in ("lexrank", "textrank", "lsa"):
        picks = sumy_summary(kind, pool, words)
        assert picks and all(p.text in pool.texts for p in picks)
        assert sum(len(p.text.split()) for p in picks[:-1]) < words
    vectors = get_embedder("minilm").embed(pool.texts)
    picks = centroid_mmr(pool, vectors, words)
    assert len({p.text for p in picks}) == len(picks)
    best = oracle(pool, cluster.reference, words)
    assert rouge(truncate(" ".join(p.text for p in best), words), cluster.reference)["rouge2"] >= \
        rouge(truncate(" ".join(p.text for p in lead(pool, words)), words),
              cluster.reference)["rouge2"]
    assert SumyTokenizer().to_words("The ferry's 40 passengers.") == ["The", "ferry's", "40",
                                                                       "passengers"]


def test_disk_cache_embeds_each_text_once(tmp_path):
    class Counting:
        name, dim = "counting", 3
        calls = 0

        def embed(self, texts):
            Counting.calls += len(texts)
            return np.ones((len(texts), 3), dtype=np.float32)

    path = tmp_path / "vectors.npz"
    first = DiskCachedEmbedder(Counting(), path)
    first.embed(["a", "b", "a"])
    first.save()
    assert Counting.calls == 2
    again = DiskCachedEmbedder(Counting(), path)
    assert again.embed(["b", "a"]).shape == (2, 3) and Counting.calls == 2
    assert again.seconds == 0.0


def test_evaluate_runs_every_system_on_the_same_rows(dataset, tmp_path):
    report = evaluate(dataset, cache_dir=tmp_path, examples=1)
    figures = report.to_dict()
    assert set(BASELINES) | {"newsdesk", "oracle"} <= set(figures)
    assert figures["rows"] == 4 and figures["budget"] == "reference"
    for name in ("newsdesk", *BASELINES, "oracle"):
        assert 0 < figures[name]["rouge1"] <= 100
        assert figures[name]["seconds_per_story"] >= 0
    newsdesk = figures["newsdesk"]
    assert newsdesk["uncited_sentences"] == 0
    assert "seconds_per_story_with_embedding" in newsdesk
    assert newsdesk["unresolved_share"] < 0.1
    assert figures["oracle"]["rouge2"] >= max(figures[b]["rouge2"] for b in BASELINES)
    gains = figures["newsdesk_gain_over_best_baseline"]
    assert set(gains) == {"rouge1", "rouge2", "rougeL"}
    for gain in gains.values():
        assert gain["baseline"] in BASELINES
        assert gain["ci_low"] <= gain["gain"] <= gain["ci_high"]
    # newsdesk never exceeds the budget: its words are whole sentences within it
    for cluster, words in zip(load_clusters(dataset), report.results["newsdesk"].words,
                              strict=True):
        assert words <= cluster.budget("reference")
    assert report.examples[0]["story"].lede


def test_cli_json_table_and_errors(dataset):
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "summarize", str(dataset), "--json", "--limit", "2",
                                 "--systems", "newsdesk,lead", "--budget", "60"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) >= {"newsdesk", "lead", "newsdesk_gain_over_best_baseline"}
    assert figures["rows"] == 2 and figures["budget"] == "60"
    assert figures["lead"]["words"] == 60
    table = runner.invoke(app, ["eval", "summarize", str(dataset), "--limit", "1",
                                "--systems", "newsdesk,lead,oracle", "--examples", "1"])
    assert table.exit_code == 0, table.output
    assert "R-1" in table.output and "oracle" in table.output and "ceiling" in table.output
    assert "Editor's summary" in table.output
    missing = runner.invoke(app, ["eval", "summarize", "no_such_file.jsonl"])
    assert missing.exit_code == 1 and "no such file" in missing.output
    bad = runner.invoke(app, ["eval", "summarize", str(dataset), "--systems", "gpt"])
    assert bad.exit_code == 1 and "unknown system" in bad.output
    budget = runner.invoke(app, ["eval", "summarize", str(dataset), "--budget", "lots"])
    assert budget.exit_code != 0 and "reference" in budget.output
