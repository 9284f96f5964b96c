"""The one HTTP client of newsdesk: every feed, page and OPML download goes through ``FetchClient``.

Its rules, all taken from ``FetchSettings``:

* a deadline for the whole request (``timeout``), enforced on every socket operation;
* a size cap (``max_bytes``) enforced while the body streams, after decompression, so neither a
  huge body nor a gzip bomb is ever held in memory;
* redirects followed by hand, at most ``max_redirects``, each hop checked again;
* no connection to private, loopback, link-local, reserved or multicast addresses unless
  ``allow_private`` (see ``guard.py``);
* an honest User-Agent; conditional GET (ETag / Last-Modified) in and out;
* at least ``per_host_delay`` seconds between two requests to one host, across threads.

Every failure is a ``FetchError`` whose message is short and says what happened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newsdesk.ingest.decode import BodyDecoder, decode_text
from newsdesk.ingest.errors import FetchError
from newsdesk.ingest.guard import AddressPolicy, AddressRefused, GuardedBackend, deadline
from newsdesk.models import utcnow
from newsdesk.settings import FetchSettings

ACCEPT_FEED = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
               "text/xml;q=0.9, */*;q=0.5")
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass
class FetchResult:
    """A response that came back whole: 2xx, or 304 Not Modified for a conditional GET."""

    url: str  # the final URL, after redirects
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def text(self) -> str:
        """The body as text, in its declared (or guessed) encoding; never raises."""
        return decode_text(self.content, self.content_type)


class _Politeness:
    """Spaces out requests to one host; threads reserve their turn, then sleep unlocked."""

    def __init__(self, delay: float):
        self.delay = delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        if self.delay <= 0:
            return
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next.get(host, 0.0))
            self._next[host] = turn + self.delay
        if turn > now:
            time.sleep(turn - now)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over ``GuardedBackend``, and never through a proxy from the env."""

    def __init__(self, backend: GuardedBackend):
        super().__init__(trust_env=False)  # sets up a default pool, replaced here
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,
            network_backend=backend,
        )


class FetchClient:
    """Thread-safe; use one per run (``with FetchClient(settings) as client: …``)."""

    def __init__(self, settings: FetchSettings, allow_networks: Sequence[str] = ()):
        self.settings = settings
        self.policy = AddressPolicy(settings.allow_private, allow_networks)
        self._politeness = _Politeness(settings.per_host_delay)
        self._backend = GuardedBackend(self.policy)
        self._client = httpx.Client(
            transport=_GuardedTransport(self._backend),
            # Per operation; the deadline in guard.py bounds the whole request to the same.
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # by hand, below: each hop is counted and checked
            trust_env=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._client.close()

    def abort(self) -> None:
        """Interrupt every request in flight, from any thread (Ctrl-C): they fail at once."""
        self._backend.abort()

    def __enter__(self) -> FetchClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str = "", last_modified: str = "",
              accept: str = ACCEPT_PAGE) -> FetchResult:
        """GET a URL; a ``FetchResult`` for 2xx and 304, else ``FetchError``."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        budget = self.settings.timeout
        seen: list[str] = []
        while True:
            _check_url(url)
            if url in seen:
                raise FetchError(f"redirect loop at {url}")
            seen.append(url)
            self._politeness.wait(urlsplit(url).hostname or "")
            started = time.monotonic()
            location = self._hop(url, headers, budget)
            budget -= time.monotonic() - started
            if isinstance(location, FetchResult):
                return location
            if len(seen) > self.settings.max_redirects:
                raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")
            url = location

    def _hop(self, url: str, headers: dict[str, str], budget: float) -> FetchResult | str:
        """One request: the result, or the URL a redirect points to."""
        if budget <= 0:
            raise self._timed_out()
        try:
            with deadline(budget):
                request = self._client.build_request("GET", url, headers=headers)
                response = self._client.send(request, stream=True)
                try:
                    return self._read(url, response)
                finally:
                    response.close()
        except AddressRefused as exc:
            raise FetchError(str(exc)) from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"not a valid URL ({exc}): {url[:200]}") from None
        except httpx.HTTPError as exc:
            if self._backend.aborted:  # whatever abort() made the socket say
                raise FetchError("interrupted") from None
            if isinstance(exc, httpx.TimeoutException):
                raise self._timed_out() from None
            raise FetchError(_network_message(exc)) from None

    def _read(self, url: str, response: httpx.Response) -> FetchResult | str:
        status = response.status_code
        if status in _REDIRECTS:
            location = response.headers.get("location", "").strip()
            if not location:
                raise FetchError(f"HTTP {status} redirect without a Location")
            return urljoin(url, location)
        headers = {k.lower(): v for k, v in response.headers.items()}
        if status == 304:
            return FetchResult(url, status, b"", headers)
        if status >= 400 or status < 200:
            reason = httpx.codes.get_reason_phrase(status)
            raise FetchError(f"HTTP {status} {reason}".strip(),
                             retry_after=_retry_after(headers.get("retry-after", "")))
        limit = self.settings.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response larger than {limit:,} bytes")
        decoder = BodyDecoder(headers.get("content-encoding", ""), limit)
        parts: list[bytes] = []
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > limit:  # compressed or not, the wire bytes count too
                raise FetchError(f"response larger than {limit:,} bytes")
            parts.append(decoder.feed(chunk))
        if self._backend.aborted:  # a body that ends at connection close ended at our abort()
            raise FetchError("interrupted")
        parts.append(decoder.finish())
        return FetchResult(url, status, b"".join(parts), headers)

    def _timed_out(self) -> FetchError:
        return FetchError(f"timed out after {self.settings.timeout:g} s")


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) URL: {url[:200]}")
    if not parts.hostname:
        raise FetchError(f"no host in URL: {url[:200]}")


def _network_message(exc: Exception) -> str:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "certificate" in message.lower():
        return "TLS certificate not valid for this site"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol ({message})"
    if isinstance(exc, httpx.ReadError):
        return "the connection was reset while reading"
    if isinstance(exc, httpx.ConnectError | httpx.WriteError):
        return message
    return f"network error: {message}"


def _retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())
