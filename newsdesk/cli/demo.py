"""``newsdesk demo``: the built-in fictional news week, through the real pipeline, end to end."""

from __future__ import annotations

import errno

import typer
from rich.panel import Panel
from rich.table import Table

from newsdesk.cli.common import app, console, err_console, open_store, state
from newsdesk.demo.server import DemoServer
from newsdesk.models import Source

DEMO_PORT = 8765  # a fixed port keeps the demo's feed URLs the same from run to run


def _start_server() -> DemoServer:
    try:
        return DemoServer(DEMO_PORT).start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        return DemoServer(0).start()


@app.command()
def demo(
    words: int = typer.Option(None, "--words", help="Body length budget in words per story."),
    show: int = typer.Option(2, "--show", help="How many stories to print in full at the end."),
) -> None:
    """Run newsdesk on its built-in demo: a fictional news week from eleven outlets.

    The demo serves the outlets' RSS feeds and article pages from a local web server on
    127.0.0.1, adds them as sources, fetches them through the real fetch path, groups the
    articles into stories, writes and verifies each story, and prints them. Running it again
    fetches nothing twice.
    """
    from newsdesk.ingest.ingestor import fetch_sources
    from newsdesk.pipeline import update
    from newsdesk.write.render import to_markdown

    settings = state.settings.with_section("fetch", allow_private=True, per_host_delay=0.0)
    if words:
        settings = settings.with_section("write", words=words)
    state._settings = settings
    server = _start_server()
    try:
        with open_store() as store:
            sources = []
            for outlet, url in server.feed_urls():
                sources.append(store.add_source(Source(
                    url=url, kind="feed", title=outlet["name"], outlet=outlet["name"],
                    category=outlet["category"])))
            console.print(f"[bold]newsdesk demo[/] — {len(server.articles)} articles from "
                          f"{len(sources)} fictional outlets, served at {server.base}")
            outcomes = fetch_sources(store, settings, sources, console=console)
            new = sum(o.new for o in outcomes)
            dup = sum(o.duplicates for o in outcomes)
            synd = sum(o.syndicated for o in outcomes)
            errors = [e for o in outcomes for e in o.errors]
            console.print(f"Fetched: {new} new articles, {dup} already stored, "
                          f"{synd} syndicated copies folded, {len(errors)} errors")
            for error in errors[:10]:
                err_console.print(f"  [yellow]![/] {error}")
            report = update(store, settings, console=console)
            for story_id, error in report.failed.items():
                err_console.print(f"  [red]story {story_id} failed:[/] {error}")
            stories = store.list_stories()
            table = Table(title=f"{len(stories)} stories", show_lines=False)
            table.add_column("id", justify="right")
            table.add_column("headline")
            table.add_column("outlets", justify="right")
            table.add_column("articles", justify="right")
            ranked = []
            for story in stories:
                articles = store.get_articles(story.article_ids)
                outlets = {a.outlet for a in articles} | {c.outlet for a in articles
                                                         for c in a.carriers}
                ranked.append((len(outlets), story, len(articles)))
            ranked.sort(key=lambda r: (-r[0], -r[2], r[1].id))
            for n_outlets, story, n_articles in ranked:
                table.add_row(str(story.id), story.headline, str(n_outlets), str(n_articles))
            console.print(table)
            for _, story, _ in ranked[:show]:
                version = store.latest_version(story.id)
                if version:
                    console.print(Panel(to_markdown(version.story), title=f"story {story.id}",
                                        expand=False))
            console.print(
                f"Wrote {len(report.new_versions)} new story version(s) "
                f"({len(report.unchanged)} unchanged) into {settings.db_path}.\n"
                "Read them: [bold]newsdesk stories list[/], [bold]newsdesk stories show ID[/], "
                "or [bold]newsdesk serve[/] and open http://127.0.0.1:8000")
    finally:
        server.stop()
