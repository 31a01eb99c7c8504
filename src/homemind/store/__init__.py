"""Persistence: one SQLite file in the data dir, with versioned migrations."""

from homemind.store.sqlite import Store, StoreError

__all__ = ["Store", "StoreError"]
