"""The writer protocol, the writer registry, and the checks every story passes on its way out.

A writer turns the articles of one story into a ``WrittenStory``::

    writer = get_writer(settings, store=store)
    story = writer.write(articles, words=settings.write.words)

``ExtractiveWriter`` (the default, offline) selects and lightly edits source sentences; an LLM
writer plugs in beside it with ``register_writer("llm", factory)`` and reuses the same story
plan (``newsdesk.write.plan``). Whatever wrote the story, ``finish`` runs it through the
verification step (when installed) and attaches the cross-source conflicts, so this is the
one place where a story is checked before anyone sees it.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from newsdesk.models import Article, WrittenStory

if TYPE_CHECKING:
    from newsdesk.settings import Settings
    from newsdesk.store import Store


@runtime_checkable
class Writer(Protocol):
    name: str

    def write(self, articles: list[Article], *, words: int = 200) -> WrittenStory:
        """One story from the articles of one event; every sentence cites its sources.

        ``words`` bounds the lede and body together; no sentence is cut to meet it. Articles
        may come in any order and may have no id (files, pages). An empty list gives an empty
        story with a warning, never an exception.
        """
        ...


WriterFactory = Callable[["Settings", "Store | None"], Writer]
_FACTORIES: dict[str, WriterFactory] = {}
# Writers that live in their own module register themselves when it is imported.
_MODULES = {"extractive": "newsdesk.write.extractive", "llm": "newsdesk.write.llm"}


def register_writer(name: str, factory: WriterFactory) -> None:
    _FACTORIES[name] = factory


def get_writer(settings: Settings, store: Store | None = None) -> Writer:
    """The writer the settings ask for (``write.writer``), with cached embeddings if a store
    is given."""
    name = settings.write.writer
    if name not in _FACTORIES and name in _MODULES:
        try:
            importlib.import_module(_MODULES[name])
        except ImportError as exc:
            raise ValueError(f"the {name!r} writer is not available ({exc}); set "
                             "write.writer = \"extractive\" in newsdesk.toml") from exc
    if name not in _FACTORIES:
        known = ", ".join(sorted(set(_FACTORIES) | set(_MODULES)))
        raise ValueError(f"unknown writer {name!r} (write.writer); known writers: {known}")
    return _FACTORIES[name](settings, store)


def story_embedder(settings: Settings | None = None, store: Store | None = None) -> Any:
    """The sentence embedder writers use: the configured model, cached in the store if given."""
    from newsdesk.understand.embed import CachedEmbedder, EmbedderUnavailable, get_embedder

    kind = settings.group.embedder if settings else "minilm"
    try:
        embedder = get_embedder(kind)
    except EmbedderUnavailable:
        embedder = get_embedder("tfidf")
    return CachedEmbedder(embedder, store) if store is not None else embedder


class RememberingEmbedder:
    """Keeps the vectors of recent texts in memory, so that the writer and the verifier of a
    story (and its next update) embed each sentence once even without a store."""

    def __init__(self, inner: Any, capacity: int = 50_000):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.capacity = capacity
        self._vectors: OrderedDict[str, Any] = OrderedDict()

    def embed(self, texts: list[str]) -> Any:
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self._vectors[text] = vector
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts]).astype(np.float32)


def remembering(embedder: Any) -> Any:
    """``embedder`` with an in-memory cache, unless it already caches (store or disk)."""
    if embedder is None or isinstance(embedder, RememberingEmbedder) or hasattr(
            embedder, "store") or hasattr(embedder, "save"):
        return embedder
    return RememberingEmbedder(embedder)


def _verification() -> Any:
    """The verification module, if this installation has it."""
    try:
        return importlib.import_module("newsdesk.verify")
    except ImportError:
        return None


def story_conflicts(articles: list[Article]) -> list:
    """Where the story's sources disagree (``find_conflicts``); [] without verification."""
    verify = _verification()
    find_conflicts = getattr(verify, "find_conflicts", None) if verify else None
    if find_conflicts is None or len(articles) < 2:
        return []
    return find_conflicts(articles)


def finish(story: WrittenStory, articles: list[Article], embedder: Any = None,
           conflicts: list | None = None) -> WrittenStory:
    """Verify a written story against its sources and attach where the sources differ.

    The verifier drops or marks what its cited sources do not support (``verify_story``);
    ``find_conflicts`` lists the facts on which outlets disagree ("Sources differ: …") unless
    the writer already found them (``conflicts``). ``articles`` must be in the order the
    story numbers its sources (each article, then its carriers); ``embedder`` is the
    writer's, so sentences embedded for writing are reused. Without the verification module
    the story passes unchanged, its sentences unverified.
    """
    verify = _verification()
    if verify is None:
        return story
    verify_story = getattr(verify, "verify_story", None)
    if verify_story is not None and story.sources:
        story = verify_story(story, articles, embedder=embedder)
    if conflicts is None:
        conflicts = story_conflicts(articles)
    story.conflicts = _renumber_conflicts(conflicts, story)
    return story


def _renumber_conflicts(conflicts: list, story: WrittenStory) -> list:
    """Keep only conflicts whose citations point at this story's sources."""
    numbers = {s.number for s in story.sources}
    kept = []
    for conflict in conflicts:
        if all(set(v.citations) <= numbers for v in conflict.values):
            kept.append(conflict)
    return kept
