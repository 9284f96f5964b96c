"""Online story assignment over an in-memory index: the heart of story detection.

Articles arrive one at a time, in order of time. Each joins the open story it matches best, or
opens a new one when no story matches well enough. A match is scored from

* the mean cosine between the article's embedding (MiniLM over the title, or the opening words
  of an untitled text) and the story's members' embeddings;
* the mean TF-IDF cosine between the article and the story's members, over the title and the
  opening of the text, with document frequencies that grow as articles arrive (nothing is
  known about articles that have not arrived yet; a prior from general English word
  frequencies stands in at the start);
* the article's *background*: how well it matches the runner-up stories. An article on a
  crowded topic (the tenth coronavirus story this month) must beat its neighbours by a wider
  margin than one on a topic of its own. Margins over the background mean the same on short
  excerpts and on long articles, where absolute similarities do not, so one configuration
  serves every kind of feed;
* the time between the article and the story: one event is reported within days. A story with
  no article for ``stale_after_hours`` takes no more.

Means over members (average linkage), not cosines to a normalised centroid: a story that has
absorbed two events has a short mean vector and attracts less, so mistakes do not snowball.
Stories quiet for ``forget_after_days`` leave the index, which bounds its size on a long feed.

Candidates are the stories with the nearest mean embedding (one matrix-vector product over the
index), rescored on all signals, so the cost per article stays small as the index grows.

The same index serves the evaluation (``newsdesk eval cluster``, no store) and the pipeline
(``newsdesk.group.service``, which restores the recent stories from the store).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from newsdesk.group.text import document_share, embedding_text, terms


@dataclass(frozen=True)
class GroupConfig:
    """How articles are matched to stories: one configuration for every kind of feed.

    The match score is a weighted sum of the features of ``FEATURES`` less ``bias``; an
    article joins its best story when the score reaches ``threshold``. The weights were chosen
    on the development files (clustering_allsides_2021 with and without its dates,
    clustering_multinews_val) by a small grid. ``benchmarks/cluster_fit.py`` fits them by
    logistic regression instead: it finds the same shape (embedding and terms weighed alike,
    each against its background at about the same weight) but a per-pair optimum that scores
    lower B-cubed F1 on multinews, so the grid's values stay.
    """

    embed_words: int = 16  # body words embedded after the title
    embed_words_untitled: int = 64  # opening words embedded when an article has no title
    term_words: int = 300  # body words counted for TF-IDF
    title_weight: int = 2  # a title term counts this many times among the text's terms
    # Document frequencies start from this many pseudo-articles whose words follow general
    # English frequencies (``document_share``), so the first articles of a feed are weighed
    # sensibly; the feed's own counts take over as they grow.
    df_prior_docs: float = 300.0
    w_embed: float = 0.5  # mean embedding cosine with the story's members
    w_terms: float = 0.5  # mean TF-IDF cosine with the story's members
    w_background_embed: float = 0.5  # mean embedding cosine of the runner-up stories
    w_background_terms: float = 0.5  # mean TF-IDF cosine of the runner-up stories
    w_gap: float = 0.05  # per day between the article and the story (up to ``max_gap_days``)
    max_gap_days: float = 3.0
    bias: float = 0.13
    threshold: float = 0.0
    # Untitled texts open with datelines, bylines and teasers, which an embedding of their
    # opening words takes for content: their embedding signal is blended with their terms'.
    untitled_embed_share: float = 0.5
    stale_after_hours: float = 96.0  # a story quiet for this long takes no more articles
    candidates: int = 16  # nearest stories (by mean embedding) rescored on all signals
    background_k: int = 8  # runner-ups averaged into the background
    # Until an index holds k runner-ups, the missing ones count as the typical runner-up seen
    # so far; before anything is seen, as these (worth ``background_prior_count`` sightings).
    background_prior_embed: float = 0.3
    background_prior_terms: float = 0.05
    background_prior_count: float = 50.0
    forget_after_days: float = 30.0  # stories quiet this long leave the index (background too)
    # After each article, the members of its nearest other stories that now fit the
    # article's story better than their own move there (a local re-placement; see ``_repair``).
    repair_stories: int = 2

    def weights(self) -> np.ndarray:
        """The weight of each column of ``FEATURES`` in the match score."""
        return np.array([sign * getattr(self, name) for name, sign in _WEIGHTS])

    def with_weights(self, weights: dict[str, float], bias: float) -> GroupConfig:
        """A copy with the score's weights given per feature (as a fit yields them)."""
        changes = {name: sign * weights[feature]
                   for feature, (name, sign) in zip(FEATURES, _WEIGHTS, strict=True)}
        return replace(self, bias=bias, **changes)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Match scores of rows of ``FEATURES``."""
        return features @ self.weights() - self.bias


# The columns of a candidate's feature row (``StoryIndex.candidates``).
FEATURES = ("embed", "terms", "background_embed", "background_terms", "gap_days")
# The config field holding each feature's weight, and its sign in the score.
_WEIGHTS = (("w_embed", 1), ("w_terms", 1), ("w_background_embed", -1),
            ("w_background_terms", -1), ("w_gap", -1))


@dataclass
class GroupDoc:
    """One article as the grouping step sees it."""

    key: Hashable  # the caller's id (article id, dataset row id)
    title: str
    text: str
    when: datetime | None  # publish time; None when unknown (no time signal then)
    vector: np.ndarray  # L2-normalised embedding of ``embedding_text(title, text, ...)``


@dataclass
class Assignment:
    key: Hashable
    story: int  # the index's story number
    score: float  # the match score; nan when the index had no candidate story
    opened: bool
    # Earlier articles this one drew into its story: (key, story number it left).
    moved: list[tuple[Hashable, int]] = field(default_factory=list)


@dataclass
class Candidates:
    """The stories an article could join, with their feature rows (one per story)."""

    stories: np.ndarray  # story numbers
    features: np.ndarray  # shape (len(stories), len(FEATURES))


def _hours(when: datetime | None) -> float:
    if when is None:
        return math.nan
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() / 3600.0


@dataclass
class _Terms:
    """An article's terms, counted and weighed with the document frequencies of its arrival."""

    counts: dict[int, float]
    weights: dict[int, float]  # sublinear tf × idf
    norm: float
    titled: bool


@dataclass
class _Story:
    members: list[Hashable] = field(default_factory=list)
    # Sums over members of their unit-length term vectors, stored without idf so the story is
    # re-weighed with the document frequencies of the day whenever it is matched.
    terms: dict[int, float] = field(default_factory=dict)
    # Per member, in the order of ``members``: what the sums are made of.
    vectors: list[np.ndarray] = field(default_factory=list)
    member_terms: list[dict[int, float]] = field(default_factory=list)  # unit, without idf
    times: list[float] = field(default_factory=list)


class StoryIndex:
    """Stories and what is needed to match new articles to them, all in memory."""

    def __init__(self, config: GroupConfig | None = None, dim: int = 384):
        self.config = config or GroupConfig()
        self.dim = dim
        self._vocab: dict[str, int] = {}
        self._df = np.zeros(4096, dtype=np.float64)
        self._prior = np.zeros(4096, dtype=np.float64)  # pseudo-counts from ``document_share``
        self._docs = 0
        self._idf = np.zeros(0)
        self._idf_docs = -1
        self._stories: list[_Story] = []
        capacity = 64
        self._sums = np.zeros((capacity, dim), dtype=np.float32)  # embedding sums per story
        self._means = np.zeros((capacity, dim), dtype=np.float32)  # sums / member count
        self._first = np.full(capacity, np.nan)  # hours since the epoch; nan: no time known
        self._last = np.full(capacity, np.nan)
        self._live = np.zeros(capacity, dtype=bool)  # False: forgotten or never used
        self._story_of: dict[Hashable, int] = {}
        self._newest = math.nan  # the latest article time seen
        # Running sums of the runner-up values seen (embedding, terms) and their count.
        self._runner_sums = np.zeros(2)
        self._runner_count = 0

    # ------------------------------------------------------------------ public

    def __len__(self) -> int:
        return len(self._story_of)

    @property
    def story_count(self) -> int:
        return sum(1 for s in self._stories if s.members)

    def story_of(self, key: Hashable) -> int | None:
        return self._story_of.get(key)

    def members(self, story: int) -> list[Hashable]:
        return list(self._stories[story].members)

    def stories(self) -> dict[int, list[Hashable]]:
        """Every story: number → member keys in order of arrival."""
        return {n: list(s.members) for n, s in enumerate(self._stories) if s.members}

    def labels(self) -> dict[Hashable, int]:
        """Every article's story number."""
        return dict(self._story_of)

    def mean_vector(self, story: int) -> np.ndarray:
        return self._means[story].copy()

    def observe(self, title: str, text: str) -> None:
        """Count an article into the document frequencies without grouping it.

        The pipeline primes the index with articles it already holds, so that term weights are
        as informed as if the index had seen them arrive.
        """
        self._count_df(self._term_ids(title, text))

    def add(self, doc: GroupDoc, count: bool = True) -> Assignment:
        """Assign one article: join the best-matching open story or open a new one.

        ``count=False`` when the article's terms were already counted (``observe``).
        """
        if doc.key in self._story_of:
            return Assignment(doc.key, self._story_of[doc.key], math.nan, False)
        counts = self._term_ids(doc.title, doc.text)
        if count:
            self._count_df(counts)
        article = self._weigh(doc.title, counts)
        when = _hours(doc.when)
        vector = np.asarray(doc.vector, dtype=np.float32)
        with _one_blas_thread():
            self._forget(when)
            found = self._candidates(vector, article, when)
        best, score = self._best(found)
        if best is None or score < self.config.threshold:
            best = self._open_story()
            opened = True
        else:
            opened = False
        self._join(best, doc.key, vector, article, when)
        moved = self._repair(best, found) if self.config.repair_stories else []
        return Assignment(doc.key, best, score, opened, moved)

    def match(self, doc: GroupDoc) -> tuple[int | None, float]:
        """The story an article would join and its score, without changing the index.

        The story is ``None`` when the article would open a new one.
        """
        article = self._weigh(doc.title, self._term_ids(doc.title, doc.text, grow=False))
        with _one_blas_thread():
            found = self._candidates(np.asarray(doc.vector, dtype=np.float32), article,
                                     _hours(doc.when), learn=False)
        best, score = self._best(found)
        if best is None or score < self.config.threshold:
            return None, score
        return best, score

    def candidates(self, doc: GroupDoc, count: bool = True) -> Candidates:
        """The open stories an article could join and their feature rows (``FEATURES``).

        With ``count`` the article's terms enter the document frequencies (as ``add`` would);
        fitting the score's weights uses this together with ``join``.
        """
        counts = self._term_ids(doc.title, doc.text, grow=True)
        if count:
            self._count_df(counts)
        article = self._weigh(doc.title, counts)
        when = _hours(doc.when)
        with _one_blas_thread():
            self._forget(when)
            return self._candidates(np.asarray(doc.vector, dtype=np.float32), article, when)

    def join(self, doc: GroupDoc, story: int | None) -> int:
        """Put an article into a given story (``None``: a new one), bypassing the match.

        For restoring stories from the store and for fitting; returns the story number. The
        article's terms are not counted into the document frequencies (see ``observe``).
        """
        if doc.key in self._story_of:
            raise ValueError(f"{doc.key!r} is already in story {self._story_of[doc.key]}")
        counts = self._term_ids(doc.title, doc.text)
        article = self._weigh(doc.title, counts)
        number = self._open_story() if story is None else story
        self._join(number, doc.key, np.asarray(doc.vector, dtype=np.float32), article,
                   _hours(doc.when))
        return number

    def remove(self, key: Hashable) -> int:
        """Take an article out of its story (the batch pass re-matches it); its story number.

        A story left empty stays in the index as an empty slot that matches nothing.
        """
        number = self._story_of.pop(key)
        story = self._stories[number]
        at = story.members.index(key)
        for column in (story.members, story.vectors, story.member_terms, story.times):
            del column[at]
        story.terms = {}
        for own in story.member_terms:
            _add_into(story.terms, own)
        if story.members:
            self._sums[number] = np.sum(story.vectors, axis=0)
            self._means[number] = self._sums[number] / len(story.members)
        else:
            self._sums[number] = 0.0
            self._means[number] = 0.0
            self._live[number] = False
        known = [t for t in story.times if not math.isnan(t)]
        self._first[number] = min(known) if known else np.nan
        self._last[number] = max(known) if known else np.nan
        return number

    # ------------------------------------------------------------------ terms

    def _term_ids(self, title: str, text: str, grow: bool = True) -> dict[int, float]:
        config = self.config
        out: dict[int, float] = {}
        vocab = self._vocab
        for term, count in terms(title, text, config.term_words, config.title_weight).items():
            term_id = vocab.get(term)
            if term_id is None:
                if not grow:
                    continue
                term_id = len(vocab)
                vocab[term] = term_id
                if term_id >= len(self._df):
                    self._grow_terms(term_id + 1)
                if config.df_prior_docs:
                    self._prior[term_id] = config.df_prior_docs * document_share(term)
            out[term_id] = count
        return out

    def _grow_terms(self, size: int) -> None:
        size = max(size, 2 * len(self._df))
        for name in ("_df", "_prior"):
            old = getattr(self, name)
            grown = np.zeros(size, dtype=np.float64)
            grown[:len(old)] = old
            setattr(self, name, grown)

    def _count_df(self, counts: dict[int, float]) -> None:
        if counts:
            self._df[np.fromiter(counts, dtype=np.int64, count=len(counts))] += 1
        self._docs += 1

    def _idf_table(self) -> np.ndarray:
        if self._idf_docs != self._docs or len(self._idf) != len(self._df):
            docs = 1.0 + self._docs + self.config.df_prior_docs
            self._idf = np.log(docs / (1.0 + self._df + self._prior)) + 1.0
            self._idf_docs = self._docs
        return self._idf

    def _weigh(self, title: str, counts: dict[int, float]) -> _Terms:
        """Sublinear tf × the current idf for an article's terms."""
        weights, norm = _tfidf(counts, self._idf_table())
        return _Terms(counts, weights, norm, bool(title.strip()))

    # ------------------------------------------------------------------ stories

    def _open_story(self) -> int:
        number = len(self._stories)
        if number >= len(self._sums):
            grow = len(self._sums)
            self._sums = np.vstack([self._sums, np.zeros((grow, self.dim), np.float32)])
            self._means = np.vstack([self._means, np.zeros((grow, self.dim), np.float32)])
            self._first = np.concatenate([self._first, np.full(grow, np.nan)])
            self._last = np.concatenate([self._last, np.full(grow, np.nan)])
            self._live = np.concatenate([self._live, np.zeros(grow, dtype=bool)])
        self._stories.append(_Story())
        self._live[number] = True
        return number

    def _join(self, number: int, key: Hashable, vector: np.ndarray, article: _Terms,
              when: float) -> None:
        story = self._stories[number]
        story.members.append(key)
        self._story_of[key] = number
        self._sums[number] += vector
        self._means[number] = self._sums[number] / len(story.members)
        own: dict[int, float] = {}
        _accumulate(own, article.weights, article.norm, self._idf)
        _add_into(story.terms, own)
        story.member_terms.append(own)
        story.vectors.append(vector)
        story.times.append(when)
        if not math.isnan(when):
            first, last = self._first[number], self._last[number]
            self._first[number] = when if math.isnan(first) else min(first, when)
            self._last[number] = when if math.isnan(last) else max(last, when)
            self._newest = when if math.isnan(self._newest) else max(self._newest, when)

    def _forget(self, when: float) -> None:
        """Drop stories quiet for ``forget_after_days`` from matching (members stay listed)."""
        if math.isnan(when):
            return
        count = len(self._stories)
        old = self._live[:count] & (when - self._last[:count] > 24 * self.config.forget_after_days)
        if old.any():
            self._live[:count][old] = False

    def _candidates(self, vector: np.ndarray, article: _Terms, when: float,
                    learn: bool = True) -> Candidates:
        """The eligible stories of the pool and their features.

        ``learn``: let this article's runner-ups update the typical runner-up (not when only
        looking, as ``match`` does).
        """
        config = self.config
        count = len(self._stories)
        empty = Candidates(np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES))))
        live = np.flatnonzero(self._live[:count])
        if not len(live):
            return empty
        # The mean cosine to the members (average linkage): one product over the index.
        sims = (self._means[:count] @ vector)[live]  # no copy of the matrix
        eligible = np.ones(len(live), dtype=bool)
        if not math.isnan(when):
            first, last = self._first[live], self._last[live]
            # Quiet for too long, or (an article arriving late) starting long after it.
            eligible = ~((when - last > config.stale_after_hours)
                         | (first - when > config.stale_after_hours))
        pool = set(_top(sims, config.candidates).tolist())
        if not eligible.all():
            open_positions = np.flatnonzero(eligible)
            pool.update(open_positions[_top(sims[open_positions], config.candidates)].tolist())
        positions = np.fromiter(pool, dtype=np.int64, count=len(pool))
        numbers = live[positions]
        idf = self._idf
        embed = sims[positions].astype(np.float64)
        text = np.array([_similarity(article.weights, article.norm, self._stories[n].terms,
                                     len(self._stories[n].members), idf) for n in numbers])
        # The background: the runner-up stories (stale ones too: a crowded topic stays crowded).
        k = config.background_k
        order = np.argsort(-(embed + text), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        typical_embed, typical_text = self._typical_runner_up()
        back_embed = _background(embed, order, rank, k, typical_embed)
        back_text = _background(text, order, rank, k, typical_text)
        if learn:
            runners = order[1:k + 1]
            self._runner_sums += (float(embed[runners].sum()), float(text[runners].sum()))
            self._runner_count += len(runners)
        gap = np.zeros(len(numbers))
        if not math.isnan(when):
            first, last = self._first[numbers], self._last[numbers]
            hours = np.maximum(0.0, np.maximum(first - when, when - last))
            gap = np.where(np.isnan(hours), 0.0, np.minimum(hours / 24.0, config.max_gap_days))
        if not article.titled and config.untitled_embed_share < 1.0:
            share = config.untitled_embed_share
            embed = share * embed + (1 - share) * text
            back_embed = share * back_embed + (1 - share) * back_text
        features = np.column_stack([embed, text, back_embed, back_text, gap])
        keep = eligible[positions]
        return Candidates(numbers[keep], features[keep])

    def _repair(self, number: int, found: Candidates) -> list[tuple[Hashable, int]]:
        """Move into story ``number`` the members of its neighbours that now fit it better.

        Online assignment decides with what it has seen: the first report of an event may
        have joined the nearest story because its own had not opened yet. When the new
        article lands, the members of the runner-up stories are compared, like a k-means
        step, between staying (average linkage to the rest of their story) and moving to the
        article's story. Only the few nearest stories are looked at, so it stays cheap.
        """
        if not len(found.stories):
            return []
        moved: list[tuple[Hashable, int]] = []
        ranked = np.argsort(-self.config.score(found.features), kind="stable")
        neighbours = [int(found.stories[i]) for i in ranked if found.stories[i] != number]
        for other in neighbours[:self.config.repair_stories]:
            story = self._stories[other]
            for at in range(len(story.members) - 1, -1, -1):
                if len(story.members) < 2:
                    break
                key, vector = story.members[at], story.vectors[at]
                own, when = story.member_terms[at], story.times[at]
                stay = self._fit(own, vector, when, other, leaving=True)
                if self._fit(own, vector, when, number, leaving=False) > stay:
                    self.remove(key)
                    self._place(number, key, vector, own, when)
                    moved.append((key, other))
        return moved

    def _fit(self, own: dict[int, float], vector: np.ndarray, when: float, number: int,
             leaving: bool) -> float:
        """How well a member fits a story (without itself when ``leaving``): the text part of
        the match score, less the time gap."""
        story = self._stories[number]
        config = self.config
        n = len(story.members) - (1 if leaving else 0)
        if n <= 0:
            return -math.inf
        idf = self._idf_table()
        sums = self._sums[number] - vector if leaving else self._sums[number]
        embed = float(sums @ vector) / n
        dot = 0.0
        for term_id, value in own.items():
            total = story.terms.get(term_id)
            if total is not None:
                weight = idf[term_id]
                dot += value * (total - value if leaving else total) * weight * weight
        times = [t for t in story.times if not math.isnan(t)]
        if leaving and not math.isnan(when) and when in times:
            times.remove(when)
        gap = 0.0
        if times and not math.isnan(when):
            gap = max(0.0, min(times) - when, when - max(times)) / 24.0
        return (config.w_embed * embed + config.w_terms * dot / n
                - config.w_gap * min(gap, config.max_gap_days))

    def _place(self, number: int, key: Hashable, vector: np.ndarray, own: dict[int, float],
               when: float) -> None:
        """Add a member whose term vector is already computed (a move)."""
        story = self._stories[number]
        story.members.append(key)
        story.vectors.append(vector)
        story.member_terms.append(own)
        story.times.append(when)
        _add_into(story.terms, own)
        self._story_of[key] = number
        self._sums[number] += vector
        self._means[number] = self._sums[number] / len(story.members)
        if not math.isnan(when):
            self._first[number] = np.fmin(self._first[number], when)
            self._last[number] = np.fmax(self._last[number], when)

    def _typical_runner_up(self) -> tuple[float, float]:
        config = self.config
        weight = config.background_prior_count
        n = weight + self._runner_count
        if not n:
            return config.background_prior_embed, config.background_prior_terms
        return ((weight * config.background_prior_embed + self._runner_sums[0]) / n,
                (weight * config.background_prior_terms + self._runner_sums[1]) / n)

    def _best(self, found: Candidates) -> tuple[int | None, float]:
        if not len(found.stories):
            return None, math.nan
        scores = self.config.score(found.features)
        best = int(np.argmax(scores))
        return int(found.stories[best]), float(scores[best])


def _tfidf(counts: dict[int, float], idf: np.ndarray) -> tuple[dict[int, float], float]:
    if not counts:
        return {}, 0.0
    ids = np.fromiter(counts, dtype=np.int64, count=len(counts))
    tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    w = tf * idf[ids]
    norm = float(np.sqrt(np.dot(w, w)))
    return dict(zip(ids.tolist(), w.tolist(), strict=True)), norm


def _add_into(sums: dict[int, float], values: dict[int, float]) -> None:
    for term_id, value in values.items():
        sums[term_id] = sums.get(term_id, 0.0) + value


def _accumulate(sums: dict[int, float], weights: dict[int, float], norm: float,
                idf: np.ndarray) -> None:
    """Add a unit-length vector to a story's sums, idf taken out (it is re-applied on use)."""
    if not norm:
        return
    for term_id, w in weights.items():
        sums[term_id] = sums.get(term_id, 0.0) + w / (norm * idf[term_id])


def _similarity(weights: dict[int, float], norm: float, sums: dict[int, float], members: int,
                idf: np.ndarray) -> float:
    """The mean cosine between an article's term vector and a story's members'."""
    if not norm or not members:
        return 0.0
    dot = 0.0
    for term_id, w in weights.items():
        s = sums.get(term_id)
        if s is not None:
            dot += w * s * idf[term_id]
    return dot / (norm * members)


def _background(values: np.ndarray, order: np.ndarray, rank: np.ndarray, k: int,
                typical: float) -> np.ndarray:
    """For each candidate, the mean of ``values`` over the ``k`` best *other* candidates.

    Missing runner-ups (an index still small) count as ``typical``.
    """
    if not k:
        return np.zeros(len(values))
    head = values[order[:k + 1]]
    if len(head) < k + 1:
        head = np.concatenate([head, np.full(k + 1 - len(head), typical)])
    top_k = float(head[:k].sum())
    top_k1 = float(head.sum())
    # A candidate among the k best is replaced by the (k+1)-th; the others see the k best.
    return np.where(rank < k, (top_k1 - values) / k, top_k / k)


@lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """BLAS on one thread for the index's small matrix-vector products.

    A multi-threaded BLAS pays a thread hand-off on every call; on a busy machine that made a
    0.3 ms product take 15 ms. One thread is faster at this size whatever the load.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values (all of them when there are fewer)."""
    if len(values) <= k:
        return np.arange(len(values))
    return np.argpartition(-values, k - 1)[:k]


def build_docs(items: list[tuple[Hashable, str, str, datetime | None]], embedder,
               config: GroupConfig) -> list[GroupDoc]:
    """Embed (key, title, text, time) items the way the index expects, in one model call.

    ``embedder`` is any ``newsdesk.understand.embed.Embedder``; wrap it in ``CachedEmbedder``
    when a store is at hand so no text is embedded twice.
    """
    texts = [embedding_text(title, text, config.embed_words, config.embed_words_untitled)
             for _, title, text, _ in items]
    vectors = embedder.embed(texts)
    return [GroupDoc(key, title, text, when, vectors[i])
            for i, (key, title, text, when) in enumerate(items)]
