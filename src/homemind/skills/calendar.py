"""Calendar: add, ask what is on a day, move, remove; per member; iCalendar export (the icalendar package)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from icalendar import Calendar, Event

from homemind.core import i18n
from homemind.core.model import Member
from homemind.core.services import ActionError
from homemind.skills.alarms import when_of
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status
from homemind.skills.household import Household, clean_item
from homemind.skills.when import describe, parse_day

DEFAULT_MINUTES = 60

i18n.register(
    {
        "calendar.no_time": {"en": "When is {title}?", "zh": "{title}是什么时候？"},
        "calendar.no_title": {"en": "What should I put in the calendar?", "zh": "要在日历上记什么？"},
        "calendar.added": {
            "en": "Added {title} to the calendar, {when}.",
            "zh": "已把{title}加到日历：{when}。",
        },
        "calendar.nothing": {"en": "Nothing on the calendar {day}.", "zh": "{day}没有安排。"},
        "calendar.on": {"en": "{day}: {events}.", "zh": "{day}的安排：{events}。"},
        "calendar.no_such": {
            "en": "There is nothing called {title} on the calendar.",
            "zh": "日历上没有{title}。",
        },
        "calendar.moved": {"en": "Moved {title} to {when}.", "zh": "已把{title}改到{when}。"},
        "calendar.removed": {"en": "Removed {title} from the calendar.", "zh": "已从日历删除{title}。"},
        "calendar.today": {"en": "today", "zh": "今天"},
    }
)


def _event_words(house: Household, row: dict[str, Any], language: str) -> str:
    start = house.local(row["start"])
    clock = f"{start.hour}:{start.minute:02d}"
    return f"{row['title']} at {clock}" if language == "en" else f"{clock}{row['title']}"


def _find_event(house: Household, title: str, reader: Member) -> dict[str, Any] | None:
    wanted = " ".join(title.casefold().split()).removeprefix("the ").removeprefix("my ")
    rows = house.store.read(
        "SELECT * FROM calendar_events WHERE end >= ? ORDER BY start", (house.clock.now(),)
    )
    rows = house.readable(reader, rows, "calendar")  # nobody moves what they may not see
    for row in rows:
        have = row["title"].casefold()
        if wanted and (wanted == have or wanted in have or have in wanted):
            return row
    return None


class AddEvent(IntentHandler):
    intent_type = "HomemindCalendarAdd"
    slots = {"event": "title and time, as said"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        try:
            when, rest = when_of(request, request.match.text("event"))
            if not rest.strip():
                return request.reply(Status.NOT_UNDERSTOOD, "calendar.no_title")
            title = clean_item(rest)
            if when is None:
                return request.reply(Status.NOT_UNDERSTOOD, "calendar.no_time", title=title)
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        start = when.at.timestamp()
        with house.store.transaction() as db:
            db.execute(
                "INSERT INTO calendar_events (member, title, start, end, created_by, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    request.actor.member.id,
                    title,
                    start,
                    start + DEFAULT_MINUTES * 60,
                    request.actor.member.id,
                    house.clock.now(),
                ),
            )
        return request.reply(
            Status.DONE, "calendar.added", title=title, when=describe(when.at, house.now(), request.language)
        )


class QueryEvents(IntentHandler):
    intent_type = "HomemindCalendarQuery"
    slots = {"day": "which day, as said (today if not said)"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        now = house.now()
        said = request.match.text("day") or ""
        day = parse_day(said, request.language, now) or now.replace(hour=0, minute=0, second=0, microsecond=0)
        rows = house.store.read(
            "SELECT * FROM calendar_events WHERE start < ? AND end > ? ORDER BY start",
            (day.timestamp() + 86400, day.timestamp()),
        )
        rows = house.readable(request.actor.member, rows, "calendar")
        day_words = said.strip() or request.t("calendar.today")
        if request.language == "en" and day_words.casefold() not in ("today", "tomorrow", "tonight"):
            day_words = f"on {day_words}"
        if not rows:
            return request.reply(Status.ANSWERED, "calendar.nothing", day=day_words)
        events = [_event_words(house, r, request.language) for r in rows]
        return request.reply(
            Status.ANSWERED, "calendar.on", day=day_words[:1].upper() + day_words[1:], events=events
        )


class MoveEvent(IntentHandler):
    intent_type = "HomemindCalendarMove"
    slots = {"event": "which event", "when": "the new time"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        title = (request.match.text("event") or "").strip()
        row = _find_event(house, title, request.actor.member)
        if row is None:
            return request.reply(Status.ERROR, "calendar.no_such", title=title)
        try:
            when, _ = when_of(request, request.match.text("when"))
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        if when is None:
            return request.reply(Status.NOT_UNDERSTOOD, "calendar.no_time", title=row["title"])
        length = float(row["end"]) - float(row["start"])
        with house.store.transaction() as db:
            db.execute(
                "UPDATE calendar_events SET start = ?, end = ? WHERE id = ?",
                (when.at.timestamp(), when.at.timestamp() + length, row["id"]),
            )
        return request.reply(
            Status.DONE,
            "calendar.moved",
            title=row["title"],
            when=describe(when.at, house.now(), request.language),
        )


class RemoveEvent(IntentHandler):
    intent_type = "HomemindCalendarRemove"
    slots = {"event": "which event"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        title = (request.match.text("event") or "").strip()
        row = _find_event(house, title, request.actor.member)
        if row is None:
            return request.reply(Status.ERROR, "calendar.no_such", title=title)
        with house.store.transaction() as db:
            db.execute("DELETE FROM calendar_events WHERE id = ?", (row["id"],))
        return request.reply(Status.DONE, "calendar.removed", title=row["title"])


def dump(house: Household) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "start": house.iso(r["start"]),
            "end": house.iso(r["end"]),
            "member": r["member"],
        }
        for r in house.store.read("SELECT * FROM calendar_events ORDER BY start")
    ]


def to_ical(house: Household, member: str | None = None) -> bytes:
    """The calendar (one member's, or everyone's) as an RFC 5545 file any calendar app imports."""
    cal = Calendar()
    cal.add("prodid", "-//homemind//household calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-timezone", house.home.timezone)
    rows = house.store.read(
        "SELECT * FROM calendar_events WHERE (? IS NULL OR member = ?) ORDER BY start", (member, member)
    )
    for row in rows:
        event = Event()
        event.add("uid", f"{row['id']}-{uuid.uuid5(uuid.NAMESPACE_URL, house.home.name)}@homemind")
        event.add("summary", row["title"])
        event.add("dtstart", house.local(row["start"]))
        event.add("dtend", house.local(row["end"]))
        event.add("dtstamp", datetime.fromtimestamp(row["created"], house.tz))
        event.add("x-homemind-member", row["member"])
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def register(registry: HandlerRegistry) -> None:
    for handler in (AddEvent(), QueryEvents(), MoveEvent(), RemoveEvent()):
        registry.register(handler)
