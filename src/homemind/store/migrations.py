"""Schema migrations, applied in order, each in its own transaction.

Hand-written rather than Alembic: the store is one SQLite file, migrations are a
handful of SQL statements, and `homemind ask` starts as a process for every
command, so SQLAlchemy's import time would be paid on every spoken sentence.
The version lives in SQLite's own ``PRAGMA user_version``. Never edit a
migration that has shipped; add the next one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: entity states and the action log
    """
    CREATE TABLE entity_state (
        entity_id    TEXT PRIMARY KEY,
        state        TEXT NOT NULL,
        attributes   TEXT NOT NULL,
        last_changed TEXT NOT NULL,
        last_updated TEXT NOT NULL
    );
    CREATE TABLE action_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        time       TEXT NOT NULL,
        member     TEXT NOT NULL,
        channel    TEXT NOT NULL,
        entity_id  TEXT NOT NULL,
        service    TEXT NOT NULL,
        data       TEXT NOT NULL,
        result     TEXT NOT NULL,
        detail     TEXT
    );
    CREATE INDEX action_log_time ON action_log(time);
    """,
    # 2: who caused each entity's current state, so another process can tell its listeners
    """
    ALTER TABLE entity_state ADD COLUMN context TEXT;
    """,
    # 3: confirmations waiting for their "yes", shared by every process on the data dir
    """
    CREATE TABLE pending_confirmation (
        conversation_id TEXT PRIMARY KEY,
        member          TEXT NOT NULL,
        payload         TEXT NOT NULL,
        expires_at      REAL NOT NULL
    );
    """,
    # 4: what the last turn of each conversation was about, for "and the bedroom too"
    """
    CREATE TABLE conversation_context (
        conversation_id TEXT PRIMARY KEY,
        member          TEXT NOT NULL,
        payload         TEXT NOT NULL,
        updated_at      REAL NOT NULL
    );
    """,
]
