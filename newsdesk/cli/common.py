"""What every command shares: the Typer apps, the console, settings and the store.

Each module of ``newsdesk.cli`` adds its commands to ``app`` (or to ``eval_app``, for
``newsdesk eval …``); ``newsdesk.cli.main`` imports them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console

from newsdesk.settings import Settings, SettingsError, load_settings
from newsdesk.store import Store

app = typer.Typer(
    name="newsdesk",
    help=(
        "newsdesk: scan the news, group the articles that report one event, and write one "
        "short story per event in which every sentence cites its sources.\n\n"
        "Start with `newsdesk demo`, then `newsdesk serve`. Everyday use: `newsdesk sources "
        "add URL`, `newsdesk fetch`, `newsdesk stories list`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,
)
eval_app = typer.Typer(
    help="Measure newsdesk against public datasets (see ../shared/eval/README.md), side by "
    "side with baselines run on the same rows.",
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    data_dir: str | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.data_dir)
            except SettingsError as exc:
                fail(str(exc))
        return self._settings  # type: ignore[return-value]


state = State()


def fail(message: str, code: int = 1) -> None:
    """Stop the command with a message that says what went wrong and what to do."""
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def open_store() -> Iterator[Store]:
    settings = state.settings
    try:
        store = Store.open(settings.db_path)
    except Exception as exc:  # a locked, corrupt or unwritable file: say which and why
        fail(f"cannot open the store at {settings.db_path}: {exc}")
    try:
        yield store
    finally:
        store.close()
