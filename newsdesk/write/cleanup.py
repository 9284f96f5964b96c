"""What a sentence needs before it can be published: no debris, no dangling reference.

Scraped articles carry more than the report: datelines ("CANNES, France (AP) —"), bylines,
photo captions and credits, share buttons, newsletter pitches, archive notices. None of that
belongs in a story, so ``debris_reason`` names what a sentence is when it is not report text.

A sentence lifted out of its article can also lean on what came before it: "He added…",
"However, …", "The agency said…" with no agency named. ``opening_reference`` finds such an
opening; ``is_resolved`` decides whether the story in hand gives it a referent. ``light_edit``
does the edits a wire editor would make without changing a fact: it strips datelines and
pure discourse connectives ("But", "Meanwhile,") and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------- datelines and light edits

_AGENCY = (r"AP|A\.P\.|Reuters|AFP|CNN|CNN Money|CNNMoney|UPI|Bloomberg|dpa|DPA|IANS|PTI|"
           r"Xinhua|XINHUA|TASS|ANSA|EFE|KYODO|Kyodo|NBC|ABC|CBS|BBC|WWD|HealthDay News|"
           r"HealthDay|Yonhap|CQ|SNS|MCT|TNS|AAP|[A-Z][A-Za-z]{1,14}(?: [A-Z][A-Za-z]{1,14})?")
_DASH = r"(?:—|–|-{1,2}|:)"
# "CANNES, France (AP) — ", "NEW YORK (Reuters) - ", "WASHINGTON — ", "Cannes, France (AP) —"
_DATELINE = re.compile(
    rf"^(?:"
    rf"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*"  # an all-capitals place
    rf"(?:,\s+[A-Z][\w.'’]*(?:\s+[A-Z][\w.'’]*)*)?"  # ", France" / ", Calif."
    rf"(?:\s*\((?:{_AGENCY})\))?\s*{_DASH}\s+"
    rf"|"
    rf"[A-Z][\w.'’]*(?:\s+[A-Z][\w.'’]*)*,\s+[A-Z][\w.'’]*(?:\s+[A-Z][\w.'’]*)*"
    rf"\s*\((?:{_AGENCY})\)\s*{_DASH}\s+"  # "Cannes, France (AP) — "
    rf"|"
    rf"\((?:{_AGENCY})\)\s*{_DASH}?\s*"  # "(CNN) — ", "(CNN)The"
    rf")"
)
# Places written in capitals that are not datelines but the start of a sentence.
_NOT_A_PLACE = {"A", "I", "AN", "THE", "BREAKING", "UPDATE", "UPDATED", "WATCH", "VIDEO",
                "PHOTOS", "EXCLUSIVE", "OPINION", "ANALYSIS", "EDITOR'S", "EDITORS"}

# Connectives that only mark discourse: dropping them changes no fact.
_STRIPPABLE = ("and", "but", "however", "meanwhile", "also", "still", "yet", "moreover",
               "furthermore", "additionally", "in addition", "indeed", "now", "separately",
               "plus", "so", "nonetheless", "nevertheless", "even so", "at the same time",
               "in fact", "of course", "to be sure")
_STRIP_RE = re.compile(
    r"^(?:" + "|".join(re.escape(c) for c in sorted(_STRIPPABLE, key=len, reverse=True))
    + r")(?:,\s+|\s+(?=[A-Za-z\"“‘']))", re.IGNORECASE)
# Connectives that point at a specific earlier statement: unresolved unless it is in the story.
_REFERRING = ("as a result", "instead", "then", "therefore", "thus", "hence", "that said",
              "otherwise", "similarly", "likewise", "for example", "for instance",
              "in other words", "on the other hand", "after all", "in turn", "besides",
              "by contrast", "in contrast", "consequently", "accordingly", "in response",
              "to that end", "in that case", "even then", "at that point", "at that time",
              "until then", "since then", "by then", "if so", "not only that", "finally",
              "lastly", "afterward", "afterwards", "later that", "also")
_REFERRING_RE = re.compile(
    r"^(?:" + "|".join(re.escape(c) for c in sorted(_REFERRING, key=len, reverse=True))
    + r")\b(?!-)", re.IGNORECASE)

_PRONOUNS = {"he", "she", "they", "it", "his", "her", "their", "its", "him", "them", "theirs",
             "hers", "this", "that", "these", "those", "such", "both", "another", "others",
             "there's", "here", "here's", "we", "our", "us", "i", "my", "me", "you", "your",
             "it's", "he's", "she's", "they're", "they've", "we're", "we've", "i'm", "i've",
             "he'd", "she'd", "they'd", "neither"}
# "There is/are…" is existential, not a reference; "All of…", "Each of…" need a referent.
_EXISTENTIAL = re.compile(r"^there\s+(?:is|are|was|were|has|have|had|will|would|could|may|"
                          r"might|seems?|appears?)\b", re.IGNORECASE)

# Nouns that, after "The", stand for someone or something named earlier in the article.
ROLE_NOUNS = frozenset(["agency", "company", "firm", "group", "department", "ministry", "official", "officials", "spokesman", "spokeswoman", "spokesperson", "man", "woman", "men", "women", "boy", "girl", "boys", "girls", "child", "children", "suspect", "suspects", "victim", "victims", "couple", "pair", "duo", "trio", "president", "senator", "governor", "mayor", "minister", "lawmaker", "lawmakers", "congressman", "congresswoman", "report", "study", "statement", "letter", "decision", "move", "bill", "law", "plan", "deal", "policy", "case", "incident", "attack", "attacks", "shooting", "crash", "fire", "storm", "lawsuit", "suit", "measure", "program", "programme", "project", "researchers", "researcher", "team", "court", "judge", "officer", "officers", "driver", "pilot", "country", "city", "state", "school", "hospital", "family", "actor", "actress", "singer", "star", "player", "coach", "show", "film", "movie", "book", "video", "photo", "post", "tweet", "event", "announcement", "change", "changes", "proposal", "organization", "organisation", "association", "union", "network", "station", "newspaper", "paper", "magazine", "site", "website", "app", "service", "campaign", "candidate", "nominee", "administration", "government", "regime", "council", "committee", "panel", "board", "commission", "authority", "authorities", "store", "restaurant", "vehicle", "car", "plane", "ship", "boat", "building", "house", "home", "party", "club", "league", "brand", "product", "device", "drug", "vaccine", "disease", "virus", "patient", "patients", "doctor", "doctors", "scientist", "scientists", "author", "writer", "director", "executive", "ceo", "chairman", "founder", "owner", "teen", "teenager", "student", "students", "teacher", "mother", "father", "son", "daughter", "wife", "husband", "brother", "sister", "baby", "dog", "cat", "animal", "bear", "shark", "comedian", "rapper", "musician", "band", "artist", "model", "athlete", "lawyer", "attorney", "prosecutor", "prosecutors", "defendant", "jury", "complaint", "indictment", "investigation", "probe", "inquiry", "review", "survey", "poll", "analysis", "document", "documents", "memo", "email", "emails", "message", "site", "facility", "plant", "region", "area", "town", "village", "island", "species", "creature", "latter", "couple's", "man's", "woman's", "company's", "agency's", "body", "victim's", "suspect's"])

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def strip_dateline(text: str) -> str:
    """The sentence without a leading dateline ("WASHINGTON (AP) — ")."""
    match = _DATELINE.match(text)
    if not match:
        return text
    head = match.group(0)
    first = head.split()[0].strip(",").upper() if head.split() else ""
    if first in _NOT_A_PLACE:
        return text
    rest = text[match.end():].lstrip()
    # A dateline is followed by the sentence proper, which starts with a capital or a quote.
    if len(rest.split()) < 4 or not re.match(r"[A-Z0-9\"“‘']", rest):
        return text
    return rest


def strip_connective(text: str) -> str:
    """The sentence without a leading discourse connective ("But", "Meanwhile,")."""
    match = _STRIP_RE.match(text)
    if not match:
        return text
    rest = text[match.end():]
    if len(rest.split()) < 4:
        return text
    # "So far…", "Still photos…", "Now 45, she…": keep when the word is not a connective there.
    word = match.group(0).strip().rstrip(",").lower()
    if "," not in match.group(0) and word in {"so", "still", "now", "yet", "plus", "indeed"}:
        return text
    return _capitalise(rest)


def _capitalise(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            # An acronym or a name keeps its case; only a lowercase first letter is raised.
            return text[:i] + ch.upper() + text[i + 1:]
        if ch not in "\"“‘'(":
            return text
    return text


# Words tabloids shout at the start of a story ("THREE soldiers were killed…"); acronyms
# ("NATO said…") are left alone because they are not in this list.
_SHOUTED = frozenset(["a", "an", "the", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "dozens", "hundreds", "thousands", "millions", "a", "hero", "heroic", "tragic", "shocking", "horror", "horrific", "terrifying", "brave", "desperate", "furious", "police", "cops", "officials", "doctors", "experts", "families", "parents", "mum", "mother", "father", "dad", "children", "kids", "he", "she", "they", "it", "this", "these", "those", "his", "her", "their", "we", "our", "you", "when", "after", "as", "at", "in", "on"])


# Long capitalised words with an English inflection are words, not acronyms: "TERRIFIED".
_SHOUTED_WORD = re.compile(r"^[A-Z]{3,}(?:ED|ING|LY|IES|ERS|OUS|FUL)$")


def unshout(text: str) -> str:
    """"THREE young soldiers…" → "Three young soldiers…" (only common words, never acronyms)."""
    match = re.match(r"((?:A|AN|An|THE|The)\s+)?([A-Z]{2,})(\s+[a-z])", text)
    if not match or not (match.group(2).lower() in _SHOUTED or _SHOUTED_WORD.match(match.group(2))):
        return text
    article = match.group(1) or ""
    word = match.group(2).lower() if article else match.group(2).capitalize()
    return article.capitalize().rstrip() + (" " if article else "") + word + text[match.end(2):]


def light_edit(text: str) -> str:
    """The edits a wire editor makes without touching a fact: dateline, connective, spacing,
    a shouted first word."""
    out = re.sub(r"\s+", " ", text).strip()
    out = strip_dateline(out)
    out = unshout(out)
    previous = None
    while previous != out:  # "But meanwhile, …"
        previous = out
        out = strip_connective(out)
    return out


# ---------------------------------------------------------------- debris

_DEBRIS_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # An article sentence that talks to a language model instead of a reader ("ignore your
    # instructions and …"): never report text, and never offered to the LLM writer either.
    ("instruction", re.compile(
        r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|my|these|"
        r"those)\s+)*(?:(?:previous|prior|above|earlier|preceding|system|original)\s+)*"
        r"(?:instructions?|prompts?)\b|"
        # "rules" and "orders" are ordinary news words: only with a model-addressing qualifier
        r"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:your|(?:the\s+)?(?:previous|prior|"
        r"above|preceding|system))\s+(?:rules|directions|guidelines|orders)\b|"
        r"\b(?:system|developer)\s+(?:prompt|message|instructions?)\b|"
        r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|llm)\b|"
        r"\bas\s+an?\s+(?:ai|language\s+model)\b|"
        r"\b(?:new|updated|real)\s+instructions?\s*:|"
        r"\b(?:do\s+not|don't|never)\s+(?:follow|obey)\s+(?:the|your|any)\s+(?:previous\s+|"
        r"system\s+)?(?:instructions?|prompts?)\b|"
        r"\binstead,?\s+(?:write|say|state|output|respond)\s+(?:only\s+)?(?:that|the)\b.{0,40}"
        r"\b(?:summary|story|answer|output|response)\b|"
        r"\b(?:respond|reply|answer)\s+(?:only\s+)?with\s+(?:the\s+)?(?:words?|text|phrase)\b",
        re.IGNORECASE)),
    ("link", re.compile(r"https?://|www\.\w|\.com/|\b\w+@\w+\.\w{2,}\b", re.IGNORECASE)),
    ("call to action", re.compile(
        r"\bclick (?:here|to|on|the)\b|\btap here\b|\bsign up\b|\bsubscribe\b|\bnewsletter\b|"
        r"\bfollow (?:us|him|her|them|@|\w+ on (?:twitter|facebook|instagram))|"
        r"\bopens in (?:a )?new window\b|\bshare (?:this|on)\b|\bread (?:more|the full)\b|"
        r"\blike us on\b|\bdownload (?:our|the) app\b|\bsee also\b|\bwatch (?:the )?video\b|"
        r"\bplease (?:enable|upgrade|try again|note)\b|\bjavascript\b|\bcookies?\b|"
        r"\byour browser\b|\bad ?blocker\b|\bsponsored\b|\badvertisement\b|"
        r"\bterms of (?:service|use)\b|\bprivacy policy\b|\bsend us\b|\bcontact us\b|"
        r"\blearn more\b|\bcomment(?:s)? (?:below|section)\b|\bskip (?:to|ad)\b|"
        r"\bmailing list\b|\bfill in\b|\bsign in\b|\blog in\b|\bpaywall\b|\bmore:|"
        r"\brelated(?: coverage| stories| articles| content)?:|\bcontinue reading\b|"
        r"\bwe (?:may )?earn (?:a )?commission\b|\baffiliate links?\b|\btweet with a location\b",
        re.IGNORECASE)),
    ("credit", re.compile(
        r"\((?:AP|Reuters|AFP|Getty|EPA|Photo|Image|Credit|File)[^)]*(?:Photo|Images?|"
        r"Press|/)[^)]*\)|\([^()]{0,60}\b(?:Photo|Image|Picture)s?\s*/[^()]*\)|"
        r"\b(?:AP|Getty|AFP|Reuters|EPA|REX|Shutterstock) (?:Photo|Images)\b|"
        r"\bphoto(?:graph)?s? (?:by|courtesy|credit)\b|\bimage (?:copyright|caption|source)\b|"
        r"\b(?:hide|toggle) caption\b|\bcaption\b|©|\bcopyright\b|\ball rights reserved\b|"
        r"\bvia getty\b|\bgetty\b|\bfile photo\b|^\(?file\b|^\(?photo\b|\bpictured\b|"
        r"\bposes? for (?:photographers|a photo|a picture|pictures)\b|\bred carpet arrivals?\b|"
        r"^\W*(?:\w+\s+){0,3}\((?:AP|Reuters|AFP)\)\W*$", re.IGNORECASE)),
    ("byline", re.compile(
        r"^(?:By|Written by|Reporting by|Additional reporting by|Editing by|Edited by|"
        r"Compiled by|Story by|Words by|Interview by)\s+[A-Z]|\bcontributed to this "
        r"(?:report|story|article)\b|\b(?:staff|senior|contributing) (?:writer|reporter|"
        r"editor)\b|^(?:Published|Posted|Updated|Last updated|Filed)\b|"
        r"\b(?:reporting|writing|editing) by\b|\bis a (?:staff |senior )?(?:writer|reporter|"
        r"correspondent|columnist|contributor) (?:for|at|with)\b|\bemail the author\b",
        re.IGNORECASE)),
    ("correction", re.compile(
        r"^(?:CORRECTION|CORRECTS|UPDATE|EDITOR'?S NOTE|Editor'?s note)\b|"
        r"\bthis (?:story|article|report|post) (?:has been|was) (?:updated|corrected|amended)\b|"
        r"\ban earlier version of this\b|\bthis is a developing story\b|"
        r"\bcheck back (?:for|later)\b|\bthis story will be updated\b",
        re.IGNORECASE)),
    ("archive", re.compile(
        r"\binternet archive\b|\bwayback machine\b|\bcrawl(?:ed|s|ing)? data\b|"
        r"\bthis (?:page|site|website) (?:uses|is)\b|\bno longer available\b|"
        r"\bpage (?:not found|you requested)\b|\b404\b|\berror occurred\b",
        re.IGNORECASE)),
]
# Photo captions: "Actress X, center, listens to…", "From left, actor…".
_CAPTION = re.compile(r",\s+(?:left|right|center|centre|second (?:from )?(?:left|right)|top|"
                      r"bottom|front|rear|foreground|background)\s*,|^from left\b|"
                      r"^(?:left|right|above|below|top|bottom|inset)\s*[:,]|"
                      r"^\(?(?:left|right|above|below)\)|^in this (?:\w+ )?(?:photo|image|picture|"
                      r"file photo|handout photo|undated photo|frame grab|still)",
                      re.IGNORECASE)
# A subordinate clause standing alone ("Because it may be time we all moved.") is a teaser or
# a headline, not a sentence: with no comma there is no main clause after it.
_SUBORDINATE_ONLY = re.compile(r"^(?:because(?! of)|although|though|whereas|unless)\b[^,;:]*$",
                               re.IGNORECASE)
_TERMINATED = re.compile(r"""[.!?]["”’')\]]*$|[.!?]\s*["”’')\]]+\s*$""")


def debris_reason(text: str) -> str:
    """Why a sentence is not report text ("byline", "credit", …), or "" when it is."""
    stripped = text.strip()
    words = stripped.split()
    if not words:
        return "empty"
    for reason, pattern in _DEBRIS_PATTERNS:
        if pattern.search(stripped):
            return reason
    if _CAPTION.search(stripped):
        return "caption"
    letters = [c for c in stripped if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6 and len(letters) > 8:
        return "heading"
    if stripped[0] in "-•*|>#–—" or stripped.startswith("..."):
        return "list item"
    if stripped.endswith(("...", "…")) or re.search(r"\w\s*(?:\.\.\.|…)\s*[\"”’]?$", stripped):
        return "cut off"
    if not _TERMINATED.search(stripped):
        return "unterminated"
    if len(words) < 4 or _SUBORDINATE_ONLY.match(stripped):
        return "fragment"
    if stripped.endswith("?") and not re.search(r"[\"“”]", stripped):
        # Reporters' questions to the reader ("What do you think?") are not report text.
        return "question"
    return ""


# ---------------------------------------------------------------- references


@dataclass(frozen=True)
class Opening:
    """How a sentence leans on what came before it."""

    kind: str  # "pronoun" | "connective" | "definite" | "speaker" | "first person"
    word: str  # the word that leans: "He", "However", "agency"


_SPEAKER_PRONOUN = re.compile(
    r"[\"”’]\s*,?\s*(?:he|she|they|it)\s+(?:said|says|added|adds|told|tells|wrote|writes|"
    r"explained|continued|noted|recalled|insisted|asked|replied|argued|warned|stressed)\b|"
    r"[\"”’]\s*,?\s*(?:said|says|added)\s+(?:he|she|they)\b", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"\b(?:said|says|say|told|tells|added|adds|according to|wrote|writes|"
                          r"stated|states|explained|announced|tweeted|posted)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")


def opening_reference(text: str) -> Opening | None:
    """The reference a sentence opens with, if it opens with one that needs a referent."""
    stripped = text.strip().lstrip("(")
    words = _WORD.findall(stripped[:80])
    if not words:
        return None
    first = words[0]
    lower = first.lower().replace("’", "'")
    starts_quoted = stripped[:1] in "\"“‘'"
    if not starts_quoted:
        if _EXISTENTIAL.match(stripped):
            pass
        elif _REFERRING_RE.match(stripped):
            match = _REFERRING_RE.match(stripped)
            return Opening("connective", match.group(0) if match else first)
        elif _STRIP_RE.match(stripped):
            match = _STRIP_RE.match(stripped)
            return Opening("connective", (match.group(0) if match else first).strip(" ,"))
        elif lower in {"we", "our", "us", "i", "my", "me", "you", "your", "we're", "we've",
                       "i'm", "i've"}:
            return Opening("first person", first)
        elif lower in _PRONOUNS:
            # "This week…", "That night…", "Both sides…" still point back: only a time
            # expression after This/That/These is self-contained ("This week", "That day").
            if lower in {"this", "that", "these", "those"} and len(words) > 1 and \
                    words[1].lower() in {"week", "weekend", "month", "year", "morning",
                                         "afternoon", "evening", "summer", "winter", "spring",
                                         "fall", "autumn", "season", "time", "day", "night"}:
                return None
            return Opening("pronoun", first)
        elif first == "The" and len(words) > 1:
            for word in words[1:4]:
                if word[0].isupper():  # "The White House", "The Associated Press"
                    break
                if word.lower() in ROLE_NOUNS:
                    return Opening("definite", word.lower())
    # Part of a quote that runs over several sentences: its speaker is named elsewhere.
    if stripped.count("“") != stripped.count("”") or stripped.count('"') % 2:
        return Opening("speaker", "part of a longer quote")
    # A quote attributed to a bare pronoun ('"…," he said.') or to nobody at all.
    if _SPEAKER_PRONOUN.search(stripped):
        return Opening("speaker", "he said")
    if starts_quoted:
        outside = _QUOTED.sub(" ", stripped)
        if not _ATTRIBUTION.search(outside):
            return Opening("speaker", "unattributed quote")
    return None


def _mentions(noun: str, text: str) -> bool:
    stem = noun.rstrip("s").removesuffix("'")
    return re.search(rf"\b{re.escape(stem)}", text, re.IGNORECASE) is not None


def is_resolved(opening: Opening | None, earlier: list[str], follows_predecessor: bool) -> bool:
    """Whether the story gives a referent to a sentence's opening.

    ``earlier`` are the story's sentences before this one; ``follows_predecessor`` says the
    sentence comes right after the sentence that preceded it in its own article, where every
    reference resolves exactly as its reporter meant it.
    """
    if opening is None or follows_predecessor:
        return True
    if opening.kind == "definite":
        return any(_mentions(opening.word, sentence) for sentence in earlier)
    return False
