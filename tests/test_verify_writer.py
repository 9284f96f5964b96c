"""The extractive writer never publishes an unsupported sentence: every sentence and quote it
writes for the demo week passes the verifier, and the planted disagreements reach the story."""

from __future__ import annotations

import pytest

from newsdesk.evaluation.verify_demo import CORPUS, load_demo
from newsdesk.verify import verify_story

extractive = pytest.importorskip("newsdesk.write.extractive")
pytestmark = pytest.mark.skipif(not (CORPUS / "articles.jsonl").is_file(),
                                reason="demo corpus absent")

EVENTS = ["e01", "e02", "e09", "e12"]  # the attack, the fire, the storm, the sailors


@pytest.fixture(scope="module")
def stories():
    corpus = load_demo()
    writer = extractive.ExtractiveWriter()
    out = {}
    for event in EVENTS:
        articles = [corpus.articles[i] for i in corpus.events[event]]
        out[event] = (articles, writer.write(articles))
    return out


@pytest.mark.parametrize("event", EVENTS)
def test_every_written_sentence_and_quote_is_supported(stories, event):
    articles, story = stories[event]
    checked = verify_story(story, articles, drop=False)
    failed = [(s.text, s.reason) for s in checked.all_sentences() if s.verified is False]
    assert failed == []
    assert len(checked.all_sentences()) >= 5
    assert not [w for w in checked.warnings if "quote" in w]


def test_planted_conflicts_reach_the_stories(stories):
    kinds = {event: {c.kind for c in story.conflicts} for event, (_, story) in stories.items()}
    assert "count" in kinds["e01"] and "attribution" in kinds["e01"]
    assert "time" in kinds["e02"]
    assert "day" in kinds["e09"]
    assert "count" in kinds["e12"]
