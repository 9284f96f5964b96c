"""Single pages: a URL becomes an article with trafilatura's text and metadata; pages without
article text are clear errors; any charset is read."""

from datetime import UTC, datetime

import pytest

from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.extract import extract_page, html_to_text, parse_page_date
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.pages import NO_TEXT, page_article
from newsdesk.settings import FetchSettings
from tests.loopback import Loopback
from tests.news_fixtures import BRIDGE, MARKUP_ONLY, page_html, text_of


@pytest.fixture
def site():
    with Loopback() as server, FetchClient(FetchSettings(
            timeout=1.0, per_host_delay=0.0, allow_private=True)) as client:
        yield server, client


def test_a_page_becomes_an_article_with_its_metadata(site):
    server, client = site
    server.routes["/world/bridge"] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                      page_html(BRIDGE, site="The Daily Lantern"))
    article = page_article(client, server.url("/world/bridge?utm_campaign=x#comments"))
    assert article.url == server.url("/world/bridge")
    assert article.title == BRIDGE["title"]
    assert article.text == text_of(BRIDGE)  # navigation, headline and footer left out
    assert (article.outlet, article.byline, article.language) == (
        "The Daily Lantern", BRIDGE["byline"], "en")
    assert article.published_at == BRIDGE["published"]
    assert page_article(client, server.url("/world/bridge"), outlet="Lantern").outlet == "Lantern"


def test_a_page_of_only_markup_is_a_clear_error(site):
    server, client = site
    server.routes["/app"] = (200, {"Content-Type": "text/html"}, MARKUP_ONLY)
    with pytest.raises(IngestError) as caught:
        page_article(client, server.url("/app"))
    assert str(caught.value) == NO_TEXT


def test_a_file_that_is_not_a_page_is_refused(site):
    server, client = site
    server.routes["/photo"] = (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff\xe0 jpeg")
    with pytest.raises(IngestError) as caught:
        page_article(client, server.url("/photo"))
    assert str(caught.value) == "not a web page (image/jpeg)"


def test_a_page_in_a_legacy_charset_reads_correctly(site):
    server, client = site
    article = dict(BRIDGE, paragraphs=[p.replace("Vellmar", "Vëllmar Café") for p in
                                       BRIDGE["paragraphs"]])
    server.routes["/latin"] = (200, {"Content-Type": "text/html"},
                               page_html(article, charset="windows-1252"))
    assert "Vëllmar Café harbour bridge" in page_article(client, server.url("/latin")).text


def test_invalid_bytes_in_a_utf8_page_do_not_crash_it(site):
    server, client = site
    html = page_html(BRIDGE).replace(b"winter storm", b"winter \xff\xfe storm")
    server.routes["/bad"] = (200, {"Content-Type": "text/html; charset=utf-8"}, html)
    assert "winter \ufffd\ufffd storm" in page_article(client, server.url("/bad")).text


def test_extraction_keeps_paragraphs_and_drops_the_repeated_headline():
    page = extract_page(page_html(BRIDGE).decode())
    assert page.text.split("\n\n") == BRIDGE["paragraphs"]
    assert extract_page(MARKUP_ONLY.decode()) is None
    assert extract_page("") is None


def test_html_fragments_become_paragraphs():
    assert html_to_text("<p>One <b>bold</b> line.</p><p>Two&amp;three</p><script>x()</script>"
                        ) == "One bold line.\n\nTwo&three"
    assert html_to_text("Plain text, no tags.") == "Plain text, no tags."
    assert html_to_text("") == ""


def test_page_dates_become_utc():
    assert parse_page_date("2024-03-14T09:30:00+0200") == datetime(2024, 3, 14, 7, 30, tzinfo=UTC)
    assert parse_page_date("2024-03-14") == datetime(2024, 3, 14, tzinfo=UTC)
    assert parse_page_date("last Tuesday") is None
