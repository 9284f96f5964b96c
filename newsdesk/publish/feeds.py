"""Stories as feeds: Atom (RFC 4287) and JSON Feed 1.1, for the whole site, a section or a search.

Every entry links to its story page and carries the story's lede, with each citation linking to
the story's source list, plus the sources themselves. Feed readers are one more place hostile
article text lands, so all text goes through the same escaping as the pages, and characters XML
cannot hold are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

from newsdesk import __version__
from newsdesk.publish.pages import Card
from newsdesk.publish.templating import iso, plain, render

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"

# Characters XML 1.0 cannot carry at all (escaping does not help).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def entry_html(card: Card, url: str) -> str:
    """The story as the HTML body of a feed entry (citations link to ``url#src-N``)."""
    return render("feed_entry.html", card=card, url=url).strip()


def _updated(cards: list[Card], now: datetime) -> datetime:
    return max((c.updated for c in cards), default=now)


def atom_feed(cards: list[Card], *, title: str, feed_url: str, home_url: str,
              story_url: Callable[[int], str], now: datetime, subtitle: str = "") -> bytes:
    """An Atom document. ``story_url(id)`` must give absolute URLs: entries' ids are their pages."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = xml_text(text)
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_url)
    sub(feed, "title", plain(title))
    if subtitle:
        sub(feed, "subtitle", plain(subtitle))
    sub(feed, "updated", iso(_updated(cards, now)))
    sub(feed, "link", rel="self", type="application/atom+xml", href=xml_text(feed_url))
    sub(feed, "link", rel="alternate", type="text/html", href=xml_text(home_url))
    author = sub(feed, "author")
    sub(author, "name", "newsdesk")
    sub(feed, "generator", "newsdesk", version=__version__)
    for card in cards:
        url = story_url(card.id)
        entry = sub(feed, "entry")
        sub(entry, "id", url)
        sub(entry, "title", plain(card.headline))
        sub(entry, "link", rel="alternate", type="text/html", href=xml_text(url))
        sub(entry, "published", iso(card.first_seen))
        sub(entry, "updated", iso(card.updated))
        for category in card.categories:
            sub(entry, "category", term=xml_text(plain(category)))
        if card.lede_text:
            sub(entry, "summary", plain(card.lede_text))
        sub(entry, "content", entry_html(card, url), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def json_feed(cards: list[Card], *, title: str, feed_url: str, home_url: str,
              story_url: Callable[[int], str], now: datetime, subtitle: str = "") -> dict:
    """A JSON Feed 1.1 document (as a dict, ready for ``json.dumps``)."""
    items = []
    for card in cards:
        url = story_url(card.id)
        item = {
            "id": url,
            "url": url,
            "title": plain(card.headline),
            "content_html": entry_html(card, url),
            "date_published": iso(card.first_seen),
            "date_modified": iso(card.updated),
            "tags": [plain(c) for c in card.categories],
            "_newsdesk": {"story_id": card.id, "version": card.version,
                          "outlets": card.outlets, "breaking": card.breaking,
                          "reports": card.report_count},
        }
        if card.lede_text:
            item["summary"] = plain(card.lede_text)
        items.append(item)
    doc = {
        "version": JSON_FEED_VERSION,
        "title": plain(title),
        "home_page_url": home_url,
        "feed_url": feed_url,
        "language": "en",
        "authors": [{"name": "newsdesk"}],
        "items": items,
    }
    if subtitle:
        doc["description"] = plain(subtitle)
    return doc
