"""Making commits durable on disk without making anyone wait for the disk.

The store runs SQLite in WAL mode with ``synchronous=NORMAL``: a COMMIT writes the
transaction to the write-ahead log through the operating system and returns, so a
crash of the process (``kill -9``) loses nothing that was committed, and a command
is answered without waiting for the disk. What NORMAL alone leaves open is a power
cut or a kernel crash before the kernel writes the log out. So after every commit
this thread calls ``fsync`` on the log: one fsync per command (coalesced when
commands come faster than the disk), off the event loop and off the answer's path,
which narrows what a power cut can take to the commands of the last moment.

It also checkpoints (copies the log into the database file) when the log has grown,
in this thread rather than inside some command's COMMIT as SQLite would by itself.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# Checkpoint once the log passes this size: about SQLite's own default of 1,000 pages.
CHECKPOINT_BYTES = 4 * 1024 * 1024
# While commands come, the thread looks for new commits this often (so a commit costs the
# committer no thread wake-up, which on a busy box costs more than the commit); after
# IDLE_TICKS looks with nothing new it sleeps until the next commit wakes it.
INTERVAL = 0.02
IDLE_TICKS = 25


class WalSyncer:
    """fsync the write-ahead log after commits, in a thread of its own; checkpoint when it grows."""

    def __init__(self, database: Path, checkpoint_bytes: int = CHECKPOINT_BYTES) -> None:
        self._database = database
        self._wal = Path(f"{database}-wal")
        self._checkpoint_bytes = checkpoint_bytes
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._requested = 0  # commits so far
        self._done = 0  # of those, how many are on disk (every one up to this count)
        self._parked = False  # the thread sleeps until a commit wakes it
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.fsyncs = 0

    def committed(self) -> None:
        """A transaction was committed: have it reach the disk soon (costs the caller a counter)."""
        self._requested += 1
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping:
                    self._thread = threading.Thread(target=self._run, name="homemind-wal-sync", daemon=True)
                    self._thread.start()
        if self._parked:
            self._parked = False
            self._wake.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every commit so far has been fsynced (tests, benchmarks)."""
        with self._idle:
            target = self._requested
            return self._idle.wait_for(lambda: self._done >= target or self._thread is None, timeout)

    def close(self) -> None:
        """Sync what is left and stop the thread."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)
        if self._done < self._requested:
            self._sync()  # the thread is gone (or stuck): do it here, once
            self._done = self._requested

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        idle = 0
        try:
            while True:
                target = self._requested
                if target > self._done:
                    idle = 0
                    self._sync()
                    connection = self._maybe_checkpoint(connection)
                    with self._idle:
                        self._done = target
                        self._idle.notify_all()
                else:
                    idle += 1
                if self._stopping:
                    if self._requested > self._done:
                        continue
                    return
                if idle < IDLE_TICKS:
                    if self._wake.wait(INTERVAL):
                        self._wake.clear()
                    continue
                self._parked = True
                if self._requested > self._done or self._stopping:  # a commit came as we parked
                    self._parked = False
                    continue
                self._wake.wait()
                self._wake.clear()
                idle = 0
        finally:
            if connection is not None:
                connection.close()
            with self._idle:
                self._idle.notify_all()

    def _sync(self) -> None:
        try:
            fd = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed and removed: already in the database file, which SQLite synced
        try:
            os.fsync(fd)
            self.fsyncs += 1
        except OSError as exc:
            log.warning("could not fsync %s: %s", self._wal, exc)
        finally:
            os.close(fd)

    def _maybe_checkpoint(self, connection: sqlite3.Connection | None) -> sqlite3.Connection | None:
        try:
            if self._wal.stat().st_size < self._checkpoint_bytes:
                return connection
            if connection is None:
                connection = sqlite3.connect(self._database, timeout=10, isolation_level=None)
            # PASSIVE: copies what no reader still needs, never waits for (or blocks) a writer.
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except (OSError, sqlite3.Error) as exc:
            log.warning("checkpoint of %s failed: %s", self._database, exc)
        return connection
