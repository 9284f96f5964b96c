"""The article store: a real SQLite file, migrations, atomic writes, plain dataclasses out."""

import sqlite3
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from newsdesk.models import (
    Article,
    Carrier,
    CitedSentence,
    Source,
    StorySource,
    StoryVersion,
    WrittenStory,
)
from newsdesk.store import Store, StoreError
from newsdesk.store.schema import SCHEMA_VERSION

T0 = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def article(n: int, **kw) -> Article:
    base = dict(url=f"https://harbour-gazette.example/{n}", title=f"Story {n}",
                text=f"Body of story {n}.", outlet="Harbour Gazette",
                published_at=T0 + timedelta(hours=n), content_hash=f"hash{n}", simhash=n)
    base.update(kw)
    return Article(**base)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "data" / "newsdesk.db") as s:
        yield s


def test_new_file_is_migrated_to_the_current_schema_in_wal_mode(tmp_path):
    path = tmp_path / "newsdesk.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_from_a_newer_newsdesk_is_refused(tmp_path):
    path = tmp_path / "newsdesk.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="upgrade newsdesk"):
        Store.open(path)


def test_adding_a_source_twice_returns_the_stored_one(store):
    first = store.add_source(Source(url="https://wire.example/feed", outlet="Coastline Wire"))
    again = store.add_source(Source(url="https://wire.example/feed", outlet="ignored"))
    assert first.id == again.id and again.outlet == "Coastline Wire"
    assert [s.url for s in store.list_sources()] == ["https://wire.example/feed"]


def test_source_fetch_state_round_trips(store):
    source = store.add_source(Source(url="https://wire.example/feed"))
    source.etag, source.error_count, source.last_error = '"abc"', 2, "HTTP 404"
    store.save_source_state(source)
    loaded = store.get_source(source.id)
    assert (loaded.etag, loaded.error_count, loaded.last_error) == ('"abc"', 2, "HTTP 404")


def test_articles_round_trip_with_their_carriers(store):
    stored = store.add_article(article(1, carriers=[Carrier("Bay Tribune", "https://bt.example/1")]))
    store.add_carrier(stored.id, Carrier("Daily Lantern", "https://dl.example/9"))
    loaded = store.get_article(stored.id)
    assert loaded.title == "Story 1" and loaded.published_at == T0 + timedelta(hours=1)
    assert [c.outlet for c in loaded.carriers] == ["Bay Tribune", "Daily Lantern"]
    assert store.known_url("https://dl.example/9") == stored.id
    assert store.article_id_by_hash("hash1") == stored.id


def test_the_same_url_or_text_cannot_be_stored_twice(store):
    store.add_article(article(1))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_article(article(2, url="https://harbour-gazette.example/1"))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_article(article(3, content_hash="hash1"))
    assert store.count_articles() == 1


def test_near_duplicates_are_found_by_simhash_distance(store):
    near = (1 << 63) | 0b1011
    a = store.add_article(article(1, simhash=near))
    store.add_article(article(2, simhash=~near & ((1 << 64) - 1)))
    assert store.near_duplicates(near ^ 0b111) == [a.id]  # 3 bits away
    assert store.near_duplicates(near ^ 0b1111) == []  # 4 bits away


def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.add_article(article(1))
        raise RuntimeError("crash in the middle")
    assert store.count_articles() == 0


def test_stories_group_articles_and_track_their_span(store):
    ids = [store.add_article(article(n)).id for n in (1, 2, 3)]
    story = store.create_story(ids[:2])
    assert story.article_ids == ids[:2]
    assert story.first_seen == T0 + timedelta(hours=1) and story.last_seen == T0 + timedelta(hours=2)
    other = store.create_story([ids[2]])
    store.merge_stories(story.id, other.id)
    assert store.get_story(story.id).article_ids == ids
    assert store.get_story(other.id).status == "merged"
    assert [s.id for s in store.list_stories()] == [story.id]
    assert store.story_of_article(ids[2]) == story.id


def test_story_versions_keep_citations_that_resolve(store):
    a = store.add_article(article(1))
    story = store.create_story([a.id])
    written = WrittenStory(
        headline="Ferry service resumes",
        lede=[CitedSentence("The ferry resumed on Monday.", [1])],
        sources=[StorySource(1, a.id, "Harbour Gazette", "Story 1", a.url)],
    )
    v1 = store.add_story_version(StoryVersion(story.id, 0, written, [a.id]))
    v2 = store.add_story_version(StoryVersion(story.id, 0, written, [a.id]))
    assert (v1.version, v2.version) == (1, 2)
    latest = store.latest_version(story.id)
    assert latest.story.lede[0].citations == [1]
    assert latest.story.story_id == story.id
    assert store.get_story(story.id).headline == "Ferry service resumes"
    assert store.unresolved_citations() == 0
    assert store.integrity_check() == "ok"


def test_vectors_are_cached_by_model_and_key(store):
    store.put_vectors("m", {"k1": np.array([1.0, 2.0], dtype=np.float32)})
    found = store.get_vectors("m", ["k1", "k2"])
    assert list(found) == ["k1"] and found["k1"].tolist() == [1.0, 2.0]
    assert store.get_vectors("other-model", ["k1"]) == {}
