"""The plain data objects that pass between the pipeline's steps.

ingest → store → understand → group → write → verify → publish: each step takes and returns
these dataclasses; none of them knows about SQLite, HTTP or a model. Times are timezone-aware
UTC ``datetime`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- ingest / store


@dataclass
class Source:
    """Somewhere articles come from: an RSS/Atom feed, a single page, or a local path."""

    url: str
    kind: str = "feed"  # "feed" | "page" | "file"
    title: str = ""
    outlet: str = ""  # the outlet's display name, when the feed or OPML gives one
    category: str = ""  # e.g. an OPML folder: "World", "Business"
    id: int | None = None
    added_at: datetime | None = None
    # fetch state, kept by the ingest step
    etag: str = ""
    last_modified: str = ""
    last_fetched_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str = ""
    error_count: int = 0
    article_count: int = 0
    interval_seconds: int | None = None  # None: the configured default
    next_fetch_at: datetime | None = None


@dataclass
class Carrier:
    """One outlet that published an article's text (syndicated wire copy has several)."""

    outlet: str
    url: str
    title: str = ""
    published_at: datetime | None = None


@dataclass
class Article:
    """One news article as published by one outlet."""

    url: str  # canonical: tracking parameters stripped
    title: str
    text: str
    outlet: str = ""
    byline: str = ""
    published_at: datetime | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    language: str = "en"
    content_hash: str = ""
    simhash: int = 0
    source_id: int | None = None
    id: int | None = None
    # other outlets that carried the same text (near-duplicates folded into this article)
    carriers: list[Carrier] = field(default_factory=list)

    @property
    def when(self) -> datetime:
        """The best time we know for the article: published, else fetched."""
        return self.published_at or self.fetched_at


@dataclass
class ArticleRef:
    """An article without its text, with its source's category and its story: what listings,
    search results and coverage charts need (loading every text for them would be wasteful)."""

    id: int
    url: str
    title: str
    outlet: str
    published_at: datetime | None
    fetched_at: datetime
    category: str = ""  # the category of the source it came from ("" when none)
    story_id: int | None = None
    carriers: list[Carrier] = field(default_factory=list)
    snippet: str = ""  # search results only: matched text, hits between \ue000 and \ue001

    @property
    def when(self) -> datetime:
        return self.published_at or self.fetched_at


@dataclass
class FetchOutcome:
    """What one ingest of one source did; the CLI summarises these."""

    source: str
    new: int = 0
    duplicates: int = 0
    syndicated: int = 0  # near-duplicates folded into an existing article
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False


# ---------------------------------------------------------------- group


@dataclass
class StoryCluster:
    """A story as the grouping step sees it: which articles report one event."""

    article_ids: list[int]
    id: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    status: str = "open"  # "open" | "stale" | "merged"
    merged_into: int | None = None
    headline: str = ""  # the latest written headline, or the best source title until then


# ---------------------------------------------------------------- write / verify


@dataclass
class StorySource:
    """An entry of a story's source list; citation numbers point here (1-based)."""

    number: int
    article_id: int | None
    outlet: str
    title: str
    url: str
    published_at: datetime | None = None


@dataclass
class CitedSentence:
    """One published sentence and the sources (``StorySource.number``) that support it."""

    text: str
    citations: list[int]
    origin: str = "extract"  # "extract": taken from the sources; "llm": written by a model
    verified: bool | None = None  # None: not checked yet
    reason: str = ""  # the verifier's reason when it rejected or doubted the sentence


@dataclass
class Section:
    title: str  # a short subhead; "" for the main body
    sentences: list[CitedSentence]


@dataclass
class Quote:
    text: str  # verbatim, without the quotation marks
    speaker: str
    outlet: str
    citations: list[int]


@dataclass
class TimelineEntry:
    date: str  # ISO date (YYYY-MM-DD)
    sentence: CitedSentence


@dataclass
class ConflictValue:
    value: str  # as the sources put it: "two or three", "Monday"
    outlets: list[str]
    citations: list[int]


@dataclass
class Conflict:
    """A fact of one kind about one thing on which the sources disagree."""

    kind: str  # "count" | "time" | "place" | "attribution" | ...
    subject: str  # what the values are about: "killed", "injured", "the time of the blast"
    values: list[ConflictValue]
    summary: str = ""  # a sentence naming who says what


@dataclass
class VerifiedChange:
    """One line of "what changed" between two versions of a story."""

    kind: str  # "new" | "revised" | "correction" | "removed"
    text: str


@dataclass
class WrittenStory:
    """The story a writer produces from one cluster; every sentence carries citations."""

    headline: str
    lede: list[CitedSentence]
    sections: list[Section] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    background: list[CitedSentence] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    whats_next: list[CitedSentence] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    sources: list[StorySource] = field(default_factory=list)
    writer: str = "extractive"
    warnings: list[str] = field(default_factory=list)
    story_id: int | None = None
    written_at: datetime = field(default_factory=utcnow)

    def body_sentences(self) -> list[CitedSentence]:
        """Lede and body, in reading order: the text a reader reads (and ROUGE scores)."""
        out = list(self.lede)
        for section in self.sections:
            out.extend(section.sentences)
        return out

    def all_sentences(self) -> list[CitedSentence]:
        out = self.body_sentences() + list(self.background) + list(self.whats_next)
        out.extend(entry.sentence for entry in self.timeline)
        return out


@dataclass
class StoryVersion:
    """A stored, published version of a story."""

    story_id: int
    version: int
    story: WrittenStory
    article_ids: list[int]
    created_at: datetime = field(default_factory=utcnow)
    changes: list[VerifiedChange] = field(default_factory=list)
    id: int | None = None


# ---------------------------------------------------------------- (de)serialisation


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _sentence(d: dict) -> CitedSentence:
    return CitedSentence(
        text=d["text"],
        citations=list(d.get("citations", [])),
        origin=d.get("origin", "extract"),
        verified=d.get("verified"),
        reason=d.get("reason", ""),
    )


def story_to_dict(story: WrittenStory) -> dict:
    """The JSON shape of a written story (the API and ``--format json`` give exactly this)."""

    def sent(s: CitedSentence) -> dict:
        return {"text": s.text, "citations": s.citations, "origin": s.origin,
                "verified": s.verified, "reason": s.reason}

    return {
        "story_id": story.story_id,
        "headline": story.headline,
        "lede": [sent(s) for s in story.lede],
        "sections": [{"title": sec.title, "sentences": [sent(s) for s in sec.sentences]}
                     for sec in story.sections],
        "quotes": [{"text": q.text, "speaker": q.speaker, "outlet": q.outlet,
                    "citations": q.citations} for q in story.quotes],
        "background": [sent(s) for s in story.background],
        "timeline": [{"date": t.date, **sent(t.sentence)} for t in story.timeline],
        "whats_next": [sent(s) for s in story.whats_next],
        "conflicts": [{"kind": c.kind, "subject": c.subject, "summary": c.summary,
                       "values": [{"value": v.value, "outlets": v.outlets,
                                   "citations": v.citations} for v in c.values]}
                      for c in story.conflicts],
        "sources": [{"number": s.number, "article_id": s.article_id, "outlet": s.outlet,
                     "title": s.title, "url": s.url, "published_at": _iso(s.published_at)}
                    for s in story.sources],
        "writer": story.writer,
        "warnings": story.warnings,
        "written_at": _iso(story.written_at),
    }


def story_from_dict(d: dict) -> WrittenStory:
    return WrittenStory(
        story_id=d.get("story_id"),
        headline=d["headline"],
        lede=[_sentence(s) for s in d.get("lede", [])],
        sections=[Section(sec["title"], [_sentence(s) for s in sec["sentences"]])
                  for sec in d.get("sections", [])],
        quotes=[Quote(q["text"], q["speaker"], q["outlet"], list(q["citations"]))
                for q in d.get("quotes", [])],
        background=[_sentence(s) for s in d.get("background", [])],
        timeline=[TimelineEntry(t["date"], _sentence(t)) for t in d.get("timeline", [])],
        whats_next=[_sentence(s) for s in d.get("whats_next", [])],
        conflicts=[Conflict(c["kind"], c["subject"],
                            [ConflictValue(v["value"], list(v["outlets"]), list(v["citations"]))
                             for v in c["values"]], c.get("summary", ""))
                   for c in d.get("conflicts", [])],
        sources=[StorySource(s["number"], s.get("article_id"), s["outlet"], s["title"], s["url"],
                             _dt(s.get("published_at"))) for s in d.get("sources", [])],
        writer=d.get("writer", "extractive"),
        warnings=list(d.get("warnings", [])),
        written_at=_dt(d.get("written_at")) or utcnow(),
    )
