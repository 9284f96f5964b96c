"""The checks every writer must pass, in the style of scikit-learn's ``check_estimator``.

    from newsdesk.write.conformance import check_writer
    check_writer(MyWriter(), [articles_of_story_1, articles_of_story_2], words=200)

``check_story(story, articles, words)`` returns the problems of one written story (an empty
list when it conforms); ``check_writer`` writes each story twice and raises
``AssertionError`` listing every problem. The invariants are newsdesk's promise:

* every sentence has at least one citation, and every citation resolves to a source of the
  story, which is one of the articles the story was written from;
* every quote appears verbatim in each source it cites, with a named speaker;
* every number and date in a sentence appears in a source the sentence cites;
* lede and body stay within the word budget, and no sentence opens with a reference the
  story leaves unresolved;
* the same input gives the same story; an empty input and a one-article story are handled.
"""

from __future__ import annotations

import re
from typing import Any

from newsdesk.models import Article, CitedSentence, WrittenStory, story_to_dict
from newsdesk.write.cleanup import is_resolved, opening_reference

_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")
_FACT_KINDS = ("number", "money", "percent", "date", "weekday", "time")


def _flat(text: str) -> str:
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-",
                                         "–": "-", "\u00a0": " "}))
    return re.sub(r"\s+", " ", text).strip()


def source_articles(story: WrittenStory, articles: list[Article]) -> dict[int, Article]:
    """Each source number of the story → the input article behind it (by id, else URL)."""
    by_id = {a.id: a for a in articles if a.id is not None}
    by_url: dict[str, Article] = {}
    for a in articles:
        by_url.setdefault(a.url, a)
        for c in a.carriers:
            by_url.setdefault(c.url, a)
    out = {}
    for source in story.sources:
        article = by_id.get(source.article_id) if source.article_id is not None else None
        article = article or by_url.get(source.url)
        if article is not None:
            out[source.number] = article
    return out


def _facts_module() -> Any:
    try:
        from newsdesk.understand import facts
    except ImportError:
        return None
    return facts


def _unsupported_facts(sentence: CitedSentence, cited: list[Article]) -> list[str]:
    """Numbers and dates of a sentence that none of its cited sources gives."""
    corpus = _flat(" ".join(f"{a.title} {a.text}" for a in cited)).lower()
    facts = _facts_module()
    if facts is None:
        return [d for d in _DIGITS.findall(sentence.text) if d not in corpus]
    anchor = max((a.published_at for a in cited if a.published_at), default=None)
    mine = facts.extract_facts([sentence.text], anchor)[0]
    missing = []
    source_values: set[tuple[str, str]] | None = None
    for m in mine.mentions:
        if m.kind not in _FACT_KINDS:
            continue
        if _flat(m.text).lower() in corpus:
            continue
        if source_values is None:  # parse the sources only when a surface form is missing
            from newsdesk.understand.sentences import split_sentences

            source_values = set()
            for a in cited:
                for sf in facts.extract_facts(split_sentences(a.text), a.published_at):
                    source_values.update((x.kind, x.value) for x in sf.mentions)
        if (m.kind, m.value) not in source_values:
            missing.append(m.text)
    return missing


def check_story(story: WrittenStory, articles: list[Article], words: int | None = None
                ) -> list[str]:
    """Every way ``story`` breaks the writer contract (``[]`` when it conforms)."""
    problems: list[str] = []
    numbers = {s.number for s in story.sources}
    behind = source_articles(story, articles)
    for source in story.sources:
        if source.number not in behind:
            problems.append(f"source [{source.number}] ({source.url}) is not one of the input "
                            "articles")
    body = story.body_sentences()
    everything = story.all_sentences()
    for s in everything:
        if not s.citations:
            problems.append(f"no citation: {s.text!r}")
            continue
        bad = [n for n in s.citations if n not in numbers]
        if bad:
            problems.append(f"citation {bad} does not resolve to a source: {s.text!r}")
            continue
        missing = _unsupported_facts(s, [behind[n] for n in s.citations if n in behind])
        if missing:
            problems.append(f"{missing} not in the cited sources {s.citations}: {s.text!r}")
    for q in story.quotes:
        if not q.speaker.strip():
            problems.append(f"quote without a speaker: {q.text!r}")
        if not q.citations:
            problems.append(f"quote without a citation: {q.text!r}")
        for n in q.citations:
            article = behind.get(n)
            if article is None:
                problems.append(f"quote cites [{n}], not a source: {q.text!r}")
            elif _flat(q.text) not in _flat(article.text):
                problems.append(f"quote not verbatim in source [{n}]: {q.text!r}")
    if words is not None:
        used = sum(len(s.text.split()) for s in body)
        if used > words:
            problems.append(f"lede and body have {used} words, over the budget of {words}")
    for i, s in enumerate(body):
        opening = opening_reference(s.text)
        if opening is None:
            continue
        cited = [behind[n] for n in s.citations if n in behind]
        follows = i > 0 and any(_follows(body[i - 1].text, s.text, a) for a in cited)
        if not is_resolved(opening, [x.text for x in body[:i]], follows):
            problems.append(f"sentence {i + 1} opens with an unresolved {opening.kind} "
                            f"({opening.word!r}): {s.text!r}")
    return problems


def _follows(previous: str, text: str, article: Article) -> bool:
    """Whether ``text`` comes right after ``previous`` in the article (a reporter's own
    sequence, in which every reference resolves as written)."""
    from newsdesk.understand.sentences import split_sentences

    sentences = [_flat(x).lower() for x in split_sentences(article.text)]
    want, before = _flat(text).lower(), _flat(previous).lower()
    for k in range(1, len(sentences)):
        if want in sentences[k] and before in sentences[k - 1]:
            return True
    return False


def _comparable(story: WrittenStory) -> dict:
    d = story_to_dict(story)
    d.pop("written_at", None)
    return d


def check_writer(writer: Any, stories: list[list[Article]], words: int = 200) -> None:
    """Run the whole contract on a writer; raises ``AssertionError`` naming every problem."""
    problems: list[str] = []
    empty = writer.write([], words=words)
    if empty.body_sentences():
        problems.append("an empty story has sentences")
    if not empty.warnings:
        problems.append("an empty story carries no warning saying why it is empty")
    for k, articles in enumerate(stories):
        first = writer.write(list(articles), words=words)
        again = writer.write(list(articles), words=words)
        if _comparable(first) != _comparable(again):
            problems.append(f"story {k}: the same input gave a different story")
        if articles and not first.body_sentences() and not first.warnings:
            problems.append(f"story {k}: no sentences and no warning saying why")
        problems += [f"story {k}: {p}" for p in check_story(first, list(articles), words)]
    one = next((a for a in stories if a), None)
    if one:
        single = writer.write([one[0]], words=words)
        problems += [f"one-article story: {p}" for p in check_story(single, [one[0]], words)]
        if not single.body_sentences() and not single.warnings:
            problems.append("one-article story: no sentences and no warning saying why")
    if problems:
        raise AssertionError(f"{type(writer).__name__} breaks the writer contract:\n- "
                             + "\n- ".join(problems))
