"""Alarms (one-off and repeating, snooze, delete) and reminders (for oneself or another member).

Both are rows with a ``next_fire`` the scheduler watches; a repeat is an RFC 5545
RRULE kept beside the first occurrence, so the next one is always computed from
the rule in the home's time zone (daylight saving included), never by adding 24 h.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from homemind.core import i18n
from homemind.core.model import Member
from homemind.household.errors import NotFound
from homemind.household.house import House
from homemind.household.text import clean_item
from homemind.household.when import When, next_occurrence
from homemind.policy import Actor

SNOOZE_SECONDS = 9 * 60
# An alarm that went off this recently, and that nobody stopped, is still ringing.
RINGING_SECONDS = 10 * 60

i18n.register(
    {
        "alarm.no_such_id": {"en": "There is no such alarm.", "zh": "没有这个闹钟。"},
        "alarm.nothing_to_snooze": {"en": "No alarm has gone off to snooze.", "zh": "现在没有在响的闹钟。"},
        "reminder.no_such_id": {"en": "There is no such reminder.", "zh": "没有这个提醒。"},
    }
)


@dataclass(frozen=True)
class Alarm:
    id: int
    member: str
    next_fire: float | None
    at: str | None
    recurrence: str | None
    enabled: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "next_fire"}


@dataclass(frozen=True)
class Reminder:
    id: int
    member: str
    created_by: str
    text: str
    next_fire: float | None
    at: str | None
    recurrence: str | None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "next_fire"}


def next_fire_after(first: str, recurrence: str | None, now: datetime) -> float | None:
    """For the scheduler: the next occurrence strictly after now (None: a one-off that has fired)."""
    found = next_occurrence(datetime.fromisoformat(first), recurrence, now) if recurrence else None
    return None if found is None else found.timestamp()


class Alarms:
    def __init__(self, house: House) -> None:
        self.house = house

    def _alarm(self, row: dict[str, Any]) -> Alarm:
        return Alarm(
            id=int(row["id"]),
            member=str(row["member"]),
            next_fire=row["next_fire"],
            at=self.house.iso(row["next_fire"]),
            recurrence=row["recurrence"],
            enabled=bool(row["enabled"]),
        )

    def _live(self) -> list[dict[str, Any]]:
        return self.house.store.read(
            "SELECT * FROM alarms WHERE enabled = 1 AND next_fire IS NOT NULL ORDER BY next_fire"
        )

    def set(self, actor: Actor, when: When) -> Alarm:
        self.house.require(actor, "alarms", "set", subject="alarm")
        with self.house.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO alarms (member, first, recurrence, next_fire, created) VALUES (?, ?, ?, ?, ?)",
                (
                    actor.member.id,
                    when.at.isoformat(),
                    when.recurrence,
                    when.at.timestamp(),
                    self.house.clock.now(),
                ),
            )
            alarm_id = int(cursor.lastrowid or 0)
        self.house.audit(actor, "alarms", "set", f"alarm.{alarm_id}", "ok", at=when.at.isoformat())
        return self.get(actor, alarm_id)

    def mine(self, actor: Actor) -> list[Alarm]:
        """The speaker's own live alarms, soonest first ("my alarms", "delete my alarm")."""
        return [self._alarm(r) for r in self._live() if r["member"] == actor.member.id]

    def visible(self, actor: Actor) -> list[Alarm]:
        return [self._alarm(r) for r in self.house.readable(actor, "alarms", self._live())]

    def get(self, actor: Actor, alarm_id: int) -> Alarm:
        rows = self.house.store.read(
            "SELECT * FROM alarms WHERE id = ? AND (next_fire IS NOT NULL OR enabled = 1)", (alarm_id,)
        )
        if not rows or not self.house.may(actor, "alarms", "read", rows[0]):
            raise NotFound("alarm.no_such_id")
        return self._alarm(rows[0])

    def delete(self, actor: Actor, alarm_id: int) -> Alarm:
        alarm = self.get(actor, alarm_id)
        self.house.require(actor, "alarms", "change", {"member": alarm.member}, subject=f"alarm.{alarm_id}")
        with self.house.store.transaction() as db:
            db.execute("UPDATE alarms SET enabled = 0, next_fire = NULL WHERE id = ?", (alarm_id,))
        self.house.audit(actor, "alarms", "delete", f"alarm.{alarm_id}", "ok")
        return alarm

    def snooze(self, actor: Actor) -> Alarm:
        """The speaker's alarm that rang in the last hour rings again in 9 minutes."""
        now = self.house.clock.now()
        fired = self.house.store.read(
            "SELECT source_id FROM notifications WHERE kind = 'alarm' AND member = ? AND fired_at > ?"
            " ORDER BY id DESC LIMIT 1",
            (actor.member.id, now - 3600),
        )
        if not fired:
            raise NotFound("alarm.nothing_to_snooze")
        alarm_id = int(fired[0]["source_id"])
        with self.house.store.transaction() as db:
            # A snooze is the alarm's next firing brought forward; the repeat resumes after it.
            db.execute(
                "UPDATE alarms SET next_fire = ?, enabled = 1 WHERE id = ?", (now + SNOOZE_SECONDS, alarm_id)
            )
        self.house.audit(actor, "alarms", "snooze", f"alarm.{alarm_id}", "ok")
        return self.get(actor, alarm_id)

    def stop_ringing(self, actor: Actor) -> Alarm | None:
        """The speaker's alarm that is ringing now (went off in the last ``RINGING_SECONDS``, not
        stopped yet) is stopped; None when none is. "Turn off the alarm" then means the clock."""
        now = self.house.clock.now()
        ringing = self.house.store.read(
            "SELECT id, source_id FROM notifications WHERE kind = 'alarm' AND member = ? AND fired_at > ?"
            " AND read = 0 ORDER BY id DESC LIMIT 1",
            (actor.member.id, now - RINGING_SECONDS),
        )
        if not ringing:
            return None
        with self.house.store.transaction() as db:
            db.execute("UPDATE notifications SET read = 1 WHERE id = ?", (ringing[0]["id"],))
        alarm_id = int(ringing[0]["source_id"])
        self.house.audit(actor, "alarms", "stop", f"alarm.{alarm_id}", "ok")
        rows = self.house.store.read("SELECT * FROM alarms WHERE id = ?", (alarm_id,))
        return self._alarm(rows[0]) if rows else None

    def dump(self, actor: Actor) -> list[dict[str, Any]]:
        rows = self.house.store.read(
            "SELECT * FROM alarms WHERE next_fire IS NOT NULL OR enabled = 1 ORDER BY id"
        )
        return [self._alarm(r).as_dict() for r in self.house.readable(actor, "alarms", rows)]


class Reminders:
    def __init__(self, house: House) -> None:
        self.house = house

    def _reminder(self, row: dict[str, Any]) -> Reminder:
        return Reminder(
            id=int(row["id"]),
            member=str(row["member"]),
            created_by=str(row["created_by"]),
            text=str(row["text"]),
            next_fire=row["next_fire"],
            at=self.house.iso(row["next_fire"]),
            recurrence=row["recurrence"],
        )

    def set(self, actor: Actor, member: Member, text: str, when: When) -> Reminder:
        """A reminder for ``member`` (the speaker or someone else), set up by the speaker."""
        row = {"member": member.id, "created_by": actor.member.id}
        self.house.require(actor, "reminders", "set", row, subject=f"member.{member.id}")
        task = clean_item(text)
        with self.house.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO reminders (member, created_by, text, first, recurrence, next_fire, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    member.id,
                    actor.member.id,
                    task,
                    when.at.isoformat(),
                    when.recurrence,
                    when.at.timestamp(),
                    self.house.clock.now(),
                ),
            )
            reminder_id = int(cursor.lastrowid or 0)
        self.house.audit(actor, "reminders", "set", f"reminder.{reminder_id}", "ok", member=member.id)
        return self.get(actor, reminder_id)

    def visible(self, actor: Actor) -> list[Reminder]:
        """Live reminders this member may read (their own, those they set up, all for an admin)."""
        rows = self.house.store.read("SELECT * FROM reminders WHERE next_fire IS NOT NULL ORDER BY next_fire")
        return [self._reminder(r) for r in self.house.readable(actor, "reminders", rows)]

    def get(self, actor: Actor, reminder_id: int) -> Reminder:
        rows = self.house.store.read(
            "SELECT * FROM reminders WHERE id = ? AND next_fire IS NOT NULL", (reminder_id,)
        )
        if not rows or not self.house.may(actor, "reminders", "read", rows[0]):
            raise NotFound("reminder.no_such_id")
        return self._reminder(rows[0])

    def delete(self, actor: Actor, reminder_id: int) -> Reminder:
        reminder = self.get(actor, reminder_id)
        row = {"member": reminder.member, "created_by": reminder.created_by}
        self.house.require(actor, "reminders", "change", row, subject=f"reminder.{reminder_id}")
        with self.house.store.transaction() as db:
            db.execute("UPDATE reminders SET next_fire = NULL WHERE id = ?", (reminder_id,))
        self.house.audit(actor, "reminders", "delete", f"reminder.{reminder_id}", "ok")
        return reminder

    def dump(self, actor: Actor) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.visible(actor)]
