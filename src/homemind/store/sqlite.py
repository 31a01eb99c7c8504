"""The SQLite store.

WAL mode with ``synchronous=FULL``: each state change is committed before the
hub reports it done, so ``kill -9`` can never lose a change somebody was told
of. Several processes (the server and a CLI command) may share the file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from homemind.store.migrations import MIGRATIONS


class StateRow(Protocol):
    """What the store needs of a state; the core's EntityState is one."""

    @property
    def entity_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def attributes(self) -> dict[str, Any]: ...
    @property
    def last_changed(self) -> str: ...
    @property
    def last_updated(self) -> str: ...
    @property
    def context(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class StoredState:
    """A row of entity state; the core turns it into its own EntityState."""

    entity_id: str
    state: str
    attributes: dict[str, Any]
    last_changed: str
    last_updated: str
    context: dict[str, Any] | None = None


def _storable(text: str | None) -> str | None:
    """Text SQLite can hold: a lone surrogate becomes a visible escape instead of an error."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class StoreError(RuntimeError):
    pass


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
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
                for statement in MIGRATIONS[number - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, for the household skills' own tables (writes go through transaction())."""
        cursor = self._db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def data_version(self) -> int:
        """Changes whenever another connection (another homemind process) commits."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # --- entity state -------------------------------------------------------------

    def save_state(self, state: StateRow) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO entity_state"
                " (entity_id, state, attributes, last_changed, last_updated, context)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(entity_id) DO UPDATE SET state=excluded.state,"
                " attributes=excluded.attributes, last_changed=excluded.last_changed,"
                " last_updated=excluded.last_updated, context=excluded.context",
                (
                    state.entity_id,
                    state.state,
                    json.dumps(state.attributes, ensure_ascii=False),
                    state.last_changed,
                    state.last_updated,
                    json.dumps(state.context) if state.context else None,
                ),
            )

    def load_states(self) -> dict[str, StoredState]:
        rows = self._db.execute(
            "SELECT entity_id, state, attributes, last_changed, last_updated, context FROM entity_state"
        ).fetchall()
        return {
            row[0]: StoredState(
                row[0], row[1], json.loads(row[2]), row[3], row[4], json.loads(row[5] or "null")
            )
            for row in rows
        }

    # --- confirmations waiting for an answer ---------------------------------------

    def put_pending(
        self, conversation_id: str, member: str, payload: dict[str, Any], expires_at: float
    ) -> None:
        with self.transaction() as db:
            # Long-expired ones go; recently expired ones stay to be answered "that has expired".
            db.execute("DELETE FROM pending_confirmation WHERE expires_at < ?", (expires_at - 3600,))
            db.execute(
                "INSERT OR REPLACE INTO pending_confirmation VALUES (?, ?, ?, ?)",
                (conversation_id, member, json.dumps(payload), expires_at),
            )

    def take_pending(self, conversation_id: str, member: str) -> tuple[dict[str, Any], float] | None:
        """Remove and return the member's pending confirmation: each can be answered once."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT member, payload, expires_at FROM pending_confirmation WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None or row[0] != member:
                return None  # another member cannot answer what someone else was asked
            db.execute("DELETE FROM pending_confirmation WHERE conversation_id = ?", (conversation_id,))
            return json.loads(row[1]), float(row[2])

    # --- conversation context (what "it" and "the bedroom too" refer to) -----------

    def put_context(self, conversation_id: str, member: str, payload: dict[str, Any], now: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM conversation_context WHERE updated_at < ?", (now - 86400,))
            db.execute(
                "INSERT OR REPLACE INTO conversation_context VALUES (?, ?, ?, ?)",
                (conversation_id, member, json.dumps(payload, ensure_ascii=False), now),
            )

    def get_context(self, conversation_id: str, member: str) -> tuple[dict[str, Any], float] | None:
        """The last turn's context, only for the member who spoke it."""
        row = self._db.execute(
            "SELECT member, payload, updated_at FROM conversation_context WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchone()
        if row is None or row[0] != member:
            return None
        return json.loads(row[1]), float(row[2])

    # --- action log ---------------------------------------------------------------

    def log_action(self, entry: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO action_log (time, member, channel, entity_id, service, data, result, detail)"
                " VALUES (:time, :member, :channel, :entity_id, :service, :data, :result, :detail)",
                {
                    **{k: _storable(v) if isinstance(v, str) else v for k, v in entry.items()},
                    "data": json.dumps(entry["data"]),
                },
            )

    def actions(self, limit: int = 100) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT * FROM action_log ORDER BY id DESC LIMIT ?", (limit,))
        names = [c[0] for c in cursor.description]
        out = []
        for row in cursor.fetchall():
            item = dict(zip(names, row, strict=True))
            item["data"] = json.loads(item["data"])
            out.append(item)
        return out
