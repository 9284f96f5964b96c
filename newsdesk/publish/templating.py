"""The Jinja environment every page, feed and digest is rendered with, and where pages live.

Everything shown comes from articles somebody else wrote, so it is hostile input: autoescape is
always on, and a link out is only ever made from an http(s) URL (``safe_url``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# Markers FTS5's snippet() puts around matched words (private-use characters, so no article
# text can forge one).
HIT_START, HIT_END = "\ue000", "\ue001"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def safe_url(url: str | None) -> str | None:
    """The URL if a reader may follow it (http or https with a host), else None.

    ``javascript:``, ``data:`` and friends, protocol-relative and malformed URLs never become
    links; whitespace and control characters (which browsers strip, smuggling a scheme past
    naive checks) disqualify a URL outright.
    """
    if not url or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def slug(name: str) -> str:
    """A stable, URL- and file-safe name for an outlet or a section ("Harbour Gazette" →
    "harbour-gazette"); names with no Latin letters or digits get a short hash instead."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    if not out:
        out = "x-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return out


def plain(text: str) -> str:
    """Article text fit for one line of a page or an XML document: control characters out,
    whitespace runs folded."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def highlight(snippet: str) -> Markup:
    """An FTS5 snippet with its matched words in <mark>, everything else escaped."""
    out = escape(plain(snippet))
    return Markup(str(out).replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))


_DIFFER_PREFIX = re.compile(r"^\s*sources\s+differ\s*[:\-–—]\s*", re.IGNORECASE)
_MARKERS = re.compile(r"\[(\d{1,3})\]")


def differ_text(summary: str) -> str:
    """A conflict's summary without its own "Sources differ:" lead (the box says it)."""
    return _DIFFER_PREFIX.sub("", plain(summary), count=1)


def link_cites(text: str, known: list[int], prefix: str = "") -> Markup:
    """Text whose "[n]" markers (a writer's or verifier's) become links to source n."""
    out = str(escape(plain(text)))

    def mark(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return (f'<sup class="cites">[<a href="{escape(prefix)}#src-{n}" '
                f'aria-label="source {n}">{n}</a>]</sup>')

    return Markup(_MARKERS.sub(mark, out))


def strip_hits(snippet: str) -> str:
    return snippet.replace(HIT_START, "").replace(HIT_END, "")


def ago(when: datetime | None, now: datetime) -> str:
    """How long ago, the way people say it: "just now", "12 min ago", "3 h ago", "2 days ago"
    (and the date, for anything older than two weeks or dated in the future)."""
    if when is None:
        return "time unknown"
    seconds = (now - when).total_seconds()
    if seconds < -120:  # dated ahead of this clock: say when, rather than a negative age
        return when.astimezone(UTC).strftime("%a %d %b, %H:%M UTC")
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} ago"
    return when.astimezone(UTC).strftime("%d %b %Y")


def stamp(when: datetime | None) -> str:
    """An absolute time a reader can read anywhere: "Mon 16 Nov 2026, 08:05 UTC"."""
    if when is None:
        return "time unknown"
    return when.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


def day(value: str) -> str:
    """A timeline's ISO date as people write it ("2026-11-16" → "16 Nov 2026"); anything
    else (a writer may give just a year or a month) is shown as it is."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").strftime("%-d %b %Y")
    except (TypeError, ValueError):
        return plain(str(value))


def iso(when: datetime | None) -> str:
    if when is None:
        return ""
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Links:
    """Where each page lives: the server's paths, or the files of a static site.

    A static page at ``depth`` (``story/12.html`` is at depth 1) links with relative paths, so
    the exported site works from any folder, on any host, or straight from disk.
    """

    def __init__(self, static: bool = False, depth: int = 0):
        self.static = static
        self.depth = depth
        self._up = "../" * depth if static else "/"

    def at(self, depth: int) -> Links:
        return Links(self.static, depth)

    def home(self) -> str:
        return self._up + "index.html" if self.static else "/"

    def story(self, story_id: int, version: int | None = None) -> str:
        if self.static:
            name = f"{story_id}-v{version}" if version else str(story_id)
            return f"{self._up}story/{name}.html"
        return f"/story/{story_id}" + (f"?v={version}" if version else "")

    def section(self, section_slug: str) -> str:
        return f"{self._up}section/{section_slug}" + (".html" if self.static else "")

    def outlet(self, outlet_slug: str) -> str:
        return f"{self._up}outlet/{outlet_slug}" + (".html" if self.static else "")

    def outlets(self) -> str:
        return self._up + ("outlets.html" if self.static else "outlets")

    def search(self, query: str = "") -> str | None:
        if self.static:
            return None  # a static site has no server to search with
        return "/search" + (f"?q={quote(query)}" if query else "")

    def asset(self, name: str) -> str:
        return f"{self._up}static/{name}"

    def feed(self, kind: str, section_slug: str | None = None,
             query: str | None = None) -> str | None:
        """The Atom ("atom") or JSON Feed ("json") of the whole site, a section or a search."""
        name = f"feed.{kind}"
        if section_slug:
            return f"{self._up}section/{section_slug}/{name}"
        if query is not None:
            return None if self.static else f"/search/{name}?q={quote(query)}"
        return self._up + name

    def api(self) -> str | None:
        return None if self.static else "/api/stories"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(safe_url=safe_url, slug=slug, plain=plain, highlight=highlight,
                       stamp=stamp, iso=iso, strip_hits=strip_hits, day=day,
                       differ_text=differ_text, link_cites=link_cites)
    env.globals.update(ago=ago)
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
