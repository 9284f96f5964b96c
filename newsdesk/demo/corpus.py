"""The built-in demo corpus: one fictional news week, Monday 16 to Sunday 22 November 2026.

Everything in it is fiction written for this project: the country of Kestria and its
neighbours, the people, the companies and the eleven news outlets. Nothing is copied from
real news. The demo server publishes the corpus as RSS feeds and article pages; tests and
benchmarks use ``truth.json`` as ground truth.

Files, all under ``CORPUS_DIR``:

* ``outlets.json`` -- ``[{"slug", "name", "category", "homepage"}]``.
* ``articles.jsonl`` -- one article per line, sorted by publication time, with the keys
  ``id, outlet, title, byline, published, text, event, summary``. ``event`` is the id of the
  event the article reports, or ``None`` for a single, unrelated article. Paragraphs in
  ``text`` are separated by a blank line.
* ``truth.json`` -- ``events`` (id, title, articles, first_reported, optional
  follow_up_days), ``singles``, ``topical_neighbours`` (pairs of distinct events about
  similar things), ``syndicated`` (a wire story and its near-verbatim reprints),
  ``conflicts`` (deliberate disagreements between outlets; every value appears literally in
  the text of the articles listed under it), ``quotes`` (every direct quote, verbatim, with
  its speaker as named in the article) and ``debris`` (extractor leftovers such as photo
  credits and newsletter prompts that a writer should drop).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS_DIR: Path = Path(__file__).resolve().parent / "corpus"


def load_outlets() -> list[dict[str, Any]]:
    """The demo outlets, in a fixed order."""
    with open(CORPUS_DIR / "outlets.json", encoding="utf-8") as f:
        return json.load(f)


def load_articles() -> list[dict[str, Any]]:
    """Every article of the week, sorted by publication time."""
    articles = []
    with open(CORPUS_DIR / "articles.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                articles.append(json.loads(line))
    return articles


def load_truth() -> dict[str, Any]:
    """The ground truth: events, singles, neighbours, syndication, conflicts, quotes, debris."""
    with open(CORPUS_DIR / "truth.json", encoding="utf-8") as f:
        return json.load(f)
