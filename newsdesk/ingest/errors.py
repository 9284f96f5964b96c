"""The one exception the ingest step raises for bad input; callers record its message."""

from __future__ import annotations


class IngestError(Exception):
    """Something could not be ingested. ``str(error)`` is a short message meant for people.

    Every failure of the network, of a feed, a page or a file ends up as one of these, so the
    ingestor can record it against its source and go on with the next one.
    """

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        # seconds the server asked us to wait (HTTP 429/503 Retry-After); None when it did not
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class FetchError(IngestError):
    """A network request failed: timeout, refusal, HTTP error status, oversized response."""
