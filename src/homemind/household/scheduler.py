"""The scheduler: fires timers, alarms and reminders that are due, each exactly once.

A firing is one transaction: the notification row is inserted and the source's
``next_fire`` moved on (or cleared) together, so a ``kill -9`` at any instant
leaves either both or neither. ``UNIQUE(kind, source_id, due)`` on notifications
makes a second process racing for the same firing a no-op. After downtime a
repeating alarm fires once, marked late, then moves to its next occurrence after
*now*: the missed ones in between are not replayed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homemind.core import i18n
from homemind.core.events import Event
from homemind.household.alarms import next_fire_after
from homemind.household.house import House
from homemind.household.notifications import NOTIFICATION, Notifications

log = logging.getLogger(__name__)

i18n.register(
    {
        "timer.done": {"en": "The {name}timer is done.", "zh": "{name}计时器时间到了。"},
        "alarm.ringing": {"en": "Alarm: it's {time}.", "zh": "闹钟：现在{time}了。"},
        "reminder.due": {"en": "Reminder: {text}", "zh": "提醒：{text}"},
    }
)

# A firing more than this late (the hub was down, or asleep) says so.
LATE_SECONDS = 60.0
TICK_SECONDS = 0.5


@dataclass(frozen=True)
class _Source:
    table: str
    kind: str


_SOURCES = (_Source("timers", "timer"), _Source("alarms", "alarm"), _Source("reminders", "reminder"))


class Scheduler:
    def __init__(
        self,
        house: House,
        notifications: Notifications,
        extra: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.house = house
        self.notifications = notifications
        self._extra = extra  # automations' time triggers, run on the same tick

    async def tick(self) -> list[dict[str, Any]]:
        """Fire everything due now; returns the notifications created (already committed)."""
        now = self.house.clock.now()
        fired: list[dict[str, Any]] = []
        for source in _SOURCES:
            rows = self.house.store.read(
                f"SELECT * FROM {source.table} WHERE next_fire IS NOT NULL AND next_fire <= ?"
                " ORDER BY next_fire",
                (now,),
            )
            for row in rows:
                note = self._fire(source, row, now)
                if note is not None:
                    fired.append(note)
        for note in fired:
            self.house.bus.publish(Event(NOTIFICATION, note))
        if self._extra is not None:
            await self._extra(now)
        return fired

    def _fire(self, source: _Source, row: dict[str, Any], now: float) -> dict[str, Any] | None:
        house = self.house
        due = float(row["next_fire"])
        late = now - due > LATE_SECONDS
        message, params, update = self._what(source, row, now)
        with house.store.transaction() as db:
            current = db.execute(
                f"SELECT next_fire FROM {source.table} WHERE id = ?", (row["id"],)
            ).fetchone()
            if current is None or current[0] != row["next_fire"]:
                return None  # changed (cancelled, snoozed, fired by another process) since we read it
            member = row["member"]
            inserted = self.notifications.add(
                db, member, source.kind, str(row["id"]), due, late, message, params
            )
            sql, values = update
            db.execute(sql, values)
            if not inserted:
                return None
            note_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        note = house.store.read("SELECT * FROM notifications WHERE id = ?", (note_id,))
        return self.notifications.render(note[0], house.language_of(member)).as_dict() if note else None

    def _what(
        self, source: _Source, row: dict[str, Any], now: float
    ) -> tuple[str, dict[str, Any], tuple[str, tuple[Any, ...]]]:
        house = self.house
        if source.kind == "timer":
            name = row["name"] or ""
            # Both languages: the notification is read in whoever reads it's, names included.
            params = {"name": {"en": f"{name} " if name else "", "zh": name}}
            return (
                "timer.done",
                params,
                (
                    "UPDATE timers SET state = 'finished', next_fire = NULL, remaining_s = 0 WHERE id = ?",
                    (row["id"],),
                ),
            )
        upcoming = next_fire_after(row["first"], row["recurrence"], house.local(now))
        if source.kind == "alarm":
            at = house.local(float(row["next_fire"]))
            sql = "UPDATE alarms SET next_fire = ?, enabled = ? WHERE id = ?"
            return (
                "alarm.ringing",
                {"time": f"{at.hour}:{at.minute:02d}"},
                (sql, (upcoming, 1 if upcoming is not None else 0, row["id"])),
            )
        return (
            "reminder.due",
            {"text": row["text"]},
            ("UPDATE reminders SET next_fire = ? WHERE id = ?", (upcoming, row["id"])),
        )

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Tick until cancelled (the server runs this for its lifetime)."""
        while stop is None or not stop.is_set():
            try:
                await self.tick()
            except Exception:  # one bad row must not stop every alarm after it
                log.exception("scheduler tick failed")
            await asyncio.sleep(TICK_SECONDS)
