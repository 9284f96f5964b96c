"""RSS and Atom feeds → entries → articles.

The feed's bytes are checked for entity declarations first (``safexml``), then parsed by
feedparser, which also reads many feeds that are not well-formed XML: such a "bozo" feed is used
when it still yields entries. Each entry's page is fetched for its full text; when the page
cannot be fetched or has no text, the feed's own content stands in.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

from newsdesk.ingest.decode import decode_text
from newsdesk.ingest.dedupe import canonical_url
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.extract import html_to_text
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.pages import fetch_page, host_name, untitled
from newsdesk.ingest.safexml import check_xml
from newsdesk.models import Article

NOT_A_FEED_HTML = ("got an HTML page, not an RSS or Atom feed: add the feed's own URL (look for "
                   "an RSS link on the site), or add this URL with --kind page")


@dataclass
class FeedEntry:
    link: str  # canonical
    title: str
    text: str  # plain text of the entry's content, else its summary
    author: str = ""
    published_at: datetime | None = None


@dataclass
class ParsedFeed:
    title: str
    link: str = ""
    language: str = ""
    entries: list[FeedEntry] = field(default_factory=list)
    problem: str = ""  # why the XML is not well-formed, when entries could be read anyway
    skipped: list[str] = field(default_factory=list)  # entries that could not be used, and why


def parse_feed(data: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a feed document; ``IngestError`` when it is not a usable feed."""
    if not data.strip():
        raise IngestError("empty response: not a feed")
    problem = check_xml(data)
    # feedparser turns "&#xD800;" into a character it then cannot encode: such references
    # (surrogates, beyond Unicode, NUL) become U+FFFD first (found by tests/test_hostile.py).
    data = _BAD_REFERENCE.sub(_replace_reference, data)
    try:
        # A stream, never bytes or str: feedparser would treat a str as a URL or a file name.
        parsed = feedparser.parse(io.BytesIO(data), response_headers={
            "content-location": url, "content-type": content_type or "application/xml"})
    except (ValueError, UnicodeError, LookupError) as exc:  # e.g. encoding="\x00"
        raise IngestError(f"malformed feed XML ({exc})") from None
    if not parsed.entries:
        head = data[:2048].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise IngestError(NOT_A_FEED_HTML)
        if not decode_text(data[:2048]).lstrip("\ufeff \t\r\n").startswith("<"):
            raise IngestError("not an RSS or Atom feed (the response is not XML)")
        if problem:
            raise IngestError(f"malformed feed XML ({problem})")
        if parsed.get("version"):
            return ParsedFeed(title=_text(parsed.feed.get("title", "")))  # empty, but a feed
        raise IngestError("not an RSS or Atom feed")
    feed = ParsedFeed(
        title=_text(parsed.feed.get("title", "")), link=parsed.feed.get("link", ""),
        language=(parsed.feed.get("language") or "")[:2].lower(), problem=problem)
    for number, entry in enumerate(parsed.entries, 1):
        link = entry.get("link") or ""
        if not link.startswith(("http://", "https://")):
            guid = entry.get("id") or ""
            link = guid if guid.startswith(("http://", "https://")) else ""
        title = _text(entry.get("title", ""))
        if not link:
            feed.skipped.append(f"entry {number} ({title or 'untitled'}) has no link")
            continue
        feed.entries.append(FeedEntry(
            link=canonical_url(link), title=title, text=_entry_text(entry),
            author=_text(entry.get("author", "")), published_at=_entry_time(entry)))
    return feed


_BAD_REFERENCE = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));")


def _replace_reference(match: re.Match[bytes]) -> bytes:
    value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return b"&#xFFFD;"
    return match.group(0)


def entry_article(client: FetchClient | None, entry: FeedEntry, feed: ParsedFeed,
                  outlet: str = "") -> tuple[Article, str]:
    """An entry as an article, and a note when its page could not be used ("" otherwise).

    With a client, the entry's page is fetched for the full text; without one (or when that
    fails) the feed's own text is used. ``IngestError`` when neither has any text.
    """
    page, note = None, ""
    if client is not None:
        try:
            page = fetch_page(client, entry.link)
        except IngestError as exc:
            note = str(exc)
    text = entry.text
    if page and len(page.text) >= len(text):  # a longer feed text beats a paywall teaser
        text = page.text
    if not text:
        raise IngestError(f"{note}; the feed gives no text either" if note
                          else "the entry has no text")
    if note:
        note += "; used the feed's own text"
    article = Article(
        url=entry.link,
        title=entry.title or (page.title if page else "") or untitled(text),
        text=text,
        outlet=outlet or feed.title or (page.sitename if page else "") or host_name(entry.link),
        byline=entry.author or (page.author if page else ""),
        published_at=entry.published_at or (page.published_at if page else None),
        language=(page.language if page else "") or feed.language or "en",
    )
    return article, note


def _entry_text(entry: feedparser.FeedParserDict) -> str:
    candidates = [c for c in entry.get("content", []) if c.get("value")]
    if entry.get("summary"):
        candidates.append(entry.get("summary_detail") or {"value": entry["summary"]})
    best = ""
    for item in candidates:
        value = item.get("value", "")
        text = value.strip() if item.get("type") == "text/plain" else html_to_text(value)
        if len(text) > len(best):
            best = text
    return best


def _entry_time(entry: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value: time.struct_time | None = entry.get(key)
        if value:
            try:
                return datetime(*value[:6], tzinfo=UTC)  # feedparser gives UTC
            except (TypeError, ValueError):
                continue
    return None


def _text(value: str) -> str:
    """A title or name from a feed: feedparser may leave markup in it."""
    return html_to_text(value).replace("\n\n", " ") if value else ""
