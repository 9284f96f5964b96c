"""Checking one claim against a story's sources: is every fact in it in a cited source?

No entailment model can be had offline, so the check is built from what can:

1. **Alignment.** The claim is embedded and compared with every sentence of its cited sources;
   the best-matching sentences are the evidence it is judged against.
2. **Near-exact copies pass.** A sentence taken from a cited source (or a clean cut of one)
   is supported by definition: the extractive writer's sentences never fail.
3. **Structured checks, strict.** Every number with what it counts, every person, organisation
   and place, every date, weekday and clock time, every outcome (killed/injured/…) and weapon
   in the claim must be in a cited source, and in the reporting the claim aligns with: a value
   that only appears elsewhere, while the matching sentence gives another, is a substitution.
   A claim that follows one sentence word for word but for one value ("Foreign Minister Hollin
   said …") is an edited copy, whatever else the sources say. A negation the evidence lacks (or
   drops), an opposite ("least" for "most"), a colour or compass point the sources lack, a
   capitalised name no cited source has in any form, and a quote that is not verbatim fail
   too. Any of these is a *hard* problem: the claim fails.
4. **A score.** Alignment and lexical coverage of the claim by its evidence, minus penalties
   for the problems found (for ranking, e.g. ROC AUC). ``supported``: no hard problem, the best
   evidence sentence at least ``similarity_floor`` alike in meaning (a *partial copy*, part of
   one sentence word for word and the rest not, at least ``copy_floor`` alike to the sentence
   it copies), and the score at least ``threshold``. One fixed configuration
   (``CheckerConfig``) serves every use.

``Verifier`` is built once per story (it splits, embeds and extracts facts from the sources once);
``Verifier.check`` then costs one claim embedding and one parse, both cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

import numpy as np

from newsdesk.understand.facts import Mention, SentenceFacts, extract_facts, normalise_name
from newsdesk.understand.sentences import split_sentences
from newsdesk.verify.text import STOP_WORDS, bigrams, normalise, plain, stems, untokenise

if TYPE_CHECKING:
    from newsdesk.models import Article, StorySource
    from newsdesk.store import Store
    from newsdesk.understand.embed import Embedder


# ----------------------------------------------------------------------------- data


@dataclass
class SourceDoc:
    """One source article as the verifier sees it; ``number`` is its citation number."""

    number: int
    outlet: str
    text: str
    published_at: datetime | None = None
    title: str = ""

    @classmethod
    def from_story_source(cls, source: StorySource, article: Article) -> SourceDoc:
        return cls(source.number, source.outlet or article.outlet, article.text,
                   source.published_at or article.published_at, article.title)


@dataclass
class Problem:
    kind: str  # "number" | "entity" | "date" | "weekday" | "time" | "event" | "weapon" | …
    message: str
    hard: bool = True  # a hard problem makes the claim unsupported whatever its score


@dataclass
class Verdict:
    supported: bool
    score: float  # 0..1: how well the sources support the claim
    reason: str  # "" when supported; else the problems, most serious first
    evidence: list[tuple[int, str]] = field(default_factory=list)  # (source number, sentence)
    problems: list[Problem] = field(default_factory=list)
    # what the score was made of: similarity, unigram, bigram (coverage by the evidence)
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckerConfig:
    """The one configuration of the checker (see ``evaluation/verify.py`` for its choice)."""

    # A claim passes when it has no hard problem, its best evidence sentence is at least this
    # similar in meaning, and its score reaches ``threshold``. The floor: the best mean
    # balanced accuracy over both consistency files (QAGS and SummEdits weighted equally), as
    # the two pull it in opposite directions (QAGS alone wants 0.81, SummEdits alone 0.59,
    # each costing the other file 7-8 points); 5-fold cross-validation picks 0.69-0.70.
    similarity_floor: float = 0.69
    # A partial copy (between these shares of its four-word runs in one source sentence) must
    # be at least ``copy_floor`` alike in meaning to the sentence it copies instead: below the
    # band a claim is in words of its own, above it a copy with a word or two changed, which
    # the structured checks judge. Band and floor: the choice of most folds in 5-fold
    # cross-validation over both files (see ``evaluation/verify.py``).
    partial_copy: tuple[float, float] = (0.3, 0.8)
    copy_floor: float = 0.79
    threshold: float = 0.3
    top_k: int = 3  # evidence sentences per claim
    context_floor: float = 0.35  # similarity under which a sentence is no evidence at all
    w_similarity: float = 0.35
    w_unigram: float = 0.4
    w_bigram: float = 0.25
    soft_penalty: float = 0.12
    hard_penalty: float = 0.45
    near_copy_coverage: float = 0.5  # share of a source sentence a cut must keep to pass as is
    substitution_similarity: float = 0.75  # a claim this close to one sentence follows it
    name_substitution_similarity: float = 0.85
    swap_similarity: float = 0.8  # a claim this close to one sentence is that sentence, edited


DEFAULT_CONFIG = CheckerConfig()

# Aliases between the forms news uses for the same country or body.
_ALIASES = {
    "us": {"united states", "america", "american", "americans", "washington", "u.s"},
    "uk": {"united kingdom", "britain", "british", "england", "english", "london"},
    "un": {"united nations"},
    "eu": {"european union"},
}
_ALIAS_OF: dict[str, set[str]] = {}
for _key, _forms in _ALIASES.items():
    group = {_key} | _forms
    for _form in group:
        _ALIAS_OF.setdefault(_form, set()).update(group)

_QUOTE_IN_CLAIM = re.compile(r"[\"“](?P<q>[^\"“”]{3,}?)[\"”]")
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
           "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_WEEKDAY_NAMES = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_SEVERITY = {"critical", "serious", "minor"}


@dataclass
class _Sentence:
    source: int
    text: str
    facts: SentenceFacts
    stems: list[str]
    stem_set: frozenset[str]
    bigram_set: frozenset[tuple[str, str]]
    tokens: frozenset[str]  # lower-cased words without dots, for name matching
    norm: str


def _apostrophes(text: str) -> str:
    """Curly apostrophes as straight ones: "O’Neill" and "O'Neill" are one name."""
    return text.replace("’", "'").replace("‘", "'")


def _name_tokens(text: str) -> frozenset[str]:
    out = set()
    for w in re.findall(r"[\w.'’-]+", _apostrophes(text)):
        w = re.sub(r"'s?$", "", w.lower()).replace(".", "")
        out.add(w)
        out.update(p for p in w.split("-") if p)  # "Russia-backed"
    return frozenset(out)


# Demonyms whose country does not share a long prefix with them.
_DEMONYMS = {"french": "france", "dutch": "netherlands", "swiss": "switzerland",
             "welsh": "wales", "scottish": "scotland", "irish": "ireland", "greek": "greece",
             "spanish": "spain", "turkish": "turkey", "polish": "poland", "danish": "denmark",
             "swedish": "sweden", "finnish": "finland", "norwegian": "norway",
             "filipino": "philippines", "thai": "thailand", "british": "britain",
             "english": "england", "peruvian": "peru", "argentine": "argentina",
             "saudi": "arabia", "emirati": "uae", "kiwi": "zealand", "czech": "czechia"}


def _name_variant(wanted: str, token: str) -> bool:
    """"chinese"/"china", "ukrainian"/"ukraine", "french"/"france": one name's forms."""
    if _DEMONYMS.get(wanted) == token or _DEMONYMS.get(token) == wanted:
        return True
    if len(wanted) < 4 or len(token) < 4:
        return False
    common = 0
    for a, b in zip(wanted, token, strict=False):
        if a != b:
            break
        common += 1
    return common >= max(4, min(len(wanted), len(token)) - 2)


def _to_float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _same_number(a: str, b: str) -> bool:
    if a == b:
        return True
    fa, fb = _to_float(a), _to_float(b)
    return fa is not None and fb is not None and abs(fa - fb) < 1e-9


def _derived_date(m: Mention) -> bool:
    """A date the extractor derived from a weekday name (compared by name instead)."""
    return m.kind == "date" and m.text.lower() in _WEEKDAY_NAMES


def _citation_marks(numbers: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in sorted(set(numbers)))


# ----------------------------------------------------------------------------- verifier


class Verifier:
    """Checks claims against one story's sources; build once per story, check many times.

    ``sources``: ``SourceDoc``s (``SourceDoc.from_story_source(story_source, article)`` turns
    the store's pair into one). ``embedder``: any ``Embedder`` (default: the MiniLM model; pass
    ``store`` to wrap it in ``CachedEmbedder`` so nothing is embedded twice).
    """

    def __init__(self, sources: Sequence[SourceDoc], embedder: Embedder | None = None,
                 store: Store | None = None, config: CheckerConfig = DEFAULT_CONFIG):
        from newsdesk.understand.embed import CachedEmbedder, get_embedder

        if embedder is None:
            embedder = get_embedder("minilm")
        if store is not None and not isinstance(embedder, CachedEmbedder):
            embedder = CachedEmbedder(embedder, store)
        self.embedder = embedder
        self.config = config
        self.sources = {s.number: s for s in sources}
        self.anchor = max((s.published_at for s in sources if s.published_at), default=None)
        self._sentences: list[_Sentence] = []
        self._by_source: dict[int, list[int]] = {}
        self._plain_text: dict[int, str] = {}
        for source in sources:
            texts = ([source.title] if source.title.strip() else []) + split_sentences(
                untokenise(source.text))
            facts = extract_facts(texts, source.published_at)
            self._plain_text[source.number] = plain(" ".join([source.title,
                                                              untokenise(source.text)]))
            for text, sf in zip(texts, facts, strict=True):
                self._by_source.setdefault(source.number, []).append(len(self._sentences))
                tokens = stems(text)
                self._sentences.append(_Sentence(
                    source.number, text, sf, tokens, frozenset(tokens),
                    frozenset(bigrams(stems(text, content_only=False))), _name_tokens(text),
                    normalise(text)))
        self._vectors = (self.embedder.embed([s.text for s in self._sentences])
                         if self._sentences else np.zeros((0, 1), dtype=np.float32))
        self._exact = {}
        # Which sentences have each run of four words: how much of a claim one sentence has
        # word for word (see ``_copied_share``).
        self._runs: dict[tuple[str, ...], list[int]] = {}
        for i, s in enumerate(self._sentences):
            self._exact.setdefault(s.norm, []).append(i)
            for run in _word_runs(s.text):
                self._runs.setdefault(run, []).append(i)

    # ------------------------------------------------------------------ public

    def check(self, claim: str, citations: list[int] | None = None) -> Verdict:
        """Is ``claim`` supported by the sources it cites (all sources when ``None``)?"""
        return self.check_many([(claim, citations)])[0]

    def check_many(self, claims: Sequence[tuple[str, list[int] | None]]) -> list[Verdict]:
        """Several claims at once: their parses and embeddings are batched."""
        claims = [(untokenise(c), cit) for c, cit in claims]
        out: list[Verdict | None] = [None] * len(claims)
        todo: list[int] = []
        for k, (claim, citations) in enumerate(claims):
            early = self._early(claim, citations)
            if early is None:
                todo.append(k)
            else:
                out[k] = early
        if todo:
            texts = [claims[k][0] for k in todo]
            facts = extract_facts(texts, self.anchor)
            vectors = self.embedder.embed(texts)
            for row, k in enumerate(todo):
                claim, citations = claims[k]
                out[k] = self._judge(claim, self._pool(citations), facts[row], vectors[row])
        return [v for v in out if v is not None]

    def sentences_of(self, number: int) -> list[str]:
        return [self._sentences[i].text for i in self._by_source.get(number, [])]

    def quote_is_verbatim(self, quote: str, citations: list[int] | None = None) -> int | None:
        """The number of a cited source that has ``quote`` word for word, else None."""
        wanted = plain(quote).strip(" ,.;:").lower()
        if not wanted:
            return None
        for number in citations or sorted(self.sources):
            text = self._plain_text.get(number)
            if text is not None and wanted in text.lower():
                return number
        return None

    # ------------------------------------------------------------------ steps

    def _pool(self, citations: list[int] | None) -> list[int]:
        numbers = sorted(self.sources) if not citations else [
            n for n in dict.fromkeys(citations) if n in self.sources]
        return [i for n in numbers for i in self._by_source.get(n, [])]

    def _early(self, claim: str, citations: list[int] | None) -> Verdict | None:
        """Verdicts that need no parse: bad citations, empty claims, near-exact copies."""
        if not claim.strip():
            return Verdict(False, 0.0, "empty sentence")
        if citations:
            missing = [n for n in citations if n not in self.sources]
            if missing:
                return Verdict(False, 0.0, f"cites {_citation_marks(missing)}, which is not "
                               "among the story's sources",
                               problems=[Problem("citation", "citation does not resolve")])
        pool = self._pool(citations)
        if not pool:
            return Verdict(False, 0.0, "no source text to check against")
        norm = normalise(claim)
        allowed = set(pool)
        for i in self._exact.get(norm, []):
            if i in allowed:
                s = self._sentences[i]
                return Verdict(True, 1.0, "", [(s.source, s.text)])
        # A clean cut of one source sentence (a dateline or attribution trimmed off).
        if len(norm) >= 20:
            for i in pool:
                s = self._sentences[i]
                if norm in s.norm and len(norm) >= self.config.near_copy_coverage * len(s.norm):
                    negated = bool(re.search(r"\b(?:not|no|never|n't|denied|without)\b", norm))
                    if negated == s.facts.negated or not s.facts.negated:
                        return Verdict(True, 0.98, "", [(s.source, s.text)])
        return None

    def _judge(self, claim: str, pool: list[int], facts: SentenceFacts,
               vector: np.ndarray) -> Verdict:
        cfg = self.config
        sims = self._vectors[pool] @ vector
        order = np.argsort(-sims)
        top = [pool[int(j)] for j in order[:cfg.top_k]
               if sims[int(j)] >= cfg.context_floor or int(j) == int(order[0])]
        top_sims = [float(sims[int(j)]) for j in order[:len(top)]]
        evidence = [self._sentences[i] for i in top]
        everything = [self._sentences[i] for i in pool]
        problems: list[Problem] = []

        # How closely the claim follows its best sentence, in meaning or in wording: an edited
        # copy ("Foreign Minister Hollin said …") can drift in meaning but not in wording.
        # The sentence it was copied from, if it was: the evidence it shares most wording with.
        copied, closeness = None, []
        if evidence:
            wordings = [_wording(claim, facts.mentions, s.text, s.facts.mentions)
                        for s in evidence]
            k = max(range(len(evidence)), key=lambda i: (wordings[i], -i))
            copied = evidence[k]
            closeness = [max(top_sims[k], wordings[k])]
        problems += self._check_mentions(facts, evidence, everything, top_sims)
        problems += self._check_swaps(claim, facts, [copied] if copied else [], closeness,
                                      {p.message for p in problems if p.hard})
        problems += self._check_negation(claim, facts, evidence, everything, top_sims)
        problems += self._check_words(claim, evidence, everything)
        problems += self._check_quotes(claim, pool)
        problems += self._check_new_names(claim, facts, everything,
                                          {p.message for p in problems if p.hard})

        # Lexical coverage of the claim by its evidence.
        claim_stems = stems(claim)
        claim_bigrams = bigrams(stems(claim, content_only=False))
        ev_stems = frozenset().union(*(s.stem_set for s in evidence)) if evidence else frozenset()
        ev_bigrams = frozenset().union(*(s.bigram_set for s in evidence)) if evidence else \
            frozenset()
        unigram = (sum(1 for t in claim_stems if t in ev_stems) / len(claim_stems)
                   if claim_stems else 1.0)
        bigram = (sum(1 for b in claim_bigrams if b in ev_bigrams) / len(claim_bigrams)
                  if claim_bigrams else 1.0)
        similarity = max(top_sims) if top_sims else 0.0
        base = (cfg.w_similarity * similarity + cfg.w_unigram * unigram
                + cfg.w_bigram * bigram)
        hard = [p for p in problems if p.hard]
        soft = [p for p in problems if not p.hard]
        score = base - cfg.hard_penalty * len(hard) - cfg.soft_penalty * len(soft)
        score = float(min(1.0, max(0.0, score)))
        # A claim that has part of one sentence word for word, but not the rest, was cut from
        # it and re-joined or changed: what it changed must keep the meaning, so it must stay
        # closer to its evidence than a paraphrase in words of its own has to.
        copied_share, copied_from = self._copied_share(claim, pool)
        partial_copy = cfg.partial_copy[0] <= copied_share < cfg.partial_copy[1]
        floor = cfg.copy_floor if partial_copy else cfg.similarity_floor
        # A partial copy is held to the sentence it copies, not to the best match elsewhere.
        copy_similarity = float(sims[pool.index(copied_from)]) if partial_copy and \
            copied_from is not None else similarity
        supported = not hard and score >= cfg.threshold and copy_similarity >= floor
        if hard or soft:
            reason = "; ".join(p.message for p in hard + soft)
        elif not supported and partial_copy and copy_similarity < floor and \
                copied_from is not None:
            source = self._sentences[copied_from]
            closest = source.text if len(source.text) <= 90 else source.text[:89] + "…"
            reason = (f"follows part of [{source.source}] word for word but changes the rest "
                      f"(\"{closest}\")")
        elif not supported and similarity < floor and evidence:
            closest = evidence[0].text if len(evidence[0].text) <= 90 else \
                evidence[0].text[:89] + "…"
            reason = (f"no cited sentence says this (closest, [{evidence[0].source}]: "
                      f"\"{closest}\")")
        elif not supported:
            missing = [t for t in dict.fromkeys(claim_stems) if t not in ev_stems]
            reason = "weak support in the cited sources" + (
                f" (no match for: {', '.join(missing[:5])})" if missing else "")
        else:
            reason = ""
        if supported and soft:
            reason = "supported; but " + reason
        return Verdict(supported, score, reason, [(s.source, s.text) for s in evidence],
                       problems, {"similarity": similarity, "unigram": unigram,
                                  "bigram": bigram, "copied": copied_share,
                                  "copy_similarity": copy_similarity})

    def _copied_share(self, claim: str, pool: list[int]) -> tuple[float, int | None]:
        """The largest share of the claim's four-word runs that one pool sentence has, and
        that sentence (None when the claim is too short to have a run)."""
        runs = _word_runs(claim)
        if not runs:
            return 1.0, None
        allowed = set(pool)
        counts: dict[int, int] = {}
        for run in runs:
            for i in self._runs.get(run, ()):
                if i in allowed:
                    counts[i] = counts.get(i, 0) + 1
        if not counts:
            return 0.0, None
        best = max(counts, key=lambda i: (counts[i], -i))
        return counts[best] / len(runs), best

    # ------------------------------------------------------------------ structured checks

    def _check_mentions(self, facts: SentenceFacts, evidence: list[_Sentence],
                        everything: list[_Sentence], top_sims: list[float]) -> list[Problem]:
        problems: list[Problem] = []
        # Only a claim that closely follows one sentence can be said to swap one of its values.
        close = bool(top_sims) and top_sims[0] >= self.config.substitution_similarity
        # Names have more legitimate variants (EU, the Commission): only a near-copy swaps one.
        close_names = bool(top_sims) and top_sims[0] >= self.config.name_substitution_similarity
        seen: set[tuple[str, str]] = set()
        best = evidence[:1]
        # Naming a cited outlet ("…, the Daily Flare reported") is attribution, not a fact the
        # outlet's own text has to contain.
        outlets = {normalise_name(_apostrophes(self.sources[n].outlet))
                   for n in {s.source for s in everything} if self.sources[n].outlet}
        for m in facts.mentions:
            if _derived_date(m) or (m.kind, m.value) in seen:
                continue
            if m.kind in _NAME_KINDS and normalise_name(_apostrophes(m.value)) in outlets:
                continue
            seen.add((m.kind, m.value))
            if m.kind in {"number", "money", "percent"}:
                found = self._find_number(m, everything)
                local = self._find_number(m, evidence)
                if not local and m.event and self._find_number(m, evidence, any_event=True) \
                        and not any(o.kind == "event" and o.value == m.event
                                    for s in everything for o in s.facts.mentions):
                    # "Five people killed" where the sources have five injured and nobody
                    # killed: the count is theirs, the outcome is not, and the outcome's own
                    # check fails the claim. (Where anyone was killed, the count is wrong.)
                    continue
            elif m.kind in {"person", "org", "place", "other_entity"}:
                found = self._find_name(m, everything)
                # Near the evidence, part of the name will do ("Silva" for "David Silva").
                local = found and self._find_name(m, evidence, partial=True)
            elif m.kind in {"date", "weekday", "time", "event", "weapon"}:
                found = self._find_plain(m, everything)
                local = self._find_plain(m, evidence)
            else:
                continue
            if local:
                continue
            label = _LABELS.get(m.kind, m.kind)
            others = self._same_kind(m, best or evidence)
            if not found:
                say = self._same_kind(m, evidence)
                if not say and m.kind not in {"person", "org", "place", "other_entity"}:
                    say = self._same_kind(m, everything)
                msg = f"{label} '{m.text}' not in the cited sources"
                if say:
                    msg += "; sources say " + _describe(say)
                problems.append(Problem(m.kind, msg))
            elif others and (close_names if m.kind in _NAME_KINDS else close) and (
                    m.kind != "event" or m.value in _CASUALTY):
                # In the sources, but the report this claim rests on gives another value.
                problems.append(Problem(m.kind, f"{label} '{m.text}' is not what the matching "
                                        f"report says; sources say {_describe(others)}"))
            else:
                problems.append(Problem(m.kind, f"{label} '{m.text}' appears in the sources only "
                                        "apart from the reporting this sentence matches",
                                        hard=False))
        return problems

    def _check_swaps(self, claim: str, facts: SentenceFacts, evidence: list[_Sentence],
                     top_sims: list[float], flagged: set[str]) -> list[Problem]:
        """A claim that closely follows one sentence but has, in the same place, another name,
        count, day, time, outcome or weapon: a swap, even when the new value occurs elsewhere
        in the sources ("Foreign Minister Hollin said …" for "… Sandor-Reyes said …")."""
        if not evidence or not top_sims or top_sims[0] < self.config.swap_similarity:
            return []
        best = evidence[0]
        mine_words, mine_refs = _masked(claim, facts.mentions)
        their_words, their_refs = _masked(best.text, best.facts.mentions)
        matcher = SequenceMatcher(None, mine_words, their_words, autojunk=False)
        claim_words = {w.lower() for w in re.findall(r"[\w']+", _apostrophes(claim))}
        problems = []
        reported: set[str] = set()

        def item(ref: object, other_words: frozenset[str] | set[str],
                 first: object) -> Mention | None:
            """A fact of the aligned stretch: a mention, or a capitalised word the entity
            recogniser missed (taken as a name) that the other sentence lacks."""
            if isinstance(ref, Mention):
                return None if _derived_date(ref) else ref
            if not cased:
                return None  # lower-cased sources: capitals say nothing about names
            word = str(ref)
            if word[:1].isupper() and word.lower() not in STOP_WORDS and \
                    word.lower() not in other_words:
                return Mention("name", word, word.lower())
            return None

        # Text set in lower case (some corpora) shows names by nothing but its first letter.
        cased = _cased(best.text)
        opcodes = matcher.get_opcodes()
        for k, (tag, i1, i2, j1, j2) in enumerate(opcodes):
            if tag == "equal":
                # Only a value with the same words on both sides stands in the same place.
                pairs = [(mine_refs[i], their_refs[j1 + i - i1]) for i in range(i1, i2)
                         if isinstance(mine_refs[i], Mention)
                         and isinstance(their_refs[j1 + i - i1], Mention)
                         and i2 - i1 >= 2]
            elif tag == "replace":
                before_ok = k == 0 or opcodes[k - 1][0] == "equal"
                after_ok = k == len(opcodes) - 1 or opcodes[k + 1][0] == "equal"
                if not (before_ok and after_ok):
                    continue
                mine = [x for x in (item(r, best.tokens, mine_refs[0])
                                    for r in mine_refs[i1:i2]) if x]
                theirs = [x for x in (item(r, claim_words, their_refs[0])
                                      for r in their_refs[j1:j2]) if x]
                pairs = [(m, t) for m in mine for t in theirs
                         if _GROUP_OF.get(m.kind) == _GROUP_OF.get(t.kind)]
                # A name put aside for words of the claim's own ("the national statistics
                # office" where the source says "the Bank of Kestria").
                own = [str(r) for r in mine_refs[i1:i2] if isinstance(r, str)
                       and r.lower() not in STOP_WORDS and r.lower() not in best.tokens]
                named = [t for t in theirs if isinstance(t, Mention) and t.kind in _NAME_KINDS]
                # Only a clean swap: the source side is the name alone, the claim side a few
                # words, with at least two words in common on each side of it.
                clean = (i2 - i1 <= 4 and all(isinstance(r, Mention) or str(r).lower() in
                                              STOP_WORDS for r in their_refs[j1:j2])
                         and (k == 0 or opcodes[k - 1][2] - opcodes[k - 1][1] >= 2)
                         and (k == len(opcodes) - 1 or opcodes[k + 1][2] - opcodes[k + 1][1] >= 2))
                if clean and not mine and own and named and \
                        f"'{named[0].text}'" not in " ".join(flagged):
                    problems.append(Problem("name", f"'{' '.join(own)}' where "
                                            f"[{best.source}] says '{named[0].text}'"))
                # A name counts only once it differs from every name it stands beside.
                pairs = [(m, t) for m, t in pairs if not any(
                    _same_value(_GROUP_OF[m.kind], m, u) for u in theirs
                    if _GROUP_OF.get(u.kind) == _GROUP_OF.get(m.kind))]
            else:
                continue
            for mine_m, their_m in pairs:
                group = _GROUP_OF.get(mine_m.kind)
                if group is None or group != _GROUP_OF.get(their_m.kind):
                    continue
                if _same_value(group, mine_m, their_m) or any(
                        f"'{mine_m.text}'" in msg for msg in flagged):
                    continue
                if group != "name" and sorted(_values(facts.mentions, group)) == sorted(
                        _values(best.facts.mentions, group)):
                    continue  # the same values in another order ("25 … 21" for "21 … 25")
                if group == "name" and _find_name_in(mine_m, best):
                    continue
                label = _LABELS.get(mine_m.kind, mine_m.kind)
                new, old = (mine_m.value, their_m.value) if group in {"event", "weapon"} else (
                    mine_m.text, their_m.text)
                if new not in reported:
                    reported.add(new)
                    problems.append(Problem(mine_m.kind, f"{label} '{new}' where "
                                            f"[{best.source}] says '{old}'"))
        return problems

    def _same_kind(self, m: Mention, sentences: list[_Sentence]) -> list[tuple[str, int]]:
        """Values of the same kind the given sentences have, with their sources."""
        kinds = {m.kind}
        out: dict[str, set[int]] = {}
        for s in sentences:
            for other in s.facts.mentions:
                if other.kind not in kinds or _derived_date(other) and m.kind == "date":
                    continue
                if m.kind == "number" and (_is_ordinal(m.value) != _is_ordinal(other.value) or (
                        m.noun and other.noun and not _noun_overlap(m.noun, other.noun)
                        and not (m.event and m.event == other.event))
                        or (not m.noun) != (not other.noun)):
                    continue
                if m.kind == "event" and (m.value in _SEVERITY) != (other.value in _SEVERITY):
                    continue
                text = other.text if other.kind not in {"number"} or not other.noun else \
                    f"{other.text} {_plural(other.noun, other.value)}"
                if other.kind == "weekday":
                    text = other.value.capitalize()
                out.setdefault(text, set()).add(s.source)
        return [(text, n) for text, numbers in out.items() for n in sorted(numbers)]

    @staticmethod
    def _find_number(m: Mention, sentences: list[_Sentence], any_event: bool = False) -> bool:
        for s in sentences:
            for other in s.facts.mentions:
                if other.kind not in {m.kind} and not (
                        {m.kind, other.kind} <= {"number", "money"} and not m.noun):
                    continue
                if not _same_number(m.value, other.value):
                    continue
                if m.kind == "number" and m.noun and other.noun and not _noun_overlap(
                        m.noun, other.noun) and not set(stems(m.noun)) <= s.stem_set:
                    continue
                if m.event and other.event and m.event != other.event and not any_event:
                    continue
                return True
            # A year or a number the extractor read as something else: the digits will do.
            if m.kind == "number" and not m.noun and re.fullmatch(r"\d+", m.value) and \
                    re.search(rf"(?<![\d.,]){m.value}(?![\d.,]\d)", s.text):
                return True
            # The figure as written, allowing for text tokenised around its separators
            # ("3, 700", "2 . 4"): a formatting accident, not a different number.
            surface = _flexible_figure(m.text)
            if surface is not None and surface.search(s.text):
                return True
        return False

    @staticmethod
    def _find_name(m: Mention, sentences: list[_Sentence], partial: bool = False) -> bool:
        wanted = [w for w in re.findall(r"[\w']+", _apostrophes(m.value))
                  if w not in {"of", "and", "the"}]
        if not wanted:
            return True
        value = m.value.replace(".", "")
        aliases = _ALIAS_OF.get(value, set())
        for s in sentences:
            if all(w in s.tokens for w in wanted):
                return True
            if partial and any(w in s.tokens for w in wanted if len(w) > 2):
                return True
            if aliases and any(all(w in s.tokens for w in a.split()) for a in aliases):
                return True
            # A demonym or adjective form: "Ukrainian" for "Ukraine", "Chinese" for "China".
            if len(wanted) == 1 and m.kind in {"place", "other_entity"} and any(
                    _name_variant(wanted[0], t) for t in s.tokens):
                return True
        return False

    @staticmethod
    def _find_plain(m: Mention, sentences: list[_Sentence]) -> bool:
        for s in sentences:
            for other in s.facts.mentions:
                if m.kind == "event":
                    if other.kind == "event" and other.value == m.value:
                        return True
                    if other.kind == "number" and other.event == m.value:
                        return True
                    continue
                if other.kind != m.kind:
                    continue
                if other.value == m.value or (m.kind in {"date", "weekday"} and
                                              other.text.lower() == m.text.lower()):
                    return True
                if m.kind == "date" and _dates_agree(m.value, other.value):
                    return True
        return False

    def _check_negation(self, claim: str, facts: SentenceFacts, evidence: list[_Sentence],
                        everything: list[_Sentence], top_sims: list[float]) -> list[Problem]:
        if not evidence:
            return []
        problems = []
        claim_stems = set(stems(claim))
        # Added: each thing the claim negates must be negated in related reporting.
        for cue, head in zip(facts.negations, facts.negated_heads or [""] * len(
                facts.negations), strict=False):
            wanted = facts.negated_heads.count(head) if head else 1
            if any(s.facts.negated_heads.count(head) >= wanted if head else s.facts.negated
                   for s in evidence):
                continue
            # "found no evidence" for "did not find any evidence": the same negation, put
            # another way, as long as the claim does not negate more than the sentence does
            head_stems = set(stems(head)) if head else set()
            if head_stems and any(s.facts.negated and head_stems <= s.stem_set and len(
                    s.facts.negations) >= len(facts.negations) for s in evidence[:1]):
                continue
            # "was not believed to be a threat" for "was not deemed to be a threat": a close
            # sentence with as many negations, the verb put another way
            if top_sims and top_sims[0] >= 0.6 and len(evidence[0].facts.negations) >= len(
                    facts.negations):
                continue
            related = [s for s in everything if s.facts.negated_heads.count(head) >= wanted
                       and len(claim_stems & s.stem_set) >= 0.3 * max(1, len(claim_stems))]
            if related:
                continue
            problems.append(Problem("negation", f"adds a negation ('{cue}"
                                    f"{' ' + head if head and head != cue else ''}') "
                                    "the sources do not have"))
            break
        # Dropped: the matching sentence negates what the claim asserts.
        best = evidence[0]
        if best.facts.negated and not facts.negated and top_sims and top_sims[0] >= 0.6:
            for cue, head in zip(best.facts.negations, best.facts.negated_heads, strict=False):
                if head in facts.negated_heads or head in {"deny", "refuse"}:
                    continue
                head_stems = set(stems(head))
                if head_stems and head_stems <= claim_stems and len(
                        claim_stems & best.stem_set) >= 0.5 * len(claim_stems):
                    problems.append(Problem("negation", f"drops the negation ('{cue} {head}') "
                                            f"of [{best.source}]"))
                    break
        return problems

    def _check_words(self, claim: str, evidence: list[_Sentence],
                     everything: list[_Sentence]) -> list[Problem]:
        """Opposites and closed-class words (colours, compass points) a paraphrase cannot
        change: "least" for "most", "uncrewed" for "crewed", "pink" for "yellow"."""
        problems = []
        claim_words = {w.lower() for w in re.findall(r"[A-Za-z-]+", claim)}
        pool_words = frozenset().union(*(s.tokens for s in everything)) if everything else \
            frozenset()
        ev_words = frozenset().union(*(s.tokens for s in evidence)) if evidence else frozenset()
        pool_text = " ".join(s.norm for s in everything)
        for word in sorted(claim_words - pool_words):
            if "-" in word and (word.replace("-", " - ") in pool_text
                                or word.replace("-", " ") in pool_text):
                continue  # "non-binary" written "non - binary" or "non binary"
            if word in _STRICT_WORDS:
                problems.append(Problem("word", f"'{word}' not in the cited sources"))
                continue
            opposite = next((o for o in _OPPOSITES.get(word, ()) if o in ev_words), None)
            if opposite is None:
                for prefix in ("un", "non", "in", "im", "dis", "il", "ir"):
                    if word.startswith(prefix) and word[len(prefix):].lstrip("-") in ev_words \
                            and len(word) - len(prefix) > 3:
                        opposite = word[len(prefix):].lstrip("-")
                        break
                    if prefix + word in ev_words or f"{prefix}-{word}" in ev_words:
                        opposite = prefix + word
                        break
            if opposite is not None:
                problems.append(Problem("word", f"'{word}' where the sources say '{opposite}'"))
        return problems

    def _check_new_names(self, claim: str, facts: SentenceFacts, everything: list[_Sentence],
                         flagged: set[str]) -> list[Problem]:
        """A capitalised word inside the claim that no cited source has in any form: a name the
        entity recogniser missed ("UFO Media" where the sources only know "Ozy Media")."""
        if not everything or not _cased(claim):
            return []  # lower-cased text shows no names by their capitals
        numbers = {s.source for s in everything}
        # The cited outlets' own names count: "…, the Daily Flare reported" is attribution.
        pool_tokens = frozenset().union(*(s.tokens for s in everything), *(
            _name_tokens(self.sources[n].outlet) for n in numbers))
        pool_text = " ".join(self._plain_text.get(n, "") for n in sorted(numbers))
        # Days, dates, times and figures have checks of their own (a weekday may stand for a
        # date the sources give by number).
        spans = [(m.start, m.end) for m in facts.mentions if m.kind in {
            "date", "weekday", "time", "number", "money", "percent"}]
        words = list(re.finditer(r"[\w.'’-]+", claim))
        problems = []
        for k, match in enumerate(words):
            word = match.group(0).strip(".-")
            before = claim[:match.start()].rstrip()
            if k == 0 or not word[:1].isupper() or before[-1:] in set(".!?:;\"“‘'(["):
                continue  # a sentence, quote or bracket starts here: capitals say nothing
            if any(a <= match.start() < b for a, b in spans):
                continue
            low = re.sub(r"'s?$", "", _apostrophes(word).lower()).replace(".", "")
            if not low or low in STOP_WORDS or low in _WEEKDAY_NAMES or low in _MONTHS:
                continue
            parts = [p for p in low.split("-") if p]
            if low in pool_tokens or all(p in pool_tokens for p in parts):
                continue
            if any(all(w in pool_tokens for w in a.split()) for a in _ALIAS_OF.get(low, ())):
                continue
            if any(_name_variant(p, t) for p in parts for t in pool_tokens):
                continue
            if word.isupper() and len(word) >= 2 and re.search(
                    r"\b" + r"[\w'’]*[\s-]+(?:(?:of|and|the|for)\s+)?".join(word) + r"\w*",
                    pool_text, re.I):
                continue  # an acronym of words the sources spell out ("CEO")
            if any(re.search(rf"'[^']*\b{re.escape(word)}\b[^']*'", msg) for msg in flagged):
                continue  # part of a name another check has already reported
            problems.append(Problem("name", f"name '{word}' not in the cited sources"))
        return problems

    def _check_quotes(self, claim: str, pool: list[int]) -> list[Problem]:
        problems = []
        numbers = sorted({self._sentences[i].source for i in pool})
        for m in _QUOTE_IN_CLAIM.finditer(claim):
            quote = m.group("q")
            if len(quote.split()) < 2:
                continue
            if self.quote_is_verbatim(quote, numbers) is None:
                short = quote if len(quote) <= 60 else quote[:57] + "…"
                problems.append(Problem("quote", f"quote \"{short}\" is not verbatim in "
                                        f"{_citation_marks(numbers)}"))
        return problems


_OPPOSITE_PAIRS = """most least|more less|more fewer|higher lower|high low|largest smallest|
biggest smallest|increase decrease|increased decreased|increases decreases|rise fall|rose fell|
rising falling|gain loss|gains losses|win lose|won lost|wins loses|victory defeat|up down|
open close|opened closed|allow ban|allowed banned|allow prohibit|lift impose|lifted imposed|
accept reject|accepted rejected|approve reject|approved rejected|support oppose|
supported opposed|supports opposes|agree disagree|agreed disagreed|confirm deny|
confirmed denied|admit deny|admitted denied|claimed denied|guilty innocent|convicted acquitted|
before after|first last|earlier later|early late|start end|started ended|begin end|
arrive depart|arrived departed|enter leave|entered left|import export|imports exports|
buy sell|bought sold|buying selling|hire fire|hired fired|male female|man woman|men women|
boy girl|boys girls|husband wife|son daughter|father mother|brother sister|king queen|
positive negative|success failure|successful unsuccessful|legal illegal|public private|
domestic foreign|maximum minimum|strengthen weaken|expand shrink|peace war|crewed uncrewed|
manned unmanned|internal external|include exclude|included excluded|inside outside|
above below|cut raise|cuts raises|strong weak|rich poor|hot cold|cheap expensive|young old|
ally enemy|allies enemies|following despite|ban endorse|banning endorsing|murder manslaughter|
lowest highest|best worst|better worse|right wrong|true false|dead alive|living dead|
victim suspect|victims suspects|winner loser|winners losers|north south|east west|
died survived|killed survived|dead survived|dead alive|injured unharmed|injured unhurt|
wounded unharmed|detained released|arrested released|charged cleared|critical stable|
seriously lightly|severely slightly|
northern southern|eastern western|full empty|
new old|newer older|newest oldest|near far|nearby distant|close distant|keep delete|
kept deleted|keep remove|kept removed|voluntary mandatory|voluntary compulsory|
optional mandatory|temporary permanent|partial complete|rural urban|ancient modern|
junior senior|minor major|large small|big small|huge tiny|giant tiny|long short|longer shorter|
fast slow|faster slower|quick slow|heavy light|wide narrow|deep shallow|drop rise|dropped rose|
accept refuse|accepted refused|offensive defensive|join leave|joined left|present absent|
presence absence|same different|similar different|common rare|safe dangerous|easy difficult|
simple complex|wet dry|day night|morning evening|summer winter|praise criticise|
praised criticised|praise condemn|praised condemned|welcomed condemned|entry exit|
lend borrow|lent borrowed|send receive|sent received|past future|previous next|older younger|
oldest youngest|profit loss|profits losses|surplus deficit|inflation deflation|buyer seller|
buyers sellers|employer employee|employers employees|landlord tenant|plaintiff defendant|
raise lower|raised lowered|boost cut|boosted cut|lengthen shorten|tighten loosen|
strict lenient|majority minority|many few|all none|always never|everything nothing|
indoor outdoor|indoors outdoors|online offline|real fake|genuine fake|fact fiction|
mega mini|micro macro|mega micro|import export|imported exported""".replace("\n", " ").split("|")
_OPPOSITES: dict[str, set[str]] = {}
for _pair in _OPPOSITE_PAIRS:
    _words = _pair.split()
    if len(_words) == 2:
        _OPPOSITES.setdefault(_words[0], set()).add(_words[1])
        _OPPOSITES.setdefault(_words[1], set()).add(_words[0])
_STRICT_WORDS = {"red", "orange", "yellow", "green", "blue", "purple", "pink", "black", "white",
                 "brown", "grey", "gray", "violet", "north", "south", "east", "west",
                 "northern", "southern", "eastern", "western", "northeast", "northwest",
                 "southeast", "southwest", "northeastern", "northwestern", "southeastern",
                 "southwestern"}

_NAME_KINDS = {"person", "org", "place", "other_entity"}
# Outcomes that exclude each other: one casualty cannot be both killed and lightly injured.
_CASUALTY = {"killed", "injured", "critical", "serious", "minor"}
_SWAP_GROUPS = {"name": _NAME_KINDS, "number": {"number", "money", "percent"},
                "day": {"date", "weekday"}, "time": {"time"}, "event": {"event"},
                "weapon": {"weapon"}}
_GROUP_OF = {kind: group for group, kinds in _SWAP_GROUPS.items() for kind in kinds}
_GROUP_OF["name"] = "name"


def _values(mentions: list[Mention], group: str) -> list[str]:
    return [m.value for m in mentions if _GROUP_OF.get(m.kind) == group and not _derived_date(m)]


def _find_name_in(m: Mention, sentence: _Sentence) -> bool:
    """Every word of the name is in the sentence (it only moved within it)."""
    words = [w for w in re.findall(r"[\w']+", _apostrophes(m.value).replace(".", "")) if w not in {
        "of", "the", "and"}]
    if len(words) == 1:
        return any(_name_variant(words[0], t) or t == words[0] for t in sentence.tokens)
    return bool(words) and all(w in sentence.tokens for w in words)


def _word_runs(text: str) -> set[tuple[str, ...]]:
    """The sentence's runs of four words (lower case, punctuation ignored)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return set(zip(*(words[i:] for i in range(4)), strict=False))


def _cased(text: str) -> bool:
    """Whether the text capitalises names (a capital letter after its first word)."""
    return bool(re.search(r"\s[A-Z]", text.strip()))


def _masked(text: str, mentions: list[Mention]) -> tuple[list[str], list[object]]:
    """The sentence as words, each fact one token "<kind>"; beside each token, the mention it
    stands for or the word as written."""
    words: list[str] = []
    refs: list[object] = []
    cursor = 0
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if m.start < cursor:
            continue
        for w in re.findall(r"[\w']+", _apostrophes(text[cursor:m.start])):
            words.append(w.lower())
            refs.append(w)
        words.append(f"<{_GROUP_OF.get(m.kind, m.kind)}>")
        refs.append(m)
        cursor = m.end
    for w in re.findall(r"[\w']+", _apostrophes(text[cursor:])):
        words.append(w.lower())
        refs.append(w)
    return words, refs


def _masked_words(text: str, mentions: list[Mention]) -> list[str]:
    """The sentence's words with each fact (name, number, day, …) masked by its kind."""
    out, cursor = [], 0
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start < cursor:
            continue
        out.extend(re.findall(r"\w+", text[cursor:m.start].lower()))
        out.append(f"<{m.kind}>")
        cursor = m.end
    out.extend(re.findall(r"\w+", text[cursor:].lower()))
    return out


def _wording(a: str, ma: list[Mention], b: str, mb: list[Mention]) -> float:
    """How much of their wording two sentences share (0..1), in order, facts masked: an edited
    copy that swaps one name or number for another scores 1."""
    wa, wb = _masked_words(a, ma), _masked_words(b, mb)
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _same_value(group: str, a: Mention, b: Mention) -> bool:
    """Whether two mentions of one swap group can stand for the same thing."""
    if group == "number":
        return _same_number(a.value, b.value) or a.value in b.value.split(" or ") or \
            b.value in a.value.split(" or ")
    if group == "name":
        ta = {t for t in re.findall(r"[\w']+", _apostrophes(a.value)) if t not in {"of", "the", "and"}}
        tb = {t for t in re.findall(r"[\w']+", _apostrophes(b.value)) if t not in {"of", "the", "and"}}
        if ta <= tb or tb <= ta or a.value in _ALIAS_OF.get(b.value, ()):
            return True
        initials = "".join(t[0] for t in b.value.split() if t not in {"of", "the", "and"})
        initials_a = "".join(t[0] for t in a.value.split() if t not in {"of", "the", "and"})
        if a.value.replace(" ", "") == initials or b.value.replace(" ", "") == initials_a:
            return True
        return len(ta) == 1 and len(tb) == 1 and _name_variant(next(iter(ta)), next(iter(tb)))
    if group == "day":
        return a.value == b.value or a.text.lower() == b.text.lower() or (
            a.kind == b.kind == "date" and _dates_agree(a.value, b.value))
    return a.value == b.value
_LABELS = {"number": "number", "money": "amount", "percent": "percentage", "time": "time",
           "date": "date", "weekday": "day", "person": "person", "org": "organisation",
           "place": "place", "other_entity": "name", "event": "outcome", "weapon": "weapon",
           "name": "name"}


def _flexible_figure(text: str) -> re.Pattern | None:
    digits = re.search(r"\d[\d,.]*\d|\d", text)
    if digits is None:
        return None
    parts = re.split(r"([,.])", digits.group(0))
    body = "".join(rf"\s?\{p}\s?" if p in ",." else p for p in parts)
    rest = text[digits.end():].strip().lower()
    scale = re.match(r"(million|billion|thousand|trillion|bn|m|k)\b", rest)
    tail = rf"\s?{scale.group(1)}" if scale else ""
    return re.compile(rf"(?<![\d.,]){body}{tail}(?![\d]|\s?[,.]\s?\d)", re.I)


def _plural(noun: str, value: str) -> str:
    """"soldier" → "soldiers" for a count above one (lemmas make readable reasons)."""
    if value in {"1", "1st"} or _is_ordinal(value) or noun.endswith(("people", "s")):
        return noun
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if noun.endswith(("x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _is_ordinal(value: str) -> bool:
    return value.endswith(("st", "nd", "rd", "th"))


def _noun_overlap(a: str, b: str) -> bool:
    return bool(set(stems(a)) & set(stems(b)))


def _dates_agree(a: str, b: str) -> bool:
    """ISO dates with or without a year ("--11-16" matches "2026-11-16"); a year matches its
    dates."""
    if a.startswith("--") or b.startswith("--"):
        if len(a) == 7 or len(b) == 7:  # a month ("2022-08") against a day without a year
            return (a if len(a) == 7 else b)[5:7] == (b if len(a) == 7 else a)[2:4]
        return a[-5:] == b[-5:]
    if len(a) == 7 or len(b) == 7:  # a month and a day in it
        return a[:7] == b[:7]
    if len(a) == 4 or len(b) == 4:
        return a[:4] == b[:4] and (len(a) == 4 or len(b) == 4)
    return False


def _describe(values: list[tuple[str, int]]) -> str:
    """"Monday [2][3], Sunday [1]"."""
    grouped: dict[str, list[int]] = {}
    for text, number in values:
        grouped.setdefault(text, []).append(number)
    parts = [f"{text} {_citation_marks(numbers)}" for text, numbers in list(grouped.items())[:3]]
    return ", ".join(parts)


# ----------------------------------------------------------------------------- convenience


def verify(sentence: str, sources: Sequence[SourceDoc], citations: list[int] | None = None,
           embedder: Embedder | None = None) -> Verdict:
    """Check one sentence against sources (builds a ``Verifier``; reuse one for many checks)."""
    return Verifier(sources, embedder=embedder).check(sentence, citations)
