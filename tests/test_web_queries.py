"""The reading side's queries: the Store methods behind listings and search (FTS5), and the
Reader's ranking, "breaking" mark and muting — on a real SQLite file."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from newsdesk.models import Article, CitedSentence, StorySource, StoryVersion, WrittenStory
from newsdesk.publish.pages import Moved, Reader, Report, is_breaking, score
from newsdesk.publish.templating import ago, differ_text, link_cites, safe_url, slug
from newsdesk.settings import WebSettings
from newsdesk.store import Store
from newsdesk.store.schema import MIGRATIONS
from newsdesk.store.store import _statements, fts_query
from tests.web_fixture import HOSTILE_OUTLET, build

NOW = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "newsdesk.db") as s:
        yield s


@pytest.fixture
def ids(store):
    return build(store, NOW)


def test_stories_come_back_in_the_order_asked_with_their_articles_oldest_first(store, ids):
    got = store.get_stories([ids["bank"], 9999, ids["ferry"]])
    assert [s.id for s in got] == [ids["bank"], ids["ferry"]]
    ferry = got[1]
    assert len(ferry.article_ids) == 4 and ferry.status == "open"
    assert ferry.article_ids == store.get_story(ids["ferry"]).article_ids


def test_latest_versions_gives_each_storys_newest_version_only(store, ids):
    latest = store.latest_versions([ids["ferry"], ids["bank"], ids["kite"]])
    assert set(latest) == {ids["ferry"], ids["bank"]}  # the kite has no version yet
    assert latest[ids["ferry"]].version == 2
    assert latest[ids["ferry"]].story.headline.startswith("41 rescued")


def test_article_refs_carry_source_categories_and_syndicated_copies(store, ids):
    refs = store.story_article_refs([ids["ferry"]])[ids["ferry"]]
    assert [r.outlet for r in refs] == ["Harbour Gazette", "Coastline Wire", "Meridian Post",
                                        "Northfield Times"]
    assert [r.category for r in refs] == ["World", "World", "Business", "Business"]
    assert all(r.story_id == ids["ferry"] for r in refs)
    assert [c.outlet for c in refs[1].carriers] == ["Bayside Herald"]


def test_active_stories_filter_by_time_category_and_outlet(store, ids):
    assert store.active_story_ids(since=NOW - timedelta(hours=24)) \
        and ids["old"] not in store.active_story_ids(since=NOW - timedelta(hours=24))
    assert set(store.active_story_ids(category="Business")) == {ids["ferry"], ids["bank"]}
    # a syndicated copy counts as the carrying outlet's coverage
    assert store.active_story_ids(outlet="Bayside Herald") == [ids["ferry"]]
    store.merge_stories(ids["ferry"], ids["kite"])
    assert ids["kite"] not in store.active_story_ids()


def test_search_finds_stories_by_written_text_and_articles_by_body(store, ids):
    assert store.search_stories("Tessel")[0] == ids["ferry"]  # only in the written text
    assert store.search_stories("harbo") and ids["hostile"] in store.search_stories("harbo")
    hits = store.search_articles("clinic")  # only in the kite article's body
    assert [h.story_id for h in hits] == [ids["kite"]]
    assert "\ue000clinic\ue001" in hits[0].snippet


def test_search_index_follows_new_versions_and_headlines(store, ids):
    assert store.search_stories("lighthouse") == [ids["old"]]
    a = store.get_article(store.get_story(ids["old"]).article_ids[0])
    store.add_story_version(StoryVersion(ids["old"], 0, WrittenStory(
        headline="Gull Point beacon to shine again",
        lede=[CitedSentence("The council will restore the beacon at Gull Point.", [1])],
        sources=[StorySource(1, a.id, a.outlet, a.title, a.url)]), [a.id]))
    assert store.search_stories("beacon") == [ids["old"]]
    assert store.search_stories("shine") == [ids["old"]]


@pytest.mark.parametrize("query", ['"', 'ferry"', "NEAR(", "a OR", "*", "-ferry", "title:x",
                                   "AND", "^", "(((", "💥", "   "])
def test_no_reader_input_can_break_the_search_query(store, ids, query):
    store.search_stories(query)
    store.search_articles(query)


def test_fts_query_quotes_every_word_and_prefixes_the_last():
    assert fts_query('ferry "OR" Calloway') == '"ferry" "or" "calloway"*'
    assert fts_query("  ") == ""


def test_migration_backfills_the_search_index_of_an_existing_store(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)  # a store written by newsdesk before search existed
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO articles (url, title, text, fetched_at, content_hash) VALUES"
                 " ('https://x.example/1', 'Old quay reopens', 'Fishermen cheered.',"
                 " '2026-11-01T00:00:00+00:00', 'h')")
    conn.execute("INSERT INTO stories (headline, updated_at, status) VALUES"
                 " ('Old quay reopens', '2026-11-01T00:00:00+00:00', 'open')")
    conn.execute("INSERT INTO story_articles VALUES (1, 1, '2026-11-01T00:00:00+00:00')")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.search_stories("quay") == [1]
        assert [a.id for a in store.search_articles("fishermen")] == [1]


# ---------------------------------------------------------------- ranking, breaking, muting


def test_breadth_beats_a_little_freshness_but_not_a_day():
    assert score(6, NOW - timedelta(hours=4), NOW) > score(1, NOW, NOW)
    assert score(2, NOW - timedelta(hours=36), NOW) < score(1, NOW, NOW)


def _reports(*spec):
    return [Report(outlet, "t", "https://x.example", NOW - timedelta(minutes=m), i)
            for i, (outlet, m) in enumerate(spec)]


def test_breaking_needs_many_outlets_in_a_short_recent_window():
    assert is_breaking(_reports(("A", 90), ("B", 60), ("C", 30)), NOW)
    assert not is_breaking(_reports(("A", 90), ("A", 60), ("B", 30)), NOW)  # two outlets
    assert not is_breaking(_reports(("A", 600), ("B", 300), ("C", 10)), NOW)  # spread out
    old = _reports(("A", 3000), ("B", 2990), ("C", 2980))  # a burst two days ago
    assert not is_breaking(old, NOW)


def test_front_page_ranks_by_freshness_and_breadth_and_marks_breaking(store, ids):
    front = Reader(store, now=lambda: NOW).front()
    order = [c.id for c in front.cards]
    assert order[0] == ids["ferry"] and front.cards[0].breaking
    assert order.index(ids["bank"]) < order.index(ids["old"])
    assert not any(c.breaking for c in front.cards[1:])
    ferry = front.cards[0]
    assert ferry.outlets == ["Harbour Gazette", "Coastline Wire", "Bayside Herald",
                             "Meridian Post", "Northfield Times"]
    assert ferry.categories == ["Business", "World"] and ferry.version == 2


def test_mutes_hide_outlets_and_keywords_and_count_what_they_hid(store, ids):
    web = WebSettings(muted_outlets=("rumour mill", HOSTILE_OUTLET),
                      muted_keywords=("HOROSCOPE",))
    reader = Reader(store, web, now=lambda: NOW)
    front = reader.front()
    shown = {c.id for c in front.cards}
    assert ids["rumour"] not in shown and ids["horoscope"] not in shown
    assert front.hidden == 2
    hostile = next(c for c in front.cards if c.id == ids["hostile"])
    assert hostile.outlets == ["Harbour Gazette"]  # its muted outlet is left out
    page = reader.story(ids["horoscope"])
    assert "horoscope" in page.muted_because.lower()  # a direct link still works, and says so


def test_keyword_mutes_match_whole_words_only(store, ids):
    reader = Reader(store, WebSettings(muted_keywords=("fee",)), now=lambda: NOW)
    assert ids["hostile"] in [c.id for c in reader.front().cards]  # "fees" is not "fee"


def test_a_merged_storys_page_leads_to_the_story_it_joined(store, ids):
    store.merge_stories(ids["bank"], ids["kite"])
    assert Reader(store, now=lambda: NOW).story(ids["kite"]) == Moved(ids["bank"])


def test_an_unwritten_story_shows_its_best_title_and_every_report(store, ids):
    page = Reader(store, now=lambda: NOW).story(ids["kite"])
    assert page.shown is None and page.card.headline == "Lantern Labs unveils solar kite prototype"
    assert [r.outlet for r in page.uncited] == ["Daily Lantern"]


def test_outlets_merge_names_that_differ_only_in_case(store, ids):
    store.add_article(Article(url="https://x.example/y", title="t", text="x",
                              outlet="harbour gazette", content_hash="zz",
                              published_at=NOW))
    rows = [r for r in Reader(store, now=lambda: NOW).outlets() if r.slug == "harbour-gazette"]
    assert len(rows) == 1 and rows[0].articles == 4


# ---------------------------------------------------------------- links, names, ages


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:x",
    "java\nscript:x", "data:text/html,<script>x</script>", "vbscript:x", "//evil.example/x",
    "https://", "http:///x", "file:///etc/passwd", "https://a.example/\x00", "", None,
    "https://a.example/x y",
])
def test_only_plain_http_urls_become_links(url):
    assert safe_url(url) is None


def test_http_urls_pass_unchanged():
    assert safe_url("https://harbour-gazette.example/a?b=1&c=<x>") \
        == "https://harbour-gazette.example/a?b=1&c=<x>"
    assert safe_url("HTTP://Wire.example/") == "HTTP://Wire.example/"


def test_slugs_are_stable_and_safe_for_urls_and_files():
    assert slug("Harbour Gazette") == "harbour-gazette"
    assert slug("Économie & Bourse") == "economie-bourse"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("新闻") == slug("新闻") and slug("新闻").startswith("x-")
    assert slug("新闻") != slug("新聞")


def test_ages_read_the_way_people_say_them():
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=12), NOW) == "12 min ago"
    assert ago(NOW - timedelta(hours=3, minutes=50), NOW) == "3 h ago"
    assert ago(NOW - timedelta(days=1, hours=2), NOW) == "1 day ago"
    assert ago(NOW - timedelta(days=40), NOW) == "08 Oct 2026"
    assert ago(None, NOW) == "time unknown"


def test_a_conflict_summarys_markers_become_source_links_and_stay_escaped():
    summary = "Sources differ: Wire says 41 [1][2]; Post <b>43</b> [3] [9]."
    html = str(link_cites(differ_text(summary), [1, 2, 3]))
    assert html.startswith("Wire says 41 <sup")
    assert html.count('href="#src-') == 3 and "[9]" in html  # no source 9: left as text
    assert "&lt;b&gt;43&lt;/b&gt;" in html
