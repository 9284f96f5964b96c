"""Rendering a story: Markdown, an HTML fragment and JSON show the same story, safely."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from newsdesk.models import (
    CitedSentence,
    Conflict,
    ConflictValue,
    Quote,
    Section,
    StorySource,
    TimelineEntry,
    WrittenStory,
    story_from_dict,
)
from newsdesk.write.render import conflict_text, render, to_html, to_json, to_markdown


@pytest.fixture()
def story() -> WrittenStory:
    when = datetime(2025, 5, 6, 8, 0, tzinfo=UTC)
    return WrittenStory(
        headline="Ferry runs aground off Skellan Point <b>",
        lede=[CitedSentence("A passenger ferry ran aground off Skellan Point on Tuesday.", [1, 2])],
        sections=[
            Section("What happened", [CitedSentence("The ferry struck a sandbank in fog.", [1]),
                                      CitedSentence("All 40 passengers were taken off.", [2])]),
            Section("What they're saying",
                    [CitedSentence("The operator apologised.", [2], verified=False,
                                   reason="'apologised' not in sources")]),
        ],
        quotes=[Quote("The crew did everything right", "Emil Harte", "Harbour Wire", [1])],
        background=[CitedSentence("The sandbank moved after last winter's storms.", [1])],
        timeline=[TimelineEntry("2025-05-06", CitedSentence("The ferry ran aground.", [1]))],
        whats_next=[CitedSentence("Tugs will try to refloat the ferry on Wednesday.", [1])],
        conflicts=[Conflict("count", "passengers", [
            ConflictValue("40", ["Harbour Wire"], [1]),
            ConflictValue("41", ["Skellan Post"], [2])])],
        sources=[StorySource(1, 7, "Harbour Wire", "Ferry aground", "https://hw.example/a", when),
                 StorySource(2, None, "Skellan Post", "Stuck & stranded",
                             "javascript:alert(1)")],
        warnings=["verification dropped one sentence"],
    )


def test_markdown_reads_like_a_story(story):
    md = to_markdown(story)
    assert md.startswith("# Ferry runs aground off Skellan Point \\<b\\>\n")
    assert "**A passenger ferry ran aground off Skellan Point on Tuesday. [1][2]**" in md
    assert "## What happened" in md and "## What they're saying" in md
    assert "The operator apologised. [2] (unverified: 'apologised' not in sources)" in md
    assert "> “The crew did everything right” — Emil Harte, Harbour Wire [1]" in md
    assert "## Background" in md and "## What's next" in md
    assert "- **2025-05-06** The ferry ran aground. [1]" in md
    assert "## Where sources differ" in md and "Harbour Wire say 40 [1]" in md
    assert "1. Harbour Wire, “Ferry aground”, 2025-05-06 08:00 UTC — <https://hw.example/a>" in md
    assert "2. Skellan Post, “Stuck & stranded”" in md and "javascript:" not in md
    assert "*Note: verification dropped one sentence*" in md


def test_markdown_keeps_hostile_source_text_as_text(story):
    """Whoever turns the Markdown into HTML gets no tag, link or image from an article."""
    story.lede = [CitedSentence('Fees rose <script>alert(1)</script> by [3%](javascript:x) '
                                "![pic](https://evil.example/p.png) and `rm -rf`.", [1, 2])]
    story.quotes[0].speaker = "<img src=x onerror=alert(1)>"
    story.sources[0].url = "https://hw.example/a> <script>"
    md = to_markdown(story)
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "\\[3%\\](javascript:x)" in md and "!\\[pic\\](https" in md
    assert "\\`rm -rf\\`. [1][2]**" in md  # citation marks stay readable
    assert "— \\<img src=x onerror=alert(1)\\>" in md
    assert "<https://hw.example/a%3E%20%3Cscript%3E>" in md
    assert not re.search(r"(?<!\\)<(?!https?://)", md)  # no "<" but autolinks is unescaped


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "id" in attrs:
            self.ids.append(attrs["id"])


def test_html_fragment_is_escaped_and_linked(story):
    html = to_html(story, anchor="s9")
    assert "<b>" not in html.split("<h1>")[1].split("</h1>")[0]  # the headline is escaped
    assert "&lt;b&gt;" in html
    parsed = _Collector()
    parsed.feed(html)
    assert parsed.tags[0] == "article" and "script" not in parsed.tags
    assert "#s9-src-1" in parsed.hrefs and "#s9-src-2" in parsed.hrefs
    assert {"s9-src-1", "s9-src-2"} <= set(parsed.ids)
    assert "https://hw.example/a" in parsed.hrefs
    assert not any(h.startswith("javascript:") for h in parsed.hrefs)  # no link to non-http
    assert 'class="sentence unverified"' in html
    assert '<time datetime="2025-05-06">' in html


def test_json_is_the_story_dict_and_round_trips(story):
    data = json.loads(to_json(story))
    assert data["lede"][0] == {"text": story.lede[0].text, "citations": [1, 2],
                               "origin": "extract", "verified": None, "reason": ""}
    assert data["sections"][0]["title"] == "What happened"
    again = story_from_dict(data)
    assert again.body_sentences() == story.body_sentences()
    assert again.sources == story.sources and again.quotes == story.quotes


def test_render_dispatch_and_conflict_text(story):
    assert render(story, "md") == to_markdown(story)
    assert render(story, "html") == to_html(story)
    assert json.loads(render(story, "json"))["headline"] == story.headline
    with pytest.raises(ValueError, match="use md, json or html"):
        render(story, "pdf")
    story.conflicts[0].summary = "Sources differ: Harbour Wire says 40; Skellan Post says 41."
    assert conflict_text(story.conflicts[0]) == story.conflicts[0].summary


def test_empty_story_renders(story):
    empty = WrittenStory(headline="", lede=[], warnings=["no article text to write from"])
    assert to_markdown(empty).startswith("# Untitled story")
    assert "no article text" in to_html(empty)
