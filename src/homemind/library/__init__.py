"""The household's library of documents: ingestion, hybrid search, cited answers.

``Library`` (library.py) is what channels and the conversation use; ``LibraryHandle``
opens it on first use, so a home command never pays for it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from homemind.policy import Policy

if TYPE_CHECKING:  # numpy and the rest load only when the library is first used
    from homemind.library.library import Library

__all__ = ["LIBRARY_FILE", "LibraryHandle", "install_starter_library"]

# Here, not in store.py: a home command names the file without importing numpy.
LIBRARY_FILE = "library.db"


class LibraryHandle:
    """The data dir's library, opened when first needed (and created only when asked to)."""

    def __init__(self, directory: Path, policy: Policy) -> None:
        self.directory = directory
        self.policy = policy
        self._library: Library | None = None
        self._lock = threading.Lock()

    @property
    def exists(self) -> bool:
        return (self.directory / LIBRARY_FILE).exists()

    def get(self, *, create: bool = False) -> Library | None:
        """The library, or None when this data dir has none yet and ``create`` is false."""
        with self._lock:
            if self._library is None and (create or self.exists):
                from homemind.library.library import Library

                self._library = Library(self.directory, self.policy)
            return self._library

    def close(self) -> None:
        with self._lock:
            if self._library is not None:
                self._library.close()
                self._library = None


def install_starter_library(directory: Path, policy: Policy, added_by: str) -> int:
    """What ``homemind init`` does: the packaged laws into the data dir's library."""
    from homemind.library.library import Library

    library = Library(directory, policy)
    try:
        return library.install_starter(added_by)
    finally:
        library.close()
