"""Feeds: RSS and Atom parsed into entries, hostile XML refused, broken XML used when it can
be, and entries turned into articles with their pages' full text."""

from datetime import UTC, datetime

import pytest

from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.feeds import NOT_A_FEED_HTML, entry_article, parse_feed
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.pages import NO_TEXT
from newsdesk.ingest.safexml import REFUSED
from newsdesk.settings import FetchSettings
from tests.loopback import Loopback
from tests.news_fixtures import BRIDGE, MARKUP_ONLY, WIRE, atom, page_html, rss, text_of

FEED_URL = "http://news.example/feed.xml"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs</title>
<item><title>&lol9;</title><link>http://news.example/a</link></item></channel></rss>"""


def external_entity(path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file://{path}">]>'
            '<rss version="2.0"><channel><title>x</title><item><title>&secret;</title>'
            '<link>http://news.example/a</link></item></channel></rss>').encode()


def test_rss_entries_have_canonical_links_plain_text_and_utc_times():
    data = rss("The Daily Lantern", [
        {"title": "Bridge reopens", "link": "http://News.Example/world/bridge/?utm_source=rss#top",
         "summary": "<p>The bridge <b>reopened</b> on Friday.</p><p>Ferries stop Sunday.</p>",
         "author": "Mira Castellan",
         "published": datetime(2024, 3, 14, 9, 30, tzinfo=UTC)},
        {"title": "Grain record", "link": "http://news.example/business/grain",
         "content": "<p>Full text: " + "record harvest " * 20 + "</p>",
         "summary": "Short teaser."},
    ], link="http://news.example/")
    feed = parse_feed(data, FEED_URL, "application/rss+xml")
    assert feed.title == "The Daily Lantern" and feed.language == "en" and feed.problem == ""
    first, second = feed.entries
    assert first.link == "http://news.example/world/bridge"
    assert first.text == "The bridge reopened on Friday.\n\nFerries stop Sunday."
    assert first.author == "Mira Castellan"
    assert first.published_at == datetime(2024, 3, 14, 9, 30, tzinfo=UTC)
    assert first.published_at.tzinfo is not None
    assert second.text.startswith("Full text: record harvest")  # the content beats the teaser


def test_atom_entries_are_read_and_times_converted_to_utc():
    data = atom("Harbour Wire", [{
        "title": "Co-operative posts record", "link": "http://news.example/wire/1",
        "summary": "<p>A record 412,000 tonnes.</p>", "author": "Lio Marsh",
        "published": datetime.fromisoformat("2024-03-15T08:00:00+02:00")}])
    feed = parse_feed(data, FEED_URL, "application/atom+xml")
    (entry,) = feed.entries
    assert (feed.title, entry.title, entry.author) == (
        "Harbour Wire", "Co-operative posts record", "Lio Marsh")
    assert entry.published_at == datetime(2024, 3, 15, 6, 0, tzinfo=UTC)
    assert entry.text == "A record 412,000 tonnes."


def test_entity_expansion_is_refused_before_any_parser_expands_it():
    with pytest.raises(IngestError) as caught:
        parse_feed(BILLION_LAUGHS, FEED_URL)
    assert str(caught.value) == REFUSED


def test_external_entities_are_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    with pytest.raises(IngestError) as caught:
        parse_feed(external_entity(secret), FEED_URL)
    assert str(caught.value) == REFUSED and "TOP-SECRET" not in str(caught.value)


def test_entity_declarations_are_refused_in_any_encoding_and_in_broken_xml():
    utf16 = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    broken = BILLION_LAUGHS.replace(b"</channel>", b"")
    for data in (utf16, broken):
        with pytest.raises(IngestError, match="never expands"):
            parse_feed(data, FEED_URL)


def test_a_body_that_names_a_local_file_is_not_opened():
    # feedparser would open a str or bytes naming a file; we only ever hand it a stream.
    with pytest.raises(IngestError, match="not an RSS or Atom feed"):
        parse_feed(b"/etc/passwd", FEED_URL)


def test_a_broken_feed_that_still_yields_entries_is_used():
    data = rss("Sloppy Gazette", [{"title": "Fish & chips prices rise",
                                   "link": "http://news.example/fish", "summary": "Up again."}])
    data = data.replace(b"Fish &amp; chips", b"Fish & chips")  # an unescaped ampersand
    feed = parse_feed(data, FEED_URL)
    assert feed.problem  # recorded…
    assert [e.title for e in feed.entries] == ["Fish & chips prices rise"]  # …and used


@pytest.mark.parametrize("data, message", [
    (b"<rss><channel><title>Half a feed", "malformed feed XML"),
    (b"<!doctype html><html><body><p>Welcome</p></body></html>", NOT_A_FEED_HTML),
    (b"   ", "empty response: not a feed"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not an RSS or Atom feed"),
])
def test_things_that_are_not_feeds_are_clear_errors(data, message):
    with pytest.raises(IngestError) as caught:
        parse_feed(data, FEED_URL)
    assert str(caught.value).startswith(message)


def test_an_empty_feed_is_no_error_and_an_entry_without_link_is_skipped():
    assert parse_feed(rss("Quiet Times", []), FEED_URL).entries == []
    feed = parse_feed(rss("Quiet Times", [{"title": "Orphan", "link": ""}]), FEED_URL)
    assert feed.entries == [] and feed.skipped == ["entry 1 (Orphan) has no link"]


# ------------------------------------------------------------------ entries → articles


@pytest.fixture
def site():
    with Loopback() as server, FetchClient(FetchSettings(
            timeout=1.0, per_host_delay=0.0, allow_private=True)) as client:
        yield server, client


def feed_with(server, path: str, summary: str = "", title: str = "The Daily Lantern"):
    items = [{"title": BRIDGE["title"], "link": server.url(path), "summary": summary,
              "author": BRIDGE["byline"], "published": BRIDGE["published"]}]
    return parse_feed(rss(title, items), server.url("/feed.xml"))


def test_an_entry_gets_its_pages_full_text_and_the_feeds_outlet(site):
    server, client = site
    server.routes["/bridge"] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                page_html(BRIDGE, site="Lantern Online"))
    feed = feed_with(server, "/bridge", summary="A short teaser.")
    article, note = entry_article(client, feed.entries[0], feed)
    assert note == ""
    assert article.text == text_of(BRIDGE)
    assert article.outlet == "The Daily Lantern"  # the feed title beats the site name
    assert (article.title, article.byline) == (BRIDGE["title"], BRIDGE["byline"])
    assert article.published_at == BRIDGE["published"]
    configured, _ = entry_article(client, feed.entries[0], feed, outlet="Lantern")
    assert configured.outlet == "Lantern"


def test_the_feeds_text_stands_in_when_the_page_fails(site):
    server, client = site
    server.routes["/gone"] = (404, {}, b"")
    server.routes["/empty"] = (200, {"Content-Type": "text/html"}, MARKUP_ONLY)
    summary = " ".join(WIRE["paragraphs"][:2])
    for path, reason in (("/gone", "HTTP 404 Not Found"), ("/empty", NO_TEXT)):
        feed = feed_with(server, path, summary=summary)
        article, note = entry_article(client, feed.entries[0], feed)
        assert article.text == summary
        assert note == f"{reason}; used the feed's own text"


def test_an_entry_with_no_text_anywhere_is_an_error(site):
    server, client = site
    server.routes["/empty"] = (200, {"Content-Type": "text/html"}, MARKUP_ONLY)
    feed = feed_with(server, "/empty")
    with pytest.raises(IngestError) as caught:
        entry_article(client, feed.entries[0], feed)
    assert str(caught.value) == f"{NO_TEXT}; the feed gives no text either"


def test_without_page_fetching_the_feed_text_is_used_and_nothing_is_requested(site):
    server, _ = site
    feed = feed_with(server, "/bridge", summary="The bridge reopened on Friday.")
    article, note = entry_article(None, feed.entries[0], feed)
    assert (article.text, note) == ("The bridge reopened on Friday.", "")
    assert server.requests == []
