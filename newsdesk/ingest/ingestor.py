"""Sources → articles → store, surviving anything a source can throw at it.

Rules this module keeps:

* **Bad input never stops a run.** A feed that will not parse, a 404, a timeout, a page with
  no text, an oversized response: each is recorded against its source (the fetch log, and
  ``last_error`` / ``error_count`` in the source's state) with a short message, and the run
  goes on with the next entry and the next source.
* **Nothing stored is ever lost, nothing is stored twice.** Each article is committed on its
  own as soon as it is ready, so a crash costs at most the article in flight; an entry's URL is
  checked against the store before its page is even fetched, so a re-run after a crash
  fetches only what is missing. The feed's ETag is saved only once all its entries are in.
* Sources are fetched ``workers`` at a time; the fetch client keeps each host polite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsdesk.ingest.dedupe import Deduper, canonical_url
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.feeds import entry_article, parse_feed
from newsdesk.ingest.fetch import ACCEPT_FEED, FetchClient
from newsdesk.ingest.files import find_files, read_file
from newsdesk.ingest.pages import page_article
from newsdesk.models import Article, FetchOutcome, Source, utcnow
from newsdesk.settings import FetchSettings, Settings
from newsdesk.store import Store

MAX_BACKOFF_DOUBLINGS = 4  # a failing source waits at most 16 intervals between tries

OnArticle = Callable[[Source | None, str], None]  # (source, "new"|"duplicate"|"syndicated"|"error")
OnDone = Callable[[Source, FetchOutcome], None]


class _Stopped(Exception):
    """The run was interrupted (Ctrl-C) while this source was being polled."""


def due_sources(store: Store, now: datetime | None = None) -> list[Source]:
    """Sources whose next poll is due (never polled, or ``next_fetch_at`` has passed)."""
    now = now or utcnow()
    return [s for s in store.list_sources() if s.next_fetch_at is None or s.next_fetch_at <= now]


class Ingestor:
    """Use as a context manager; one per run."""

    def __init__(self, store: Store, settings: FetchSettings,
                 client: FetchClient | None = None, on_article: OnArticle | None = None):
        self.store = store
        self.settings = settings
        self.client = client or FetchClient(settings)
        self._own_client = client is None
        self.deduper = Deduper(store)
        self.on_article = on_article or (lambda source, kind: None)
        self._stop = threading.Event()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ sources

    def fetch_all(self, sources: Iterable[Source] | None = None,
                  on_done: OnDone | None = None) -> list[FetchOutcome]:
        """Poll sources (all of them by default) once; outcomes in the order given."""
        sources = list(self.store.list_sources() if sources is None else sources)
        workers = max(1, min(self.settings.workers, len(sources)))

        def one(source: Source) -> FetchOutcome:
            outcome = self.fetch_source(source)
            if on_done:
                on_done(source, outcome)
            return outcome

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
        try:
            futures = [pool.submit(one, source) for source in sources]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                if future.exception() is not None:
                    future.result()  # re-raises it here, before waiting for the others
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C: start no source, cut the requests in flight, stop
            self._stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            self.client.abort()
            raise
        finally:
            pool.shutdown(wait=True)

    def fetch_source(self, source: Source) -> FetchOutcome:
        """Poll one stored source and save its fetch state; never raises for bad input."""
        outcome = FetchOutcome(source=source.outlet or source.title or source.url)
        retry_after: float | None = None
        failed = False
        try:
            if source.kind == "feed":
                self._feed(source, outcome)
            elif source.kind == "page":
                self._page(source.url, source.outlet, source, outcome)
            elif source.kind == "file":
                self._files(Path(_local_path(source.url)), source.outlet, source, outcome)
            else:
                raise IngestError(f"unknown source kind {source.kind!r} (feed, page or file)")
        except _Stopped:
            return outcome  # interrupted: the state stays as it was; the next run redoes it
        except IngestError as exc:
            if self._stop.is_set():
                return outcome  # the interruption cut the request: not the source's fault
            failed = True
            retry_after = exc.retry_after
            self._error(source, source.url, str(exc), outcome)
        except Exception as exc:  # a bug must not cost the other sources their turn
            failed = True
            self._error(source, source.url, f"internal error: {type(exc).__name__}: {exc}",
                        outcome)
        self._save_state(source, outcome, failed, retry_after)
        outcome.source = source.outlet or source.title or source.url  # the feed may name it
        return outcome

    def _feed(self, source: Source, outcome: FetchOutcome) -> None:
        """Poll a feed: ``IngestError`` when the feed itself cannot be read."""
        result = self.client.fetch(source.url, etag=source.etag,
                                   last_modified=source.last_modified, accept=ACCEPT_FEED)
        if result.not_modified:
            outcome.not_modified = True
            self.store.log_fetch(source.id, source.url, True, "not modified")
            return
        feed = parse_feed(result.content, result.url, result.content_type)
        if feed.problem:
            self.store.log_fetch(source.id, source.url, True,
                                 f"feed XML not well-formed ({feed.problem}); "
                                 f"{len(feed.entries)} entries read anyway")
        for reason in feed.skipped:
            self._error(source, source.url, reason, outcome)
        source.title = source.title or feed.title
        client = self.client if self.settings.fetch_pages else None
        for entry in feed.entries:
            if self._stop.is_set():
                raise _Stopped
            if self.deduper.known(entry.link) is not None:
                outcome.duplicates += 1  # before fetching anything: re-runs cost nothing
                self.on_article(source, "duplicate")
                continue
            try:
                article, note = entry_article(client, entry, feed, source.outlet)
            except IngestError as exc:
                self._error(source, entry.link, str(exc), outcome)
                continue
            self._store(article, source, outcome)
            if note:
                self._error(source, entry.link, note, outcome)
        if not outcome.errors:  # else the next poll must see the whole feed, to retry them
            source.etag, source.last_modified = result.etag, result.last_modified
        else:
            source.etag = source.last_modified = ""
        self.store.log_fetch(source.id, source.url, True, _summary(outcome, len(feed.entries)))

    def _page(self, url: str, outlet: str, source: Source | None,
              outcome: FetchOutcome) -> None:
        if self.deduper.known(url) is not None:
            outcome.duplicates += 1
            self.on_article(source, "duplicate")
            return
        self._store(page_article(self.client, url, outlet), source, outcome)

    def _files(self, path: Path, outlet: str, source: Source | None,
               outcome: FetchOutcome) -> None:
        for file in find_files(path):
            if self._stop.is_set():
                raise _Stopped
            for record in read_file(file, outlet):
                if record.article is None:
                    self._error(source, record.where, record.error, outcome)
                else:
                    self._store(record.article, source, outcome)

    # ------------------------------------------------------------ one-off ingest

    def ingest(self, target: str, outlet: str = "") -> FetchOutcome:
        """Ingest a URL (one page) or a local file or folder, without adding a source."""
        outcome = FetchOutcome(source=target)
        try:
            if target.startswith(("http://", "https://")):
                self._page(canonical_url(target), outlet, None, outcome)
            else:
                self._files(Path(_local_path(target)), outlet, None, outcome)
        except IngestError as exc:
            self._error(None, target, str(exc), outcome)
        except Exception as exc:
            self._error(None, target, f"internal error: {type(exc).__name__}: {exc}", outcome)
        return outcome

    # ------------------------------------------------------------ bookkeeping

    def _store(self, article: Article, source: Source | None, outcome: FetchOutcome) -> None:
        if self._stop.is_set():
            raise _Stopped  # what was fetched after an interruption may be cut short
        article.source_id = source.id if source else None
        verdict = self.deduper.add(article)  # committed here, on its own
        if verdict.kind == "new":
            outcome.new += 1
        elif verdict.kind == "syndicated":
            outcome.syndicated += 1
        else:
            outcome.duplicates += 1
        self.on_article(source, verdict.kind)

    def _error(self, source: Source | None, url: str, message: str,
               outcome: FetchOutcome) -> None:
        where = "" if source is not None and url == source.url else f"{url}: "
        outcome.errors.append(f"{where}{message}")
        self.store.log_fetch(source.id if source else None, url, False, message)
        self.on_article(source, "error")

    def _save_state(self, source: Source, outcome: FetchOutcome, failed: bool,
                    retry_after: float | None) -> None:
        if source.id is None:
            return
        now = utcnow()
        source.last_fetched_at = now
        if not failed:
            source.last_ok_at = now
        if outcome.errors:
            source.error_count += 1
            more = len(outcome.errors) - 1
            source.last_error = outcome.errors[0] + (f" (and {more} more: see the fetch log)"
                                                     if more else "")
        else:
            source.error_count = 0
            source.last_error = ""
        interval = float(source.interval_seconds or self.settings.interval)
        if failed:
            interval *= 2 ** min(max(source.error_count - 1, 0), MAX_BACKOFF_DOUBLINGS)
        if retry_after:
            interval = max(interval, retry_after)
        source.next_fetch_at = now + timedelta(seconds=interval)
        self.store.save_source_state(source)


def fetch_sources(store: Store, settings: Settings, sources: Iterable[Source] | None = None,
                  console: Console | None = None,
                  client: FetchClient | None = None) -> list[FetchOutcome]:
    """Poll sources (all by default) once, with a progress bar on ``console`` when given."""
    sources = list(store.list_sources() if sources is None else sources)
    if console is None or not sources:
        with Ingestor(store, settings.fetch, client) as ingestor:
            return ingestor.fetch_all(sources)
    with progress_bar(console, "Fetching", len(sources), "sources") as (on_article, advance), \
            Ingestor(store, settings.fetch, client, on_article=on_article) as ingestor:
        return ingestor.fetch_all(sources, on_done=lambda source, outcome: advance())


@contextmanager
def progress_bar(console: Console, label: str, total: int,
                 unit: str) -> Iterator[tuple[OnArticle, Callable[[], None]]]:
    """A transient bar over ``total`` units that also counts articles as they are stored.

    Yields an ``on_article`` callback for the ``Ingestor`` and a function that advances the bar
    by one unit; both may be called from worker threads.
    """
    counts = {"new": 0, "duplicate": 0, "syndicated": 0, "error": 0}
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit + " · {task.fields[counts]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total, counts="")

        def on_article(source: Source | None, kind: str) -> None:
            counts[kind] += 1  # a feed or a folder can hold thousands: show them arrive
            progress.update(task, counts=f"{counts['new']} new, {counts['error']} errors")

        yield on_article, lambda: progress.advance(task)


def _summary(outcome: FetchOutcome, entries: int) -> str:
    return (f"{entries} entries: {outcome.new} new, {outcome.duplicates} duplicate, "
            f"{outcome.syndicated} syndicated, {len(outcome.errors)} errors")


def _local_path(target: str) -> str:
    """A path from a path or a ``file://`` URL."""
    if target.startswith("file://"):
        return unquote(urlsplit(target).path)
    return target
