"""Headlines: the sources' own, tightened — outlet names and clickbait taken out.

A headline may say nothing that no source says, so it is never composed: it is the source
headline closest to what the story is about, with the decoration outlets add removed ("- CNN",
"WATCH:", "[PHOTOS]"). When no source has a usable headline (files, scraped pages without a
title), the lede's main clause stands in for one.
"""

from __future__ import annotations

import re

import numpy as np

_PREFIX = re.compile(
    r"^(?:\s*(?:BREAKING(?: NEWS)?|WATCH|VIDEO|LIVE(?: UPDATES)?|UPDATE[D]?|EXCLUSIVE|"
    r"OPINION|ANALYSIS|EDITORIAL|COMMENTARY|PHOTOS?|LISTEN|JUST IN|DEVELOPING|REPORT|"
    r"Breaking(?: news)?|Watch|Video|Live(?: updates)?|Update[d]?|Exclusive|Opinion|Analysis|"
    r"Editorial|Commentary|Photos?|Listen|Just in|Developing)\s*[:|—–-]\s*)+")
_BRACKETS = re.compile(r"\s*[\[(](?:VIDEO|PHOTOS?|WATCH|UPDATED?|LIVE|GRAPHIC|POLL|AUDIO|"
                       r"Video|Photos?|Watch|Updated?|Live|Graphic|Poll|Audio|opinion|Opinion)"
                       r"[^\])]*[\])]\s*")
_CLICKBAIT = re.compile(
    r"you won'?t believe|here'?s (?:why|what|how|the)|this is (?:why|what|how)|"
    r"what you need to know|things (?:to|you) (?:know|need)|everything (?:we|you) know|"
    r"what we know|will blow your mind|jaw-?dropping|shocking|the reason why|"
    r"^\d+ (?:things|ways|reasons|times|photos|pictures)\b|you need to see|"
    r"can you guess|find out|^see (?:the|how|what)|^watch\b|\bquiz\b|\bslideshow\b",
    re.IGNORECASE)
_ATTRIBUTION_TAIL = re.compile(
    r",?\s+(?:(?:a |the )?(?:police|officials?|authorities|reports?|sources?|witnesses)|"
    r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}|he|she|they)\s+(?:said|say|says|reported|"
    r"reports|told [\w\s]+)\s*\.?$|,?\s+according to [^,]+\.?$")
_LEADING_TIME = re.compile(r"^(?:On|Late on|Early on|Earlier on)\s+[A-Z][a-z]+(?: night| morning|"
                           r" afternoon| evening)?,\s+")
_BREAKS = re.compile(r",\s+(?:which|who|where|after|as|while|amid|because|but|and|according)\b|"
                     r"\s+(?:—|–|--)\s+|;\s+|:\s+|\s+(?:after|as|amid|because|while)\s+")
MAX_WORDS = 16


def strip_outlets(title: str, outlets: set[str]) -> str:
    """The title without the outlet names pages append or prepend ("… - CNN", "CNN: …")."""
    out = title.strip()
    names = sorted((o for o in outlets if o), key=len, reverse=True)
    for name in names:
        core = re.escape(re.sub(r"\s*\(.*?\)\s*", "", name).strip() or name)
        out = re.sub(rf"\s*[|–—:-]+\s*(?:{core}|{re.escape(name)})(?:\s*\([^)]*\))?\s*$", "",
                     out, flags=re.IGNORECASE)
        out = re.sub(rf"^(?:{core}|{re.escape(name)})\s*[|–—:]+\s*", "", out,
                     flags=re.IGNORECASE)
    # Generic site suffixes of any outlet: "… | World news | The Guardian".
    out = re.sub(r"(?:\s+\|\s+[^|]{1,40})+$", "", out)
    return out.strip()


def tighten(title: str, outlets: set[str]) -> str:
    """A source headline as newsdesk prints it: no outlet, no label, no trailing decoration."""
    out = strip_outlets(title, outlets)
    out = _PREFIX.sub("", out)
    out = _BRACKETS.sub(" ", out)
    out = re.sub(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", "", out)  # emoji
    out = re.sub(r"\s+", " ", out).strip(" -–—|:")
    out = out.rstrip(".")
    if out.isupper() and len(out) > 12:  # SHOUTED HEADLINES read as noise
        out = out.capitalize()
    return out


def is_clickbait(title: str) -> bool:
    return bool(_CLICKBAIT.search(title)) or title.rstrip().endswith("?")


def from_sentence(sentence: str) -> str:
    """A headline-length main clause of a sentence (the lede, when no source has a title)."""
    out = re.sub(r"\s+", " ", sentence).strip()
    out = _LEADING_TIME.sub("", out)
    if out[:1].islower():
        out = out[:1].upper() + out[1:]
    tail = _ATTRIBUTION_TAIL.search(out)
    if tail and len(out[:tail.start()].split()) >= 4:
        out = out[:tail.start()]
    out = out.rstrip(" .;:,")
    if len(out.split()) > MAX_WORDS:
        for match in _BREAKS.finditer(out):
            head = out[:match.start()].rstrip(" ,")
            if 6 <= len(head.split()) <= MAX_WORDS:
                out = head
                break
    if len(out.split()) > MAX_WORDS + 8:
        # No clause boundary in reach: a long headline is better than an invented short one.
        out = " ".join(out.split()[:MAX_WORDS + 8]).rstrip(" ,;:")
        out = re.sub(r"\s+(?:the|a|an|of|to|in|on|and|or|for|with|by|at|from)$", "", out,
                     flags=re.IGNORECASE)
    return out.strip(" \"“”")


def choose_headline(titles: list[str], title_vectors: np.ndarray | None,
                    lede_vector: np.ndarray | None, story_vector: np.ndarray | None,
                    outlets: set[str], lede: str, avoid: list[str] | tuple = ()) -> str:
    """The source headline closest to the lede and the story (tightened), else the lede's
    main clause. Headlines stating a value in ``avoid`` (a disputed one) are passed over."""
    blocked = [re.compile(rf"(?<!\w){re.escape(v)}(?!\w)", re.IGNORECASE) for v in avoid if v]
    candidates: list[tuple[float, int, str]] = []
    for i, title in enumerate(titles):
        if not title.strip():
            continue
        tight = tighten(title, outlets)
        words = len(tight.split())
        if words < 3 or is_clickbait(tight) or any(p.search(tight) for p in blocked):
            continue
        closeness = 0.0
        if title_vectors is not None and i < len(title_vectors):
            # The lede says what happened; the headline should say the same thing.
            if lede_vector is not None:
                closeness += 0.6 * float(np.dot(title_vectors[i], lede_vector))
            if story_vector is not None:
                closeness += 0.4 * float(np.dot(title_vectors[i], story_vector))
        # Slight preference for compact headlines: 6–14 words read best.
        length_penalty = 0.01 * max(0, words - 14) + 0.02 * max(0, 6 - words)
        candidates.append((closeness - length_penalty, -i, tight))
    if candidates:
        return max(candidates)[2]
    return from_sentence(lede) if lede else ""
