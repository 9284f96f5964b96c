"""Cross-source conflicts: fictional articles that disagree, and the demo week's planted ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsdesk.evaluation.verify_demo import CORPUS, evaluate_conflicts
from newsdesk.models import Article, Carrier
from newsdesk.verify import SourceDoc, find_conflicts

GAZETTE = Article(
    "https://harbour.example/1", "Drone strike kills two at Karsh barracks",
    "NORTHVALE — Two soldiers were killed and one was in critical condition after a drone "
    "struck the Karsh barracks on Monday, officials said.\n\nThe drone hit the barracks at about "
    "6:40 a.m., according to Colonel Mara Lindqvist.\n\nThe Northern Front claimed "
    "responsibility for the attack.",
    outlet="Harbour Gazette", published_at=datetime(2026, 11, 17, 9, tzinfo=UTC), id=1)
WIRE = Article(
    "https://coast.example/2", "Three soldiers die in drone attack",
    "Three soldiers were killed in a drone attack on an army barracks near Northvale on Sunday "
    "night, the regional governor said.\n\nThe attack came at 7:10 a.m., the governor said. Four "
    "more soldiers were wounded.\n\nOfficials blamed the River Brigade for the strike.",
    outlet="Coastline Wire", published_at=datetime(2026, 11, 17, 11, tzinfo=UTC), id=2,
    carriers=[Carrier("Bay Times", "https://bay.example/x")])
POST = Article(
    "https://valley.example/3", "Attack at barracks",
    "Two soldiers were killed on Monday in a drone strike on the Karsh barracks, and four were "
    "wounded.\n\nThe attack happened at 6:40 a.m.",
    outlet="Valley Post", published_at=datetime(2026, 11, 17, 12, tzinfo=UTC), id=3)


def by_kind(conflicts):
    return {c.kind: c for c in conflicts}


def test_disagreements_are_found_with_every_value_and_outlet():
    conflicts = by_kind(find_conflicts([GAZETTE, WIRE, POST]))
    assert set(conflicts) == {"count", "day", "time", "attribution"}
    killed = conflicts["count"]
    assert killed.subject == "the number killed"
    values = {v.value: (v.outlets, v.citations) for v in killed.values}
    # the wire copy carried by Bay Times has its own citation number
    assert values == {"two": (["Harbour Gazette", "Valley Post"], [1, 4]),
                      "three": (["Coastline Wire", "Bay Times"], [2, 3])}
    assert killed.summary == ("Sources differ: Harbour Gazette and Valley Post reported two "
                              "killed [1][4]; Coastline Wire and Bay Times reported three [2][3].")
    assert {v.value for v in conflicts["day"].values} == {"Monday", "Sunday"}
    assert {v.value for v in conflicts["time"].values} == {"6:40 a.m.", "7:10 a.m."}
    assert {v.value for v in conflicts["attribution"].values} == {"the Northern Front",
                                                                  "the River Brigade"}


def test_agreeing_sources_have_no_conflict():
    assert find_conflicts([GAZETTE, POST]) == []
    assert find_conflicts([GAZETTE]) == []


def test_an_update_is_not_a_conflict():
    later = Article("https://harbour.example/4", "Toll rises",
                    "The death toll from the drone strike on the Karsh barracks rose to five on "
                    "Tuesday after three wounded soldiers died in hospital.",
                    outlet="Harbour Gazette", published_at=datetime(2026, 11, 18, 9, tzinfo=UTC),
                    id=4)
    kinds = [c.kind for c in find_conflicts([GAZETTE, POST, later])]
    assert "count" not in kinds


def test_a_source_that_mentions_both_values_is_not_in_conflict():
    both = Article("https://x.example/5", "Revised", "Officials first said three soldiers were "
                   "killed; two soldiers were killed, the army said on Monday.",
                   outlet="Ridge Daily", published_at=datetime(2026, 11, 17, 10, tzinfo=UTC),
                   id=5)
    counts = [c for c in find_conflicts([GAZETTE, both]) if c.kind == "count"]
    assert counts == []


def _report(n: int, outlet: str, text: str) -> Article:
    return Article(f"https://x.example/{n}", "Harbour report", text, outlet=outlet,
                   published_at=datetime(2026, 11, 20, 18, tzinfo=UTC), id=n)


def test_days_of_different_happenings_are_not_a_disagreement():
    critics = _report(1, "Ridge Daily", "Councillors on Wednesday criticised a report on the "
                      "Karsh harbour, saying it ignored the fishing fleet.")
    release = _report(2, "Valley Post", "The port authority released its report on the Karsh "
                      "harbour on Tuesday, proposing a new breakwater.")
    assert [c.kind for c in find_conflicts([critics, release])] == []
    # the same happening dated two ways is one
    other = _report(3, "Bay Times", "The port authority released its report on the Karsh "
                    "harbour on Monday, proposing a new breakwater.")
    assert [c.kind for c in find_conflicts([release, other])] == ["day"]


@pytest.mark.parametrize("first, second", [
    ("About 2,000 homes were flooded in Greyharbour.", "Some 2,140 homes were flooded."),
    ("The bill passed with 316 votes.", "The bill passed by a 316-301 vote."),
])
def test_a_rounded_count_or_a_vote_split_is_the_same_count(first, second):
    assert find_conflicts([_report(1, "Ridge Daily", first), _report(2, "Valley Post", second)]) \
        == []


def test_counted_nouns_are_named_in_the_plural():
    conflicts = find_conflicts([
        _report(1, "Ridge Daily", "Five children sang at the harbour concert."),
        _report(2, "Valley Post", "Seven children sang at the harbour concert.")])
    assert conflicts and "children" in conflicts[0].subject + conflicts[0].summary


def test_source_docs_keep_their_own_numbers():
    docs = [SourceDoc(4, "Harbour Gazette", GAZETTE.text, GAZETTE.published_at),
            SourceDoc(9, "Coastline Wire", WIRE.text, WIRE.published_at)]
    killed = by_kind(find_conflicts(docs))["count"]
    assert sorted(n for v in killed.values for n in v.citations) == [4, 9]


@pytest.mark.skipif(not (CORPUS / "truth.json").is_file(), reason="demo corpus absent")
def test_planted_conflicts_of_the_demo_week():
    result = evaluate_conflicts()
    assert result.recall >= 0.9, [m["subject"] for m in result.missed]
    assert result.precision >= 0.9, [c.summary for _, c, ok in result.found if not ok]
