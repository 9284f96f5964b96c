"""What changed between two versions of a story, in words a reader understands.

A new version is published only when the story gained something a reader would care about —
new reports, new facts, a revised figure — never for a mere re-wording of the same facts.
"""

from __future__ import annotations

import re

from newsdesk.models import VerifiedChange, WrittenStory

# Tokens that carry facts: numbers (with what follows them) and capitalised names.
_NUMBER = re.compile(r"\b\d[\d,.:]*(?:\s*(?:%|percent|a\.m\.|p\.m\.))?(?:\s+[a-z]+)?")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_STOP_NAMES = {"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "But", "And"}


def _facts(story: WrittenStory) -> set[str]:
    out: set[str] = set()
    for sentence in story.all_sentences():
        out.update(m.group(0).lower() for m in _NUMBER.finditer(sentence.text))
        out.update(m.group(0) for m in _NAME.finditer(sentence.text)
                   if m.group(0) not in _STOP_NAMES)
    out.update(q.text for q in story.quotes)
    return out


def _numbers_by_noun(story: WrittenStory) -> dict[str, set[str]]:
    """'3 soldiers' → {'soldiers': {'3'}}: lets a revised figure be reported as a revision."""
    out: dict[str, set[str]] = {}
    for sentence in story.all_sentences():
        for match in re.finditer(r"\b(\d[\d,.]*)\s+([a-z]+)", sentence.text):
            out.setdefault(match.group(2), set()).add(match.group(1))
    return out


def describe_changes(previous: WrittenStory | None, current: WrittenStory) -> list[VerifiedChange]:
    """The changes from ``previous`` to ``current``; empty when nothing worth a new version."""
    if previous is None:
        outlets = sorted({s.outlet for s in current.sources if s.outlet})
        return [VerifiedChange("new", f"First version, from {len(current.sources)} report(s)"
                               + (f" by {', '.join(outlets)}" if outlets else ""))]
    changes: list[VerifiedChange] = []
    old_urls = {s.url for s in previous.sources}
    added = [s for s in current.sources if s.url not in old_urls]
    if added:
        outlets = sorted({s.outlet or s.url for s in added})
        changes.append(VerifiedChange("new", f"{len(added)} new report(s) from "
                                      + ", ".join(outlets)))
    old_numbers, new_numbers = _numbers_by_noun(previous), _numbers_by_noun(current)
    for noun in sorted(set(old_numbers) & set(new_numbers)):
        if old_numbers[noun] != new_numbers[noun] and not (new_numbers[noun] >= old_numbers[noun]):
            before = ", ".join(sorted(old_numbers[noun]))
            after = ", ".join(sorted(new_numbers[noun]))
            changes.append(VerifiedChange("revised", f"{noun}: {before} → {after}"))
    new_facts = _facts(current) - _facts(previous)
    if new_facts and not added:
        sample = ", ".join(sorted(new_facts)[:5])
        changes.append(VerifiedChange("new", f"New details: {sample}"))
    if previous.headline != current.headline and changes:
        changes.append(VerifiedChange("revised", f"Headline now: {current.headline}"))
    return changes
