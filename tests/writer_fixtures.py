"""Stories for the writer tests: the demo corpus's events as ``Article`` lists, and a few
fictional articles written for edge cases (debris, datelines, syndicated copies, pronouns).

Every outlet, person and place here is invented for newsdesk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from newsdesk.demo.corpus import load_articles, load_outlets, load_truth
from newsdesk.models import Article, Carrier


@lru_cache(maxsize=1)
def _demo() -> tuple[dict, dict, dict]:
    outlets = {o["slug"]: o["name"] for o in load_outlets()}
    articles = {a["id"]: a for a in load_articles()}
    return outlets, articles, load_truth()


def demo_event(event_id: str) -> list[Article]:
    """The articles of one demo event, with ids (1, 2, …) as a store would give them."""
    outlets, articles, truth = _demo()
    event = next(e for e in truth["events"] if e["id"] == event_id)
    out = []
    for k, article_id in enumerate(event["articles"]):
        a = articles[article_id]
        out.append(Article(url=f"https://{a['outlet']}.example/{article_id}", title=a["title"],
                           text=a["text"], outlet=outlets[a["outlet"]], byline=a["byline"],
                           published_at=datetime.fromisoformat(a["published"]), id=100 + k))
    return out


def demo_event_ids() -> list[str]:
    return [e["id"] for e in _demo()[2]["events"]]


def demo_truth() -> dict:
    return _demo()[2]


T0 = datetime(2025, 5, 6, 8, 0, tzinfo=UTC)

# A wire report of a fictional ferry grounding, with a dateline, a byline, a photo caption and
# a newsletter prompt mixed into the text, as scrapers leave them.
FERRY_WIRE = Article(
    url="https://harbourwire.example/ferry-grounding",
    title="Ferry runs aground off Skellan Point, 40 passengers taken off - Harbour Wire",
    outlet="Harbour Wire",
    published_at=T0,
    text=(
        "SKELLAN, Norvia (Harbour Wire) — A passenger ferry ran aground off Skellan Point "
        "early on Tuesday, and coastguard boats took all 40 passengers off without injury, "
        "the Norvian coastguard said.\n\n"
        "By Petra Lindqvist\n\n"
        "The ferry Aster Bay struck a sandbank at about 6:15 a.m. in thick fog, coastguard "
        "spokesman Emil Harte said.\n\n"
        "The coastguard ferry crew, left, waits beside the Aster Bay, center, on Tuesday. "
        "(Harbour Wire Photo/Ola Brenn)\n\n"
        "\"The crew did everything right, and nobody was hurt,\" Harte said.\n\n"
        "He said salvage tugs would try to refloat the vessel at high tide on Wednesday.\n\n"
        "Sign up for our morning newsletter to get the top stories in your inbox.\n\n"
        "The operator, Skellan Lines, cancelled its two remaining crossings on Tuesday."
    ),
)

# The same event from another outlet, in its own words, with one shared sentence.
FERRY_LOCAL = Article(
    url="https://skellanpost.example/news/aster-bay",
    title="WATCH: Aster Bay ferry stuck on sandbank",
    outlet="Skellan Post",
    published_at=datetime(2025, 5, 6, 11, 30, tzinfo=UTC),
    text=(
        "All 40 passengers of the ferry Aster Bay were brought ashore safely on Tuesday "
        "morning after the vessel ran onto a sandbank off Skellan Point in fog.\n\n"
        "The ferry Aster Bay struck a sandbank at about 6:15 a.m. in thick fog, coastguard "
        "spokesman Emil Harte said.\n\n"
        "Passenger Hanna Voss, 31, said the impact was gentle. \"It felt like the boat "
        "had simply stopped,\" she said.\n\n"
        "However, the operator warned that the Skellan crossing could stay closed for days.\n\n"
        "Skellan Lines said it was arranging buses for passengers booked later in the week."
    ),
    carriers=[Carrier(outlet="Norvia Today", url="https://norviatoday.example/aster-bay",
                      title="Aster Bay ferry stuck on sandbank")],
)
