"""Persistence: one SQLite file in the data dir, with versioned migrations."""

from homemind.store.sqlite import StateRow, Store, StoredState, StoreError

__all__ = ["StateRow", "Store", "StoreError", "StoredState"]
