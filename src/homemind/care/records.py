"""Care's rows: incidents and their timeline, read and written through the store.

An incident's stage, its current contact and round, and when its next step is due
are columns of one row, changed only by compare-and-set inside a transaction
(``UPDATE ... WHERE id = ? AND next_at = ?``): a hub restarted mid-escalation
picks the same row up at the same stage, and two processes never both send the
same round.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from sqlite3 import Connection
from typing import Any

from homemind.store import Store

ACTIVE = ("open", "acknowledged")
# Kinds of incident: what started it.
KINDS = ("fall", "sos", "not_up", "bathroom", "inactive", "spo2", "heart_rate")


@dataclass(frozen=True)
class Incident:
    id: int
    member: str
    kind: str
    severity: str  # urgent | check (a fall with movement after it)
    state: str  # open | acknowledged | resolved | cancelled
    stage: str  # asking | escalating | emergency | informed | closed
    contact_index: int
    round: int
    next_at: float | None
    area: str | None
    opened_at: float
    updated_at: float
    acknowledged_by: str | None
    acknowledged_at: float | None
    closed_by: str | None
    closed_at: float | None
    false_alarm: bool
    trigger_key: str | None
    detail: dict[str, Any]  # what the alert says: minutes, a reading, the limit ...

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Incident:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["false_alarm"] = bool(values["false_alarm"])
        values["detail"] = json.loads(values["detail"] or "{}")
        return cls(**values)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Entry:
    """One line of an incident's timeline: a piece of evidence, or a step the hub took."""

    at: float
    type: str  # evidence | step
    kind: str
    detail: dict[str, Any]


class Records:
    """The incidents table and the timeline, for the care package only."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, incident_id: int) -> Incident | None:
        rows = self.store.read("SELECT * FROM care_incidents WHERE id = ?", (incident_id,))
        return Incident.from_row(rows[0]) if rows else None

    def active_for(self, member: str) -> Incident | None:
        rows = self.store.read(
            "SELECT * FROM care_incidents WHERE member = ? AND state IN ('open', 'acknowledged')"
            " ORDER BY id DESC LIMIT 1",
            (member,),
        )
        return Incident.from_row(rows[0]) if rows else None

    def all_active(self) -> list[Incident]:
        rows = self.store.read(
            "SELECT * FROM care_incidents WHERE state IN ('open', 'acknowledged') ORDER BY id"
        )
        return [Incident.from_row(r) for r in rows]

    def recent(self, limit: int = 50, member: str | None = None) -> list[Incident]:
        rows = self.store.read(
            "SELECT * FROM care_incidents WHERE (? IS NULL OR member = ?) ORDER BY id DESC LIMIT ?",
            (member, member, limit),
        )
        return [Incident.from_row(r) for r in rows]

    def between(self, member: str, start: float, end: float) -> list[Incident]:
        rows = self.store.read(
            "SELECT * FROM care_incidents WHERE member = ? AND opened_at >= ? AND opened_at < ? ORDER BY id",
            (member, start, end),
        )
        return [Incident.from_row(r) for r in rows]

    def due(self, now: float) -> list[Incident]:
        rows = self.store.read(
            "SELECT * FROM care_incidents WHERE state = 'open' AND next_at IS NOT NULL AND next_at <= ?"
            " ORDER BY next_at",
            (now,),
        )
        return [Incident.from_row(r) for r in rows]

    def next_due(self) -> float | None:
        rows = self.store.read(
            "SELECT MIN(next_at) AS due FROM care_incidents WHERE state = 'open' AND next_at IS NOT NULL"
        )
        return rows[0]["due"] if rows else None

    def timeline(self, incident_id: int) -> list[Entry]:
        rows = self.store.read(
            "SELECT at, type, kind, detail FROM care_timeline WHERE incident = ? ORDER BY id", (incident_id,)
        )
        return [Entry(r["at"], r["type"], r["kind"], json.loads(r["detail"])) for r in rows]

    @staticmethod
    def note(db: Connection, incident_id: int, at: float, type_: str, kind: str, **detail: Any) -> None:
        db.execute(
            "INSERT INTO care_timeline (incident, at, type, kind, detail) VALUES (?, ?, ?, ?, ?)",
            (incident_id, at, type_, kind, json.dumps(detail, ensure_ascii=False)),
        )

    @staticmethod
    def insert(db: Connection, **row: Any) -> int:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = db.execute(
            f"INSERT OR IGNORE INTO care_incidents ({columns}) VALUES ({marks})", tuple(row.values())
        )
        return int(cursor.lastrowid or 0) if cursor.rowcount == 1 else 0

    @staticmethod
    def claim(db: Connection, incident: Incident, **changes: Any) -> bool:
        """Move an incident on only if nobody else has since: compare-and-set on its step."""
        sets = ", ".join(f"{k} = ?" for k in changes)
        cursor = db.execute(
            f"UPDATE care_incidents SET {sets} WHERE id = ? AND state = ? AND stage = ?"
            " AND round = ? AND contact_index = ? AND next_at IS ?",
            (
                *changes.values(),
                incident.id,
                incident.state,
                incident.stage,
                incident.round,
                incident.contact_index,
                incident.next_at,
            ),
        )
        return cursor.rowcount == 1

    def seen(self, db: Connection, key: str, at: float) -> bool:
        """Whether a device signal was handled already (a replayed message); records it if not."""
        db.execute("DELETE FROM care_signals WHERE at < ?", (at - 7 * 86400,))
        return db.execute("INSERT OR IGNORE INTO care_signals VALUES (?, ?)", (key, at)).rowcount == 0
