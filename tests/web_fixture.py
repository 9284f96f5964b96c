"""A small, fictional news store for the reading side's tests (web, feeds, digest, export).

Everything here is invented: the outlets, the places, the people. It holds what a reader's pages
must cope with: a breaking story in two versions with quotes, a timeline, a "sources differ" box
and model-written sentences (one checked, one not confirmed); a syndicated copy; a story not yet
written; an old one; one only a mutable outlet reported; and a hostile story whose every field
tries to run script in the reader's browser.

    with Store.open(path) as store:
        ids = build(store, now)   # ids["ferry"], ids["hostile"], …
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from html.parser import HTMLParser

from newsdesk.models import (
    Article,
    Carrier,
    CitedSentence,
    Conflict,
    ConflictValue,
    Quote,
    Section,
    Source,
    StorySource,
    StoryVersion,
    TimelineEntry,
    VerifiedChange,
    WrittenStory,
)
from newsdesk.store import Store

# What the hostile story tries; a page is safe when none of it runs.
HOSTILE_SCRIPT = '<script>window.__pwned = "script"</script>'
HOSTILE_IMG = '<img src=x onerror="window.__pwned=\'img\'; alert(1)">'
HOSTILE_URL = "javascript:window.__pwned='link'"
HOSTILE_OUTLET = 'Night<svg onload="window.__pwned=\'svg\'">Owl'

OUTLETS = {
    "Harbour Gazette": "World",
    "Coastline Wire": "World",
    "Meridian Post": "Business",
    "Northfield Times": "Business",
    "Daily Lantern": "Tech",
    "Rumour Mill": "Entertainment",
    HOSTILE_OUTLET: '<script>window.__pwned="category"</script>Odd',
}


def _slug(outlet: str) -> str:
    return hashlib.sha1(outlet.encode()).hexdigest()[:8]


def _sources(store: Store) -> dict[str, int]:
    ids = {}
    for outlet, category in OUTLETS.items():
        src = store.add_source(Source(url=f"https://{_slug(outlet)}.example/feed",
                                      outlet=outlet, category=category))
        ids[outlet] = src.id
    return ids


class _Articles:
    def __init__(self, store: Store, sources: dict[str, int]):
        self.store, self.sources, self.n = store, sources, 0

    def add(self, outlet: str, title: str, text: str, when: datetime, url: str | None = None,
            carriers: list[Carrier] | None = None) -> Article:
        self.n += 1
        return self.store.add_article(Article(
            url=url or f"https://{_slug(outlet)}.example/news/{self.n}",
            title=title, text=text, outlet=outlet, published_at=when, fetched_at=when,
            content_hash=f"h{self.n}-{title}", simhash=self.n * 7919,
            source_id=self.sources.get(outlet), carriers=carriers or []))


def _s(text: str, *cites: int, origin: str = "extract", verified: bool | None = True,
       reason: str = "") -> CitedSentence:
    return CitedSentence(text, list(cites), origin=origin, verified=verified, reason=reason)


def _src(number: int, a: Article) -> StorySource:
    return StorySource(number, a.id, a.outlet, a.title, a.url, a.published_at)


def build(store: Store, now: datetime) -> dict[str, int]:
    """Fill an empty store; returns story ids by name."""
    h = timedelta(hours=1)
    sources = _sources(store)
    add = _Articles(store, sources).add
    ids: dict[str, int] = {}

    # -- the ferry: breaking (four outlets within an hour), written twice ---------------------
    f1 = add("Harbour Gazette", "Ferry runs aground off Port Calloway",
             "The ferry Marisol ran aground on the Tessel Bank off Port Calloway on Tuesday "
             "morning. Harbour master Ilse Varga said 41 passengers were taken off by lifeboat.",
             now - 3 * h)
    f2 = add("Coastline Wire", "41 rescued as ferry Marisol grounds in fog",
             "Forty-one passengers were rescued after the ferry Marisol grounded in thick fog. "
             "The operator, Calloway Lines, said the vessel had left port at 06:40.",
             now - 3 * h + timedelta(minutes=20),
             carriers=[Carrier("Bayside Herald", "https://bayside-herald.example/ferry-marisol",
                               "Ferry Marisol grounds in fog", now - 2.5 * h)])
    f3 = add("Meridian Post", "Calloway Lines shares slip after grounding",
             "Shares in Calloway Lines fell 6% after its ferry grounded. Rescuers said 43 "
             "people had been aboard.", now - 2.2 * h)
    f4 = add("Northfield Times", "Inquiry ordered into Marisol grounding",
             "The transport ministry ordered an inquiry into the grounding of the Marisol. "
             "Investigators will board the vessel on Thursday.", now - 1.5 * h)
    v1_story = WrittenStory(
        headline="Ferry runs aground off Port Calloway; passengers taken off by lifeboat",
        lede=[_s("The ferry Marisol ran aground on the Tessel Bank off Port Calloway on "
                 "Tuesday morning.", 1)],
        sections=[Section("", [_s("Passengers were taken off by lifeboat.", 1)])],
        sources=[_src(1, f1)],
    )
    store_ferry = store.create_story([f1.id, f2.id, f3.id, f4.id], headline=f1.title)
    ids["ferry"] = store_ferry.id
    store.add_story_version(StoryVersion(
        story_id=store_ferry.id, version=0, story=v1_story, article_ids=[f1.id],
        created_at=now - 2.8 * h, changes=[VerifiedChange("new", "First version, from 1 report")]))
    v2_story = WrittenStory(
        headline="41 rescued as ferry Marisol runs aground in fog off Port Calloway",
        lede=[_s("Forty-one passengers were rescued after the ferry Marisol ran aground on the "
                 "Tessel Bank off Port Calloway in thick fog on Tuesday morning.", 1, 2)],
        sections=[
            Section("", [
                _s("The operator, Calloway Lines, said the vessel had left port at 06:40.", 2),
                _s("Shares in Calloway Lines fell 6% after the grounding.", 3),
                _s("All passengers reached shore within three hours, the reports say.", 1, 2,
                   origin="llm", verified=True),
            ]),
            Section("The inquiry", [
                _s("The transport ministry ordered an inquiry into the grounding.", 4),
                _s("The captain had been warned about the fog, one passenger said.", 2,
                   origin="llm", verified=False,
                   reason="no cited source mentions a warning to the captain"),
            ]),
        ],
        quotes=[Quote("Every one of them came off that ship dry and calm", "Ilse Varga",
                      "Harbour Gazette", [1])],
        background=[_s("Calloway Lines runs four ferries across the Tessel strait.", 2)],
        timeline=[
            TimelineEntry((now - 3 * h).date().isoformat(),
                          _s("The Marisol leaves Port Calloway at 06:40.", 2)),
            TimelineEntry((now - 3 * h).date().isoformat(),
                          _s("Lifeboats take 41 passengers off the ferry.", 1)),
        ],
        whats_next=[_s("Investigators will board the vessel on Thursday.", 4)],
        conflicts=[Conflict("count", "people aboard", [
            ConflictValue("41", ["Harbour Gazette", "Coastline Wire"], [1, 2]),
            ConflictValue("43", ["Meridian Post"], [3]),
        ], "Harbour Gazette and Coastline Wire say 41 people were aboard; Meridian Post says 43.")],
        sources=[_src(1, f1), _src(2, f2), _src(3, f3), _src(4, f4)],
        writer="extractive",
    )
    store.add_story_version(StoryVersion(
        story_id=store_ferry.id, version=0, story=v2_story,
        article_ids=[f1.id, f2.id, f3.id, f4.id], created_at=now - 1.4 * h,
        changes=[VerifiedChange("new", "3 new report(s) from Coastline Wire, Meridian Post, "
                                "Northfield Times"),
                 VerifiedChange("revised", "Headline now: 41 rescued as ferry Marisol runs "
                                "aground in fog off Port Calloway")]))

    # -- the bank: written, two outlets, yesterday ------------------------------------------
    b1 = add("Meridian Post", "Meridian Bank raises lending rate to 4.25%",
             "Meridian Bank raised its main lending rate to 4.25% on Monday, citing rising "
             "prices for fuel and housing.", now - 20 * h)
    b2 = add("Northfield Times", "Rate rise hits Northfield borrowers",
             "Borrowers in Northfield face higher repayments after Meridian Bank's rate rise to "
             "4.25%, the first increase in two years.", now - 19 * h)
    bank = store.create_story([b1.id, b2.id], headline=b1.title)
    ids["bank"] = bank.id
    store.add_story_version(StoryVersion(
        story_id=bank.id, version=0, created_at=now - 18.5 * h, article_ids=[b1.id, b2.id],
        story=WrittenStory(
            headline="Meridian Bank raises its lending rate to 4.25%",
            lede=[_s("Meridian Bank raised its main lending rate to 4.25% on Monday, the first "
                     "increase in two years.", 1, 2)],
            sections=[Section("", [_s("The bank cited rising prices for fuel and housing.", 1)])],
            sources=[_src(1, b1), _src(2, b2)]),
        changes=[VerifiedChange("new", "First version, from 2 report(s)")]))

    # -- the kite: reported once, not written yet --------------------------------------------
    k1 = add("Daily Lantern", "Lantern Labs unveils solar kite prototype",
             "Engineers at Lantern Labs flew a solar kite that they say can power a village "
             "clinic.", now - 5 * h)
    ids["kite"] = store.create_story([k1.id], headline=k1.title).id

    # -- an old story ------------------------------------------------------------------------
    o1 = add("Harbour Gazette", "Lighthouse on Gull Point to be restored",
             "The council approved funds to restore the Gull Point lighthouse.", now - 80 * h)
    ids["old"] = store.create_story([o1.id], headline=o1.title).id

    # -- only a mutable outlet, and a mutable keyword ----------------------------------------
    r1 = add("Rumour Mill", "Celebrity chef opens floating restaurant",
             "A celebrity chef opened a floating restaurant in the harbour.", now - 2 * h)
    ids["rumour"] = store.create_story([r1.id], headline=r1.title).id
    g1 = add("Daily Lantern", "Weekly horoscope: calm seas ahead",
             "The stars favour sailors this week.", now - 4 * h)
    ids["horoscope"] = store.create_story([g1.id], headline=g1.title).id

    # -- the hostile story: every field tries to run script ----------------------------------
    x1 = add(HOSTILE_OUTLET, f"Council vote {HOSTILE_SCRIPT} on harbour fees {HOSTILE_IMG}",
             f"Harbour fees will rise. {HOSTILE_SCRIPT} {HOSTILE_IMG} The vote was 7 to 2.",
             now - 6 * h, url=HOSTILE_URL)
    x2 = add("Harbour Gazette", "Harbour fees to rise after council vote",
             "The council voted 7 to 2 to raise harbour fees.", now - 5.5 * h,
             url="https://harbour-gazette.example/fees?a=1&b=<script>")
    hostile = store.create_story([x1.id, x2.id], headline=x1.title)
    ids["hostile"] = hostile.id
    store.add_story_version(StoryVersion(
        story_id=hostile.id, version=0, created_at=now - 5.4 * h, article_ids=[x1.id, x2.id],
        story=WrittenStory(
            headline=f"Harbour fees to rise {HOSTILE_SCRIPT} after council vote {HOSTILE_IMG}",
            lede=[_s(f"The council voted 7 to 2 to raise harbour fees. {HOSTILE_IMG}", 1, 2)],
            sections=[Section(f"Fees {HOSTILE_SCRIPT}", [_s(HOSTILE_SCRIPT, 1)])],
            quotes=[Quote(f"We had no choice {HOSTILE_IMG}", f"Mayor {HOSTILE_SCRIPT}",
                          HOSTILE_OUTLET, [1])],
            timeline=[TimelineEntry(f"{HOSTILE_IMG}", _s("The vote took place.", 2))],
            conflicts=[Conflict("count", f"votes {HOSTILE_IMG}", [
                ConflictValue(HOSTILE_SCRIPT, [HOSTILE_OUTLET], [1]),
                ConflictValue("7 to 2", ["Harbour Gazette"], [2])], f"Sources {HOSTILE_IMG}")],
            sources=[_src(1, x1), _src(2, x2)]),
        changes=[VerifiedChange("new", f"First version {HOSTILE_SCRIPT}")]))
    return ids


@contextmanager
def running(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free port of 127.0.0.1; yields its base URL."""
    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class Tags(HTMLParser):
    """The start tags of an HTML document with their attributes, in order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
