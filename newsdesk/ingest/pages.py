"""A single web page by URL → an ``Article`` (main text and metadata by trafilatura)."""

from __future__ import annotations

from urllib.parse import urlsplit

from newsdesk.ingest.dedupe import canonical_url
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.extract import PageText, extract_page
from newsdesk.ingest.fetch import ACCEPT_PAGE, FetchClient
from newsdesk.models import Article

NO_TEXT = "no article text on the page (only markup, or too little text to be an article)"
_TEXTUAL = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


def host_name(url: str) -> str:
    """The host of a URL as an outlet name of last resort: "www.lantern.example" → "lantern.example"."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def untitled(text: str) -> str:
    """A stand-in title for an article that has none: its opening words."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= 100 else first[:100].rsplit(" ", 1)[0] + "…"


def fetch_page(client: FetchClient, url: str) -> PageText:
    """Fetch a page and extract its article; ``IngestError`` when there is none."""
    result = client.fetch(url, accept=ACCEPT_PAGE)
    kind = result.content_type.split(";", 1)[0].strip().lower()
    if kind and not kind.startswith(_TEXTUAL):
        raise IngestError(f"not a web page ({kind})")
    page = extract_page(result.text, result.url)
    if page is None:
        raise IngestError(NO_TEXT)
    return page


def page_article(client: FetchClient, url: str, outlet: str = "") -> Article:
    """The article at a URL; the outlet is ``outlet``, else the site's name, else its host."""
    page = fetch_page(client, url)
    return Article(
        url=canonical_url(url),
        title=page.title or untitled(page.text),
        text=page.text,
        outlet=outlet or page.sitename or host_name(url),
        byline=page.author,
        published_at=page.published_at,
        language=page.language or "en",
    )
