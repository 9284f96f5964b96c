"""Sentence splitting: paragraphs first, then abbreviation-aware sentences (nupunkt)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class SentenceSpan:
    text: str
    paragraph: int  # 0-based paragraph number in the article
    position: int  # 0-based sentence number in the article


@lru_cache(maxsize=1)
def _tokenizer():
    import nupunkt

    return nupunkt.load_default_model()


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, in order, whitespace-normalised."""
    return [s.text for s in split_article(text)]


def split_article(text: str) -> list[SentenceSpan]:
    """Sentences with their paragraph and position; a blank line separates paragraphs."""
    out: list[SentenceSpan] = []
    tokenizer = _tokenizer()
    for p_index, paragraph in enumerate(p for p in _PARAGRAPH.split(text) if p.strip()):
        flat = _SPACE.sub(" ", paragraph.replace("\n", " ")).strip()
        for sentence in tokenizer.tokenize(flat):
            sentence = sentence.strip()
            if sentence:
                out.append(SentenceSpan(sentence, p_index, len(out)))
    return out
