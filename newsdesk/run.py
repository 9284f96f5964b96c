"""``newsdesk run``: one long-running process that keeps a news desk current, unattended.

Each *cycle* polls the sources that are due (every source on its own schedule: its
``interval_seconds``, else ``[fetch] interval``; a failing source backs off, a server's
Retry-After is respected: all of that is the ingestor's), then hands what arrived to the
pipeline, which groups new articles into stories and rewrites, verifies and publishes the stories
that changed. Between cycles the process sleeps until the next source is due.

What makes it safe to leave alone:

* **Crashes lose nothing.** Articles are committed one by one as they arrive; a story version is
  one transaction; and the articles each story was last written from are recorded
  (``Store.mark_story_written``), so a story whose rewrite was cut short by a kill or a power
  cut is rewritten by the next cycle (``Store.stories_awaiting_rewrite``).
* **Signals stop it cleanly.** SIGTERM or SIGINT while sleeping ends the run at once; while
  fetching, the requests in flight are cut and nothing half-fetched is stored (no source is
  blamed); while writing, the story in flight is rolled back and rewritten next time. Either
  way the process exits 0, so ``systemctl stop`` is not a failure.
* **One run per data directory**, enforced with a lock file (released by the kernel however
  the process ends), so two runs never poll the same sources twice over.
* **Bad input never stops it**: the ingestor records every failure against its source. A cycle
  that fails as a whole (say, the disk is full) is logged and retried; only
  ``MAX_FAILED_CYCLES`` failures in a row end the run, with exit code 1, for a supervisor such
  as systemd to restart it and someone to look.
* **It says what it does**: one log line per source polled and per cycle, as JSON objects
  (``--log-format json``) or plain text; ``newsdesk status`` reads the ``runs`` table.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from rich.console import Console

from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.ingestor import Ingestor, due_sources
from newsdesk.models import FetchOutcome, Source, utcnow
from newsdesk.settings import Settings
from newsdesk.store import Store

LOG = logging.getLogger("newsdesk.run")
MAX_FAILED_CYCLES = 5  # cycles failing in a row before the run gives up (exit 1)
WRITE_CHUNK = 8  # stories written per call of the pipeline (each is logged as it is published)
WRITE_BUDGET = 60.0  # seconds of writing after which due sources are polled before the rest
LOCK_FILE = "run.lock"


class RunError(RuntimeError):
    """The run cannot start (or must stop): the message says why and what to do."""


class _Interrupted(KeyboardInterrupt):
    """Raised in the main thread by a stop signal that arrives while work is in flight.

    A KeyboardInterrupt, so the ingestor's Ctrl-C path (stop starting sources, cut the requests
    in flight, store nothing fetched afterwards) applies to SIGTERM as well."""


# ------------------------------------------------------------------ logging


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``event``, ``msg`` and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _stamp(record.created),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", "") or record.name,
            "msg": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextLogFormatter(logging.Formatter):
    """A line for people: time, level, message (which names what the fields say)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_stamp(record.created)} {record.levelname:<7} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _stamp(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def configure_logging(log_format: str = "text", log_file: Path | None = None,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Send newsdesk's log (and the web server's warnings) to ``log_file`` or ``stream``
    (stderr), one line per record; returns the handler (remove it with ``stop_logging``)."""
    if log_format not in ("json", "text"):
        raise RunError(f"--log-format must be json or text, not {log_format!r}")
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLogFormatter() if log_format == "json" else TextLogFormatter())
    for name, level in (("newsdesk", logging.INFO), ("uvicorn", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # one line per record, whatever the root logger does
    return handler


def stop_logging(handler: logging.Handler) -> None:
    for name in ("newsdesk", "uvicorn"):
        logging.getLogger(name).removeHandler(handler)
    handler.close()


def _log(level: int, event: str, text: str, exc_info: bool = False, **fields: Any) -> None:
    LOG.log(level, text, exc_info=exc_info, extra={"event": event, "fields": fields})


# ------------------------------------------------------------------ one run per data directory


class RunLock:
    """An exclusive lock on ``<data-dir>/run.lock`` holding the pid of the run that owns it.

    ``flock`` locks die with their process, so a killed run never leaves a stale lock behind.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self, attempts: int = 20) -> bool:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        for attempt in range(attempts):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # `newsdesk status` holds the lock for an instant when it looks: try a moment.
                if attempt == attempts - 1:
                    os.close(fd)
                    return False
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    @staticmethod
    def holder(path: Path) -> int | None:
        """The pid of the run holding the lock, or None when no run holds it."""
        import fcntl

        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = os.read(fd, 32).decode("ascii", "replace").strip()
                return int(text) if text.isdigit() else -1
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


# ------------------------------------------------------------------ the web UI, in a thread


class WebThread:
    """``newsdesk serve``'s app under uvicorn, in a thread of this process.

    The web app reads through its own store connections (WAL lets them read while the run
    writes); the run's signals stay with the main thread, which stops the server on its way out.
    """

    def __init__(self, settings: Settings, host: str, port: int, base_url: str | None = None):
        import uvicorn

        from newsdesk.publish.web import create_app

        self.host, self.port = host, port
        config = uvicorn.Config(create_app(settings, base_url=base_url), host=host, port=port,
                                log_level="warning", access_log=False, server_header=False,
                                proxy_headers=True, log_config=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    def start(self, timeout: float = 20.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RunError(f"the web server could not listen on {self.host}:{self.port} "
                               "(see the log above); pick another --port")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


# ------------------------------------------------------------------ the loop


@dataclass
class RunOptions:
    once: bool = False  # one cycle, then exit
    max_cycles: int | None = None  # stop after this many cycles
    max_sleep: float = 60.0  # look at the sources at least this often (new ones, new intervals)
    serve: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str | None = None
    # Networks fetches may reach although private (an intranet feed server), beside the
    # allow_private setting, which opens every private network.
    allow_networks: tuple[str, ...] = ()


@dataclass
class CycleReport:
    number: int
    due: int = 0
    new: int = 0
    duplicates: int = 0
    syndicated: int = 0
    not_modified: int = 0
    failed_sources: int = 0  # sources whose poll recorded an error
    errors: int = 0  # every recorded error (a feed, or single entries of it)
    assigned_stories: int = 0
    versions: int = 0  # new story versions published
    unchanged: int = 0  # stories rewritten without anything new to publish
    failed_stories: int = 0
    unassigned: int = 0  # backlog left at the end of the cycle
    awaiting_rewrite: int = 0
    fetch_seconds: float = 0.0
    pipeline_seconds: float = 0.0
    rss_mb: float = 0.0
    error: str = ""  # the cycle failed as a whole

    def add(self, outcome: FetchOutcome) -> None:
        self.new += outcome.new
        self.duplicates += outcome.duplicates
        self.syndicated += outcome.syndicated
        self.not_modified += int(outcome.not_modified)
        self.errors += len(outcome.errors)
        self.failed_sources += int(bool(outcome.errors))


UpdateFunction = Callable[..., Any]  # newsdesk.pipeline.update


class Runner:
    """Polls, updates stories, sleeps; until stopped. ``run()`` returns the exit code."""

    def __init__(self, settings: Settings, options: RunOptions | None = None,
                 update: UpdateFunction | None = None, on_ready: Callable[[Runner], None]
                 | None = None):
        self.settings = settings
        self.options = options or RunOptions()
        self._update = update
        self.on_ready = on_ready  # called once the store is open (and the web UI up)
        self.store: Store | None = None
        self.web: WebThread | None = None
        self.run_id: int | None = None
        self.cycles = 0
        self._stop = threading.Event()
        self._phase = "starting"  # "idle" | "fetch" | "pipeline" | "stopping"
        self._signal = ""
        self._backlog = False  # the last cycle left stories to write: no sleeping before the next
        self._quiet = Console(quiet=True)  # the pipeline's progress bars: not in a log

    # ------------------------------------------------------------ stopping

    def request_stop(self, reason: str = "asked to stop") -> None:
        """Stop after the work in hand (any thread); the run then exits 0."""
        self._signal = self._signal or reason
        self._stop.set()

    def _on_signal(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self._stop.is_set():
            _log(logging.INFO, "run.stopping", f"{name} again: already stopping", signal=name)
            return
        self.request_stop(name)
        _log(logging.INFO, "run.stopping", f"{name}: stopping ({self._phase})", signal=name,
             phase=self._phase)
        if self._phase in ("fetch", "pipeline"):
            # Abandon the work in flight: the fetches are cut and nothing half-fetched stored;
            # the story being written rolls back and stays awaiting its rewrite.
            self._phase = "stopping"
            raise _Interrupted

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # embedded in a thread (tests): request_stop() is the way to stop
            return
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    @contextlib.contextmanager
    def _phase_of(self, phase: str) -> Iterator[None]:
        if self._stop.is_set():
            raise _Interrupted  # asked to stop between two steps: start nothing new
        self._phase = phase
        try:
            yield
        finally:
            if self._phase == phase:
                self._phase = "idle"

    # ------------------------------------------------------------ running

    def run(self) -> int:
        lock = RunLock(self.settings.data_dir / LOCK_FILE)
        if not lock.acquire():
            holder = RunLock.holder(lock.path)
            raise RunError(f"another `newsdesk run` (pid {holder}) is already running on "
                           f"{self.settings.data_dir}; stop it first (one run per data "
                           "directory), or use another --data-dir")
        try:
            update = self._update or _pipeline_update()
        except RunError:
            lock.release()
            raise
        code = 0
        state, message = "stopped", ""
        with self._signals():
            try:
                self.store = Store.open(self.settings.db_path)
                self._close_dead_runs(self.store)
                retried = self.store.retry_failed_story_writes()
                if retried:
                    _log(logging.INFO, "run.retry_stories", f"{retried} stories that failed "
                         "to write before are tried again", stories=retried)
                self.run_id = self.store.start_run(os.getpid(), socket.gethostname())
                if self.options.serve:
                    self.web = WebThread(self.settings, self.options.host, self.options.port,
                                         self.options.base_url)
                    self.web.start()
                sources = self.store.list_sources()
                _log(logging.INFO, "run.start",
                     f"newsdesk run started (pid {os.getpid()}): {len(sources)} sources, "
                     f"default interval {self.settings.fetch.interval} s, store "
                     f"{self.settings.db_path}"
                     + (f", serving {self.web.url}" if self.web else ""),
                     pid=os.getpid(), run_id=self.run_id, sources=len(sources),
                     interval=self.settings.fetch.interval, store=str(self.settings.db_path),
                     web=self.web.url if self.web else None)
                if not sources:
                    _log(logging.WARNING, "run.no_sources", "there are no sources yet: add some "
                         "with `newsdesk sources add URL` (the run picks them up)")
                if self.on_ready:
                    self.on_ready(self)
                state, message, code = self._loop(update)
            except _Interrupted:
                state, message = "stopped", f"stopped by {self._signal or 'a signal'}"
            except RunError:
                state, message, code = "failed", "could not start", 1
                raise
            except Exception as exc:
                state, message, code = "failed", f"{type(exc).__name__}: {exc}", 1
                _log(logging.ERROR, "run.failed", f"the run failed: {message}", exc_info=True)
            finally:
                self._phase = "stopping"
                self._shut_down(state, message)
                lock.release()
        return code

    def _loop(self, update: UpdateFunction) -> tuple[str, str, int]:
        failed_in_a_row = 0
        self._phase = "idle"
        while True:
            if self.cycles and not self._wait_until_due():
                return "stopped", f"stopped by {self._signal or 'request'}", 0
            report = self.cycle(update)
            failed_in_a_row = failed_in_a_row + 1 if report.error else 0
            if failed_in_a_row >= MAX_FAILED_CYCLES:
                message = f"{failed_in_a_row} cycles failed in a row; last: {report.error}"
                _log(logging.ERROR, "run.failed", f"giving up: {message}")
                return "failed", message, 1
            if self.options.once or (self.options.max_cycles
                                     and self.cycles >= self.options.max_cycles):
                return "finished", f"{self.cycles} cycle(s) done", 0
            if self._stop.is_set():
                return "stopped", f"stopped by {self._signal or 'request'}", 0

    def _wait_until_due(self) -> bool:
        """Sleep until a source is due (looking again at least every ``max_sleep`` seconds,
        for sources added meanwhile); False when asked to stop."""
        assert self.store is not None
        if self._backlog:
            return not self._stop.is_set()
        while not self._stop.is_set():
            now = utcnow()
            times = [s.next_fetch_at for s in self.store.list_sources()]
            if any(t is None or t <= now for t in times):
                return True
            pending = [t for t in times if t is not None]
            delay = min([(t - now).total_seconds() for t in pending] + [self.options.max_sleep])
            self._stop.wait(max(0.05, delay))
        return False

    def cycle(self, update: UpdateFunction) -> CycleReport:
        """Poll what is due, then update the stories; never raises for a failure of its own
        (it is logged and recorded), only ``_Interrupted`` when a signal stops it."""
        assert self.store is not None and self.run_id is not None
        self.cycles += 1
        report = CycleReport(number=self.cycles)
        try:
            self._fetch(report)
            self._stories(report, update)
        except _Interrupted:
            raise
        except Exception as exc:  # the disk, the store, a bug: log, count, try next cycle
            report.error = f"{type(exc).__name__}: {exc}"
            _log(logging.ERROR, "cycle.failed", f"cycle {report.number} failed: {report.error}",
                 cycle=report.number, exc_info=True)
        report.rss_mb = round(_rss_mb(), 1)
        with contextlib.suppress(Exception):  # a failing store was logged above already
            report.unassigned = self.store.count_unassigned_articles()
            report.awaiting_rewrite = len(self.store.stories_awaiting_rewrite())
        summary = asdict(report)
        self.store.record_cycle(self.run_id, polls=report.due, new_articles=report.new,
                                errors=report.errors, versions=report.versions,
                                summary={**summary, "at": utcnow().isoformat()})
        _log(logging.WARNING if report.error else logging.INFO, "cycle.done",
             f"cycle {report.number}: {report.due} sources polled, {report.new} new articles "
             f"({report.duplicates} known, {report.syndicated} syndicated, "
             f"{report.not_modified} not modified, {report.errors} errors); "
             f"{report.versions} story versions published, {report.unchanged} unchanged, "
             f"{report.failed_stories} failed; backlog {report.unassigned} unassigned, "
             f"{report.awaiting_rewrite} awaiting a rewrite; fetch {report.fetch_seconds:.1f} s, "
             f"stories {report.pipeline_seconds:.1f} s, {report.rss_mb:.0f} MB",
             cycle=report.number, **{k: v for k, v in summary.items() if k != "number"})
        return report

    def _fetch(self, report: CycleReport) -> None:
        assert self.store is not None
        sources = due_sources(self.store)
        report.due = len(sources)
        if not sources:
            return
        started = time.monotonic()
        client = self._client()
        with Ingestor(self.store, self.settings.fetch, client=client) as ingestor, \
                self._phase_of("fetch"):
            outcomes = ingestor.fetch_all(sources, on_done=self._polled)
        for outcome in outcomes:
            report.add(outcome)
        report.fetch_seconds = round(time.monotonic() - started, 2)

    def _polled(self, source: Source, outcome: FetchOutcome) -> None:
        """One log line per source polled (called from the fetch workers)."""
        name = source.outlet or source.title or source.url
        if self._stop.is_set():  # cut short: its state was left as it was, to poll again
            _log(logging.INFO, "source.interrupted", f"{name}: interrupted after "
                 f"{outcome.new} new articles; polled again by the next run",
                 source_id=source.id, source=name, url=source.url, new=outcome.new)
            return
        fields = dict(source_id=source.id, source=name, url=source.url, new=outcome.new,
                      duplicates=outcome.duplicates, syndicated=outcome.syndicated,
                      not_modified=outcome.not_modified, errors=len(outcome.errors),
                      error_count=source.error_count,
                      next_poll=source.next_fetch_at.isoformat() if source.next_fetch_at else None)
        if outcome.errors:
            fields["error"] = outcome.errors[0]
            _log(logging.WARNING, "source.polled",
                 f"{name}: {outcome.new} new, {len(outcome.errors)} errors, first: "
                 f"{outcome.errors[0]}", **fields)
        else:
            _log(logging.INFO, "source.polled",
                 f"{name}: " + ("not modified" if outcome.not_modified else
                                f"{outcome.new} new, {outcome.duplicates} known"), **fields)

    def _stories(self, report: CycleReport, update: UpdateFunction) -> None:
        """Group what arrived, then write the stories awaiting a rewrite (those the new
        articles changed, and any that a crash or a failure left behind), most recently active
        first, a few at a time; after ``WRITE_BUDGET`` seconds, go back to polling if a source
        is due (the rest stays in the backlog for the next cycle)."""
        assert self.store is not None
        store = self.store
        started = time.monotonic()
        self._backlog = False
        if report.new or report.syndicated or store.count_unassigned_articles():
            with self._phase_of("pipeline"):
                grouped = update(store, self.settings, self._quiet, story_ids=[])
            report.assigned_stories = len(grouped.assigned_stories)
        pending = store.stories_awaiting_rewrite()
        if pending:
            # Breaking news first: the stories with the latest articles.
            recency = {s.id: s.last_seen for s in store.get_stories(pending)}
            pending.sort(key=lambda i: (recency.get(i) is not None, recency.get(i), i),
                         reverse=True)
        deadline = started + WRITE_BUDGET
        while pending:
            chunk, pending = pending[:WRITE_CHUNK], pending[WRITE_CHUNK:]
            with self._phase_of("pipeline"):
                result = update(store, self.settings, self._quiet, story_ids=chunk)
            self._record(result, report)
            if pending and time.monotonic() > deadline and due_sources(store):
                self._backlog = True  # poll first, then carry on writing
                break
        report.pipeline_seconds = round(time.monotonic() - started, 2)

    def _record(self, result: Any, report: CycleReport) -> set[int]:
        """Note which articles each story was written from; log failures."""
        assert self.store is not None
        written = list(result.new_versions) + list(result.unchanged)
        members = {s.id: s.article_ids for s in self.store.get_stories(
            written + list(result.failed))}
        for story_id in written:
            self.store.mark_story_written(story_id, members.get(story_id, []))
        for story_id, error in result.failed.items():
            self.store.mark_story_written(story_id, members.get(story_id, []), error=error)
            _log(logging.ERROR, "story.failed", f"story {story_id} could not be written: {error}",
                 story_id=story_id, error=error)
        for story_id in result.new_versions:
            version = self.store.latest_version(story_id)
            if version is not None:
                _log(logging.INFO, "story.published",
                     f"story {story_id} v{version.version}: {version.story.headline}",
                     story_id=story_id, version=version.version,
                     headline=version.story.headline,
                     changes=[f"{c.kind}: {c.text}" for c in version.changes])
        report.versions += len(result.new_versions)
        report.unchanged += len(result.unchanged)
        report.failed_stories += len(result.failed)
        return set(written) | set(result.failed)

    # ------------------------------------------------------------ helpers

    def _client(self) -> FetchClient:
        # One client for the whole run: its per-host politeness spans cycles, and connections
        # are reused. Replaced only if a stop request aborted it.
        client = getattr(self, "_fetch_client", None)
        if client is None:
            client = FetchClient(self.settings.fetch, self.options.allow_networks)
            self._fetch_client = client
        return client

    def _close_dead_runs(self, store: Store) -> None:
        """Runs still marked running while we hold the lock ended without a word."""
        for run in store.runs(limit=50):
            if run["state"] == "running":
                store.end_run(run["id"], "interrupted", "ended without stopping (killed, "
                              "crashed, or the machine went down); nothing is lost: this run "
                              "picks up where it left off")
                _log(logging.WARNING, "run.recovered",
                     f"the previous run (pid {run['pid']}, started {run['started_at']}) ended "
                     "without stopping; picking up where it left off",
                     previous_run=run["id"], previous_pid=run["pid"])

    def _shut_down(self, state: str, message: str) -> None:
        if self.web is not None:
            self.web.stop()
        client = getattr(self, "_fetch_client", None)
        if client is not None:
            client.close()
        if self.store is None:
            return
        path = self.store.path
        # A write cut by the stop signal may have left a transaction open on this connection:
        # closing rolls it back; the run's own record goes through a fresh connection.
        with contextlib.suppress(Exception):
            self.store.close()
        self.store = None
        if self.run_id is not None:
            try:
                with Store.open(path) as store:
                    store.end_run(self.run_id, state, message)
            except Exception:
                LOG.exception("could not record the end of the run")
        _log(logging.INFO, "run.stop", f"newsdesk run {state} after {self.cycles} cycle(s)"
             + (f": {message}" if message else ""), state=state, cycles=self.cycles,
             message=message, run_id=self.run_id)


def _pipeline_update() -> UpdateFunction:
    try:
        from newsdesk.pipeline import update
    except ImportError as exc:
        raise RunError(f"the story pipeline cannot be loaded ({exc}); is newsdesk fully "
                       "installed? (`scripts/setup`)") from exc
    return update


def _rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except Exception:  # psutil missing or /proc unreadable: the figure is only informative
        return 0.0


def run_status(store: Store, data_dir: Path, recent: int = 10) -> dict[str, Any]:
    """Everything ``newsdesk status`` shows, as plain data (``status --json`` prints it)."""
    now = utcnow()
    holder = RunLock.holder(data_dir / LOCK_FILE)
    runs = store.runs(limit=1)
    last = runs[0] if runs else None
    if last is not None and last["state"] == "running" and holder is None:
        last["state"] = "interrupted"  # the lock is free: nobody is running it any more
        last["message"] = "ended without stopping (killed, crashed, or the machine went down)"
    sources = []
    for s in store.list_sources():
        if s.last_fetched_at is None:
            health = "new"
        elif s.error_count:
            health = "erroring" if s.last_ok_at is None or s.last_ok_at < s.last_fetched_at \
                else "partial"
        else:
            health = "ok"
        sources.append({
            "id": s.id, "name": s.outlet or s.title or s.url, "url": s.url, "kind": s.kind,
            "health": health, "articles": s.article_count, "error_count": s.error_count,
            "last_error": s.last_error, "interval_seconds": s.interval_seconds,
            "last_fetched_at": s.last_fetched_at, "last_ok_at": s.last_ok_at,
            "next_fetch_at": s.next_fetch_at,
            "due": s.next_fetch_at is None or s.next_fetch_at <= now,
        })
    return {
        "now": now,
        "running": holder is not None,
        "pid": holder,
        "last_run": last,
        "sources": sources,
        "recent_errors": store.fetch_errors(limit=recent),
        "backlog": {
            "unassigned_articles": store.count_unassigned_articles(),
            "stories_awaiting_rewrite": len(store.stories_awaiting_rewrite()),
            "failed_stories": store.failed_story_writes(),
        },
        "articles": store.count_articles(),
        "stories": len(store.active_story_ids()),
    }

