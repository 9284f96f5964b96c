"""Story clustering, measured: ``newsdesk eval cluster FILE.jsonl``.

Rows of the clustering format of ../shared/eval/README.md (``id, title, text, date,
cluster_id``) are fed one by one, in order of date, through ``StoryIndex.add`` — the code path
that groups every fetch — and the stories it forms are scored against the gold clusters with
pair-counting and B-cubed precision, recall and F1. Rows without a date keep no time signal;
they arrive in a fixed pseudo-random order (by a hash of their id), never in file order, which
in these files lists each gold cluster's rows together and would flatter an online method.

In the same run, on the same rows, three baselines:

* ``tfidf_agglomerative``: TF-IDF cosine (sublinear tf, English stop words) with
  average-linkage agglomerative clustering;
* ``minilm_agglomerative``: the same clustering on the MiniLM embeddings newsdesk computed;
* ``minilm_single_pass``: single-pass centroid clustering on those embeddings.

Their similarity thresholds were tuned once on clustering_allsides_2021.jsonl (scan in
``benchmarks/cluster_baselines.py``) and are used unchanged on every file, like newsdesk's.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from newsdesk.evaluation.common import measure, median, percentile, read_jsonl
from newsdesk.group.index import GroupConfig, GroupDoc, StoryIndex, build_docs
from newsdesk.group.metrics import bcubed_scores, pair_scores

# Cosine thresholds of the baselines: best B-cubed F1 on clustering_allsides_2021.jsonl
# (`benchmarks/cluster_baselines.py`, on the embeddings of the default GroupConfig).
TFIDF_AGGLOMERATIVE_THRESHOLD = 0.25
MINILM_AGGLOMERATIVE_THRESHOLD = 0.65
MINILM_SINGLE_PASS_THRESHOLD = 0.675

BASELINES = ("tfidf_agglomerative", "minilm_agglomerative", "minilm_single_pass")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class DatasetError(ValueError):
    pass


@dataclass
class ClusterRow:
    id: str
    title: str
    text: str
    when: datetime | None
    gold: str


def parse_date(value: str) -> datetime | None:
    """A row's date (ISO day or timestamp) as an aware UTC datetime; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DatasetError(f"unreadable date {value!r} (expected ISO 8601)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_rows(path: str | Path, limit: int | None = None) -> list[ClusterRow]:
    """Rows of a clustering file; a row without id, text or cluster_id is an error."""
    rows = []
    seen: set[str] = set()
    for number, raw in enumerate(read_jsonl(path, limit), start=1):
        missing = [k for k in ("id", "text", "cluster_id") if k not in raw]
        if missing:
            raise DatasetError(f"{path}: row {number} has no {', '.join(missing)}; the "
                               "clustering format is {id, title, text, date, cluster_id}")
        key = str(raw["id"])
        if key in seen:
            raise DatasetError(f"{path}: row {number} repeats the id {key!r}")
        seen.add(key)
        try:
            when = parse_date(str(raw.get("date") or ""))
        except DatasetError as exc:
            raise DatasetError(f"{path}: row {number}: {exc}") from exc
        rows.append(ClusterRow(key, str(raw.get("title") or ""), str(raw["text"]), when,
                               str(raw["cluster_id"])))
    return rows


def arrival_order(rows: list[ClusterRow]) -> list[int]:
    """Row positions in order of arrival: by date, ties and undated rows by a hash of the id."""
    def key(i: int) -> tuple[float, str]:
        when = rows[i].when
        return (when.timestamp() if when else float("-inf"),
                hashlib.sha1(rows[i].id.encode()).hexdigest())

    return sorted(range(len(rows)), key=key)


def scores(labels: dict[str, object], gold: dict[str, str]) -> dict[str, float]:
    pair = pair_scores(labels, gold)
    b3 = bcubed_scores(labels, gold)
    return {
        "pair_precision": pair.precision, "pair_recall": pair.recall, "pair_f1": pair.f1,
        "bcubed_precision": b3.precision, "bcubed_recall": b3.recall, "bcubed_f1": b3.f1,
        "clusters": len(set(labels.values())), "gold_clusters": len(set(gold.values())),
    }


# ------------------------------------------------------------------------------ newsdesk


def group_rows(rows: list[ClusterRow], docs: list[GroupDoc], config: GroupConfig,
               progress: Progress | None = None) -> tuple[StoryIndex, list[float]]:
    """Feed the rows through the online index in arrival order; per-article seconds too."""
    index = StoryIndex(config, dim=docs[0].vector.shape[0] if docs else 384)
    latencies = []
    order = arrival_order(rows)
    for done, i in enumerate(order, start=1):
        start = time.perf_counter()
        index.add(docs[i])
        latencies.append(time.perf_counter() - start)
        if progress and (done % 200 == 0 or done == len(order)):
            progress("grouping", done, len(order))
    return index, latencies


def full_index_latency(index: StoryIndex, docs: list[GroupDoc], sample: int = 300
                       ) -> list[float]:
    """Seconds to match articles against the finished index (which holds every row)."""
    rng = np.random.default_rng(0)
    picks = rng.choice(len(docs), size=min(sample, len(docs)), replace=False)
    out = []
    for i in picks.tolist():
        start = time.perf_counter()
        index.match(docs[i])
        out.append(time.perf_counter() - start)
    return out


def embed_rows(rows: list[ClusterRow], embedder, config: GroupConfig,
               progress: Progress | None = None, batch: int = 256) -> list[GroupDoc]:
    items = [(r.id, r.title, r.text, r.when) for r in rows]
    docs: list[GroupDoc] = []
    for start in range(0, len(items), batch):
        docs.extend(build_docs(items[start:start + batch], embedder, config))
        if progress:
            progress("embedding", len(docs), len(items))
    return docs


# ------------------------------------------------------------------------------ baselines


def _average_linkage(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage agglomerative clusters of a cosine similarity matrix, cut at a cosine."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = len(similarity)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    distance = 1.0 - similarity.astype(np.float64)
    np.fill_diagonal(distance, 0.0)
    np.clip(distance, 0.0, 2.0, out=distance)
    condensed = squareform(distance, checks=False)
    del distance
    tree = linkage(condensed, method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance")


def tfidf_agglomerative(rows: list[ClusterRow],
                        threshold: float = TFIDF_AGGLOMERATIVE_THRESHOLD) -> dict[str, int]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32
                             ).fit_transform([f"{r.title}\n{r.text}" for r in rows])
    labels = _average_linkage((matrix @ matrix.T).toarray(), threshold)
    return {r.id: int(label) for r, label in zip(rows, labels, strict=True)}


def minilm_agglomerative(rows: list[ClusterRow], vectors: np.ndarray,
                         threshold: float = MINILM_AGGLOMERATIVE_THRESHOLD) -> dict[str, int]:
    labels = _average_linkage(vectors @ vectors.T, threshold)
    return {r.id: int(label) for r, label in zip(rows, labels, strict=True)}


def minilm_single_pass(rows: list[ClusterRow], vectors: np.ndarray,
                       threshold: float = MINILM_SINGLE_PASS_THRESHOLD) -> dict[str, int]:
    """Each row joins the nearest cluster centroid if the cosine reaches ``threshold``."""
    sums = np.zeros((max(1, len(rows)), vectors.shape[1] if len(vectors) else 1), np.float32)
    centroids = np.zeros_like(sums)
    count = 0
    labels: dict[str, int] = {}
    for i in arrival_order(rows):
        vector = vectors[i]
        best = -1
        if count:
            sims = centroids[:count] @ vector
            best = int(np.argmax(sims))
            if sims[best] < threshold:
                best = -1
        if best < 0:
            best = count
            count += 1
        sums[best] += vector
        centroids[best] = sums[best] / max(float(np.linalg.norm(sums[best])), 1e-12)
        labels[rows[i].id] = best
    return labels


# ------------------------------------------------------------------------------ the run


def evaluate(path: str | Path, limit: int | None = None, baselines: bool = True,
             embedder=None, config: GroupConfig | None = None, rebuild: bool = False,
             progress: Progress | None = None) -> dict[str, dict[str, float]]:
    """Every figure of ``newsdesk eval cluster``: newsdesk first, then each baseline.

    With ``rebuild`` also ``newsdesk_rebuild``: the batch pass of ``stories rebuild`` over
    the whole file at once (its seconds exclude the embedding it shares with newsdesk).
    """
    config = config or GroupConfig()
    rows = load_rows(path, limit)
    if not rows:
        raise DatasetError(f"{path}: no rows")
    gold = {r.id: r.gold for r in rows}
    out: dict[str, dict[str, float]] = {}

    with measure() as total:
        if embedder is None:
            from newsdesk.understand.embed import get_embedder

            embedder = get_embedder("minilm")
        with measure() as embedding:
            docs = embed_rows(rows, embedder, config, progress)
        with measure() as grouping:
            index, latencies = group_rows(rows, docs, config, progress)
    figures = scores(index.labels(), gold)
    at_full = full_index_latency(index, docs)
    figures.update({
        "seconds": total.seconds,
        "peak_rss_mb": total.peak_rss_mb,
        "articles": len(rows),
        "articles_per_second": len(rows) / total.seconds if total.seconds else 0.0,
        "embed_seconds": embedding.seconds,
        "group_seconds": grouping.seconds,
        "latency_median_ms": 1000 * median(latencies),
        "latency_p99_ms": 1000 * percentile(latencies, 99),
        "full_index_latency_median_ms": 1000 * median(at_full),
        "full_index_latency_p99_ms": 1000 * percentile(at_full, 99),
    })
    out["newsdesk"] = figures
    if rebuild:
        from newsdesk.group.batch import cluster_batch

        with measure() as batch:
            clusters = cluster_batch(docs, config, order=arrival_order(rows), progress=progress)
        labels = {key: n for n, members in enumerate(clusters) for key in members}
        figures = scores(labels, gold)
        figures.update({"seconds": batch.seconds, "peak_rss_mb": batch.peak_rss_mb})
        out["newsdesk_rebuild"] = figures
    if not baselines:
        return out

    vectors = np.stack([d.vector for d in docs]).astype(np.float32)
    runs: list[tuple[str, Callable[[], dict[str, int]], float]] = [
        ("tfidf_agglomerative", lambda: tfidf_agglomerative(rows), 0.0),
        # These reuse newsdesk's embeddings: their time includes what embedding cost.
        ("minilm_agglomerative", lambda: minilm_agglomerative(rows, vectors), embedding.seconds),
        ("minilm_single_pass", lambda: minilm_single_pass(rows, vectors), embedding.seconds),
    ]
    for name, run, shared_seconds in runs:
        if progress:
            progress(name, 0, 1)
        with measure() as m:
            labels = run()
        figures = scores(labels, gold)
        figures.update({"seconds": m.seconds + shared_seconds, "peak_rss_mb": m.peak_rss_mb})
        out[name] = figures
        if progress:
            progress(name, 1, 1)
    return out
