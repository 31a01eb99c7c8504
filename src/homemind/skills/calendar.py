"""Calendar by voice: add, ask what is on a day, move, remove (``homemind.household.calendar`` keeps it)."""

from __future__ import annotations

import re
from dataclasses import replace

from homemind.core import i18n
from homemind.household.calendar import CalendarEvent
from homemind.household.text import clean_item
from homemind.household.when import describe, parse_day
from homemind.nlu.types import Slot
from homemind.skills.alarms import when_of
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

UPCOMING_DAYS = 7
# "加一个", "添加个", "记一个": a title follows, this is an event being added.
_ADDING = re.compile(r"(?:^|(?<=[点分钟早晚午天]))(?:加|添加|记|安排)(?:一|1)?个")

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
        "calendar.nothing_soon": {
            "en": "Nothing on the calendar in the next seven days.",
            "zh": "接下来七天没有安排。",
        },
        "calendar.coming_up": {"en": "Coming up: {events}.", "zh": "接下来的安排：{events}。"},
    }
)


def _event_words(request: IntentRequest, event: CalendarEvent) -> str:
    start = request.house.local(event.start_epoch)
    clock = f"{start.hour}:{start.minute:02d}"
    return f"{event.title} at {clock}" if request.language == "en" else f"{clock}{event.title}"


class AddEvent(IntentHandler):
    intent_type = "HomemindCalendarAdd"
    slots = {"event": "title and time, as said"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = request.match.text("event")
        if request.match.text("when"):
            # "明天下午三点加一个看牙医的日程": the time said before the title.
            glue = "" if request.language == "zh" else " "
            said = f"{request.match.text('when')}{glue}{said or ''}"
        if request.match.metadata.get("homemind") == "add_bare" and request.actor.text:
            said = request.actor.text.strip().removeprefix("add ").removeprefix("Add ")
        when, rest = when_of(request, said)
        rest = _ADDING.sub("", rest).strip() if request.language == "zh" else rest
        if not rest.strip():
            return request.reply(Status.NOT_UNDERSTOOD, "calendar.no_title")
        title = clean_item(rest)
        if when is None:
            return request.reply(Status.NOT_UNDERSTOOD, "calendar.no_time", title=title)
        event = house.calendar.add(request.actor, title, when.at)
        return request.reply(
            Status.DONE,
            "calendar.added",
            title=event.title,
            when=describe(when.at, house.now(), request.language),
        )


class QueryEvents(IntentHandler):
    intent_type = "HomemindCalendarQuery"
    slots = {"day": "which day, as said (today if not said)"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        now = house.now()
        said = request.match.text("day") or ""
        if request.language == "zh" and _ADDING.search(said):
            # "明天下午三点加一个看牙医的日程": adding an event, said before "的日程".
            match = replace(request.match, name=AddEvent.intent_type, slots={"event": Slot(said, said)})
            return await AddEvent().handle(replace(request, match=match))
        day = parse_day(said, request.language, now) or now.replace(hour=0, minute=0, second=0, microsecond=0)
        events = house.calendar.between(request.actor, day.timestamp(), day.timestamp() + 86400)
        day_words = said.strip() or request.t("calendar.today")
        if request.language == "en" and day_words.casefold() not in ("today", "tomorrow", "tonight"):
            day_words = f"on {day_words}"
        if not events:
            return request.reply(Status.ANSWERED, "calendar.nothing", day=day_words)
        words = [_event_words(request, e) for e in events]
        return request.reply(
            Status.ANSWERED, "calendar.on", day=day_words[:1].upper() + day_words[1:], events=words
        )


class UpcomingEvents(IntentHandler):
    """ "What's coming up", "这周有什么安排": the next seven days, soonest first."""

    intent_type = "HomemindCalendarUpcoming"

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        now = house.clock.now()
        events = house.calendar.between(request.actor, now, now + UPCOMING_DAYS * 86400)
        if not events:
            return request.reply(Status.ANSWERED, "calendar.nothing_soon")
        today = house.now()
        words = [
            f"{e.title} ({describe(house.local(e.start_epoch), today, request.language)})"
            if request.language == "en"
            else f"{describe(house.local(e.start_epoch), today, request.language)}{e.title}"
            for e in events
        ]
        return request.reply(Status.ANSWERED, "calendar.coming_up", events=words)


class MoveEvent(IntentHandler):
    intent_type = "HomemindCalendarMove"
    slots = {"event": "which event", "when": "the new time"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        title = (request.match.text("event") or "").strip()
        event = house.calendar.find(request.actor, title)
        if event is None:
            return request.reply(Status.ERROR, "calendar.no_such", title=title)
        when, _ = when_of(request, request.match.text("when"))
        if when is None:
            return request.reply(Status.NOT_UNDERSTOOD, "calendar.no_time", title=event.title)
        house.calendar.move(request.actor, event.id, when.at)
        return request.reply(
            Status.DONE,
            "calendar.moved",
            title=event.title,
            when=describe(when.at, house.now(), request.language),
        )


class RemoveEvent(IntentHandler):
    intent_type = "HomemindCalendarRemove"
    slots = {"event": "which event"}

    async def handle(self, request: IntentRequest) -> Reply:
        title = (request.match.text("event") or "").strip()
        event = request.house.calendar.find(request.actor, title)
        if event is None:
            return request.reply(Status.ERROR, "calendar.no_such", title=title)
        request.house.calendar.remove(request.actor, event.id)
        return request.reply(Status.DONE, "calendar.removed", title=event.title)


def register(registry: HandlerRegistry) -> None:
    for handler in (AddEvent(), QueryEvents(), UpcomingEvents(), MoveEvent(), RemoveEvent()):
        registry.register(handler)
