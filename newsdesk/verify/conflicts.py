"""Where the sources disagree: the same fact about the same thing, different values by outlet.

A story shows disagreement rather than smoothing it over ("Sources differ: Harbour Gazette
reported two killed [1]; Coastline Wire reported three [3]."). The facts compared are the
ones news gets wrong or revises most:

* **counts** of an outcome (killed, injured, arrested, missing, …) or of a thing counted in the
  lede ("attacks since October", "rockets"): each article's first such count;
* the **time** of the event (its first clock time near the event) and the **day** (its first
  date or weekday, resolved against the article's publish time);
* the **place** (the first place the lede puts the event in, at or near);
* **attribution**: who claimed responsibility, who was blamed.

A difference counts only when each side's value is absent from the other side's article: an
article that mentions both "two" and "three" killed is reporting a revision, not disagreeing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsdesk.models import Article, Conflict, ConflictValue
from newsdesk.understand.facts import SentenceFacts, extract_facts, normalise_name
from newsdesk.understand.sentences import split_sentences
from newsdesk.verify.checker import SourceDoc
from newsdesk.verify.story import number_articles

_OUTCOMES = ("killed", "injured", "arrested", "missing", "kidnapped", "evacuated", "rescued",
             "displaced")
_SUBJECTS = {"killed": "the number killed", "injured": "the number injured",
             "arrested": "the number arrested", "missing": "the number missing",
             "kidnapped": "the number kidnapped", "evacuated": "the number evacuated",
             "rescued": "the number rescued", "displaced": "the number displaced"}
# Counted nouns that say nothing about the event ("two days later", "three times").
_GENERIC_NOUNS = {"day", "week", "month", "year", "hour", "minute", "second", "time", "decade",
                  "percent", "point", "mile", "kilometre", "kilometer", "meter", "metre", "foot",
                  "feet", "inch", "dollar", "euro", "pound", "other", "side", "way", "part",
                  "person", "people", "one", "term", "round", "crown", "krone", "franc", "yen",
                  "cent", "tonne", "ton", "litre", "liter", "gallon", "kilogram", "kg", "min",
                  "mins", "hr", "hrs", "sec", "secs", "km", "mph"}
_IRREGULAR_PLURALS = {"child": "children", "man": "men", "woman": "women", "person": "people",
                      "foot": "feet", "tooth": "teeth", "mouse": "mice", "goose": "geese"}
_VAGUE = {"dozens", "hundreds", "thousands", "millions", "billions", "scores", "several", "tens"}
# Words that mark a count as an update of an earlier one ("the death toll rose to four").
_REVISION = re.compile(r"\b(?:rose|risen|climbed|increased|jumped|grew|went up|rising|climbing)"
                       r"\s+to\b|\b(?:more|further|another|additional)\b|\bnow\b", re.I)
# A relative day names when the article was written, not when the event happened.
_RELATIVE_DAY = re.compile(r"^(?:today|tonight|yesterday|tomorrow|this\b|earlier today|"
                           r"early today|\w+ days? (?:ago|earlier|later))", re.I)
_LEDE = 3  # sentences that count as the lede when looking for the event's time, day and place
_CLAIM_RE = re.compile(r"\bclaim(?:ed|s|ing)?\s+(?:responsibility|credit)\b", re.I)
_BLAME_RE = re.compile(r"\b(?:blam(?:ed|es|ing)|accus(?:ed|es|ing)|attribut(?:ed|es|ing))\b",
                       re.I)
_CALLING_RE = re.compile(r"\bcalling (?:itself|themselves) (?:the )?"
                         r"(?P<name>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)")
# "using the login details of a former contractor", "credentials belonging to an ex-employee"
_ACCESS_RE = re.compile(r"\b(?:login details|log-in details|credentials|password|passwords|"
                        r"account|access)\s+(?:of|belonging to|from)\s+"
                        r"(?P<who>(?:a|an|the)\s+(?:former\s+|ex-)?[a-z-]+)", re.I)
_WORD_NUMBER = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
                "7": "seven", "8": "eight", "9": "nine", "10": "ten"}


@dataclass
class _Doc:
    numbers: list[int]  # citation numbers (the article and its carriers)
    outlets: list[str]
    sentences: list[str]
    facts: list[SentenceFacts]
    published_at: datetime | None = None


@dataclass
class _Finding:
    kind: str
    subject: str
    key: str  # the comparable value
    text: str  # the value as the source puts it
    also: set[str]  # every comparable value of this slot the article gives anywhere
    revision: bool = False  # the sentence giving the value marks it as an update
    # What the value is about, beyond its kind: for a day, the verb it hangs from. Two outlets
    # that date different happenings ("trashed the report on Friday", "released it on
    # Thursday") do not disagree; two that date the same one ("came ashore") may.
    about: str = ""


def _docs(sources: Sequence[Article] | Sequence[SourceDoc]) -> list[_Doc]:
    docs: list[_Doc] = []
    if sources and isinstance(sources[0], SourceDoc):
        for s in sources:  # type: ignore[union-attr]
            sentences = ([s.title] if s.title else []) + split_sentences(s.text)
            docs.append(_Doc([s.number], [s.outlet], sentences,
                             extract_facts(sentences, s.published_at), s.published_at))
        return docs
    numbered = number_articles(sources)  # type: ignore[arg-type]
    by_article: dict[int, _Doc] = {}
    for number, outlet, article in numbered:
        doc = by_article.get(id(article))
        if doc is None:
            sentences = split_sentences(article.text)
            doc = by_article[id(article)] = _Doc([], [], sentences,
                                                 extract_facts(sentences, article.published_at),
                                                 article.published_at)
            docs.append(doc)
        doc.numbers.append(number)
        doc.outlets.append(outlet or "an outlet")
    return docs


def _findings(doc: _Doc, earliest: datetime | None = None) -> list[_Finding]:
    """The slots one article fills; ``earliest``: when the story's first article appeared."""
    out: list[_Finding] = []
    # counts of outcomes, and counts of event nouns
    counts: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
    for sf in doc.facts:
        revision = bool(_REVISION.search(sf.text))
        for m in sf.mentions:
            if m.kind != "number" or m.value in _VAGUE:
                continue
            if m.event in _OUTCOMES:
                counts.setdefault(("count", m.event), []).append((m.value, m.text, revision))
            elif m.noun and m.noun.split()[-1] not in _GENERIC_NOUNS and not m.value.endswith(
                    ("st", "nd", "rd", "th")):
                counts.setdefault(("noun", m.noun), []).append((m.value, m.text, revision))
    for (kind, what), values in counts.items():
        first_value, first_text, revision = values[0]
        subject = _SUBJECTS.get(what, f"the number of {_plural(what)}") if kind == "count" \
            else f"the number of {_plural(what)}"
        out.append(_Finding("count", subject, first_value, first_text,
                            {v for v, _, _ in values}, revision))
    lede = doc.facts[:_LEDE]
    # the time of the event
    times = [(m.value, m.text) for sf in doc.facts for m in sf.mentions if m.kind == "time"]
    lede_times = [(m.value, m.text) for sf in lede for m in sf.mentions if m.kind == "time"]
    if lede_times:
        out.append(_Finding("time", "the time", lede_times[0][0], lede_times[0][1],
                            {v for v, _ in times}))
    # the day: named days and dates only ("this morning" dates the report, not the event)
    days = [(m.value, m.text) for sf in doc.facts for m in sf.mentions if m.kind == "date"
            and len(m.value) == 10 and not _RELATIVE_DAY.match(m.text)]
    lede_days = [(m.value, m.text, m.verb) for sf in lede for m in sf.mentions
                 if m.kind == "date" and len(m.value) == 10 and not _RELATIVE_DAY.match(m.text)]
    if doc.published_at is not None:
        own = doc.published_at.date().isoformat()
        follow_up = earliest is not None and doc.published_at - earliest >= timedelta(hours=12)
        # A day ahead is a plan ("will meet on Monday"); a follow-up's own day is its news.
        lede_days = [(v, t, verb) for v, t, verb in lede_days
                     if v <= own and not (follow_up and v == own)]
    if lede_days:
        value, text, verb = lede_days[0]
        out.append(_Finding("day", "the day", value, text, {v for v, _ in days}, about=verb))
    # the place, where a numbered one pins it down: "Pier 4", "Platform 2"
    numbered: dict[str, list[tuple[str, str]]] = {}
    for sf in doc.facts:
        for m in sf.mentions:
            if m.kind == "place" and re.fullmatch(r"[a-z]+ \d{1,3}[a-z]?", m.value):
                numbered.setdefault(m.value.split()[0], []).append((m.value, m.text))
    for head, values in numbered.items():
        out.append(_Finding("place", f"the {head}", values[0][0], values[0][1],
                            {v for v, _ in values}))
    # A claim of responsibility, the blame officials lay and whose access was used are one
    # slot: who was responsible.
    names: list[tuple[str, str]] = []
    for sf in doc.facts:
        found = _responsible(sf)
        if found:
            names.append((normalise_name(found), found))
    if names:
        out.append(_Finding("attribution", "who was responsible", names[0][0], names[0][1],
                            {v for v, _ in names}))
    return out


def _responsible(sf: SentenceFacts) -> str:
    """Who a sentence holds responsible: the claimant, the one blamed, or whose access was
    used; "" when it names none."""
    text = sf.text
    names = [m for m in sf.mentions if m.kind in {"org", "other_entity", "person"}]
    claim = _CLAIM_RE.search(text)
    if claim:
        calling = _CALLING_RE.search(text[:claim.start()])
        if calling:
            return calling.group("name")
        before = [m for m in names if m.end <= claim.start()]
        if before:
            return before[-1].text
    blame = _BLAME_RE.search(text)
    if blame:
        after = [m for m in names if m.start >= blame.end()]
        if after:
            return after[0].text
    used = _ACCESS_RE.search(text)
    if used:
        return used.group("who")
    return ""


def _describe_value(finding: _Finding) -> str:
    text = finding.text
    if finding.kind == "count":
        text = _WORD_NUMBER.get(text, text)
        if re.fullmatch(r"[A-Z][a-z -]+", text) or text.isupper():  # "Two", "THREE"
            text = text.lower()
    elif text.startswith("The "):
        text = "the " + text[4:]
    return text


def _join(outlets: list[str]) -> str:
    unique = list(dict.fromkeys(outlets))
    if len(unique) <= 2:
        return " and ".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _summary(kind: str, subject: str, values: list[ConflictValue]) -> str:
    parts = []
    for i, v in enumerate(values):
        marks = "".join(f"[{n}]" for n in v.citations)
        if kind == "count":
            what = subject.replace("the number of ", "").replace("the number ", "")
            if re.fullmatch(r"\d+-\d+", v.value):  # a vote split: "a 7-2 vote"
                verb = f"reported a {v.value} {what.removesuffix('s')}"
            else:
                verb = f"reported {v.value} {what}" if i == 0 else f"reported {v.value}"
        elif kind == "time":
            verb = f"gave the time as {v.value}"
        elif kind == "day":
            verb = f"said it happened on {v.value}"
        elif kind == "place":
            verb = f"placed it at {v.value}"
        else:
            verb = f"named {v.value} as responsible" if i == 0 else f"named {v.value}"
        parts.append(f"{_join(v.outlets)} {verb} {marks}")
    return "Sources differ: " + "; ".join(parts) + "."


def find_conflicts(sources: Sequence[Article] | Sequence[SourceDoc]) -> list[Conflict]:
    """The facts of the same kind about the same thing on which the sources disagree.

    ``sources``: a story's articles (numbered as the writers number them: each article, then the
    other outlets that carried it) or ``SourceDoc``s with their own numbers.
    """
    docs = _docs(sources)
    if len(docs) < 2:
        return []
    slots: dict[tuple[str, str, str], list[tuple[_Doc, _Finding]]] = {}
    earliest = min((d.published_at for d in docs if d.published_at), default=None)
    for doc in docs:
        for finding in _findings(doc, earliest):
            slots.setdefault((finding.kind, finding.subject, finding.about), []).append(
                (doc, finding))
    conflicts: list[Conflict] = []
    for (kind, subject, _), entries in slots.items():
        if len({f.key for _, f in entries}) < 2:
            continue
        # Disagreement needs each side's value to be absent from the other side's article.
        groups: dict[str, list[tuple[_Doc, _Finding]]] = {}
        for doc, finding in entries:
            groups.setdefault(finding.key, []).append((doc, finding))
        keys = list(groups)
        if kind == "count" and not _comparable_counts(subject, groups):
            continue
        disagree = False
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                a_has_b = any(b in f.also for _, f in groups[a])
                b_has_a = any(a in f.also for _, f in groups[b])
                if kind == "place":
                    a_has_b = a_has_b or any(_place_in(b, d) for d, _ in groups[a])
                    b_has_a = b_has_a or any(_place_in(a, d) for d, _ in groups[b])
                if kind == "count" and _same_count(a, b):
                    continue
                if not a_has_b and not b_has_a:
                    disagree = True
        if not disagree:
            continue
        values = []
        for key in keys:
            members = groups[key]
            outlets = [o for d, _ in members for o in d.outlets]
            citations = sorted({n for d, _ in members for n in d.numbers})
            values.append(ConflictValue(_describe_value(members[0][1]), outlets, citations))
        values.sort(key=lambda v: min(v.citations))
        conflicts.append(Conflict(kind, subject, values, _summary(kind, subject, values)))
    order = {"count": 0, "day": 1, "time": 2, "place": 3, "attribution": 4}
    conflicts.sort(key=lambda c: (order.get(c.kind, 9), c.subject))
    return conflicts


def _plural(noun: str) -> str:
    words = noun.split()
    last = words[-1]
    if last in _IRREGULAR_PLURALS:
        last = _IRREGULAR_PLURALS[last]
    elif re.search(r"(?:s|x|z|ch|sh)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return " ".join(words[:-1] + [last])


def _same_count(a: str, b: str) -> bool:
    """Two ways of giving one count: a vote split that contains the other figure ("316" and
    "316-301"), or a round figure and a precise one within a tenth of it ("10,000 migrants",
    "10,503"): outlets round, they do not disagree."""
    for split, single in ((a, b), (b, a)):
        if re.fullmatch(r"\d+-\d+", split) and single in split.split("-"):
            return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    rounder, precise = (x, y) if _round(x) and not _round(y) else (y, x)
    return _round(rounder) and rounder > 0 and abs(rounder - precise) <= 0.1 * rounder


def _round(x: float) -> bool:
    return x >= 100 and x % 100 == 0


def _comparable_counts(subject: str, groups: dict[str, list[tuple[_Doc, _Finding]]]) -> bool:
    """Counts that disagree rather than describe different things or an update: no value
    introduced as a revision ("rose to four"), and, for counted nouns, values within a factor
    of 1.5 of each other (24 and 25 seats, not 60 and three firefighters)."""
    for members in groups.values():
        first = min(members, key=lambda m: (m[0].published_at is None, m[0].published_at or 0))
        if first[1].revision:
            return False
    numbers = []
    for key in groups:
        try:
            numbers.append(float(key))
        except ValueError:
            return True  # vote splits, alternatives: compared as written
    if not numbers or min(numbers) <= 0:
        return True
    limit = 3.0 if subject in _SUBJECTS.values() else 1.5
    return max(numbers) / min(numbers) <= limit


def _place_in(value: str, doc: _Doc) -> bool:
    return any(value in normalise_name(s) for s in doc.sentences)
