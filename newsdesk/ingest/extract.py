"""HTML → the article's text and metadata (trafilatura), and HTML fragments → plain text.

The text keeps its paragraphs: one blank line between two, which is what the sentence splitter
(``newsdesk.understand.sentences``) reads as a paragraph break.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html
import trafilatura
from lxml import etree

# trafilatura logs every page it finds no text in at WARNING; newsdesk records that itself.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)

# What XML (and so lxml) cannot hold: control characters, surrogates, U+FFFE and U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_HTML_LANG = re.compile(r"""<html[^>]*\slang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.I)
_DATE_PARAMS = {
    "extensive_search": False,  # no guessing a date from stray numbers in the page
    "original_date": True,  # the publication date, not the last edit
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
           "tr", "table", "ul", "ol", "section", "article", "header", "footer", "figure",
           "figcaption", "dd", "dt", "hr"}


@dataclass
class PageText:
    """What trafilatura found on a page."""

    text: str  # paragraphs separated by a blank line
    title: str = ""
    author: str = ""
    published_at: datetime | None = None
    sitename: str = ""
    language: str = ""


def extract_page(html: str, url: str | None = None) -> PageText | None:
    """The main text of a page with its metadata; None when the page has no article text."""
    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params=_DATE_PARAMS)
    except Exception:  # trafilatura raises on some broken trees instead of returning None
        return None
    if document is None or not (document.text or "").strip():
        return None
    title = _clean(document.title or "")
    paragraphs = [_clean(line) for line in document.text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]  # the headline, repeated from <h1>
    if not paragraphs:
        return None
    lang = _HTML_LANG.search(html[:5000])
    return PageText(
        text="\n\n".join(paragraphs), title=title, author=_clean(document.author or ""),
        published_at=parse_page_date(document.date), sitename=_clean(document.sitename or ""),
        language=lang.group(1).lower() if lang else "",
    )


def parse_page_date(value: str | None) -> datetime | None:
    """A trafilatura/htmldate date (with or without time and offset) as UTC."""
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            when = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed's summary), one blank line between blocks."""
    # lxml refuses to set text holding control characters, which "&#1;" parses to (found by
    # tests/test_hostile.py): they carry nothing, so they go before parsing, raw or escaped.
    fragment = _BAD_REFERENCE.sub(_reference, _CONTROL.sub("", fragment))
    if "<" not in fragment and "&" not in fragment:
        return _paragraphs(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):  # lxml asserts on "<!DOCTYPE><HEAD"
        return _paragraphs(fragment)
    try:
        for element in list(root.iter("script", "style", "noscript", "template")):
            element.drop_tree()
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
                element.tail = "\n\n" + (element.tail or "")
                if element.tag.lower() != "br":
                    element.text = "\n\n" + (element.text or "")
    except ValueError:  # a character lxml will not take back after all: plain text, then
        return _paragraphs(_CONTROL.sub("", root.text_content()))
    return _paragraphs(root.text_content())


_BAD_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));?")


def _reference(match: re.Match[str]) -> str:
    value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if value > 0x10FFFF or _CONTROL.match(chr(value)):
        return ""
    return match.group(0)


def _paragraphs(text: str) -> str:
    lines = (_clean(p) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in lines if p)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
