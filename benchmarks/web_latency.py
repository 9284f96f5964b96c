"""Page latency of ``newsdesk serve``: p50/p99 over 500 requests on 127.0.0.1.

The server runs in its own process (uvicorn, one worker, as ``newsdesk serve`` runs it); this
process is the client, one keep-alive connection, requests one after another. Figures for the
front page and a story page (the story with the most reports), beside the server's floor in the
same run: ``/healthz``, which touches neither the store nor a template.

    .venv/bin/python benchmarks/web_latency.py --demo           # the demo corpus, loaded by
                                                                # `newsdesk demo` (real pipeline)
    .venv/bin/python benchmarks/web_latency.py --demo-truth     # the demo corpus grouped as
                                                                # truth.json says, written by
                                                                # the configured writer
    .venv/bin/python benchmarks/web_latency.py                  # a generated week: 60 outlets,
                                                                # 3000 articles, 400 stories
    .venv/bin/python benchmarks/web_latency.py --store PATH/newsdesk.db   # any store (copied)
    .venv/bin/python benchmarks/web_latency.py --requests 100   # a quicker look

The generated store is fictional, built fresh each run (seeded), with written stories of the
size the writer produces: lede, two sections, quotes, timeline, conflicts, 2 versions.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from newsdesk.evaluation.common import median, percentile
from newsdesk.models import (
    Article,
    Carrier,
    CitedSentence,
    Conflict,
    ConflictValue,
    Quote,
    Section,
    Source,
    StorySource,
    StoryVersion,
    TimelineEntry,
    VerifiedChange,
    WrittenStory,
    utcnow,
)
from newsdesk.store import Store

WORDS = [
    "harbour", "council", "ferry", "quay", "tide", "beacon", "lantern", "meridian", "northfield",
    "calloway", "tessel", "gull", "point", "inquiry", "vote", "fees", "rate", "bank", "lending",
    "borrowers", "kite", "solar", "clinic", "village", "engineers", "minister", "storm", "port",
    "vessel", "passengers", "rescue", "shares", "market", "fishermen", "bridge", "rail", "strike",
    "union", "wages", "school", "budget", "hospital", "museum", "festival", "drought", "harvest",
]
PLACES = ["Port Calloway", "Northfield", "Gull Point", "Tessel", "Marrow Bay", "Linden Cross"]
CATEGORIES = ["World", "Business", "Tech", "Politics", "Science", "Culture"]


def _sentence(rng: random.Random, n: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return f"{' '.join(words).capitalize()} in {rng.choice(PLACES)}, officials said on Monday."


def generate(path: Path, outlets: int = 60, articles: int = 3000, stories: int = 400,
             seed: int = 7) -> None:
    """A busy fictional week: articles spread over 7 days, grouped into stories of 1–25
    reports (a few wide, most narrow), three in four of them written, in two versions."""
    rng = random.Random(seed)
    now = utcnow()
    with Store.open(path) as store:
        names = [f"{rng.choice(PLACES)} {kind} {i}" for i, kind in
                 enumerate(rng.choice(["Gazette", "Times", "Wire", "Post", "Herald"])
                           for _ in range(outlets))]
        source_ids = [store.add_source(Source(url=f"https://o{i}.example/feed", outlet=name,
                                              category=CATEGORIES[i % len(CATEGORIES)])).id
                      for i, name in enumerate(names)]
        sizes = [max(1, min(25, int(rng.paretovariate(1.2)))) for _ in range(stories)]
        scale = articles / sum(sizes)
        sizes = [max(1, round(s * scale)) for s in sizes]
        n = 0
        for story_index, size in enumerate(sizes):
            start = now - timedelta(hours=rng.uniform(0, 24 * 7))
            members: list[Article] = []
            for _ in range(size):
                n += 1
                o = rng.randrange(outlets)
                when = min(start + timedelta(minutes=rng.expovariate(1 / 180)), now)
                text = " ".join(_sentence(rng) for _ in range(rng.randint(12, 30)))
                carriers = [Carrier(names[(o + 1) % outlets], f"https://o{o + 1}.example/c{n}",
                                    "", when)] if rng.random() < 0.1 else []
                members.append(store.add_article(Article(
                    url=f"https://o{o}.example/a{n}", title=_sentence(rng, 8)[:90], text=text,
                    outlet=names[o], published_at=when, content_hash=f"h{n}",
                    simhash=rng.getrandbits(63), source_id=source_ids[o], carriers=carriers)))
            cluster = store.create_story([a.id for a in members], headline=members[0].title)
            if story_index % 4 == 3:
                continue  # not written yet
            sources = [StorySource(i + 1, a.id, a.outlet, a.title, a.url, a.published_at)
                       for i, a in enumerate(members[:12])]

            def cite(k: int = 2, count: int = len(sources)) -> list[int]:
                return sorted(rng.sample(range(1, count + 1), min(k, count)))

            for version in (1, 2):
                story = WrittenStory(
                    headline=_sentence(rng, 9)[:100],
                    lede=[CitedSentence(_sentence(rng, 24), cite())],
                    sections=[Section("" if i == 0 else "The response",
                                      [CitedSentence(_sentence(rng), cite(1),
                                                     origin=rng.choice(["extract", "llm"]),
                                                     verified=rng.choice([True, None]))
                                       for _ in range(4)]) for i in range(2)],
                    quotes=[Quote(_sentence(rng, 10), "Ines Valdor", sources[0].outlet, [1])],
                    background=[CitedSentence(_sentence(rng), cite(1))],
                    timeline=[TimelineEntry(start.date().isoformat(),
                                            CitedSentence(_sentence(rng, 10), cite(1)))
                              for _ in range(3)],
                    whats_next=[CitedSentence(_sentence(rng), cite(1))],
                    conflicts=[Conflict("count", "injured", [
                        ConflictValue("12", [sources[0].outlet], [1]),
                        ConflictValue("15", [sources[-1].outlet], [len(sources)])],
                        "The reports differ on the number injured.")] if len(sources) > 2 else [],
                    sources=sources)
                store.add_story_version(StoryVersion(
                    story_id=cluster.id, version=0, story=story,
                    article_ids=[a.id for a in members],
                    changes=[VerifiedChange("new", f"Version {version}")]))


def load_demo_truth(path: Path) -> None:
    """The demo corpus with its true grouping (``truth.json``), each story written by the
    configured writer: the demo's pages without depending on the grouping step."""
    from newsdesk.demo.corpus import CORPUS_DIR, load_articles, load_outlets
    from newsdesk.publish.changes import describe_changes
    from newsdesk.settings import load_settings
    from newsdesk.write.base import get_writer

    truth = json.loads((CORPUS_DIR / "truth.json").read_text(encoding="utf-8"))
    with Store.open(path) as store:
        outlets = {o["slug"]: o for o in load_outlets()}
        sources = {slug: store.add_source(Source(url=f"https://{slug}.demo.example/feed",
                                                 outlet=o["name"], category=o["category"]))
                   for slug, o in outlets.items()}
        stored: dict[str, Article] = {}
        for a in load_articles():
            when = datetime.fromisoformat(a["published"])
            stored[a["id"]] = store.add_article(Article(
                url=f"https://{a['outlet']}.demo.example/{a['id']}.html", title=a["title"],
                text=a["text"], outlet=outlets[a["outlet"]]["name"], byline=a.get("byline", ""),
                published_at=when, fetched_at=when, content_hash=a["id"],
                source_id=sources[a["outlet"]].id))
        groups = [e["articles"] for e in truth["events"]] + [[s] for s in truth["singles"]]
        settings = load_settings(path.parent, env={})
        writer = get_writer(settings, store=store)
        for group in groups:
            articles = [stored[i] for i in group]
            cluster = store.create_story([a.id for a in articles], headline=articles[0].title)
            story = writer.write(articles, words=settings.write.words)
            store.add_story_version(StoryVersion(
                story_id=cluster.id, version=0, story=story,
                article_ids=[a.id for a in articles], changes=describe_changes(None, story)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(data_dir: Path, port: int) -> subprocess.Popen:
    code = ("import uvicorn\n"
            "from newsdesk.publish.web import create_app\n"
            "from newsdesk.settings import load_settings\n"
            f"app = create_app(load_settings({str(data_dir)!r}, env={{}}))\n"
            f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning',"
            " access_log=False, server_header=False)\n")
    return subprocess.Popen([sys.executable, "-c", code])


def _time(client: httpx.Client, path: str, count: int) -> tuple[list[float], int]:
    for _ in range(10):  # warm-up: templates compiled, store pages cached
        client.get(path).raise_for_status()
    times = []
    size = 0
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="an existing newsdesk.db (copied first)")
    parser.add_argument("--demo", action="store_true",
                        help="load the demo corpus with `newsdesk demo` first")
    parser.add_argument("--demo-truth", action="store_true",
                        help="load the demo corpus grouped as truth.json says")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--stories", type=int, default=400)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsdesk-web-bench-"))
    try:
        db = work / "newsdesk.db"
        if args.demo:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "newsdesk", "--data-dir", str(work),
                                   "demo", "--show", "0"], capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"`newsdesk demo` failed:\n{done.stdout}\n{done.stderr}")
            what = f"demo store ({time.perf_counter() - started:.0f} s to load with newsdesk demo)"
        elif args.demo_truth:
            started = time.perf_counter()
            load_demo_truth(db)
            what = (f"demo corpus grouped as truth.json says, written by the writer "
                    f"({time.perf_counter() - started:.0f} s to load)")
        elif args.store:
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{args.store}{suffix}").exists():
                    shutil.copy(f"{args.store}{suffix}", f"{db}{suffix}")
            what = f"store {args.store}"
        else:
            started = time.perf_counter()
            generate(db, articles=args.articles, stories=args.stories)
            what = (f"generated store: {args.articles} articles, {args.stories} stories "
                    f"({time.perf_counter() - started:.0f} s to build)")
        with Store.open(db) as store:
            ids = store.active_story_ids()
            busiest = max(store.get_stories(ids), key=lambda s: len(s.article_ids))
            written = store.latest_versions([busiest.id])
            articles = store.count_articles()
        port = _free_port()
        server = _serve(work, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        client.get("/healthz").raise_for_status()
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline or server.poll() is not None:
                            raise SystemExit("the server did not start") from None
                        time.sleep(0.1)
                print(f"{what}; {articles} articles, {len(ids)} live stories in the store")
                print(f"story page: /story/{busiest.id} ({len(busiest.article_ids)} reports, "
                      f"{'written' if written else 'not written'})")
                print(f"{args.requests} sequential keep-alive requests per path, 127.0.0.1\n")
                print(f"{'path':<44} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'KiB':>7}")
                paths = [("/healthz  (floor: no store, no template)", "/healthz"),
                         ("/  (front page)", "/"),
                         (f"/story/{busiest.id}  (story page)", f"/story/{busiest.id}")]
                for label, path in paths:
                    times, size = _time(client, path, args.requests)
                    print(f"{label:<44} {median(times):8.2f} {percentile(times, 99):8.2f} "
                          f"{max(times):8.2f} {size / 1024:7.1f}")
        finally:
            server.terminate()
            server.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
