"""The default writer: selects, orders and lightly edits source sentences — offline, no model.

How a story is made from its plan (``newsdesk.write.plan``):

1. **Lede** — the most salient unit that can open a story: a self-contained statement (no
   "He…", no quote), long enough to say who did what.
2. **Body** — further units in order of salience while the word budget lasts (lede and body
   together, whole sentences only). A unit is skipped when it repeats what the story already
   says, or when it leans on something ("The agency said…") the story does not give it.
   Sentences that continue one another in their article stay together, in their order.
3. **Sections** — a long body is split into "What happened", "The response" and "What they're
   saying" when each would hold at least two sentences.
4. **Quotes**, **background**, **timeline**, **what's next** — from what the body left out,
   each only when the sources support it: quotes with a named speaker, context marked as
   earlier, dated events on two or more days, announced plans and expected decisions.
5. **Headline** — the closest source headline, tightened (``newsdesk.write.headline``).

Every sentence cites every outlet that carried it. The story then goes through ``finish``
(verification and cross-source conflicts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from newsdesk.models import (
    Article,
    CitedSentence,
    Quote,
    Section,
    TimelineEntry,
    WrittenStory,
)
from newsdesk.understand.embed import Embedder
from newsdesk.understand.facts import looks_like_person
from newsdesk.write.base import (
    finish,
    register_writer,
    remembering,
    story_conflicts,
    story_embedder,
)
from newsdesk.write.cleanup import is_resolved
from newsdesk.write.headline import choose_headline
from newsdesk.write.plan import (
    SourceSentence,
    StoryPlan,
    build_plan,
    content_tokens,
    mark_disputed,
    minority_values,
)


@dataclass
class WriterConfig:
    """The writer's knobs; the defaults were chosen by cross-validation on the dev sets."""

    redundancy: float = 0.80  # cosine above which a unit repeats one already in the story
    overlap: float = 0.65  # share of a sentence's content words the story already has
    min_lede_words: int = 8
    max_lede_words: int = 55
    quotes: int = 3
    background: int = 2
    whats_next: int = 2
    timeline: int = 6
    timeline_min_days: int = 3  # a timeline of two days tells less than the body already does
    section_min_sentences: int = 6  # body sentences (after the lede) before subheads appear
    extras_min_salience_rank: int = 40  # background/next/quotes come from the top units only
    lede_choices: int = 5  # the lede is picked among this many most salient openers
    lede_tries: int = 3  # ledes tried, each with the body that best fills the budget around it
    lede_bonus: float = 0.1  # salience per who/what/where/when mark of a lede candidate
    extra_redundancy: float = 0.65  # the same for background and what's next
    fact_redundancy: float = 0.7  # cosine above which sharing a count makes a repeat
    pool_size: int = 16  # units the body is chosen from as a knapsack (0: greedy only)
    fill_threshold: float = -1.0  # a unit adds words × (salience − this) to the knapsack


@dataclass
class Selection:
    """What the writer decided, before it becomes a ``WrittenStory`` (tests inspect it)."""

    lede: list[int] = field(default_factory=list)  # sentence numbers, in order
    body: list[int] = field(default_factory=list)
    words: int = 0


_FUTURE = re.compile(
    r"\b(?:will|is expected to|are expected to|is scheduled to|are scheduled to|is set to|"
    r"are set to|plans? to|is due to|are due to|is planning|are planning|intends? to|"
    r"next (?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"spring|summer|fall|autumn|winter|season)|later this (?:week|month|year)|upcoming|"
    r"would (?:meet|vote|decide|hold|resume|rule|announce))\b", re.IGNORECASE)
_PAST_CONTEXT = re.compile(
    r"\b(?:last (?:year|month|week|summer|fall|autumn|spring|winter|decade)|in (?:19|20)\d\d|"
    r"(?:years|months|decades) ago|previously|earlier this (?:year|month)|has long|had long|"
    r"had (?:previously|already)|since (?:19|20)\d\d|was founded|history of|for years|"
    r"for decades|back in|the first time since|in the past)\b", re.IGNORECASE)
# Opinion and reaction verbs; a plain "said" attributes a fact and is no reaction by itself.
_REACTION = re.compile(
    r"\b(?:tweeted|argued|insisted|warned|praised|criticized|criticised|condemned|"
    r"called (?:it|him|her|them|for calm)|welcomed|denounced|lamented|applauded|"
    r"defended|mourned|expressed|reacted)\b", re.IGNORECASE)
_RESPONSE = re.compile(
    r"\b(?:announced|ordered|launched|responded|response|called for|pledged|vowed|arrested|"
    r"charged|investigat\w*|deployed|sent|suspended|banned|approved|rejected|filed|sued|"
    r"appealed|ruled|sanction\w*|retaliat\w*|promised|moved to|agreed)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")
# A date in a sentence about plans, deadlines or durations is not the day something happened.
_NOT_AN_EVENT = re.compile(r"\b(?:will|would|could|should|expected|plans?|planned|scheduled|"
                           r"due|until|by|before|since|from|next|later|deadline)\b",
                           re.IGNORECASE)


_WEEKDAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|"
                      r"yesterday|tonight|overnight|this (?:morning|afternoon|evening|week))\b",
                      re.IGNORECASE)


def _lede_marks(s: SourceSentence) -> int:
    """How many of who, what (an outcome or a count), where and when a sentence states."""
    marks = 0
    if s.facts is not None:
        kinds = {m.kind for m in s.facts.mentions}
        marks += bool(kinds & {"person", "org"}) + bool(kinds & {"place"}) + bool(
            kinds & {"date", "weekday", "time"}) + bool(kinds & {"event", "number"})
    else:
        marks += bool(_WEEKDAY.search(s.clean))
    return marks


def _count_facts(s: SourceSentence) -> frozenset:
    """The counts a sentence states: their values ("23") and, for outcomes, (value, outcome)
    pairs (("23", "injured")) — the same pair in two sentences is the same fact."""
    if s.facts is not None:
        events = {m.value for m in s.facts.mentions if m.kind == "event"}
        sole = next(iter(events)) if len(events) == 1 else ""
        out: set = set()
        for m in s.facts.mentions:
            if m.kind in ("number", "money", "percent") and m.value:
                out.add(m.value)
                if m.kind == "number" and (m.event or sole):
                    out.add((m.value, m.event or sole))
        return frozenset(out)
    return frozenset(n.replace(",", "") for n in re.findall(r"\d+(?:[.,]\d+)*", s.clean))


def knapsack(items: list[tuple[int, float]], capacity: int) -> set[int]:
    """Indices of items (weight, value) with the largest total value within ``capacity``."""
    if capacity <= 0 or not items:
        return set()
    best = [0.0] * (capacity + 1)
    keep = [[False] * (capacity + 1) for _ in items]
    for i, (weight, value) in enumerate(items):
        if value <= 0 or weight > capacity:
            continue
        for c in range(capacity, weight - 1, -1):
            if best[c - weight] + value > best[c]:
                best[c] = best[c - weight] + value
                keep[i][c] = True
    chosen: set[int] = set()
    c = capacity
    for i in range(len(items) - 1, -1, -1):
        if keep[i][c]:
            chosen.add(i)
            c -= items[i][0]
    return chosen


def _outside_quotes(text: str) -> str:
    return _QUOTED.sub(" ", text)


class ExtractiveWriter:
    """Writes a story by selecting and lightly editing source sentences (see module doc)."""

    name = "extractive"

    def __init__(self, embedder: Embedder | None = None, scorer=None,
                 config: WriterConfig | None = None, with_facts: bool = True):
        if embedder is None:
            from newsdesk.write.plan import default_embedder

            embedder, self._embedder_warning = default_embedder()
        else:
            self._embedder_warning = ""
        # The plan and the verifier embed the same sentences: remember them between the two.
        self.embedder = remembering(embedder)
        self.scorer = scorer
        self.config = config or WriterConfig()
        self.with_facts = with_facts

    # ------------------------------------------------------------ entry points

    def plan(self, articles: list[Article]) -> StoryPlan:
        return build_plan(articles, embedder=self.embedder, with_facts=self.with_facts,
                          scorer=self.scorer)

    def write(self, articles: list[Article], *, words: int = 200) -> WrittenStory:
        usable = [a for a in articles if (a.text or "").strip() or (a.title or "").strip()]
        if not usable:
            return WrittenStory(headline="", lede=[], writer=self.name,
                                warnings=["no article text to write from"])
        plan = self.plan(usable)
        # Where outlets disagree, the story states no side as fact; it says who says what.
        plan.conflicts = story_conflicts(plan.articles)
        mark_disputed(plan, plan.conflicts)
        story = self.write_plan(plan, words=words)
        return finish(story, plan.articles, embedder=self.embedder, conflicts=plan.conflicts)

    def write_plan(self, plan: StoryPlan, *, words: int = 200) -> WrittenStory:
        """The story from a plan already built (the LLM writer falls back to this)."""
        budget = words
        for _ in range(3):
            story = self._compose(plan, budget, words)
            # Full names given at first mention add words after selection: select again
            # with that much less room, so the story keeps its budget.
            over = sum(len(s.text.split()) for s in story.body_sentences()) - words
            if over <= 0 or budget - over <= 0:
                break
            budget -= over
        return story

    def _compose(self, plan: StoryPlan, budget: int, words: int) -> WrittenStory:
        selection = self.select(plan, budget)
        warnings = list(plan.warnings)
        if self._embedder_warning:
            warnings.append(self._embedder_warning)
        if not selection.lede and not selection.body:
            if any(s.publishable for s in plan.sentences):
                warnings.append(f"no sentence of the sources fits in {words} words")
            else:
                warnings.append("the sources contain no publishable sentence (only headings, "
                                "captions, bylines or fragments)")
        lede = [self._cited(plan, n) for n in selection.lede]
        sections = self._sections(plan, selection.lede, selection.body)
        used = set(selection.lede) | set(selection.body)
        used_units = {plan.sentence(n).unit for n in used}
        quotes = self._quotes(plan, used)
        background = self._extra(plan, used_units, used, _PAST_CONTEXT,
                                 self.config.background, future=False)
        used |= {n for n, _ in background}
        used_units |= {plan.sentence(n).unit for n, _ in background}
        whats_next = self._extra(plan, used_units, used, _FUTURE, self.config.whats_next,
                                 future=True)
        used |= {n for n, _ in whats_next}
        timeline = self._timeline(plan, used)
        story_vector = self._story_vector(plan, selection.lede + selection.body)
        outlets = {a.outlet for a in plan.articles} | {
            c.outlet for a in plan.articles for c in a.carriers}
        lede_vector = self._story_vector(plan, selection.lede)
        headline = choose_headline([a.title for a in plan.articles], plan.title_vectors,
                                   lede_vector, story_vector, outlets,
                                   lede[0].text if lede else "", avoid=minority_values(plan.conflicts))
        story = WrittenStory(
            headline=headline, lede=lede, sections=sections, quotes=quotes,
            background=[c for _, c in background], timeline=timeline,
            whats_next=[c for _, c in whats_next], sources=list(plan.sources),
            writer=self.name, warnings=warnings)
        introduce_names(story, plan)
        return story

    # ------------------------------------------------------------ selection

    def select(self, plan: StoryPlan, words: int) -> Selection:
        """Lede and body within ``words``: salient, not repetitive, every reference resolved."""
        cfg = self.config
        candidates = [u for u in plan.ranked_units()
                      if plan.sentence(u.representative).publishable
                      and not plan.sentence(u.representative).disputed]
        if not candidates or words <= 0:
            return Selection()
        tokens = {u.index: set(content_tokens(plan.sentence(u.representative).clean))
                  for u in candidates}
        position = {(s.article, s.position): s.number for s in plan.sentences}

        openers = [u for u in candidates if self._ledeable(plan.sentence(u.representative))
                   and plan.sentence(u.representative).words <= words]
        if not openers:
            return Selection()
        # The reporters' own first sentences make the best ledes; among them (else among the
        # most salient openers) the one that says who, what, where and when wins.
        ledes = [u for u in openers[: cfg.lede_choices * 3]
                 if plan.sentence(u.representative).features.get("first_clean")]
        ledes = ledes[: cfg.lede_choices] or openers[: cfg.lede_choices]

        def lede_score(u) -> float:
            return u.salience + cfg.lede_bonus * _lede_marks(plan.sentence(u.representative))

        ledes.sort(key=lambda u: (-lede_score(u), u.index))
        facts_of = {u.index: _count_facts(plan.sentence(u.representative)) for u in candidates}
        # The best lede alone may leave the budget badly filled: try the best few, keep the
        # story whose sentences carry the most salience (word for word) within the budget.
        best: tuple[float, list[int]] | None = None
        for lede_unit in ledes[: max(1, cfg.lede_tries)]:
            ordered = self._body_for(plan, words, lede_unit, candidates, tokens, position,
                                     facts_of)
            value = sum(plan.sentence(n).words * (plan.unit_of(n).salience - cfg.fill_threshold)
                        for n in ordered)
            if ordered:
                value += plan.sentence(ordered[0]).words * (lede_score(lede_unit)
                                                            - lede_unit.salience)
            if best is None or value > best[0] + 1e-9:
                best = (value, ordered)
        ordered = best[1] if best else []
        lede = [ordered[0]] if ordered else []
        return Selection(lede, ordered[1:], sum(plan.sentence(n).words for n in ordered))

    def _body_for(self, plan: StoryPlan, words: int, lede_unit, candidates: list,
                  tokens: dict, position: dict, facts_of: dict) -> list[int]:
        """The story's sentence numbers in reading order, given its lede."""
        cfg = self.config
        chosen = [lede_unit.index]
        used = plan.sentence(lede_unit.representative).words
        said: set[str] = set(tokens[lede_unit.index])

        def predecessor_chosen(s: SourceSentence) -> bool:
            before = position.get((s.article, s.position - 1))
            return before is not None and any(
                plan.units[c].representative == before for c in chosen)

        def admissible(u, budgeted: bool = True) -> bool:
            s = plan.sentence(u.representative)
            if budgeted and s.words > words - used:
                return False
            for c in chosen:
                if plan.redundancy(u.index, c) >= cfg.redundancy:
                    return False
            toks = tokens[u.index]
            if toks and len(toks & said) / len(toks) >= cfg.overlap:
                return False
            # The same count said again in other words ("23 injured" / "injuring 23").
            mine = facts_of[u.index]
            for c in chosen:
                shared = mine & facts_of.get(c, frozenset())
                # The same outcome count ("23", "injured") is the same fact however worded;
                # a bare shared number is, when the sentences are also alike.
                if any(isinstance(f, tuple) for f in shared) or (
                        shared and plan.redundancy(u.index, c) >= cfg.fact_redundancy):
                    return False
            if s.opening is not None:
                earlier = [plan.sentence(plan.units[c].representative).clean for c in chosen]
                if not is_resolved(s.opening, earlier, predecessor_chosen(s)):
                    return False
            return True

        if cfg.pool_size and words - used > 0:
            # Choose the body as a knapsack over the best non-repetitive units: whole
            # sentences that fill the budget well beat a greedy pick that leaves a gap.
            pool: list[int] = []
            for u in candidates:
                if len(pool) >= cfg.pool_size:
                    break
                if u.index in chosen or plan.sentence(u.representative).words > words - used:
                    continue
                if admissible(u, budgeted=False):
                    pool.append(u.index)
                    chosen.append(u.index)
                    said |= tokens[u.index]
            chosen = chosen[:1]
            items = [(plan.sentence(plan.units[i].representative).words,
                      plan.sentence(plan.units[i].representative).words
                      * (plan.units[i].salience - cfg.fill_threshold)) for i in pool]
            picked = knapsack(items, words - used)
            chosen += [pool[i] for i in sorted(picked)]
            used = sum(plan.sentence(plan.units[c].representative).words for c in chosen)
            said = set().union(*(tokens[c] for c in chosen))

        for _round in range(3):
            # A second pass admits sentences whose referent was chosen after them.
            for u in candidates:
                if u.index in chosen:
                    continue
                if admissible(u):
                    chosen.append(u.index)
                    used += plan.sentence(u.representative).words
                    said |= tokens[u.index]
            ordered = self._arrange(plan, chosen)
            kept = self._resolved_in_order(plan, ordered)
            if len(kept) == len(ordered):
                break
            dropped = set(ordered) - set(kept)
            chosen = [c for c in chosen if plan.units[c].representative not in dropped]
            used = sum(plan.sentence(plan.units[c].representative).words for c in chosen)
            said = set().union(*(tokens[c] for c in chosen)) if chosen else set()
            candidates = [u for u in candidates
                          if u.representative not in dropped]
        return self._resolved_in_order(plan, self._arrange(plan, chosen))

    def _ledeable(self, s: SourceSentence) -> bool:
        cfg = self.config
        return (s.opening is None and not s.clean.startswith(("\"", "“", "‘", "'"))
                and cfg.min_lede_words <= s.words <= cfg.max_lede_words
                and not s.clean.endswith("?"))

    def _arrange(self, plan: StoryPlan, chosen: list[int]) -> list[int]:
        """Reading order: the lede, then runs of consecutive article sentences by salience."""
        if not chosen:
            return []
        numbers = [plan.units[c].representative for c in chosen]
        lede = numbers[0]
        rest = sorted(numbers[1:], key=lambda n: (plan.sentence(n).article,
                                                  plan.sentence(n).position))
        chains: list[list[int]] = []
        lede_s = plan.sentence(lede)
        lede_chain = [lede]
        for n in rest:
            s = plan.sentence(n)
            tail = plan.sentence(lede_chain[-1])
            if s.article == tail.article and s.position == tail.position + 1:
                lede_chain.append(n)
                continue
            if chains:
                prev = plan.sentence(chains[-1][-1])
                if s.article == prev.article and s.position == prev.position + 1:
                    chains[-1].append(n)
                    continue
            chains.append([n])
        # Chains that continue the lede's run after a gap were collected above in article
        # order; fold any chain that starts right after the lede chain's end into it.
        changed = True
        while changed:
            changed = False
            for chain in chains:
                head = plan.sentence(chain[0])
                tail = plan.sentence(lede_chain[-1])
                if head.article == tail.article and head.position == tail.position + 1:
                    lede_chain.extend(chain)
                    chains.remove(chain)
                    changed = True
                    break
        del lede_s
        # In order of events, then of importance: what happened on the first day before what
        # a later report added ("the crossing reopened on Tuesday" after the closure).
        chains.sort(key=lambda c: (_event_day(plan.sentence(c[0])),
                                   -max(plan.unit_of(n).salience for n in c), c[0]))
        return lede_chain + [n for chain in chains for n in chain]

    def _resolved_in_order(self, plan: StoryPlan, ordered: list[int]) -> list[int]:
        kept: list[int] = []
        for n in ordered:
            s = plan.sentence(n)
            follows = bool(kept) and plan.sentence(kept[-1]).article == s.article and \
                plan.sentence(kept[-1]).position == s.position - 1
            if is_resolved(s.opening, [plan.sentence(k).clean for k in kept], follows):
                kept.append(n)
        return kept

    # ------------------------------------------------------------ parts of the story

    def _cited(self, plan: StoryPlan, number: int) -> CitedSentence:
        s = plan.sentence(number)
        return CitedSentence(s.clean, list(plan.unit_of(number).citations))

    def _sections(self, plan: StoryPlan, lede: list[int], body: list[int]) -> list[Section]:
        if not body:
            return []
        cited = {n: self._cited(plan, n) for n in body}
        if len(body) < self.config.section_min_sentences:
            return [Section("", [cited[n] for n in body])]
        # Runs of consecutive sentences of one article stay in one section.
        runs: list[list[int]] = []
        for n in body:
            s = plan.sentence(n)
            if runs:
                prev = plan.sentence(runs[-1][-1])
                if prev.article == s.article and prev.position == s.position - 1:
                    runs[-1].append(n)
                    continue
            runs.append([n])
        roles: dict[str, list[int]] = {"event": [], "response": [], "reaction": []}
        for run in runs:
            head = plan.sentence(run[0]).clean
            outside = _outside_quotes(head)
            if _QUOTED.search(head) or _REACTION.search(outside):
                role = "reaction"
            elif _RESPONSE.search(outside):
                role = "response"
            else:
                role = "event"
            roles[role].extend(run)
        filled = [r for r in roles if len(roles[r]) >= 2]
        if len(filled) < 2:
            return [Section("", [cited[n] for n in body])]
        # A role with a single sentence joins "What happened" rather than standing alone.
        for role in roles:
            if role not in filled and roles[role]:
                roles["event" if "event" in filled else filled[0]].extend(roles[role])
                roles[role] = []
        titles = {"event": "What happened", "response": "The response",
                  "reaction": "What they're saying"}
        order = {n: i for i, n in enumerate(body)}
        grouped = [(r, sorted(roles[r], key=order.__getitem__))
                   for r in ("event", "response", "reaction") if roles[r]]
        # Regrouping moves sentences: it must not move one away from what it refers to.
        sequence = lede + [n for _, numbers in grouped for n in numbers]
        if len(self._resolved_in_order(plan, sequence)) < len(sequence):
            return [Section("", [cited[n] for n in body])]
        return [Section(titles[r], [cited[n] for n in numbers]) for r, numbers in grouped]

    def _top_units(self, plan: StoryPlan) -> list:
        return [u for u in plan.ranked_units()[: self.config.extras_min_salience_rank]
                if plan.sentence(u.representative).publishable]

    def _quotes(self, plan: StoryPlan, used: set[int]) -> list[Quote]:
        if not plan.quotes:
            return []
        body_text = " ".join(plan.sentence(n).clean for n in used)
        salience = {u.representative: u.salience for u in plan.units}
        picked: list[tuple[float, Quote]] = []
        speakers: set[str] = set()
        ranked = []
        for q in plan.quotes:
            speaker = q.speaker.strip()
            words = len(q.text.split())
            # Only a speaker a reader can place: a quote pinned on a role, a lone word or an
            # organisation may be pinned on the wrong one.
            if not looks_like_person(speaker) or not 6 <= words <= 60:
                continue
            if q.text in body_text:
                continue
            s = plan.sentence(q.sentence) if q.sentence else None
            if s is not None and (s.debris or s.disputed or s.number in used):
                continue
            score = salience.get(s.number, plan.unit_of(s.number).salience) if s else -1e9
            ranked.append((score, q))
        ranked.sort(key=lambda p: (-p[0], p[1].text))
        for score, q in ranked:
            key = q.speaker.lower()
            if key in speakers:
                continue
            speakers.add(key)
            picked.append((score, Quote(q.text, q.speaker, q.outlet, list(q.citations))))
            if len(picked) >= self.config.quotes:
                break
        return [q for _, q in picked]

    def _extra(self, plan: StoryPlan, used_units: set[int], used: set[int],
               cue: re.Pattern[str], limit: int, future: bool) -> list[tuple[int, CitedSentence]]:
        """Background (``future=False``) or what's next: cued sentences the body left out."""
        out: list[tuple[int, CitedSentence]] = []
        story_text = [plan.sentence(n).clean for n in used]
        for u in self._top_units(plan):
            if len(out) >= limit:
                break
            if u.index in used_units:
                continue
            s = plan.sentence(u.representative)
            if s.disputed:
                continue
            if s.opening is not None and not is_resolved(s.opening, story_text, False):
                continue
            if s.clean.startswith(("\"", "“")):
                continue
            if not cue.search(_outside_quotes(s.clean)):
                continue
            if future and _PAST_CONTEXT.search(s.clean):
                continue
            # Asides repeat nothing: neither the body nor each other (a stricter bar, since
            # a reader meets them right after the body).
            said = list(used) + [n for n, _ in out]
            if any(plan.redundancy(u.index, plan.sentence(n).unit) >= self.config.extra_redundancy
                   for n in said):
                continue
            out.append((s.number, self._cited(plan, s.number)))
            story_text.append(s.clean)
        return out

    def _timeline(self, plan: StoryPlan, used: set[int]) -> list[TimelineEntry]:
        """One entry per day named in the sources, when they name enough distinct days."""
        by_day: dict[str, tuple[float, int]] = {}
        # Only what has happened: announced dates ahead belong to "what's next".
        last = plan.reference_time.date().isoformat() if plan.reference_time else "9999"
        for u in self._top_units(plan):
            s = plan.sentence(u.representative)
            if s.facts is None or s.opening is not None or s.number in used or \
                    s.disputed.startswith("disputed") or s.clean.startswith(("\"", "“")):
                continue
            days = set(_days_named(s))
            if len(days) != 1:
                continue  # a sentence naming two days does not date one event
            day = days.pop()
            if day > last or _NOT_AN_EVENT.search(_outside_quotes(s.clean)):
                continue
            if day not in by_day or u.salience > by_day[day][0]:
                by_day[day] = (u.salience, s.number)
        if len(by_day) < self.config.timeline_min_days:
            return []
        best = sorted(by_day.items(), key=lambda kv: -kv[1][0])[: self.config.timeline]
        return [TimelineEntry(day, self._cited(plan, number))
                for day, (_, number) in sorted(best)]

    @staticmethod
    def _story_vector(plan: StoryPlan, numbers: list[int]) -> np.ndarray | None:
        if not numbers or plan.vectors.shape[0] == 0:
            return None
        v = plan.vectors[[n - 1 for n in numbers]].mean(axis=0)
        norm = float(np.linalg.norm(v))
        return v / norm if norm else None


def _days_named(s: SourceSentence) -> list[str]:
    """The whole days (ISO dates) a sentence names, resolved against its publish time."""
    return [m.value for m in (s.facts.mentions if s.facts is not None else [])
            if m.kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", m.value)]


def _event_day(s: SourceSentence) -> str:
    """The day a sentence tells of: the earliest day it names up to its publish day, else the
    day it was published ("" when neither is known, which sorts first)."""
    published = s.published_at.date().isoformat() if s.published_at else ""
    days = [d for d in _days_named(s) if not published or d <= published]
    return min(days) if days else published


def introduce_names(story: WrittenStory, plan: StoryPlan) -> None:
    """Give a person their full name where the story first mentions them by surname alone.

    Reporters introduce "Fire Chief Dario Mennick" once and write "Mennick said" after; a story
    that picks only the later sentence leaves the reader asking who Mennick is. The full name
    comes from the same article, so the edited sentence says nothing its source does not.
    """
    by_text = {s.clean: s for s in plan.sentences}
    people: dict[int, dict[str, str]] = {}  # article → surname → full name (named entities)
    runs: dict[int, dict[str, str]] = {}  # article → surname → capitalised run ending in it
    for s in plan.sentences:
        for m in (s.facts.mentions if s.facts is not None else []):
            if m.kind == "person":
                _keep_longest(people.setdefault(s.article, {}), m.text)
        for m in _NAME_RUN.finditer(s.clean):
            words = m.group(0).split()
            if m.start() == 0 and words[0] in _NOT_NAME_START:
                words = words[1:]
            _keep_longest(runs.setdefault(s.article, {}), " ".join(words))
    known = {surname for names in (*people.values(), *runs.values()) for surname in names}
    introduced: set[str] = set()
    for sentence in story.all_sentences():
        source = by_text.get(sentence.text)
        text = sentence.text
        if source is not None:
            speakers = {m.group("name") or m.group("after")
                        for m in _SURNAME_SPEAKS.finditer(text)}
            for surname in sorted(set(people.get(source.article, {})) | speakers):
                full = people.get(source.article, {}).get(surname) or \
                    runs.get(source.article, {}).get(surname)
                if not full or surname in introduced or _named_in_full(surname, text):
                    continue
                expanded = _expand_first(surname, full, text)
                if expanded != text:
                    text = expanded
                    introduced.add(surname)
        sentence.text = text
        introduced.update(n for n in known if _named_in_full(n, text))


def _named_in_full(surname: str, text: str) -> bool:
    """"Sergeant Milo Kerrigan", "Teodor Halloran's": the surname after another capitalised
    word is a name given in full (or with a title), never to be expanded again."""
    return any(m.group(1) not in _NOT_NAME_START for m in re.finditer(
        rf"\b([A-Z][\w'’.-]*)\s+{re.escape(surname)}\b", text))


def _expand_first(surname: str, full: str, text: str) -> str:
    # "the Oddny family", "the Vargas": a family, not the person the source named;
    # "Oddny's Bakery": the name of a business
    pattern = re.compile(rf"(?<![Tt]he )\b{re.escape(surname)}\b(?!['’]?s? (?:family|"
                         rf"families|household|brothers|sisters|clan)\b|['’]s [A-Z])")
    m = pattern.search(text)
    return text if m is None else text[:m.start()] + full + text[m.end():]


def _keep_longest(names: dict[str, str], name: str) -> None:
    name = re.sub(r"['’]s?$", "", name)
    parts = name.split()
    if 2 <= len(parts) <= 5 and parts[-1][:1].isupper() and \
            len(parts) > len(names.get(parts[-1], "").split()):
        names[parts[-1]] = name


# Runs of capitalised words: a name written in full introduces its surname.
_NAME_RUN = re.compile(r"\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+")
# Capitalised only because a sentence starts with them.
_NOT_NAME_START = {"The", "A", "An", "In", "On", "At", "But", "And", "When", "After", "Before",
                   "Tonight", "Today", "Yesterday", "Earlier", "Later", "Then", "As", "If"}
# A surname alone as the speaker: '…," Varga said', 'said Varga', 'according to Varga'.
_SURNAME_SPEAKS = re.compile(
    r"(?:^|[,”\"]\s*)(?P<name>[A-Z][a-z][\w'’-]*)(?=\s+(?:said|says|added|adds|told|wrote|"
    r"explained|warned)\b)|\b(?:said|according to)\s+(?P<after>[A-Z][a-z][\w'’-]*)\b(?!\s+[A-Z])")


def _factory(settings, store) -> ExtractiveWriter:
    return ExtractiveWriter(embedder=story_embedder(settings, store))


register_writer("extractive", _factory)
