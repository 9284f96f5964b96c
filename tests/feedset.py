"""A fictional news landscape for run, crash and load tests: outlets with RSS feeds and article
pages, reporting events in their own words, served from a loopback HTTP server.

    feedset = FeedSet(outlets=6, events=30, seed=7)
    with Loopback(feedset.routes()) as server:       # paths are relative: any port works
        for path in feedset.feed_paths(): ...        # "/o3/rss.xml"
        feedset.articles                             # every report: path, title, text, …

Each event (a made-up town, person, thing, figure, day) is reported by several outlets. Every
report states the same facts in the outlet's own wording, in its own order, so the reports of
one event group into one story while no two are near-duplicate copies. Some events have a later
report that revises the figure. Every name here is invented.

``release`` spreads the articles over time: a feed lists only the reports whose release time
has come (seconds after the server started), as real feeds fill up through the day.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

_SYLLABLES = ["bar", "vel", "dun", "ka", "mor", "ith", "sal", "tre", "von", "gal", "es", "rin",
              "hol", "mar", "quen", "dal", "ost", "fey", "lun", "brak", "cor", "wen", "tal", "ny"]
_FIRST = ["Ada", "Bram", "Cora", "Dov", "Elin", "Fenna", "Goran", "Hedda", "Ivo", "Jana",
          "Kasimir", "Lotte", "Milo", "Nadia", "Oskar", "Petra", "Ruben", "Sanne", "Teodor",
          "Vera"]
_THINGS = ["ferry terminal", "grain store", "tram depot", "river lock", "paper mill",
           "fish market", "cable car", "water works", "concert hall", "railway bridge",
           "power station", "harbour wall", "ski lift", "bus garage", "city archive"]
_CAUSES = [("fire", "a fire"), ("flood", "flooding"), ("storm", "a storm"),
           ("power cut", "a power cut"), ("landslide", "a landslide"),
           ("strike", "a strike"), ("gas leak", "a gas leak")]
_UNITS = ["residents", "workers", "passengers", "households", "pupils", "shops"]
_ROLES = ["mayor", "fire chief", "harbour master", "council leader", "safety inspector"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["March", "April", "May", "June", "September", "October"]
_NEXT = ["an inquiry", "a council vote", "emergency repairs", "a public meeting",
         "a safety review", "a rebuilding plan", "an insurance assessment"]
_QUOTES = ["Nobody was hurt, and that is what matters tonight.",
           "We will have the {thing} open again as soon as it is safe.",
           "I have never seen anything like it in thirty years here.",
           "Everyone did exactly what they were trained to do.",
           "We owe the crews a great deal after {day}.",
           "The questions can wait until the last family is home.",
           "It could have been much worse, and we know it."]
_PARTS = ["main entrance", "loading bay", "roof", "basement", "east wing", "control room",
          "boiler house", "car park", "north gate", "ticket hall"]
_STREETS = ["Street", "Lane", "Road", "Quay", "Square", "Hill"]
_CREWS = ["fire", "rescue", "repair", "volunteer", "army", "utility"]


@dataclass
class Event:
    number: int
    town: str
    person: str
    role: str
    thing: str
    cause: tuple[str, str]
    count: int
    unit: str
    day: str
    month: str
    next_step: str
    quote: str
    part: str
    hour: int
    built: int
    renovated: int
    street: str
    crews: str
    revised: int | None = None  # a later report gives this figure instead


@dataclass
class Report:
    event: int
    outlet: int
    path: str  # "/o2/e17-r1.html"
    title: str
    paragraphs: list[str]
    published: datetime
    release: float = 0.0  # seconds after the server starts that the feed lists it

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def make_event(number: int, rng: random.Random) -> Event:
    return Event(
        number=number, town=_name(rng, rng.choice((2, 3))),
        person=f"{rng.choice(_FIRST)} {_name(rng, 3)}", role=rng.choice(_ROLES),
        thing=rng.choice(_THINGS), cause=rng.choice(_CAUSES), count=rng.randint(12, 940),
        unit=rng.choice(_UNITS), day=rng.choice(_DAYS), month=rng.choice(_MONTHS),
        next_step=rng.choice(_NEXT), quote=rng.choice(_QUOTES).format(
            thing=rng.choice(_THINGS), day=rng.choice(_DAYS)),
        part=rng.choice(_PARTS), hour=rng.randint(1, 12), built=rng.randint(1890, 1990),
        renovated=rng.randint(1995, 2024), street=f"{_name(rng, 2)} {rng.choice(_STREETS)}",
        crews=rng.choice(_CREWS),
        revised=rng.randint(950, 1900) if rng.random() < 0.25 else None)


def _sentences(e: Event, style: int, count: int) -> list[str]:
    """The event's facts as sentences in one of three house styles. Every sentence names
    the event's own town, people, place or figures, so that reports of two different events
    never share most of their wording (the de-duplicator would rightly call that a copy)."""
    cause, cause_np = e.cause
    lede = [
        f"{cause_np.capitalize()} shut the {e.thing} in {e.town} on {e.day}, leaving {count} "
        f"{e.unit} without access, officials said.",
        f"The {e.town} {e.thing} was closed on {e.day} after {cause_np}, and {count} {e.unit} "
        "were affected, according to the town hall.",
        f"Some {count} {e.unit} in {e.town} were cut off on {e.day} when {cause_np} forced the "
        f"{e.thing} to close.",
    ][style]
    quote = [
        f"\"{e.quote}\" said {e.person}, the {e.role} of {e.town}.",
        f"{e.role.capitalize()} {e.person} told reporters in {e.town}: \"{e.quote}\"",
        f"\"{e.quote}\" {e.person} said on {e.day} evening outside the {e.thing}.",
    ][style]
    cause_line = [
        f"Investigators believe the {cause} at the {e.thing} started near its {e.part} around "
        f"{e.hour} o'clock.",
        f"The {cause} appears to have begun near the {e.part} of the {e.town} {e.thing} at "
        f"about {e.hour} o'clock, investigators said.",
        f"According to investigators in {e.town}, the {e.part} is where the {cause} began, "
        f"shortly after {e.hour} o'clock.",
    ][style]
    next_line = [
        f"{e.town} plans {e.next_step} in {e.month}, {e.person} added.",
        f"{e.next_step.capitalize()} on the {e.thing} is expected in {e.month}, the {e.role} "
        "said.",
        f"Officials in {e.town} said {e.next_step} would follow in {e.month}.",
    ][style]
    history = [
        f"The {e.town} {e.thing} opened in {e.built} and was last renovated in {e.renovated}.",
        f"Built in {e.built}, the {e.thing} at {e.town} had its last renovation in "
        f"{e.renovated}.",
        f"It is the first closure of the {e.thing} since {e.town} opened it in {e.built}.",
    ][style]
    reaction = [
        f"Neighbours on {e.street} gathered outside to watch {e.crews} crews at work.",
        f"Crowds of {e.town} locals on {e.street} watched as {e.crews} crews worked.",
        f"People from {e.street} came out in numbers to watch {e.crews} crews at the "
        f"{e.thing}.",
    ][style]
    return [lede, quote, cause_line, next_line, history, reaction]


def make_report(e: Event, outlet: int, nth: int, published: datetime,
                rng: random.Random, update: bool = False) -> Report:
    style = outlet % 3
    count = e.revised if update and e.revised else e.count
    pool = _sentences(e, style, count)
    lede, rest = pool[0], pool[1:]
    rng.shuffle(rest)
    body = [lede] + rest[:rng.randint(3, 5)]
    if update:
        body.insert(1, f"The number of {e.unit} affected was revised to {count} on "
                       f"{e.day} night, officials said.")
    house = (f"Reporting for Outlet {outlet} by its {e.town} correspondent; filed "
             f"{published:%H:%M} on {e.day}.")
    paragraphs = [" ".join(body[:2]), " ".join(body[2:4]), " ".join(body[4:] + [house])]
    cause, _ = e.cause
    titles = [
        f"{cause.capitalize()} closes {e.town} {e.thing}, {count} {e.unit} affected",
        f"{e.town} {e.thing} shut after {cause}",
        f"{count} {e.unit} cut off as {cause} hits {e.town}",
    ]
    title = titles[style]
    if update:
        title = f"{e.town} {e.thing}: figure revised to {count} {e.unit}"
    return Report(event=e.number, outlet=outlet, path=f"/o{outlet}/e{e.number}-r{nth}.html",
                  title=title, paragraphs=[p for p in paragraphs if p], published=published)


@dataclass
class FeedSet:
    outlets: int = 6
    events: int = 30
    reports: tuple[int, int] = (1, 3)  # reports per event, at least and at most (3 at most)
    seed: int = 1
    release: float = 0.0  # spread the reports' release over this many seconds (0: all at once)
    page_delay: float = 0.0  # seconds each article page takes to answer
    limit: int | None = None  # at most this many reports (the earliest)
    start: datetime = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    event_list: list[Event] = field(default_factory=list, init=False)
    articles: list[Report] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.event_list = [make_event(n, rng) for n in range(self.events)]
        for e in self.event_list:
            # Outlets of different house styles, so that no report is a near-copy of another.
            k = min(rng.randint(*self.reports), 3, self.outlets)
            styles = rng.sample(range(min(3, self.outlets)), k)
            outlets = [rng.choice(range(s, self.outlets, 3)) for s in styles]
            when = self.start + timedelta(minutes=7 * e.number)
            for nth, outlet in enumerate(outlets):
                self.articles.append(make_report(
                    e, outlet, nth, when + timedelta(minutes=13 * nth), rng,
                    update=bool(e.revised) and nth == len(outlets) - 1 and nth > 0))
        self.articles.sort(key=lambda r: r.published)
        if self.limit is not None:
            self.articles = self.articles[:self.limit]
        for i, report in enumerate(self.articles):
            report.release = self.release * i / max(1, len(self.articles))
        self._started = time.monotonic()

    def feed_paths(self) -> list[str]:
        return [f"/o{n}/rss.xml" for n in range(self.outlets)]

    def outlet_name(self, n: int) -> str:
        return f"The {_name(random.Random(1000 + n), 2)} {['Courier', 'Herald', 'Post'][n % 3]}"

    def routes(self) -> dict[str, object]:
        """Loopback routes: a feed per outlet (links relative to the request's host are not
        allowed in RSS, so they are filled in per request) and a page per report."""
        from tests.loopback import Route  # only the tests' server needs it

        routes: dict[str, object] = {}
        for report in self.articles:
            routes[report.path] = Route(
                200, {"Content-Type": "text/html; charset=utf-8"},
                self.page(report), delay=self.page_delay)
        for n in range(self.outlets):
            routes[f"/o{n}/rss.xml"] = self._feed_route(n)
        return routes

    def restart_clock(self) -> None:
        self._started = time.monotonic()

    def listed(self, outlet: int) -> list[Report]:
        """The reports outlet's feed lists now (newest first)."""
        now = time.monotonic() - self._started
        items = [r for r in self.articles if r.outlet == outlet and r.release <= now]
        return sorted(items, key=lambda r: r.published, reverse=True)

    def _feed_route(self, outlet: int):
        from tests.loopback import Route

        def serve(request) -> Route:
            host = request.headers.get("host", "127.0.0.1")
            return Route(200, {"Content-Type": "application/rss+xml; charset=utf-8"},
                         self.rss(outlet, f"http://{host}"))

        return serve

    def rss(self, outlet: int, base: str) -> bytes:
        items = []
        for r in self.listed(outlet):
            link = xml_escape(base + r.path)
            items.append(f"<item><title>{xml_escape(r.title)}</title><link>{link}</link>"
                         f"<guid isPermaLink=\"true\">{link}</guid>"
                         f"<pubDate>{format_datetime(r.published)}</pubDate>"
                         f"<description>{xml_escape(r.paragraphs[0])}</description></item>")
        name = xml_escape(self.outlet_name(outlet))
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{name}</title><link>{base}/o{outlet}/</link>"
                f"<description>{name}: fictional test outlet</description>"
                + "".join(items) + "</channel></rss>\n").encode("utf-8")

    def page(self, report: Report) -> bytes:
        site = escape(self.outlet_name(report.outlet))
        body = "".join(f"<p>{escape(p)}</p>" for p in report.paragraphs)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(report.title)} | {site}</title>"
            f'<meta property="og:site_name" content="{site}">'
            f'<meta property="article:published_time" content="{report.published.isoformat()}">'
            "</head><body><header><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>"
            f"</header><main><article><h1>{escape(report.title)}</h1>{body}</article></main>"
            f"<footer><p>© {site}</p></footer></body></html>").encode()
