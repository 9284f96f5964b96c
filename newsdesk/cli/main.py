"""The ``newsdesk`` command: global options, and the modules that add the commands."""

from __future__ import annotations

from pathlib import Path

import typer

from newsdesk import __version__
from newsdesk.cli.common import app, state

# Each module adds its commands to `app` / `eval_app` when imported.
from newsdesk.cli import demo, ingest, publish, run, stories, verify, write  # noqa: E402,F401  isort: skip


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="NEWSDESK_DATA",
        help="Where newsdesk keeps its store (newsdesk.db) and config (newsdesk.toml). "
        "Default: ./newsdesk-data.",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    state.data_dir = str(data_dir) if data_dir else None
    state._settings = None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
