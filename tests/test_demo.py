"""The quick start's main job: `newsdesk demo` runs the whole pipeline on the demo week."""

from newsdesk.demo.corpus import load_articles, load_truth
from newsdesk.store import Store
from tests.demo_fixture import run_demo

# ``demo_run`` (tests/conftest.py) runs the demo once per session.


def test_demo_ingests_every_article_through_the_feeds_and_folds_syndicated_copies(demo_run):
    data_dir, result = demo_run
    truth = load_truth()
    copies = sum(len(s["copies"]) for s in truth["syndicated"])
    with Store.open(data_dir / "newsdesk.db") as store:
        assert store.count_articles() == len(load_articles()) - copies
        assert len(store.list_sources()) == 11
        assert all(not s.last_error for s in store.list_sources())
    assert f"Fetched: {len(load_articles()) - copies} new articles" in result.stdout


def test_demo_writes_a_cited_story_for_every_event(demo_run):
    data_dir, result = demo_run
    truth = load_truth()
    with Store.open(data_dir / "newsdesk.db") as store:
        stories = store.list_stories()
        # every event and single ends up in some story; grouping quality is measured elsewhere
        assert len(truth["events"]) <= len(stories) <= len(truth["events"]) + len(truth["singles"]) + 8
        for story in stories:
            version = store.latest_version(story.id)
            assert version is not None, f"story {story.id} has no written version"
            assert version.story.headline
            for sentence in version.story.all_sentences():
                assert sentence.citations, sentence.text
        assert store.unresolved_citations() == 0
        assert store.integrity_check() == "ok"
    assert "newsdesk serve" in result.stdout


def test_running_the_demo_again_fetches_nothing_twice_and_publishes_no_churn(demo_run):
    data_dir, _ = demo_run
    with Store.open(data_dir / "newsdesk.db") as store:
        before = store.count_articles()
        versions_before = {s.id: len(store.story_versions(s.id)) for s in store.list_stories()}
    again = run_demo(data_dir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Fetched: 0 new articles" in again.stdout
    with Store.open(data_dir / "newsdesk.db") as store:
        assert store.count_articles() == before
        assert {s.id: len(store.story_versions(s.id)) for s in store.list_stories()} == versions_before
