"""The library's own SQLite file in the data dir: documents, passages, terms and vectors.

Apart from ``homemind.db`` on purpose: it is an index that can always be rebuilt from
the documents (``homemind docs reindex``), it is a hundred times bigger than the
household's data, and a backup of the household need not carry it. One file, 0600,
in WAL mode like the store, so the server and a CLI command can use it together.

The lexical index is SQLite's FTS5 over the terms ``terms.py`` makes (one token per
jieba word or English stem), ranked by FTS5's own BM25; the dense vectors are one
float16 BLOB per passage, read into one matrix when the library is first searched.
Adding a document writes its rows in one transaction, so an interrupted add leaves
the library as it was.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from homemind.library import LIBRARY_FILE

__all__ = ["HOUSEHOLD", "LIBRARY_FILE", "DocumentRow", "LibraryStore", "PassageRow"]
HOUSEHOLD = "household"

_SCHEMA = [
    # 1: documents, their passages, the FTS5 terms (rowid = passage id), settings
    """
    CREATE TABLE documents (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        title     TEXT NOT NULL,
        source    TEXT NOT NULL,
        kind      TEXT NOT NULL,
        readers   TEXT NOT NULL,
        added_by  TEXT NOT NULL,
        added_at  REAL NOT NULL,
        sha256    TEXT NOT NULL,
        starter   INTEGER NOT NULL DEFAULT 0,
        language  TEXT NOT NULL DEFAULT 'zh'
    );
    CREATE TABLE passages (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        document  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal   INTEGER NOT NULL,
        section   TEXT NOT NULL,
        chapter   TEXT NOT NULL,
        page      INTEGER,
        line      INTEGER,
        text      TEXT NOT NULL,
        vector    BLOB,
        vector_use BLOB
    );
    CREATE INDEX passages_document ON passages(document, ordinal);
    CREATE VIRTUAL TABLE terms USING fts5(words, tokenize = 'unicode61 remove_diacritics 0');
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    source: str
    kind: str
    readers: str  # "household", or the one member who may read it
    added_by: str
    added_at: float
    sha256: str
    starter: bool
    passages: int
    language: str = "zh"  # what most of its text is written in: words match only within a script

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "kind": self.kind,
            "readers": self.readers,
            "added_by": self.added_by,
            "added_at": self.added_at,
            "starter": self.starter,
            "passages": self.passages,
            "language": self.language,
        }


@dataclass(frozen=True)
class PassageRow:
    id: int
    document: int
    section: str
    chapter: str
    page: int | None
    line: int | None
    text: str


class LibraryStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # never readable by others
        self.path = path
        # One connection, used by the event loop and by worker threads (an upload being
        # embedded): every use holds this lock.
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(_SCHEMA[version:], version + 1):
            with self.transaction() as db:  # executescript would commit half-way: one statement at a time
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def version(self) -> int:
        """Changes whenever any connection commits to the file: re-read vectors when it moves."""
        return int(self._rows("PRAGMA data_version")[0][0]) + self._generation()

    def _generation(self) -> int:
        rows = self._rows("SELECT value FROM settings WHERE key = 'generation'")
        return int(rows[0][0]) if rows else 0

    def setting(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # --- writing ---------------------------------------------------------------------

    def add(
        self,
        document: dict[str, Any],
        passages: Sequence[dict[str, Any]],
        words: Sequence[str],
        vectors: dict[str, np.ndarray],
    ) -> int:
        """One document with its passages, terms and vectors, all or nothing; its new id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO documents (title, source, kind, readers, added_by, added_at, sha256, starter,"
                " language) VALUES (:title, :source, :kind, :readers, :added_by, :added_at, :sha256,"
                " :starter, :language)",
                document,
            )
            doc_id = int(cursor.lastrowid or 0)
            pairs = zip(vectors["e5"], vectors["use"], strict=True)
            for passage, terms, (e5, use) in zip(passages, words, pairs, strict=True):
                row = db.execute(
                    "INSERT INTO passages (document, ordinal, section, chapter, page, line, text, vector,"
                    " vector_use) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc_id,
                        passage["ordinal"],
                        passage["section"],
                        passage["chapter"],
                        passage["page"],
                        passage["line"],
                        passage["text"],
                        e5.astype(np.float16).tobytes(),
                        use.astype(np.float16).tobytes(),
                    ),
                )
                db.execute("INSERT INTO terms (rowid, words) VALUES (?, ?)", (row.lastrowid, terms))
            self._bump(db)
        return doc_id

    def remove(self, doc_id: int) -> bool:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM terms WHERE rowid IN (SELECT id FROM passages WHERE document = ?)", (doc_id,)
            )
            removed = db.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount > 0
            self._bump(db)
        return removed

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO settings (key, value) VALUES ('generation', '1') ON CONFLICT(key)"
            " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                (key, value, value),
            )

    # --- reading ---------------------------------------------------------------------

    def documents(self) -> list[DocumentRow]:
        rows = self._rows(
            "SELECT d.id, d.title, d.source, d.kind, d.readers, d.added_by, d.added_at, d.sha256, d.starter,"
            " (SELECT COUNT(*) FROM passages p WHERE p.document = d.id), d.language"
            " FROM documents d ORDER BY d.id"
        )
        return [
            DocumentRow(
                id=r[0],
                title=r[1],
                source=r[2],
                kind=r[3],
                readers=r[4],
                added_by=r[5],
                added_at=r[6],
                sha256=r[7],
                starter=bool(r[8]),
                passages=r[9],
                language=r[10],
            )
            for r in rows
        ]

    def document(self, doc_id: int) -> DocumentRow | None:
        return next((d for d in self.documents() if d.id == doc_id), None)

    def vectors(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(passage ids, each encoder's vectors as one float32 matrix), in id order."""
        rows = self._rows("SELECT id, vector, vector_use FROM passages ORDER BY id")
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        matrices = {}
        for column, model in ((1, "e5"), (2, "use")):
            joined = b"".join(r[column] for r in rows)
            matrix = (
                np.frombuffer(joined, dtype=np.float16).reshape(len(rows), -1) if rows else np.zeros((0, 1))
            )
            matrices[model] = matrix.astype(np.float32)
        return ids, matrices

    def lexical(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score: higher is better) for an FTS5 query, best first."""
        rows = self._rows(
            "SELECT rowid, -bm25(terms) FROM terms WHERE terms MATCH ? ORDER BY bm25(terms) LIMIT ?",
            (query, limit),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            f"SELECT id, document, section, chapter, page, line, text FROM passages WHERE id IN ({marks})",
            list(ids),
        )
        return {r[0]: PassageRow(*r) for r in rows}

    def article(self, doc_id: int, section: str) -> list[int]:
        rows = self._rows("SELECT id FROM passages WHERE document = ? AND section = ?", (doc_id, section))
        return [r[0] for r in rows]

    def passage_documents(self) -> dict[int, int]:
        return dict(self._rows("SELECT id, document FROM passages"))
