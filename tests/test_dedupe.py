"""De-duplication on a real store: URLs, exact text, and syndicated near-duplicates, which are
folded into one article carried by several outlets."""

import pytest

from newsdesk.ingest.dedupe import (
    NEAR_DISTANCE,
    Deduper,
    canonical_url,
    content_hash,
    shingles,
    simhash,
)
from newsdesk.models import Article
from newsdesk.store import Store
from tests.news_fixtures import BRIDGE, BRIDGE_OTHER, WIRE, syndicated_copy, text_of


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "newsdesk.db") as store:
        yield store


def article(story: dict, url: str, outlet: str) -> Article:
    return Article(url=url, title=story["title"], text=text_of(story), outlet=outlet,
                   byline=story["byline"], published_at=story["published"])


@pytest.mark.parametrize("url, canonical", [
    ("HTTP://News.Example:80/World/Story/?utm_source=rss&utm_medium=feed#comments",
     "http://news.example/World/Story"),
    ("https://news.example:443/a?b=2&a=1&fbclid=XYZ&gclid=1&mc_cid=9&mc_eid=8",
     "https://news.example/a?a=1&b=2"),
    ("https://news.example:8443/a/", "https://news.example:8443/a"),
    ("https://news.example", "https://news.example/"),
    ("https://news.example//2024//story", "https://news.example/2024/story"),
    ("https://news.example/search?q=", "https://news.example/search?q="),
    ("https://news.example/café", "https://news.example/caf%C3%A9"),
    ("file:///tmp/a.jsonl#line-3", "file:///tmp/a.jsonl#line-3"),  # only http(s) is changed
])
def test_canonical_urls(url, canonical):
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


def test_content_hash_ignores_case_spacing_and_punctuation():
    assert content_hash("The bridge, REOPENED!\n\n  Today.") == content_hash(
        "the bridge reopened today")
    assert content_hash("The bridge reopened") != content_hash("The bridge closed")


def test_simhash_is_near_for_copies_and_far_for_independent_reports():
    wire, copy = text_of(WIRE), text_of(syndicated_copy(WIRE))
    assert bin(simhash(wire) ^ simhash(copy)).count("1") <= NEAR_DISTANCE
    other = bin(simhash(text_of(BRIDGE)) ^ simhash(text_of(BRIDGE_OTHER))).count("1")
    assert other > NEAR_DISTANCE
    assert simhash("") == 0 and shingles("") == set()


def test_a_link_with_tracking_parameters_is_known(store):
    deduper = Deduper(store)
    first = deduper.add(article(BRIDGE, "https://lantern.example/bridge", "Daily Lantern"))
    assert first.kind == "new"
    assert deduper.known("https://LANTERN.example/bridge/?utm_source=rss&fbclid=1#top") == (
        first.article_id)
    again = deduper.add(article(BRIDGE, "https://lantern.example/bridge?utm_medium=social",
                                "Daily Lantern"))
    assert (again.kind, again.article_id) == ("duplicate", first.article_id)
    assert store.count_articles() == 1


def test_the_same_text_under_two_urls_is_one_article(store):
    deduper = Deduper(store)
    first = deduper.add(article(BRIDGE, "https://lantern.example/bridge", "Daily Lantern"))
    moved = article(BRIDGE, "https://lantern.example/2024/03/bridge", "Daily Lantern")
    moved.text = moved.text.upper()  # re-rendered, same words
    second = deduper.add(moved)
    assert (second.kind, second.article_id) == ("duplicate", first.article_id)
    assert store.count_articles() == 1
    assert deduper.known("https://lantern.example/2024/03/bridge") == first.article_id


def test_syndicated_wire_copy_is_one_article_with_every_carrier(store):
    deduper = Deduper(store)
    original = deduper.add(article(WIRE, "https://wire.example/grain", "Harbour Wire"))
    copy = syndicated_copy(WIRE)  # new headline, own credit line, one sentence trimmed
    assert copy["title"] != WIRE["title"]
    folded = deduper.add(article(copy, "https://gazette.example/farming/grain", "Hill Gazette"))
    assert (folded.kind, folded.article_id) == ("syndicated", original.article_id)
    assert store.count_articles() == 1
    stored = store.get_article(original.article_id)
    assert stored.text == text_of(WIRE)  # the text first stored is kept
    assert [(c.outlet, c.url, c.title) for c in stored.carriers] == [
        ("Harbour Wire", "https://wire.example/grain", WIRE["title"]),
        ("Hill Gazette", "https://gazette.example/farming/grain", copy["title"])]


def test_a_copy_further_than_the_band_index_reaches_is_still_found(store):
    # The store's four 16-bit bands guarantee a hit only within 3 bits; this copy is further.
    wire, copy = text_of(WIRE), text_of(syndicated_copy(WIRE))
    distance = bin(simhash(wire) ^ simhash(copy)).count("1")
    assert 3 < distance <= NEAR_DISTANCE
    Deduper(store).add(article(WIRE, "https://wire.example/grain", "Harbour Wire"))
    # A fresh Deduper (a later run) loads the stored hashes and still finds it.
    verdict = Deduper(store).add(article(syndicated_copy(WIRE), "https://b.example/g", "B"))
    assert verdict.kind == "syndicated"


def test_independent_reports_of_one_event_stay_separate(store):
    deduper = Deduper(store)
    a = deduper.add(article(BRIDGE, "https://lantern.example/bridge", "Daily Lantern"))
    b = deduper.add(article(BRIDGE_OTHER, "https://courier.example/crossing", "Vellmar Courier"))
    assert (a.kind, b.kind) == ("new", "new") and a.article_id != b.article_id
    assert store.count_articles() == 2


def test_short_texts_are_matched_only_exactly(store):
    deduper = Deduper(store)
    deduper.add(Article(url="https://a.example/1", title="Brief", text="Council meets today.",
                        outlet="A"))
    other = deduper.add(Article(url="https://b.example/1", title="Brief",
                                text="Council meets tomorrow.", outlet="B"))
    assert other.kind == "new"
