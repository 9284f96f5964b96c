"""The pipeline after ingest: group new articles into stories, (re)write the stories they
changed, verify, and publish a new version when the story gained something.

``fetch``, ``ingest``, ``demo`` and ``run`` all end here, so a story looks the same whichever
way its articles arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsdesk.group import assign_new_articles
from newsdesk.models import StoryVersion
from newsdesk.publish.changes import describe_changes
from newsdesk.settings import Settings
from newsdesk.store import Store
from newsdesk.write.base import get_writer


@dataclass
class UpdateReport:
    assigned_stories: list[int] = field(default_factory=list)
    new_versions: list[int] = field(default_factory=list)  # story ids with a new version
    unchanged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # story id → error


def write_story(store: Store, settings: Settings, story_id: int) -> StoryVersion | None:
    """Write one story from its current articles; store a version if it changed."""
    cluster = store.get_story(story_id)
    if cluster is None or not cluster.article_ids:
        return None
    articles = store.get_articles(cluster.article_ids)
    writer = get_writer(settings, store=store)
    story = writer.write(articles, words=settings.write.words)
    story.story_id = story_id
    previous = store.latest_version(story_id)
    changes = describe_changes(previous.story if previous else None, story)
    if previous is not None and not changes:
        return None  # same facts, maybe re-worded: no churn for readers
    return store.add_story_version(StoryVersion(
        story_id=story_id, version=0, story=story, article_ids=cluster.article_ids,
        changes=changes))


def update(store: Store, settings: Settings, console: Console | None = None,
           story_ids: list[int] | None = None) -> UpdateReport:
    """Group unassigned articles, then rewrite every story that changed (or ``story_ids``)."""
    console = console or Console(stderr=True)
    report = UpdateReport()
    with console.status("Grouping new articles into stories…"):
        report.assigned_stories = assign_new_articles(store, settings)
    todo = sorted(set(story_ids if story_ids is not None else report.assigned_stories))
    if not todo:
        return report
    columns = (TextColumn("Writing stories"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("write", total=len(todo))
        for story_id in todo:
            try:
                version = write_story(store, settings, story_id)
            except Exception as exc:  # one bad story must not stop the others
                report.failed[story_id] = f"{type(exc).__name__}: {exc}"
            else:
                (report.new_versions if version else report.unchanged).append(story_id)
            progress.advance(task)
    return report
