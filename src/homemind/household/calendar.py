"""The calendar: events per member, added, found, moved, removed; iCalendar export.

Events are private by default (the policy's household table): a member reads and
changes their own and those they set up; an admin everyone's.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from homemind.core import i18n
from homemind.household.errors import NotFound
from homemind.household.house import House
from homemind.household.text import clean_item
from homemind.policy import Actor

DEFAULT_MINUTES = 60

i18n.register({"calendar.no_such_id": {"en": "There is no such event.", "zh": "没有这个日程。"}})


@dataclass(frozen=True)
class CalendarEvent:
    id: int
    member: str
    created_by: str
    title: str
    start_epoch: float
    end_epoch: float
    start: str | None
    end: str | None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.endswith("_epoch")}


class Calendar:
    def __init__(self, house: House) -> None:
        self.house = house

    def _event(self, row: dict[str, Any]) -> CalendarEvent:
        return CalendarEvent(
            id=int(row["id"]),
            member=str(row["member"]),
            created_by=str(row["created_by"] or row["member"]),
            title=str(row["title"]),
            start_epoch=float(row["start"]),
            end_epoch=float(row["end"]),
            start=self.house.iso(row["start"]),
            end=self.house.iso(row["end"]),
        )

    def _readable(self, actor: Actor, sql: str, params: tuple[Any, ...] = ()) -> list[CalendarEvent]:
        rows = self.house.store.read(sql, params)
        return [self._event(r) for r in self.house.readable(actor, "calendar", rows)]

    def add(self, actor: Actor, title: str, start: datetime, minutes: int = DEFAULT_MINUTES) -> CalendarEvent:
        self.house.require(actor, "calendar", "add", subject="calendar")
        text = clean_item(title)
        begin = start.timestamp()
        with self.house.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO calendar_events (member, title, start, end, created_by, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (actor.member.id, text, begin, begin + minutes * 60, actor.member.id, self.house.clock.now()),
            )
            event_id = int(cursor.lastrowid or 0)
        self.house.audit(actor, "calendar", "add", f"event.{event_id}", "ok", title=text)
        return self.get(actor, event_id)

    def get(self, actor: Actor, event_id: int) -> CalendarEvent:
        found = self._readable(actor, "SELECT * FROM calendar_events WHERE id = ?", (event_id,))
        if not found:
            raise NotFound("calendar.no_such_id")
        return found[0]

    def between(self, actor: Actor, start: float, end: float) -> list[CalendarEvent]:
        """Events this member may read that overlap [start, end), by start time."""
        sql = "SELECT * FROM calendar_events WHERE start < ? AND end > ? ORDER BY start"
        return self._readable(actor, sql, (end, start))

    def upcoming(self, actor: Actor) -> list[CalendarEvent]:
        sql = "SELECT * FROM calendar_events WHERE end >= ? ORDER BY start"
        return self._readable(actor, sql, (self.house.clock.now(),))

    def find(self, actor: Actor, title: str) -> CalendarEvent | None:
        """The first upcoming event this member may see whose title matches what was said."""
        wanted = " ".join(title.casefold().split()).removeprefix("the ").removeprefix("my ")
        for event in self.upcoming(actor):
            have = event.title.casefold()
            if wanted and (wanted == have or wanted in have or have in wanted):
                return event
        return None

    def _require_change(self, actor: Actor, event: CalendarEvent) -> None:
        row = {"member": event.member, "created_by": event.created_by}
        self.house.require(actor, "calendar", "change", row, subject=f"event.{event.id}")

    def move(self, actor: Actor, event_id: int, start: datetime) -> CalendarEvent:
        event = self.get(actor, event_id)
        self._require_change(actor, event)
        length = event.end_epoch - event.start_epoch
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE calendar_events SET start = ?, end = ? WHERE id = ?",
                (start.timestamp(), start.timestamp() + length, event_id),
            )
        self.house.audit(actor, "calendar", "move", f"event.{event_id}", "ok", start=start.isoformat())
        return self.get(actor, event_id)

    def remove(self, actor: Actor, event_id: int) -> CalendarEvent:
        event = self.get(actor, event_id)
        self._require_change(actor, event)
        with self.house.store.transaction() as db:
            db.execute("DELETE FROM calendar_events WHERE id = ?", (event_id,))
        self.house.audit(actor, "calendar", "remove", f"event.{event_id}", "ok")
        return event

    def dump(self, actor: Actor) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self._readable(actor, "SELECT * FROM calendar_events ORDER BY start")]

    def to_ical(self, actor: Actor, member: str | None = None) -> bytes:
        """The events this member may read (one member's, or all of them) as an RFC 5545 file."""
        from icalendar import Calendar as ICalendar
        from icalendar import Event as IEvent

        if member is not None and member != actor.member.id:
            self.house.require(actor, "calendar", "read", {"member": member}, subject=f"member.{member}")
        cal = ICalendar()
        cal.add("prodid", "-//homemind//household calendar//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-timezone", self.house.home.timezone)
        rows = self.house.store.read(
            "SELECT * FROM calendar_events WHERE (? IS NULL OR member = ?) ORDER BY start", (member, member)
        )
        for row in self.house.readable(actor, "calendar", rows):
            item = IEvent()
            item.add("uid", f"{row['id']}-{uuid.uuid5(uuid.NAMESPACE_URL, self.house.home.name)}@homemind")
            item.add("summary", row["title"])
            item.add("dtstart", self.house.local(row["start"]))
            item.add("dtend", self.house.local(row["end"]))
            item.add("dtstamp", datetime.fromtimestamp(row["created"], self.house.tz))
            item.add("x-homemind-member", row["member"])
            cal.add_component(item)
        cal.add_missing_timezones()  # a VTIMEZONE for every TZID used, as RFC 5545 requires
        data: bytes = cal.to_ical()
        return data
