"""``newsdesk serve``: the reading web app — server-rendered pages, feeds and a JSON API.

No JavaScript, no fonts or scripts from elsewhere: a page needs nothing but this server, and a
reader's visit reaches nobody else (``Referrer-Policy: no-referrer`` on links out, too). A strict
Content-Security-Policy is the second wall behind escaping: even if hostile article text slipped
through, the browser would run no script and load nothing from outside.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk import __version__
from newsdesk.models import utcnow
from newsdesk.publish import api
from newsdesk.publish.coverage import coverage_svg
from newsdesk.publish.feeds import ATOM_TYPE, JSON_FEED_TYPE, atom_feed, json_feed
from newsdesk.publish.pages import Card, CardCache, Moved, Reader
from newsdesk.publish.templating import STATIC, Links, ago, render
from newsdesk.settings import Settings
from newsdesk.store import Store

log = logging.getLogger("newsdesk.web")

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
FEED_SIZE = 50
WEB = Links()
# SQLite's integers are 64-bit: a larger id in a URL names nothing (and must not crash a query).
StoryId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Guard:
    """Adds the security headers to every response (errors and static files included), and
    answers a crash with an error page instead of a dropped connection."""

    def __init__(self, app: ASGIApp, crash_response: Callable[[Scope], Response]):
        self.app = app
        self.crash_response = crash_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            log.exception("error serving %s", scope.get("path"))
            if started:
                raise  # half a response is out: all that is left is to drop the connection
            await self.crash_response(scope)(scope, receive, with_headers)


class StorePool:
    """One store connection per server thread: SQLite connections are not shared across threads,
    and WAL lets all of them read while ``newsdesk fetch`` writes."""

    def __init__(self, path):
        self.path = path
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.path)
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._all:
                try:
                    store.close()
                except Exception:  # closing at shutdown; another thread may own it
                    log.debug("closing a store failed", exc_info=True)
            self._all.clear()


def create_app(settings: Settings, *, base_url: str | None = None,
               now: Callable[[], datetime] = utcnow) -> FastAPI:
    """The web app over the store of ``settings``. ``base_url`` pins the public address feeds
    and the API use for absolute links (default: the address each request came to)."""
    pool = StorePool(settings.db_path)
    pool.get()  # open (and migrate) now, so a broken store fails at start, not per request

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        pool.close()

    app = FastAPI(
        title="newsdesk",
        version=__version__,
        summary="Stories grouped from many outlets' reports; every sentence cites its sources.",
        description="Read-only JSON API of a newsdesk. Pages: `/`, `/story/{id}`, `/search?q=`; "
        "feeds: `/feed.atom`, `/feed.json`, `/section/{slug}/feed.atom`, "
        "`/search/feed.atom?q=`.",
        docs_url=None, redoc_url=None,  # their HTML pulls scripts from a CDN
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    cards = CardCache()

    def reader() -> Reader:
        return Reader(pool.get(), settings.web, now, cards)

    def absolute(request: Request, path: str) -> str:
        root = (base_url or str(request.base_url)).rstrip("/")
        return root + path

    def page(template: str, rd: Reader, status: int = 200, **context) -> HTMLResponse:
        current = now()
        context.setdefault("sections", rd.sections())
        html = render(template, links=WEB, when=lambda d: ago(d, current), muting=rd.muting,
                      has_feeds=True, **context)
        return HTMLResponse(html, status_code=status)

    def error_page(status: int, title: str, message: str) -> HTMLResponse:
        try:
            return page("error.html", reader(), status, title=title, message=message)
        except Exception:  # the store itself is failing: still answer, plainly
            log.exception("cannot render the error page")
            return HTMLResponse(f"<h1>{status}</h1>", status_code=status)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        if exc.status_code == 404:
            return error_page(404, "Page not found",
                              "There is no page at this address. The story may have been "
                              "merged into another or never existed.")
        title = "Bad request" if 400 <= exc.status_code < 500 else "Something went wrong"
        return error_page(exc.status_code, title, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return error_page(404, "Page not found", "That address does not name a page here.")

    def crash_response(scope: Scope) -> Response:
        if scope.get("path", "").startswith("/api/"):
            return JSONResponse({"detail": "internal error; see the server log"}, 500)
        return error_page(500, "Something went wrong",
                          "newsdesk could not build this page; the server log says why.")

    app.add_middleware(Guard, crash_response=crash_response)

    def not_found(what: str) -> StarletteHTTPException:
        return StarletteHTTPException(404, f"no such {what}")

    # ------------------------------------------------------------ pages

    html_route = {"response_class": HTMLResponse, "include_in_schema": False,
                  "methods": ["GET", "HEAD"]}

    @app.api_route("/", **html_route)
    def front() -> HTMLResponse:
        rd = reader()
        listing = rd.front()
        empty = not listing.cards and not listing.hidden and rd.store.count_articles() == 0
        return page("listing.html", rd, listing=listing, nav="home", empty_store=empty)

    @app.api_route("/story/{story_id}", **html_route)
    def story(story_id: StoryId,
              v: Annotated[int | None, Query(ge=1, le=10**9)] = None) -> Response:
        rd = reader()
        found = rd.story(story_id, v)
        if isinstance(found, Moved):
            return RedirectResponse(WEB.story(found.story_id), status_code=301)
        if found is None:
            raise not_found("story")
        chart = coverage_svg(found.reports)
        return page("story.html", rd, page=found, chart=chart, nav="story")

    @app.api_route("/section/{section_slug}", **html_route)
    def section(section_slug: str) -> HTMLResponse:
        rd = reader()
        listing = rd.section(section_slug)
        if listing is None:
            raise not_found("section")
        return page("listing.html", rd, listing=listing, nav=f"section:{section_slug}")

    @app.api_route("/outlets", **html_route)
    def outlets() -> HTMLResponse:
        rd = reader()
        return page("outlets.html", rd, outlets=rd.outlets(), nav="outlets")

    @app.api_route("/outlet/{outlet_slug}", **html_route)
    def outlet(outlet_slug: str) -> HTMLResponse:
        rd = reader()
        found = rd.outlet(outlet_slug)
        if found is None:
            raise not_found("outlet")
        return page("listing.html", rd, listing=found[1], nav="outlets")

    @app.api_route("/search", **html_route)
    def search(q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
        rd = reader()
        return page("search.html", rd, result=rd.search(q), query=q, nav="search")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    # ------------------------------------------------------------ feeds

    def feed(request: Request, kind: str, cards: list[Card], title: str, home: str,
             subtitle: str = "") -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        args = dict(title=title, feed_url=absolute(request, request.url.path + query),
                    home_url=absolute(request, home),
                    story_url=lambda i: absolute(request, WEB.story(i)), now=now(),
                    subtitle=subtitle)
        if kind == "atom":
            return Response(atom_feed(cards, **args), media_type=ATOM_TYPE)
        return Response(json.dumps(json_feed(cards, **args), ensure_ascii=False),
                        media_type=JSON_FEED_TYPE)

    feed_route = {"include_in_schema": False, "methods": ["GET", "HEAD"]}

    @app.api_route("/feed.{kind}", **feed_route)
    def site_feed(request: Request, kind: str) -> Response:
        if kind not in {"atom", "json"}:
            raise not_found("feed")
        cards = reader().latest(limit=FEED_SIZE).cards
        return feed(request, kind, cards, "newsdesk: latest stories", "/",
                    "Stories grouped from many outlets' reports; every sentence cites its sources.")

    @app.api_route("/section/{section_slug}/feed.{kind}", **feed_route)
    def section_feed(request: Request, section_slug: str, kind: str) -> Response:
        listing = reader().section(section_slug, limit=FEED_SIZE)
        if listing is None or kind not in {"atom", "json"}:
            raise not_found("feed")
        return feed(request, kind, listing.cards, f"newsdesk: {listing.title}",
                    WEB.section(section_slug))

    @app.api_route("/search/feed.{kind}", **feed_route)
    def search_feed(request: Request, kind: str,
                    q: Annotated[str, Query(max_length=200)] = "") -> Response:
        if kind not in {"atom", "json"}:
            raise not_found("feed")
        if not q.strip():
            raise StarletteHTTPException(400, f"A search feed needs words to search for: "
                                              f"/search/feed.{kind}?q=harbour+fees")
        cards = reader().search(q).cards
        cards.sort(key=lambda c: -c.updated.timestamp())
        return feed(request, kind, cards, f"newsdesk: stories matching “{q}”",
                    WEB.search(q) or "/search")

    # ------------------------------------------------------------ JSON API

    @app.get("/api/stories", response_model=api.StoryList, tags=["stories"],
             summary="Stories, ranked as on the front page (or filtered)")
    def api_stories(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=200, description="At most this many")] = 30,
        section: Annotated[str | None, Query(description="A section's slug, e.g. world")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Search words")] = None,
    ) -> dict:
        rd = reader()
        if q:
            result = rd.search(q, limit=limit)
            cards, hidden = result.cards, result.hidden
        elif section:
            listing = rd.section(section, limit=limit)
            if listing is None:
                raise not_found("section")
            cards, hidden = listing.cards, listing.hidden
        else:
            listing = rd.front(limit=limit)
            cards, hidden = listing.cards, listing.hidden
        return {"stories": [api.summary(c, absolute(request, WEB.story(c.id)))
                            for c in cards[:limit]], "hidden": hidden}

    @app.get("/api/stories/{story_id}", response_model=api.StoryDetail, tags=["stories"],
             summary="One story: its written text with citations, sources, reports, versions",
             responses={404: {"model": api.ErrorModel}})
    def api_story(request: Request, story_id: StoryId,
                  version: Annotated[int | None, Query(ge=1, le=10**9)] = None) -> Response | dict:
        found = reader().story(story_id, version)
        if isinstance(found, Moved):
            return RedirectResponse(f"/api/stories/{found.story_id}", status_code=308)
        if found is None:
            raise not_found("story")
        return api.detail(found, lambda i, n: absolute(request, WEB.story(i, n)))

    return app
