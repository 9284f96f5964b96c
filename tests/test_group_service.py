"""Story detection against a real store (SQLite in tmp_path): what every fetch runs, the batch
rebuild, and the `newsdesk stories` commands."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from newsdesk.cli.main import app
from newsdesk.group import assign_new_articles, rebuild
from newsdesk.group.service import match_clusters
from newsdesk.models import Article, CitedSentence, StoryVersion, WrittenStory
from newsdesk.settings import load_settings
from newsdesk.store import Store
from tests.test_group import ARTICLES, MONDAY

OUTLETS = ("Sellan Post", "Veyra Courier", "Orwin Herald")


def _article(key: str, title: str, text: str, when: datetime, n: int) -> Article:
    return Article(url=f"https://news.example/{key}", title=title, text=text,
                   outlet=OUTLETS[n % len(OUTLETS)], published_at=when,
                   content_hash=hashlib.sha256(text.encode()).hexdigest())


@pytest.fixture
def env(tmp_path):
    settings = load_settings(tmp_path, env={})
    store = Store.open(settings.db_path)
    yield store, settings
    store.close()


def _add(store: Store, rows) -> dict[str, int]:
    ids = {}
    for n, (key, _, hours, title, text) in enumerate(rows):
        ids[key] = store.add_article(_article(key, title, text, MONDAY + timedelta(hours=hours),
                                              n)).id
    return ids


def _stories(store: Store) -> dict[int, set[int]]:
    return {s.id: set(s.article_ids) for s in store.list_stories()}


def test_assign_groups_new_articles_and_keeps_ids_on_the_next_fetch(env):
    store, settings = env
    first = [r for r in ARTICLES if r[2] < 20]
    later = [r for r in ARTICLES if r[2] >= 20]
    ids = _add(store, first)
    changed = assign_new_articles(store, settings)
    stories = _stories(store)
    assert sorted(changed) == sorted(stories)
    assert len(stories) == 4
    # Every article in exactly one story.
    assert sorted(a for members in stories.values() for a in members) == sorted(ids.values())
    story_of_fire = store.story_of_article(ids["f1"])
    assert store.story_of_article(ids["f2"]) == story_of_fire
    assert store.story_of_article(ids["g1"]) != story_of_fire
    assert store.get_story(story_of_fire).headline  # a title stands in until it is written
    assert assign_new_articles(store, settings) == []  # nothing new, nothing changes

    ids.update(_add(store, later))
    changed = assign_new_articles(store, settings)
    # The follow-ups join their stories, under the same ids.
    assert store.story_of_article(ids["f3"]) == story_of_fire
    assert store.story_of_article(ids["w3"]) == store.story_of_article(ids["w1"])
    assert sorted(changed) == sorted({story_of_fire, store.story_of_article(ids["w1"])})
    assert len(_stories(store)) == 4


def test_a_written_headline_is_kept(env):
    store, settings = env
    ids = _add(store, ARTICLES[:2])
    assign_new_articles(store, settings)
    story_id = store.story_of_article(ids["f1"])
    written = WrittenStory(headline="Harbour warehouse burns down",
                           lede=[CitedSentence("A warehouse burned.", [1])])
    store.add_story_version(StoryVersion(story_id=story_id, version=0, story=written,
                                         article_ids=[ids["f1"], ids["f2"]]))
    _add(store, [ARTICLES[2]])
    assert assign_new_articles(store, settings) == [story_id]
    assert store.get_story(story_id).headline == "Harbour warehouse burns down"


def test_rebuild_keeps_ids_and_repairs_a_wrong_story(env):
    store, settings = env
    ids = _add(store, ARTICLES)
    assign_new_articles(store, settings)
    fire = store.story_of_article(ids["f1"])
    union = store.story_of_article(ids["w1"])
    # Simulate a wrong online decision: the school fire filed under the harbour fire.
    store.assign(fire, [ids["g1"], ids["g2"]])
    school = store.get_story(store.story_of_article(ids["v1"]))  # untouched story
    report = rebuild(store, settings, since=MONDAY - timedelta(days=1))
    assert report.articles == len(ARTICLES)
    assert store.story_of_article(ids["f1"]) == fire  # most of its membership stayed
    assert store.story_of_article(ids["w1"]) == union
    assert store.story_of_article(ids["g1"]) != fire
    assert store.story_of_article(ids["g1"]) == store.story_of_article(ids["g2"])
    assert fire in report.changed
    assert store.story_of_article(ids["v1"]) == school.id
    assert len(_stories(store)) == 4
    # Running it again changes nothing.
    again = rebuild(store, settings, since=MONDAY - timedelta(days=1))
    assert again.changed == [] and again.moved == 0 and again.created == []


def test_rebuild_marks_a_vanished_story_as_merged(env):
    store, settings = env
    ids = _add(store, ARTICLES[:5])
    assign_new_articles(store, settings)
    fire = store.story_of_article(ids["f1"])
    # Simulate a split: the harbour fire's follow-up sits alone in a story of its own.
    split = store.create_story([ids["f3"]], headline="split").id
    report = rebuild(store, settings, since=MONDAY - timedelta(days=1))
    assert store.story_of_article(ids["f2"]) == store.story_of_article(ids["f3"]) == fire
    gone = store.get_story(split)
    assert gone.status == "merged" and gone.merged_into == fire
    assert split in report.retired


def test_match_clusters_keeps_ids_where_membership_mostly_stays():
    old = {10: {1, 2, 3, 4}, 11: {5, 6}, 12: {7}}
    new = [{1, 2, 3}, {4, 5, 6}, {7, 8, 9, 10}]
    assert match_clusters(old, new) == {0: 10, 1: 11, 2: 12}
    # A story that splits in halves keeps its id on one half only.
    assert match_clusters({20: {1, 2, 3, 4}}, [{1, 2}, {3, 4}]) == {0: 20}
    # Too little in common: a new story, not a kept one.
    assert match_clusters({30: {1, 2, 3, 4, 5}}, [{1, 8, 9}]) == {}


def test_cli_stories_list_show_rebuild(env, tmp_path):
    store, settings = env
    ids = _add(store, ARTICLES)
    assign_new_articles(store, settings)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path)]
    listed = runner.invoke(app, [*base, "stories", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == 4
    assert sum(r["articles"] for r in rows) == len(ARTICLES)
    fire = next(r for r in rows if r["id"] == store.story_of_article(ids["f1"]))
    assert "Port Sellan" in fire["headline"] and len(fire["outlets"]) == 3
    table = runner.invoke(app, [*base, "stories", "list", "--since", "2031-05-01", "--limit",
                                "2"])
    assert table.exit_code == 0 and "2 stories" in table.output
    shown = runner.invoke(app, [*base, "stories", "show", str(fire["id"]), "--json"])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.output)
    assert [a["id"] for a in detail["articles"]] == [ids["f1"], ids["f2"], ids["f3"]]
    assert detail["articles"][0]["url"] == "https://news.example/f1"
    text = runner.invoke(app, [*base, "stories", "show", str(fire["id"])])
    assert "Not written yet" in text.output and "3 articles from 3 outlets" in text.output
    missing = runner.invoke(app, [*base, "stories", "show", "999"])
    assert missing.exit_code == 1 and "no story 999" in missing.output
    rebuilt = runner.invoke(app, [*base, "stories", "rebuild", "--since", "2031-05-01"])
    assert rebuilt.exit_code == 0, rebuilt.output
    flat = " ".join(rebuilt.output.split())
    assert "Regrouped 10 articles" in flat and "4 kept their id" in flat
    bad = runner.invoke(app, [*base, "stories", "list", "--since", "last week"])
    assert bad.exit_code != 0 and "neither a span" in bad.output


def test_parse_since():
    from newsdesk.cli.stories import parse_since

    now = datetime(2031, 5, 12, 12, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("30min", now) == now - timedelta(minutes=30)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2031-05-01", now) == datetime(2031, 5, 1, tzinfo=UTC)


def test_a_new_article_draws_a_misfiled_one_into_its_story(env):
    store, settings = env
    rows = {r[0]: r for r in ARTICLES}
    ids = _add(store, [rows["f1"], rows["f2"], rows["w1"]])
    fire = store.create_story([ids["f1"], ids["f2"], ids["w1"]], headline="fire").id
    ids.update(_add(store, [rows["w2"]]))
    changed = assign_new_articles(store, settings)
    union = store.story_of_article(ids["w2"])
    assert union != fire
    assert store.story_of_article(ids["w1"]) == union  # moved, in the store too
    assert set(store.get_story(fire).article_ids) == {ids["f1"], ids["f2"]}
    assert changed == sorted({fire, union})
