"""Crash safety: `newsdesk fetch` killed with SIGKILL at random moments, then re-run until it
completes, stores every article exactly once and leaves a sound SQLite file.

A real subprocess, a real HTTP server whose article pages answer slowly (so kills land
mid-fetch), a real data directory.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsdesk.ingest.dedupe import canonical_url, content_hash
from newsdesk.models import Source
from newsdesk.store import Store
from tests.loopback import Loopback, Route
from tests.news_fixtures import generated_article, page_html, rss, text_of

FEEDS = 3
PER_FEED = 20
PAGE_DELAY = 0.05  # seconds per article page
KILLS = 3
ROOT = Path(__file__).resolve().parents[1]  # run `python -m newsdesk` from the repository


def count_articles(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # mid-migration or locked for a moment: ask again


@pytest.mark.slow
def test_fetch_survives_sigkill_and_stores_each_article_once(tmp_path):
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    data = tmp_path / "data"
    db = data / "newsdesk.db"
    expected: dict[str, str] = {}  # canonical URL → text
    with Loopback() as server:
        for f in range(FEEDS):
            items = []
            for i in range(PER_FEED):
                number = f * PER_FEED + i
                article = generated_article(number)
                path = f"/outlet{f}/story{i}.html"
                server.routes[path] = Route(200, {"Content-Type": "text/html; charset=utf-8"},
                                            page_html(article, site=f"Outlet {f}"),
                                            delay=PAGE_DELAY)
                items.append({"title": article["title"], "link": server.url(path),
                              "published": article["published"]})
                expected[canonical_url(server.url(path))] = text_of(article)
            server.routes[f"/outlet{f}/rss.xml"] = (200, {}, rss(f"Outlet {f}", items))
        with Store.open(db) as store:
            for f in range(FEEDS):
                store.add_source(Source(url=server.url(f"/outlet{f}/rss.xml")))

        env = {**os.environ, "NEWSDESK_FETCH_PER_HOST_DELAY": "0", "NEWSDESK_FETCH_TIMEOUT": "10"}
        command = [sys.executable, "-m", "newsdesk", "--data-dir", str(data), "fetch",
                   "--allow-private", "--no-stories"]
        killed_mid_run = []
        for _ in range(KILLS):
            before = count_articles(db)
            target = before + rng.randint(2, 10)
            process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while (process.poll() is None and count_articles(db) < target
                   and time.monotonic() < deadline):
                time.sleep(0.01)
            time.sleep(rng.uniform(0, PAGE_DELAY))  # land anywhere: mid-page, mid-commit
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed_mid_run.append(count_articles(db))
            process.wait(timeout=10)

        for _ in range(3):  # re-run until a run completes
            finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True,
                                      text=True, timeout=60)
            if finished.returncode == 0:
                break
        assert finished.returncode == 0, (seed, finished.stdout, finished.stderr)

    assert len(killed_mid_run) >= 2, (seed, killed_mid_run)  # the kills did interrupt work
    assert all(0 < n < len(expected) for n in killed_mid_run), (seed, killed_mid_run)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT url, text, content_hash FROM articles").fetchall()
        errors = conn.execute("SELECT COUNT(*) FROM fetch_log WHERE ok = 0").fetchone()[0]
    finally:
        conn.close()
    urls = [url for url, _, _ in rows]
    assert len(urls) == len(set(urls)) == len(expected), seed  # each exactly once
    assert {url: text for url, text, _ in rows} == expected, seed
    assert all(h == content_hash(text) for _, text, h in rows)
    assert errors == 0, seed
