"""Serves the demo corpus the way real outlets publish: an RSS feed per outlet and one HTML page
per article, from a local HTTP server on 127.0.0.1.

The demo then ingests it through the same fetch path as any real feed, so ``newsdesk demo``
exercises the real pipeline end to end. Tests reuse this server.
"""

from __future__ import annotations

import threading
from datetime import datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

from newsdesk.demo.corpus import load_articles, load_outlets


def _rss(outlet: dict, articles: list[dict], base: str) -> str:
    items = []
    for a in articles:
        link = f"{base}/{outlet['slug']}/{a['id']}.html"
        published = format_datetime(datetime.fromisoformat(a["published"]))
        author = f"<author>{xml_escape(a['byline'])}</author>" if a.get("byline") else ""
        items.append(
            f"<item><title>{xml_escape(a['title'])}</title><link>{xml_escape(link)}</link>"
            f"<guid isPermaLink=\"true\">{xml_escape(link)}</guid><pubDate>{published}</pubDate>"
            f"{author}<description>{xml_escape(a.get('summary', ''))}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(outlet['name'])}</title><link>{base}/{outlet['slug']}/</link>"
        f"<description>{xml_escape(outlet['name'])} — {xml_escape(outlet['category'])}"
        "</description>" + "".join(items) + "</channel></rss>\n"
    )


def _page(outlet: dict, article: dict) -> str:
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in article["text"].split("\n\n")
                         if p.strip())
    byline = f'<p class="byline">{escape(article["byline"])}</p>' if article.get("byline") else ""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(article['title'])} | {escape(outlet['name'])}</title>"
        f'<meta property="og:site_name" content="{escape(outlet["name"])}">'
        f'<meta property="og:title" content="{escape(article["title"])}">'
        f'<meta name="author" content="{escape(article.get("byline", "").removeprefix("By "))}">'
        f'<meta property="article:published_time" content="{escape(article["published"])}">'
        "</head><body><header><nav><a href=\"/\">Home</a> · <a href=\"/world\">World</a> · "
        "<a href=\"/business\">Business</a></nav></header><main><article>"
        f"<h1>{escape(article['title'])}</h1>{byline}"
        f"<time datetime=\"{escape(article['published'])}\">{escape(article['published'])}</time>"
        f"{paragraphs}</article></main><footer><p>© {escape(outlet['name'])}. "
        "All rights reserved.</p></footer></body></html>"
    )


class DemoServer:
    """The demo outlets on http://127.0.0.1:PORT/<outlet>/feed.xml and /<outlet>/<id>.html."""

    def __init__(self, port: int = 0):
        self.outlets = {o["slug"]: o for o in load_outlets()}
        self.articles = load_articles()
        by_outlet: dict[str, list[dict]] = {slug: [] for slug in self.outlets}
        for article in self.articles:
            by_outlet[article["outlet"]].append(article)
        self._routes: dict[str, tuple[str, str]] = {}
        self._by_outlet = by_outlet
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        for slug, outlet in self.outlets.items():
            # Newest first, as real feeds list them.
            items = sorted(by_outlet[slug], key=lambda a: a["published"], reverse=True)
            self._routes[f"/{slug}/feed.xml"] = ("application/rss+xml; charset=utf-8",
                                                 _rss(outlet, items, self.base))
            for article in items:
                self._routes[f"/{slug}/{article['id']}.html"] = ("text/html; charset=utf-8",
                                                                 _page(outlet, article))
        self._thread: threading.Thread | None = None

    def feed_urls(self) -> list[tuple[dict, str]]:
        """Each outlet with its feed URL."""
        return [(o, f"{self.base}/{slug}/feed.xml") for slug, o in self.outlets.items()]

    def page_url(self, article: dict) -> str:
        return f"{self.base}/{article['outlet']}/{article['id']}.html"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        routes = self._routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                found = routes.get(self.path.split("?", 1)[0])
                if found is None:
                    self.send_error(404, "not in the demo corpus")
                    return
                kind, body = found
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # keep the demo's output clean
                pass

        return Handler

    def start(self) -> DemoServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
