"""``newsdesk run`` and ``newsdesk status``: the unattended loop on a real HTTP server, a real
SQLite file, the real pipeline (grouping, the extractive writer, verification) and model.

A small fictional feed set (tests/feedset.py): a few outlets reporting a few events each.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from newsdesk.group import assign_new_articles
from newsdesk.ingest.dedupe import canonical_url
from newsdesk.models import Source, utcnow
from newsdesk.run import (
    LOCK_FILE,
    RunError,
    RunLock,
    Runner,
    RunOptions,
    configure_logging,
    run_status,
    stop_logging,
)
from newsdesk.settings import Settings, load_settings
from newsdesk.store import Store
from newsdesk.write.base import register_writer
from tests.feedset import FeedSet
from tests.loopback import Loopback, Route

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ("127.0.0.1/32",)


@dataclass
class World:
    feedset: FeedSet
    server: Loopback
    settings: Settings

    @property
    def expected_urls(self) -> set[str]:
        return {canonical_url(self.server.url(r.path)) for r in self.feedset.articles}

    def store(self) -> Store:
        return Store.open(self.settings.db_path)


@contextmanager
def world(tmp_path: Path, **feedset: object) -> Iterator[World]:
    spec = {"outlets": 3, "events": 4, "reports": (2, 3), "seed": 11, **feedset}
    fs = FeedSet(**spec)  # type: ignore[arg-type]
    with Loopback(fs.routes()) as server:
        settings = load_settings(tmp_path / "data", env={}).with_section(
            "fetch", per_host_delay=0.0, timeout=5.0)
        with Store.open(settings.db_path) as store:
            for n, path in enumerate(fs.feed_paths()):
                store.add_source(Source(url=server.url(path), outlet=fs.outlet_name(n)))
        yield World(fs, server, settings)


def run_cycles(settings: Settings, cycles: int = 1, log_format: str = "json",
               **options: object) -> tuple[int, list[str]]:
    """Run ``cycles`` cycles in this process; the exit code and the log lines."""
    stream = io.StringIO()
    handler = configure_logging(log_format, stream=stream)
    try:
        code = Runner(settings, RunOptions(max_cycles=cycles, allow_networks=LOCAL,
                                           **options)).run()  # type: ignore[arg-type]
    finally:
        stop_logging(handler)
    return code, stream.getvalue().splitlines()


def events(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


# ------------------------------------------------------------------ one cycle, end to end


@pytest.fixture(scope="module")
def first_cycle(tmp_path_factory):
    with world(tmp_path_factory.mktemp("run")) as w:
        code, lines = run_cycles(w.settings)
        yield w, code, lines


def test_a_cycle_ingests_every_report_and_publishes_every_story(first_cycle):
    w, code, _ = first_cycle
    assert code == 0
    with w.store() as store:
        urls = {a.url for a in store.get_articles(store.article_ids())}
        assert urls == w.expected_urls  # every report, once
        assert store.count_unassigned_articles() == 0
        assert store.stories_awaiting_rewrite() == []
        stories = store.list_stories()
        assert stories and all(store.latest_version(s.id) for s in stories)
        assert sum(len(s.article_ids) for s in stories) == len(w.feedset.articles)
        assert store.unresolved_citations() == 0
        run = store.runs()[0]
        assert run["state"] == "finished" and run["cycles"] == 1
        assert run["new_articles"] == len(w.feedset.articles)
        assert run["versions"] == len(stories)
        for source in store.list_sources():  # each on its own schedule from now
            assert source.error_count == 0 and source.next_fetch_at > utcnow()


def test_the_log_is_one_json_object_per_line(first_cycle):
    w, _, lines = first_cycle
    records = events(lines)
    assert all({"ts", "level", "event", "msg"} <= r.keys() for r in records)
    kinds = [r["event"] for r in records]
    assert kinds[0] == "run.start" and kinds[-1] == "run.stop"
    polled = [r for r in records if r["event"] == "source.polled"]
    assert len(polled) == w.feedset.outlets and all(r["errors"] == 0 for r in polled)
    assert sum(r["new"] for r in polled) == len(w.feedset.articles)
    published = [r for r in records if r["event"] == "story.published"]
    with w.store() as store:
        assert len(published) == len(store.list_stories())
    assert all(r["version"] == 1 and r["changes"] for r in published)
    cycle = next(r for r in records if r["event"] == "cycle.done")
    assert cycle["new"] == len(w.feedset.articles) and cycle["unassigned"] == 0
    assert cycle["rss_mb"] > 0 and cycle["versions"] == len(published)


def test_status_shows_the_last_run_the_sources_and_the_backlog(first_cycle):
    w, _, _ = first_cycle
    with w.store() as store:
        info = run_status(store, w.settings.data_dir)
    assert not info["running"] and info["last_run"]["state"] == "finished"
    assert info["backlog"] == {"unassigned_articles": 0, "stories_awaiting_rewrite": 0,
                               "failed_stories": []}
    assert [s["health"] for s in info["sources"]] == ["ok"] * w.feedset.outlets
    result = CliRunner().invoke(_app(), ["--data-dir", str(w.settings.data_dir), "status"])
    assert result.exit_code == 0, result.output
    assert "not running" in result.output and "finished" in result.output
    assert f"{w.feedset.outlets} ok" in result.output
    assert "0 articles not yet in a story, 0 stories awaiting a rewrite" in result.output
    as_json = CliRunner().invoke(_app(), ["--data-dir", str(w.settings.data_dir), "status",
                                          "--json", "--check"])
    assert as_json.exit_code == 1  # --check: nothing is running
    assert json.loads(as_json.output)["articles"] == len(w.feedset.articles)


def _app():
    from newsdesk.cli.main import app

    return app


# ------------------------------------------------------------------ schedules


def test_only_due_sources_are_polled_with_conditional_get_and_own_intervals(tmp_path):
    with world(tmp_path, outlets=2, events=2) as w:
        feed0, feed1 = (w.server.url(p) for p in w.feedset.feed_paths())
        validators = {"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 06:00:00 GMT"}
        plain = w.server.routes["/o0/rss.xml"]

        def conditional(request):
            if request.headers.get("if-none-match") == '"v1"':
                return Route(304)
            route = plain(request)
            route.headers = {**route.headers, **validators}
            return route

        w.server.routes["/o0/rss.xml"] = conditional
        run_cycles(w.settings)
        with w.store() as store:
            source0 = store.get_source(feed0)
            assert source0.etag == '"v1"'
            assert store.set_source_interval(source0.id, 60)  # its own schedule: a minute
            assert store.get_source(feed0).next_fetch_at <= utcnow() + timedelta(seconds=60)
            with store.transaction() as conn:  # a minute has passed for feed0 only
                conn.execute("UPDATE sources SET next_fetch_at = ? WHERE id = ?",
                             ((utcnow() - timedelta(seconds=1)).isoformat(), source0.id))
        before = len(w.server.requests)
        code, lines = run_cycles(w.settings)
        asked = [r for r in w.server.requests[before:]]
        assert code == 0
        assert [r.path for r in asked] == ["/o0/rss.xml"]  # feed1 is not due: not asked
        assert asked[0].headers.get("if-none-match") == '"v1"'
        polled = [r for r in events(lines) if r["event"] == "source.polled"]
        assert len(polled) == 1 and polled[0]["not_modified"] is True
        with w.store() as store:
            source0 = store.get_source(feed0)
            assert source0.interval_seconds == 60
            left = (source0.next_fetch_at - utcnow()).total_seconds()
            assert 50 < left <= 60  # its own interval, not the default 900 s
            assert (store.get_source(feed1).next_fetch_at - utcnow()).total_seconds() > 800


def test_sources_set_interval_command(tmp_path):
    with world(tmp_path, outlets=1, events=1) as w:
        invoke = CliRunner().invoke
        args = ["--data-dir", str(w.settings.data_dir), "sources", "set-interval"]
        done = invoke(_app(), [*args, "1", "120"])
        assert done.exit_code == 0 and "polled every 120 s" in done.output
        with w.store() as store:
            assert store.get_source(1).interval_seconds == 120
        assert invoke(_app(), [*args, "1", "default"]).exit_code == 0
        with w.store() as store:
            assert store.get_source(1).interval_seconds is None
        bad = invoke(_app(), [*args, "1", "soon"])
        assert bad.exit_code == 1 and "whole number of seconds" in bad.output
        missing = invoke(_app(), [*args, "9", "60"])
        assert missing.exit_code == 1 and "no source with id 9" in missing.output


# ------------------------------------------------------------------ nothing left behind


def test_a_story_grouped_but_never_written_is_written_by_the_next_cycle(tmp_path):
    """The state a crash between grouping and writing leaves: articles in stories, no
    versions. The next cycle has nothing new to fetch and must still write them."""
    with world(tmp_path, outlets=2, events=2) as w:
        from newsdesk.ingest.ingestor import fetch_sources

        settings = w.settings.with_section("fetch", allow_private=True)
        with w.store() as store:
            fetch_sources(store, settings)
            grouped = assign_new_articles(store, settings)
            assert grouped and store.count_unassigned_articles() == 0
            assert store.stories_awaiting_rewrite() == sorted(grouped)
        code, lines = run_cycles(w.settings)
        assert code == 0
        with w.store() as store:
            assert store.stories_awaiting_rewrite() == []
            assert all(store.latest_version(i) for i in grouped)
        cycle = next(r for r in events(lines) if r["event"] == "cycle.done")
        assert cycle["due"] == 0 and cycle["versions"] == len(grouped)


def test_a_story_that_fails_to_write_is_retried_then_reported(tmp_path):
    class Broken:
        name = "broken"

        def write(self, articles, *, words=200):
            raise RuntimeError("the writer fell over")

    register_writer("broken", lambda settings, store: Broken())
    with world(tmp_path, outlets=2, events=1, reports=(2, 2)) as w:
        settings = w.settings.with_section("write", writer="broken").with_section(
            "fetch", interval=1)
        code, lines = run_cycles(settings, cycles=4, max_sleep=0.2)
        assert code == 0  # one story failing is no reason to stop
        failed = [r for r in events(lines) if r["event"] == "story.failed"]
        assert len(failed) == 3  # tried on three cycles, then left alone
        assert all("the writer fell over" in r["error"] for r in failed)
        with w.store() as store:
            assert store.stories_awaiting_rewrite() == []
            [parked] = store.failed_story_writes()
            story_id = parked["story_id"]
            assert parked["failures"] == 3
            info = run_status(store, w.settings.data_dir)
        assert info["backlog"]["failed_stories"][0]["error"].endswith("the writer fell over")
        # A new run (a mended newsdesk) tries the parked story again, and now it works.
        code, lines = run_cycles(w.settings)
        assert code == 0
        assert any(r["event"] == "run.retry_stories" for r in events(lines))
        with w.store() as store:
            assert store.latest_version(story_id) is not None
            assert store.failed_story_writes() == [] and store.stories_awaiting_rewrite() == []


def test_one_run_per_data_directory(tmp_path):
    with world(tmp_path, outlets=1, events=1) as w:
        lock = RunLock(w.settings.data_dir / LOCK_FILE)
        assert lock.acquire()
        try:
            assert RunLock.holder(lock.path) == os.getpid()
            with pytest.raises(RunError, match="another `newsdesk run` .* is already running"):
                Runner(w.settings, RunOptions(once=True)).run()
        finally:
            lock.release()
        assert RunLock.holder(lock.path) is None


# ------------------------------------------------------------------ serving while running


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_serves_the_web_ui_from_the_same_process(tmp_path):
    with world(tmp_path, outlets=2, events=2, release=3.0) as w:
        port = _free_port()
        runner = Runner(w.settings.with_section("fetch", interval=1),
                        RunOptions(serve=True, port=port, allow_networks=LOCAL, max_sleep=0.5))
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            stories: list[int] = []
            while time.monotonic() < deadline:  # the feeds fill up; the pages follow
                with w.store() as store:
                    stories = store.active_story_ids()
                    done = (store.count_articles() == len(w.feedset.articles)
                            and not store.stories_awaiting_rewrite()
                            and all(store.latest_version(i) for i in stories))
                if done:
                    break
                time.sleep(0.3)
            assert stories and done
            assert runner.cycles >= 2  # polled again as the feeds grew
            with httpx.Client(base_url=base, timeout=10) as web:
                assert web.get("/healthz").text == "ok"
                front = web.get("/")
                assert front.status_code == 200
                with w.store() as store:
                    version = store.latest_version(stories[0])
                page = web.get(f"/story/{stories[0]}")
                assert page.status_code == 200
                assert version.story.headline.split()[0] in page.text
        finally:
            runner.request_stop()
            thread.join(timeout=30)
        assert not thread.is_alive()
        with pytest.raises(httpx.ConnectError):  # the web UI stopped with the run
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


# ------------------------------------------------------------------ signals


def _start(data: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "NEWSDESK_FETCH_PER_HOST_DELAY": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data-dir", str(data), "run", "--allow-network",
         "127.0.0.1/32", "--log-format", "json", *extra],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)


def _until(process: subprocess.Popen, event: str, seen: list[dict], timeout: float = 60) -> None:
    """Read the run's log until ``event`` appears."""
    deadline = time.monotonic() + timeout
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("{"):
            seen.append(json.loads(line))
            if seen[-1]["event"] == event:
                return
        assert time.monotonic() < deadline, seen
    raise AssertionError(f"the run ended before {event}: {seen}")


@pytest.mark.parametrize("phase", ["fetch", "pipeline"])
def test_sigterm_stops_the_run_cleanly_with_exit_0(tmp_path, phase):
    with world(tmp_path, outlets=3, events=6, page_delay=0.4 if phase == "fetch" else 0.0) as w:
        process = _start(w.settings.data_dir)
        seen: list[dict] = []
        try:
            if phase == "fetch":
                _until(process, "source.polled", seen)  # one feed done, pages still coming
            else:
                while sum(e["event"] == "source.polled" for e in seen) < w.feedset.outlets:
                    _until(process, "source.polled", seen)
                time.sleep(0.3)  # grouping and writing
            stopped_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            _, rest = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        took = time.monotonic() - stopped_at
        assert process.returncode == 0, rest
        stopping = [json.loads(line) for line in rest.splitlines() if '"run.stopping"' in line]
        assert stopping and stopping[0]["phase"] == phase  # it was stopped mid-work
        assert took < 10, took  # prompt: the work in flight is abandoned, not finished
        with w.store() as store:
            run = store.runs()[0]
            assert run["state"] == "stopped" and run["message"] == "stopped by SIGTERM"
            assert all(s.error_count == 0 for s in store.list_sources())  # nobody blamed
            assert store.integrity_check() == "ok"
        # The next run finishes the job: every report, every story written.
        code, _ = run_cycles(w.settings)
        assert code == 0
        with w.store() as store:
            assert {a.url for a in store.get_articles(store.article_ids())} == w.expected_urls
            assert store.count_unassigned_articles() == 0
            assert store.stories_awaiting_rewrite() == []
            assert store.runs()[1]["state"] == "stopped"  # not mistaken for a crash


def test_sigterm_while_sleeping_ends_the_run_at_once(tmp_path):
    with world(tmp_path, outlets=1, events=1) as w:
        with w.store() as store:  # polled a minute ago; next poll in 14 minutes
            store.set_source_interval(1, None)
            with store.transaction() as conn:
                conn.execute("UPDATE sources SET next_fetch_at = ?",
                             ((utcnow() + timedelta(minutes=14)).isoformat(),))
        process = _start(w.settings.data_dir)
        seen: list[dict] = []
        try:
            _until(process, "cycle.done", seen)
            time.sleep(0.2)  # asleep until the source is due
            stopped_at = time.monotonic()
            process.send_signal(signal.SIGINT)  # Ctrl-C, the same as SIGTERM
            _, rest = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, rest
        assert time.monotonic() - stopped_at < 3
        assert seen[-1]["due"] == 0  # nothing was due: the cycle polled nothing
        stopping = [json.loads(line) for line in rest.splitlines() if '"run.stopping"' in line]
        assert stopping[0]["phase"] == "idle" and stopping[0]["signal"] == "SIGINT"
        with w.store() as store:
            assert store.runs()[0]["state"] == "stopped"
            assert store.count_articles() == 0


# ------------------------------------------------------------------ what a new version says


def _story(sentences: list[str], outlets: list[str], headline: str = "Blast at the depot"):
    from newsdesk.models import CitedSentence, StorySource, WrittenStory

    return WrittenStory(
        headline=headline, lede=[CitedSentence(text, [1]) for text in sentences],
        sources=[StorySource(n, n, o, "t", f"https://{o.lower()}.example/a")
                 for n, o in enumerate(outlets, 1)])


BEFORE = "Three soldiers were killed and 40 people were injured in the blast on Monday."


@pytest.mark.parametrize("after, outlets, expected", [
    # the same facts in other words: no new version
    ("On Monday, 40 people were injured and three soldiers were killed in the blast.",
     ["Lantern", "Wire"], []),
    ("Five soldiers were killed and 40 people were injured in the blast on Monday.",
     ["Lantern", "Wire", "Gazette"],
     [("new", "1 new report(s) from Gazette"), ("revised", "killed: 3 → 5")]),
    ("Thirty people were injured, not 40 as first reported, and three soldiers were killed "
     "on Monday.", ["Lantern", "Wire"],
     [("correction", "Correction: injured 30, not 40, as the sources now report")]),
    ("Three soldiers were killed and 35 people were injured in the blast on Monday.",
     ["Lantern", "Wire"],
     [("correction", "Correction: injured 35, not 40, as the sources now report")]),
    ("Three soldiers were killed and 40 people were injured in the blast on Monday, said "
     "Mayor Lena Orvik.", ["Lantern", "Wire"], [("new", "New details: Lena Orvik")]),
    (BEFORE, ["Lantern"], [("removed", "1 report(s) no longer part of this story, from Wire")]),
])
def test_a_new_version_says_what_changed_and_rewording_is_no_change(after, outlets, expected):
    from newsdesk.publish.changes import describe_changes

    changes = describe_changes(_story([BEFORE], ["Lantern", "Wire"]), _story([after], outlets))
    assert [(c.kind, c.text) for c in changes] == expected
    first = describe_changes(None, _story([BEFORE], ["Lantern", "Wire"]))
    assert [c.kind for c in first] == ["new"] and "Lantern, Wire" in first[0].text
