"""The ingestor end to end: good and broken sources on a real HTTP server, a real SQLite file.

Every broken source is recorded against itself with a clear message while the run goes on;
the good sources are ingested in full; a second run fetches nothing twice.
"""

import gzip
import importlib.machinery
import sys
import time
import types
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from newsdesk.ingest.dedupe import canonical_url
from newsdesk.ingest.feeds import NOT_A_FEED_HTML
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.ingestor import Ingestor, due_sources
from newsdesk.ingest.pages import NO_TEXT
from newsdesk.ingest.safexml import REFUSED
from newsdesk.models import Source, utcnow
from newsdesk.settings import FetchSettings
from newsdesk.store import Store
from tests.loopback import Loopback, Route, endless, redirect
from tests.news_fixtures import (
    BRIDGE,
    BRIDGE_OTHER,
    MARKUP_ONLY,
    WIRE,
    atom,
    generated_article,
    page_html,
    rss,
    syndicated_copy,
    text_of,
)
from tests.test_feeds import BILLION_LAUGHS, external_entity

SETTINGS = FetchSettings(timeout=1.0, max_bytes=200_000, per_host_delay=0.0, workers=4)
HTML = {"Content-Type": "text/html; charset=utf-8"}
CAFE = dict(generated_article(1), title="Harbour café reopens")
CAFE["paragraphs"] = ["The harbour café reopened with crème brûlée on its menu.",
                      *CAFE["paragraphs"]]
TEASER = "A short teaser from the feed about the harbour works."


def build_routes(server: Loopback, tmp_path) -> dict[str, object]:
    u = server.url
    lantern = rss("The Daily Lantern", [
        {"title": BRIDGE["title"], "link": u("/lantern/bridge.html?utm_source=rss"),
         "author": BRIDGE["byline"], "published": BRIDGE["published"]},
        {"title": CAFE["title"], "link": u("/lantern/cafe.html"), "published": BRIDGE["published"]},
        {"title": "Harbour works update", "link": u("/lantern/app.html"), "summary": TEASER},
        {"title": "Harbour works, day two", "link": u("/lantern/gone.html"),
         "summary": TEASER + " Day two."},
        {"title": "Missing everything", "link": u("/lantern/later.html")},
    ])
    wire_feed = atom("Harbour Wire", [{"title": WIRE["title"], "link": u("/wire/grain.html"),
                                       "published": WIRE["published"]}])

    def wire(request):
        if request.headers.get("if-none-match") == '"w1"':
            return Route(304)
        return Route(200, {"Content-Type": "application/atom+xml", "ETag": '"w1"'}, wire_feed)

    copy = syndicated_copy(WIRE)
    gazette = rss("Hill Gazette", [
        {"title": copy["title"], "link": u("/gazette/grain.html")},
        {"title": BRIDGE_OTHER["title"], "link": u("/gazette/crossing.html?fbclid=abc#top")},
    ])
    return {
        "/lantern/rss.xml": (200, {"Content-Type": "application/rss+xml"}, lantern),
        "/lantern/bridge.html": (200, HTML, page_html(BRIDGE)),
        "/lantern/cafe.html": (200, {"Content-Type": "text/html"},
                               page_html(CAFE, charset="windows-1252")),
        "/lantern/app.html": (200, HTML, MARKUP_ONLY),
        "/lantern/gone.html": (404, {}, b""),
        "/lantern/later.html": (404, {}, b""),
        "/wire/atom.xml": wire,
        "/wire/grain.html": (200, HTML, page_html(WIRE, site="Harbour Wire")),
        "/gazette/rss.xml": (200, {}, gazette),
        "/gazette/grain.html": (200, HTML, page_html(copy, site="Hill Gazette")),
        "/gazette/crossing.html": (200, HTML, page_html(BRIDGE_OTHER, site="Hill Gazette")),
        # the broken ones
        "/broken/malformed.xml": (200, {}, b"<rss><channel><title>Half a feed"),
        "/broken/laughs.xml": (200, {}, BILLION_LAUGHS),
        "/broken/xxe.xml": (200, {}, external_entity(tmp_path / "secret")),
        "/broken/missing.xml": (404, {}, b"no such feed"),
        "/broken/slow.xml": Route(body=b"<rss/>", delay=3.0),
        "/broken/drip.xml": Route(body=[b"<rss>"] + [b" "] * 50, drip=0.15),
        "/broken/huge.xml": Route(body=endless()),
        "/broken/bomb.xml": (200, {"Content-Encoding": "gzip"}, gzip.compress(b" " * 10**7)),
        "/broken/loop.xml": redirect("/broken/loop.xml"),
        "/broken/metadata.xml": redirect("http://169.254.169.254/latest/meta-data/"),
        "/broken/intranet.xml": redirect("http://10.0.0.5/feed.xml"),
        "/broken/homepage.xml": (200, HTML, b"<!doctype html><html><body>Hi</body></html>"),
        "/broken/app.html": (200, HTML, MARKUP_ONLY),
    }


BROKEN = {
    "/broken/malformed.xml": "malformed feed XML (",
    "/broken/laughs.xml": REFUSED,
    "/broken/xxe.xml": REFUSED,
    "/broken/missing.xml": "HTTP 404 Not Found",
    "/broken/slow.xml": "timed out after 1 s",
    "/broken/drip.xml": "timed out after 1 s",
    "/broken/huge.xml": "response larger than 200,000 bytes",
    "/broken/bomb.xml": "response larger than 200,000 bytes",
    "/broken/loop.xml": "redirect loop at ",
    "/broken/metadata.xml": "refused: 169.254.169.254 is a link-local address",
    "/broken/intranet.xml": "refused: 10.0.0.5 is a private address",
    "/broken/homepage.xml": NOT_A_FEED_HTML,
    "/broken/app.html": NO_TEXT,
}


@pytest.fixture
def world(tmp_path):
    with Loopback() as server, Store.open(tmp_path / "newsdesk.db") as store, \
            FetchClient(SETTINGS, allow_networks=["127.0.0.1/32"]) as client:
        server.routes.update(build_routes(server, tmp_path))
        for path in ("/lantern/rss.xml", "/wire/atom.xml", "/gazette/rss.xml", *BROKEN):
            kind = "page" if path.endswith(".html") else "feed"
            store.add_source(Source(url=server.url(path), kind=kind))
        yield server, store, client


def run(store, client):
    with Ingestor(store, SETTINGS, client=client) as ingestor:
        return ingestor.fetch_all()


def by_path(server, store, path):
    return store.get_source(server.url(path))


def test_every_broken_source_is_recorded_and_the_good_ones_are_ingested(world):
    server, store, client = world
    outcomes = run(store, client)
    assert len(outcomes) == 3 + len(BROKEN)  # the run went through every source

    for path, message in BROKEN.items():
        source = by_path(server, store, path)
        assert source.last_error.startswith(message), (path, source.last_error)
        assert source.error_count == 1 and source.last_ok_at is None
        assert source.next_fetch_at > utcnow()
        log = store.fetch_log(source.id)
        assert log and log[0]["ok"] == 0 and log[0]["message"].startswith(message)
    assert "TOP-SECRET" not in str(store.fetch_log(limit=500))

    lantern = by_path(server, store, "/lantern/rss.xml")
    bridge = store.get_article(store.known_url(canonical_url(server.url("/lantern/bridge.html"))))
    assert bridge.text == text_of(BRIDGE) and bridge.outlet == "The Daily Lantern"
    assert bridge.source_id == lantern.id and bridge.published_at == BRIDGE["published"]
    cafe = store.get_article(store.known_url(server.url("/lantern/cafe.html")))
    assert "harbour café reopened with crème brûlée" in cafe.text  # a windows-1252 page
    fallback = store.get_article(store.known_url(server.url("/lantern/app.html")))
    assert fallback.text == TEASER  # no text on the page: the feed's own text
    assert store.known_url(server.url("/lantern/later.html")) is None  # no text anywhere
    assert lantern.article_count == 4
    assert lantern.error_count == 1 and lantern.last_error.startswith(
        f"{server.url('/lantern/app.html')}: {NO_TEXT}; used the feed's own text")
    assert lantern.last_error.endswith("(and 2 more: see the fetch log)")
    messages = [row["message"] for row in store.fetch_log(lantern.id)]
    assert "HTTP 404 Not Found; the feed gives no text either" in messages
    assert "HTTP 404 Not Found; used the feed's own text" in messages

    # The wire story and its syndicated copy: one article carried by both outlets (which
    # one arrives first depends on the order the workers finish in).
    wire_id = store.known_url(server.url("/wire/grain.html"))
    assert store.known_url(server.url("/gazette/grain.html")) == wire_id
    wire = store.get_article(wire_id)
    assert sorted(c.outlet for c in wire.carriers) == ["Harbour Wire", "Hill Gazette"]
    assert sum(o.syndicated for o in outcomes) == 1
    crossing = store.known_url(server.url("/gazette/crossing.html"))  # tracking stripped
    assert crossing is not None and crossing != bridge.id  # an independent report
    assert store.count_articles() == 6
    assert store.integrity_check() == "ok"


def test_a_second_run_fetches_nothing_twice_and_retries_what_failed(world):
    server, store, client = world
    run(store, client)
    pages_before = sum(r.path.endswith(".html") for r in server.requests)
    server.routes["/lantern/later.html"] = (200, HTML, page_html(generated_article(2)))
    outcomes = {o.source: o for o in run(store, client)}
    page_requests = [r.path for r in server.requests if r.path.endswith(".html")][pages_before:]
    # Only the entry that failed is fetched again (and the page source, which has no article).
    assert sorted(page_requests) == ["/broken/app.html", "/lantern/later.html"]
    assert outcomes["The Daily Lantern"].new == 1  # the retried entry now has text
    assert outcomes["The Daily Lantern"].duplicates == 4
    assert outcomes["Harbour Wire"].not_modified  # conditional GET: 304
    assert any(r.path == "/wire/atom.xml" and r.headers.get("if-none-match") == '"w1"'
               for r in server.requests)
    assert store.count_articles() == 7
    assert by_path(server, store, "/broken/missing.xml").error_count == 2


def test_due_sources_respect_next_fetch_at(world):
    server, store, client = world
    assert len(due_sources(store)) == 3 + len(BROKEN)  # never fetched: all due
    run(store, client)
    assert due_sources(store) == []
    assert due_sources(store, now=utcnow() + timedelta(seconds=SETTINGS.interval + 1)) != []
    failing = by_path(server, store, "/broken/missing.xml")
    healthy = by_path(server, store, "/gazette/rss.xml")
    assert failing.next_fetch_at - failing.last_fetched_at == timedelta(seconds=SETTINGS.interval)
    run(store, client)  # a second failure in a row doubles the wait
    failing = by_path(server, store, "/broken/missing.xml")
    assert failing.next_fetch_at - failing.last_fetched_at == timedelta(
        seconds=2 * SETTINGS.interval)
    assert healthy.error_count == 0 and healthy.last_error == ""


def test_ingesting_files_and_urls_without_sources(world, tmp_path):
    server, store, client = world
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "bridge.txt").write_text(f"{BRIDGE['title']}\n\n{text_of(BRIDGE)}")
    (folder / "bad.jsonl").write_text('{"title": "No text"}\n')
    with Ingestor(store, SETTINGS, client=client) as ingestor:
        from_folder = ingestor.ingest(str(folder), outlet="Inbox")
        from_url = ingestor.ingest(server.url("/gazette/crossing.html"))
        again = ingestor.ingest(str(folder))
        missing = ingestor.ingest(str(tmp_path / "nowhere"))
    assert (from_folder.new, len(from_folder.errors)) == (1, 1)
    assert from_folder.errors[0].endswith(
        'bad.jsonl, line 1: the record has no "text" (a non-empty string is required)')
    assert from_url.new == 1 and store.get_article(
        store.known_url(server.url("/gazette/crossing.html"))).outlet == "Hill Gazette"
    assert again.new == 0 and again.duplicates == 1
    assert missing.errors == [f"{tmp_path / 'nowhere'}: no such file or folder"]


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def cli(tmp_path, monkeypatch):
    from newsdesk.cli.common import console
    from newsdesk.cli.main import app

    monkeypatch.setattr(console, "width", 250)  # no wrapped table cells to assert against
    monkeypatch.setenv("NEWSDESK_FETCH_PER_HOST_DELAY", "0")
    runner = CliRunner()
    data = tmp_path / "data"

    def invoke(*args: str):
        return runner.invoke(app, ["--data-dir", str(data), *args])

    return invoke


def test_sources_add_list_remove_export_and_import(cli, tmp_path):
    added = cli("sources", "add", "https://lantern.example/rss.xml", "--outlet", "Daily Lantern",
                "--category", "World")
    assert added.exit_code == 0 and "Added source 1" in added.output
    assert "Already a source: 1" in cli("sources", "add", "https://lantern.example/rss.xml").output
    bad = cli("sources", "add", "lantern.example/rss")
    assert bad.exit_code == 1 and "is not an http(s) URL" in bad.output
    assert cli("sources", "add", "https://x.example/", "--kind", "blog").exit_code == 1
    opml = tmp_path / "subs.opml"
    assert cli("sources", "export", str(opml)).exit_code == 0
    assert "https://lantern.example/rss.xml" in opml.read_text()
    listing = cli("sources", "list").output
    assert "Daily Lantern" in listing and "World" in listing and "never" in listing
    removed = cli("sources", "remove", "1")
    assert removed.exit_code == 0 and "Removed source 1" in removed.output
    assert cli("sources", "remove", "1").exit_code == 1
    imported = cli("sources", "import", str(opml))
    assert imported.exit_code == 0 and "Imported 1 new sources" in imported.output
    assert "in 1 categories: World" in imported.output
    assert cli("sources", "import", str(tmp_path / "none.opml")).exit_code == 1


def test_fetch_then_sources_list_shows_the_errors(cli, tmp_path):
    with Loopback() as server:
        server.routes.update(build_routes(server, tmp_path))
        for path in ("/gazette/rss.xml", "/broken/missing.xml", "/broken/laughs.xml"):
            assert cli("sources", "add", server.url(path)).exit_code == 0
        refused = cli("fetch", "--no-stories")  # loopback is refused without the flag
        assert "refused: 127.0.0.1 is a loopback address" in refused.output
        assert "--allow-private" in refused.output and refused.exit_code == 1
        fetched = cli("fetch", "--allow-private", "--no-stories")
        assert fetched.exit_code == 0, fetched.output
        assert "2 new" in fetched.output and "HTTP 404 Not Found" in fetched.output
        due = cli("fetch", "--due", "--allow-private")
        assert due.exit_code == 0 and "Nothing is due yet" in due.output
    listing = cli("sources", "list").output
    assert "HTTP 404 Not Found" in listing and "(2 polls in a row)" in listing
    assert "refused: the XML declares entities" in listing
    assert "Hill Gazette" in listing


def test_ingest_command_reads_files(cli, tmp_path):
    story = tmp_path / "story.md"
    story.write_text(f"# {WIRE['title']}\n\n{text_of(WIRE)}\n")
    result = cli("ingest", str(story), "--outlet", "Harbour Wire", "--no-stories")
    assert result.exit_code == 0 and "1 new" in result.output
    again = cli("ingest", str(story), "--no-stories")
    assert "0 new" in again.output and "1 already stored" in again.output
    missing = cli("ingest", str(tmp_path / "nope.txt"), "--no-stories")
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def test_an_interrupted_run_stops_at_once_and_blames_no_source(tmp_path):
    with Loopback() as server, Store.open(tmp_path / "newsdesk.db") as store:
        server.routes.update(build_routes(server, tmp_path))
        server.routes["/slow.xml"] = Route(body=b"<rss/>", delay=5.0)
        slow = store.add_source(Source(url=server.url("/slow.xml")))
        store.add_source(Source(url=server.url("/gazette/rss.xml")))

        def interrupt(source, kind):
            if kind == "new":
                raise KeyboardInterrupt  # as Ctrl-C would, in the middle of the run

        settings = FetchSettings(timeout=10.0, per_host_delay=0.0, allow_private=True)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt), \
                Ingestor(store, settings, on_article=interrupt) as ingestor:
            ingestor.fetch_all()
        assert time.monotonic() - started < 3.0  # the slow request was cut, not waited for
        slow = store.get_source(slow.id)
        assert (slow.last_fetched_at, slow.error_count, slow.last_error) == (None, 0, "")
        assert [row for row in store.fetch_log(limit=100) if not row["ok"]] == []
        assert store.count_articles() == 1  # what was committed stays


def test_new_articles_are_handed_to_the_pipeline(cli, tmp_path, monkeypatch):
    calls = []
    pipeline = types.ModuleType("newsdesk.pipeline")
    pipeline.__spec__ = importlib.machinery.ModuleSpec("newsdesk.pipeline", None)
    pipeline.update = lambda store, settings, console=None: calls.append(store.count_articles())
    monkeypatch.setitem(sys.modules, "newsdesk.pipeline", pipeline)
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(f"{BRIDGE['title']}\n\n{text_of(BRIDGE)}")
    second.write_text(f"{WIRE['title']}\n\n{text_of(WIRE)}")
    assert cli("ingest", str(first)).exit_code == 0
    assert calls == [1]
    assert cli("ingest", str(first)).exit_code == 0  # nothing new: nothing to update
    assert cli("ingest", str(second), "--no-stories").exit_code == 0
    assert calls == [1]
