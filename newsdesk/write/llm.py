"""The LLM writer: fluent prose from any OpenAI-compatible model, checked sentence by sentence.

How a story is written (``write.writer = "llm"``):

1. The story plan and the extractive story are built first (``newsdesk.write.plan``,
   ``newsdesk.write.extractive``): the extractive story is the fallback, and its headline,
   quotes, background, timeline and what's-next sections are kept — they are taken from the
   sources already. The model writes the lede and body.
2. The model gets numbered source sentences (the extractive selection first, then the next
   most salient facts), key facts, quotes with speakers and the sources' disagreements, fenced
   as data (``newsdesk.write.prompt``). When they do not fit the model's context they are
   split into parts, one request each, the most important part first.
3. Every sentence of the answer is checked: it must cite sentence numbers that exist, be in
   the sources' language, be supported by the sources it cites (``newsdesk.verify``: numbers,
   names, dates, quotes word for word), and use no content word its cited sources lack. A
   sentence that fails is replaced by the source sentence it cited, when that one is new to
   the story and reads on its own, and dropped otherwise. Nothing that fails is published.
4. An answer that cannot be used — server down or slow, garbage, cut off at ``max_tokens``, a
   refusal, the wrong language, or too little that passes — gives the extractive story
   instead, with a warning that says why. A story is never half written by the model.

``LLMWriter.last_report`` keeps what happened to each model sentence, for tests, the benchmark
and anyone curious.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from newsdesk.models import Article, CitedSentence, Conflict, Section, WrittenStory
from newsdesk.settings import WriteSettings
from newsdesk.write.base import _renumber_conflicts, finish, register_writer, story_embedder
from newsdesk.write.cleanup import is_resolved
from newsdesk.write.extractive import ExtractiveWriter
from newsdesk.write.llm_client import ChatClient, ChatResult, LLMError
from newsdesk.write.plan import MIN_WORDS, StoryPlan, content_tokens
from newsdesk.write.prompt import (
    DraftSentence,
    LanguageProfile,
    PromptFact,
    PromptPart,
    PromptQuote,
    PromptSentence,
    RunawayGuard,
    is_refusal,
    looks_like_instruction,
    messages_for,
    neutralise,
    parse_answer,
    prompt_tokens,
    strip_citations,
)

if TYPE_CHECKING:
    from newsdesk.settings import Settings
    from newsdesk.store import Store
    from newsdesk.understand.embed import Embedder
    from newsdesk.verify.checker import Verifier

# Used when the server does not say how long its context is (only llama.cpp's /props does).
DEFAULT_CONTEXT = 4096
# Offer the model about this many times the words it should write, so it can choose.
OFFER_FACTOR = 2.5
MIN_OFFER, MAX_OFFER = 6, 40
# Answer tokens allowed per word asked for (words, citations, punctuation), plus a margin.
TOKENS_PER_WORD = 2.5
# A model story with less than this share of the budget left after checking is not published.
MIN_KEPT_SHARE = 0.4
# A model sentence sharing this much of its content words with an earlier one repeats it.
REPEAT_OVERLAP = 0.8
MAX_FACTS, MAX_QUOTES = 8, 4
# Shorter "sentences" are fragments (a small model echoing the key facts: "150,000 copies");
# the plan holds source sentences to the same minimum.
MIN_SENTENCE_WORDS = MIN_WORDS


@dataclass
class SentenceCheck:
    """What became of one sentence the model wrote."""

    text: str  # as the model wrote it, citations taken out
    cited: list[int]  # the prompt numbers it cited
    citations: list[int]  # the story sources those map to
    outcome: str  # "kept" | "replaced" | "dropped" | "repeat" | "over budget"
    reason: str = ""  # why it did not pass ("" when kept)
    part: int = 1

    @property
    def passed(self) -> bool:
        return self.outcome in ("kept", "repeat", "over budget")


@dataclass
class LLMReport:
    """One story's run of the LLM writer: the raw answers and every sentence's fate."""

    answers: list[str] = field(default_factory=list)
    checks: list[SentenceCheck] = field(default_factory=list)
    parts: int = 0
    offered: int = 0  # source sentences offered to the model
    withheld: list[str] = field(default_factory=list)  # sentences that read like instructions
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0  # time spent waiting for the model
    # The server's reading and writing speeds (tokens/s) per request, when it reports them.
    prompt_speeds: list[float] = field(default_factory=list)
    generation_speeds: list[float] = field(default_factory=list)
    stopped: str = ""  # why newsdesk ended an answer early (a model caught in a loop)
    fallback: str = ""  # why the extractive story was published instead ("" when it was not)

    @property
    def raw_text(self) -> str:
        """The model's sentences as it wrote them, citations out (what ROUGE of "raw" reads)."""
        return " ".join(c.text for c in self.checks)

    @property
    def written(self) -> int:
        return len(self.checks)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome)

    @property
    def failed(self) -> int:
        """Sentences that failed verification (replaced or dropped)."""
        return self.count("replaced") + self.count("dropped")

    @property
    def pass_rate(self) -> float | None:
        return (self.written - self.failed) / self.written if self.written else None

    @property
    def tokens_per_second(self) -> float | None:
        return self.completion_tokens / self.seconds if self.seconds and \
            self.completion_tokens else None

    def summary(self) -> str:
        if not self.written:
            return "the model wrote no usable sentence"
        kept, replaced, dropped = (self.count(k) for k in ("kept", "replaced", "dropped"))
        parts = [f"the model wrote {_n(self.written, 'sentence')}; {kept} passed verification "
                 "and " + ("was" if kept == 1 else "were") + " published"]
        if replaced:
            parts.append(f"{replaced} failed and " + ("was" if replaced == 1 else "were")
                         + " replaced by the source sentence cited")
        if dropped:
            parts.append(f"{dropped} failed and " + ("was" if dropped == 1 else "were")
                         + " dropped")
        skipped = self.count("repeat") + self.count("over budget")
        if skipped:
            parts.append(f"{skipped} passed but repeated the story or ran over the length")
        return "; ".join(parts)


class _MemoEmbedder:
    """Remembers vectors for the life of one story, so the plan and the checker embed once."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self._vectors[text] = vector
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts]).astype(np.float32)


class _AnswerCache:
    """Answers by request, so the same plan gives the same story without asking twice."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[str, ChatResult] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(client: ChatClient, messages: list[dict[str, str]], max_tokens: int) -> str:
        blob = json.dumps([client.endpoint, client.model, client.temperature, max_tokens,
                           messages], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> ChatResult | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, result: ChatResult) -> None:
        with self._lock:
            self._items[key] = result
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_ANSWERS = _AnswerCache()


class LLMWriter:
    """Writes the lede and body with a language model; see the module docstring.

    ``settings``: the ``[write]`` settings (server, model, limits). ``embedder``: the sentence
    model shared with the plan and the checker. ``client`` / ``extractive``: to share an HTTP
    client or a configured extractive writer. ``context_tokens`` overrides the context size
    (tests and benchmarks); ``cache=False`` asks the model even for a request seen before;
    ``strict_words=False`` drops the no-new-words rule (for experiments only).
    """

    name = "llm"

    def __init__(self, settings: WriteSettings | None = None, *, embedder: Embedder | None = None,
                 client: ChatClient | None = None, extractive: ExtractiveWriter | None = None,
                 env: dict[str, str] | None = None, context_tokens: int | None = None,
                 cache: bool = True, strict_words: bool = True) -> None:
        self.settings = settings or WriteSettings()
        self.client = client or ChatClient.from_settings(self.settings, env=env)
        self.embedder = embedder
        self.extractive = extractive or ExtractiveWriter(embedder=embedder)
        self._context = context_tokens
        self._cache = _ANSWERS if cache else None
        self.strict_words = strict_words
        self._stems: dict[int, set[str]] = {}  # source number → stems, for one story
        self.last_report: LLMReport | None = None

    # ------------------------------------------------------------------ entry point

    def write(self, articles: list[Article], *, words: int = 200) -> WrittenStory:
        usable = [a for a in articles if (a.text or "").strip() or (a.title or "").strip()]
        report = LLMReport()
        self.last_report = report
        if not usable:
            return WrittenStory(headline="", lede=[], writer=self.name,
                                warnings=["no article text to write from"])
        embedder = self.embedder or self.extractive.embedder
        if embedder is None:
            embedder = story_embedder()
        memo = _MemoEmbedder(embedder)
        plan = ExtractiveWriter(embedder=memo, scorer=self.extractive.scorer,
                                config=self.extractive.config,
                                with_facts=self.extractive.with_facts).plan(usable)
        fallback = _without_instructions(self.extractive.write_plan(plan, words=words))
        if not fallback.lede and not fallback.sections:
            # Nothing publishable in the sources: no model can change that.
            return finish(fallback, plan.articles, embedder=memo)
        try:
            story = self._write(plan, fallback, words, memo, report)
        except LLMError as exc:
            return self._fall_back(fallback, plan, report, str(exc), memo)
        except Exception as exc:  # a bug here must not cost the reader the story
            return self._fall_back(fallback, plan, report,
                                   f"failed unexpectedly ({type(exc).__name__}: {exc})", memo)
        # The verifier reuses the plan's embedder: every source sentence is embedded once.
        return finish(story, plan.articles, embedder=memo)

    @staticmethod
    def _fall_back(fallback: WrittenStory, plan: StoryPlan, report: LLMReport,
                   why: str, embedder: Embedder) -> WrittenStory:
        report.fallback = why
        fallback.warnings.append(
            f"LLM writer: {why}. This story was written by the extractive writer instead.")
        return finish(fallback, plan.articles, embedder=embedder)

    # ------------------------------------------------------------------ the model's story

    def _write(self, plan: StoryPlan, fallback: WrittenStory, words: int,
               embedder: Embedder, report: LLMReport) -> WrittenStory:
        from newsdesk.verify.story import source_docs

        self._stems = {}
        language = plan.articles[0].language or "en"
        profile = LanguageProfile.of(" ".join(s.text for s in plan.sentences[:60]), language)
        offered = self._offer(plan, words, report)
        if not offered:
            raise LLMError("no source sentence could be offered to the model", kind="empty")
        found = self._conflicts(plan)
        conflicts = [_conflict_line(c) for c in found]
        parts = self._parts(plan, offered, conflicts, words, language)
        report.parts = len(parts)
        report.offered = len(offered)

        from newsdesk.verify.checker import Verifier

        verifier = Verifier(source_docs(plan.sources, plan.articles), embedder=embedder)
        by_number = {s.number: s for s in offered}
        story_sentences: list[CitedSentence] = []
        used_units: set[int] = set()
        used_words = 0
        budget = words
        for part in parts:
            result = self._ask(part, language, report)
            drafts = self._read(result, profile, part)
            for draft in drafts:
                check, published = self._check(draft, part, by_number, plan, verifier, profile,
                                                story_sentences, used_units)
                if published is not None:
                    size = len(published.text.split())
                    if story_sentences and used_words + size > budget * 1.1:
                        check.outcome = "over budget" if check.outcome == "kept" else "dropped"
                        if check.outcome == "dropped" and not check.reason:
                            check.reason = "over the length budget"
                    else:
                        story_sentences.append(published)
                        used_words += size
                        used_units.update(self._units_of(draft, by_number, plan))
                report.checks.append(check)

        extract_words = sum(len(s.text.split()) for s in fallback.body_sentences())
        kept_model = report.count("kept")
        if kept_model == 0:
            if report.failed == report.written:
                raise LLMError(f"none of the model's {_n(report.written, 'sentence')} passed "
                               "verification", kind="unverified")
            raise LLMError(f"none of the model's sentences could be published "
                           f"({report.summary()})", kind="unverified")
        if used_words < MIN_KEPT_SHARE * min(words, max(extract_words, 1)):
            raise LLMError(f"too little of the model's story passed verification "
                           f"({used_words} of about {words} words; {report.summary()})",
                           kind="unverified")
        return self._assemble(plan, fallback, story_sentences, used_units, found, report)

    # ------------------------------------------------------------------ what the model sees

    def _offer(self, plan: StoryPlan, words: int, report: LLMReport) -> list[PromptSentence]:
        """The source sentences to offer, most important first, numbered from 1."""
        selection = self.extractive.select(plan, words)
        first = selection.lede + selection.body
        ranked = [u.representative for u in plan.ranked_units()
                  if plan.sentence(u.representative).publishable]
        target = max(MIN_OFFER, min(MAX_OFFER, math.ceil(
            OFFER_FACTOR * words / max(1.0, _mean_words(plan, ranked[:20])))))
        # The plan already keeps them out as debris; the report says they were there.
        for s in plan.sentences:
            if s.debris == "instruction" and s.text not in report.withheld:
                report.withheld.append(s.text)
        chosen: list[int] = []
        for number in first + ranked:
            if number in chosen:
                continue
            s = plan.sentence(number)
            if number not in first:
                if len(chosen) >= target:
                    break
                # A near-repeat of an offered fact only costs context.
                if any(plan.redundancy(s.unit, plan.sentence(c).unit) >= 0.85 for c in chosen):
                    continue
            chosen.append(number)
        out = []
        for k, number in enumerate(chosen, start=1):
            s = plan.sentence(number)
            unit = plan.unit_of(number)
            out.append(PromptSentence(k, neutralise(s.clean), s.outlet, number,
                                      plan.citations_of([number]), unit.articles))
        return out

    def _parts(self, plan: StoryPlan, offered: list[PromptSentence], conflicts: list[str],
               words: int, language: str) -> list[PromptPart]:
        """Split the offer into requests that each fit the model's context."""
        context = self.context_tokens()
        answer = self._answer_tokens(words)
        room = context - answer - 32
        words = self._model_words(words)
        whole = self._part(plan, offered, conflicts, words, 1, 1)
        if prompt_tokens(whole, language) <= room:
            return [whole]
        if answer >= context // 2:
            raise LLMError(
                f"write.max_tokens ({self.settings.max_tokens}) leaves too little of the model's "
                f"{context}-token context for the sources; lower write.max_tokens or use a model "
                "with a longer context", kind="config")
        groups: list[list[PromptSentence]] = [[]]
        for s in offered:
            trial = self._part(plan, groups[-1] + [s], conflicts if len(groups) == 1 else [],
                               words, 1, 2)
            if groups[-1] and prompt_tokens(trial, language) > room:
                groups.append([s])
            else:
                groups[-1].append(s)
        groups = [g for g in groups if g]
        total = sum(len(g) for g in groups)
        parts = []
        for i, group in enumerate(groups, start=1):
            share = max(20, round(words * len(group) / total))
            part = self._part(plan, group, conflicts if i == 1 else [], share, i, len(groups))
            if prompt_tokens(part, language) > room:  # one sentence longer than the context
                part.sentences = [s for s in part.sentences
                                  if prompt_tokens(self._part(plan, [s], [], share, i, 1),
                                                   language) <= room]
                if not part.sentences:
                    continue
            parts.append(part)
        if not parts:
            raise LLMError(f"the model's context ({context} tokens) is too small for even one "
                           "source sentence", kind="config")
        return parts

    def _part(self, plan: StoryPlan, sentences: list[PromptSentence], conflicts: list[str],
              words: int, index: int, count: int) -> PromptPart:
        by_plan = {s.plan_number: s.number for s in sentences}
        facts: list[PromptFact] = []
        seen: set[str] = set()
        for s in sentences:
            source = plan.sentence(s.plan_number)
            spans: set[tuple[int, int]] = set()
            for m in getattr(source.facts, "mentions", None) or []:
                text = _fact_text(m, source.clean)
                if not text or (m.start, m.end) in spans:
                    continue  # a weekday and the date it resolves to share one span
                spans.add((m.start, m.end))
                key = text.lower()
                if key in seen or len(facts) >= MAX_FACTS:
                    continue
                seen.add(key)
                facts.append(PromptFact(text, s.number))
        quotes: list[PromptQuote] = []
        for q in plan.quotes:
            if q.speaker.strip() and q.sentence in by_plan and len(quotes) < MAX_QUOTES:
                quotes.append(PromptQuote(neutralise(q.text), q.speaker, by_plan[q.sentence]))
        return PromptPart(list(sentences), facts, quotes, list(conflicts), words, index, count)

    @staticmethod
    def _conflicts(plan: StoryPlan) -> list[Conflict]:
        """Where the sources disagree (when the verification module can tell)."""
        if len(plan.articles) < 2:
            return []
        try:
            from newsdesk import verify
        except ImportError:
            return []
        find = getattr(verify, "find_conflicts", None)
        return list(find(plan.articles)) if find is not None else []

    # ------------------------------------------------------------------ the model's answer

    def context_tokens(self) -> int:
        """The model's context window: as configured, else as the server says, else 4096."""
        if self._context is None:
            self._context = (self.settings.context_tokens or self.client.context_size()
                             or DEFAULT_CONTEXT)
        return self._context

    def _answer_tokens(self, words: int) -> int:
        return max(64, min(self.settings.max_tokens, int(words * TOKENS_PER_WORD) + 64))

    def _model_words(self, words: int) -> int:
        """The words to ask for: the budget, or less when ``max_tokens`` could not hold it (an
        answer cut off at ``max_tokens`` cannot be published)."""
        return max(20, min(words, int((self.settings.max_tokens - 64) / TOKENS_PER_WORD)))

    def _ask(self, part: PromptPart, language: str, report: LLMReport) -> ChatResult:
        messages = messages_for(part, language)
        max_tokens = self._answer_tokens(part.words)
        key = _AnswerCache.key(self.client, messages, max_tokens) if self._cache else ""
        result = self._cache.get(key) if self._cache else None
        if result is None:
            guard = RunawayGuard(part.words)
            result = self.client.chat(messages, max_tokens=max_tokens, stop_when=guard)
            report.seconds += result.seconds
            report.prompt_tokens += result.prompt_tokens or prompt_tokens(part, language)
            report.completion_tokens += result.completion_tokens or 0
            if result.prompt_per_second:
                report.prompt_speeds.append(result.prompt_per_second)
            if result.predicted_per_second:
                report.generation_speeds.append(result.predicted_per_second)
            report.stopped = report.stopped or guard.triggered
        report.answers.append(result.text)
        if result.truncated:
            raise LLMError(f"the model's answer was cut off at {max_tokens} tokens "
                           "(write.max_tokens); the story would be half written", kind="truncated")
        if self._cache and key:
            self._cache.put(key, result)
        return result

    def _read(self, result: ChatResult, profile: LanguageProfile, part: PromptPart
              ) -> list[DraftSentence]:
        text = result.text.strip()
        if is_refusal(text):
            raise LLMError(f"the model refused to write the story (\"{_short(text)}\")",
                           kind="refused")
        drafts = parse_answer(text)
        if result.finish_reason == "stopped" and drafts and not drafts[-1].complete:
            drafts = drafts[:-1]  # where the runaway guard cut in: not a sentence
        if not drafts or not any(d.cited for d in drafts):
            raise LLMError("the model's answer cites no source sentence, so none of it can be "
                           f"checked (\"{_short(text)}\")", kind="malformed")
        foreign = profile.foreign(strip_citations(" ".join(d.text for d in drafts)))
        if foreign:
            raise LLMError(f"the model answered in {foreign}, not in the sources' language "
                           f"(\"{_short(text)}\")", kind="language")
        return drafts

    def _check(self, draft: DraftSentence, part: PromptPart,
               by_number: dict[int, PromptSentence], plan: StoryPlan, verifier: Verifier,
               profile: LanguageProfile, story: list[CitedSentence], used_units: set[int]
               ) -> tuple[SentenceCheck, CitedSentence | None]:
        """Check one model sentence; return what to publish in its place (or nothing)."""
        offered_here = {s.number for s in part.sentences}
        valid = [n for n in draft.cited if n in by_number and n in offered_here]
        invalid = [n for n in draft.cited if n not in valid]
        citations = plan.citations_of([by_number[n].plan_number for n in valid])
        check = SentenceCheck(draft.text, list(draft.cited), citations, "kept", part=part.part)
        text = _finish_sentence(draft.text)
        if not draft.cited:
            check.reason = "no citation"
        elif invalid:
            marks = "".join(f"[{n}]" for n in invalid)
            check.reason = f"cites {marks}, which is not a source sentence it was given"
        elif not draft.complete or len(text.split()) < MIN_SENTENCE_WORDS:
            check.reason = "not a complete sentence"
        elif profile.foreign(text):
            check.reason = f"written in {profile.foreign(text)}, not the sources' language"
        else:
            claim = _outlets_masked(text, plan, citations)
            verdict = verifier.check(claim, citations)
            novel = self._novel_words(claim, citations, plan)
            if not verdict.supported:
                check.reason = verdict.reason or "not supported by the cited sources"
            elif novel:
                check.reason = f"words the cited sources do not have: {', '.join(novel[:5])}"
            elif self._repeats(text, story):
                check.outcome = "repeat"
                return check, None
            else:
                note = verdict.reason if verdict.reason.startswith("supported") else ""
                return check, CitedSentence(text, citations, origin="llm", verified=True,
                                            reason=note)
        # It failed: the source sentence it cited stands in, if it adds to the story.
        replacement = self._replacement(valid, by_number, plan, verifier, story, used_units)
        if replacement is None:
            check.outcome = "dropped"
            return check, None
        check.outcome = "replaced"
        return check, replacement

    def _replacement(self, valid: list[int], by_number: dict[int, PromptSentence],
                     plan: StoryPlan, verifier: Verifier, story: list[CitedSentence],
                     used_units: set[int]) -> CitedSentence | None:
        earlier = [s.text for s in story]
        for n in valid:
            s = plan.sentence(by_number[n].plan_number)
            if s.unit in used_units or not s.publishable:
                continue
            if s.opening is not None and not is_resolved(s.opening, earlier, False):
                continue
            if self._repeats(s.clean, story):
                continue
            citations = plan.citations_of([s.number])
            if verifier.check(s.clean, citations).supported:
                used_units.add(s.unit)
                return CitedSentence(s.clean, citations, origin="extract", verified=True)
        return None

    def _novel_words(self, claim: str, citations: list[int], plan: StoryPlan) -> list[str]:
        """Content words of a model sentence that no cited source uses.

        The checker weighs overall support and checks numbers, names, dates and quotes; a
        model can still add a detail in plain words ("put it out with a hose") that scores
        well enough. newsdesk publishes nothing its sources do not say, so a model sentence
        may only use words (inflections aside) that its cited sources use.
        """
        if not self.strict_words:
            return []
        vocabulary: set[str] = set()
        for number in citations:
            vocabulary |= self._source_stems(plan, number)
        return [word for word, stem in _content_stems(claim)
                if stem not in vocabulary and stem not in _FREE_STEMS]

    def _source_stems(self, plan: StoryPlan, number: int) -> set[str]:
        """The content stems of one source's article (cached for the story being written)."""
        if number not in self._stems:
            article = next((plan.articles[i] for i, numbers in enumerate(plan.article_sources)
                            if number in numbers), None)
            text = f"{article.title}\n{article.text}" if article is not None else ""
            self._stems[number] = {stem for _, stem in _content_stems(text)}
        return self._stems[number]

    @staticmethod
    def _repeats(text: str, story: list[CitedSentence]) -> bool:
        mine = set(content_tokens(text))
        if not mine:
            return True
        for s in story:
            theirs = set(content_tokens(s.text))
            if theirs and len(mine & theirs) / len(mine) >= REPEAT_OVERLAP:
                return True
        return False

    @staticmethod
    def _units_of(draft: DraftSentence, by_number: dict[int, PromptSentence],
                  plan: StoryPlan) -> set[int]:
        return {plan.sentence(by_number[n].plan_number).unit for n in draft.cited
                if n in by_number}

    # ------------------------------------------------------------------ the story

    def _assemble(self, plan: StoryPlan, fallback: WrittenStory,
                  sentences: list[CitedSentence], used_units: set[int],
                  conflicts: list[Conflict], report: LLMReport) -> WrittenStory:
        number_of = {s.clean: s.number for s in plan.sentences}
        body_text = " ".join(s.text for s in sentences)

        def fresh(extra: CitedSentence) -> bool:
            """Extras the extractive writer chose may now repeat the model's body."""
            n = number_of.get(extra.text)
            if n is not None and plan.sentence(n).unit in used_units:
                return False
            return not self._repeats(extra.text, sentences)

        story = WrittenStory(
            headline=fallback.headline,
            lede=sentences[:1],
            sections=[Section("", sentences[1:])] if len(sentences) > 1 else [],
            quotes=[q for q in fallback.quotes if q.text not in body_text],
            background=[s for s in fallback.background if fresh(s)],
            timeline=list(fallback.timeline),
            whats_next=[s for s in fallback.whats_next if fresh(s)],
            sources=list(plan.sources),
            writer=self.name,
            warnings=list(plan.warnings),
        )
        if conflicts:
            story.conflicts = _renumber_conflicts(conflicts, story)
        if report.failed or report.withheld:
            note = f"LLM writer: {report.summary()}"
            if report.withheld:
                note += (f"; {_n(len(report.withheld), 'source sentence')} that read like "
                         "instructions to a language model " +
                         ("was" if len(report.withheld) == 1 else "were") + " not shown to it")
            story.warnings.append(note + ".")
        return story


# Words a writer may add without adding a fact: attribution and the outlet stand-in.
_FREE_STEMS = frozenset({"newspaper", "report", "add", "note", "state", "accord"})


def _content_stems(text: str) -> list[tuple[str, str]]:
    """(word, stem) of each content word, with the checker's own stemmer and stop words."""
    from newsdesk.verify.text import STOP_WORDS, WORD, stem

    out = []
    for token in WORD.findall(text):
        low = token.lower()
        if low in STOP_WORDS or len(low) < 2:
            continue
        out.append((token, low if low.isdigit() else stem(low).rstrip("e")))
    return out


def _outlets_masked(text: str, plan: StoryPlan, citations: list[int]) -> str:
    """The sentence as the checker should read it: naming a cited outlet ("the Northshore
    Post reported …") is attribution, not a claim its article text must contain."""
    for number in citations:
        outlet = plan.sources[number - 1].outlet if 0 < number <= len(plan.sources) else ""
        if len(outlet) >= 3:
            text = re.sub(rf"\b(?:the\s+)?{re.escape(outlet)}\b", "the newspaper", text,
                          flags=re.IGNORECASE)
    return text


def _fact_text(mention, sentence: str) -> str:
    """A key fact as the sentence words it: "212 passengers", "Monday (2026-11-16)".

    Only numbers that count something, amounts, times and dates make key facts; the counted
    noun is taken from the sentence itself so the model sees the words it may copy.
    """
    kind = mention.kind
    if kind in ("date", "weekday"):
        value = mention.value
        if kind == "date" and value and value.lower() not in mention.text.lower():
            return f"{mention.text} ({value})"
        return mention.text
    if kind in ("money", "percent", "time"):
        return mention.text
    if kind != "number" or not mention.noun:
        return ""
    if mention.noun.lower() in mention.text.lower():
        return mention.text
    stem = mention.noun.lower()[:max(3, len(mention.noun) - 2)]
    words = re.findall(r"\S+", sentence[mention.end:mention.end + 60])[:4]
    for i, word in enumerate(words):
        if word.lower().strip(".,;:!?\"'”’").startswith(stem):
            tail = " ".join(words[:i + 1]).rstrip(".,;:!?")
            return f"{mention.text} {tail}"
    return ""


def _conflict_line(conflict: Conflict) -> str:
    """One disagreement as "who says what", for the prompt (without the verifier's own
    citation marks, which would read as sentence numbers)."""
    if conflict.summary:
        line = conflict.summary
    else:
        values = "; ".join(f"{v.value} ({', '.join(v.outlets)})" for v in conflict.values)
        line = f"{conflict.subject}: {values}"
    return re.sub(r"\s*\[\d+\]", "", line)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _without_instructions(story: WrittenStory) -> WrittenStory:
    """The story without source sentences that address a language model.

    Such a sentence is an attack on model-based writers, not news, whichever writer picked it.
    """
    def keep(sentences: list[CitedSentence]) -> list[CitedSentence]:
        return [s for s in sentences if not looks_like_instruction(s.text)]

    before = len(story.all_sentences())
    story.lede = keep(story.lede)
    story.sections = [Section(sec.title, keep(sec.sentences)) for sec in story.sections]
    story.sections = [sec for sec in story.sections if sec.sentences]
    story.background = keep(story.background)
    story.whats_next = keep(story.whats_next)
    story.timeline = [t for t in story.timeline if not looks_like_instruction(t.sentence.text)]
    if not story.lede and story.sections:  # the lede was the instruction: the next one leads
        story.lede = [story.sections[0].sentences.pop(0)]
        story.sections = [sec for sec in story.sections if sec.sentences]
    removed = before - len(story.all_sentences())
    if removed:
        story.warnings.append(f"left out {_n(removed, 'source sentence')} that read like "
                              "instructions to a language model")
    return story


def _mean_words(plan: StoryPlan, numbers: list[int]) -> float:
    if not numbers:
        return 20.0
    return sum(plan.sentence(n).words for n in numbers) / len(numbers)


def _finish_sentence(text: str) -> str:
    """The model's sentence as published: citations out, a full stop if it lacked one."""
    text = text.strip()
    if text and not re.search(r"[.!?…][\"'”’)]*$", text):
        text += "."
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _short(text: str, width: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[:width - 1] + "…"


@lru_cache(maxsize=4)
def _shared_client(settings: WriteSettings) -> ChatClient:
    """One HTTP client per configuration: the pipeline asks for a writer per story."""
    return ChatClient.from_settings(settings)


def _factory(settings: Settings, store: Store | None) -> LLMWriter:
    embedder = story_embedder(settings, store)
    return LLMWriter(settings.write, embedder=embedder, client=_shared_client(settings.write),
                     extractive=ExtractiveWriter(embedder=embedder))


register_writer("llm", _factory)

