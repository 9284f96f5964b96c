"""``newsdesk stories …`` (list, show, rebuild) and ``newsdesk eval cluster``."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.cli.common import app, console, err_console, eval_app, fail, open_store, state
from newsdesk.models import utcnow

stories_app = typer.Typer(
    help="The stories newsdesk has found: each groups the articles that report one event.",
    no_args_is_help=True,
)
app.add_typer(stories_app, name="stories")

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``7d``, ``12h``, ``30min``, ``2w`` ago, or an ISO date/time (UTC when no zone)."""
    now = now or utcnow()
    match = _SPAN.match(value)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is neither a span like 7d, 12h, 30min, 2w nor a date like 2026-11-16"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _outlets(refs) -> list[str]:
    names: list[str] = []
    for ref in refs:
        for name in [ref.outlet, *(c.outlet for c in ref.carriers)]:
            if name and name not in names:
                names.append(name)
    return names


# ------------------------------------------------------------------ stories


@stories_app.command("list")
def stories_list(
    since: str | None = typer.Option(None, "--since", help="Only stories with an article "
                                     "this recent: 7d, 12h, 30min, 2w or a date."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (a list of stories)."),
) -> None:
    """List stories, most recently active first: id, headline, outlets, articles, first and
    last seen.

    Until a story is written its headline is its most typical article title.
    Example: `newsdesk stories list --since 24h`, then `newsdesk stories show ID`.
    """
    cutoff = parse_since(since) if since else None
    with open_store() as store:
        stories = store.list_stories(since=cutoff, limit=limit)
        refs = store.story_article_refs([s.id for s in stories])
    rows = []
    for story in stories:
        members = refs.get(story.id, [])
        headline = story.headline or next((r.title for r in members if r.title), "")
        rows.append({"id": story.id, "headline": headline, "outlets": _outlets(members),
                     "articles": len(story.article_ids), "status": story.status,
                     "first_seen": story.first_seen.isoformat() if story.first_seen else None,
                     "last_seen": story.last_seen.isoformat() if story.last_seen else None})
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        console.print("No stories yet. Add sources and fetch ([bold]newsdesk sources add "
                      "URL[/], [bold]newsdesk fetch[/]) or try [bold]newsdesk demo[/].")
        return
    table = Table(title=f"{len(rows)} stories" + (f" active since {_when(cutoff)}" if cutoff
                                                 else ""))
    table.add_column("id", justify="right")
    table.add_column("headline", overflow="fold", ratio=3)
    table.add_column("outlets", overflow="fold", ratio=2)
    table.add_column("articles", justify="right")
    table.add_column("first seen")
    table.add_column("last seen")
    for row, story in zip(rows, stories, strict=True):
        outlets = row["outlets"]
        shown = ", ".join(outlets[:4]) + (f" +{len(outlets) - 4}" if len(outlets) > 4 else "")
        table.add_row(str(row["id"]), escape(row["headline"]), escape(shown),
                      str(row["articles"]), _when(story.first_seen), _when(story.last_seen))
    console.print(table)


@stories_app.command("show")
def stories_show(
    story_id: int = typer.Argument(..., help="The story's id (see `newsdesk stories list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one story: its articles (outlet, time, title, URL) and, once written, its
    headline and lede."""
    with open_store() as store:
        story = store.get_story(story_id)
        if story is None:
            fail(f"no story {story_id}; `newsdesk stories list` shows the ids")
            return
        if story.status == "merged" and story.merged_into:
            err_console.print(f"Story {story_id} was merged into story {story.merged_into}; "
                              "showing that one.")
            story = store.get_story(story.merged_into) or story
        refs = store.story_article_refs([story.id]).get(story.id, [])
        version = store.latest_version(story.id)
    written = None
    if version is not None:
        written = {"version": version.version, "headline": version.story.headline,
                   "lede": " ".join(s.text for s in version.story.lede)}
    articles = [{"id": r.id, "outlet": r.outlet, "published_at":
                 r.when.isoformat() if r.when else None, "title": r.title, "url": r.url,
                 "also_carried_by": [c.outlet for c in r.carriers]} for r in refs]
    headline = story.headline or next((r.title for r in refs if r.title), "")
    if as_json:
        typer.echo(json.dumps({"id": story.id, "headline": headline, "status": story.status,
                               "first_seen": story.first_seen.isoformat()
                               if story.first_seen else None,
                               "last_seen": story.last_seen.isoformat()
                               if story.last_seen else None,
                               "written": written, "articles": articles},
                              indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]Story {story.id}[/]: {escape(headline)}")
    console.print(f"{len(refs)} articles from {len(_outlets(refs))} outlets, "
                  f"{_when(story.first_seen)} to {_when(story.last_seen)}")
    if written:
        console.print(f"\n[bold]{escape(written['headline'])}[/] (version {written['version']})")
        console.print(escape(written["lede"]))
    table = Table(show_lines=False)
    table.add_column("outlet")
    table.add_column("time")
    table.add_column("title", overflow="fold")
    table.add_column("url", overflow="fold")
    for ref in refs:
        outlet = ref.outlet + (f" (+{len(ref.carriers)})" if ref.carriers else "")
        table.add_row(escape(outlet), _when(ref.when), escape(ref.title), escape(ref.url))
    console.print(table)
    if not written:
        console.print("[dim]Not written yet: the next fetch or `newsdesk run` writes it.[/]")


def _progress_bar(disable: bool = False) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True, disable=disable)


def _reporter(progress: Progress):
    tasks: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return report


@stories_app.command("rebuild")
def stories_rebuild(
    since: str = typer.Option("7d", "--since", help="Regroup the articles published since "
                              "then: 7d, 12h, 2w or a date."),
) -> None:
    """Regroup a period's articles in one batch pass, fixing what grouping on arrival got
    wrong: split stories that drifted into two events, merge stories that are one.

    Story ids stay where most of a story's articles stay; a story that disappears is marked
    as merged into the one that took its articles, so its links keep working. Articles older
    than --since are not touched. Stories that changed are rewritten on the next fetch or
    `newsdesk run`.
    """
    from newsdesk.group import rebuild

    cutoff = parse_since(since)
    with open_store() as store, _progress_bar() as progress:
        report = rebuild(store, state.settings, cutoff, progress=_reporter(progress))
    if not report.articles:
        console.print(f"No articles since {_when(cutoff)}: nothing to regroup.")
        return
    console.print(
        f"Regrouped [bold]{report.articles}[/] articles since {_when(cutoff)}: "
        f"{report.stories_before} stories before, {report.stories_after} after; "
        f"{report.kept} kept their id, {len(report.created)} new, "
        f"{len(report.retired)} merged into others; {report.moved} articles moved.")
    if report.changed:
        console.print(f"Changed stories: {', '.join(map(str, report.changed[:30]))}"
                      + (" …" if len(report.changed) > 30 else ""))


# ------------------------------------------------------------------ eval cluster

_COLUMNS = (("pair P", "pair_precision"), ("pair R", "pair_recall"), ("pair F1", "pair_f1"),
            ("B³ P", "bcubed_precision"), ("B³ R", "bcubed_recall"), ("B³ F1", "bcubed_f1"))


@eval_app.command("cluster")
def eval_cluster(
    file: str = typer.Argument(..., help="A clustering JSONL file (id, title, text, date, "
                               "cluster_id), e.g. clustering_allsides_2021.jsonl; a bare name "
                               "is looked up in ../shared/eval."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
    limit: int | None = typer.Option(None, "--limit", min=2,
                                     help="Use only the first N rows (quick looks)."),
    baselines: bool = typer.Option(True, "--baselines/--no-baselines",
                                   help="Also run the baselines on the same rows."),
    rebuild_row: bool = typer.Option(False, "--rebuild", help="Also run the batch pass "
                                     "(`stories rebuild`) over the whole file."),
    embed_cache: Path | None = typer.Option(
        None, "--embed-cache", help="A store file that keeps the embeddings between runs "
        "(for tuning; figures for the record come from a run without it)."),
) -> None:
    """Measure story detection: pair-counting and B-cubed precision, recall and F1, clusters
    found vs gold, seconds and peak memory, beside baselines run on the same rows.

    Rows are fed in order of date (undated rows in a fixed pseudo-random order) through the
    same online grouping that runs on every fetch. Baselines: TF-IDF + average-linkage
    agglomerative, MiniLM + average-linkage agglomerative, and single-pass centroid on the
    MiniLM embeddings newsdesk computed; their thresholds were tuned once on
    clustering_allsides_2021.jsonl and are used unchanged on every file, like newsdesk's
    single configuration.
    """
    from newsdesk.evaluation.cluster import DatasetError, evaluate
    from newsdesk.evaluation.common import resolve_dataset

    try:
        path = resolve_dataset(file)
    except FileNotFoundError as exc:
        fail(str(exc))
        return
    embedder = None
    if embed_cache:
        from newsdesk.store import Store
        from newsdesk.understand.embed import CachedEmbedder, get_embedder

        embedder = CachedEmbedder(get_embedder("minilm"), Store.open(embed_cache))
    try:
        with _progress_bar(disable=as_json) as progress:
            figures = evaluate(path, limit=limit, baselines=baselines, embedder=embedder,
                               rebuild=rebuild_row, progress=_reporter(progress))
    except DatasetError as exc:
        fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    first = figures["newsdesk"]
    table = Table(title=f"{path.name}: {first['articles']} articles, "
                  f"{first['gold_clusters']} gold stories")
    table.add_column("method")
    for label, _ in _COLUMNS:
        table.add_column(label, justify="right")
    table.add_column("clusters", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("peak MB", justify="right")
    for method, values in figures.items():
        table.add_row(method, *(f"{values[key]:.3f}" for _, key in _COLUMNS),
                      f"{values['clusters']} / {values['gold_clusters']}",
                      f"{values['seconds']:.1f}", f"{values['peak_rss_mb']:.0f}")
    console.print(table)
    console.print(
        f"newsdesk: {first['articles_per_second']:.0f} articles/s end to end "
        f"(embedding {first['embed_seconds']:.1f} s, grouping {first['group_seconds']:.1f} s); "
        f"assignment latency median {first['latency_median_ms']:.2f} ms, "
        f"p99 {first['latency_p99_ms']:.2f} ms; against the full index median "
        f"{first['full_index_latency_median_ms']:.2f} ms, "
        f"p99 {first['full_index_latency_p99_ms']:.2f} ms.")
    others = [(v["bcubed_f1"], k) for k, v in figures.items()
              if k not in ("newsdesk", "newsdesk_rebuild")]
    if others:
        best = max(others)
        console.print(f"B³ F1 margin over the best baseline ({best[1]}): "
                      f"{first['bcubed_f1'] - best[0]:+.3f}")
