"""All of newsdesk's settings, in one place.

Precedence, lowest first: the defaults below, ``<data-dir>/newsdesk.toml``, environment
variables ``NEWSDESK_<SECTION>_<KEY>`` (e.g. ``NEWSDESK_FETCH_TIMEOUT=5``), then CLI flags.
Every key is documented in ``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = "newsdesk-data"
CONFIG_FILE = "newsdesk.toml"


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 15.0  # seconds, per request
    max_bytes: int = 5_000_000  # a response larger than this is refused
    max_redirects: int = 5
    user_agent: str = "newsdesk/0.1 (+https://github.com/newsdesk/newsdesk; self-hosted news desk)"
    allow_private: bool = False  # fetch from loopback/private addresses (demo and tests only)
    per_host_delay: float = 1.0  # seconds between requests to one host
    fetch_pages: bool = True  # fetch each feed entry's page for the full text
    interval: int = 900  # seconds between two polls of a source (`fetch --due`)
    workers: int = 4  # sources fetched at the same time (one host is still polled politely)


@dataclass(frozen=True)
class GroupSettings:
    stale_after_hours: float = 96.0  # a story with no new article for this long takes no more
    embedder: str = "minilm"  # "minilm" (ONNX, packaged) | "tfidf" (no model)


@dataclass(frozen=True)
class WriteSettings:
    writer: str = "extractive"  # "extractive" | "llm"
    words: int = 200  # body budget in words
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "local"
    api_key_env: str = "NEWSDESK_LLM_API_KEY"  # the name of the env var holding the key
    timeout: float = 120.0
    max_tokens: int = 700
    temperature: float = 0.2
    context_tokens: int = 0  # the model's context window; 0: ask the server, else assume 4096


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    muted_outlets: tuple[str, ...] = ()
    muted_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    group: GroupSettings = field(default_factory=GroupSettings)
    write: WriteSettings = field(default_factory=WriteSettings)
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "newsdesk.db"

    def with_section(self, section: str, **changes: Any) -> Settings:
        """A copy with some keys of one section changed (CLI flags use this)."""
        return replace(self, **{section: replace(getattr(self, section), **changes)})


SECTIONS = ("fetch", "group", "write", "web")


class SettingsError(ValueError):
    pass


def _coerce(value: Any, like: Any, where: str) -> Any:
    """Convert a TOML or environment value to the type of the default it replaces."""
    try:
        if isinstance(like, bool):
            if isinstance(value, str):
                if value.lower() in {"1", "true", "yes", "on"}:
                    return True
                if value.lower() in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(value)
            return bool(value)
        if isinstance(like, tuple):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        if like is None:
            return value
        return type(like)(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where}: cannot use {value!r} (expected {type(like).__name__})") from exc


def load_settings(data_dir: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Settings for a data directory: defaults, then its config file, then the environment."""
    env = dict(os.environ) if env is None else env
    root = Path(data_dir or env.get("NEWSDESK_DATA") or DEFAULT_DATA_DIR)
    settings = Settings(data_dir=root)
    from_file: dict[str, Any] = {}
    config = root / CONFIG_FILE
    if config.is_file():
        try:
            from_file = tomllib.loads(config.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config}: not valid TOML ({exc}); fix or delete the file") from exc
    for section in SECTIONS:
        current = getattr(settings, section)
        changes: dict[str, Any] = {}
        table = from_file.get(section, {})
        if not isinstance(table, dict):
            raise SettingsError(f"{config}: [{section}] must be a table")
        known = {f.name for f in fields(current)}
        for key, value in table.items():
            if key not in known:
                raise SettingsError(
                    f"{config}: unknown key {section}.{key}; known keys: {', '.join(sorted(known))}"
                )
            changes[key] = _coerce(value, getattr(current, key), f"{config}: {section}.{key}")
        for key in known:
            name = f"NEWSDESK_{section.upper()}_{key.upper()}"
            if name in env:
                changes[key] = _coerce(env[name], getattr(current, key), name)
        if changes:
            settings = settings.with_section(section, **changes)
    return settings
