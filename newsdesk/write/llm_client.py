"""A small client for any OpenAI-compatible ``/v1/chat/completions`` server.

llama.cpp's ``llama-server``, Ollama, vLLM, LM Studio and the hosted APIs all speak this one
endpoint, so newsdesk needs no vendor SDK: one POST with httpx. Every way the call can fail
(unreachable, slow, refused, a garbled answer) becomes one exception, :class:`LLMError`, whose
message says what happened and what to change; the LLM writer turns it into a warning and
falls back to the extractive story.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from newsdesk import __version__
from newsdesk.settings import WriteSettings

# A chat answer of a few hundred tokens is a few kilobytes; anything near this is not an answer.
MAX_RESPONSE_BYTES = 2_000_000
# llama.cpp answers 503 while it loads a model; hosted APIs answer 429 when rate limited.
RETRY_STATUSES = (429, 503)
MAX_RETRIES = 2
MAX_RETRY_WAIT = 5.0


class LLMError(RuntimeError):
    """The model server could not give a usable answer. ``kind`` says which way it failed."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        # "unreachable" | "timeout" | "http" | "auth" | "malformed" | "empty" | "refused"
        self.kind = kind


@dataclass
class ChatResult:
    """One answer of the model, with what it cost."""

    text: str
    # "stop" | "length" (cut off at max_tokens) | "stopped" (ended early by the caller's
    # ``stop_when``) | whatever else the server says
    finish_reason: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float
    # The server's own speeds, when it reports them (llama.cpp's "timings"): tokens per second
    # reading the prompt and writing the answer.
    prompt_per_second: float | None = None
    predicted_per_second: float | None = None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    @property
    def tokens_per_second(self) -> float | None:
        if not self.completion_tokens or self.seconds <= 0:
            return None
        return self.completion_tokens / self.seconds


@dataclass
class _Answer:
    result: ChatResult


def chat_endpoint(base_url: str) -> str:
    """The chat-completions URL for a configured base URL.

    The OpenAI convention is a base URL that already carries the API version
    (``http://host:8080/v1``); a bare ``http://host:8080`` gets ``/v1`` added, and a URL that
    already ends in ``/chat/completions`` is used as it is.
    """
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LLMError(
            f"write.base_url {base_url!r} is not an http(s) URL; set it to the server's OpenAI "
            "API root, e.g. http://127.0.0.1:8080/v1", kind="config")
    if url.endswith("/chat/completions"):
        return url
    if parts.path in ("", "/"):
        url += "/v1"
    return url + "/chat/completions"


class ChatClient:
    """Talks to one model on one OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        api_key_env: str = "",
        timeout: float = 120.0,
        max_tokens: int = 700,
        temperature: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = chat_endpoint(base_url)
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = float(timeout)
        self.max_tokens = int(max_tokens)
        self.temperature = float(temperature)
        self._sends_key = bool(api_key)
        self._context_size: int | None = None
        self._context_asked = False
        headers = {"User-Agent": f"newsdesk/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # Connecting should be quick even when answering is slow: a dead server fails fast.
        self._http = httpx.Client(
            headers=headers, transport=transport, follow_redirects=False,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
        )

    @classmethod
    def from_settings(cls, settings: WriteSettings, env: Mapping[str, str] | None = None,
                      transport: httpx.BaseTransport | None = None) -> ChatClient:
        env = os.environ if env is None else env
        key = env.get(settings.api_key_env, "").strip() if settings.api_key_env else ""
        return cls(settings.base_url, settings.model, api_key=key or None,
                   api_key_env=settings.api_key_env, timeout=settings.timeout,
                   max_tokens=settings.max_tokens, temperature=settings.temperature,
                   transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the call

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int | None = None,
             temperature: float | None = None, seed: int | None = 0,
             stop_when: Callable[[str], bool] | None = None) -> ChatResult:
        """Send the conversation; return the model's answer or raise :class:`LLMError`.

        The answer is streamed, so ``stop_when(text_so_far)`` can end it early (a small model
        that starts repeating itself would otherwise write until ``max_tokens``); it then
        comes back with ``finish_reason == "stopped"``. A server that ignores ``stream`` and
        sends one JSON answer works too. ``timeout`` bounds the whole call, retries included,
        not just each read: a server that trickles bytes forever still ends in an error.
        """
        payload: dict[str, object] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": self.temperature if temperature is None else temperature,
            "stream": True,
        }
        if seed is not None:
            payload["seed"] = seed  # same plan, same story, where the server honours it
        started = time.perf_counter()
        deadline = started + self.timeout
        attempt = 0
        while True:
            outcome = self._post(payload, deadline, stop_when)
            if isinstance(outcome, _Answer):
                outcome.result.seconds = time.perf_counter() - started
                return outcome.result
            status, body, retry_after = outcome
            if status in RETRY_STATUSES and attempt < MAX_RETRIES:
                wait = min(retry_after if retry_after is not None else 1.0 + attempt,
                           MAX_RETRY_WAIT)
                if time.perf_counter() + wait < deadline:
                    attempt += 1
                    time.sleep(wait)
                    continue
            raise self._http_error(status, body)

    def _post(self, payload: dict[str, object], deadline: float,
              stop_when: Callable[[str], bool] | None
              ) -> _Answer | tuple[int, bytes, float | None]:
        """One request: the answer, or (status, body, retry-after) of a failed one."""
        try:
            with self._http.stream("POST", self.endpoint, json=payload) as response:
                if response.status_code != 200:
                    body = b"".join(self._read(response, deadline))
                    return response.status_code, body, _retry_after(response)
                kind = response.headers.get("content-type", "")
                if "text/event-stream" in kind:
                    return _Answer(self._parse_stream(response, deadline, stop_when))
                body = b"".join(self._read(response, deadline))
                return _Answer(self._parse(body))
        except httpx.ConnectError as exc:
            raise LLMError(
                f"cannot reach the model server at {self.endpoint} ({_short(exc)}). Start an "
                "OpenAI-compatible server there (e.g. `llama-server -m MODEL.gguf --port 8080`), "
                "or point write.base_url / NEWSDESK_WRITE_BASE_URL / --llm-url at yours",
                kind="unreachable") from exc
        except httpx.TimeoutException as exc:
            raise LLMError(
                f"the model server at {self.endpoint} did not answer within {self.timeout:g} s; "
                "raise write.timeout (NEWSDESK_WRITE_TIMEOUT), lower write.max_tokens, or use a "
                "faster model", kind="timeout") from exc
        except httpx.HTTPError as exc:  # connection reset, protocol error, bad redirect …
            raise LLMError(
                f"the model server at {self.endpoint} broke off the answer ({_short(exc)}); "
                "check that it is an OpenAI-compatible server and that it is healthy",
                kind="unreachable") from exc

    def _read(self, response: httpx.Response, deadline: float) -> Iterator[bytes]:
        """The body in chunks, within the size limit and the deadline."""
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise LLMError(
                    f"the model server at {self.endpoint} sent more than "
                    f"{MAX_RESPONSE_BYTES // 1_000_000} MB; that is not a chat answer — "
                    "check write.base_url", kind="malformed")
            if time.perf_counter() > deadline:
                raise httpx.ReadTimeout("deadline passed while reading")
            yield chunk

    def _parse_stream(self, response: httpx.Response, deadline: float,
                      stop_when: Callable[[str], bool] | None) -> ChatResult:
        """Server-sent events: ``data: {chunk}`` lines, each with a piece of the answer."""
        where = f"the model server at {self.endpoint}"
        pieces: list[str] = []
        finish = ""
        model = self.model
        usage: dict = {}
        timings: dict = {}
        chunks = 0
        done = False
        buffer = b""
        for block in self._read(response, deadline):
            buffer += block
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                line = raw.strip()
                if not line.startswith(b"data:"):
                    continue  # comments, event names, keep-alives
                data = line[5:].strip()
                if data == b"[DONE]":
                    done = True
                    break
                try:
                    event = json.loads(data.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise LLMError(f"{where} streamed something that is not JSON "
                                   f"({data[:80]!r})", kind="malformed") from exc
                if not isinstance(event, dict):
                    raise LLMError(f"{where} streamed JSON without an object", kind="malformed")
                if "error" in event:
                    raise LLMError(f"{where} reported an error mid-answer: "
                                   f"{_error_detail(data)}", kind="http")
                model = str(event.get("model") or model)
                if isinstance(event.get("usage"), dict):
                    usage = event["usage"]
                if isinstance(event.get("timings"), dict):  # llama.cpp's own counts
                    timings = event["timings"]
                    usage = usage or {"prompt_tokens": timings.get("prompt_n"),
                                      "completion_tokens": timings.get("predicted_n")}
                choices = event.get("choices") or []
                if not choices:
                    continue
                choice = choices[0] if isinstance(choices[0], dict) else {}
                delta = choice.get("delta") or choice.get("message") or {}
                if not isinstance(delta, dict):
                    raise LLMError(f"{where} streamed a choice without a delta", kind="malformed")
                refusal = delta.get("refusal")
                if isinstance(refusal, str) and refusal.strip():
                    raise LLMError(f"the model refused: {refusal.strip()[:200]}", kind="refused")
                content = delta.get("content")
                if isinstance(content, str) and content:
                    pieces.append(content)
                    chunks += 1
                if choice.get("finish_reason"):
                    finish = str(choice["finish_reason"])
            if done:
                break
            if stop_when is not None and pieces and not finish and stop_when("".join(pieces)):
                finish = "stopped"  # closing the stream tells the server to stop generating
                break
        text = "".join(pieces)
        if not finish and not done:
            raise LLMError(f"{where} broke off the answer before it ended; check that the "
                           "server is healthy", kind="unreachable")
        if not text.strip():
            raise LLMError(f"{where} sent an empty answer", kind="empty")
        return ChatResult(
            text=text, finish_reason=finish or "stop", model=model,
            prompt_tokens=_int(usage.get("prompt_tokens")),
            # Servers stream about one token per event; the count stands in when no usage came.
            completion_tokens=_int(usage.get("completion_tokens")) or chunks,
            seconds=0.0, **_speeds(timings))

    def _http_error(self, status: int, body: bytes) -> LLMError:
        detail = _error_detail(body)
        where = f"the model server at {self.endpoint}"
        if status in (401, 403):
            key = (f"put the key in the environment variable {self.api_key_env}"
                   if self.api_key_env else "set write.api_key_env to the variable holding it")
            hint = ("the key sent was refused; check it" if self._sends_key
                    else f"no key was sent: {key}")
            return LLMError(f"{where} refused the request (HTTP {status}: {detail}); {hint}",
                            kind="auth")
        if status == 404:
            return LLMError(
                f"{where} answered HTTP 404 ({detail}); check write.base_url (the API root, "
                f"usually ending in /v1) and write.model ({self.model!r})", kind="http")
        if status == 400:
            return LLMError(
                f"{where} rejected the request (HTTP 400: {detail}); the prompt may be longer "
                "than the model's context, or write.model may be wrong", kind="http")
        if status in RETRY_STATUSES:
            return LLMError(f"{where} is busy or still loading (HTTP {status}: {detail}); "
                            "try again later", kind="http")
        return LLMError(f"{where} failed (HTTP {status}: {detail})", kind="http")

    def _parse(self, body: bytes) -> ChatResult:
        where = f"the model server at {self.endpoint}"
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LLMError(f"{where} answered with something that is not JSON "
                           f"({body[:80]!r}); is write.base_url an OpenAI-compatible API?",
                           kind="malformed") from exc
        if not isinstance(data, dict):
            raise LLMError(f"{where} answered JSON without an object", kind="malformed")
        if "error" in data and "choices" not in data:
            raise LLMError(f"{where} reported an error: {_error_detail(body)}", kind="http")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise LLMError(f"{where} answered without choices (not a chat completion)",
                           kind="malformed")
        choice = choices[0]
        message = choice.get("message")
        if not isinstance(message, dict):
            raise LLMError(f"{where} answered a choice without a message", kind="malformed")
        refusal = message.get("refusal")
        if isinstance(refusal, str) and refusal.strip():
            raise LLMError(f"the model refused: {refusal.strip()[:200]}", kind="refused")
        content = message.get("content")
        if isinstance(content, list):  # some servers send content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str) or not content.strip():
            raise LLMError(f"{where} sent an empty answer", kind="empty")
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return ChatResult(
            text=content,
            finish_reason=str(choice.get("finish_reason") or ""),
            model=str(data.get("model") or self.model),
            prompt_tokens=_int(usage.get("prompt_tokens")),
            completion_tokens=_int(usage.get("completion_tokens")),
            seconds=0.0,
            **_speeds(data.get("timings") if isinstance(data.get("timings"), dict) else {}),
        )

    # ------------------------------------------------------------------ server facts

    def context_size(self) -> int | None:
        """The model's context window in tokens, when the server says (llama.cpp's /props).

        The OpenAI API has no standard way to ask, so other servers give ``None`` and the
        writer falls back to a conservative default. Asked once per client.
        """
        if not self._context_asked:
            self._context_size = self._ask_context_size()
            self._context_asked = True
        return self._context_size

    def _ask_context_size(self) -> int | None:
        parts = urlsplit(self.endpoint)
        root = f"{parts.scheme}://{parts.netloc}"
        try:
            response = self._http.get(root + "/props", timeout=min(self.timeout, 5.0))
            if response.status_code != 200:
                return None
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        settings = data.get("default_generation_settings") if isinstance(data, dict) else None
        n_ctx = (settings or {}).get("n_ctx") if isinstance(settings, dict) else None
        if n_ctx is None and isinstance(data, dict):
            n_ctx = data.get("n_ctx")
        value = _int(n_ctx)
        return value if value and value > 0 else None


def _speeds(timings: dict) -> dict[str, float | None]:
    def rate(key: str) -> float | None:
        try:
            value = float(timings[key])
        except (KeyError, TypeError, ValueError):
            return None
        return value if value > 0 else None

    return {"prompt_per_second": rate("prompt_per_second"),
            "predicted_per_second": rate("predicted_per_second")}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _error_detail(body: bytes) -> str:
    """The server's own error message, short: OpenAI-style JSON or the start of the body."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text[:200] or "no details"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:200]
    if isinstance(error, str):
        return error[:200]
    return text[:200] or "no details"


def _short(exc: Exception) -> str:
    return str(exc).strip()[:160] or type(exc).__name__


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
