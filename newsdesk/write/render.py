"""A written story as JSON, Markdown or an HTML fragment.

All three show the same story: headline, lede, sections with subheads, quotes with speaker
and outlet, background, timeline, what's next, where the sources differ, and the numbered
sources every ``[n]`` points to. JSON is exactly ``models.story_to_dict``.
"""

from __future__ import annotations

import json
import re
from html import escape

from newsdesk.models import CitedSentence, StorySource, WrittenStory, story_to_dict


def to_json(story: WrittenStory, indent: int | None = 2) -> str:
    return json.dumps(story_to_dict(story), indent=indent, ensure_ascii=False)


def _marks(citations: list[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def _flag(sentence: CitedSentence) -> str:
    """What a reader should know about a sentence the verifier doubted."""
    if sentence.verified is False:
        return f" (unverified: {sentence.reason})" if sentence.reason else " (unverified)"
    return ""


def _source_line(source: StorySource) -> str:
    outlet = source.outlet or f"Source {source.number}"
    parts = [outlet]
    if source.title:
        parts.append(f"“{source.title}”")
    when = source.published_at
    if when:
        # A date without a time of day (feeds often give only the day) is shown as a date.
        midnight = (when.hour, when.minute, when.second) == (0, 0, 0)
        parts.append(when.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M UTC"))
    return ", ".join(parts)


def _is_link(url: str) -> bool:
    return url.startswith(("http://", "https://"))


# ---------------------------------------------------------------- Markdown


# Article text is hostile input, and Markdown is usually turned into HTML by whoever reads it
# (newsletter tools, static sites): a backslash before these makes every renderer show them as
# text, so no tag, link, image or code span can come from a source. Citation marks like "[2]"
# stay as they are unless a "(" follows (which would make them a link). Emphasis marks stay;
# they cannot do harm and escaping them would litter the text a terminal reader sees.
_MD_SPECIAL = re.compile(r"\[\d{1,3}\](?!\()|[\\`<>\[\]]")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: m.group(0) if len(m.group(0)) > 1 else "\\" + m.group(0),
                           " ".join(text.split()))


def _md_sentence(s: CitedSentence) -> str:
    flag = _flag(s)
    return f"{_md(s.text)} {_marks(s.citations)}{' ' + _md(flag) if flag else ''}".strip()


def _md_escape_heading(text: str) -> str:
    return _md(text)


def _md_url(url: str) -> str:
    """A URL inside ``<…>``: characters that would end or break the autolink, percent-encoded."""
    return "".join(f"%{ord(c):02X}" if c in "<> \"\\`" or ord(c) < 33 else c for c in url)


def to_markdown(story: WrittenStory) -> str:
    """The story for reading in a terminal, a newsletter or a Markdown file."""
    out: list[str] = [f"# {_md_escape_heading(story.headline) or 'Untitled story'}", ""]
    if story.lede:
        out.append("**" + " ".join(_md_sentence(s) for s in story.lede) + "**")
        out.append("")
    for section in story.sections:
        if section.title:
            out += [f"## {_md_escape_heading(section.title)}", ""]
        out.append(" ".join(_md_sentence(s) for s in section.sentences))
        out.append("")
    if story.quotes:
        out += ["## Quotes", ""]
        for q in story.quotes:
            outlet = f", {_md(q.outlet)}" if q.outlet else ""
            out.append(f"> “{_md(q.text)}” — {_md(q.speaker)}{outlet} {_marks(q.citations)}")
            out.append("")
    if story.background:
        out += ["## Background", "", " ".join(_md_sentence(s) for s in story.background), ""]
    if story.timeline:
        out += ["## Timeline", ""]
        out += [f"- **{t.date}** {_md_sentence(t.sentence)}" for t in story.timeline]
        out.append("")
    if story.whats_next:
        out += ["## What's next", "", " ".join(_md_sentence(s) for s in story.whats_next), ""]
    if story.conflicts:
        out += ["## Where sources differ", ""]
        for c in story.conflicts:
            out.append(f"- {_md(conflict_text(c))}")
        out.append("")
    if story.sources:
        out += ["## Sources", ""]
        for source in story.sources:
            line = _md(_source_line(source))
            if _is_link(source.url):
                line = f"{line} — <{_md_url(source.url)}>"
            out.append(f"{source.number}. {line}")
        out.append("")
    if story.warnings:
        out += ["---", ""] + [f"*Note: {_md(w)}*" for w in story.warnings] + [""]
    return "\n".join(out).rstrip() + "\n"


def conflict_text(conflict) -> str:
    """"Sources differ: …" — the verifier's summary, else one built from the values."""
    if conflict.summary:
        return conflict.summary
    values = "; ".join(f"{', '.join(v.outlets) or 'some sources'} say {v.value} "
                       f"{_marks(v.citations)}".strip() for v in conflict.values)
    return f"Sources differ on {conflict.subject}: {values}."


# ---------------------------------------------------------------- HTML


def _html_marks(citations: list[int], anchor: str) -> str:
    return "".join(f'<sup class="cite"><a href="#{anchor}-src-{n}">[{n}]</a></sup>'
                   for n in citations)


def _html_sentence(s: CitedSentence, anchor: str) -> str:
    cls = "sentence" + (" unverified" if s.verified is False else "")
    title = f' title="{escape(s.reason)}"' if s.verified is False and s.reason else ""
    return (f'<span class="{cls}" data-origin="{escape(s.origin)}"{title}>{escape(s.text)}'
            f"{_html_marks(s.citations, anchor)}</span>")


def to_html(story: WrittenStory, anchor: str = "story") -> str:
    """An HTML fragment (an ``<article>``): everything escaped, citations linked to sources."""
    a = escape(anchor)
    out = [f'<article class="newsdesk-story" id="{a}">',
           f"<h1>{escape(story.headline) or 'Untitled story'}</h1>"]
    if story.lede:
        out.append('<p class="lede">' + " ".join(_html_sentence(s, a) for s in story.lede)
                   + "</p>")
    for section in story.sections:
        if section.title:
            out.append(f"<h2>{escape(section.title)}</h2>")
        out.append("<p>" + " ".join(_html_sentence(s, a) for s in section.sentences) + "</p>")
    if story.quotes:
        out.append('<section class="quotes"><h2>Quotes</h2>')
        for q in story.quotes:
            outlet = f", {escape(q.outlet)}" if q.outlet else ""
            out.append(f"<blockquote><p>“{escape(q.text)}”</p><footer>— {escape(q.speaker)}"
                       f"{outlet}{_html_marks(q.citations, a)}</footer></blockquote>")
        out.append("</section>")
    if story.background:
        out.append('<section class="background"><h2>Background</h2><p>'
                   + " ".join(_html_sentence(s, a) for s in story.background) + "</p></section>")
    if story.timeline:
        out.append('<section class="timeline"><h2>Timeline</h2><ol>')
        for t in story.timeline:
            out.append(f'<li><time datetime="{escape(t.date)}">{escape(t.date)}</time> '
                       f"{_html_sentence(t.sentence, a)}</li>")
        out.append("</ol></section>")
    if story.whats_next:
        out.append('<section class="whats-next"><h2>What\'s next</h2><p>'
                   + " ".join(_html_sentence(s, a) for s in story.whats_next) + "</p></section>")
    if story.conflicts:
        out.append('<section class="conflicts"><h2>Where sources differ</h2><ul>')
        out += [f"<li>{escape(conflict_text(c))}</li>" for c in story.conflicts]
        out.append("</ul></section>")
    if story.sources:
        out.append('<section class="sources"><h2>Sources</h2><ol>')
        for source in story.sources:
            label = escape(_source_line(source))
            if _is_link(source.url):
                label = f'<a href="{escape(source.url)}" rel="noopener">{label}</a>'
            out.append(f'<li id="{a}-src-{source.number}" value="{source.number}">{label}</li>')
        out.append("</ol></section>")
    if story.warnings:
        out.append('<aside class="warnings">' + "".join(
            f"<p>{escape(w)}</p>" for w in story.warnings) + "</aside>")
    out.append("</article>")
    return "\n".join(out) + "\n"


def render(story: WrittenStory, fmt: str) -> str:
    """The story in a format: "md", "json" or "html"."""
    if fmt in ("md", "markdown"):
        return to_markdown(story)
    if fmt == "json":
        return to_json(story) + "\n"
    if fmt == "html":
        return to_html(story)
    raise ValueError(f"unknown format {fmt!r}: use md, json or html")
