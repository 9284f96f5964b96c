"""The claim checker on a fictional story: copies pass, each kind of invented fact fails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsdesk.models import (
    Article,
    CitedSentence,
    Quote,
    Section,
    StorySource,
    TimelineEntry,
    WrittenStory,
)
from newsdesk.store import Store
from newsdesk.understand.embed import CachedEmbedder, get_embedder
from newsdesk.verify import SourceDoc, Verifier, verify, verify_story

GAZETTE = SourceDoc(1, "Harbour Gazette", """NORTHVALE — Two soldiers were killed and one was \
in critical condition after a drone struck the Karsh barracks on Monday, officials said.

The drone hit the barracks at about 6:40 a.m., according to Colonel Mara Lindqvist, the base \
commander.

"We will respond at a time of our choosing," Defence Minister Lloyd Harmon told reporters in \
Northvale.

No group has claimed responsibility for the attack.""", datetime(2026, 11, 17, 9, tzinfo=UTC),
                    "Drone strike kills two at Karsh barracks")
WIRE = SourceDoc(2, "Coastline Wire", """Three soldiers died in a drone attack on an army \
barracks near Northvale on Monday morning, the regional governor, Petra Sousa, said.

Sousa said four more soldiers were wounded, one of them seriously.

The Northern Front militia denied involvement.""", datetime(2026, 11, 17, 11, tzinfo=UTC),
                 "Three soldiers die in drone attack")


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier([GAZETTE, WIRE])


def test_copied_sentences_pass(verifier):
    for number in (1, 2):
        for sentence in verifier.sentences_of(number):
            verdict = verifier.check(sentence, [number])
            assert verdict.supported, (sentence, verdict.reason)
            assert verdict.score > 0.9


def test_trimmed_dateline_passes(verifier):
    verdict = verifier.check("Two soldiers were killed and one was in critical condition after a "
                             "drone struck the Karsh barracks on Monday, officials said.", [1])
    assert verdict.supported


def test_paraphrase_with_the_same_facts_passes(verifier):
    verdict = verifier.check("A drone attack on Monday killed soldiers at the Karsh barracks "
                             "near Northvale.", [1, 2])
    assert verdict.supported, verdict.reason


@pytest.mark.parametrize("claim,citations,needle", [
    ("Two soldiers were killed after rockets struck the Karsh barracks on Monday.", [1],
     "rockets"),
    ("Two soldiers were killed after a drone struck the Karsh barracks on Saturday.", [1],
     "Saturday"),
    ("Five soldiers were killed after a drone struck the Karsh barracks on Monday.", [1],
     "Five"),
    ("Two soldiers were injured after a drone struck the Karsh barracks on Monday.", [1],
     "injured"),
    ("Two soldiers were killed and one was lightly injured after a drone struck the Karsh "
     "barracks on Monday.", [1], "lightly"),
    ("Two soldiers were not killed after a drone struck the Karsh barracks on Monday.", [1],
     "negation"),
    ('"We will retaliate at a time of our choosing," Defence Minister Lloyd Harmon said.', [1],
     "verbatim"),
    ('"We will respond at a time of our choosing," Defence Minister Petra Sousa said.', [1],
     "Petra Sousa"),
    ("The drone hit the barracks at about 7:40 a.m., according to Colonel Mara Lindqvist.", [1],
     "7:40"),
    ("Soldiers died in a drone attack at a barracks in Southport on Monday.", [1, 2],
     "Southport"),
    ("The Northern Front militia claimed the attack near Northvale.", [2], "claimed"),
    # a true fact, but not in the source it cites
    ("Three soldiers died in a drone attack on Monday, the governor said.", [1], "Three"),
])
def test_invented_facts_fail_with_a_reason(verifier, claim, citations, needle):
    verdict = verifier.check(claim, citations)
    assert not verdict.supported
    assert needle.lower() in verdict.reason.lower(), verdict.reason
    assert verdict.evidence  # the sentences it was judged against


def test_naming_the_cited_outlet_is_attribution(verifier):
    verdict = verifier.check("Three soldiers died in a drone attack on an army barracks near "
                             "Northvale on Monday morning, the Coastline Wire reported.", [2])
    assert verdict.supported, verdict.reason
    # An outlet the claim does not cite is still a name its sources lack.
    verdict = verifier.check("Three soldiers died in a drone attack on an army barracks near "
                             "Northvale on Monday morning, the Harbour Gazette reported.", [2])
    assert not verdict.supported


def test_curly_and_straight_apostrophes_are_one_name():
    source = SourceDoc(1, "Harbour Gazette", "Inspector Aoife O'Malley said the pier would "
                       "reopen on Friday after repairs to the Karsh ferry ramp.",
                       datetime(2026, 11, 17, 9, tzinfo=UTC))
    verdict = Verifier([source]).check("Inspector Aoife O’Malley said the pier would reopen "
                                       "after repairs to the ferry ramp.", [1])
    assert verdict.supported, verdict.reason


@pytest.mark.parametrize("claim,needle", [
    # a capitalised name the entity recogniser may miss: no cited source has it in any form
    ("Two soldiers were killed after a drone struck the Karsh barracks of Velmora on Monday.",
     "Velmora"),
    # an opposite of what the matching sentence says
    ("The harbour office said the Karsh ferry ramp would get a permanent repair before the "
     "winter storms.", "permanent"),
])
def test_unknown_names_and_opposites_fail(verifier, claim, needle):
    harbour = SourceDoc(3, "Harbour Gazette", "The Karsh ferry ramp will get a temporary repair "
                        "before the winter storms, the harbour office said on Monday.",
                        datetime(2026, 11, 17, 9, tzinfo=UTC))
    verdict = Verifier([GAZETTE, WIRE, harbour],
                       embedder=verifier.embedder).check(claim, [1, 2, 3])
    assert not verdict.supported
    assert needle.lower() in verdict.reason.lower(), verdict.reason


def test_acronyms_of_spelled_out_names_pass():
    source = SourceDoc(1, "Harbour Gazette", "The Karsh Ferry Company said on Monday that its "
                       "chief executive officer, Ines Varga, would step down in March.",
                       datetime(2026, 11, 17, 9, tzinfo=UTC))
    verdict = Verifier([source]).check("Ines Varga, the CEO of the Karsh Ferry Company, will "
                                       "step down in March, the company said.", [1])
    assert verdict.supported, verdict.reason


def test_a_changed_outcome_is_named_as_the_outcome_not_as_a_missing_count():
    injured = SourceDoc(1, "Harbour Gazette", "Five other people, including three firefighters, "
                        "were injured in the fire.", datetime(2026, 11, 17, 9, tzinfo=UTC))
    verdict = Verifier([injured]).check("Five other people, including three firefighters, "
                                        "were killed in the fire.", [1])
    assert not verdict.supported
    assert "'killed'" in verdict.reason and "number" not in verdict.reason
    # with a killed count of its own in the sources, a count moved onto it is a wrong count
    both = SourceDoc(1, "Harbour Gazette", "Two workers were killed in the fire on Monday, and "
                     "five people were injured.", datetime(2026, 11, 17, 9, tzinfo=UTC))
    verdict = Verifier([both]).check("Five people were killed in the fire on Monday.", [1])
    assert not verdict.supported and "number 'Five'" in verdict.reason


def test_broken_decimals_in_tokenised_text_are_one_figure():
    source = SourceDoc(1, "Harbour Gazette", "Around 1. 3 billion people watched the final, "
                       "the broadcaster said on Monday.", datetime(2026, 11, 17, 9, tzinfo=UTC))
    verifier = Verifier([source])
    assert verifier.check("Around 1.3 billion people watched the final.", [1]).supported
    assert not verifier.check("Around 1.8 billion people watched the final.", [1]).supported


def test_partial_copy_that_changes_the_rest_fails(verifier):
    # The first half word for word from [1], the rest re-joined from elsewhere: every name and
    # value is in the sources, but the sentence says something neither source does.
    verdict = verifier.check("Two soldiers were killed and one was in critical condition after "
                             "the Northern Front militia denied involvement.", [1, 2])
    assert not verdict.supported
    assert "follows part of [1]" in verdict.reason, verdict.reason
    assert 0.3 <= verdict.features["copied"] < 0.8


def test_reason_names_what_the_sources_say(verifier):
    verdict = verifier.check("Two soldiers were killed after a drone struck the Karsh barracks "
                             "on Saturday.", [1])
    assert "Saturday" in verdict.reason and "Monday [1]" in verdict.reason


def test_citation_that_does_not_resolve(verifier):
    verdict = verifier.check("Two soldiers were killed in the strike.", [7])
    assert not verdict.supported
    assert "[7]" in verdict.reason


def test_module_level_verify():
    assert verify("Three soldiers died in a drone attack on Monday morning.", [WIRE]).supported
    assert not verify("Three soldiers died in a rocket attack on Monday morning.",
                      [WIRE]).supported


def test_cached_embeddings_give_the_same_verdicts(tmp_path):
    store = Store.open(tmp_path / "newsdesk.db")
    try:
        cached = CachedEmbedder(get_embedder("minilm"), store)
        first = Verifier([GAZETTE, WIRE], embedder=cached)
        second = Verifier([GAZETTE, WIRE], embedder=cached)  # all vectors from the store now
        claim = "Two soldiers were killed after rockets struck the Karsh barracks on Monday."
        a, b = first.check(claim, [1]), second.check(claim, [1])
        assert (a.supported, a.reason) == (b.supported, b.reason)
        assert abs(a.score - b.score) < 1e-6
    finally:
        store.close()


def _articles() -> list[Article]:
    return [Article("https://harbour.example/a", GAZETTE.title, GAZETTE.text,
                    outlet=GAZETTE.outlet, published_at=GAZETTE.published_at, id=11),
            Article("https://coast.example/b", WIRE.title, WIRE.text, outlet=WIRE.outlet,
                    published_at=WIRE.published_at, id=12)]


def _story() -> WrittenStory:
    sources = [StorySource(1, 11, "Harbour Gazette", GAZETTE.title, "https://harbour.example/a",
                           GAZETTE.published_at),
               StorySource(2, 12, "Coastline Wire", WIRE.title, "https://coast.example/b",
                           WIRE.published_at)]
    good = CitedSentence("Three soldiers died in a drone attack on an army barracks near "
                         "Northvale on Monday morning, the regional governor, Petra Sousa, said.",
                         [2])
    bad = CitedSentence("Three soldiers died in a rocket attack on Saturday.", [2], origin="llm")
    return WrittenStory(
        headline="Drone strike kills soldiers at Karsh barracks",
        lede=[good, bad],
        sections=[Section("", [CitedSentence("The drone hit the barracks at about 6:40 a.m., "
                                             "according to Colonel Mara Lindqvist, the base "
                                             "commander.", [1]),
                               CitedSentence("Sousa said four soldiers were wounded.", [9])])],
        quotes=[Quote("We will respond at a time of our choosing", "Lloyd Harmon",
                      "Harbour Gazette", [1]),
                Quote("We will retaliate at a time of our choosing", "Lloyd Harmon",
                      "Harbour Gazette", [1]),
                Quote("We will respond at a time of our choosing", "Petra Sousa",
                      "Harbour Gazette", [1])],
        timeline=[TimelineEntry("2026-11-16", CitedSentence(
            "No group has claimed responsibility for the attack.", [1]))],
        sources=sources)


def test_verify_story_drops_unsupported_and_marks_the_rest():
    story = _story()
    out = verify_story(story, _articles())
    assert [s.text for s in out.lede] == [story.lede[0].text]
    assert out.lede[0].verified is True
    assert [len(sec.sentences) for sec in out.sections] == [1]
    assert out.timeline[0].sentence.verified is True
    assert [q.speaker for q in out.quotes] == ["Lloyd Harmon"]
    assert out.quotes[0].text.startswith("We will respond")
    joined = " ".join(out.warnings)
    assert "rocket" in joined and "[9]" in joined and "retaliate" in joined
    # the input is left as it was
    assert len(story.lede) == 2 and story.lede[0].verified is None


def test_verify_story_keeps_failures_marked_when_not_dropping():
    out = verify_story(_story(), _articles(), drop=False)
    bad = out.lede[1]
    assert bad.verified is False and "rocket" in bad.reason


def test_verify_story_can_replace_a_failed_sentence():
    def replace(sentence: CitedSentence, verdict) -> CitedSentence | None:
        # a caller falls back to the source sentence the verifier judged against
        if not verdict.evidence:
            return None
        number, text = verdict.evidence[0]
        return CitedSentence(text, [number])

    out = verify_story(_story(), _articles(), replace=replace)
    assert len(out.lede) == 2 and all(s.verified for s in out.lede)
    assert any("replaced" in w for w in out.warnings)
