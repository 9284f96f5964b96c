"""``newsdesk sources …``, ``newsdesk fetch`` and ``newsdesk ingest``: getting articles in."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import typer
from rich.markup import escape
from rich.table import Table

from newsdesk.cli.common import app, console, err_console, fail, open_store, state
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.ingestor import Ingestor, due_sources, fetch_sources, progress_bar
from newsdesk.ingest.opml import read_opml, write_opml
from newsdesk.models import FetchOutcome, Source, utcnow
from newsdesk.settings import Settings
from newsdesk.store import Store

sources_app = typer.Typer(
    help="The feeds and pages newsdesk polls: add, list, remove, import and export (OPML).",
    no_args_is_help=True,
)
app.add_typer(sources_app, name="sources")

KINDS = ("feed", "page", "file")
PRIVATE_HINT = ("a source on your own machine or network is refused unless you pass "
                "--allow-private (or set allow_private in [fetch])")


# ------------------------------------------------------------------ sources


@sources_app.command("add")
def sources_add(
    url: str = typer.Argument(..., help="The feed's URL (RSS or Atom), a page's URL, or with "
                              "--kind file a local folder to re-read on every fetch."),
    outlet: str = typer.Option("", "--outlet", help="The outlet's name as stories should cite "
                               "it (default: the feed's title, else the site's name)."),
    category: str = typer.Option("", "--category", help="A section such as World or Business."),
    kind: str = typer.Option("feed", "--kind", help="feed (RSS/Atom), page (one web page) or "
                             "file (a local file or folder)."),
) -> None:
    """Add a source to poll. Adding the same URL twice is harmless.

    Example: `newsdesk sources add https://lantern.example/world/rss.xml --outlet "Daily
    Lantern" --category World`, then `newsdesk fetch`.
    """
    kind = kind.lower()
    if kind not in KINDS:
        fail(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "file":
        path = Path(url).expanduser()
        if not path.exists():
            fail(f"{url}: no such file or folder")
        url = str(path.resolve())
    else:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            fail(f"{url!r} is not an http(s) URL; give the full address, e.g. "
                 "https://example.org/feed.xml (or use --kind file for a local folder)")
        url = url.strip()
    with open_store() as store:
        existing = store.get_source(url)
        source = store.add_source(Source(url=url, kind=kind, outlet=outlet, category=category))
        if existing:
            console.print(f"Already a source: [bold]{source.id}[/] {escape(url)}")
        else:
            console.print(f"Added source [bold]{source.id}[/]: {escape(url)} ({kind}). "
                          "Fetch it with [bold]newsdesk fetch[/].")


@sources_app.command("list")
def sources_list() -> None:
    """Show every source with its article count, last fetch and last error."""
    with open_store() as store:
        sources = store.list_sources()
    if not sources:
        console.print("No sources yet. Add one with [bold]newsdesk sources add URL[/] or import "
                      "a feed reader's export with [bold]newsdesk sources import FILE.opml[/].")
        return
    table = Table(title=f"{len(sources)} sources")
    table.add_column("id", justify="right")
    table.add_column("outlet / title")
    table.add_column("URL", overflow="fold")
    table.add_column("category")
    table.add_column("articles", justify="right")
    table.add_column("last fetched")
    table.add_column("last error", overflow="fold")
    now = utcnow()
    for s in sources:
        error = escape(s.last_error)
        if s.error_count > 1:
            error += f" [dim]({s.error_count} polls in a row)[/]"
        table.add_row(str(s.id), escape(s.outlet or s.title or "—"), escape(s.url),
                      escape(s.category), str(s.article_count), _ago(s.last_fetched_at, now),
                      f"[red]{error}[/]" if error else "")
    console.print(table)


@sources_app.command("remove")
def sources_remove(source_id: int = typer.Argument(..., help="The id `sources list` shows.")
                   ) -> None:
    """Stop polling a source. Its articles and the stories they are in stay."""
    with open_store() as store:
        source = store.get_source(source_id)
        if source is None or not store.remove_source(source_id):
            fail(f"no source with id {source_id}; `newsdesk sources list` shows the ids")
        console.print(f"Removed source {source_id} ({escape(source.url)}); its "
                      f"{source.article_count} articles stay.")


@sources_app.command("import")
def sources_import(
    file: str = typer.Argument(..., help="An OPML file (every feed reader exports one), or "
                               "its URL."),
    category: str = typer.Option("", "--category", help="Category for feeds outside any "
                                 "folder of the file."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow an OPML URL on "
                                       "your own machine or network."),
) -> None:
    """Add every feed of an OPML file; its folders become categories."""
    settings = _settings(allow_private)
    try:
        if file.startswith(("http://", "https://")):
            with FetchClient(settings.fetch) as client:
                data = client.fetch(file, accept="text/x-opml, application/xml, */*").content
        else:
            data = Path(file).expanduser().read_bytes()
        found = read_opml(data)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except IngestError as exc:
        fail(f"{file}: {exc}")
    if not found:
        fail(f"{file} lists no feeds (no <outline> with an xmlUrl)")
    added = 0
    with open_store() as store:
        for source in found:
            source.category = source.category or category
            if store.get_source(source.url) is None:
                added += 1
            store.add_source(source)
    categories = sorted({s.category for s in found if s.category})
    console.print(f"Imported {added} new sources ({len(found) - added} were already there)"
                  + (f" in {len(categories)} categories: {escape(', '.join(categories))}"
                     if categories else "") + ". Fetch them with [bold]newsdesk fetch[/].")


@sources_app.command("export")
def sources_export(
    file: Path | None = typer.Argument(None, help="Where to write the OPML (default: print "
                                       "it)."),
) -> None:
    """Write the sources as OPML, for a feed reader or another newsdesk."""
    with open_store() as store:
        sources = store.list_sources()
    text = write_opml(sources)
    if file is None:
        typer.echo(text, nl=False)
        return
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}")
    exported = sum(s.kind in ("feed", "page") for s in sources)
    err_console.print(f"Wrote {exported} sources to {file}.")


# ------------------------------------------------------------------ fetch / ingest


@app.command()
def fetch(
    due: bool = typer.Option(False, "--due", help="Only sources whose next poll is due (their "
                             "interval has passed); for cron jobs."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow sources on "
                                       "loopback or private-network addresses (local tests)."),
    no_stories: bool = typer.Option(False, "--no-stories", help="Only store the articles; "
                                    "group and write stories on the next run."),
) -> None:
    """Poll every source once and store what is new.

    Duplicates are skipped, syndicated copies folded into the article they copy, and every
    failure is recorded against its source (see `newsdesk sources list`) while the run goes on.
    Then the stories the new articles belong to are updated. A cron line such as
    `*/5 * * * * newsdesk fetch --due` polls each source at its interval.
    """
    settings = _settings(allow_private)
    with open_store() as store:
        sources = due_sources(store) if due else store.list_sources()
        if not sources:
            if store.list_sources():
                console.print("Nothing is due yet; `newsdesk fetch` without --due polls all.")
                return
            fail("there are no sources yet: add one with `newsdesk sources add URL` or "
                 "`newsdesk sources import FILE.opml`")
        outcomes = fetch_sources(store, settings, sources, console=console)
        _report(outcomes, "source")
        _after(store, settings, outcomes, no_stories)
    if all(o.errors and not (o.new or o.duplicates or o.syndicated or o.not_modified)
           for o in outcomes):
        raise typer.Exit(1)  # every source failed: worth a cron job's attention


@app.command()
def ingest(
    targets: list[str] = typer.Argument(..., help="Files (.html .htm .txt .md .json .jsonl), "
                                        "folders (read recursively) or page URLs."),
    outlet: str = typer.Option("", "--outlet", help="Outlet for articles that do not name "
                               "one (default: the site's name, else the folder's name)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow URLs on "
                                       "loopback or private-network addresses."),
    no_stories: bool = typer.Option(False, "--no-stories", help="Only store the articles."),
) -> None:
    """Ingest files, folders or single web pages once (they do not become sources).

    JSON records are `{"title", "text", "url"?, "outlet"?, "byline"?, "published"?,
    "language"?}`, one per line in `.jsonl` (see docs/ingest.md). Ingesting the same thing
    twice stores it once. Example: `newsdesk ingest ./archive https://lantern.example/story`.
    """
    settings = _settings(allow_private)
    outcomes: list[FetchOutcome] = []
    with open_store() as store:
        with progress_bar(console, "Ingesting", len(targets), "inputs") as (on_article, advance), \
                Ingestor(store, settings.fetch, on_article=on_article) as ingestor:
            for target in targets:
                outcomes.append(ingestor.ingest(target, outlet))
                advance()
        _report(outcomes, "input")
        _after(store, settings, outcomes, no_stories)
    if all(o.errors and not (o.new or o.duplicates or o.syndicated) for o in outcomes):
        raise typer.Exit(1)


# ------------------------------------------------------------------ shared


def _settings(allow_private: bool) -> Settings:
    settings = state.settings
    if allow_private:
        settings = settings.with_section("fetch", allow_private=True)
        state._settings = settings  # later steps of this command see the same settings
    return settings


def _report(outcomes: list[FetchOutcome], noun: str) -> None:
    table = Table(title=f"{len(outcomes)} {noun}s")
    table.add_column(noun)
    for name in ("new", "duplicate", "syndicated", "errors"):
        table.add_column(name, justify="right")
    table.add_column("first error", overflow="fold")
    for o in outcomes:
        table.add_row(escape(o.source), str(o.new), str(o.duplicates), str(o.syndicated),
                      f"[red]{len(o.errors)}[/]" if o.errors else "0",
                      escape(o.errors[0]) if o.errors else
                      ("[dim]not modified[/]" if o.not_modified else ""))
    console.print(table)
    errors = [e for o in outcomes for e in o.errors]
    console.print(f"[bold]{sum(o.new for o in outcomes)} new[/], "
                  f"{sum(o.duplicates for o in outcomes)} already stored, "
                  f"{sum(o.syndicated for o in outcomes)} syndicated copies folded, "
                  f"{len(errors)} errors.")
    if any("is a loopback address" in e or "is a private address" in e for e in errors):
        console.print(f"[yellow]Note:[/] {PRIVATE_HINT}.")


def _after(store: Store, settings: Settings, outcomes: list[FetchOutcome],
           no_stories: bool) -> None:
    """Hand new articles to the next step (grouping and writing), when it is installed."""
    if no_stories or not any(o.new or o.syndicated for o in outcomes):
        return
    if importlib.util.find_spec("newsdesk.pipeline") is None:
        return
    from newsdesk.pipeline import update

    update(store, settings, console)


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"
