"""What a conversation said lately, and how often a member asked the model tier.

Kept apart from ``sqlite.py`` (which it extends as a mixin of :class:`Store`) because
only the model tier reads them: a few rows per conversation, pruned as they are
written, so a long-running hub never accumulates a transcript of the household.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import Any

# Turns older than this are removed whenever a turn is written: history is short-term memory.
HISTORY_SECONDS = 3600.0


class TurnStore:
    """Conversation turns and model-tier usage; mixed into the store, sharing its connection."""

    _db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by Store
        raise NotImplementedError

    def add_turns(
        self, conversation_id: str, member: str, turns: list[tuple[str, str]], now: float, *, keep: int
    ) -> None:
        """Append (role, content) turns in one transaction; keep the conversation's last ``keep``."""
        with self.transaction() as db:
            db.execute("DELETE FROM conversation_turn WHERE time < ?", (now - HISTORY_SECONDS,))
            db.executemany(
                "INSERT INTO conversation_turn (conversation_id, member, role, content, time)"
                " VALUES (?, ?, ?, ?, ?)",
                [(conversation_id, member, role, content, now) for role, content in turns],
            )
            db.execute(
                "DELETE FROM conversation_turn WHERE conversation_id = ? AND id NOT IN"
                " (SELECT id FROM conversation_turn WHERE conversation_id = ? ORDER BY id DESC LIMIT ?)",
                (conversation_id, conversation_id, keep),
            )

    def turns(self, conversation_id: str, member: str, since: float) -> list[dict[str, Any]]:
        """The conversation's recent turns, oldest first; only if the whole conversation is this member's."""
        rows = self._db.execute(
            "SELECT member, role, content FROM conversation_turn WHERE conversation_id = ? AND time >= ?"
            " ORDER BY id",
            (conversation_id, since),
        ).fetchall()
        if any(row[0] != member for row in rows):
            return []  # another member's words are never shown to a model acting for this one
        return [{"role": str(row[1]), "content": str(row[2])} for row in rows]

    def note_model_turn(self, member: str, now: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM model_turn WHERE time < ?", (now - 86400,))
            db.execute("INSERT INTO model_turn VALUES (?, ?)", (member, now))

    def model_turns_since(self, member: str, since: float) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM model_turn WHERE member = ? AND time >= ?", (member, since)
        ).fetchone()
        return int(row[0])
