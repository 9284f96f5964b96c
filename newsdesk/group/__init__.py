"""Story detection: group the articles that report one event, on arrival and in batch.

``assign_new_articles(store, settings)`` runs after every ingest; ``rebuild(store, settings,
since)`` regroups a period (``newsdesk stories rebuild``). Both use ``StoryIndex``
(``newsdesk.group.index``), which ``newsdesk eval cluster`` measures without a store.
"""

from newsdesk.group.service import RebuildReport, assign_new_articles, rebuild

__all__ = ["RebuildReport", "assign_new_articles", "rebuild"]
