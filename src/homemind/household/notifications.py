"""Notifications: what the hub tells a member (a timer done, an order to approve), kept and streamed.

A notification is stored as a message key and parameters, never finished text, so
each reader sees it in their own language; it is published on the event bus only
after the transaction that created it has committed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from sqlite3 import Connection
from typing import Any

from homemind.core import i18n
from homemind.core.events import Event
from homemind.household.house import House
from homemind.policy import Actor

NOTIFICATION = "notification"

i18n.register(
    {
        "notification.late": {"en": "{text} (late: was due at {due})", "zh": "{text}（迟到了：原定{due}）"},
    }
)


@dataclass(frozen=True)
class Notification:
    id: int
    member: str
    kind: str
    source_id: str
    due: str | None
    fired_at: str | None
    late: bool
    text: str
    read: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Notifications:
    def __init__(self, house: House) -> None:
        self.house = house

    def add(
        self,
        db: Connection,
        member: str,
        kind: str,
        source_id: str,
        due: float,
        late: bool,
        message: str,
        params: dict[str, Any],
    ) -> int | None:
        """Inside the caller's transaction: the new notification's id, None if this firing was
        already recorded. Publish it (:meth:`publish_stored`) once the transaction has committed."""
        cursor = db.execute(
            "INSERT OR IGNORE INTO notifications"
            " (member, kind, source_id, due, fired_at, late, message, params) VALUES (?,?,?,?,?,?,?,?)",
            (member, kind, source_id, due, self.house.clock.now(), int(late), message, json.dumps(params)),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def publish_stored(self, note_ids: list[int | None]) -> list[Notification]:
        """Put committed notifications on the live stream, each in its recipient's language."""
        published = []
        for note_id in note_ids:
            if note_id is None:
                continue
            for row in self.house.store.read("SELECT * FROM notifications WHERE id = ?", (note_id,)):
                note = self.render(row, self.house.language_of(row["member"]))
                self.house.bus.publish(Event(NOTIFICATION, note.as_dict()))
                published.append(note)
        return published

    def for_member(
        self,
        actor: Actor,
        member: str | None = None,
        *,
        unread: bool = False,
        limit: int = 50,
        language: str | None = None,
    ) -> list[Notification]:
        """``member``'s notifications (None: every one the caller may read), each in ``language``
        or else in the language of the member it is for."""
        if member is not None and member != actor.member.id:
            self.house.require(actor, "notifications", "read", {"member": member}, subject=f"member.{member}")
        sql = "SELECT * FROM notifications WHERE (? IS NULL OR member = ?)"
        if unread:
            sql += " AND read = 0"
        rows = self.house.store.read(sql + " ORDER BY id DESC LIMIT ?", (member, member, limit))
        rows = self.house.readable(actor, "notifications", rows)
        return [self.render(row, language or self.house.language_of(row["member"])) for row in rows]

    def mark_read(self, actor: Actor) -> int:
        with self.house.store.transaction() as db:
            return db.execute(
                "UPDATE notifications SET read = 1 WHERE member = ? AND read = 0", (actor.member.id,)
            ).rowcount

    def render(self, row: dict[str, Any], language: str) -> Notification:
        params = json.loads(row["params"]) if isinstance(row["params"], str) else row["params"]
        text = i18n.translate(row["message"], language, **params)
        if row["late"]:
            due = self.house.describe_time(row["due"])
            text = i18n.translate("notification.late", language, text=text, due=due)
        return Notification(
            id=row["id"],
            member=row["member"],
            kind=row["kind"],
            source_id=row["source_id"],
            due=self.house.iso(row["due"]),
            fired_at=self.house.iso(row["fired_at"]),
            late=bool(row["late"]),
            text=text,
            read=bool(row["read"]),
        )
