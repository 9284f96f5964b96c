"""The story plan: everything a writer needs to know about a story's sources, in one object.

``build_plan(articles)`` turns the articles of one story into:

* ``sources`` — the numbered source list the story's citations point to (an article, and one
  entry per other outlet that carried the same text);
* ``sentences`` — every sentence of every article, numbered from 1, with its article, outlet,
  position, publish time, a lightly edited publishable form, why it is debris (if it is), how it
  leans on earlier text, its extracted facts (numbers with what they count, names, dates
  resolved against the publish time), the features the salience model reads and its score;
  ``vectors[number - 1]`` is its embedding;
* ``units`` — near-identical sentences from different outlets merged into one fact that cites
  every outlet that carried it, with a salience; ``redundancy(a, b)`` says how much two units
  overlap;
* ``quotes`` — direct quotes with their speakers, verbatim, with every source that carries them.

The extractive writer selects from the units; the LLM writer renders the plan into a prompt
(``to_prompt``) and maps the sentence numbers a model cites back to sources (``citations_of``).
Nothing here decides what the story says; that is the writer's job.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from newsdesk.models import Article, StorySource
from newsdesk.understand.embed import Embedder
from newsdesk.understand.sentences import SentenceSpan, split_article
from newsdesk.write.cleanup import Opening, debris_reason, light_edit, opening_reference

# Two sentences from different outlets with at least this cosine, sharing most of their words
# and the same numbers, report the same fact: they merge into one unit.
MERGE_COSINE = 0.86
MERGE_OVERLAP = 0.5
# Sentences shorter or longer than this are never published on their own.
MIN_WORDS, MAX_WORDS = 6, 70
# Salience added per extra outlet carrying a unit (independent confirmation of a fact).
AGREEMENT_BONUS = 0.05

_STOP = frozenset(["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "said", "says", "say", "also", "one", "two", "new"])
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTE_CHARS = re.compile(r"[\"“”]")
_SAID = re.compile(r"\b(?:said|says|told|according to|added|stated)\b")


def content_tokens(text: str) -> list[str]:
    """Lowercased words without stop words: what lexical overlap is measured on."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP and len(t) > 1]


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


@dataclass
class SourceSentence:
    """One sentence of one source article."""

    number: int  # 1-based within the plan: what a prompt shows and an LLM cites
    text: str  # as the article has it (whitespace-normalised)
    clean: str  # the publishable form: dateline and pure discourse connectives removed
    article: int  # index into ``StoryPlan.articles``
    citations: list[int]  # StorySource numbers of the article and its syndicated carriers
    outlet: str
    position: int  # 0-based sentence number in its article
    paragraph: int  # 0-based paragraph number in its article
    published_at: datetime | None
    words: int  # words in ``clean``
    debris: str = ""  # why it is not report text ("byline", "caption", …); "" when it is
    opening: Opening | None = None  # how ``clean`` leans on earlier text, if it does
    facts: Any = None  # newsdesk.understand.facts.SentenceFacts, when facts were extracted
    # "" or why the sentence must not state the story's facts: a count a later report revised
    # ("superseded"), or a value most sources contradict ("disputed"); see mark_disputed
    disputed: str = ""
    features: dict[str, float] = field(default_factory=dict)  # what the salience model reads
    score: float = 0.0  # salience of this sentence on its own
    unit: int = -1  # index into ``StoryPlan.units``

    @property
    def publishable(self) -> bool:
        """Report text of a sensible length: may appear in a story (references permitting)."""
        return not self.debris and MIN_WORDS <= self.words <= MAX_WORDS


@dataclass
class Unit:
    """One fact as every outlet that carried it put it: near-identical sentences merged."""

    index: int
    sentences: list[int]  # numbers of its member sentences; the representative first
    citations: list[int]  # StorySource numbers of every outlet that carried it
    salience: float  # the representative's score, raised by agreement across outlets
    articles: int  # how many different articles carry it

    @property
    def representative(self) -> int:
        return self.sentences[0]


@dataclass
class PlannedQuote:
    """A direct quote, verbatim, with its speaker and every source that carries it."""

    text: str
    speaker: str
    outlet: str
    citations: list[int]
    sentence: int  # number of the sentence it was found in (0 when it spans sentences)
    article: int


@dataclass
class StoryPlan:
    articles: list[Article]
    sources: list[StorySource]
    sentences: list[SourceSentence]
    units: list[Unit]
    vectors: np.ndarray  # row ``number - 1`` embeds sentence ``number``
    quotes: list[PlannedQuote] = field(default_factory=list)
    reference_time: datetime | None = None  # the latest publish time among the articles
    title_vectors: np.ndarray | None = None  # one row per article (zeros for no title)
    article_sources: list[list[int]] = field(default_factory=list)  # per article: its sources
    conflicts: list = field(default_factory=list)  # models.Conflict: where the sources differ
    warnings: list[str] = field(default_factory=list)

    def sentence(self, number: int) -> SourceSentence:
        return self.sentences[number - 1]

    def unit_of(self, number: int) -> Unit:
        return self.units[self.sentences[number - 1].unit]

    def redundancy(self, a: int, b: int) -> float:
        """How much two units say the same (0–1): cosine of their representatives."""
        va = self.vectors[self.units[a].representative - 1]
        vb = self.vectors[self.units[b].representative - 1]
        return float(np.dot(va, vb))

    def citations_of(self, numbers: list[int]) -> list[int]:
        """The sources behind some sentence numbers, every outlet of their units included."""
        out: set[int] = set()
        for number in numbers:
            if 1 <= number <= len(self.sentences):
                out.update(self.unit_of(number).citations)
        return sorted(out)

    def ranked_units(self) -> list[Unit]:
        return sorted(self.units, key=lambda u: (-u.salience, u.representative))

    def to_prompt(self, max_sentences: int = 60) -> str:
        """The plan as numbered text for a language model: sources, then the best sentences.

        Each line is ``[n] (outlet, agreement) text``; a model cites ``[n]``. Debris is left
        out; sentences appear in article order so that their context reads naturally.
        """
        lines = ["SOURCES"]
        for source in self.sources:
            when = source.published_at.isoformat() if source.published_at else "undated"
            lines.append(f"S{source.number}: {source.outlet or 'unnamed outlet'} — "
                         f"{source.title or '(untitled)'} ({when})")
        chosen = sorted(
            u.representative for u in self.ranked_units()
             if self.sentence(u.representative).publishable
        )
        keep = set(sorted(chosen, key=lambda n: -self.unit_of(n).salience)[:max_sentences])
        lines.append("")
        lines.append("SENTENCES (cite as [n])")
        for number in chosen:
            if number not in keep:
                continue
            s = self.sentence(number)
            unit = self.unit_of(number)
            agree = f", {unit.articles} outlets" if unit.articles > 1 else ""
            lines.append(f"[{number}] ({s.outlet or f'source {s.citations[0]}'}{agree}) {s.clean}")
        if self.quotes:
            lines.append("")
            lines.append("QUOTES (verbatim only)")
            for q in self.quotes:
                lines.append(f"- {q.speaker} ({q.outlet}): \u201c{q.text}\u201d")
        if self.conflicts:
            lines.append("")
            lines.append("WHERE SOURCES DIFFER (state no side as fact)")
            lines += [f"- {c.summary or c.subject}" for c in self.conflicts]
        return "\n".join(lines)


# ---------------------------------------------------------------- building


def article_sentences(article: Article) -> list[SentenceSpan]:
    """The sentences of an article as the plan numbers them (and as they are embedded)."""
    return split_article(article.text or "")


def texts_to_embed(articles: list[Article]) -> list[str]:
    """Every text ``build_plan`` embeds, in order: pre-embed these to time a write without it."""
    out = [s.text for a in articles for s in article_sentences(a)]
    out.extend(a.title for a in articles if a.title.strip())
    return out


def _sources(articles: list[Article]) -> tuple[list[StorySource], list[list[int]]]:
    """Numbered sources: each article, then each other outlet that carried its text."""
    sources: list[StorySource] = []
    per_article: list[list[int]] = []
    for article in articles:
        numbers = []
        sources.append(StorySource(len(sources) + 1, article.id, article.outlet, article.title,
                                   article.url, article.published_at))
        numbers.append(len(sources))
        for carrier in article.carriers:
            if carrier.outlet == article.outlet and carrier.url == article.url:
                continue
            sources.append(StorySource(len(sources) + 1, article.id, carrier.outlet,
                                       carrier.title or article.title, carrier.url,
                                       carrier.published_at or article.published_at))
            numbers.append(len(sources))
        per_article.append(numbers)
    return sources, per_article


def order_articles(articles: list[Article]) -> list[Article]:
    """Oldest first (undated articles keep their given order, after dated ones of equal rank)."""
    indexed = list(enumerate(articles))
    indexed.sort(key=lambda p: (p[1].published_at is None,
                                p[1].published_at or datetime.min, p[0]))
    return [a for _, a in indexed]


def _embed(embedder: Embedder, texts: list[str], dim_hint: int = 384) -> np.ndarray:
    if not texts:
        return np.zeros((0, getattr(embedder, "dim", dim_hint)), dtype=np.float32)
    return np.asarray(embedder.embed(texts), dtype=np.float32)


def _pagerank(sim: np.ndarray, damping: float = 0.85, iterations: int = 40) -> np.ndarray:
    """Centrality of each row in a similarity graph (LexRank on embeddings)."""
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = np.clip(sim, 0.0, None).astype(np.float64)
    np.fill_diagonal(weights, 0.0)
    weights[weights < 0.3] = 0.0
    totals = weights.sum(axis=1, keepdims=True)
    transition = np.where(totals > 0, weights / np.where(totals > 0, totals, 1), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        rank = (1 - damping) / n + damping * rank @ transition
    return rank * n


def _unit_vector(matrix: np.ndarray) -> np.ndarray:
    if matrix.shape[0] == 0:
        return np.zeros(matrix.shape[1], dtype=np.float32)
    v = matrix.mean(axis=0)
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def build_plan(articles: list[Article], *, embedder: Embedder | None = None,
               with_facts: bool = True, scorer: Any = None) -> StoryPlan:
    """The plan of one story from its articles (any order; they are taken oldest first)."""
    from newsdesk.write.scorer import default_scorer

    articles = order_articles([a for a in articles if (a.text or "").strip() or a.title])
    sources, citations = _sources(articles)
    warnings: list[str] = []
    if embedder is None:
        embedder, warning = default_embedder()
        if warning:
            warnings.append(warning)
    sentences: list[SourceSentence] = []
    for a_index, article in enumerate(articles):
        for span in article_sentences(article):
            clean = light_edit(span.text)
            sentences.append(SourceSentence(
                number=len(sentences) + 1, text=span.text, clean=clean, article=a_index,
                citations=list(citations[a_index]),
                outlet=article.outlet, position=span.position, paragraph=span.paragraph,
                published_at=article.published_at, words=len(clean.split()),
                debris=debris_reason(clean) or _debris_in_original(span.text),
                opening=opening_reference(clean)))
    vectors = _embed(embedder, [s.text for s in sentences])
    titles = [a.title for a in articles if a.title.strip()]
    title_vectors = np.zeros((len(articles), vectors.shape[1] if len(vectors) else 384),
                             dtype=np.float32)
    if titles:
        embedded = _embed(embedder, titles)
        row = 0
        for i, a in enumerate(articles):
            if a.title.strip():
                title_vectors[i] = embedded[row]
                row += 1
    times = [a.published_at for a in articles if a.published_at]
    plan = StoryPlan(articles=articles, sources=sources, sentences=sentences, units=[],
                     vectors=vectors, reference_time=max(times) if times else None,
                     title_vectors=title_vectors, article_sources=citations,
                     warnings=warnings)
    compute_features(plan)
    rescore(plan, scorer or default_scorer())
    if with_facts:
        attach_facts(plan)
        mark_superseded(plan)
    return plan


def rescore(plan: StoryPlan, scorer: Any) -> None:
    """Score every sentence with ``scorer`` and rebuild the units (their order follows it)."""
    scorer.score_plan(plan)
    for s in plan.sentences:
        s.unit = -1
    merge_units(plan)


def _debris_in_original(text: str) -> str:
    """Debris only visible before editing (e.g. a byline hidden behind a dateline)."""
    reason = debris_reason(text)
    return reason if reason in {"byline", "credit", "call to action", "archive", "link"} else ""


def default_embedder() -> tuple[Embedder, str]:
    """The sentence model; the TF-IDF fallback (with a warning) when the model is missing."""
    from newsdesk.understand.embed import EmbedderUnavailable, TfidfEmbedder, get_embedder

    try:
        return get_embedder("minilm"), ""
    except EmbedderUnavailable as exc:
        return TfidfEmbedder(), f"sentence model unavailable ({exc}); used TF-IDF vectors"


# ---------------------------------------------------------------- features


FEATURES = (
    "first", "pos_inv", "pos_rel", "pos_log", "para_inv", "words", "short", "long",
    "centrality", "doc_centrality", "other_centrality", "agreement", "agreement_n",
    "pagerank", "word_df", "lex_centrality", "title_sim", "has_title", "has_number",
    "has_quote", "starts_quote", "has_said", "opening", "article_rank", "article_len",
    "article_junk", "n_articles", "capital_ratio", "first_clean", "title_mean", "title_lex",
    "has_day",
)
_DAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|"
                  r"yesterday|tonight|this (?:week|morning|afternoon|evening))\b", re.IGNORECASE)


def compute_features(plan: StoryPlan) -> None:
    """Fill ``features`` of every sentence; debris and out-of-range sentences get none.

    The features are what an editor weighs, made measurable: where the sentence stands in its
    article, how central it is to the whole story, whether other outlets say the same thing
    (in meaning: embeddings; in words: document frequency), how it relates to the headlines,
    and what it looks like (length, numbers, quotes, an opening that leans on earlier text).
    """
    sentences = plan.sentences
    if not sentences:
        return
    n_articles = len(plan.articles)
    # Sentences cut off by an excerpt ("…") are never published, but they still tell what
    # the outlets wrote about: they count as context for centrality and agreement.
    candidates = [s for s in sentences if s.publishable or s.debris == "cut off"]
    if not any(s.publishable for s in candidates):
        return
    idx = np.array([s.number - 1 for s in candidates])
    vec = plan.vectors[idx]
    sim = vec @ vec.T
    centroid = _unit_vector(vec)
    centrality = vec @ centroid
    pagerank = _pagerank(sim)
    art = np.array([s.article for s in candidates])
    per_article_count = {a: sum(1 for s in sentences if s.article == a) for a in range(n_articles)}
    junk = {a: sum(1 for s in sentences if s.article == a and s.debris)
            / max(1, per_article_count[a]) for a in range(n_articles)}
    words_in = {a: sum(s.words for s in sentences if s.article == a) for a in range(n_articles)}
    # article centroids (of candidate sentences) and their centrality
    art_centroid: dict[int, np.ndarray] = {}
    for a in set(art.tolist()):
        art_centroid[a] = _unit_vector(vec[art == a])
    art_score = {a: float(np.dot(v, centroid)) for a, v in art_centroid.items()}
    ranking = sorted(art_score, key=lambda a: -art_score[a])
    art_rank = {a: r for r, a in enumerate(ranking)}
    # cross-article lexical document frequency
    tokens = [set(content_tokens(s.clean)) for s in candidates]
    df: dict[str, set[int]] = {}
    for toks, a in zip(tokens, art.tolist(), strict=True):
        for t in toks:
            df.setdefault(t, set()).add(a)
    present = len(set(art.tolist()))
    tf_all: dict[str, int] = {}
    for toks in tokens:
        for t in toks:
            tf_all[t] = tf_all.get(t, 0) + 1
    tf_norm = math.sqrt(sum(v * v for v in tf_all.values())) or 1.0
    has_title = plan.title_vectors is not None and bool(np.any(plan.title_vectors))
    titles = plan.title_vectors[np.any(plan.title_vectors, axis=1)] if has_title else None
    title_tokens = set(content_tokens(" ".join(a.title for a in plan.articles)))
    first_clean: dict[int, int] = {}
    for s in candidates:
        if s.publishable:
            first_clean.setdefault(s.article, s.position)
    for row, s in enumerate(candidates):
        if not s.publishable:
            continue
        a = s.article
        n_in = per_article_count[a]
        others = art != a
        if others.any():
            other_vec = vec[others]
            other_centroid = _unit_vector(other_vec)
            other_c = float(np.dot(vec[row], other_centroid))
            maxima = []
            for b in set(art[others].tolist()):
                maxima.append(float(sim[row, art == b].max()))
            agreement = float(np.mean(maxima))
            agreement_n = sum(1 for m in maxima if m >= 0.75) / max(1, n_articles - 1)
        else:
            other_c = agreement = agreement_n = 0.0
        toks = tokens[row]
        word_df = (sum(len(df[t]) for t in toks) / len(toks) / present) if toks else 0.0
        lex = (sum(tf_all[t] for t in toks) / (math.sqrt(len(toks)) * tf_norm)) if toks else 0.0
        title_sims = titles @ vec[row] if titles is not None else np.zeros(1)
        letters = [c for c in s.clean if c.isalpha()]
        s.features = {
            "first": 1.0 if s.position == 0 else 0.0,
            "pos_inv": 1.0 / (1 + s.position),
            "pos_rel": s.position / max(1, n_in - 1),
            "pos_log": math.log1p(s.position),
            "para_inv": 1.0 / (1 + s.paragraph),
            "words": min(s.words, 60) / 60,
            "short": 1.0 if s.words < 12 else 0.0,
            "long": 1.0 if s.words > 40 else 0.0,
            "centrality": float(centrality[row]),
            "doc_centrality": float(np.dot(vec[row], art_centroid[a])),
            "other_centrality": other_c,
            "agreement": agreement,
            "agreement_n": agreement_n,
            "pagerank": float(pagerank[row]),
            "word_df": word_df,
            "lex_centrality": lex,
            "title_sim": float(np.max(title_sims)),
            "title_mean": float(np.mean(title_sims)),
            "title_lex": (len(toks & title_tokens) / len(toks)) if toks else 0.0,
            "has_day": 1.0 if _DAY.search(s.clean) else 0.0,
            "has_title": 1.0 if has_title else 0.0,
            "has_number": 1.0 if numbers_in(s.clean) else 0.0,
            "has_quote": 1.0 if _QUOTE_CHARS.search(s.clean) else 0.0,
            "starts_quote": 1.0 if s.clean[:1] in "\"“‘'" else 0.0,
            "has_said": 1.0 if _SAID.search(s.clean) else 0.0,
            "opening": 1.0 if s.opening else 0.0,
            "article_rank": 1.0 / (1 + art_rank[a]),
            "article_len": math.log1p(words_in[a]) / 8,
            "article_junk": junk[a],
            "n_articles": math.log(n_articles),
            "capital_ratio": (sum(c.isupper() for c in letters) / len(letters)) if letters else 0,
            "first_clean": 1.0 if s.position == first_clean[a] else 0.0,
        }


# ---------------------------------------------------------------- units


def _same_fact(a: SourceSentence, b: SourceSentence, cosine: float,
               tokens: dict[int, set[str]]) -> bool:
    if cosine < MERGE_COSINE:
        return False
    ta, tb = tokens[a.number], tokens[b.number]
    if not ta or not tb:
        return False
    overlap = len(ta & tb) / min(len(ta), len(tb))
    # Citing an outlet for a number it did not print would break the story's promise.
    return overlap >= MERGE_OVERLAP and numbers_in(a.clean) <= numbers_in(b.clean)


def merge_units(plan: StoryPlan) -> None:
    """Group sentences into units: a fact and every outlet that carried it.

    Sentences are visited best-first; each unassigned publishable sentence opens a unit and
    takes in near-identical publishable sentences of other articles. The representative is
    the best-scored member, so a unit publishes the clearest wording and cites everyone.
    """
    sentences = plan.sentences
    order = sorted(sentences, key=lambda s: (-s.score if s.publishable else math.inf, s.number))
    tokens = {s.number: set(content_tokens(s.clean)) for s in sentences if s.publishable}
    pub = [s for s in sentences if s.publishable]
    if pub:
        idx = np.array([s.number - 1 for s in pub])
        sim = plan.vectors[idx] @ plan.vectors[idx].T
        row_of = {s.number: i for i, s in enumerate(pub)}
    units: list[Unit] = []
    for s in order:
        if s.unit >= 0:
            continue
        members = [s]
        if s.publishable:
            seen_articles = {s.article}
            row = row_of[s.number]
            for other in pub:
                if other.unit >= 0 or other is s or other.article in seen_articles:
                    continue
                if _same_fact(s, other, float(sim[row, row_of[other.number]]), tokens):
                    members.append(other)
                    seen_articles.add(other.article)
        index = len(units)
        citations = sorted({c for m in members for c in m.citations})
        articles = len({m.article for m in members})
        # Agreement across outlets raises salience: each extra outlet is independent support.
        salience = s.score + AGREEMENT_BONUS * (articles - 1) if s.publishable else -math.inf
        units.append(Unit(index, [m.number for m in members], citations, salience, articles))
        for m in members:
            m.unit = index
    plan.units = units


# ---------------------------------------------------------------- facts and quotes


def attach_facts(plan: StoryPlan) -> None:
    """Numbers, names, dates and quotes of each article, when the facts module is present."""
    try:
        from newsdesk.understand import facts as facts_module
    except ImportError:  # the facts step is optional: a plan without it is still complete
        return
    by_article: dict[int, list[SourceSentence]] = {}
    for s in plan.sentences:
        by_article.setdefault(s.article, []).append(s)
    for a_index, members in by_article.items():
        article = plan.articles[a_index]
        # The sentences as the article has them: the parses are cached by text, and the
        # verifier and the quote finder parse exactly these strings too.
        found = facts_module.extract_facts([m.text for m in members], article.published_at)
        for m, f in zip(members, found, strict=True):
            m.facts = f
    plan.quotes = find_plan_quotes(plan, facts_module)


def find_plan_quotes(plan: StoryPlan, facts_module: Any) -> list[PlannedQuote]:
    """Every distinct quote once, citing every article that carries it verbatim."""
    quotes: dict[str, PlannedQuote] = {}
    for a_index, article in enumerate(plan.articles):
        for found in facts_module.find_quotes(article.text or ""):
            text = found.text.strip()
            speaker = (found.speaker or "").strip()
            if not text:
                continue
            key = re.sub(r"\W+", " ", text.lower()).strip()
            if key in quotes:
                q = quotes[key]
                # Cite another article only for the very words quoted, punctuation and all.
                if _squash_space(q.text) in _squash_space(article.text or ""):
                    q.citations = sorted(set(q.citations) | set(plan.article_sources[a_index]))
                if not q.speaker and speaker:
                    q.speaker = speaker
                continue
            number = next((s.number for s in plan.sentences
                           if s.article == a_index and text in s.text), 0)
            quotes[key] = PlannedQuote(text, speaker, article.outlet,
                                       list(plan.article_sources[a_index]), number, a_index)
    return list(quotes.values())


# ---------------------------------------------------------------- revised and disputed facts


def _counts(s: SourceSentence) -> list[tuple[tuple[str, str], str]]:
    """(what is counted, value) of each outcome count in a sentence: (("killed", "worker"), "2")."""
    if s.facts is None:
        return []
    events = {m.value for m in s.facts.mentions if m.kind == "event"}
    sole = next(iter(events)) if len(events) == 1 else ""
    out = []
    for m in s.facts.mentions:
        if m.kind == "number" and m.noun and (m.event or sole):
            out.append(((m.event or sole, m.noun), m.value))
    return out


def mark_superseded(plan: StoryPlan) -> None:
    """Counts that a later report revised ("two dead" on Monday, "four" on Tuesday).

    The sentence with the older count stays in the plan (a timeline may tell how the toll
    rose) but may not state the story's current facts.
    """
    seen: dict[tuple[str, str], list[tuple[datetime, str, int]]] = {}
    for s in plan.sentences:
        if s.published_at is None:
            continue
        for key, value in _counts(s):
            seen.setdefault(key, []).append((s.published_at, value, s.number))
    for entries in seen.values():
        if len({v for _, v, _ in entries}) < 2:
            continue
        newest = max(t for t, _, _ in entries)
        current = {v for t, v, _ in entries if t == newest}
        for t, v, number in entries:
            if t < newest and v not in current:
                plan.sentence(number).disputed = "superseded by a later report"


def minority_values(conflicts: list) -> list[str]:
    """The values of each conflict that fewer sources give than some other value."""
    out = []
    for conflict in conflicts:
        sizes = [len(set(v.citations)) for v in conflict.values]
        if not sizes or sizes.count(max(sizes)) > 1:
            continue
        out += [v.value for v, n in zip(conflict.values, sizes, strict=True)
                if n < max(sizes) and v.value]
    return out


def mark_disputed(plan: StoryPlan, conflicts: list) -> None:
    """Sentences giving a value that most of the story's sources contradict.

    ``conflicts`` come from the verification step (``find_conflicts``). A value given by fewer
    sources than another value of the same conflict is disputed: the story does not state it
    as fact (its "Sources differ" note says who reports it). On a tie no side is preferred.
    """
    for conflict in conflicts:
        sizes = [len(set(v.citations)) for v in conflict.values]
        if not sizes or sizes.count(max(sizes)) > 1:
            continue
        for value, size in zip(conflict.values, sizes, strict=True):
            if size == max(sizes) or not value.value:
                continue
            pattern = re.compile(rf"(?<!\w){re.escape(value.value)}(?!\w)", re.IGNORECASE)
            cited = set(value.citations)
            for s in plan.sentences:
                if set(s.citations) & cited and pattern.search(s.text):
                    s.disputed = f"disputed: sources differ on {conflict.subject}"


def _squash_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_PLAIN_QUOTES))


_PLAIN_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
