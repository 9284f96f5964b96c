"""newsdesk: scan the news, group the articles that report one event, write one cited story.

The pipeline, one sub-package per step: ingest → store → understand → group → write → verify →
publish. ``newsdesk.models`` holds the plain data objects passed between them.
"""

__version__ = "0.1.0"
