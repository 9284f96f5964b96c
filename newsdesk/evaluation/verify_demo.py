"""Verification measured on the built-in fictional news week (``newsdesk/demo/corpus``).

* **Conflicts**: ``find_conflicts`` on each event's articles (the ground-truth grouping) against
  the disagreements planted in ``truth.json``: precision and recall.
* **Edits**: cited sentences of each event's articles, edited programmatically by type
  (a changed number, person, organisation, place, day or date, weapon or outcome, an added
  negation, an altered quote word); the share of edits caught per type (recall) and the share
  of the unedited sentences wrongly rejected.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsdesk.models import Article, Conflict
from newsdesk.understand.facts import Mention, extract_facts
from newsdesk.understand.sentences import split_sentences
from newsdesk.verify.checker import SourceDoc, Verifier
from newsdesk.verify.conflicts import find_conflicts

CORPUS = Path(__file__).resolve().parents[1] / "demo" / "corpus"
EDIT_TYPES = ("number", "person", "org", "place", "day_or_date", "weapon_or_outcome",
              "negation", "quote")


@dataclass
class DemoCorpus:
    articles: dict[str, Article]  # by corpus id ("a001")
    events: dict[str, list[str]]  # event id → article ids
    truth: dict


def load_demo(folder: Path = CORPUS) -> DemoCorpus:
    """The demo week's articles (with outlet display names) and its ground truth."""
    if not (folder / "articles.jsonl").is_file():
        raise FileNotFoundError(f"the demo corpus is missing at {folder}")
    outlets = {}
    if (folder / "outlets.json").is_file():
        outlets = {o["slug"]: o["name"] for o in json.loads((folder / "outlets.json").read_text())}
    articles: dict[str, Article] = {}
    with open(folder / "articles.jsonl", encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            articles[row["id"]] = Article(
                url=f"https://demo.newsdesk.invalid/{row['outlet']}/{row['id']}",
                title=row.get("title", ""), text=row.get("text", ""),
                outlet=outlets.get(row.get("outlet", ""), row.get("outlet", "")),
                published_at=datetime.fromisoformat(row["published"]) if row.get("published")
                else None, id=number)
    truth = json.loads((folder / "truth.json").read_text())
    events = {e["id"]: list(e["articles"]) for e in truth.get("events", [])}
    return DemoCorpus(articles, events, truth)


# ----------------------------------------------------------------------------- conflicts


@dataclass
class ConflictResult:
    precision: float
    recall: float
    found: list[tuple[str, Conflict, bool]]  # (event, conflict, matches a planted one)
    missed: list[dict]


def _partition(conflict: Conflict, ids: list[str]) -> dict[str, int]:
    """Which value group each article (by corpus id) falls in; citations are 1-based
    positions in ``ids`` (the demo articles carry no syndication carriers)."""
    out = {}
    for group, value in enumerate(conflict.values):
        for n in value.citations:
            if 1 <= n <= len(ids):
                out[ids[n - 1]] = group
    return out


def _matches(conflict: Conflict, planted: dict, ids: list[str]) -> bool:
    if conflict.kind != planted["kind"]:
        return False
    got = _partition(conflict, ids)
    want = {a: g for g, v in enumerate(planted["values"]) for a in v["articles"]}
    common = set(got) & set(want)
    if len({want[a] for a in common}) < 2:
        return False
    # Same split of the articles both name: a one-to-one map between the value groups.
    pairs = {(got[a], want[a]) for a in common}
    return len(pairs) == len({g for g, _ in pairs}) == len({w for _, w in pairs})


def evaluate_conflicts(corpus: DemoCorpus | None = None) -> ConflictResult:
    corpus = corpus or load_demo()
    planted = corpus.truth.get("conflicts", [])
    found: list[tuple[str, Conflict, bool]] = []
    hit: set[int] = set()
    for event, ids in corpus.events.items():
        if len(ids) < 2:
            continue
        conflicts = find_conflicts([corpus.articles[i] for i in ids])
        for conflict in conflicts:
            ok = False
            for k, p in enumerate(planted):
                if p["event"] == event and _matches(conflict, p, ids):
                    hit.add(k)
                    ok = True
            found.append((event, conflict, ok))
    precision = sum(ok for _, _, ok in found) / len(found) if found else 1.0
    recall = len(hit) / len(planted) if planted else 1.0
    missed = [p for k, p in enumerate(planted) if k not in hit]
    return ConflictResult(precision, recall, found, missed)


# ----------------------------------------------------------------------------- edits


@dataclass
class EditCase:
    kind: str  # an EDIT_TYPES entry, or "unedited"
    event: str
    original: str
    text: str
    citations: list[int]


@dataclass
class EditResult:
    recall: dict[str, float]  # per edit type: the share caught
    counts: dict[str, int]
    false_rejection: float  # share of unedited sentences rejected
    unedited: int
    reworded_rejection: float  # share of meaning-preserving rewrites rejected
    reworded: int
    misses: list[tuple[EditCase, str]] = field(default_factory=list)
    rejections: list[tuple[EditCase, str]] = field(default_factory=list)
    checks_per_second: float = 0.0


_NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_SWAP_WEAPON = {"drone": "rocket", "drones": "rockets", "rocket": "drone", "rockets": "drones",
                "missile": "drone", "missiles": "drones", "bomb": "grenade", "gun": "knife",
                "artillery": "mortar", "shelling": "airstrikes", "explosives": "grenades"}
_SWAP_OUTCOME = {"killed": "injured", "injured": "killed", "wounded": "killed",
                 "dead": "injured", "died": "survived", "hurt": "killed", "arrested": "released",
                 "detained": "released", "freed": "killed", "rescued": "killed",
                 "evacuated": "injured", "critical": "stable", "seriously": "lightly",
                 "missing": "dead", "kidnapped": "killed", "convicted": "acquitted",
                 "charged": "cleared"}
_AUX = re.compile(r"\b(was|were|is|are|has|have|had|will|would|can|could|should|did|does|do|"
                  r"must|may|might)\b(?!\s+(?:not|n't|never|only|no)\b)")
# Fictional replacement names: never in the corpus, so a swap is always an invention unless
# it comes from elsewhere in the same story (see ``_other_names``).
_FALLBACK = {"person": ["Orla Quennell", "Bastian Marrow", "Ines Talvik"],
             "org": ["Northwind Holdings", "the Harrow Institute", "Cobalt Union"],
             "place": ["Westerby", "Saltmere", "Duncross"]}


def _replace(text: str, m: Mention, new: str) -> str:
    return text[:m.start] + new + text[m.end:]


def _edit_number(text: str, mentions: list[Mention], rng: random.Random) -> str | None:
    nums = [m for m in mentions if m.kind in {"number", "money", "percent"}
            and re.fullmatch(r"\d+(?:\.\d+)?", m.value)]
    if not nums:
        return None
    m = rng.choice(nums)
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", m.text)
    if digits:
        old = digits.group(0).replace(",", "")
        value = float(old)
        new_value = value + rng.choice([1, 2, 3]) if value < 20 else value * rng.choice(
            [1.5, 2, 0.5])
        new = (f"{new_value:.{len(old.split('.')[1])}f}" if "." in old else
               f"{int(new_value):,}" if "," in digits.group(0) else str(int(new_value)))
        return text[:m.start + digits.start()] + new + text[m.start + digits.end():]
    low = m.text.lower()
    if low in _NUMBER_WORDS:
        index = _NUMBER_WORDS.index(low)
        new = _NUMBER_WORDS[(index + rng.choice([1, 2])) % len(_NUMBER_WORDS)]
        if m.text[0].isupper():
            new = new.capitalize()
        return _replace(text, m, new)
    return None


def _other_names(kind: str, story_names: dict[str, set[str]], text: str) -> list[str]:
    pool = sorted(n for n in story_names.get(kind, set()) if n.lower() not in text.lower())
    return pool or _FALLBACK[kind]


def _edit_name(kind: str, text: str, mentions: list[Mention], story_names: dict[str, set[str]],
               rng: random.Random) -> str | None:
    names = [m for m in mentions if m.kind == kind and len(m.text) > 2]
    if not names:
        return None
    m = rng.choice(names)
    new = rng.choice(_other_names(kind, story_names, text))
    if new.lower().startswith("the ") and text[:m.start].lower().endswith("the "):
        new = new[4:]  # "the the Social Democrats"
    if m.start == 0:
        new = new[:1].upper() + new[1:]
    return _replace(text, m, new)


def _edit_day(text: str, mentions: list[Mention], rng: random.Random) -> str | None:
    days = [m for m in mentions if m.kind == "weekday" and m.text in _WEEKDAYS]
    if days:
        m = rng.choice(days)
        others = [d for d in _WEEKDAYS if d != m.text]
        return _replace(text, m, rng.choice(others))
    dates = [m for m in mentions if m.kind == "date" and re.search(r"\d", m.text)]
    for m in dates:
        match = re.search(r"\b(\d{1,2})\b", m.text)
        if match and len(m.value) >= 7:
            day = int(match.group(1))
            new = str(day + 3 if day < 25 else day - 3)
            return text[:m.start + match.start()] + new + text[m.start + match.end():]
        year = re.search(r"\b(19|20)\d\d\b", m.text)
        if year:
            new = str(int(year.group(0)) - 1)
            return text[:m.start + year.start()] + new + text[m.start + year.end():]
    return None


def _edit_weapon_outcome(text: str, rng: random.Random) -> str | None:
    options = []
    for word, new in list(_SWAP_WEAPON.items()) + list(_SWAP_OUTCOME.items()):
        for match in re.finditer(rf"\b{re.escape(word)}\b", text):
            options.append((match, new))
    if not options:
        return None
    match, new = rng.choice(options)
    return text[:match.start()] + new + text[match.end():]


def _edit_negation(text: str) -> str | None:
    match = _AUX.search(text)
    if match is None or re.search(r"[\"“]", text[:match.start()]):
        return None
    return text[:match.end()] + " not" + text[match.end():]


_QUOTE = re.compile(r"[\"“](?P<q>[^\"“”]{12,}?)[\"”]")
_QUOTE_SWAPS = {"will": "would", "we": "they", "our": "their", "never": "always",
                "not": "now", "is": "was", "are": "were", "must": "might", "all": "some",
                "every": "any", "more": "less", "can": "cannot", "have": "had"}


def _edit_quote(text: str, rng: random.Random) -> str | None:
    match = _QUOTE.search(text)
    if match is None:
        return None
    quote = match.group("q")
    words = list(re.finditer(r"[A-Za-z]{3,}", quote))
    if not words:
        return None
    swappable = [w for w in words if w.group(0).lower() in _QUOTE_SWAPS]
    w = rng.choice(swappable) if swappable else rng.choice(words)
    old = w.group(0)
    new = _QUOTE_SWAPS.get(old.lower())
    if new is None:
        new = old[::-1] if len(old) > 3 else old + "s"  # a word the speaker never said
    if old[0].isupper():
        new = new.capitalize()
    start = match.start("q") + w.start()
    return text[:start] + new + text[start + len(old):]


_DIGIT_WORDS = {str(i): w for i, w in enumerate(_NUMBER_WORDS, 1)}
_ATTRIBUTION_TAIL = re.compile(r",\s+(?:the\s+)?[\w .'-]{2,60}?\s+(?:said|says|told \w+|added)"
                               r"(?:\s+on\s+\w+)?\.$")


def _reword(text: str) -> str | None:
    """A meaning-preserving rewrite, as a writer might make: an attribution tail dropped
    (", officials said."), a small number spelled out, "percent" written as "%"."""
    if '"' in text or "“" in text:
        return None
    out = _ATTRIBUTION_TAIL.sub(".", text)
    out = re.sub(r"(?<![\d.,:-])(?<![A-Z][a-z] )(?<![A-Z][a-z][a-z] )(?<![A-Z][a-z]{3} )"
                 r"\b([1-9]|1[0-2])\b(?![\d.,:%-])(?!\s*(?:a\.m|p\.m|percent))",
                 lambda m: _DIGIT_WORDS[m.group(1)], out, count=1)  # not "Pier 6" → "Pier six"
    out = re.sub(r"(\d)\s+percent\b", r"\1%", out)
    return out if out != text else None


def build_edit_set(corpus: DemoCorpus | None = None, seed: int = 7,
                   per_event: int = 12) -> tuple[list[EditCase], dict[str, list[SourceDoc]]]:
    """Edited and unedited cited sentences of each event, with each event's sources."""
    corpus = corpus or load_demo()
    rng = random.Random(seed)
    cases: list[EditCase] = []
    sources: dict[str, list[SourceDoc]] = {}
    for event, ids in corpus.events.items():
        docs = [SourceDoc(n, corpus.articles[i].outlet, corpus.articles[i].text,
                          corpus.articles[i].published_at, corpus.articles[i].title)
                for n, i in enumerate(ids, 1)]
        sources[event] = docs
        story_names: dict[str, set[str]] = {}
        candidates: list[tuple[int, str]] = []
        for doc in docs:
            sentences = split_sentences(doc.text)
            for sf in extract_facts(sentences, doc.published_at):
                for m in sf.mentions:
                    if m.kind in {"person", "org", "place"}:
                        story_names.setdefault(m.kind, set()).add(m.text)
            candidates.extend((doc.number, s) for s in sentences if len(s.split()) >= 6)
        rng.shuffle(candidates)
        for number, sentence in candidates[:per_event]:
            cases.append(EditCase("unedited", event, sentence, sentence, [number]))
            reworded = _reword(sentence)
            if reworded and reworded != sentence:
                cases.append(EditCase("reworded", event, sentence, reworded, [number]))
        # Every sentence is a candidate for each edit its content allows.
        for number, sentence in candidates:
            sf = extract_facts([sentence], docs[number - 1].published_at)[0]
            edits: dict[str, Callable[[], str | None]] = {
                "number": lambda s=sentence, f=sf: _edit_number(s, f.mentions, rng),
                "person": lambda s=sentence, f=sf, n=story_names: _edit_name(
                    "person", s, f.mentions, n, rng),
                "org": lambda s=sentence, f=sf, n=story_names: _edit_name(
                    "org", s, f.mentions, n, rng),
                "place": lambda s=sentence, f=sf, n=story_names: _edit_name(
                    "place", s, f.mentions, n, rng),
                "day_or_date": lambda s=sentence, f=sf: _edit_day(s, f.mentions, rng),
                "weapon_or_outcome": lambda s=sentence: _edit_weapon_outcome(s, rng),
                "negation": lambda s=sentence: _edit_negation(s),
                "quote": lambda s=sentence: _edit_quote(s, rng),
            }
            for kind, edit in edits.items():
                edited = edit()
                if edited and edited != sentence:
                    cases.append(EditCase(kind, event, sentence, edited, [number]))
    return cases, sources


def evaluate_edits(corpus: DemoCorpus | None = None, embedder=None,
                   limit_per_type: int | None = None, seed: int = 7) -> EditResult:
    import time

    cases, sources = build_edit_set(corpus, seed=seed)
    if limit_per_type is not None:
        # A sample of each type drawn across all events, not the first events only.
        by_kind: dict[str, list[EditCase]] = {}
        for case in cases:
            by_kind.setdefault(case.kind, []).append(case)
        rng = random.Random(seed)
        cases = [c for group in by_kind.values()
                 for c in (rng.sample(group, limit_per_type) if len(group) > limit_per_type
                           else group)]
    verifiers = {event: Verifier(docs, embedder=embedder) for event, docs in sources.items()}
    caught: dict[str, int] = {}
    counts: dict[str, int] = {}
    misses, rejections = [], []
    start = time.perf_counter()
    by_event: dict[str, list[EditCase]] = {}
    for case in cases:
        by_event.setdefault(case.event, []).append(case)
    for event, group in by_event.items():
        verdicts = verifiers[event].check_many([(c.text, c.citations) for c in group])
        for case, verdict in zip(group, verdicts, strict=True):
            counts[case.kind] = counts.get(case.kind, 0) + 1
            if case.kind in {"unedited", "reworded"}:
                if not verdict.supported:
                    caught[case.kind] = caught.get(case.kind, 0) + 1
                    rejections.append((case, verdict.reason))
            elif not verdict.supported:
                caught[case.kind] = caught.get(case.kind, 0) + 1
            else:
                misses.append((case, verdict.reason))
    elapsed = time.perf_counter() - start
    recall = {k: caught.get(k, 0) / counts[k] for k in EDIT_TYPES if counts.get(k)}
    unedited = counts.get("unedited", 0)
    reworded = counts.get("reworded", 0)
    return EditResult(recall, dict(counts),
                      caught.get("unedited", 0) / unedited if unedited else 0.0, unedited,
                      caught.get("reworded", 0) / reworded if reworded else 0.0, reworded,
                      misses, rejections, len(cases) / elapsed if elapsed else 0.0)
