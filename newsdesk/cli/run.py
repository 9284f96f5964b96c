"""``newsdesk run`` (poll, group, write, publish: unattended), ``newsdesk status``, and
``newsdesk sources set-interval``."""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from newsdesk.cli.common import app, console, err_console, fail, open_store, state
from newsdesk.cli.ingest import sources_app

IMPOLITE = 60  # seconds: polling one feed more often than this is rude to its server


@app.command()
def run(
    interval: int = typer.Option(None, "--interval", min=1, help="Seconds between two polls "
                                 "of a source that has no interval of its own. Default: [fetch] "
                                 "interval (900). Per source: `newsdesk sources set-interval`."),
    serve: bool = typer.Option(False, "--serve", help="Also serve the web UI (as `newsdesk "
                               "serve` does) from this process."),
    host: str = typer.Option(None, "--host", help="With --serve: address to listen on. "
                             "Default: [web] host (127.0.0.1)."),
    port: int = typer.Option(None, "--port", "-p", min=1, max=65535,
                             help="With --serve: port. Default: [web] port (8000)."),
    base_url: str = typer.Option(None, "--base-url", help="With --serve: the public address "
                                 "readers use, for absolute links in feeds and the API."),
    once: bool = typer.Option(False, "--once", help="One cycle (poll what is due, update the "
                              "stories), then exit: for cron or a systemd timer."),
    max_cycles: int = typer.Option(None, "--max-cycles", min=1, help="Exit after this many "
                                   "cycles."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow sources on "
                                       "loopback or private-network addresses (local tests)."),
    allow_network: list[str] = typer.Option(None, "--allow-network", help="Allow just this "
                                            "private network, e.g. 10.1.2.0/24 for a feed "
                                            "server on your intranet (repeatable); every other "
                                            "private address stays refused."),
    log_format: str = typer.Option("text", "--log-format", help="text (a line for people) or "
                                   "json (one JSON object per line, for log collectors)."),
    log_file: Path = typer.Option(None, "--log-file", dir_okay=False, help="Append the log to "
                                  "this file instead of standard error."),
) -> None:
    """Keep the news desk current, unattended: poll every source on its own schedule, group
    what arrives into stories, and rewrite, verify and publish the stories that changed.

    Each source is polled at its interval (a failing one backs off, up to 16 intervals; a
    server's Retry-After is respected), with conditional GET and a polite delay per host. After
    each batch the new articles are grouped and the stories they changed rewritten; a new
    version is published only when a story gained something (new reports, revised figures).

    Stop it with Ctrl-C or SIGTERM: it finishes cleanly and exits 0. Killed outright (or on a
    power cut) it loses nothing: the next run picks up where it left off. One run per data
    directory. Watch it with `newsdesk status`. See docs/running.md for a systemd unit.

    Example: `newsdesk run --serve --log-format json`
    """
    from newsdesk.run import RunError, Runner, RunOptions, configure_logging, stop_logging

    log_format = log_format.lower()
    if log_format not in ("json", "text"):
        fail(f"--log-format must be json or text, not {log_format!r}")
    settings = state.settings
    if allow_private:
        settings = settings.with_section("fetch", allow_private=True)
    if interval is not None:
        settings = settings.with_section("fetch", interval=interval)
    if settings.fetch.interval < IMPOLITE:
        err_console.print(f"[yellow]Polling every {settings.fetch.interval} s:[/] fine for your "
                          "own feeds; public sites expect a minute or more between polls.")
    if not serve and (host or port or base_url):
        fail("--host, --port and --base-url go with --serve")
    if serve and base_url:
        from newsdesk.cli.publish import _check_base_url

        base_url = _check_base_url(base_url)
    networks = []
    for network in allow_network or []:
        try:
            networks.append(str(ipaddress.ip_network(network.strip(), strict=False)))
        except ValueError:
            fail(f"--allow-network {network!r} is not a network; give an address or a CIDR "
                 "range such as 10.1.2.0/24")
    state._settings = settings
    options = RunOptions(once=once, max_cycles=max_cycles, serve=serve,
                         host=host or settings.web.host, port=port or settings.web.port,
                         base_url=base_url, allow_networks=tuple(networks))
    if serve:
        from newsdesk.cli.publish import _port_free

        problem = _port_free(options.host, options.port)
        if problem:
            fail(problem)
    try:
        handler = configure_logging(log_format, log_file)
    except OSError as exc:
        fail(f"cannot write the log file {log_file}: {exc.strerror or exc}")
    try:
        code = Runner(settings, options).run()
    except RunError as exc:
        fail(str(exc))
    finally:
        stop_logging(handler)
    raise typer.Exit(code)


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="Print everything as one JSON object "
                                 "(for scripts and monitoring)."),
    errors: int = typer.Option(10, "--errors", "-e", min=0, max=500,
                               help="How many recent fetch errors to show."),
    check: bool = typer.Option(False, "--check", help="Exit 1 when no `newsdesk run` is "
                               "running on this data directory (for monitoring)."),
) -> None:
    """How the news desk is doing: the run (running? last cycle?), every source (ok or
    erroring, next poll), recent errors, and the backlog (articles not yet in a story,
    stories awaiting a rewrite, stories that failed to write).

    Example: `newsdesk status`, or `newsdesk status --json | jq .backlog`
    """
    from newsdesk.run import run_status

    settings = state.settings
    if not settings.db_path.exists():
        fail(f"no newsdesk store at {settings.db_path}: add sources (`newsdesk sources add "
             "URL`) and start `newsdesk run`; or point --data-dir (or NEWSDESK_DATA) at your "
             "data")
    with open_store() as store:
        info = run_status(store, settings.data_dir, recent=errors)
    if as_json:
        typer.echo(json.dumps(info, indent=2, default=_json_default))
    else:
        _print_status(info)
    if check and not info["running"]:
        raise typer.Exit(1)


@sources_app.command("set-interval")
def sources_set_interval(
    source_id: int = typer.Argument(..., help="The id `sources list` shows."),
    seconds: str = typer.Argument(..., help="Seconds between two polls of this source, or "
                                  "`default` for the configured [fetch] interval."),
) -> None:
    """Poll one source on its own schedule (a busy wire every 2 minutes, a weekly column once
    a day). A running `newsdesk run` picks it up at its next look (within a minute).

    Example: `newsdesk sources set-interval 3 120`
    """
    if seconds.strip().lower() == "default":
        value = None
    elif seconds.strip().isdigit() and int(seconds) > 0:
        value = int(seconds)
    else:
        fail(f"SECONDS must be a whole number of seconds (e.g. 600) or `default`, not "
             f"{seconds!r}")
    with open_store() as store:
        if not store.set_source_interval(source_id, value):
            fail(f"no source with id {source_id}; `newsdesk sources list` shows the ids")
        source = store.get_source(source_id)
    name = escape(source.outlet or source.title or source.url) if source else str(source_id)
    if value is None:
        console.print(f"Source {source_id} ({name}) is polled at the default interval "
                      f"({state.settings.fetch.interval} s).")
    else:
        console.print(f"Source {source_id} ({name}) is polled every {value} s.")
        if value < IMPOLITE:
            err_console.print("[yellow]Under a minute:[/] fine for your own feeds; public "
                              "sites expect a minute or more between polls.")


# ------------------------------------------------------------------ status, printed


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _when(value: datetime | str | None, now: datetime) -> str:
    """ "3 min ago" / "in 12 min" / "now" / "never"."""
    if value is None:
        return "never"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    seconds = int((value - now).total_seconds())
    if abs(seconds) < 5:
        return "now"
    span = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if span >= size:
            text = f"{span // size} {unit}"
            break
    return f"in {text}" if seconds > 0 else f"{text} ago"


_HEALTH = {"ok": "[green]ok[/]", "new": "[cyan]not polled yet[/]",
           "partial": "[yellow]some entries failed[/]", "erroring": "[red]erroring[/]"}


def _print_status(info: dict) -> None:
    now = info["now"]
    last = info["last_run"]
    if info["running"]:
        line = f"[bold green]running[/] (pid {info['pid']})"
        if last:
            line += (f", since {_when(last['started_at'], now)}, {last['cycles']} cycles, "
                     f"{last['new_articles']} new articles, {last['versions']} story versions")
    elif last:
        colour = {"stopped": "yellow", "finished": "green"}.get(last["state"], "red")
        line = (f"[bold {colour}]not running[/]: the last run {last['state']} "
                f"{_when(last['ended_at'] or last['heartbeat_at'], now)} after "
                f"{last['cycles']} cycles" + (f" ({escape(last['message'])})"
                                              if last["message"] else ""))
    else:
        line = "[bold]never run[/]: start it with [bold]newsdesk run[/]"
    console.print(f"Run: {line}")
    cycle = (last or {}).get("last_cycle") or {}
    if cycle:
        console.print(
            f"Last cycle ({_when(cycle.get('at'), now)}): {cycle.get('due', 0)} sources polled, "
            f"{cycle.get('new', 0)} new articles, {cycle.get('errors', 0)} errors, "
            f"{cycle.get('versions', 0)} story versions published"
            + (f" — [red]failed: {escape(cycle['error'])}[/]" if cycle.get("error") else ""))

    sources = info["sources"]
    if not sources:
        console.print("No sources yet: [bold]newsdesk sources add URL[/].")
    else:
        counts = {h: sum(s["health"] == h for s in sources) for h in _HEALTH}
        table = Table(title=f"{len(sources)} sources: " + ", ".join(
            f"{n} {h if h != 'new' else 'not polled yet'}" for h, n in counts.items() if n))
        for name, justify in (("id", "right"), ("source", "left"), ("health", "left"),
                              ("articles", "right"), ("last ok", "left"),
                              ("next poll", "left"), ("every", "right"),
                              ("last error", "left")):
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for s in sources:
            error = escape(s["last_error"])
            if s["error_count"] > 1:
                error += f" [dim]({s['error_count']} polls in a row)[/]"
            table.add_row(str(s["id"]), escape(s["name"]), _HEALTH[s["health"]],
                          str(s["articles"]), _when(s["last_ok_at"], now),
                          "due" if s["due"] else _when(s["next_fetch_at"], now),
                          f"{s['interval_seconds']} s" if s["interval_seconds"] else "default",
                          f"[red]{error}[/]" if error else "")
        console.print(table)

    recent = info["recent_errors"]
    if recent:
        table = Table(title=f"Latest {len(recent)} fetch errors")
        table.add_column("when")
        table.add_column("source", overflow="fold")
        table.add_column("URL", overflow="fold")
        table.add_column("error", overflow="fold")
        for e in recent:
            table.add_row(_when(e["at"], now), escape(e["source"] or "—"),
                          escape(e["url"]), escape(e["message"]))
        console.print(table)

    backlog = info["backlog"]
    console.print(f"Backlog: {backlog['unassigned_articles']} articles not yet in a story, "
                  f"{backlog['stories_awaiting_rewrite']} stories awaiting a rewrite. "
                  f"Store: {info['articles']} articles, {info['stories']} stories.")
    for failed in backlog["failed_stories"]:
        console.print(f"  [red]story {failed['story_id']}[/] "
                      f"({escape(failed['headline'] or 'untitled')}) failed to write "
                      f"{failed['failures']}×: {escape(failed['error'])}")
