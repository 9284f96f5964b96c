"""Local files and folders → articles.

* ``.html`` / ``.htm``: the main text and metadata, by trafilatura;
* ``.txt`` / ``.md``: the first line (or the first ``# heading``) is the title, the rest the
  text; a Markdown file may start with ``---`` front matter giving ``title``, ``date``,
  ``author``, ``outlet``, ``url``;
* ``.json`` (one record, or a list of them) and ``.jsonl`` (one record a line), each record
  ``{"title", "text", "url"?, "outlet"?, "byline"?, "published"? (ISO 8601), "language"?}``
  (see docs/ingest.md);
* a folder: every such file in it and its subfolders (hidden ones skipped), in name order.

Each record comes back on its own with either an article or the reason it was not usable, so
one bad line never costs the rest of a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsdesk.ingest.decode import decode_text
from newsdesk.ingest.dedupe import canonical_url
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.extract import extract_page
from newsdesk.ingest.pages import NO_TEXT, untitled
from newsdesk.models import Article

SUFFIXES = (".html", ".htm", ".txt", ".md", ".json", ".jsonl")
RECORD_KEYS = ("title", "text", "url", "outlet", "byline", "published", "language")
_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


@dataclass
class FileRecord:
    """One article-to-be from a file: ``article``, or ``error`` saying why not."""

    where: str  # "path" or "path, record 3" / "path, line 7"
    article: Article | None = None
    error: str = ""


def find_files(path: Path) -> list[Path]:
    """The readable files under a path (the path itself if it is a file), in name order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise IngestError("no such file or folder")
    found = []
    for item in sorted(path.rglob("*")):
        relative = item.relative_to(path).parts
        if any(part.startswith(".") for part in relative):
            continue
        if item.is_file() and item.suffix.lower() in SUFFIXES:
            found.append(item)
    return found


def read_file(path: Path, outlet: str = "") -> Iterator[FileRecord]:
    """The articles of one file; ``outlet`` names the outlet when the file does not."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield FileRecord(where, error=f"unsupported file type {suffix or '(none)'}; newsdesk "
                         f"reads {', '.join(SUFFIXES)}")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield FileRecord(where, error=f"cannot read the file ({exc.strerror or exc})")
        return
    url = path.resolve().as_uri()
    default_outlet = outlet or path.parent.name
    if suffix in (".json", ".jsonl"):
        yield from _records(path, decode_text(data), url, default_outlet, suffix == ".jsonl")
        return
    try:
        text = decode_text(data)
        article = (_html(text, url, default_outlet) if suffix in (".html", ".htm")
                   else _plain(text, url, default_outlet, markdown=suffix == ".md"))
    except IngestError as exc:
        yield FileRecord(where, error=str(exc))
        return
    yield FileRecord(where, article)


def _html(html: str, url: str, outlet: str) -> Article:
    page = extract_page(html)
    if page is None:
        raise IngestError(NO_TEXT.replace("on the page", "in the file"))
    return Article(url=url, title=page.title or untitled(page.text), text=page.text,
                   outlet=page.sitename or outlet, byline=page.author,
                   published_at=page.published_at, language=page.language or "en")


def _plain(text: str, url: str, outlet: str, markdown: bool) -> Article:
    meta: dict[str, str] = {}
    lines = text.splitlines()
    if markdown and lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                meta[key.strip().lower()] = value.strip().strip("\"'")
            lines = lines[end + 1:]
    title = meta.get("title", "")
    if not title:
        heading = next((i for i, line in enumerate(lines) if _HEADING.match(line)), None) \
            if markdown else None
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        index = heading if heading is not None else first
        if index is not None:
            title = _MARKDOWN_HEADING.sub("", lines[index]).strip()
            lines = lines[:index] + lines[index + 1:]
    if markdown:
        lines = [_MARKDOWN_HEADING.sub("", line) for line in lines]
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", "\n".join(lines))]
    body = "\n\n".join(p for p in paragraphs if p)
    if not body:
        raise IngestError("the file has a title but no text" if title else "the file is empty")
    return Article(
        url=canonical_url(meta["url"]) if meta.get("url") else url, title=title, text=body,
        outlet=meta.get("outlet") or outlet, byline=meta.get("author", ""),
        published_at=_time(meta["date"]) if meta.get("date") else None)


def _records(path: Path, text: str, url: str, outlet: str, lines: bool) -> Iterator[FileRecord]:
    if lines:
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    items.append((f"{path}, line {number}", f"{url}#line-{number}",
                                  json.loads(line)))
                except json.JSONDecodeError as exc:
                    yield FileRecord(f"{path}, line {number}", error=f"not JSON ({exc.msg})")
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            yield FileRecord(str(path), error=f"not JSON ({exc.msg} at line {exc.lineno})")
            return
        many = isinstance(loaded, list)
        items = [(f"{path}, record {n}" if many else str(path),
                  f"{url}#record-{n}" if many else url, item)
                 for n, item in enumerate(loaded if many else [loaded], 1)]
    for where, record_url, item in items:
        try:
            yield FileRecord(where, record_article(item, record_url, outlet))
        except IngestError as exc:
            yield FileRecord(where, error=str(exc))


def record_article(record: object, url: str, outlet: str = "") -> Article:
    """An article from one JSON record (the shape in docs/ingest.md)."""
    if not isinstance(record, dict):
        raise IngestError(f"a record must be a JSON object with {', '.join(RECORD_KEYS)}")
    for key in ("title", "text"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise IngestError(f'the record has no "{key}" (a non-empty string is required)')
    for key in RECORD_KEYS[2:]:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise IngestError(f'"{key}" must be a string')
    published = record.get("published")
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", record["text"]))
    return Article(
        url=canonical_url(record["url"]) if record.get("url") else url,
        title=" ".join(record["title"].split()),
        text="\n\n".join(p for p in paragraphs if p),
        outlet=record.get("outlet") or outlet,
        byline=record.get("byline") or "",
        published_at=_time(published) if published else None,
        language=record.get("language") or "en",
    )


def _time(value: str) -> datetime:
    """An ISO 8601 time as UTC (a time without an offset is taken to be UTC)."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise IngestError(f"published {value!r} is not an ISO 8601 time "
                          "(e.g. 2024-05-01T14:30:00Z)") from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
