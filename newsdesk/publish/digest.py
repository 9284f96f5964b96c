"""``newsdesk digest``: a newsletter-ready briefing of the top stories of a period.

Markdown for newsletter tools, or one self-contained HTML document with inline styles only (mail
clients drop stylesheets, scripts and external resources). Each story brings its lede with the
citation numbers of its sources and the list of those sources, linked, so a reader can check any
sentence from the inbox. Article text is hostile input here too: Markdown is escaped (a newsletter
tool turns raw HTML in Markdown into live HTML), HTML is autoescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsdesk.models import CitedSentence, StorySource
from newsdesk.publish.pages import Card, Reader
from newsdesk.publish.templating import differ_text, plain, render, safe_url, stamp
from newsdesk.write.render import conflict_text

BODY_SENTENCES = 3  # lede plus body sentences, at most, per story: a briefing, not the story
DIGEST_CANDIDATES = 500

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class DigestError(ValueError):
    pass


def parse_since(text: str, now: datetime) -> datetime:
    """"24h", "90m", "7d", "2w", or an ISO date/time ("2026-11-16", "2026-11-16T08:00")."""
    match = _SINCE.match(text)
    if match:
        amount, unit = float(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DigestError(f"cannot read --since {text!r}: give a period such as 24h, 90m, 7d "
                          "or 2w, or a date such as 2026-11-16") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass
class DigestStory:
    card: Card
    sentences: list[CitedSentence]  # what the briefing prints, in reading order
    conflicts: list[str]  # "who says what" lines
    sources: list[StorySource]  # the sources those sentences cite (numbers as on the page)
    url: str | None  # the story page, when the digest knows where pages live


@dataclass
class Digest:
    since: datetime
    until: datetime
    stories: list[DigestStory]
    hidden: int  # stories the reader's mutes left out


def build_digest(reader: Reader, since: datetime, limit: int = 10,
                 base_url: str | None = None) -> Digest:
    """The top ``limit`` stories with a report since ``since``, ranked like the front page."""
    now = reader.now()
    ids = reader.store.active_story_ids(since=since, limit=DIGEST_CANDIDATES)
    cards, hidden = reader.cards(ids, now)
    cards.sort(key=lambda c: (-c.score, -c.last_seen.timestamp(), -c.id))
    root = base_url.rstrip("/") if base_url else None
    stories = []
    for card in cards[:limit]:
        sentences: list[CitedSentence] = []
        conflicts: list[str] = []
        sources: list[StorySource] = []
        if card.story:
            body = card.story.body_sentences()
            sentences = body[:max(len(card.story.lede), BODY_SENTENCES)]
            conflicts = [differ_text(conflict_text(c)) for c in card.story.conflicts]
            cited = {n for s in sentences for n in s.citations}
            sources = [s for s in card.story.sources if s.number in cited]
        stories.append(DigestStory(card, sentences, conflicts, sources,
                                   f"{root}/story/{card.id}" if root else None))
    return Digest(since, now, stories, hidden)


# ------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def md(text: str, start: bool = False) -> str:
    """Article text as literal Markdown: every character that could be inline markup is
    escaped; at the ``start`` of a paragraph, also what would open a list or a heading."""
    out = _MD_SPECIAL.sub(r"\\\1", plain(text))
    if start:
        out = re.sub(r"^([+=-])", r"\\\1", out)
        out = re.sub(r"^(\d+)([.)])", r"\1\\\2", out)
    return out


def md_link(text: str, url: str | None) -> str:
    href = safe_url(url)
    if not href:
        return md(text)
    # <…> destinations may hold anything but angle brackets and line breaks.
    href = href.replace("<", "%3C").replace(">", "%3E")
    return f"[{md(text)}](<{href}>)"


def _md_marks(citations: list[int]) -> str:
    return f" \\[{', '.join(map(str, citations))}\\]" if citations else ""


def render_markdown(digest: Digest, title: str = "newsdesk briefing") -> str:
    lines = [f"# {md(title)}: {digest.until.astimezone(UTC):%a %d %b %Y}", ""]
    count = len(digest.stories)
    if not count:
        lines += [f"No stories since {stamp(digest.since)}.", ""]
        return "\n".join(lines)
    lines += [f"The {count} top stor{'ies' if count != 1 else 'y'} since {stamp(digest.since)}, "
              "ranked by freshness and by how many outlets report them. Numbers in brackets "
              "point to each story's sources.", ""]
    for index, item in enumerate(digest.stories, 1):
        card = item.card
        lines += [f"## {index}. {md(card.headline)}", ""]
        meta = [("**Breaking** · " if card.breaking else "")
                + f"{len(card.outlets)} outlet{'s' if len(card.outlets) != 1 else ''}",
                f"latest report {stamp(card.last_seen)}"]
        if item.url:
            meta.append(f"[full story](<{item.url}>)")
        lines += [" · ".join(meta), ""]
        if item.sentences:
            lines += [" ".join(md(s.text, start=i == 0) + _md_marks(s.citations)
                               for i, s in enumerate(item.sentences)), ""]
            for conflict in item.conflicts:
                lines += [f"*Sources differ:* {md(conflict)}", ""]
            lines += ["Sources:", ""]
            lines += [f"- \\[{s.number}\\] {md(s.outlet)}: {md_link(s.title, s.url)}"
                      for s in item.sources]
        else:
            lines += ["Not written up yet. Reports so far:", ""]
            lines += [f"- {md(r.outlet)}: {md_link(r.title, r.url)}"
                      for r in card.reports if not r.muted][:8]
        lines += [""]
    if digest.hidden:
        lines += [f"*{digest.hidden} stor{'ies' if digest.hidden != 1 else 'y'} left out by "
                  "your mutes.*", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ HTML (mail)

def render_html(digest: Digest, title: str = "newsdesk briefing") -> str:
    return render("digest.html", digest=digest, title=title, stamp=stamp)
