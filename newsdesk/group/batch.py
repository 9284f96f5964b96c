"""The batch pass: regroup a whole period at once (``newsdesk stories rebuild``).

It runs the online pass over the period in order of time, with term weights known for the
whole period from the start, then sweeps over the articles again: each is taken out of its
story and matched afresh against stories that now hold everything the period reported. An
article that joined a story early, when it looked like something else, moves to where it
fits; a story whose early reports drifted apart splits; the reports of a story that opened
twice move together, one at a time, to the copy that fits them best. Sweeps stop when almost
nothing moves.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from newsdesk.group.index import GroupConfig, GroupDoc, StoryIndex

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _time_order(docs: list[GroupDoc]) -> list[GroupDoc]:
    def key(doc: GroupDoc) -> tuple[float, str]:
        return (doc.when.timestamp() if doc.when else float("-inf"), str(doc.key))

    return sorted(docs, key=key)


def cluster_batch(docs: list[GroupDoc], config: GroupConfig, sweeps: int = 2,
                  order: list[int] | None = None,
                  progress: Progress | None = None) -> list[list[Hashable]]:
    """Stories for a period's articles: lists of keys, each in order of arrival.

    ``order`` gives positions of ``docs`` in order of arrival; by default, by time then key.
    """
    arrival = [docs[i] for i in order] if order is not None else _time_order(docs)
    index = StoryIndex(config, dim=arrival[0].vector.shape[0] if arrival else 384)
    for doc in arrival:
        index.observe(doc.title, doc.text)
    for done, doc in enumerate(arrival, start=1):
        index.add(doc, count=False)
        if progress and (done % 200 == 0 or done == len(arrival)):
            progress("grouping", done, len(arrival))
    for sweep in range(sweeps):
        moved = 0
        for done, doc in enumerate(arrival, start=1):
            before = index.remove(doc.key)
            was_alone = not index.members(before)
            placed = index.add(doc, count=False)
            if placed.story != before and not (was_alone and placed.opened):
                moved += 1
            if progress and (done % 200 == 0 or done == len(arrival)):
                progress(f"refining ({sweep + 1}/{sweeps})", done, len(arrival))
        if moved <= len(arrival) // 200:
            break
    return [members for _, members in sorted(index.stories().items())]
