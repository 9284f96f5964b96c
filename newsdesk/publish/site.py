"""``newsdesk export site DIR``: the web pages as a static site anyone can host.

The same templates as ``newsdesk serve``, with relative links, so the folder works on any web
host, under any path, or opened straight from disk. What needs a server is left out: search, and
the JSON API. Feeds need absolute links, so they are written when ``base_url`` says where the site
will live. The folder is built aside and swapped in whole: a reader never sees half an export, and
a failed export leaves the previous one as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk.publish.coverage import coverage_svg
from newsdesk.publish.feeds import atom_feed, json_feed
from newsdesk.publish.pages import Card, Reader, StoryPage
from newsdesk.publish.templating import STATIC, Links, render, safe_url, stamp

MARKER = ".newsdesk-site"
# Pages opened from disk or any host get the policy as a <meta>; frame-ancestors cannot be set
# that way (hosts can add it as a header).
CSP_META = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; "
            "base-uri 'none'")
FEED_SIZE = 50


class ExportError(RuntimeError):
    pass


@dataclass
class ExportReport:
    path: Path
    stories: int = 0
    pages: int = 0
    feeds: int = 0
    skipped_feeds: bool = False
    files: list[str] = field(default_factory=list)


class _Site:
    def __init__(self, reader: Reader, base_url: str | None):
        self.reader = reader
        self.base = base_url.rstrip("/") if base_url else None
        self.now = reader.now()
        self.sections = reader.sections()

    def page(self, template: str, depth: int, **context: object) -> str:
        return render(template, links=Links(static=True, depth=depth), when=stamp,
                      muting=self.reader.muting, sections=self.sections, csp_meta=CSP_META,
                      built_at=self.now, has_feeds=self.base is not None, **context)

    def feeds(self, path: str, cards: list[Card], title: str,
              home: str) -> Iterator[tuple[str, bytes]]:
        if self.base is None:
            return
        args = dict(title=title, home_url=f"{self.base}/{home}", now=self.now,
                    story_url=lambda i: f"{self.base}/story/{i}.html")
        yield (f"{path}feed.atom", atom_feed(cards, feed_url=f"{self.base}/{path}feed.atom",
                                             **args))
        doc = json_feed(cards, feed_url=f"{self.base}/{path}feed.json", **args)
        yield (f"{path}feed.json", json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def _story_pages(site: _Site, page: StoryPage) -> Iterator[tuple[str, bytes]]:
    chart = coverage_svg(page.reports)
    yield (f"story/{page.card.id}.html",
           site.page("story.html", 1, page=page, chart=chart, nav="story").encode("utf-8"))
    for version in page.history[1:]:  # older versions keep their own pages, as on the server
        found = site.reader.story(page.card.id, version.version)
        if isinstance(found, StoryPage):
            yield (f"story/{page.card.id}-v{version.version}.html",
                   site.page("story.html", 1, page=found, chart=chart,
                             nav="story").encode("utf-8"))


def export_site(reader: Reader, out_dir: Path, base_url: str | None = None,
                on_step: Callable[[int, int], None] | None = None) -> ExportReport:
    """Write the site into ``out_dir`` (replacing an earlier export there, never anything else).

    ``on_step(done, total)`` is called as stories are written, for a progress bar.
    """
    if base_url is not None and not safe_url(base_url):
        raise ExportError(f"--base-url {base_url!r} is not an http(s) address such as "
                          "https://news.example.org/")
    out_dir = out_dir.resolve()
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ExportError(f"{out_dir} exists and is not a folder; choose another path")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            raise ExportError(f"{out_dir} is not empty and holds no earlier newsdesk export; "
                              "choose an empty or new folder so nothing of yours is overwritten")
    report = ExportReport(out_dir, skipped_feeds=base_url is None)
    building = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    if building.exists():
        shutil.rmtree(building)
    building.mkdir(parents=True)
    try:
        _write_all(_Site(reader, base_url), building, report, on_step)
        (building / MARKER).write_text("Built by `newsdesk export site`; the next export "
                                       "replaces this whole folder.\n", encoding="utf-8")
        _swap_in(building, out_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return report


def _write_all(site: _Site, root: Path, report: ExportReport,
               on_step: Callable[[int, int], None] | None) -> None:
    reader = site.reader

    def write(rel: str, data: bytes | str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        report.files.append(rel)
        if rel.endswith(".html"):
            report.pages += 1
        elif rel.endswith((".atom", ".json")):
            report.feeds += 1

    for name in ("site.css", "favicon.svg"):
        write(f"static/{name}", (STATIC / name).read_bytes())

    front = reader.front()
    empty = not front.cards and not front.hidden and reader.store.count_articles() == 0
    write("index.html", site.page("listing.html", 0, listing=front, nav="home", empty_store=empty))
    for rel, data in site.feeds("", reader.latest(limit=FEED_SIZE).cards,
                                "newsdesk: latest stories", "index.html"):
        write(rel, data)
    write("404.html", site.page("error.html", 0, title="Page not found",
                                message="There is no page at this address."))

    for section_slug, _name in site.sections:
        listing = reader.section(section_slug)
        if listing is None:
            continue
        write(f"section/{section_slug}.html",
              site.page("listing.html", 1, listing=listing, nav=f"section:{section_slug}"))
        for rel, data in site.feeds(f"section/{section_slug}/", listing.cards[:FEED_SIZE],
                                    f"newsdesk: {listing.title}", f"section/{section_slug}.html"):
            write(rel, data)

    outlets = reader.outlets()
    write("outlets.html", site.page("outlets.html", 0, outlets=outlets, nav="outlets"))
    for row in outlets:
        found = reader.outlet(row.slug)
        if found is not None:
            write(f"outlet/{row.slug}.html",
                  site.page("listing.html", 1, listing=found[1], nav="outlets"))

    story_ids = reader.store.active_story_ids()
    for done, story_id in enumerate(story_ids, 1):
        page = reader.story(story_id)
        if isinstance(page, StoryPage):
            for rel, data in _story_pages(site, page):
                write(rel, data)
            report.stories += 1
        if on_step:
            on_step(done, len(story_ids))


def _swap_in(building: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``building`` with two renames (the old export goes last)."""
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    building.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
