"""Persistence: one SQLite file in the data dir, with versioned migrations."""

from homemind.store.connection import StoreError
from homemind.store.sqlite import StateRow, Store, StoredState

__all__ = ["StateRow", "Store", "StoreError", "StoredState"]
