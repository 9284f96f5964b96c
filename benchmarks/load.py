"""Load: story pages served at a steady rate while ``newsdesk run --serve`` ingests 2,000
articles, on 127.0.0.1 only, bounded in count and time.

Three processes, so that none skews another's figures:

* a feed server (``tests.feedset`` behind ``tests.loopback``): 40 fictional outlets whose RSS
  feeds fill up over ``--release`` seconds with 2,000 reports of ~1,000 events, each report
  with its own article page;
* ``newsdesk run --serve`` — the process measured: it polls the feeds every ``--interval``
  seconds, fetches every page, groups, writes, verifies and publishes the stories, and serves
  the web UI from the same process;
* this process, the reader: it asks for story pages at ``--rate`` a second (open loop: a slow
  answer does not delay the next request; latency is counted from the moment a request was
  due, so a stall shows in full), choosing among the stories published so far.

Reported: page latency p50/p99/max and errors (must be 0) *while ingesting*, beside the same
pages at the same rate once the run is idle (the baseline, same run, same pages); ingest
throughput (articles stored per second, and until every story is written); peak memory of the
run process (RSS sampled every 0.25 s, and the kernel's VmHWM).

    .venv/bin/python benchmarks/load.py                        # 2,000 articles (run once)
    .venv/bin/python benchmarks/load.py --articles 200 --release 30   # a quick look
    .venv/bin/python benchmarks/load.py --embedder tfidf       # without the MiniLM model

All outlets share one host (127.0.0.1), so the per-host politeness delay is set to 0 for the run
(``NEWSDESK_FETCH_PER_HOST_DELAY=0``); real feeds live on many hosts.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fictional feed set lives with the tests

from newsdesk.evaluation.common import median, percentile  # noqa: E402
from newsdesk.models import Source  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from tests.feedset import FeedSet  # noqa: E402

FEED_SERVER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.feedset import FeedSet
from tests.loopback import Loopback
spec = dict(outlets=int(sys.argv[2]), events=int(sys.argv[3]), seed=int(sys.argv[4]),
            limit=int(sys.argv[5]), release=float(sys.argv[6]))
feedset = FeedSet(**spec)
with Loopback(feedset.routes()) as server:
    print(server.port, flush=True)
    sys.stdin.readline()  # the clock starts when the run does
    feedset.restart_clock()
    sys.stdin.readline()  # until told to stop
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _query(db: Path, sql: str) -> list[tuple]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []


@dataclass
class Reader:
    """Open-loop page requests at a steady rate, over a pool of keep-alive connections."""

    base: str
    rate: float
    workers: int = 8
    latencies: list[float] = field(default_factory=list)  # from when each request was due
    service: list[float] = field(default_factory=list)  # from when it was sent
    errors: list[str] = field(default_factory=list)
    redirects: int = 0

    def run(self, story_ids: list[int] | Callable[[], list[int]],
            until: Callable[[], bool]) -> None:
        jobs: queue.Queue = queue.Queue()
        lock = threading.Lock()

        def work() -> None:
            with httpx.Client(base_url=self.base, timeout=30, follow_redirects=True) as client:
                while True:
                    job = jobs.get()
                    if job is None:
                        return
                    due, story_id = job
                    wait = due - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    sent = time.monotonic()
                    try:
                        response = client.get(f"/story/{story_id}")
                        ok = response.status_code == 200 and b"</html>" in response.content
                        moved = bool(response.history)
                        problem = "" if ok else f"HTTP {response.status_code} /story/{story_id}"
                    except httpx.HTTPError as exc:
                        ok, moved, problem = False, False, f"{type(exc).__name__}: {exc}"
                    done = time.monotonic()
                    with lock:
                        if ok:
                            self.latencies.append(done - due)
                            self.service.append(done - sent)
                            self.redirects += moved
                        else:
                            self.errors.append(problem)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        rng = random.Random(1)
        start = time.monotonic()
        n = 0
        while not until():
            due = start + n / self.rate
            ids = story_ids() if callable(story_ids) else story_ids
            if ids:
                jobs.put((due, rng.choice(ids)))
            n += 1
            time.sleep(max(0.0, start + n / self.rate - time.monotonic() - 0.05))
        for _ in threads:
            jobs.put(None)
        for thread in threads:
            thread.join(timeout=60)

    def figures(self) -> dict:
        ms = [x * 1000 for x in self.latencies]
        return {"requests": len(self.latencies) + len(self.errors), "errors": len(self.errors),
                "p50_ms": round(median(ms), 1), "p99_ms": round(percentile(ms, 99), 1),
                "max_ms": round(max(ms), 1) if ms else None,
                "service_p50_ms": round(median([x * 1000 for x in self.service]), 1),
                "redirects_followed": self.redirects, "first_errors": self.errors[:5]}


class Memory:
    """RSS of a process (and its children), sampled every 0.25 s."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = 0.0
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        start = time.monotonic()
        while not self._stop.wait(0.25):
            try:
                rss = self.process.memory_info().rss + sum(
                    c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                return
            self.peak = max(self.peak, rss / 2**20)
            self.samples.append((time.monotonic() - start, rss / 2**20))

    def hwm(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--outlets", type=int, default=40)
    parser.add_argument("--release", type=float, default=240.0,
                        help="seconds over which the feeds list all their reports")
    parser.add_argument("--interval", type=int, default=10, help="seconds between polls")
    parser.add_argument("--rate", type=float, default=10.0, help="story pages a second")
    parser.add_argument("--baseline", type=float, default=30.0,
                        help="seconds of page requests once the run is idle")
    parser.add_argument("--max-seconds", type=float, default=3600.0,
                        help="give up (and say so) after this long")
    parser.add_argument("--embedder", default="minilm", choices=["minilm", "tfidf"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    events = args.articles // 2 + args.articles // 20
    expected = len(FeedSet(outlets=args.outlets, events=events, seed=args.seed,
                           limit=args.articles).articles)
    data = Path(tempfile.mkdtemp(prefix="newsdesk-load-"))
    db = data / "newsdesk.db"
    feeds = subprocess.Popen(
        [sys.executable, "-c", FEED_SERVER, str(ROOT), str(args.outlets), str(events),
         str(args.seed), str(args.articles), str(args.release)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert feeds.stdout is not None and feeds.stdin is not None
    feed_port = int(feeds.stdout.readline())
    with Store.open(db) as store:
        for n in range(args.outlets):
            store.add_source(Source(url=f"http://127.0.0.1:{feed_port}/o{n}/rss.xml"))
    port = _free_port()
    env = {**os.environ, "NEWSDESK_FETCH_PER_HOST_DELAY": "0",
           "NEWSDESK_GROUP_EMBEDDER": args.embedder}
    log = data / "run.log"
    run = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data-dir", str(data), "run", "--serve",
         "--port", str(port), "--interval", str(args.interval), "--allow-network",
         "127.0.0.1/32", "--log-format", "json", "--log-file", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    memory = Memory(run.pid)
    started = time.monotonic()
    feeds.stdin.write("go\n")
    feeds.stdin.flush()
    print(f"newsdesk run (pid {run.pid}) on {data}; {expected} articles over {args.release:.0f} s"
          f" from {args.outlets} feeds; pages at {args.rate:g}/s on port {port}", flush=True)

    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if run.poll() is not None or time.monotonic() - started > 120:
            print("the run did not start serving; see", log)
            return 1
        time.sleep(0.2)

    state = {"ids": [], "stored": 0, "backlog": None, "last_article_at": None,
             "written_at": None, "checked": 0.0}

    def refresh() -> None:
        now = time.monotonic()
        if now - state["checked"] < 1.0:
            return
        state["checked"] = now
        rows = _query(db, "SELECT id FROM stories s WHERE status NOT IN ('merged', 'empty')"
                          " AND EXISTS (SELECT 1 FROM story_versions v WHERE v.story_id = s.id)")
        if rows:
            state["ids"] = [r[0] for r in rows]
        count = _query(db, "SELECT COUNT(*) FROM articles")
        carried = _query(db, "SELECT COUNT(*) FROM carriers c JOIN articles a ON"
                             " a.id = c.article_id WHERE c.url != a.url")
        if count:
            stored = count[0][0] + (carried[0][0] if carried else 0)
            if stored > state["stored"]:
                state["stored"] = stored
                if stored >= expected and state["last_article_at"] is None:
                    state["last_article_at"] = now - started
        if state["last_article_at"] is not None and state["written_at"] is None:
            with Store.open(db) as store:
                backlog = (store.count_unassigned_articles(), len(store.stories_awaiting_rewrite()))
            state["backlog"] = backlog
            if backlog == (0, 0):
                state["written_at"] = now - started
        if int(now - started) % 30 == 0:
            print(f"  {now - started:5.0f} s: {state['stored']}/{expected} articles, "
                  f"{len(state['ids'])} stories published, run RSS {memory.peak:.0f} MB peak",
                  flush=True)

    def ingest_over() -> bool:
        refresh()
        late = time.monotonic() - started > args.max_seconds
        return state["written_at"] is not None or late or run.poll() is not None

    def ids() -> list[int]:
        return state["ids"]

    while not state["ids"] and not ingest_over():
        time.sleep(0.2)
    busy = Reader(base, args.rate)
    busy.run(ids, ingest_over)
    finished = state["written_at"] is not None
    idle = Reader(base, args.rate)
    if finished:
        until = time.monotonic() + args.baseline
        idle.run(list(state["ids"]), lambda: time.monotonic() > until)
    hwm = memory.hwm()
    memory.stop()
    run.send_signal(signal.SIGTERM)
    try:
        code = run.wait(timeout=60)
    except subprocess.TimeoutExpired:
        run.kill()
        code = "killed after 60 s"
    feeds.stdin.write("stop\n")
    feeds.stdin.flush()
    feeds.wait(timeout=30)

    with Store.open(db) as store:
        articles = store.count_articles()
        stories = len(store.active_story_ids())
        versions = _query(db, "SELECT COUNT(*) FROM story_versions")[0][0]
        cycles = store.runs()[0]["cycles"]
        unresolved = store.unresolved_citations()
        integrity = store.integrity_check()
    first = state["last_article_at"]
    figures = {
        "articles_expected": expected, "articles_stored": state["stored"],
        "articles_rows": articles, "stories": stories, "story_versions": versions,
        "cycles": cycles, "release_seconds": args.release, "interval": args.interval,
        "embedder": args.embedder,
        "seconds_to_last_article": round(first, 1) if first else None,
        "seconds_to_all_written": round(state["written_at"], 1) if finished else None,
        "ingest_articles_per_second": round(expected / first, 2) if first else None,
        "end_to_end_articles_per_second": (round(expected / state["written_at"], 2)
                                           if finished else None),
        "pages_while_ingesting": busy.figures(),
        "pages_idle_baseline": idle.figures() if finished else None,
        "run_peak_rss_mb_sampled": round(memory.peak, 1), "run_vmhwm_mb": hwm,
        "run_exit_code_after_sigterm": code, "unresolved_citations": unresolved,
        "integrity_check": integrity, "finished_in_time": finished,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if not args.keep:
        import shutil

        shutil.rmtree(data, ignore_errors=True)
    else:
        print("data kept in", data)
    ok = finished and not busy.errors and not idle.errors and code == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
