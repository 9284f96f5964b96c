"""``newsdesk eval summarize``: ROUGE of the story writer against editors' summaries.

On every row of a summarization file (format in ../shared/eval/README.md) the extractive
writer writes a story, and in the same run, on the same articles and truncated to the same
word budget, the baselines summarise it:

* ``lead`` — first sentences of each article in turn (round-robin), as published;
* ``lexrank``, ``textrank``, ``lsa`` — sumy's implementations, with an offline sentence
  tokenizer object (sumy's default one needs NLTK data that cannot be downloaded);
* ``centroid`` — MiniLM sentence embeddings, centroid similarity with MMR;
* ``oracle`` — greedy selection against the reference itself: the ceiling, not a competitor.

ROUGE-1/2/L are F1 × 100 (rouge-score, Porter stemming on), computed on the text a reader
reads: for newsdesk the story's lede and body. The budget is the reference's word count
(``reference``) or a fixed number of words. Also reported: seconds per story (newsdesk both
with its sentences already embedded and including the embedding), and the share of published
sentences that open with a reference nothing before them resolves ("He added…" as a story's
first sentence). The gain of newsdesk over the best baseline gets a paired bootstrap interval.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsdesk.evaluation.common import median, read_jsonl
from newsdesk.models import Article
from newsdesk.understand.embed import Embedder
from newsdesk.understand.sentences import split_article
from newsdesk.write.cleanup import is_resolved, opening_reference

BASELINES = ("lead", "lexrank", "textrank", "lsa", "centroid")
SYSTEMS = ("newsdesk", *BASELINES, "oracle")
METRICS = ("rouge1", "rouge2", "rougeL")


# ---------------------------------------------------------------- data


@dataclass
class Cluster:
    """One row of a summarization file: the articles and the editor's summary."""

    id: str
    articles: list[Article]
    reference: str
    reference_headline: str = ""

    def budget(self, budget: str | int) -> int:
        return len(self.reference.split()) if budget == "reference" else int(budget)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value[:19])
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_clusters(path: str | Path, limit: int | None = None) -> list[Cluster]:
    clusters = []
    for row in read_jsonl(path, limit):
        articles = []
        for k, a in enumerate(row.get("articles", [])):
            articles.append(Article(
                url=a.get("url") or f"eval://{row['id']}/{k}", title=a.get("title") or "",
                text=a.get("text") or "", outlet=a.get("source") or "",
                published_at=_date(a.get("date"))))
        references = row.get("references") or [""]
        clusters.append(Cluster(row["id"], articles, references[0],
                                row.get("reference_headline", "")))
    return clusters


# ---------------------------------------------------------------- ROUGE


class RougeTokenizer:
    """rouge-score's own tokenisation (lowercase, alphanumerics, Porter stems for words of
    more than three letters) with the stems cached: same tokens, many times faster."""

    def __init__(self) -> None:
        from nltk.stem import porter

        self._stemmer = porter.PorterStemmer()
        self._stem = lru_cache(maxsize=200_000)(self._stemmer.stem)

    def tokenize(self, text: str) -> list[str]:
        tokens = re.split(r"\s+", re.sub(r"[^a-z0-9]+", " ", text.lower()))
        return [self._stem(t) if len(t) > 3 else t for t in tokens if t]


@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True, tokenizer=_tokenizer())


@lru_cache(maxsize=1)
def _tokenizer() -> RougeTokenizer:
    return RougeTokenizer()


def rouge(summary: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F1 × 100."""
    scores = _scorer().score(reference, summary)
    return {m: 100 * scores[m].fmeasure for m in METRICS}


def truncate(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


# ---------------------------------------------------------------- sentence pool


@dataclass
class Pick:
    """A sentence a system published, and where it came from (for the reference check)."""

    text: str
    article: int = -1
    position: int = -1


@dataclass
class Pool:
    """The sentences of a cluster's articles, as every baseline sees them."""

    texts: list[str]
    article: list[int]
    position: list[int]

    @classmethod
    def of(cls, articles: list[Article]) -> Pool:
        texts, art, pos = [], [], []
        for a_index, article in enumerate(articles):
            for span in split_article(article.text or ""):
                texts.append(span.text)
                art.append(a_index)
                pos.append(span.position)
        return cls(texts, art, pos)

    def pick(self, i: int) -> Pick:
        return Pick(self.texts[i], self.article[i], self.position[i])

    def locate(self, text: str) -> Pick:
        """The source sentence a published (possibly lightly edited) sentence came from."""
        key = _squash(text)
        for i, t in enumerate(self.texts):
            if key and key in _squash(t):
                return self.pick(i)
        return Pick(text)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def fill(picks: Iterable[Pick], words: int) -> list[Pick]:
    """Sentences in order until the budget is reached (the last one may be cut by truncation)."""
    out, total = [], 0
    for p in picks:
        if total >= words:
            break
        out.append(p)
        total += len(p.text.split())
    return out


def unresolved_openings(picks: list[Pick]) -> int:
    """How many published sentences open with a reference nothing before them resolves."""
    count = 0
    for i, p in enumerate(picks):
        previous = picks[i - 1] if i else None
        follows = (previous is not None and p.article >= 0 and previous.article == p.article
                   and previous.position == p.position - 1)
        if not is_resolved(opening_reference(p.text), [q.text for q in picks[:i]], follows):
            count += 1
    return count


# ---------------------------------------------------------------- baselines


def lead(pool: Pool, words: int) -> list[Pick]:
    """First sentences of each article in turn, then second sentences, …"""
    by_article: dict[int, list[int]] = {}
    for i, a in enumerate(pool.article):
        by_article.setdefault(a, []).append(i)
    order = []
    depth = max((len(v) for v in by_article.values()), default=0)
    for d in range(depth):
        for a in sorted(by_article):
            if d < len(by_article[a]):
                order.append(by_article[a][d])
    return fill((pool.pick(i) for i in order), words)


class SumyTokenizer:
    """The tokenizer object sumy asks for, offline: our sentence splitter and a word regex."""

    _WORDS = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")

    def to_sentences(self, text: str) -> list[str]:
        return [s.text for s in split_article(text)]

    def to_words(self, sentence: str) -> list[str]:
        return self._WORDS.findall(sentence)


@lru_cache(maxsize=3)
def _sumy(kind: str):
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    cls = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer,
           "lsa": LsaSummarizer}[kind]
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def sumy_summary(kind: str, pool: Pool, words: int) -> list[Pick]:
    """sumy's ranking of all sentences, best first, until the budget is filled."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tokenizer = SumyTokenizer()
    paragraphs: dict[int, list] = {}
    first_index: dict[str, int] = {}
    for i, (text, a) in enumerate(zip(pool.texts, pool.article, strict=True)):
        paragraphs.setdefault(a, []).append(Sentence(text, tokenizer))
        first_index.setdefault(text.strip(), i)
    if not paragraphs:
        return []
    document = ObjectDocumentModel([Paragraph(v) for _, v in sorted(paragraphs.items())])
    ranked: list = []

    def capture(infos: list) -> list:  # sumy hands the count callable the ranking
        ranked.extend(infos)
        return infos[:1]

    _sumy(kind)(document, capture)
    return fill((pool.pick(first_index[str(info.sentence).strip()]) for info in ranked), words)


def centroid_mmr(pool: Pool, vectors: np.ndarray, words: int, lam: float = 0.7) -> list[Pick]:
    """Sentences closest to the story's centroid, with maximal marginal relevance."""
    if not len(pool.texts):
        return []
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    relevance = vectors @ centroid
    chosen: list[int] = []
    remaining = set(range(len(pool.texts)))
    total = 0
    while remaining and total < words:
        best, best_value = -1, -np.inf
        for i in remaining:
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            value = lam * relevance[i] - (1 - lam) * redundancy
            if value > best_value:
                best, best_value = i, value
        chosen.append(best)
        remaining.discard(best)
        total += len(pool.texts[best].split())
    return [pool.pick(i) for i in chosen]


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: int, produced: int, wanted: int) -> float:
    if not overlap or not produced or not wanted:
        return 0.0
    p, r = overlap / produced, overlap / wanted
    return 2 * p * r / (p + r)


def oracle(pool: Pool, reference: str, words: int) -> list[Pick]:
    """Greedy extractive oracle: add the sentence that most raises ROUGE-1 + ROUGE-2 F1."""
    tok = _tokenizer()
    ref = tok.tokenize(reference)
    ref1, ref2 = _ngrams(ref, 1), _ngrams(ref, 2)
    sent_tokens = [tok.tokenize(t) for t in pool.texts]
    chosen: list[int] = []
    have: list[str] = []
    best_value, total = 0.0, 0
    while total < words:
        best = -1
        for i, toks in enumerate(sent_tokens):
            if i in chosen or not toks:
                continue
            cand = have + toks
            c1, c2 = _ngrams(cand, 1), _ngrams(cand, 2)
            value = (_f1(sum((c1 & ref1).values()), len(cand), len(ref))
                     + _f1(sum((c2 & ref2).values()), max(1, len(cand) - 1), max(1, len(ref) - 1)))
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
        have = have + sent_tokens[best]
        total += len(pool.texts[best].split())
    return [pool.pick(i) for i in chosen]


# ---------------------------------------------------------------- embeddings cache


class DiskCachedEmbedder:
    """Vectors kept in one ``.npz`` file between runs (tuning runs re-read, never re-embed)."""

    def __init__(self, inner: Embedder, path: Path | None):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.path = path
        self.seconds = 0.0  # time spent embedding (not reading the cache)
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path is not None and path.is_file():
            data = np.load(path)
            for key, row in zip(data["keys"], data["vectors"], strict=True):
                self._vectors[str(key)] = row

    @staticmethod
    def key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            first = dict(zip(keys, texts, strict=True))
            start = time.perf_counter()
            fresh = self.inner.embed([first[k] for k in missing])
            self.seconds += time.perf_counter() - start
            self._vectors.update(zip(missing, fresh, strict=True))
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        keys = np.array(list(self._vectors), dtype="U24")
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.path)
        self._dirty = False


def cache_path(cache_dir: Path | None, dataset: Path, embedder: Embedder) -> Path | None:
    if cache_dir is None:
        return None
    from newsdesk.evaluation.gate import file_sha256

    return cache_dir / f"summarize-{file_sha256(dataset)[:16]}-{embedder.name}.npz"


# ---------------------------------------------------------------- the run


def _parse(articles: list[Article]) -> float:
    """Parse every sentence once (the facts module caches parses by text); the seconds."""
    try:
        from newsdesk.understand.facts import extract_facts
    except ImportError:
        return 0.0
    from newsdesk.write.plan import article_sentences

    start = time.perf_counter()
    for article in articles:
        extract_facts([s.text for s in article_sentences(article)], article.published_at)
    return time.perf_counter() - start


@dataclass
class SystemResult:
    rows: list[dict[str, float]] = field(default_factory=list)  # per row: rouge1/2/L
    seconds: list[float] = field(default_factory=list)
    seconds_cold: list[float] = field(default_factory=list)  # newsdesk: embedding, parsing too
    sentences: int = 0
    unresolved: int = 0
    uncited: int = 0
    words: list[int] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        return float(np.mean([r[metric] for r in self.rows])) if self.rows else float("nan")

    def summary(self) -> dict[str, float]:
        out = {m: round(self.mean(m), 2) for m in METRICS}
        out["seconds_per_story"] = round(median(self.seconds), 4)
        if self.seconds_cold:
            out["seconds_per_story_with_embedding"] = round(median(self.seconds_cold), 4)
        out["unresolved_share"] = round(self.unresolved / self.sentences, 4) \
            if self.sentences else 0.0
        out["words"] = float(median([float(w) for w in self.words]))
        return out


@dataclass
class Report:
    dataset: str
    rows: int
    budget: str
    results: dict[str, SystemResult]
    examples: list[dict] = field(default_factory=list)

    def best_baseline(self, metric: str) -> str:
        names = [n for n in BASELINES if n in self.results]
        return max(names, key=lambda n: self.results[n].mean(metric))

    def gains(self, samples: int = 2000, seed: int = 0) -> dict[str, dict[str, float]]:
        """newsdesk minus the best baseline of each metric, with a paired bootstrap 95% CI."""
        if "newsdesk" not in self.results or not any(n in self.results for n in BASELINES):
            return {}
        rng = np.random.default_rng(seed)
        out = {}
        mine = self.results["newsdesk"]
        n = len(mine.rows)
        draws = rng.integers(0, n, size=(samples, n))
        for metric in METRICS:
            best = self.best_baseline(metric)
            diff = np.array([a[metric] - b[metric]
                             for a, b in zip(mine.rows, self.results[best].rows, strict=True)])
            means = diff[draws].mean(axis=1)
            out[metric] = {"baseline": best, "gain": round(float(diff.mean()), 2),
                           "ci_low": round(float(np.percentile(means, 2.5)), 2),
                           "ci_high": round(float(np.percentile(means, 97.5)), 2)}
        return out

    def to_dict(self) -> dict:
        out: dict = {name: r.summary() for name, r in self.results.items()}
        out["newsdesk_gain_over_best_baseline"] = self.gains()
        if "newsdesk" in self.results:
            out["newsdesk"]["uncited_sentences"] = self.results["newsdesk"].uncited
        out["dataset"] = self.dataset
        out["rows"] = self.rows
        out["budget"] = self.budget
        return out


def evaluate(dataset: Path, *, limit: int | None = None, budget: str | int = "reference",
             systems: Iterable[str] = SYSTEMS, embedder: Embedder | None = None,
             cache_dir: Path | None = None, writer_factory: Callable | None = None,
             progress: Callable[[int, int], None] | None = None,
             examples: int = 0) -> Report:
    """Run newsdesk and the baselines on the same rows; see the module docstring."""
    from newsdesk.understand.embed import get_embedder
    from newsdesk.write.plan import texts_to_embed

    systems = [s for s in SYSTEMS if s in set(systems)]
    clusters = load_clusters(dataset, limit)
    inner = embedder or get_embedder("minilm")
    cached = DiskCachedEmbedder(inner, cache_path(cache_dir, dataset, inner))
    writer = None
    if "newsdesk" in systems:
        if writer_factory is not None:
            writer = writer_factory(cached)
        else:
            from newsdesk.write.extractive import ExtractiveWriter

            writer = ExtractiveWriter(embedder=cached)
    results = {name: SystemResult() for name in systems}
    shown: list[dict] = []
    try:
        for done, cluster in enumerate(clusters):
            words = cluster.budget(budget)
            pool = Pool.of(cluster.articles)
            # Embedding and parsing first, timed on their own: the write is then timed with
            # them done, as in the pipeline, where both are cached when articles arrive.
            before = cached.seconds
            cached.embed(texts_to_embed(cluster.articles))
            prepare_seconds = cached.seconds - before
            if writer is not None:
                prepare_seconds += _parse(cluster.articles)
            for name in systems:
                start = time.perf_counter()
                if name == "newsdesk":
                    assert writer is not None
                    story = writer.write(cluster.articles, words=words)
                    body = story.body_sentences()
                    picks = [pool.locate(s.text) for s in body]
                    for p, s in zip(picks, body, strict=True):
                        p.text = s.text
                    results[name].uncited += sum(1 for s in body if not s.citations)
                    if len(shown) < examples:
                        shown.append({"id": cluster.id, "story": story,
                                      "reference": cluster.reference})
                elif name == "lead":
                    picks = lead(pool, words)
                elif name in ("lexrank", "textrank", "lsa"):
                    picks = sumy_summary(name, pool, words)
                elif name == "centroid":
                    picks = centroid_mmr(pool, cached.embed(pool.texts), words)
                else:
                    picks = oracle(pool, cluster.reference, words)
                elapsed = time.perf_counter() - start
                result = results[name]
                result.seconds.append(elapsed)
                if name == "newsdesk":
                    result.seconds_cold.append(elapsed + prepare_seconds)
                text = truncate(" ".join(p.text for p in picks), words)
                result.rows.append(rouge(text, cluster.reference))
                result.words.append(len(text.split()))
                result.sentences += len(picks)
                result.unresolved += unresolved_openings(picks)
            if progress:
                progress(done + 1, len(clusters))
    finally:
        cached.save()
    return Report(dataset.name, len(clusters), str(budget), results, shown)
