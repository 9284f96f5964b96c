"""Small text tools the checker and the conflict finder share: normalising, stemming, n-grams."""

from __future__ import annotations

import re
from functools import lru_cache

# A compact English stop list: function words carry no facts of their own.
STOP_WORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "either", "else", "ever", "every", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "least", "less", "let", "like", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "neither", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "per", "rather", "same", "shall", "she", "should", "since", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though", "through", "thus", "to", "too", "under", "until", "up", "upon", "us", "very", "was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves", "said", "says", "say", "saying", "told", "tells", "according", "also", "mr", "mrs", "ms", "dr", "one", "s", "t", "ve", "ll", "re", "d", "m", "n't", "'s"])

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
                         "\u00a0": " "})
_WS = re.compile(r"\s+")
WORD = re.compile(r"[A-Za-z0-9]+(?:[.'][A-Za-z0-9]+)*")


def normalise(text: str) -> str:
    """Plain quotes and dashes, single spaces, lower case: for exact/near-exact comparisons."""
    return _WS.sub(" ", text.translate(_QUOTES)).strip().lower()


_TOKENISED = re.compile(r"\w \, \w|\w \. [A-Za-z]|\w \: \w|\w \'s\b|\w n't\b")


_SPACED_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3}), (\d{3})(?![\d,])")
_BROKEN_DECIMAL = re.compile(r"(?<![\d.,])(\d{1,3})\. (\d+)(?=\s?(?:%|per ?cent|million|billion|"
                             r"trillion|[a-z]))")
_MONTH_BEFORE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
                           r"\s+$")


def _join_thousands(m: re.Match) -> str:
    if _MONTH_BEFORE.search(m.string[max(0, m.start() - 12):m.start()]):
        return m.group(0)
    return f"{m.group(1)},{m.group(2)}"


def untokenise(text: str) -> str:
    """Undo word tokenisation in text that has been through it (some corpora and scrapers):
    "3, 700" → "3,700", "2 . 4" → "2.4", "al - shabaab" → "al-shabaab", "it 's" → "it's".
    Text that shows no sign of tokenisation is returned as it is.
    """
    # "3, 700 women", "$ 10,000": a thousands separator never takes a space in edited copy,
    # but "May 3, 700 people" is a date and a count.
    text = _SPACED_THOUSANDS.sub(_join_thousands, text)
    text = re.sub(r"([$£€]) (\d)", r"\1\2", text)
    text = re.sub(r"(\d) \. (\d)", r"\1.\2", text)  # "2 . 4": never a sentence break
    # "1. 3 billion", "98. 7 per cent": a decimal broken by a tokeniser. Edited copy does not
    # start a sentence with a figure (style books spell it out), so a short number, a full
    # stop and more digits before a lower-case word or a unit is one figure, not two sentences.
    text = _BROKEN_DECIMAL.sub(r"\1.\2", text)
    if len(_TOKENISED.findall(text)) < 2:
        return text
    text = re.sub(r"(?<![\d,.])(\d{1,3}) ?, (\d{3})(?!\d)", r"\1,\2", text)
    text = re.sub(r"(\d) \. (\d)", r"\1.\2", text)
    text = re.sub(r"([$£€]) (\d)", r"\1\2", text)
    text = re.sub(r"(\w) - (\w)", r"\1-\2", text)
    text = re.sub(r"(\w) (n't|'s|'re|'ve|'ll|'d)\b", r"\1\2", text)
    text = re.sub(r" ([,.;:!?%])", r"\1", text)
    return text


def plain(text: str) -> str:
    """Plain quotes and dashes and single spaces, case kept: for verbatim quote checks."""
    return _WS.sub(" ", text.translate(_QUOTES)).strip()


_IRREGULAR = {"men": "man", "women": "woman", "children": "child", "people": "person",
              "died": "die", "dies": "die", "dying": "die", "dead": "dead", "killed": "kill",
              "wounded": "wound", "shot": "shoot", "fled": "flee", "struck": "strike",
              "hit": "hit", "took": "take", "taken": "take", "went": "go", "gone": "go",
              "began": "begin", "begun": "begin", "held": "hold", "left": "leave",
              "lost": "lose", "won": "win", "rose": "rise", "risen": "rise", "fell": "fall",
              "fallen": "fall", "sold": "sell", "bought": "buy", "paid": "pay", "led": "lead",
              "met": "meet", "sent": "send", "spent": "spend", "built": "build",
              "brought": "bring", "caught": "catch", "found": "find", "made": "make",
              "gave": "give", "given": "give", "came": "come", "became": "become",
              "ran": "run", "saw": "see", "seen": "see", "thought": "think", "knew": "know",
              "known": "know", "grew": "grow", "grown": "grow", "drove": "drive",
              "driven": "drive", "wrote": "write", "written": "write", "spoke": "speak",
              "spoken": "speak", "chose": "choose", "chosen": "choose", "stole": "steal",
              "stolen": "steal", "threw": "throw", "thrown": "throw", "sank": "sink",
              "sunk": "sink", "flew": "fly", "flown": "fly", "blew": "blow", "blown": "blow",
              "broke": "break", "broken": "break", "froze": "freeze", "frozen": "freeze",
              "hid": "hide", "hidden": "hide", "rode": "ride", "fought": "fight",
              "lay": "lie", "laid": "lay", "sought": "seek", "taught": "teach",
              "told": "tell", "felt": "feel", "kept": "keep", "slept": "sleep", "fed": "feed",
              "bled": "bleed", "dealt": "deal", "meant": "mean", "heard": "hear",
              "stood": "stand", "understood": "understand", "wore": "wear", "worn": "wear",
              "tore": "tear", "torn": "tear", "bore": "bear", "born": "bear", "swore": "swear",
              "crises": "crisis", "analyses": "analysis", "data": "data", "media": "media",
              "police": "police", "news": "news", "series": "series", "species": "species",
              "us": "us", "was": "be", "is": "be", "are": "be", "were": "be", "been": "be"}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light, fast stem: inflections only ("injuries" → "injury", "killed" → "kill").

    Deliberately conservative (no derivational stripping): "injured" and "injuries" meet, while
    "united" and "unit" stay apart.
    """
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace(".", "")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ied") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("ing") and len(w) > 5:
        base = w[:-3]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]
        return _e_fix(base)
    if w.endswith("ed") and len(w) > 4:
        base = w[:-2]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]
        return _e_fix(base)
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _e_fix(base: str) -> str:
    """Restore a dropped "e" (injur → injure → injur) by cutting it everywhere instead."""
    return base[:-1] if base.endswith("e") else base


def stems(text: str, content_only: bool = True) -> list[str]:
    out = []
    for token in WORD.findall(text):
        low = token.lower()
        if content_only and (low in STOP_WORDS or len(low) < 2):
            continue
        out.append(stem(low).rstrip("e") if not low.isdigit() else low)
    return out


def bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))
