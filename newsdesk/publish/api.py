"""The JSON API's shapes: documented models, so /api/openapi.json describes every field.

A written story is exactly ``models.story_to_dict`` (the same JSON ``--format json`` gives);
the models below only describe it, they add nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from newsdesk.models import story_to_dict
from newsdesk.publish.pages import Card, Report, StoryPage
from newsdesk.publish.templating import iso


class Sentence(BaseModel):
    text: str
    citations: list[int] = Field(description="Numbers of the story's sources that support it")
    origin: str = Field(
        description='"extract": taken from a source; "llm": written by a language model')
    verified: bool | None = Field(description="Checked against its sources (null: not checked)")
    reason: str = ""


class StorySectionModel(BaseModel):
    title: str
    sentences: list[Sentence]


class QuoteModel(BaseModel):
    text: str = Field(description="Verbatim, without quotation marks")
    speaker: str
    outlet: str
    citations: list[int]


class TimelineEntryModel(Sentence):
    date: str = Field(description="ISO date, YYYY-MM-DD")


class ConflictValueModel(BaseModel):
    value: str
    outlets: list[str]
    citations: list[int]


class ConflictModel(BaseModel):
    kind: str
    subject: str
    summary: str
    values: list[ConflictValueModel]


class SourceModel(BaseModel):
    number: int = Field(description="What citations point at")
    article_id: int | None
    outlet: str
    title: str
    url: str
    published_at: str | None


class WrittenStoryModel(BaseModel):
    story_id: int | None
    headline: str
    lede: list[Sentence]
    sections: list[StorySectionModel]
    quotes: list[QuoteModel]
    background: list[Sentence]
    timeline: list[TimelineEntryModel]
    whats_next: list[Sentence]
    conflicts: list[ConflictModel] = Field(description="Facts on which the sources disagree")
    sources: list[SourceModel]
    writer: str
    warnings: list[str]
    written_at: str | None


class StorySummary(BaseModel):
    id: int
    url: str = Field(description="The story's page")
    headline: str
    lede: str = Field(description="The lede as plain text; empty until the story is written")
    written: bool
    version: int | None = Field(description="The latest version's number")
    outlets: list[str] = Field(description="Outlets reporting it, first reporter first")
    categories: list[str]
    report_count: int = Field(description="Reports of it, syndicated copies included")
    breaking: bool
    first_seen: str
    last_seen: str
    updated: str


class StoryList(BaseModel):
    stories: list[StorySummary]
    hidden: int = Field(description="Stories left out because of the configured mutes")


class ReportModel(BaseModel):
    article_id: int
    outlet: str
    title: str
    url: str
    published_at: str
    muted: bool


class ChangeModel(BaseModel):
    kind: str = Field(description='"new" | "revised" | "correction" | "removed"')
    text: str


class VersionModel(BaseModel):
    version: int
    created_at: str
    url: str
    changes: list[ChangeModel]


class StoryDetail(StorySummary):
    status: str
    story: WrittenStoryModel | None = Field(
        description="The written story (this version), with citations and sources; null until"
        " the story is written")
    shown_version: int | None
    reports: list[ReportModel] = Field(description="Every outlet's report of the story")
    versions: list[VersionModel] = Field(description="Newest first, with what changed")


class ErrorModel(BaseModel):
    detail: str


def summary(card: Card, url: str) -> dict:
    return {
        "id": card.id, "url": url, "headline": card.headline, "lede": card.lede_text,
        "written": card.story is not None, "version": card.version, "outlets": card.outlets,
        "categories": card.categories, "report_count": card.report_count, "breaking": card.breaking,
        "first_seen": iso(card.first_seen), "last_seen": iso(card.last_seen),
        "updated": iso(card.updated),
    }


def _report(r: Report) -> dict:
    return {"article_id": r.article_id, "outlet": r.outlet, "title": r.title, "url": r.url,
            "published_at": iso(r.when), "muted": r.muted}


def detail(page: StoryPage, story_url: Callable[[int, int | None], str]) -> dict:
    out = summary(page.card, story_url(page.card.id, None))
    out.update(
        status=page.cluster.status,
        story=story_to_dict(page.shown.story) if page.shown else None,
        shown_version=page.shown.version if page.shown else None,
        reports=[_report(r) for r in page.reports],
        versions=[{"version": v.version, "created_at": iso(v.created_at),
                   "url": story_url(page.card.id, v.version),
                   "changes": [{"kind": c.kind, "text": c.text} for c in v.changes]}
                  for v in page.history],
    )
    return out
