"""Integrity of the built-in demo corpus (newsdesk/demo/corpus/): the ground truth that the
grouping, writing and verification tests rely on must agree with the article texts."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest

from newsdesk.demo.corpus import CORPUS_DIR, load_articles, load_outlets, load_truth

ARTICLE_KEYS = {"id", "outlet", "title", "byline", "published", "text", "event", "summary"}
CONFLICT_KINDS = {"count", "time", "day", "place", "attribution"}
WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)
WEEK_END = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def outlets() -> list[dict]:
    return load_outlets()


@pytest.fixture(scope="module")
def articles() -> list[dict]:
    return load_articles()


@pytest.fixture(scope="module")
def by_id(articles: list[dict]) -> dict[str, dict]:
    return {a["id"]: a for a in articles}


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth()


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def _jaccard(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb)


def _states(value: str, text: str) -> bool:
    """Whether ``value`` occurs in ``text`` as a whole word or phrase (any case)."""
    return re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text, re.IGNORECASE) is not None


def test_files_ship_in_the_package() -> None:
    for name in ("outlets.json", "articles.jsonl", "truth.json"):
        assert (CORPUS_DIR / name).is_file()


def test_outlets(outlets: list[dict]) -> None:
    assert len(outlets) >= 9
    slugs = [o["slug"] for o in outlets]
    assert len(set(slugs)) == len(slugs)
    assert len({o["name"] for o in outlets}) == len(outlets)
    for o in outlets:
        assert set(o) == {"slug", "name", "category", "homepage"}
        assert re.fullmatch(r"[a-z0-9-]+", o["slug"])
        assert o["homepage"] == f"/{o['slug']}/"
        assert o["name"] and o["category"]


def test_articles_shape(articles: list[dict], outlets: list[dict]) -> None:
    slugs = {o["slug"] for o in outlets}
    ids = [a["id"] for a in articles]
    assert len(set(ids)) == len(ids)
    for a in articles:
        assert set(a) == ARTICLE_KEYS, a["id"]
        assert re.fullmatch(r"a\d{3}", a["id"])
        assert a["outlet"] in slugs, a["id"]
        assert a["title"].strip() and a["summary"].strip(), a["id"]
        assert a["byline"] == "" or a["byline"].startswith("By "), a["id"]
        assert a["event"] is None or re.fullmatch(r"e\d{2}", a["event"]), a["id"]
    # Every outlet publishes something.
    assert {a["outlet"] for a in articles} == slugs


def test_texts_read_like_articles(articles: list[dict]) -> None:
    for a in articles:
        text = a["text"]
        assert 120 <= len(text.split()) <= 450, (a["id"], len(text.split()))
        paragraphs = text.split("\n\n")
        assert len(paragraphs) >= 3, a["id"]
        for p in paragraphs:
            assert p and p == p.strip() and "\n" not in p, a["id"]
        assert text.count('"') % 2 == 0, a["id"]


def test_published_within_the_week_and_sorted(articles: list[dict]) -> None:
    times = []
    for a in articles:
        assert a["published"].endswith("+00:00"), a["id"]
        t = datetime.fromisoformat(a["published"])
        assert WEEK_START <= t < WEEK_END, a["id"]
        times.append(t)
    assert times == sorted(times)


def test_events_and_singles_partition_the_articles(articles: list[dict], truth: dict) -> None:
    events = truth["events"]
    assert len(events) >= 14
    assert len({e["id"] for e in events}) == len(events)
    singles = truth["singles"]
    assert len(singles) >= 12
    listed = [aid for e in events for aid in e["articles"]] + singles
    assert sorted(listed) == sorted(a["id"] for a in articles)
    event_of = {aid: e["id"] for e in events for aid in e["articles"]}
    for a in articles:
        assert a["event"] == event_of.get(a["id"]), a["id"]
    n_event_articles = sum(len(e["articles"]) for e in events)
    assert 55 <= n_event_articles <= 70


def test_each_event_has_two_to_six_outlets(by_id: dict[str, dict], truth: dict) -> None:
    for e in truth["events"]:
        assert e["title"].strip()
        outlets = [by_id[aid]["outlet"] for aid in e["articles"]]
        assert 2 <= len(outlets) <= 6, e["id"]
        assert len(set(outlets)) == len(outlets), e["id"]
        days = sorted({by_id[aid]["published"][:10] for aid in e["articles"]})
        assert e.get("follow_up_days", []) == days[1:], e["id"]


def test_several_events_have_follow_ups(truth: dict) -> None:
    assert sum(1 for e in truth["events"] if e.get("follow_up_days")) >= 5


def test_topical_neighbours_are_distinct_events(truth: dict) -> None:
    ids = {e["id"] for e in truth["events"]}
    assert len(truth["topical_neighbours"]) >= 2
    for pair in truth["topical_neighbours"]:
        assert len(pair) == 2 and pair[0] != pair[1]
        assert set(pair) <= ids


def test_conflicts(by_id: dict[str, dict], truth: dict) -> None:
    conflicts = truth["conflicts"]
    assert len(conflicts) >= 8
    assert {c["kind"] for c in conflicts} == CONFLICT_KINDS
    event_ids = {e["id"] for e in truth["events"]}
    for c in conflicts:
        assert c["event"] in event_ids
        assert c["kind"] in CONFLICT_KINDS
        assert c["subject"].strip()
        values = [v["value"] for v in c["values"]]
        assert len(values) >= 2 and len(set(values)) == len(values)
        seen: set[str] = set()
        for v in c["values"]:
            assert v["articles"]
            for aid in v["articles"]:
                assert aid not in seen, (c["event"], aid)
                seen.add(aid)
                article = by_id[aid]
                assert article["event"] == c["event"], aid
                # The value is written literally in the article's text ...
                assert v["value"] in article["text"], (aid, v["value"])
                # ... and the article never states a competing value for the same subject.
                whole = " ".join((article["title"], article["summary"], article["text"]))
                for other in values:
                    if other != v["value"]:
                        assert not _states(other, whole), (aid, v["value"], other)


def test_quotes_are_verbatim(by_id: dict[str, dict], truth: dict) -> None:
    quotes = truth["quotes"]
    assert len(quotes) >= 60
    for q in quotes:
        assert q["text"].strip() and q["speaker"].strip()
        assert '"' not in q["text"]
        for aid in q["articles"]:
            article = by_id[aid]
            assert q["event"] == article["event"], aid
            assert q["text"] in article["text"], (aid, q["text"])
            assert q["speaker"] in article["text"], (aid, q["speaker"])
    # Every event article quotes somebody, and every quotation mark is accounted for.
    quoted: dict[str, int] = {}
    for q in quotes:
        for aid in q["articles"]:
            quoted[aid] = quoted.get(aid, 0) + 1
    for aid, article in by_id.items():
        assert article["text"].count('"') == 2 * quoted.get(aid, 0), aid


def test_syndicated_copies_are_near_identical(by_id: dict[str, dict], truth: dict) -> None:
    assert truth["syndicated"]
    for s in truth["syndicated"]:
        original = by_id[s["original"]]
        assert len(s["copies"]) >= 2
        outlets = {original["outlet"]} | {by_id[c]["outlet"] for c in s["copies"]}
        assert len(outlets) == 1 + len(s["copies"])
        for cid in s["copies"]:
            copy = by_id[cid]
            assert copy["event"] == original["event"]
            assert copy["text"] != original["text"]
            assert _jaccard(original["text"], copy["text"]) >= 0.9, cid


def test_independent_reports_are_not_paraphrases(by_id: dict[str, dict], truth: dict) -> None:
    groups = [{s["original"], *s["copies"]} for s in truth["syndicated"]]
    for e in truth["events"]:
        for a, b in itertools.combinations(e["articles"], 2):
            if any({a, b} <= g for g in groups):
                continue
            assert _jaccard(by_id[a]["text"], by_id[b]["text"]) < 0.5, (a, b)


def test_debris_is_limited_and_real(by_id: dict[str, dict], truth: dict) -> None:
    debris = truth.get("debris", [])
    assert 1 <= len({d["article"] for d in debris}) <= 8
    for d in debris:
        assert d["text"] in by_id[d["article"]]["text"].split("\n\n")
