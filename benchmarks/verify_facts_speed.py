"""Fact extraction speed: sentences per second through ``extract_facts`` and ``find_quotes``.

    .venv/bin/python benchmarks/verify_facts_speed.py

Runs on every sentence of the demo week (about 1,200 sentences of news prose), after loading
spaCy once. Cold: first sight of each sentence (the parse); warm: the same sentences again
(served from the per-process cache, as when the writer and the verifier both ask).
"""

from __future__ import annotations

import time

from newsdesk.evaluation.verify_demo import load_demo
from newsdesk.understand.facts import clear_cache, extract_facts, find_quotes, get_nlp
from newsdesk.understand.sentences import split_sentences


def main() -> None:
    corpus = load_demo()
    articles = list(corpus.articles.values())
    sentences = [s for a in articles for s in split_sentences(a.text)]
    start = time.perf_counter()
    get_nlp()
    print(f"spaCy loaded in {time.perf_counter() - start:.2f} s")
    clear_cache()
    start = time.perf_counter()
    facts = extract_facts(sentences)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    extract_facts(sentences)
    warm = time.perf_counter() - start
    mentions = sum(len(f.mentions) for f in facts)
    print(f"extract_facts: {len(sentences)} sentences, {mentions} mentions; cold "
          f"{len(sentences) / cold:.0f} sentences/s, warm {len(sentences) / warm:.0f} sentences/s")
    start = time.perf_counter()
    quotes = sum(len(find_quotes(a.text)) for a in articles)
    print(f"find_quotes: {len(articles)} articles, {quotes} quotes, "
          f"{len(articles) / (time.perf_counter() - start):.1f} articles/s (sentences cached)")


if __name__ == "__main__":
    main()
