"""The store's connection and its unit of work: one transaction per command.

Everything a command writes (device states, the audit, the conversation's
context, household rows) joins one transaction that :meth:`Connection.command`
opens at the first write and commits when the command ends, before it is
answered; the events it caused go out after the commit. A fan-out to hundreds of
devices is one commit.

WAL mode with ``synchronous=NORMAL``: a COMMIT is in the write-ahead log, through
the operating system, when it returns, so ``kill -9`` never loses anything that
was answered. The fsync that makes it survive a power cut follows each commit in
a thread of its own (:mod:`homemind.store.syncer`), so no answer waits for the
disk. Several processes (the server and a CLI command) may share the file.

The hub is one writer: while a command's transaction is open, a write from
elsewhere in the process (a device reporting over MQTT) joins it and is committed
with it. The connection is used from one thread at a time (the event loop's).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from homemind.store.migrations import MIGRATIONS
from homemind.store.syncer import WalSyncer

# As SQLite's own busy timeout (sqlite3.connect(timeout=10)) for another process's lock.
BUSY_SECONDS = 10.0


class StoreError(RuntimeError):
    pass


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements; a trigger's body holds semicolons of its own.

    Not ``executescript``: it commits first, and a migration must be all or nothing.
    """
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                yield buffer
            buffer = ""


class Connection:
    """One SQLite connection to the data dir's store, with migrations and the unit of work."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Whether this task (or thread) is inside a command (see command()).
        self._in_command: ContextVar[bool] = ContextVar(f"homemind-command-{id(self)}", default=False)
        self._open = False  # a transaction is open on the connection
        # The open transaction's thread. Another thread outside any command (a test's, a
        # tool's) waits for its commit instead of beginning inside it (SQLite would refuse).
        self._owner: int | None = None
        self._held = threading.Lock()
        self._savepoints = 0
        self._after_commit: list[Callable[[], None]] = []
        self._on_rollback: list[Callable[[], None]] = []
        self.commits = 0  # transactions committed by this connection: tests count them
        self._syncer = WalSyncer(path)
        try:
            # Created owner-only: it holds PIN and password hashes. SQLite gives the WAL and
            # shared-memory files the database file's mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA wal_autocheckpoint=0")  # the syncer's thread checkpoints
            self._db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this homemind knows"
                f" ({len(MIGRATIONS)}); upgrade homemind"
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            with self.transaction() as db:
                for statement in _statements(MIGRATIONS[number - 1]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: the block's writes, inside the command's transaction when there is one.

        Inside a command (or while another command's transaction is open on this
        connection: the hub is one writer) the block is a savepoint, undone alone if it
        fails, and committed with the command. Outside, it is a transaction of its own.
        """
        if not self._joins():
            self._begin()
            try:
                yield self._db
            except BaseException:
                self._open = False
                self._db.execute("ROLLBACK")
                self._release()
                self._abandon()
                raise
            self.commit()
            return
        if not self._open:
            self._begin()
        self._savepoints += 1
        name, marks = f"block_{self._savepoints}", (len(self._after_commit), len(self._on_rollback))
        self._db.execute(f"SAVEPOINT {name}")
        try:
            yield self._db
        except BaseException:
            if self._db.in_transaction:
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
                self._abandon(marks)
            else:  # SQLite gave up the whole transaction (a full disk): so does the command
                self._open = False
                self._release()
                self._abandon()
            raise
        finally:
            self._savepoints -= 1
        self._db.execute(f"RELEASE {name}")

    @contextmanager
    def command(self) -> Iterator[None]:
        """One command: every write inside joins one transaction, committed when the command ends.

        Opened by whatever starts a command (the conversation pipeline, the executor,
        an API request); nested uses join the outer one. The transaction begins at the
        first write, so a command that writes nothing costs nothing. It commits even
        when the command fails half-way: what a device already did, and its audit,
        must not be lost; a failed block inside was already undone alone.
        """
        if self._in_command.get():
            yield
            return
        token = self._in_command.set(True)
        try:
            yield
        finally:
            self._in_command.reset(token)
            self.commit()

    def commit(self) -> None:
        """Commit the open transaction (if any), then run what waited for it (publishing events)."""
        if not self._open:
            return
        self._open = False
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._release()
            self._abandon()
            raise StoreError(f"{self.path}: could not save: {exc}") from exc
        self._release()
        self._committed()

    def _joins(self) -> bool:
        """Whether a write now joins the open (or next) transaction: inside a command, or on its thread."""
        return self._in_command.get() or (self._open and self._owner == threading.get_ident())

    def _begin(self) -> None:
        """BEGIN IMMEDIATE on this thread, once another thread's transaction (if any) has ended."""
        if not self._held.acquire(timeout=BUSY_SECONDS):
            raise StoreError(f"{self.path}: busy: another thread kept the store for {BUSY_SECONDS:g} s")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._held.release()
            raise
        self._owner = threading.get_ident()
        self._open = True

    def _release(self) -> None:
        if self._owner is not None:
            self._owner = None
            self._held.release()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once what has been written so far is committed (now, if nothing is open)."""
        if self._open:
            self._after_commit.append(callback)
        else:
            callback()

    def on_rollback(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` if what has been written so far is undone instead of committed.

        The state registry puts a device's state back in memory this way when the
        write that recorded it never reaches the disk (a full disk at commit).
        """
        if self._open:
            self._on_rollback.append(callback)

    def _committed(self) -> None:
        self.commits += 1
        self._syncer.committed()
        callbacks, self._after_commit = self._after_commit, []
        self._on_rollback.clear()
        for callback in callbacks:
            callback()

    def _abandon(self, marks: tuple[int, int] = (0, 0)) -> None:
        """Writes since ``marks`` were undone: nothing of them is announced, and memory follows."""
        undo = self._on_rollback[marks[1] :]
        del self._after_commit[marks[0] :], self._on_rollback[marks[1] :]
        for callback in reversed(undo):
            callback()

    def wait_durable(self, timeout: float | None = None) -> bool:
        """Block until every commit so far has been fsynced (tests and benchmarks)."""
        return self._syncer.wait(timeout)

    @property
    def fsyncs(self) -> int:
        return self._syncer.fsyncs

    def close(self) -> None:
        self.commit()
        self._syncer.close()
        self._db.close()

    def write(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """One statement, inside the command's transaction when there is one.

        A statement is all or nothing by itself (SQLite undoes a failed one alone),
        so unlike :meth:`transaction` it needs no savepoint: half the statements
        per write, which is most of a fan-out's cost.
        """
        if not self._joins():
            with self.transaction() as db:
                return db.execute(sql, params)
        if not self._open:
            self._begin()
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error:
            if not self._db.in_transaction:  # SQLite gave up the whole transaction (a full disk)
                self._open = False
                self._release()
                self._abandon()
            raise

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, for the household skills' own tables (writes go through transaction())."""
        cursor = self._db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def data_version(self) -> int:
        """Changes whenever another connection (another homemind process) commits."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])
