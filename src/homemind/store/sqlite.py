"""The SQLite store: what the hub keeps, over one connection with one transaction per command.

How commits, durability and commands work is in :mod:`homemind.store.connection`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from homemind.store.connection import Connection
from homemind.store.turns import TurnStore


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
    if text is None or text.isprintable():
        return text  # printable text has no lone surrogate: nothing to escape
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Store(Connection, TurnStore):
    """The data each part of the hub keeps: states, confirmations, context, audit, credentials;
    conversation turns and model-tier use come from :class:`TurnStore`."""

    _context_swept = 0.0  # when this process last removed day-old conversation contexts

    # --- entity state -------------------------------------------------------------

    def save_state(self, state: StateRow) -> None:
        self.write(
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
        if not self.has_pending(conversation_id, member):
            return None  # the usual turn: read, without taking the write lock
        with self.transaction() as db:  # read again under the lock: another process may have taken it
            row = db.execute(
                "SELECT member, payload, expires_at FROM pending_confirmation WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None or row[0] != member:
                return None  # another member cannot answer what someone else was asked
            db.execute("DELETE FROM pending_confirmation WHERE conversation_id = ?", (conversation_id,))
            return json.loads(row[1]), float(row[2])

    def has_pending(self, conversation_id: str, member: str) -> bool:
        """Whether the member was asked something in this conversation (it stays pending)."""
        row = self._db.execute(
            "SELECT member FROM pending_confirmation WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return row is not None and row[0] == member

    # --- conversation context (what "it" and "the bedroom too" refer to) -----------

    def put_context(self, conversation_id: str, member: str, payload: dict[str, Any], now: float) -> None:
        self.write(
            "INSERT OR REPLACE INTO conversation_context VALUES (?, ?, ?, ?)",
            (conversation_id, member, json.dumps(payload, ensure_ascii=False), now),
        )
        if now - self._context_swept > 3600:  # contexts older than a day go, looked for once an hour
            self._context_swept = now
            self.write("DELETE FROM conversation_context WHERE updated_at < ?", (now - 86400,))

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

    _AUDIT_COLUMNS = (
        "time",
        "member",
        "channel",
        "conversation_id",
        "text",
        "intent",
        "entity_id",
        "service",
        "data",
        "action_class",
        "decision",
        "result",
        "detail",
    )

    _LOG_ACTION = "INSERT INTO action_log ({}) VALUES ({})".format(
        ", ".join(_AUDIT_COLUMNS), ", ".join("?" * len(_AUDIT_COLUMNS))
    )

    def log_action(self, entry: dict[str, Any]) -> None:
        """Append one audit entry; the table's triggers refuse edits and early deletes."""
        row = [
            json.dumps(entry.get("data") or {}, ensure_ascii=False)
            if column == "data"
            else (_storable(value) if isinstance(value := entry.get(column), str) else value)
            for column in self._AUDIT_COLUMNS
        ]
        self.write(self._LOG_ACTION, row)

    def actions(
        self, limit: int | None = 100, *, member: str | None = None, since: str | None = None
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first; ``since`` is an ISO time (entries at or after it)."""
        where, params = [], []
        if member is not None:
            where.append("member = ?")
            params.append(member)
        if since is not None:
            where.append("time >= ?")
            params.append(since)
        sql = "SELECT * FROM action_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(str(limit))
        cursor = self._db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        out = []
        for row in cursor.fetchall():
            item = dict(zip(names, row, strict=True))
            item["data"] = json.loads(item["data"])
            out.append(item)
        return out

    def prune_actions(self, before: str) -> int:
        """Remove audit entries older than ``before`` (ISO time): the retention setting."""
        if self._db.execute("SELECT 1 FROM action_log WHERE time < ? LIMIT 1", (before,)).fetchone() is None:
            return 0  # the usual start: nothing to prune, and no write lock taken for it
        with self.transaction() as db:
            return db.execute("DELETE FROM action_log WHERE time < ?", (before,)).rowcount

    # --- credentials: argon2 hashes of passwords and PINs -------------------------

    def set_credential(self, member: str, kind: str, hashed: str, now: float) -> None:
        self.write("INSERT OR REPLACE INTO credential VALUES (?, ?, ?, ?)", (member, kind, hashed, now))

    def credential(self, member: str, kind: str) -> str | None:
        row = self._db.execute(
            "SELECT hash FROM credential WHERE member = ? AND kind = ?", (member, kind)
        ).fetchone()
        return str(row[0]) if row else None

    def credential_kinds(self, member: str) -> list[str]:
        rows = self._db.execute("SELECT kind FROM credential WHERE member = ? ORDER BY kind", (member,))
        return [str(r[0]) for r in rows.fetchall()]

    # --- API tokens (only a hash of the secret is kept) ------------------------------

    def add_token(
        self,
        token_id: str,
        member: str,
        name: str,
        hashed: str,
        now: float,
        *,
        read_only: bool = False,
        expires_at: float | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO api_token (id, member, name, hash, created_at, read_only, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token_id, member, name, hashed, now, int(read_only), expires_at),
            )

    def token(self, token_id: str) -> dict[str, Any] | None:
        cursor = self._db.execute("SELECT * FROM api_token WHERE id = ?", (token_id,))
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None

    def tokens(self, member: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT id, member, name, created_at, revoked_at, last_used, read_only, expires_at FROM api_token"
        )
        params: list[str] = []
        if member is not None:
            sql += " WHERE member = ?"
            params.append(member)
        cursor = self._db.execute(sql + " ORDER BY created_at", params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def revoke_token(self, token_id: str, now: float) -> bool:
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, token_id)
            )
            return cursor.rowcount == 1

    def touch_token(self, token_id: str, now: float) -> None:
        self.write("UPDATE api_token SET last_used = ? WHERE id = ?", (now, token_id))

    def has_authentication(self) -> bool:
        """Whether any way to log in exists: a live token or a password."""
        row = self._db.execute(
            "SELECT EXISTS(SELECT 1 FROM api_token WHERE revoked_at IS NULL)"
            " OR EXISTS(SELECT 1 FROM credential WHERE kind = 'password')"
        ).fetchone()
        return bool(row[0])

    # --- web sessions -------------------------------------------------------------------

    def add_session(self, hashed: str, member: str, csrf: str, expires_at: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM web_session WHERE expires_at < ?", (expires_at - 30 * 86400,))
            db.execute("INSERT INTO web_session VALUES (?, ?, ?, ?)", (hashed, member, csrf, expires_at))

    def session(self, hashed: str) -> tuple[str, str, float] | None:
        row = self._db.execute(
            "SELECT member, csrf, expires_at FROM web_session WHERE hash = ?", (hashed,)
        ).fetchone()
        return (str(row[0]), str(row[1]), float(row[2])) if row else None

    def delete_session(self, hashed: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM web_session WHERE hash = ?", (hashed,))

    def delete_sessions(self, member: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM web_session WHERE member = ?", (member,))

    # --- failed attempts (wrong PINs, codes, passwords), shared across processes ---------

    def note_failure(self, key: str, now: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM failed_attempt WHERE time < ?", (now - 86400,))
            db.execute("INSERT INTO failed_attempt VALUES (?, ?)", (key, now))

    def failures_since(self, key: str, since: float) -> list[float]:
        rows = self._db.execute(
            "SELECT time FROM failed_attempt WHERE key = ? AND time >= ? ORDER BY time", (key, since)
        ).fetchall()
        return [float(r[0]) for r in rows]

    def clear_failures(self, key: str) -> None:
        self.write("DELETE FROM failed_attempt WHERE key = ?", (key,))

    # --- members added with `homemind member add` ----------------------------------------

    def add_member(self, member_id: str, name: str, role: str, language: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO added_member VALUES (?, ?, ?, ?)", (member_id, name, role, language))

    def added_members(self) -> list[tuple[str, str, str, str]]:
        rows = self._db.execute("SELECT id, name, role, language FROM added_member ORDER BY id").fetchall()
        return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]
