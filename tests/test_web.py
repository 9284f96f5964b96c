"""``newsdesk serve``: real HTTP on 127.0.0.1 against a real store — pages, API, safety."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from newsdesk.models import story_to_dict, utcnow
from newsdesk.publish.web import create_app
from newsdesk.settings import load_settings
from newsdesk.store import Store
from tests.web_fixture import build, running


class Page(HTMLParser):
    """Every element of a page, with its attributes, and the text (for assertions)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag
                and all(a.get(k) == v for k, v in attrs.items())]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    with Store.open(root / "newsdesk.db") as store:
        ids = build(store, utcnow())
    app = create_app(load_settings(root, env={}))
    with running(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        yield client, ids, root


def get(client: httpx.Client, path: str, status: int = 200) -> httpx.Response:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    return response


def test_front_page_lists_stories_with_age_outlets_and_the_breaking_mark(site):
    client, ids, _ = site
    page = Page(get(client, "/").text)
    story_links = [a["href"] for a in page.all("a") if a["href"].startswith("/story/")]
    assert story_links[0] == f"/story/{ids['ferry']}"
    assert {f"/story/{i}" for i in ids.values()} <= set(story_links)
    assert "Breaking" in page.text and "Updated 1 h ago" in page.text
    assert "5 outlets: Harbour Gazette, Coastline Wire" in page.text
    assert "Updated 3 days ago" in page.text  # the old story's age is there too
    assert "Not written up yet: 1 report so far." in page.text
    assert page.all("main") and page.all("nav") and page.all("header") and page.all("footer")
    assert page.all("a", href="#main")  # the skip link


def test_story_page_has_every_part_and_citations_reach_the_source_list(site):
    client, ids, _ = site
    page = Page(get(client, f"/story/{ids['ferry']}").text)
    text = page.text
    assert "41 rescued as ferry Marisol runs aground in fog off Port Calloway" in text
    for part in ("Sources differ", "What they said", "Background", "Timeline", "What’s next",
                 "Sources", "Coverage", "Version history"):
        assert part in text, part
    assert "Ilse Varga, as reported by Harbour Gazette" in text
    assert "Harbour Gazette and Coastline Wire say 41 people were aboard; Meridian Post says 43" \
        in text
    cites = [a["href"] for a in page.all("a") if a["href"].startswith("#src-")]
    assert len(cites) >= 12
    assert {c[1:] for c in cites} <= page.ids()  # every marker has its source entry
    assert {"src-1", "src-2", "src-3", "src-4"} <= page.ids()
    assert "Also carried by Bayside Herald" in text


def test_model_written_sentences_are_marked_with_their_verification(site):
    client, ids, _ = site
    page = Page(get(client, f"/story/{ids['ferry']}").text)
    assert "model-written, checked" in page.text
    assert "model-written, not confirmed" in page.text
    doubted = [a for a in page.all("span") if "s-doubt" in a.get("class", "")]
    assert doubted and doubted[0]["title"] == "no cited source mentions a warning to the captain"


def test_links_out_are_http_only_and_leak_no_referrer(site):
    client, ids, _ = site
    for name in ("ferry", "hostile", "kite"):
        page = Page(get(client, f"/story/{ids[name]}").text)
        for a in page.all("a"):
            href = a["href"]
            if href.startswith(("http://", "https://")):
                assert a.get("rel") == "noopener noreferrer", href
            else:
                assert href.startswith(("/", "#")), href


def test_version_history_says_what_changed_and_old_versions_stay_readable(site):
    client, ids, _ = site
    page = Page(get(client, f"/story/{ids['ferry']}").text)
    assert "3 new report(s) from Coastline Wire, Meridian Post, Northfield Times" in page.text
    assert page.all("a", href=f"/story/{ids['ferry']}?v=1")
    old = Page(get(client, f"/story/{ids['ferry']}?v=1").text)
    assert "Ferry runs aground off Port Calloway; passengers taken off by lifeboat" in old.text
    assert "You are reading version 1 of 2" in old.text
    get(client, f"/story/{ids['ferry']}?v=7", 404)


def test_coverage_chart_is_inline_svg_with_one_dot_per_report(site):
    client, ids, _ = site
    html = get(client, f"/story/{ids['ferry']}").text
    page = Page(html)
    svg = page.all("svg", role="img")
    assert svg and svg[0]["aria-labelledby"] == "coverage-t coverage-d"
    assert len(page.all("circle")) == 5  # four articles and one syndicated copy
    assert "5 reports from 5 outlets" in page.text


def test_a_story_not_written_yet_lists_its_reports(site):
    client, ids, _ = site
    page = Page(get(client, f"/story/{ids['kite']}").text)
    assert "This story has not been written up yet" in page.text
    assert "Lantern Labs unveils solar kite prototype" in page.text
    assert page.all("a", rel="noopener noreferrer")


def test_sections_and_outlet_pages(site):
    client, ids, _ = site
    nav = Page(get(client, "/").text).all("a")
    assert any(a["href"] == "/section/world" for a in nav)
    world = Page(get(client, "/section/world").text)
    assert f"/story/{ids['ferry']}" in [a["href"] for a in world.all("a")]
    assert f"/story/{ids['bank']}" not in [a["href"] for a in world.all("a")]
    outlets = Page(get(client, "/outlets").text)
    assert "Bayside Herald" in outlets.text and outlets.all("a", href="/outlet/bayside-herald")
    carrier = Page(get(client, "/outlet/bayside-herald").text)
    assert [a["href"] for a in carrier.all("a") if a["href"].startswith("/story/")] == \
        [f"/story/{ids['ferry']}"]
    get(client, "/section/nowhere", 404)
    get(client, "/outlet/nobody", 404)


def test_search_finds_stories_and_articles(site):
    client, ids, _ = site
    page = Page(get(client, "/search", ).text)
    assert page.all("input", name="q")
    found = Page(get(client, "/search?q=marisol").text)
    links = [a["href"] for a in found.all("a") if a["href"].startswith("/story/")]
    assert links[0] == f"/story/{ids['ferry']}"
    body_only = Page(get(client, "/search?q=clinic").text)  # only in an article's body
    assert f"/story/{ids['kite']}" in [a["href"] for a in body_only.all("a")]
    assert body_only.all("mark")
    assert "No story matches" in Page(get(client, "/search?q=zeppelin").text).text
    get(client, '/search?q="NEAR(*')  # FTS syntax is just words to newsdesk


def test_merged_story_redirects_and_unknown_pages_say_so(site):
    client, ids, root = site
    response = get(client, "/story/424242", 404)
    assert "Page not found" in response.text and "text/html" in response.headers["content-type"]
    get(client, "/story/not-a-number", 404)
    get(client, f"/story/{2**70}", 404)  # beyond SQLite's integers: still just "not found"
    get(client, f"/api/stories/{2**70}", 422)
    assert get(client, "/api/stories/424242", 404).json() == {"detail": "no such story"}


def test_every_response_carries_a_strict_content_security_policy(site):
    client, ids, _ = site
    for path in ("/", f"/story/{ids['hostile']}", "/static/site.css", "/nowhere", "/feed.atom",
                 "/api/stories"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_pages_load_nothing_from_elsewhere(site):
    client, ids, _ = site
    for path in ("/", f"/story/{ids['ferry']}", "/search?q=ferry", "/outlets"):
        page = Page(get(client, path).text)
        assert not page.all("script")
        for tag, attrs in page.elements:
            for name in ("src", "href"):
                value = attrs.get(name, "")
                if tag in {"link", "img", "script", "iframe", "source"} and value:
                    assert urlsplit(value).netloc == "", (path, tag, value)


def test_hostile_article_text_is_shown_as_text_never_as_markup(site):
    client, ids, _ = site
    for path in (f"/story/{ids['hostile']}", "/", "/search?q=harbour", "/outlets",
                 "/section/world"):
        html = get(client, path).text
        page = Page(html)
        assert not page.all("script") and not page.all("img"), path
        assert [a for a in page.all("svg") if a.get("class") != "coverage"] == [], path
        for _, attrs in page.elements:
            assert not any(k.startswith("on") for k in attrs), (path, attrs)
            assert not any("javascript:" in v.lower() for v in attrs.values()), (path, attrs)
    page = Page(get(client, f"/story/{ids['hostile']}").text)
    assert '<script>window.__pwned = "script"</script>' in page.text  # visible, as text
    assert "(no web link)" in page.text  # the javascript: URL is not a link


def test_json_api_lists_stories_and_gives_one_with_citations_and_sources(site):
    client, ids, root = site
    listing = get(client, "/api/stories?limit=3").json()
    assert len(listing["stories"]) == 3 and listing["stories"][0]["id"] == ids["ferry"]
    first = listing["stories"][0]
    assert first["breaking"] and first["url"].endswith(f"/story/{ids['ferry']}")
    detail = get(client, f"/api/stories/{ids['ferry']}").json()
    with Store.open(root / "newsdesk.db") as store:
        expected = story_to_dict(store.latest_version(ids["ferry"]).story)
    assert detail["story"] == expected
    assert detail["story"]["lede"][0]["citations"] == [1, 2]
    assert [s["number"] for s in detail["story"]["sources"]] == [1, 2, 3, 4]
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert len(detail["reports"]) == 5
    assert get(client, f"/api/stories/{ids['kite']}").json()["story"] is None
    assert get(client, "/api/stories?section=business").json()["stories"]
    assert get(client, "/api/stories?q=clinic").json()["stories"][0]["id"] == ids["kite"]
    get(client, "/api/stories?limit=0", 422)


def test_openapi_document_describes_the_api_and_no_cdn_docs_page_exists(site):
    client, _, _ = site
    doc = get(client, "/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/stories", "/api/stories/{story_id}"} <= set(doc["paths"])
    assert not any(p.startswith(("/story", "/search", "/feed")) for p in doc["paths"])
    schemas = doc["components"]["schemas"]
    assert {"StoryDetail", "WrittenStoryModel", "Sentence", "SourceModel"} <= set(schemas)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(doc).replace("'", '"')))
    assert refs <= set(schemas)
    get(client, "/docs", 404)
    get(client, "/redoc", 404)


def test_mutes_from_the_config_file_hide_outlets_and_keywords(tmp_path):
    with Store.open(tmp_path / "newsdesk.db") as store:
        ids = build(store, utcnow())
    (tmp_path / "newsdesk.toml").write_text(
        '[web]\nmuted_outlets = ["Rumour Mill"]\nmuted_keywords = ["horoscope"]\n')
    app = create_app(load_settings(tmp_path, env={}))
    with running(app) as base, httpx.Client(base_url=base) as client:
        front = Page(get(client, "/").text)
        links = [a["href"] for a in front.all("a")]
        assert f"/story/{ids['rumour']}" not in links and f"/story/{ids['horoscope']}" not in links
        assert f"/story/{ids['ferry']}" in links
        assert "2 stories hidden by your mutes" in front.text
        muted = Page(get(client, f"/story/{ids['horoscope']}").text)
        assert "Your mutes hide this story from listings" in muted.text
        assert "You have muted this outlet" in Page(get(client, "/outlet/rumour-mill").text).text
        assert get(client, "/api/stories").json()["hidden"] == 2


def test_an_empty_store_says_how_to_get_stories(tmp_path):
    app = create_app(load_settings(tmp_path, env={}))
    with running(app) as base, httpx.Client(base_url=base) as client:
        page = Page(get(client, "/").text)
        assert "No stories yet" in page.text and "newsdesk demo" in page.text
        assert get(client, "/feed.atom").status_code == 200


def test_pages_follow_the_store_while_the_server_runs(tmp_path):
    """A new report and a new version written by another process show up at once, even though
    the server keeps cards of unchanged stories between requests."""
    from newsdesk.models import Article, CitedSentence, StorySource, StoryVersion, WrittenStory

    with Store.open(tmp_path / "newsdesk.db") as store:
        ids = build(store, utcnow())
    app = create_app(load_settings(tmp_path, env={}))
    with running(app) as base, httpx.Client(base_url=base) as client:
        before = Page(get(client, "/").text).text
        assert "Lantern Labs unveils solar kite prototype" in before
        with Store.open(tmp_path / "newsdesk.db") as writer:
            a = writer.add_article(Article(
                url="https://meridian-post.example/kite", title="Kite lifts off", text="It flew.",
                outlet="Meridian Post", content_hash="kite2", published_at=utcnow()))
            writer.assign(ids["kite"], [a.id])
            writer.add_story_version(StoryVersion(ids["kite"], 0, WrittenStory(
                headline="Solar kite powers a clinic in test flight",
                lede=[CitedSentence("A solar kite powered a clinic.", [1])],
                sources=[StorySource(1, a.id, a.outlet, a.title, a.url, a.published_at)]),
                [a.id]))
        after = Page(get(client, "/").text).text
        assert "Solar kite powers a clinic in test flight" in after
        assert "2 outlets: Daily Lantern, Meridian Post" in after


def test_newsdesk_serve_serves_the_data_dirs_store(tmp_path):
    """The real command, in its own process, as a user starts it."""
    import socket
    import subprocess
    import sys
    import time

    with Store.open(tmp_path / "newsdesk.db") as store:
        ids = build(store, utcnow())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data-dir", str(tmp_path), "serve", "--port",
         str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/story/{ids['ferry']}")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "newsdesk serve did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and "Marisol" in response.text
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "server" not in response.headers  # no software banner
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/" in output


def test_serve_says_what_to_do_when_it_cannot_start(tmp_path):
    import socket

    from typer.testing import CliRunner

    from newsdesk.cli.main import app

    runner = CliRunner()
    missing = runner.invoke(app, ["--data-dir", str(tmp_path / "none"), "serve"])
    assert missing.exit_code == 1 and "newsdesk demo" in " ".join(missing.stderr.split())
    assert not (tmp_path / "none").exists()  # reading never creates a store
    with Store.open(tmp_path / "newsdesk.db"):
        pass
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["--data-dir", str(tmp_path), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in " ".join(result.stderr.split())


def test_a_broken_story_fails_alone_with_an_error_page(tmp_path):
    import sqlite3

    with Store.open(tmp_path / "newsdesk.db") as store:
        ids = build(store, utcnow())
    conn = sqlite3.connect(tmp_path / "newsdesk.db")
    conn.execute("UPDATE story_versions SET story_json = '{broken' WHERE story_id = ?",
                 (ids["bank"],))
    conn.commit()
    conn.close()
    app = create_app(load_settings(tmp_path, env={}))
    with running(app) as base, httpx.Client(base_url=base) as client:
        response = client.get(f"/story/{ids['bank']}")
        assert response.status_code == 500 and "Something went wrong" in response.text
        assert "default-src 'none'" in response.headers["content-security-policy"]
        api = client.get(f"/api/stories/{ids['bank']}")
        assert api.status_code == 500 and "content-security-policy" in api.headers
        assert get(client, f"/story/{ids['ferry']}").status_code == 200
