"""Story detection against the store: what ``fetch``/``run`` call after every ingest, and the
batch ``rebuild`` behind ``newsdesk stories rebuild``.

Both rebuild a ``StoryIndex`` in memory from the store (the recent stories, and the recent
articles for term weights), run the same matching code as the evaluation, and write the
result back in one transaction, so a crash leaves the stories as they were and the
unassigned articles unassigned for the next run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from newsdesk.group.batch import cluster_batch
from newsdesk.group.index import GroupConfig, GroupDoc, StoryIndex, build_docs
from newsdesk.models import Article
from newsdesk.settings import Settings
from newsdesk.store import Store

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# Articles counted into term weights before a run: enough to know which words are common
# this month, few enough to read in a second or two.
PRIME_ARTICLES = 3000


def group_config(settings: Settings) -> GroupConfig:
    """The grouping configuration for a user's settings."""
    return GroupConfig(stale_after_hours=settings.group.stale_after_hours)


def _embedder(store: Store, settings: Settings):
    from newsdesk.understand.embed import CachedEmbedder, get_embedder

    return CachedEmbedder(get_embedder(settings.group.embedder), store)


def _items(articles: list[Article]) -> list[tuple[Hashable, str, str, datetime | None]]:
    return [(a.id, a.title, a.text, a.when) for a in articles]


@dataclass
class _Context:
    index: StoryIndex
    story_ids: dict[int, int]  # index story number → store story id
    docs: dict[int, GroupDoc]  # article id → doc, for the articles restored or added


def _load_context(store: Store, config: GroupConfig, embedder, start: datetime,
                  skip: set[int], progress: Progress | None) -> _Context:
    """An index holding the stories still in play at ``start``, primed with recent terms."""
    horizon = start - timedelta(days=config.forget_after_days)
    index = StoryIndex(config, dim=embedder.dim)
    story_ids: dict[int, int] = {}
    docs: dict[int, GroupDoc] = {}
    stories = [s for s in store.list_stories(since=horizon) if s.article_ids]
    stories.sort(key=lambda s: (s.first_seen or start, s.id or 0))
    member_ids = [a for s in stories for a in s.article_ids if a not in skip]
    members = {a.id: a for a in store.get_articles(member_ids)}
    recent = [i for i in store.article_ids(since=horizon, until=start)
              if i not in members and i not in skip][-PRIME_ARTICLES:]
    for article in store.get_articles(recent):
        index.observe(article.title, article.text)
    built = build_docs(_items(list(members.values())), embedder, config) if members else []
    by_id = {d.key: d for d in built}
    for done, story in enumerate(stories, start=1):
        number = None
        for article_id in story.article_ids:
            doc = by_id.get(article_id)
            if doc is None:
                continue
            index.observe(doc.title, doc.text)
            number = index.join(doc, number)
            docs[article_id] = doc
        if number is not None:
            story_ids[number] = story.id  # type: ignore[assignment]
        if progress and done % 100 == 0:
            progress("restoring stories", done, len(stories))
    return _Context(index, story_ids, docs)


def _placeholder_headline(index: StoryIndex, number: int, docs: dict[int, GroupDoc]) -> str:
    """The title of the member nearest the story's mean: the story's most typical title."""
    members = [docs[k] for k in index.members(number) if k in docs and docs[k].title.strip()]
    if not members:
        return ""
    mean = index.mean_vector(number)
    best = max(members, key=lambda d: float(np.dot(d.vector, mean)))
    return " ".join(best.title.split())


def _refresh_headlines(store: Store, index: StoryIndex, story_ids: dict[int, int],
                       numbers: set[int], docs: dict[int, GroupDoc]) -> None:
    """Best titles as headlines for the changed stories that have no written version yet."""
    for number in numbers:
        story_id = story_ids.get(number)
        if story_id is None or store.latest_version(story_id) is not None:
            continue
        headline = _placeholder_headline(index, number, docs)
        if headline:
            store.set_story_headline(story_id, headline)


def assign_new_articles(store: Store, settings: Settings,
                        progress: Progress | None = None) -> list[int]:
    """Group every article no story holds yet, oldest first.

    Each article joins the best-matching open story or opens a new one (the online pass of
    ``StoryIndex``). A new article can also draw in a few recent articles of a neighbouring
    story that it shows to belong with it (``StoryIndex._repair``). Returns the ids of the
    stories that changed, ascending: the stories to (re)write. ``rebuild`` regroups a whole
    period.
    """
    new_ids = store.article_ids(unassigned=True)
    if not new_ids:
        return []
    config = group_config(settings)
    embedder = _embedder(store, settings)
    articles = store.get_articles(new_ids)
    start = min(a.when for a in articles)
    context = _load_context(store, config, embedder, start, set(new_ids), progress)
    index, story_ids, docs = context.index, context.story_ids, context.docs
    new_docs = build_docs(_items(articles), embedder, config)
    changed: set[int] = set()
    with store.transaction():
        for done, doc in enumerate(new_docs, start=1):
            docs[doc.key] = doc  # type: ignore[index]
            result = index.add(doc)
            if result.opened:
                story = store.create_story([doc.key], headline=" ".join(doc.title.split()))
                story_ids[result.story] = story.id  # type: ignore[assignment]
            else:
                store.assign(story_ids[result.story], [doc.key])  # type: ignore[list-item]
            if result.moved:
                # Earlier articles the new one showed to belong here leave their old story.
                store.assign(story_ids[result.story], [key for key, _ in result.moved])
                changed.update(number for _, number in result.moved)
            changed.add(result.story)
            if progress and (done % 50 == 0 or done == len(new_docs)):
                progress("grouping", done, len(new_docs))
        _refresh_headlines(store, index, story_ids, changed, docs)
    return sorted(story_ids[n] for n in changed if n in story_ids)


@dataclass
class RebuildReport:
    articles: int = 0
    stories_before: int = 0
    stories_after: int = 0
    kept: int = 0  # stories whose id carried over
    created: list[int] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)  # old stories merged into another
    moved: int = 0  # articles that changed story
    changed: list[int] = field(default_factory=list)  # story ids whose membership changed


def match_clusters(old: dict[int, set[int]], new: list[set[int]]) -> dict[int, int]:
    """Which new cluster (by position) keeps which old story id.

    Pairs are taken greedily by the number of articles they share; a pair counts only when
    the shared articles are more than half of the old story or more than half of the new
    cluster (the membership mostly stays). Each id and each cluster is used at most once.
    """
    where: dict[int, int] = {}
    for position, cluster in enumerate(new):
        for article in cluster:
            where[article] = position
    overlaps: Counter[tuple[int, int]] = Counter()
    for story_id, members in old.items():
        for article in members:
            if article in where:
                overlaps[(story_id, where[article])] += 1
    kept: dict[int, int] = {}
    used: set[int] = set()
    for (story_id, position), shared in sorted(overlaps.items(),
                                               key=lambda kv: (-kv[1], kv[0][0], kv[0][1])):
        if story_id in used or position in kept:
            continue
        if 2 * shared > len(old[story_id]) or 2 * shared > len(new[position]):
            kept[position] = story_id
            used.add(story_id)
    return kept


def rebuild(store: Store, settings: Settings, since: datetime,
            progress: Progress | None = None) -> RebuildReport:
    """Regroup every article published since ``since`` in one batch pass.

    The batch pass sees the whole period at once, so it can undo what the online pass got
    wrong: split a story that drifted into two events, merge two stories that are one. Story
    ids stay where the membership mostly stays (``match_clusters``); an old story whose
    articles all went elsewhere is marked as merged into the story that took most of them.
    Articles older than ``since`` keep their stories.
    """
    config = group_config(settings)
    embedder = _embedder(store, settings)
    ids = store.article_ids(since=since)
    report = RebuildReport(articles=len(ids))
    if not ids:
        return report
    articles = store.get_articles(ids)
    if progress:
        progress("embedding", 0, len(articles))
    docs = build_docs(_items(articles), embedder, config)
    if progress:
        progress("embedding", len(articles), len(articles))
    clusters = cluster_batch(docs, config, progress=progress)
    before = {a: store.story_of_article(a) for a in ids}
    old: dict[int, set[int]] = {}
    for article_id, story_id in before.items():
        if story_id is not None:
            old.setdefault(story_id, set()).add(article_id)
    report.stories_before = len(old)
    new = [set(c) for c in clusters]
    kept = match_clusters(old, new)
    report.kept = len(kept)
    report.stories_after = len(new)
    position_of = {a: n for n, a in enumerate(ids)}
    titles = {a.id: " ".join(a.title.split()) for a in articles}
    after: dict[int, int] = {}
    with store.transaction():
        for position, cluster in enumerate(new):
            members = sorted(cluster, key=position_of.__getitem__)
            story_id = kept.get(position)
            if story_id is None:
                story_id = store.create_story(members, headline=titles.get(members[0], "")).id
                report.created.append(story_id)  # type: ignore[arg-type]
            else:
                moving = [a for a in members if before[a] != story_id]
                if moving:
                    store.assign(story_id, moving)
            for article_id in members:
                after[article_id] = story_id  # type: ignore[assignment]
        moved = [a for a in ids if before[a] != after[a]]
        report.moved = len(moved)
        changed = {after[a] for a in moved} | {before[a] for a in moved if before[a]}
        for story_id, members in old.items():
            current = store.get_story(story_id)
            if current is not None and not current.article_ids:
                # All its articles went elsewhere: point old links at where most of them are.
                heirs = Counter(after[a] for a in members)
                store.merge_stories(heirs.most_common(1)[0][0], story_id)
                report.retired.append(story_id)
                changed.discard(story_id)
        report.changed = sorted(changed)  # type: ignore[arg-type]
    return report
