"""A real HTTP server on 127.0.0.1 for tests: a dict of routes, served from a free port.

    from tests.loopback import Loopback, Route, endless, redirect

    routes = {
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed_bytes),
        "/slow": Route(body=b"late", delay=3.0),            # waits before answering
        "/drip": Route(body=[b"x"] * 100, drip=0.2),         # one chunk every 0.2 s
        "/huge": Route(body=endless()),                      # never ends
        "/old": redirect("/feed.xml"),                       # 302 with a Location
        "/etag": lambda request: Route(304) if request.headers.get("if-none-match") else ...,
    }
    with Loopback(routes) as server:
        server.url("/feed.xml")       # "http://127.0.0.1:<port>/feed.xml"
        server.requests               # every Request received: .path, .headers (lower-case)

A route is a ``Route``, a ``(status, headers, body)`` tuple, or a function of the ``Request``
returning either. A body is bytes (sent with a Content-Length), or an iterable of byte chunks,
or a function returning one (called per request, so a generator can be served many times);
chunked bodies end when the connection closes (the server speaks HTTP/1.0). ``routes`` may be
changed while the server runs. Unknown paths get a 404. ``Loopback(routes, tls=(cert, key))``
serves https.
"""

from __future__ import annotations

import itertools
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = bytes | Iterable[bytes] | Callable[[], Iterable[bytes]]


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = b""
    delay: float = 0.0  # seconds before the status line: a slow server
    drip: float = 0.0  # seconds before each body chunk: a slow-drip server


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names in lower case


def redirect(location: str, status: int = 302) -> Route:
    return Route(status, {"Location": location})


def endless(chunk: bytes = b"x" * 65536) -> Callable[[], Iterator[bytes]]:
    """A body that never ends (the client must give up)."""
    return lambda: itertools.repeat(chunk)


def _as_route(value: Any, request: Request) -> Route:
    if callable(value) and not isinstance(value, Route):
        value = value(request)
    if isinstance(value, tuple):
        value = Route(*value)
    return value


class Loopback:
    def __init__(self, routes: dict[str, Any] | None = None,
                 tls: tuple[str, str] | None = None):
        """``tls``: (certificate file, key file) to serve https instead of http."""
        self.routes: dict[str, Any] = dict(routes or {})
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
                owner._serve(self)

            def log_message(self, *args: object) -> None:
                pass  # tests read `requests`, not stderr

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False  # a dripping handler must not hold up close()

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up or rejects our certificate is expected

        self._server = Server(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # The handshake happens in the handler's thread, not in the accepting loop.
            self._server.socket = context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"
        self.port = self._server.server_address[1]
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def start(self) -> Loopback:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Loopback:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request(handler.path, {k.lower(): v for k, v in handler.headers.items()})
        with self._lock:
            self.requests.append(request)
        value = self.routes.get(handler.path)
        if value is None:
            value = self.routes.get(handler.path.split("?", 1)[0], (404, {}, b"not found"))
        route = _as_route(value, request)
        try:
            time.sleep(route.delay)
            handler.send_response(route.status)
            body = route.body() if callable(route.body) else route.body
            names = {k.lower() for k in route.headers}
            for name, val in route.headers.items():
                handler.send_header(name, val)
            if isinstance(body, bytes) and "content-length" not in names:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            for chunk in [body] if isinstance(body, bytes) else body:
                time.sleep(route.drip)
                handler.wfile.write(chunk)
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should on a slow or endless body
