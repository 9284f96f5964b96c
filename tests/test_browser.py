"""The reading side in a real browser: Debian's headless Chromium, driven by Playwright, against
``newsdesk serve`` on 127.0.0.1. Screenshots land in test-artifacts/ (front page and a story,
desktop and phone, light and dark).

Never ``playwright install``: it downloads a browser build. CI installs Debian's ``chromium``;
without /usr/bin/chromium these tests skip and say so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsdesk.models import utcnow
from newsdesk.publish.pages import Reader
from newsdesk.publish.site import export_site
from newsdesk.publish.web import create_app
from newsdesk.settings import load_settings
from newsdesk.store import Store
from tests.web_fixture import build, running

CHROMIUM = "/usr/bin/chromium"
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium; "
                "scripts/test installs it when run as root)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Runs before any page script: records what a hostile article would try and what the
# Content-Security-Policy had to block. A safe page leaves both empty.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    with Store.open(root / "newsdesk.db") as store:
        ids = build(store, utcnow())
    with running(create_app(load_settings(root, env={}))) as base:
        yield base, ids, root


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(WATCH)
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    yield tab
    context.close()


def assert_clean(tab) -> None:
    """No script of an article ran, no dialog opened, and the CSP had nothing to block."""
    assert tab.evaluate("window.__pwned") is None
    assert tab.dialogs == []
    assert tab.evaluate("window.__violations") == []


def test_front_page_lists_the_stories_and_a_click_opens_one(server, page):
    base, ids, _ = server
    page.goto(base + "/")
    headlines = page.locator("ol.cards article h2 a")
    assert headlines.count() == len(ids)
    first = headlines.first.inner_text()
    assert first == "41 rescued as ferry Marisol runs aground in fog off Port Calloway"
    assert page.locator(".badge-breaking").first.is_visible()
    headlines.first.click()
    page.wait_for_url(f"{base}/story/{ids['ferry']}")
    assert page.locator("h1").inner_text() == first
    assert_clean(page)


def test_clicking_a_citation_reaches_its_source_entry(server, page):
    base, ids, _ = server
    page.goto(f"{base}/story/{ids['ferry']}")
    page.locator(".story .lede .cites a", has_text="2").click()
    page.wait_for_url(f"{base}/story/{ids['ferry']}#src-2")
    target = page.locator(":target")
    assert target.get_attribute("id") == "src-2"
    assert "Coastline Wire" in target.inner_text()
    page.wait_for_function("() => { const r = document.querySelector('#src-2')"
                           ".getBoundingClientRect(); return r.top >= 0 && "
                           "r.bottom <= window.innerHeight; }")
    link = target.locator("a")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("href").startswith("https://")
    assert_clean(page)


def test_search_finds_a_story(server, page):
    base, ids, _ = server
    page.goto(base + "/")
    page.fill("#q", "solar kite")
    page.press("#q", "Enter")
    page.wait_for_url(f"{base}/search?q=solar+kite")
    result = page.locator(f'#main a[href="/story/{ids["kite"]}"]').first
    assert result.inner_text() == "Lantern Labs unveils solar kite prototype"
    result.click()
    page.wait_for_url(f"{base}/story/{ids['kite']}")
    assert_clean(page)


def test_a_hostile_articles_script_never_runs(server, page):
    base, ids, _ = server
    for path in (f"/story/{ids['hostile']}", "/", "/search?q=harbour+fees", "/outlets",
                 "/section/world", f"/api/stories/{ids['hostile']}", "/feed.atom"):
        page.goto(base + path)
        for element in page.locator("h1, h2, .lede, .sources li").all()[:20]:
            element.hover()  # would fire any onmouseover that slipped through
        assert_clean(page)
    page.goto(f"{base}/story/{ids['hostile']}")
    assert '<script>window.__pwned = "script"</script>' in page.locator("h1").inner_text()


def test_keyboard_users_can_skip_to_the_content_and_see_focus(server, page):
    base, ids, _ = server
    page.goto(base + "/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content" and skip.is_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots_front_and_story(server, browser, scheme, width):
    base, ids, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=DESKTOP if width == "desktop" else PHONE,
                                  color_scheme=scheme)
    tab = context.new_page()
    try:
        backgrounds = set()
        for name, path in (("front", "/"), ("story", f"/story/{ids['ferry']}")):
            tab.goto(base + path)
            # nothing wider than the screen: no sideways scrolling on a phone
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            backgrounds.add(tab.evaluate("getComputedStyle(document.body).backgroundColor"))
            shot = ARTIFACTS / f"{name}-{width}-{scheme}.png"
            tab.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        dark = backgrounds == {"rgb(19, 20, 23)"}
        assert dark == (scheme == "dark"), backgrounds
        for path in ("/search?q=harbour", "/outlets", f"/story/{ids['hostile']}"):
            tab.goto(base + path)  # long unbroken hostile names must wrap, not widen the page
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    finally:
        context.close()


def test_the_static_export_works_from_disk(server, page, tmp_path):
    _, ids, root = server
    with Store.open(root / "newsdesk.db") as store:
        export_site(Reader(store), tmp_path / "site")
    page.goto((tmp_path / "site" / "index.html").as_uri())
    assert page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius") \
        == "10px"  # the stylesheet loaded under the page's own CSP
    page.locator("ol.cards article h2 a").first.click()
    page.locator(".story .lede .cites a").first.click()
    assert page.locator(":target").get_attribute("id") == "src-1"
    assert_clean(page)


# -- the demo week, as `make demo` leaves it --------------------------------------------------

@pytest.fixture(scope="module")
def demo_server(demo_run):
    data_dir, _ = demo_run
    with Store.open(data_dir / "newsdesk.db") as store:
        ids = store.active_story_ids()
        headlines = {i: v.story.headline for i, v in store.latest_versions(ids).items()}
        outlets = {i: {r.outlet for r in refs}
                   for i, refs in store.story_article_refs(ids).items()}
    with running(create_app(load_settings(data_dir, env={}))) as base:
        yield base, headlines, outlets


def test_the_front_page_lists_the_demos_stories(demo_server, page):
    base, headlines, outlets = demo_server
    page.goto(base + "/")
    cards = page.locator("ol.cards article h2 a")
    shown = {int(a.get_attribute("href").rsplit("/", 1)[1]): a.inner_text() for a in cards.all()}
    assert len(shown) == min(len(headlines), 30)  # the front page's size
    assert all(headlines[i] == text for i, text in shown.items())
    # ranked by breadth of coverage: every story that three or more outlets reported is on it
    broad = {i for i, names in outlets.items() if len(names) >= 3}
    assert len(broad) >= 10 and broad <= set(shown)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-front-desktop.png"), full_page=True)
    assert_clean(page)


def test_a_demo_story_opens_and_its_citations_reach_the_sources(demo_server, page):
    base, headlines, outlets = demo_server
    widest = max(outlets, key=lambda i: (len(outlets[i]), -i))
    page.goto(base + "/")
    page.locator(f'ol.cards article h2 a[href="/story/{widest}"]').click()
    page.wait_for_url(f"{base}/story/{widest}")
    assert page.locator("h1").inner_text() == headlines[widest]
    sources = page.locator("ol.sources > li")
    assert sources.count() >= 3
    marker = page.locator(".story .lede .cites a").first
    number = marker.inner_text()
    marker.click()
    target = page.locator(":target")
    assert target.get_attribute("id") == f"src-{number}"
    assert target.locator(".outlet").inner_text() in outlets[widest]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-story-desktop.png"), full_page=True)
    assert_clean(page)


def test_the_demos_planted_disagreements_show_in_a_sources_differ_box(demo_server, page):
    base, headlines, _ = demo_server
    page.goto(base + "/search?q=Hollin+Gap")
    page.locator("#main ol.cards article h3 a").first.click()
    box = page.locator("aside.differ")
    assert box.is_visible()
    assert "two" in box.inner_text() and "three" in box.inner_text()  # soldiers killed
    assert_clean(page)
