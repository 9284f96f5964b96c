"""Reading newsdesk: ``serve`` (web pages, feeds, JSON API), ``digest``, ``export site``."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsdesk.cli.common import app, console, err_console, fail, open_store, state

export_app = typer.Typer(
    help="Write newsdesk's stories out for others to read: `newsdesk export site DIR`.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


def _check_base_url(base_url: str | None) -> str | None:
    from newsdesk.publish.templating import safe_url

    if base_url is not None and not safe_url(base_url):
        fail(f"--base-url {base_url!r} is not an http(s) address; give the address readers "
             "use, such as https://news.example.org")
    return base_url.rstrip("/") if base_url else None


def _need_store() -> None:
    """Reading commands never create a store: an empty one in the wrong folder helps nobody."""
    path = state.settings.db_path
    if not path.exists():
        fail(f"no newsdesk store at {path}: run `newsdesk demo`, or add sources and run "
             "`newsdesk fetch`, first; or point --data-dir (or NEWSDESK_DATA) at your data")


def _port_free(host: str, port: int) -> str | None:
    """Why the server could not listen there (None: it can)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot resolve --host {host!r} ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use; pass another with --port"
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None


@app.command()
def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on. Default: [web] host "
                             "(127.0.0.1: this machine only). 0.0.0.0 opens it to your network."),
    port: int = typer.Option(None, "--port", "-p", min=1, max=65535,
                             help="Port to listen on. Default: [web] port (8000)."),
    base_url: str = typer.Option(None, "--base-url", help="The public address readers use "
                                 "(e.g. behind a proxy), for absolute links in feeds and the "
                                 "API. Default: the address each request came to."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
) -> None:
    """Serve the stories on the web: front page, story pages, sections, outlets, search,
    Atom and JSON feeds, and a JSON API.

    Pages are plain HTML and one stylesheet: no JavaScript, no fonts or scripts from anywhere
    else, so it works offline and tells nobody what you read. Mute outlets and keywords in
    `[web]` of newsdesk.toml. The API is described at /api/openapi.json.

    Example: `newsdesk serve --port 8080`, then open http://127.0.0.1:8080/
    """
    import uvicorn

    from newsdesk.publish.web import create_app

    settings = state.settings
    host = host or settings.web.host
    port = port or settings.web.port
    base_url = _check_base_url(base_url)
    _need_store()
    problem = _port_free(host, port)
    if problem:
        fail(problem)
    try:
        web_app = create_app(settings, base_url=base_url)
    except Exception as exc:  # an unreadable or too-new store: say which and why
        fail(f"cannot open the store at {settings.db_path}: {exc}")
    shown = f"[{host}]" if ":" in host else host
    console.print(f"newsdesk is serving [bold]{settings.db_path}[/] at "
                  f"[bold link=http://{shown}:{port}/]http://{shown}:{port}/[/] "
                  "(Ctrl+C stops it)")
    if host not in {"127.0.0.1", "localhost", "::1"}:
        err_console.print(f"[yellow]Listening on {host}:[/] other machines can reach it.")
    uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=access_log,
                server_header=False, proxy_headers=True)


@app.command()
def digest(
    since: str = typer.Option("24h", "--since", "-s", help="The period: 24h, 90m, 7d, 2w, or "
                              "a date (2026-11-16) or time (2026-11-16T08:00, UTC)."),
    format: str = typer.Option("md", "--format", "-f", help="md (Markdown, for newsletter "
                               "tools) or html (one self-contained page with inline styles, "
                               "ready to mail)."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=200, help="At most this many "
                              "stories."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of "
                                "standard output.", dir_okay=False),
    base_url: str = typer.Option(None, "--base-url", help="Where your newsdesk's pages live "
                                 "(e.g. https://news.example.org): each story then links to "
                                 "its page."),
    title: str = typer.Option("newsdesk briefing", "--title", help="The briefing's title."),
) -> None:
    """A newsletter-ready briefing: the top stories of a period, each with its lede, who
    disagrees about what, and its sources (linked), ranked like the front page.

    Example: `newsdesk digest --since 24h --format html -o today.html`
    """
    from newsdesk.models import utcnow
    from newsdesk.publish.digest import (
        DigestError,
        build_digest,
        parse_since,
        render_html,
        render_markdown,
    )
    from newsdesk.publish.pages import Reader

    format = format.lower()
    if format not in {"md", "markdown", "html"}:
        fail(f"--format {format!r} is not known; use md or html")
    base_url = _check_base_url(base_url)
    now = utcnow()
    try:
        start = parse_since(since, now)
    except DigestError as exc:
        fail(str(exc))
    if start >= now:
        fail(f"--since {since!r} is in the future; give a period such as 24h or a past date")
    _need_store()
    with open_store() as store:
        result = build_digest(Reader(store, state.settings.web, lambda: now), start, limit,
                              base_url)
    text = render_html(result, title) if format == "html" else render_markdown(result, title)
    if not result.stories:
        err_console.print(f"[yellow]No stories since {start:%Y-%m-%d %H:%M} UTC[/]"
                          + (f" ({result.hidden} hidden by your mutes)" if result.hidden else "")
                          + ": the digest says so. Try a longer --since.")
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, output)  # a reader (or a mailer) never sees half a digest
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    err_console.print(f"Wrote {len(result.stories)} stories to {output}.")


@export_app.command("site")
def export_site(
    directory: Path = typer.Argument(..., help="The folder to write (new, empty, or an "
                                     "earlier export, which is replaced).", file_okay=False),
    base_url: str = typer.Option(None, "--base-url", help="Where the site will be hosted "
                                 "(e.g. https://news.example.org/desk). Needed for the Atom "
                                 "and JSON feeds, whose links must be absolute."),
) -> None:
    """Write the stories as a static website: the same pages as `newsdesk serve`, with
    relative links, for any web host or straight from disk.

    Search and the JSON API need a server and are left out. The folder is built aside and
    swapped in whole; a folder that holds anything but an earlier export is refused.

    Example: `newsdesk export site public/ --base-url https://news.example.org`
    """
    from newsdesk.publish.pages import Reader
    from newsdesk.publish.site import ExportError
    from newsdesk.publish.site import export_site as write_site

    base_url = _check_base_url(base_url)
    _need_store()
    columns = (TextColumn("Writing story pages"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with open_store() as store, Progress(*columns, console=err_console,
                                         transient=True) as progress:
        task = progress.add_task("stories", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = write_site(Reader(store, state.settings.web), directory, base_url, step)
        except ExportError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {directory}: {exc.strerror or exc}")
    console.print(f"Wrote {report.pages} pages ({report.stories} stories) and {report.feeds} "
                  f"feeds to [bold]{report.path}[/]. Open {report.path / 'index.html'}.")
    if report.skipped_feeds:
        err_console.print("No feeds written: pass --base-url with the site's address to "
                          "include Atom and JSON feeds.")
