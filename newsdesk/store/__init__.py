"""Store: newsdesk's SQLite file, behind one class."""

from newsdesk.store.store import Store, StoreError, simhash_bands

__all__ = ["Store", "StoreError", "simhash_bands"]
