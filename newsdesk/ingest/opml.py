"""OPML, the file every feed reader imports and exports its subscriptions as.

Import: every ``<outline>`` with an ``xmlUrl`` is a feed; the folder outline it sits in gives
its ``category`` (the innermost folder, when folders nest). An outline ``type="link"`` with a
``url`` is a single page. Export writes the same shape back: one folder per category.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from email.utils import format_datetime

from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.safexml import parse_xml
from newsdesk.models import Source, utcnow


def read_opml(data: bytes) -> list[Source]:
    """The sources an OPML document lists (not yet stored); ``IngestError`` if it is not OPML."""
    root = parse_xml(data)
    if _local(root.tag) != "opml":
        raise IngestError(f"not an OPML file (its root element is <{_local(root.tag)}>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise IngestError("not an OPML file (it has no <body>)")
    sources: list[Source] = []
    seen: set[str] = set()

    def walk(element: ElementTree.Element, category: str) -> None:
        for outline in element:
            if _local(outline.tag) != "outline":
                continue
            attrs = {k.lower(): v.strip() for k, v in outline.attrib.items()}
            name = attrs.get("title") or attrs.get("text") or ""
            kind = attrs.get("type", "").lower()
            url = attrs.get("xmlurl") or (attrs.get("url") if kind in ("rss", "atom") else "")
            page = attrs.get("url") if kind == "link" else ""
            if url or page:
                target = url or page
                if target.startswith(("http://", "https://")) and target not in seen:
                    seen.add(target)
                    sources.append(Source(url=target, kind="feed" if url else "page",
                                          title=name, category=category))
            else:  # a folder
                walk(outline, name or category)

    walk(body, "")
    return sources


def write_opml(sources: Iterable[Source], title: str = "newsdesk sources") -> str:
    """OPML 2.0 listing feeds (and single pages as ``type="link"``), one folder per category."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(utcnow(), usegmt=True)
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {}
    for source in sorted(sources, key=lambda s: (s.category.casefold(), s.id or 0)):
        if source.kind not in ("feed", "page"):
            continue  # local files mean nothing to another machine's feed reader
        parent = body
        if source.category:
            if source.category not in folders:
                folders[source.category] = ElementTree.SubElement(
                    body, "outline", text=source.category, title=source.category)
            parent = folders[source.category]
        name = source.outlet or source.title or source.url
        if source.kind == "feed":
            ElementTree.SubElement(parent, "outline", type="rss", text=name, title=name,
                                   xmlUrl=source.url)
        else:
            ElementTree.SubElement(parent, "outline", type="link", text=name, title=name,
                                   url=source.url)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
        root, encoding="unicode") + "\n"


def _local(tag: object) -> str:
    """An element's name without its namespace, lower-case."""
    return str(tag).rsplit("}", 1)[-1].lower()
