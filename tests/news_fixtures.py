"""Fictional news for the ingest tests: articles, their pages, and RSS/Atom feeds listing them.

Every outlet, person, place and event here is invented for newsdesk's tests.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

BRIDGE = {
    "title": "Vellmar harbour bridge reopens after storm damage",
    "byline": "Mira Castellan",
    "published": datetime(2024, 3, 14, 7, 30, tzinfo=UTC),
    "paragraphs": [
        "The Vellmar harbour bridge reopened to traffic on Friday morning, three days after a "
        "winter storm tore loose two of its expansion joints, the city transport office said.",
        "Engineers worked through the night to bolt temporary steel plates across the gaps, "
        "according to Tomas Ravel, who heads the office. \"We will keep a close eye on it "
        "through the spring,\" he said.",
        "About 40,000 vehicles cross the bridge on a normal weekday. The extra ferries that "
        "ran during the closure will stop on Sunday, and the permanent repair is planned "
        "for May.",
    ],
}

# The same event, reported independently by another outlet: same facts, its own words.
BRIDGE_OTHER = {
    "title": "Traffic returns to Vellmar crossing as temporary repairs hold",
    "byline": "Jonas Edde",
    "published": datetime(2024, 3, 14, 9, 5, tzinfo=UTC),
    "paragraphs": [
        "Cars and buses were rolling across Vellmar's main harbour crossing again by Friday "
        "breakfast time, ending a three-day shutdown caused by this week's gale.",
        "Crews fitted steel plates over two damaged joints overnight. Transport chief Tomas "
        "Ravel told reporters the fix was temporary and that the structure would be "
        "monitored closely until proper work begins in May.",
        "Commuters who had queued for the stop-gap ferry service said they were relieved. "
        "The ferries end on Sunday.",
    ],
}

WIRE = {
    "title": "Orvane grain co-operative posts record harvest",
    "byline": "By Lio Marsh, Harbour Wire Service",
    "published": datetime(2024, 3, 15, 6, 0, tzinfo=UTC),
    "paragraphs": [
        "The Orvane grain co-operative said on Thursday that its members brought in a record "
        "412,000 tonnes of wheat and barley last season, helped by a mild autumn and two new "
        "storage halls near the river port.",
        "Chair Anneke Solberg said the co-operative would pay members a bonus of 14 crowns a "
        "tonne on top of the agreed price, the first such payment in six years.",
        "Exports through the river port rose by a fifth, the co-operative said, with most of "
        "the extra grain shipped to mills along the southern coast.",
        "Smaller farms in the hill districts did less well. Late frost cut their yields by "
        "about a tenth, and several asked the regional council for help with seed costs.",
        "The co-operative plans to open a third storage hall next year and to hire forty "
        "seasonal workers for the next harvest.",
    ],
}


def syndicated_copy(article: dict) -> dict:
    """How another outlet republishes wire copy: its own headline and credit line, and the
    story trimmed by one sentence."""
    paragraphs = list(article["paragraphs"][:-1])
    paragraphs[0] = paragraphs[0] + " (Reporting by the Harbour Wire Service.)"
    return {**article, "title": "Bumper year for Orvane farmers as grain haul hits record",
            "byline": "Staff and wire reports", "paragraphs": paragraphs}


def text_of(article: dict) -> str:
    return "\n\n".join(article["paragraphs"])


def page_html(article: dict, site: str = "The Daily Lantern", charset: str = "utf-8") -> bytes:
    """An article page the way news sites build them: navigation, the article, a footer."""
    body = "".join(f"<p>{escape(p)}</p>" for p in article["paragraphs"])
    published = article["published"].isoformat()
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}">'
        f"<title>{escape(article['title'])} | {escape(site)}</title>"
        f'<meta property="og:site_name" content="{escape(site)}">'
        f'<meta name="author" content="{escape(article["byline"])}">'
        f'<meta property="article:published_time" content="{published}">'
        '</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a> '
        '<a href="/sport">Sport</a></nav></header><main><article>'
        f"<h1>{escape(article['title'])}</h1>{body}</article></main>"
        f"<footer><p>Copyright {escape(site)}. All rights reserved.</p></footer></body></html>"
    )
    return html.encode(charset)


MARKUP_ONLY = (b'<!doctype html><html><head><title>Loading</title><script src="/app.js"></script>'
               b'</head><body><div id="root"></div><noscript></noscript></body></html>')


def rss(title: str, items: list[dict], link: str = "http://127.0.0.1/") -> bytes:
    """RSS 2.0; an item has link, title, and optionally summary, content, author, published."""
    parts = []
    for item in items:
        extra = ""
        if item.get("published"):
            extra += f"<pubDate>{format_datetime(item['published'])}</pubDate>"
        if item.get("author"):
            extra += f"<dc:creator>{xml_escape(item['author'])}</dc:creator>"
        if item.get("summary"):
            extra += f"<description>{xml_escape(item['summary'])}</description>"
        if item.get("content"):
            extra += f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>"
        parts.append(f"<item><title>{xml_escape(item['title'])}</title>"
                     f"<link>{xml_escape(item['link'])}</link>{extra}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{xml_escape(title)}</title><link>{xml_escape(link)}</link>"
            "<description>Fictional test outlet</description><language>en</language>"
            + "".join(parts) + "</channel></rss>\n").encode("utf-8")


def atom(title: str, items: list[dict]) -> bytes:
    parts = []
    for n, item in enumerate(items):
        when = (item.get("published") or datetime(2024, 1, 1, tzinfo=UTC)).isoformat()
        summary = (f"<summary type=\"html\">{xml_escape(item['summary'])}</summary>"
                   if item.get("summary") else "")
        author = (f"<author><name>{xml_escape(item['author'])}</name></author>"
                  if item.get("author") else "")
        parts.append(f"<entry><title>{xml_escape(item['title'])}</title>"
                     f"<link rel=\"alternate\" href=\"{xml_escape(item['link'])}\"/>"
                     f"<id>urn:test:{n}</id><updated>{when}</updated><published>{when}"
                     f"</published>{author}{summary}</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{xml_escape(title)}</title><id>urn:test:feed</id>"
            "<updated>2024-03-15T00:00:00Z</updated>" + "".join(parts) + "</feed>\n"
            ).encode("utf-8")


_SYLLABLES = ["var", "mel", "dor", "ka", "lin", "tor", "sa", "bre", "nu", "vel", "os", "tam",
              "rik", "hal", "zen", "po", "gar", "mi", "sel", "fen", "ul", "dra", "kor", "ven"]
_NOUNS = ["council", "ferry", "library", "harbour", "school", "orchard", "museum", "railway",
          "clinic", "market", "bakery", "choir", "brewery", "stadium", "theatre", "lighthouse"]
_VERBS = ["approved", "opened", "delayed", "funded", "rejected", "expanded", "reviewed",
          "closed", "praised", "questioned", "renamed", "restored", "inspected", "moved"]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def generated_article(number: int) -> dict:
    """A distinct fictional article (its text shares no sentences with any other number)."""
    rng = random.Random(number * 7919)
    town, person = _name(rng), f"{_name(rng)} {_name(rng)}"
    paragraphs = []
    for _ in range(4):
        sentences = []
        for _ in range(3):
            sentences.append(
                f"{_name(rng)} {rng.choice(_NOUNS)} {rng.choice(_VERBS)} {rng.randint(2, 990)} "
                f"{rng.choice(_NOUNS)} plans near {_name(rng)} on day {rng.randint(1, 28)}, "
                f"{person} of {town} told {_name(rng)} reporters.")
        paragraphs.append(" ".join(sentences))
    return {
        "title": f"{town} {rng.choice(_NOUNS)} news number {number}",
        "byline": person,
        "published": datetime(2024, 2, 1, tzinfo=UTC) + timedelta(hours=number),
        "paragraphs": paragraphs,
    }
