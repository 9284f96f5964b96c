"""Atom and JSON Feed output, served over real HTTP: Atom parsed by feedparser with no error,
JSON Feed checked against the 1.1 spec; every entry links to a story page that exists — for the
site, a section and a search."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import feedparser
import httpx
import pytest

from newsdesk.models import utcnow
from newsdesk.publish.feeds import ATOM_NS, xml_text
from newsdesk.publish.web import create_app
from newsdesk.settings import load_settings
from newsdesk.store import Store
from tests.web_fixture import HOSTILE_SCRIPT, build, running

FEEDS = ["/feed", "/section/world/feed", "/section/business/feed", "/search/feed"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("feeds")
    with Store.open(root / "newsdesk.db") as store:
        ids = build(store, utcnow())
    with running(create_app(load_settings(root, env={}))) as base, \
            httpx.Client(base_url=base, timeout=10) as client:
        yield client, ids, base


def _url(path: str, kind: str) -> str:
    return f"{path}.{kind}" + ("?q=harbour" if path.startswith("/search") else "")


# JSON Feed 1.1 (https://jsonfeed.org/version/1.1): the keys it defines; any other key must be
# an extension, whose name starts with "_".
FEED_KEYS = {"version", "title", "home_page_url", "feed_url", "description", "user_comment",
             "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items"}
ITEM_KEYS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary",
             "image", "banner_image", "date_published", "date_modified", "authors", "tags",
             "language", "attachments"}


def json_feed_problems(doc: dict) -> list[str]:
    """What makes ``doc`` not a valid JSON Feed 1.1 (feedparser 6.0 does not read JSON Feed, so
    the spec's rules are checked here)."""
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version")
    if not isinstance(doc.get("title"), str) or not doc["title"]:
        problems.append("title")
    if not isinstance(doc.get("items"), list):
        return [*problems, "items"]
    problems += [f"unknown key {k}" for k in doc if k not in FEED_KEYS and not k.startswith("_")]
    for key in ("home_page_url", "feed_url"):
        if key in doc and not str(doc[key]).startswith(("http://", "https://")):
            problems.append(key)
    for author in doc.get("authors", []):
        if not isinstance(author, dict) or not author.get("name"):
            problems.append("authors")
    for n, item in enumerate(doc["items"]):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"item {n}: id")
        if not (item.get("content_html") or item.get("content_text")):
            problems.append(f"item {n}: content")
        problems += [f"item {n}: unknown key {k}" for k in item
                     if k not in ITEM_KEYS and not k.startswith("_")]
        for key in ("date_published", "date_modified"):
            if key in item:
                try:
                    datetime.fromisoformat(item[key].replace("Z", "+00:00"))
                except ValueError:
                    problems.append(f"item {n}: {key}")
        if not all(isinstance(t, str) for t in item.get("tags", [])):
            problems.append(f"item {n}: tags")
    return problems


@pytest.mark.parametrize("path", FEEDS)
def test_atom_feeds_parse_cleanly_and_every_entry_links_to_its_story_page(site, path):
    client, ids, base = site
    response = client.get(_url(path, "atom"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content,
                              response_headers={"content-type": response.headers["content-type"]})
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.link.startswith(f"{base}/story/"), entry.link
        assert entry.id == entry.link
        page = client.get(entry.link)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert entry.title and entry.updated_parsed


@pytest.mark.parametrize("path", FEEDS)
def test_json_feeds_are_valid_and_every_item_links_to_its_story_page(site, path):
    client, ids, base = site
    response = client.get(_url(path, "json"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/feed+json")
    doc = response.json()
    assert json_feed_problems(doc) == []
    assert doc["items"]
    for item in doc["items"]:
        assert item["url"].startswith(f"{base}/story/") and item["id"] == item["url"]
        assert client.get(item["url"]).status_code == 200


def test_the_json_feed_checker_catches_what_the_spec_forbids():
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": "1", "content_text": "x"}]}
    assert json_feed_problems(good) == []
    assert json_feed_problems({**good, "version": "1"}) == ["version"]
    assert json_feed_problems({**good, "items": [{"id": "1"}]}) == ["item 0: content"]
    assert json_feed_problems({**good, "owner": 1}) == ["unknown key owner"]


def test_both_feeds_carry_the_same_stories(site):
    client, _, _ = site
    atom = [e.link for e in feedparser.parse(client.get("/feed.atom").content).entries]
    assert atom == [i["url"] for i in client.get("/feed.json").json()["items"]]


def test_site_feed_carries_the_lede_with_citations_and_the_sources(site):
    client, ids, base = site
    parsed = feedparser.parse(client.get("/feed.atom").content)
    ferry = next(e for e in parsed.entries if e.link == f"{base}/story/{ids['ferry']}")
    html = ferry.content[0].value
    assert "Forty-one passengers were rescued" in html
    assert f'href="{base}/story/{ids["ferry"]}#src-1"' in html
    assert "https://" in html and "Sources differ" in html
    assert {t.term for t in ferry.tags} == {"Business", "World"}
    assert parsed.feed.links[0].rel == "self"


def test_section_feed_holds_only_that_sections_stories(site):
    client, ids, base = site
    links = {e.link for e in feedparser.parse(client.get("/section/business/feed.atom")
                                              .content).entries}
    assert links == {f"{base}/story/{ids['ferry']}", f"{base}/story/{ids['bank']}"}


def test_search_feed_follows_the_search(site):
    client, ids, base = site
    doc = client.get("/search/feed.json?q=clinic").json()
    assert [i["url"] for i in doc["items"]] == [f"{base}/story/{ids['kite']}"]
    assert doc["feed_url"] == f"{base}/search/feed.json?q=clinic"
    empty = client.get("/search/feed.atom")
    assert empty.status_code == 400 and "needs words" in empty.text
    assert client.get("/feed.rss").status_code == 404


def test_json_feed_has_the_fields_the_spec_requires(site):
    client, _, base = site
    doc = client.get("/feed.json").json()
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] and doc["feed_url"] == f"{base}/feed.json"
    for item in doc["items"]:
        assert isinstance(item["id"], str) and item["url"].startswith(base)
        assert item.get("content_html") or item.get("content_text")
        assert item["date_published"].endswith("Z") and item["date_modified"].endswith("Z")


def test_hostile_text_stays_text_in_feeds(site):
    client, ids, base = site
    raw = client.get("/feed.atom").content
    root = ET.fromstring(raw)  # well-formed XML despite everything
    titles = [e.findtext(f"{{{ATOM_NS}}}title") for e in root.iter(f"{{{ATOM_NS}}}entry")]
    assert any(HOSTILE_SCRIPT in t for t in titles)  # as text, escaped in the XML
    assert b"<script" not in raw
    hostile = next(e for e in feedparser.parse(raw).entries
                   if e.link == f"{base}/story/{ids['hostile']}")
    assert "javascript:" not in hostile.content[0].value
    doc = json.loads(client.get("/feed.json").content)
    item = next(i for i in doc["items"] if i["url"] == f"{base}/story/{ids['hostile']}")
    assert "<script" not in item["content_html"] and "&lt;script&gt;" in item["content_html"]


def test_characters_xml_cannot_hold_are_dropped():
    assert xml_text("a\x00b\x1bc\ufffed\n") == "abcd\n"
