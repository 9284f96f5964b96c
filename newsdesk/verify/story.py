"""Story-level verification: every sentence and quote of a written story against its sources.

Every writer passes its story through ``verify_story`` before it is published. Each
``CitedSentence`` gets ``verified`` and, when it fails, a ``reason``; an unsupported sentence is
dropped (or replaced, when the caller gives a ``replace`` function whose replacement passes);
every citation must resolve to one of the story's sources; every ``Quote`` must be verbatim in a
cited source, its speaker named there. What was dropped is listed in ``story.warnings``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from newsdesk.models import Article, CitedSentence, Quote, StorySource, WrittenStory
from newsdesk.verify.checker import (
    DEFAULT_CONFIG,
    CheckerConfig,
    SourceDoc,
    Verdict,
    Verifier,
    _name_tokens,
)

if TYPE_CHECKING:
    from newsdesk.store import Store
    from newsdesk.understand.embed import Embedder

Replacement = Callable[[CitedSentence, Verdict], CitedSentence | None]


def number_articles(articles: Sequence[Article]) -> list[tuple[int, str, Article]]:
    """Citation numbers as the writers give them: each article, then each other outlet that
    carried its text (same text, its own number)."""
    out: list[tuple[int, str, Article]] = []
    for article in articles:
        out.append((len(out) + 1, article.outlet, article))
        for carrier in article.carriers:
            if carrier.outlet == article.outlet and carrier.url == article.url:
                continue
            out.append((len(out) + 1, carrier.outlet, article))
    return out


def source_docs(sources: Sequence[StorySource], articles: Sequence[Article]) -> list[SourceDoc]:
    """Pair each numbered source with its article: by article id, else by URL (the article's or
    a carrier's), else by position. Sources without an article are left out (their citations
    then fail to resolve)."""
    by_id = {a.id: a for a in articles if a.id is not None}
    by_url: dict[str, Article] = {}
    for a in articles:
        by_url[a.url] = a
        for c in a.carriers:
            by_url.setdefault(c.url, a)
    numbered = {n: a for n, _, a in number_articles(articles)}
    docs = []
    for source in sources:
        article = (by_id.get(source.article_id) if source.article_id is not None else None) \
            or by_url.get(source.url) or numbered.get(source.number)
        if article is not None:
            docs.append(SourceDoc.from_story_source(source, article))
    return docs


def _default_embedder() -> Embedder:
    from newsdesk.understand.embed import EmbedderUnavailable, get_embedder

    try:
        return get_embedder("minilm")
    except EmbedderUnavailable:  # a model-less install still verifies, a little less well
        return get_embedder("tfidf")


def verify_story(story: WrittenStory, articles: Sequence[Article] | Verifier,
                 embedder: Embedder | None = None, store: Store | None = None,
                 replace: Replacement | None = None, drop: bool = True,
                 config: CheckerConfig = DEFAULT_CONFIG) -> WrittenStory:
    """The story with every sentence checked; unsupported ones dropped (``drop``) or replaced.

    ``articles``: the story's articles (paired with ``story.sources`` by id, URL or position), or
    a ``Verifier`` already built over the sources. Returns a new ``WrittenStory``; the input is
    left as it was.
    """
    if isinstance(articles, Verifier):
        verifier = articles
    else:
        verifier = Verifier(source_docs(story.sources, articles),
                            embedder=embedder or _default_embedder(), store=store, config=config)
    numbers = {s.number for s in story.sources}
    warnings = list(story.warnings)

    def check_all(sentences: list[CitedSentence]) -> list[CitedSentence]:
        if not sentences:
            return []
        verdicts = verifier.check_many([(s.text, _resolved(s, numbers)) for s in sentences])
        kept = []
        for sentence, verdict in zip(sentences, verdicts, strict=True):
            if not sentence.citations:
                verdict = Verdict(False, 0.0, "no citation")
            elif set(sentence.citations) - numbers:
                missing = sorted(set(sentence.citations) - numbers)
                verdict = Verdict(False, 0.0, "cites " + "".join(f"[{n}]" for n in missing) +
                                  ", which is not among the story's sources")
            checked = dataclasses.replace(sentence, verified=verdict.supported,
                                          reason=verdict.reason)
            if verdict.supported:
                kept.append(checked)
                continue
            substitute = replace(checked, verdict) if replace else None
            if substitute is not None:
                again = verifier.check(substitute.text, _resolved(substitute, numbers))
                if again.supported and substitute.citations and \
                        set(substitute.citations) <= numbers:
                    kept.append(dataclasses.replace(substitute, verified=True,
                                                    reason=again.reason))
                    warnings.append(f"replaced an unsupported sentence ({verdict.reason}): "
                                    f"{_short(sentence.text)}")
                    continue
            if drop:
                warnings.append(f"dropped an unsupported sentence ({verdict.reason}): "
                                f"{_short(sentence.text)}")
            else:
                kept.append(checked)
        return kept

    out = dataclasses.replace(story)
    out.lede = check_all(story.lede)
    out.sections = [dataclasses.replace(sec, sentences=check_all(sec.sentences))
                    for sec in story.sections]
    out.sections = [sec for sec in out.sections if sec.sentences]
    out.background = check_all(story.background)
    out.whats_next = check_all(story.whats_next)
    kept_timeline = []
    checked_entries = check_all([t.sentence for t in story.timeline])
    by_text = {s.text: s for s in checked_entries}
    for entry in story.timeline:
        if entry.sentence.text in by_text:
            kept_timeline.append(dataclasses.replace(entry, sentence=by_text[entry.sentence.text]))
        elif not drop:
            kept_timeline.append(entry)
    out.timeline = kept_timeline
    out.quotes = []
    for quote in story.quotes:
        problem = check_quote(quote, verifier, numbers)
        if problem:
            warnings.append(f"dropped a quote ({problem}): {_short(quote.text)}")
            if not drop:
                out.quotes.append(quote)
        else:
            out.quotes.append(quote)
    if story.headline.strip():
        verdict = verifier.check(story.headline, None)
        if not verdict.supported:
            warnings.append(f"headline not supported by the sources ({verdict.reason})")
    out.warnings = list(dict.fromkeys(warnings))
    return out


def check_quote(quote: Quote, verifier: Verifier, numbers: set[int]) -> str:
    """"" when the quote is verbatim in a cited source that names its speaker; else why not."""
    cited = [n for n in quote.citations if n in numbers]
    if not quote.citations:
        return "no citation"
    if len(cited) < len(quote.citations):
        return "a citation does not resolve"
    source = verifier.quote_is_verbatim(quote.text, cited)
    if source is None:
        return "not verbatim in the cited source"
    if quote.speaker.strip():
        wanted = {t for t in _name_tokens(quote.speaker) if t not in {"a", "an", "the", "of"}}
        have = _name_tokens(" ".join(verifier.sentences_of(source)))
        if wanted and not wanted <= have:
            return f"the cited source does not name {quote.speaker}"
    return ""


def _resolved(sentence: CitedSentence, numbers: set[int]) -> list[int] | None:
    cited = [n for n in sentence.citations if n in numbers]
    return cited or None


def _short(text: str, width: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[:width - 1] + "…"
