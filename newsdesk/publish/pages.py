"""What a reader sees, as plain data: the front page, sections, outlets, search, story pages.

The web server, the static export, the feeds and the digest all read the store through a
``Reader``, so a story ranks, mutes and reads the same everywhere. No SQL here: every query is a
``Store`` method.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from newsdesk.models import (
    ArticleRef,
    CitedSentence,
    StoryCluster,
    StoryVersion,
    WrittenStory,
    utcnow,
)
from newsdesk.publish.templating import slug
from newsdesk.settings import WebSettings
from newsdesk.store import Store

# Ranking: a story's weight halves every HALF_LIFE hours since its latest report, and grows with
# the number of outlets reporting it (logarithmically: the tenth outlet adds less than the second).
HALF_LIFE_HOURS = 12.0
# "Breaking": at least BREAKING_OUTLETS outlets reported it within BREAKING_WINDOW, and that burst
# ended no longer than BREAKING_FOR ago.
BREAKING_OUTLETS = 3
BREAKING_WINDOW = timedelta(hours=2)
BREAKING_FOR = timedelta(hours=12)
# The front page ranks the most recently active stories and shows the best of them.
FRONT_CANDIDATES = 150
FRONT_SIZE = 30
LIST_SIZE = 60


@dataclass
class Report:
    """One outlet's report of a story (an article, or a syndicated copy of one)."""

    outlet: str
    title: str
    url: str
    when: datetime
    article_id: int
    muted: bool = False


@dataclass
class Card:
    """A story as listings, feeds and the digest show it."""

    id: int
    headline: str
    story: WrittenStory | None  # the latest written version; None until one is written
    version: int | None
    outlets: list[str]  # reporting outlets a reader has not muted, first reporter first
    categories: list[str]
    first_seen: datetime
    last_seen: datetime
    updated: datetime  # the latest version's time, else the latest report's
    report_count: int
    breaking: bool
    score: float
    reports: list[Report] = field(default_factory=list)
    burst_end: datetime | None = None  # when BREAKING_OUTLETS outlets had first reported it

    @property
    def lede(self) -> list[CitedSentence]:
        return self.story.lede if self.story else []

    @property
    def lede_text(self) -> str:
        return " ".join(s.text for s in self.lede)


@dataclass
class Listing:
    title: str
    cards: list[Card]
    hidden: int = 0  # stories the reader's mutes hid
    description: str = ""
    section_slug: str | None = None


@dataclass
class OutletRow:
    name: str
    slug: str
    articles: int
    latest: datetime | None
    muted: bool


@dataclass
class SearchResult:
    query: str
    cards: list[Card]
    articles: list[ArticleRef]
    hidden: int = 0


@dataclass
class StoryPage:
    card: Card
    cluster: StoryCluster
    shown: StoryVersion | None  # the version on the page (the latest unless asked)
    latest_version: int | None
    history: list[StoryVersion]  # newest first
    reports: list[Report]  # every report of the story, oldest first
    uncited: list[Report]  # reports the written story does not cite
    muted_because: str = ""  # why listings hide this story, when they do


@dataclass
class Moved:
    """A story that was merged into another: old links lead there."""

    story_id: int


class Muting:
    """The reader's mutes: outlets never shown, and keywords that hide a story."""

    def __init__(self, outlets: tuple[str, ...] = (), keywords: tuple[str, ...] = ()):
        self.outlets = {o.strip().casefold() for o in outlets if o.strip()}
        words = [k.strip() for k in keywords if k.strip()]
        # Whole words only, so muting "art" does not hide a story about "Artemis".
        self._keywords = [(k, re.compile(rf"(?<!\w){re.escape(k)}(?!\w)", re.IGNORECASE))
                          for k in words]

    def outlet(self, name: str) -> bool:
        return name.strip().casefold() in self.outlets

    def keyword(self, *texts: str) -> str | None:
        for word, pattern in self._keywords:
            if any(pattern.search(t) for t in texts):
                return word
        return None


def score(outlets: int, last_seen: datetime, now: datetime) -> float:
    age_hours = max((now - last_seen).total_seconds() / 3600.0, 0.0)
    return (1.0 + math.log2(max(outlets, 1))) * 0.5 ** (age_hours / HALF_LIFE_HOURS)


def burst_end(reports: list[Report]) -> datetime | None:
    """When the first burst of coverage completed: the report that made BREAKING_OUTLETS
    distinct outlets within BREAKING_WINDOW (None: the story never had such a burst)."""
    times = sorted((r.when, r.outlet.casefold()) for r in reports if not r.muted)
    for i, (start, _) in enumerate(times):
        seen: set[str] = set()
        for when, outlet in times[i:]:
            if when - start > BREAKING_WINDOW:
                break
            seen.add(outlet)
            if len(seen) >= BREAKING_OUTLETS:
                return when
    return None


def breaking_at(end: datetime | None, now: datetime) -> bool:
    """Is a story whose burst completed at ``end`` still breaking news at ``now``?"""
    return end is not None and now - end <= BREAKING_FOR and end <= now + timedelta(minutes=5)


def is_breaking(reports: list[Report], now: datetime) -> bool:
    """Did many outlets pick the story up within a short window, recently?"""
    return breaking_at(burst_end(reports), now)


def reports_of(refs: list[ArticleRef], muting: Muting) -> list[Report]:
    """Every outlet's report, syndicated copies included, oldest first."""
    out = []
    for ref in refs:
        out.append(Report(ref.outlet, ref.title, ref.url, ref.when, ref.id,
                          muting.outlet(ref.outlet)))
        for carrier in ref.carriers:
            out.append(Report(carrier.outlet, carrier.title or ref.title, carrier.url,
                              carrier.published_at or ref.when, ref.id,
                              muting.outlet(carrier.outlet)))
    out.sort(key=lambda r: (r.when, r.article_id))
    return out


class CardCache:
    """Cards of stories that have not changed, shared by all requests of one server.

    A card is rebuilt when its story's stamp changes (new reports, a new version, a merge) and
    at the latest after ``ttl`` seconds (a source's category or a syndicated copy can change
    without touching the story). What depends on the clock — rank, the breaking mark — is worked
    out afresh on every request.
    """

    def __init__(self, size: int = 5000, ttl: float = 120.0):
        self.size = size
        self.ttl = ttl
        self._cards: OrderedDict[int, tuple[str, float, Card]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, story_id: int, stamp: str) -> Card | None:
        with self._lock:
            hit = self._cards.get(story_id)
            if hit is None or hit[0] != stamp or time.monotonic() - hit[1] > self.ttl:
                return None
            self._cards.move_to_end(story_id)
            return hit[2]

    def put(self, story_id: int, stamp: str, card: Card) -> None:
        with self._lock:
            self._cards[story_id] = (stamp, time.monotonic(), card)
            self._cards.move_to_end(story_id)
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)


class Reader:
    """Read-only views of one store for one reader's settings."""

    def __init__(self, store: Store, web: WebSettings | None = None,
                 now: Callable[[], datetime] = utcnow, cache: CardCache | None = None):
        self.store = store
        web = web or WebSettings()
        self.muting = Muting(web.muted_outlets, web.muted_keywords)
        self.now = now
        self.cache = cache  # only for one store and one set of mutes

    # ------------------------------------------------------------ cards

    def cards(self, story_ids: list[int], now: datetime | None = None,
              keep_muted: bool = False) -> tuple[list[Card], int]:
        """Cards for these stories in the order given, and how many the mutes hid."""
        now = now or self.now()
        built: dict[int, Card] = {}
        todo = list(story_ids)
        stamps: dict[int, str] = {}
        if self.cache is not None:
            stamps = self.store.story_stamps(story_ids)
            todo = []
            for story_id in story_ids:
                hit = self.cache.get(story_id, stamps.get(story_id, ""))
                if hit is None:
                    todo.append(story_id)
                else:
                    built[story_id] = hit
        if todo:
            clusters = self.store.get_stories(todo)
            ids = [c.id for c in clusters if c.id is not None]
            versions = self.store.latest_versions(ids)
            refs = self.store.story_article_refs(ids)
            for cluster in clusters:
                card = self._card(cluster, versions.get(cluster.id),  # type: ignore[arg-type]
                                  refs.get(cluster.id, []))  # type: ignore[arg-type]
                if card is None:
                    continue
                built[card.id] = card
                if self.cache is not None and card.id in stamps:
                    self.cache.put(card.id, stamps[card.id], card)
        cards, hidden = [], 0
        for story_id in story_ids:
            card = built.get(story_id)
            if card is None:
                continue
            if not keep_muted and self.muted_because(card):
                hidden += 1
                continue
            # the clock's part, on a copy: cached cards are shared between requests
            cards.append(replace(card, breaking=breaking_at(card.burst_end, now),
                                 score=score(len(card.outlets), card.last_seen, now)))
        return cards, hidden

    def _card(self, cluster: StoryCluster, version: StoryVersion | None,
              refs: list[ArticleRef]) -> Card | None:
        """A story's card, but for its rank and breaking mark (``cards`` adds those)."""
        if not refs or cluster.id is None:
            return None
        reports = reports_of(refs, self.muting)
        outlets: list[str] = []
        for report in reports:
            if report.outlet and not report.muted and report.outlet not in outlets:
                outlets.append(report.outlet)
        categories = sorted({r.category for r in refs if r.category}, key=str.casefold)
        first = min(r.when for r in reports)
        last = max(r.when for r in reports)
        headline = (version.story.headline if version else "") or cluster.headline \
            or refs[0].title or f"Story {cluster.id}"
        return Card(
            id=cluster.id, headline=headline, story=version.story if version else None,
            version=version.version if version else None, outlets=outlets,
            categories=categories, first_seen=first, last_seen=last,
            updated=max(version.created_at, last) if version else last,
            report_count=len(reports), breaking=False, score=0.0, reports=reports,
            burst_end=burst_end(reports),
        )

    def muted_because(self, card: Card) -> str:
        """Why the reader's mutes hide this story ("" when they don't)."""
        if not card.outlets:
            return "every outlet reporting it is muted"
        word = self.muting.keyword(card.headline, card.lede_text)
        return f"it mentions “{word}”" if word else ""

    # ------------------------------------------------------------ listings

    def front(self, limit: int = FRONT_SIZE) -> Listing:
        now = self.now()
        ids = self.store.active_story_ids(limit=FRONT_CANDIDATES)
        cards, hidden = self.cards(ids, now)
        cards.sort(key=lambda c: (-c.score, -c.last_seen.timestamp(), -c.id))
        return Listing("Top stories", cards[:limit], hidden,
                       "Ranked by how fresh each story is and how many outlets report it.")

    def latest(self, since: datetime | None = None, limit: int = LIST_SIZE) -> Listing:
        """Most recently active stories first (what feeds carry)."""
        cards, hidden = self.cards(self.store.active_story_ids(since=since, limit=limit))
        return Listing("Latest stories", cards, hidden)

    def sections(self) -> list[tuple[str, str]]:
        """(slug, name) of every section, i.e. every source category."""
        seen: dict[str, str] = {}
        for name, _count in self.store.categories():
            seen.setdefault(slug(name), name)
        return list(seen.items())

    def section(self, section_slug: str, limit: int = LIST_SIZE) -> Listing | None:
        names = [name for s, name in self.sections() if s == section_slug]
        if not names:
            return None
        ids: list[int] = []
        for name in names:
            ids.extend(i for i in self.store.active_story_ids(category=name, limit=limit)
                       if i not in ids)
        cards, hidden = self.cards(ids)
        cards.sort(key=lambda c: (-c.last_seen.timestamp(), -c.id))
        return Listing(names[0], cards[:limit], hidden,
                       f"Stories reported by sources filed under {names[0]}, latest first.",
                       section_slug=section_slug)

    def outlets(self) -> list[OutletRow]:
        rows: dict[str, OutletRow] = {}
        for name, count, latest in self.store.outlet_counts():
            key = slug(name)
            row = rows.get(key)
            if row is None:
                rows[key] = OutletRow(name, key, count, latest, self.muting.outlet(name))
            else:  # names that differ only in case or accents share a page
                row.articles += count
                row.latest = max(filter(None, [row.latest, latest]), default=None)
        return sorted(rows.values(), key=lambda r: r.name.casefold())

    def outlet(self, outlet_slug: str, limit: int = LIST_SIZE) -> tuple[OutletRow, Listing] | None:
        names = [name for name, _, _ in self.store.outlet_counts() if slug(name) == outlet_slug]
        if not names:
            return None
        row = next(r for r in self.outlets() if r.slug == outlet_slug)
        if row.muted:
            return row, Listing(row.name, [], 0, "You have muted this outlet.")
        ids: list[int] = []
        for name in names:
            ids.extend(i for i in self.store.active_story_ids(outlet=name, limit=limit)
                       if i not in ids)
        cards, hidden = self.cards(ids)
        cards.sort(key=lambda c: (-c.last_seen.timestamp(), -c.id))
        return row, Listing(row.name, cards[:limit], hidden,
                            f"Stories {row.name} reported, latest first.")

    def search(self, query: str, limit: int = 30) -> SearchResult:
        query = query.strip()[:200]
        if not query:
            return SearchResult(query, [], [])
        ids = self.store.search_stories(query, limit=limit)
        articles = [a for a in self.store.search_articles(query, limit=limit)
                    if not self.muting.outlet(a.outlet)
                    and not self.muting.keyword(a.title)]
        # Stories whose reports match count too, after those whose own text matches.
        for article in articles:
            if article.story_id is not None and article.story_id not in ids:
                ids.append(article.story_id)
        cards, hidden = self.cards(ids[:limit])
        return SearchResult(query, cards, articles, hidden)

    # ------------------------------------------------------------ a story

    def story(self, story_id: int, version: int | None = None) -> StoryPage | Moved | None:
        cluster = self.store.get_story(story_id)
        seen = {story_id}
        while cluster is not None and cluster.status == "merged" and cluster.merged_into:
            if cluster.merged_into in seen:
                return None
            seen.add(cluster.merged_into)
            cluster = self.store.get_story(cluster.merged_into)
        if cluster is None or cluster.id is None:
            return None
        if cluster.id != story_id:
            return Moved(cluster.id)
        cards, _ = self.cards([story_id], keep_muted=True)
        if not cards:
            return None
        card = cards[0]
        history = list(reversed(self.store.story_versions(story_id)))
        shown = history[0] if history else None
        if version is not None:
            shown = next((v for v in history if v.version == version), None)
            if shown is None:
                return None
        cited = ({s.article_id for s in shown.story.sources} if shown else set())
        cited_urls = {s.url for s in shown.story.sources} if shown else set()
        uncited = [r for r in card.reports
                   if r.article_id not in cited and r.url not in cited_urls]
        return StoryPage(card=card, cluster=cluster, shown=shown,
                         latest_version=history[0].version if history else None,
                         history=history, reports=card.reports, uncited=uncited,
                         muted_because=self.muted_because(card))
