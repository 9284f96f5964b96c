"""What changed between two versions of a story, in words a reader understands.

A new version is published only when the story gained something a reader would care about —
new reports, new facts, a revised figure — or lost a report it cited; never for a mere
re-wording of the same facts.

Figures are compared by what they count (``newsdesk.understand.facts``: "three soldiers" and
"3 soldiers" are one figure, 3 of "soldier"). A figure whose value changed is a *revision* ("the
toll rose to 5"); it is a *correction* when the sources say so ("revised", "corrected", "had
earlier reported") or when a count went down, which a count of people killed, injured or
affected only does when an earlier figure was wrong.
"""

from __future__ import annotations

import re

from newsdesk.models import VerifiedChange, WrittenStory

# Tokens that carry facts: numbers (with what follows them) and capitalised names.
_NUMBER = re.compile(r"\b\d[\d,.:]*(?:\s*(?:%|percent|a\.m\.|p\.m\.))?(?:\s+[a-z]+)?")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_STOP_NAMES = {"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "But", "And"}
# What sources write when they correct a figure.
_CORRECTION_CUE = re.compile(
    r"\b(?:correct(?:ed|ion|s)?|revis(?:ed|es|ion)|clarif(?:ied|ies|ication)|amended"
    r"|(?:had|have|has)\s+(?:earlier|initially|first|previously)\s+(?:been\s+)?"
    r"(?:reported|said|given|put)|(?:earlier|initially|first|previously)\s+reported"
    r"|(?:down|up)\s+from)\b", re.I)
_FIGURE_KINDS = ("number", "money", "percent")


_FACT_KINDS = ("number", "money", "percent", "time", "date", "person", "org", "place",
               "other_entity")
_NUMBER_OF = re.compile(r"\bnumber of (?:the )?(?:people |those )?([a-z]+)", re.I)


def _analyse(story: WrittenStory) -> list | None:
    """The facts of each of the story's sentences, or None without a spaCy model."""
    try:
        from newsdesk.understand.facts import extract_facts

        return extract_facts([s.text for s in story.all_sentences()])
    except Exception:  # no model here: the plain patterns below stand in
        return None


def _facts(story: WrittenStory, analysed: list | None) -> dict[object, str]:
    """The story's facts (what a re-wording keeps) → how the text puts them."""
    out: dict[object, str] = {("quote", q.text): q.text for q in story.quotes}
    if analysed is None:
        for sentence in story.all_sentences():
            for m in _NUMBER.finditer(sentence.text):
                out.setdefault(m.group(0).lower(), m.group(0))
            for m in _NAME.finditer(sentence.text):
                if m.group(0) not in _STOP_NAMES:
                    out.setdefault(m.group(0), m.group(0))
        return out
    for facts in analysed:
        for mention in facts.of_kind(*_FACT_KINDS):
            out.setdefault((mention.kind, mention.value), mention.text)
    return out


def _figures(story: WrittenStory, analysed: list | None) -> dict[str, dict[str, str]]:
    """What each figure counts → {its value → a sentence stating it}: "killed" → {"3": …}."""
    out: dict[str, dict[str, str]] = {}
    if analysed is None:
        for sentence in story.all_sentences():
            for match in re.finditer(r"\b(\d[\d,.]*)\s+([a-z]+)", sentence.text):
                out.setdefault(_singular(match.group(2)), {}).setdefault(
                    match.group(1).replace(",", ""), sentence.text)
        return out
    for facts in analysed:
        events = [m.value for m in facts.of_kind("event")]
        for mention in facts.of_kind(*_FIGURE_KINDS):
            what = mention.event or mention.noun
            if not what:  # "the number of injured was revised to 30"
                named = _NUMBER_OF.search(facts.text)
                if named:
                    word = named.group(1).lower()
                    what = word if word in events or not events else events[0]
            if what:
                out.setdefault(_singular(what), {}).setdefault(mention.value, facts.text)
    return out


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _number(value: str) -> float | None:
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return None  # "2 or 3", "20-30": no single figure to compare


def _revisions(old: dict[str, dict[str, str]],
               new: dict[str, dict[str, str]]) -> list[VerifiedChange]:
    changes = []
    for what in sorted(set(old) & set(new)):
        gone = sorted(set(old[what]) - set(new[what]))
        came = sorted(set(new[what]) - set(old[what]))
        if not came:
            continue
        # "30 people were injured, not 40 as first reported": the sources correct a figure,
        # and may repeat the old one while doing so.
        cue = any(_CORRECTION_CUE.search(new[what][value]) for value in came)
        if not gone and not cue:
            continue  # a figure added beside the others is a new detail, not a revision
        before = ", ".join(gone or sorted(old[what]))
        after = ", ".join(came)
        olds = [n for n in map(_number, gone) if n is not None]
        news = [n for n in map(_number, came) if n is not None]
        fell = bool(olds and news) and max(news) < min(olds)
        if cue or fell:
            changes.append(VerifiedChange(
                "correction", f"Correction: {what} {after}, not {before}, as the sources now "
                "report"))
        else:
            changes.append(VerifiedChange("revised", f"{what}: {before} → {after}"))
    return changes


def describe_changes(previous: WrittenStory | None, current: WrittenStory) -> list[VerifiedChange]:
    """The changes from ``previous`` to ``current``; empty when nothing worth a new version."""
    if previous is None:
        outlets = sorted({s.outlet for s in current.sources if s.outlet})
        return [VerifiedChange("new", f"First version, from {len(current.sources)} report(s)"
                               + (f" by {', '.join(outlets)}" if outlets else ""))]
    changes: list[VerifiedChange] = []
    old_urls = {s.url for s in previous.sources}
    new_urls = {s.url for s in current.sources}
    added = [s for s in current.sources if s.url not in old_urls]
    if added:
        outlets = sorted({s.outlet or s.url for s in added})
        changes.append(VerifiedChange("new", f"{len(added)} new report(s) from "
                                      + ", ".join(outlets)))
    before, after = _analyse(previous), _analyse(current)
    revisions = _revisions(_figures(previous, before), _figures(current, after))
    changes.extend(revisions)
    old_facts, new_facts = _facts(previous, before), _facts(current, after)
    fresh = [text for key, text in new_facts.items() if key not in old_facts]
    if fresh and not added and not revisions:
        sample = ", ".join(sorted(set(fresh))[:5])
        changes.append(VerifiedChange("new", f"New details: {sample}"))
    # A report is no longer one of the story's own (the grouping moved it to another story):
    # the version citing it must not stand as the latest, whatever else changed.
    dropped = [s for s in previous.sources if s.url not in new_urls]
    if dropped:
        outlets = sorted({s.outlet or s.url for s in dropped})
        changes.append(VerifiedChange("removed", f"{len(dropped)} report(s) no longer part of "
                                      "this story, from " + ", ".join(outlets)))
    if previous.headline != current.headline and changes:
        changes.append(VerifiedChange("revised", f"Headline now: {current.headline}"))
    return changes
