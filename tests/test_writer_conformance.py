"""The writer contract (newsdesk.write.conformance): the extractive writer passes it, and the
checks catch each way a story can break it."""

from __future__ import annotations

import copy

import pytest

from newsdesk.models import CitedSentence, Quote, StorySource
from newsdesk.understand.embed import get_embedder
from newsdesk.write.conformance import check_story, check_writer
from newsdesk.write.extractive import ExtractiveWriter
from tests.writer_fixtures import FERRY_LOCAL, FERRY_WIRE, demo_event, demo_event_ids, demo_truth

# Stories with conflicts, revised tolls, quotes, syndication and a wire dateline.
QUICK = ("e01", "e02", "e12")


@pytest.fixture(scope="module")
def writer() -> ExtractiveWriter:
    return ExtractiveWriter(embedder=get_embedder("minilm"))


@pytest.fixture(scope="module")
def good(writer):
    articles = [FERRY_WIRE, FERRY_LOCAL]
    return writer.write(articles, words=150), articles


def test_extractive_writer_conforms(writer):
    check_writer(writer, [demo_event(e) for e in QUICK] + [[FERRY_WIRE, FERRY_LOCAL]],
                 words=200)


@pytest.mark.slow
def test_extractive_writer_conforms_on_the_whole_demo_week(writer):
    for words in (80, 250):
        check_writer(writer, [demo_event(e) for e in demo_event_ids()], words=words)


def test_a_conforming_story_has_no_problems(good):
    story, articles = good
    assert check_story(story, articles, 150) == []


def _broken(good, change) -> list[str]:
    story, articles = good
    story = copy.deepcopy(story)
    change(story)
    return check_story(story, articles, 150)


def test_uncited_sentence_is_caught(good):
    problems = _broken(good, lambda s: s.lede[0].citations.clear())
    assert any(p.startswith("no citation") for p in problems)


def test_citation_to_nowhere_is_caught(good):
    problems = _broken(good, lambda s: s.lede[0].citations.append(9))
    assert any("does not resolve" in p for p in problems)


def test_source_that_is_no_input_article_is_caught(good):
    def add(story):
        story.sources.append(StorySource(4, None, "Elsewhere", "x", "https://elsewhere.example"))
    assert any("not one of the input articles" in p for p in _broken(good, add))


def test_invented_number_is_caught(good):
    def change(story):
        first = story.lede[0]
        story.lede[0] = CitedSentence(first.text.replace("40", "45"), first.citations)
    assert any("45" in p and "not in the cited sources" in p for p in _broken(good, change))


def test_invented_date_is_caught(good):
    def change(story):
        first = story.lede[0]
        story.lede[0] = CitedSentence(first.text.replace("Tuesday", "Sunday"), first.citations)
    assert any("Sunday" in p for p in _broken(good, change))


def test_altered_quote_is_caught(good):
    def change(story):
        story.quotes = [Quote("The crew did everything wrong", "Emil Harte", "Harbour Wire",
                              [1])]
    assert any("not verbatim" in p for p in _broken(good, change))


def test_quote_without_speaker_is_caught(good):
    def change(story):
        story.quotes = [Quote("It felt like the boat had simply stopped", "", "Skellan Post",
                              [2])]
    assert any("without a speaker" in p for p in _broken(good, change))


def test_budget_overrun_is_caught(good):
    story, articles = good
    assert any("over the budget" in p for p in check_story(story, articles, 10))


def test_dangling_opening_is_caught(good):
    def change(story):
        story.lede.insert(0, CitedSentence("He said salvage tugs would try to refloat the vessel "
                                           "at high tide on Wednesday.", [1]))
    assert any("unresolved pronoun" in p for p in _broken(good, change))


def test_a_writer_that_breaks_the_contract_fails_the_suite():
    class Inventor:
        name = "inventor"

        def write(self, articles, *, words=200):
            story = ExtractiveWriter(embedder=get_embedder("minilm")).write(articles,
                                                                           words=words)
            if story.lede:
                story.lede[0] = CitedSentence("Ninety-nine passengers were hurt.", [1])
            return story

    with pytest.raises(AssertionError, match="breaks the writer contract"):
        check_writer(Inventor(), [[FERRY_WIRE, FERRY_LOCAL]], words=120)


@pytest.mark.slow
def test_no_quote_in_the_demo_week_is_pinned_on_the_wrong_speaker(writer):
    truth = {q["text"]: q["speaker"] for q in demo_truth()["quotes"]}
    published = 0
    for event in demo_event_ids():
        for quote in writer.write(demo_event(event), words=200).quotes:
            said = next((speaker for text, speaker in truth.items()
                         if quote.text in text or text in quote.text), None)
            assert said is not None, f"quote not in the demo's truth: {quote.text}"
            # the same person, perhaps with a title: "Station Commander Kit Abernethy"
            assert quote.speaker.endswith(said), f"{quote.text!r}: {quote.speaker!r}, by {said!r}"
            published += 1
    assert published >= 30  # most events carry quotes: the check is not vacuous
