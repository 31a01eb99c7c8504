"""Alarms (one-off and repeating, snooze, list, delete) and reminders (for oneself or another member).

Both are rows with a ``next_fire`` the scheduler watches; a repeat is an RFC 5545
RRULE kept beside the first occurrence, so the next one is always computed from
the rule in the home's time zone (daylight saving included), never by adding 24 h.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from homemind.core import i18n
from homemind.core.model import Member
from homemind.core.services import ActionError
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status
from homemind.skills.household import Household, clean_item
from homemind.skills.when import When, describe, describe_repeat, describe_when, extract

SNOOZE_SECONDS = 9 * 60

i18n.register(
    {
        "time.impossible": {"en": "{time} is not a time of day.", "zh": "{time}不是一个有效的时间。"},
        "time.impossible_date": {"en": "{date} is not a date.", "zh": "{date}不是有效的日期。"},
        "time.in_past": {"en": "That time has already passed.", "zh": "那个时间已经过去了。"},
        "time.not_positive": {"en": "That is not a time to come.", "zh": "这不是将来的时间。"},
        "time.too_far": {"en": "That is more than a year away.", "zh": "那已经超过一年了。"},
        "alarm.no_time": {"en": "For what time?", "zh": "定几点的闹钟？"},
        "alarm.set": {"en": "Alarm set for {when}{repeat}.", "zh": "闹钟定好了：{repeat}{when}。"},
        "alarm.none": {"en": "You have no alarms.", "zh": "你没有闹钟。"},
        "alarm.list": {"en": "Your alarms: {alarms}.", "zh": "你的闹钟：{alarms}。"},
        "alarm.deleted": {"en": "Deleted the alarm for {when}.", "zh": "已删除{when}的闹钟。"},
        "alarm.deleted_all": {"en": "Deleted {count} alarms.", "zh": "已删除{count}个闹钟。"},
        "alarm.which": {
            "en": "You have several alarms: {alarms}. Which one?",
            "zh": "你有好几个闹钟：{alarms}。删哪一个？",
        },
        "alarm.no_such": {"en": "You have no alarm at {time}.", "zh": "你没有{time}的闹钟。"},
        "alarm.snoozed": {"en": "Snoozed for 9 minutes.", "zh": "好的，9分钟后再叫你。"},
        "alarm.nothing_to_snooze": {"en": "No alarm has gone off to snooze.", "zh": "现在没有在响的闹钟。"},
        "alarm.ringing": {"en": "Alarm: it's {time}.", "zh": "闹钟：现在{time}了。"},
        "reminder.no_time": {"en": "When should I remind {who}?", "zh": "什么时候提醒{who}？"},
        "reminder.no_task": {"en": "What should I remind {who} about?", "zh": "要提醒{who}什么？"},
        "reminder.set": {
            "en": "I'll remind {who} to {text} {when}{repeat}.",
            "zh": "好的，{repeat}{when}提醒{who}{text}。",
        },
        "reminder.you": {"en": "you", "zh": "你"},
        "reminder.none": {"en": "There are no reminders.", "zh": "没有提醒。"},
        "reminder.list": {"en": "Reminders: {items}.", "zh": "提醒：{items}。"},
        "reminder.deleted": {"en": "Deleted the reminder to {text}.", "zh": "已删除提醒：{text}。"},
        "reminder.no_such": {"en": "There is no reminder about {text}.", "zh": "没有关于{text}的提醒。"},
        "reminder.due": {"en": "Reminder: {text}", "zh": "提醒：{text}"},
    }
)


def when_of(request: IntentRequest, text: str | None) -> tuple[When | None, str]:
    now = request.house.now()
    when, rest = extract(text or "", request.language, now)
    if when is None and request.language == "en" and text and not text.lstrip().lower().startswith("at "):
        # "wake me up at {when}": the template took the "at", and a bare "7" or "seven
        # thirty" is a clock time only after it.
        again, rest_again = extract(f"at {text.strip()}", request.language, now)
        if again is not None:
            return again, rest_again
    return when, rest


def _repeat(recurrence: str | None, language: str) -> str:
    said = describe_repeat(recurrence, language)
    if not said:
        return ""
    return f", {said}" if language == "en" else said


def alarms_of(house: Household, member: str | None) -> list[dict[str, Any]]:
    return house.store.read(
        "SELECT * FROM alarms WHERE enabled = 1 AND next_fire IS NOT NULL AND (? IS NULL OR member = ?)"
        " ORDER BY next_fire",
        (member, member),
    )


def _alarm_words(house: Household, rows: list[dict[str, Any]], language: str) -> list[str]:
    now = house.now()
    return [
        describe(house.local(r["next_fire"]), now, language) + _repeat(r["recurrence"], language)
        for r in rows
    ]


class SetAlarm(IntentHandler):
    intent_type = "HomemindAlarmSet"
    slots = {"when": "the time, as said"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        try:
            when, _ = when_of(request, request.match.text("when"))
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        if when is None:
            return request.reply(Status.NOT_UNDERSTOOD, "alarm.no_time")
        with house.store.transaction() as db:
            db.execute(
                "INSERT INTO alarms (member, first, recurrence, next_fire, created) VALUES (?, ?, ?, ?, ?)",
                (
                    request.actor.member.id,
                    when.at.isoformat(),
                    when.recurrence,
                    when.at.timestamp(),
                    house.clock.now(),
                ),
            )
        return request.reply(
            Status.DONE,
            "alarm.set",
            when=describe_when(when.at, when.recurrence, house.now(), request.language),
            repeat=_repeat(when.recurrence, request.language),
        )


class ListAlarms(IntentHandler):
    intent_type = "HomemindAlarmList"

    async def handle(self, request: IntentRequest) -> Reply:
        rows = alarms_of(request.house, request.actor.member.id)
        if not rows:
            return request.reply(Status.ANSWERED, "alarm.none")
        return request.reply(
            Status.ANSWERED, "alarm.list", alarms=_alarm_words(request.house, rows, request.language)
        )


class DeleteAlarm(IntentHandler):
    intent_type = "HomemindAlarmDelete"
    slots = {"when": "which alarm, by its time", "all": "every alarm"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        rows = alarms_of(house, request.actor.member.id)
        if not rows:
            return request.reply(Status.ERROR, "alarm.none")
        if request.match.value("all"):
            with house.store.transaction() as db:
                for row in rows:
                    db.execute("UPDATE alarms SET enabled = 0, next_fire = NULL WHERE id = ?", (row["id"],))
            return request.reply(Status.DONE, "alarm.deleted_all", count=len(rows))
        said = request.match.text("when")
        chosen = rows
        if said:
            clock = _said_clock(said, request.language)
            if clock is not None:
                chosen = [r for r in rows if _hm(house.local(r["next_fire"])) in clock]
                if not chosen:
                    return request.reply(Status.ERROR, "alarm.no_such", time=said.strip())
        if len(chosen) > 1:
            words = _alarm_words(house, chosen, request.language)
            return request.reply(Status.NOT_UNDERSTOOD, "alarm.which", alarms=words)
        row = chosen[0]
        with house.store.transaction() as db:
            db.execute("UPDATE alarms SET enabled = 0, next_fire = NULL WHERE id = ?", (row["id"],))
        return request.reply(
            Status.DONE,
            "alarm.deleted",
            when=describe(house.local(row["next_fire"]), house.now(), request.language),
        )


def _hm(moment: datetime) -> tuple[int, int]:
    return moment.hour, moment.minute


def _said_clock(said: str, language: str) -> set[tuple[int, int]] | None:
    """The hour and minute "delete my 6:30 alarm" names (both halves of the day if it does not say)."""
    from homemind.skills.when import zh_digits

    text = zh_digits(said) if language == "zh" else said
    match = re.search(r"(\d{1,2})(?:[:点：](\d{1,2}))?\s*(am|pm)?", text, re.IGNORECASE)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").casefold()
    if meridiem == "pm" and hour < 12:
        return {(hour + 12, minute)}
    if meridiem == "am":
        return {(hour % 12, minute)}
    return {(hour % 24, minute), ((hour + 12) % 24, minute)}


class SnoozeAlarm(IntentHandler):
    intent_type = "HomemindAlarmSnooze"

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        now = house.clock.now()
        fired = house.store.read(
            "SELECT source_id FROM notifications WHERE kind = 'alarm' AND member = ? AND fired_at > ?"
            " ORDER BY id DESC LIMIT 1",
            (request.actor.member.id, now - 3600),
        )
        if not fired:
            return request.reply(Status.ERROR, "alarm.nothing_to_snooze")
        with house.store.transaction() as db:
            # A snooze is the alarm's next firing brought forward; the repeat resumes after it.
            db.execute(
                "UPDATE alarms SET next_fire = ?, enabled = 1 WHERE id = ?",
                (now + SNOOZE_SECONDS, int(fired[0]["source_id"])),
            )
        return request.reply(Status.DONE, "alarm.snoozed")


# --- reminders ----------------------------------------------------------------------

_EN_WHO = re.compile(r"^\s*(.+?)\s+(?:to|that|about)\s+(.*)$", re.IGNORECASE | re.DOTALL)


def _who_and_task(request: IntentRequest, text: str) -> tuple[Member, str]:
    """ "grandma to take her medicine" -> (Grandma, "take her medicine"); "奶奶吃药" -> (奶奶, "吃药")."""
    house, speaker = request.house, request.actor.member
    if request.language == "zh":
        names = sorted(
            ((n, m) for m in house.home.members.values() for n in m.names.all_for("zh")),
            key=lambda pair: -len(pair[0]),
        )
        stripped = text.strip()
        for prefix, member in (("我", speaker), ("自己", speaker), *names):
            if stripped.startswith(prefix):
                return member, stripped[len(prefix) :].lstrip("去要记得")
        return speaker, stripped
    match = _EN_WHO.match(text)
    if match is None:
        return speaker, text.strip()
    return house.member(match.group(1), speaker), match.group(2).strip()


class SetReminder(IntentHandler):
    intent_type = "HomemindReminderSet"
    slots = {"task": "who, what and when, as said"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        try:
            said = (request.match.text("task") or "") + (request.match.text("task2") or "")
            when, rest = when_of(request, said)
            member, task = _who_and_task(request, rest)
            who = request.t("reminder.you") if member == request.actor.member else member
            if when is None:
                return request.reply(Status.NOT_UNDERSTOOD, "reminder.no_time", who=who)
            if not task.strip():
                return request.reply(Status.NOT_UNDERSTOOD, "reminder.no_task", who=who)
            text = clean_item(task)
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        with house.store.transaction() as db:
            db.execute(
                "INSERT INTO reminders (member, created_by, text, first, recurrence, next_fire, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    member.id,
                    request.actor.member.id,
                    text,
                    when.at.isoformat(),
                    when.recurrence,
                    when.at.timestamp(),
                    house.clock.now(),
                ),
            )
        return request.reply(
            Status.DONE,
            "reminder.set",
            who=who,
            text=text,
            when=describe_when(when.at, when.recurrence, house.now(), request.language),
            repeat=_repeat(when.recurrence, request.language),
        )


def reminders_of(house: Household, member: str | None = None) -> list[dict[str, Any]]:
    return house.store.read(
        "SELECT * FROM reminders WHERE next_fire IS NOT NULL AND (? IS NULL OR member = ?)"
        " ORDER BY next_fire",
        (member, member),
    )


class ListReminders(IntentHandler):
    intent_type = "HomemindReminderList"

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        rows = house.readable(request.actor.member, reminders_of(house), "reminders")
        if not rows:
            return request.reply(Status.ANSWERED, "reminder.none")
        now = house.now()
        items = [
            f"{r['text']} ({describe(house.local(r['next_fire']), now, request.language)}"
            f"{_repeat(r['recurrence'], request.language)})"
            for r in rows
        ]
        return request.reply(Status.ANSWERED, "reminder.list", items=items)


class DeleteReminder(IntentHandler):
    intent_type = "HomemindReminderDelete"
    slots = {"task": "which reminder"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = (request.match.text("task") or "").strip()
        rows = house.readable(request.actor.member, reminders_of(house), "reminders")
        wanted = said.casefold().removeprefix("to ").strip()
        chosen = [
            r for r in rows if wanted and (wanted in r["text"].casefold() or r["text"].casefold() in wanted)
        ]
        if not chosen:
            return request.reply(Status.ERROR, "reminder.no_such", text=said or "?")
        with house.store.transaction() as db:
            db.execute("UPDATE reminders SET next_fire = NULL WHERE id = ?", (chosen[0]["id"],))
        return request.reply(Status.DONE, "reminder.deleted", text=chosen[0]["text"])


def dump_alarms(house: Household) -> list[dict[str, Any]]:
    rows = house.store.read("SELECT * FROM alarms WHERE next_fire IS NOT NULL OR enabled = 1 ORDER BY id")
    return [
        {
            "id": r["id"],
            "at": house.iso(r["next_fire"]),
            "recurrence": r["recurrence"],
            "enabled": bool(r["enabled"]),
        }
        for r in rows
    ]


def dump_reminders(house: Household) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "member": r["member"],
            "text": r["text"],
            "at": house.iso(r["next_fire"]),
            "recurrence": r["recurrence"],
        }
        for r in reminders_of(house)
    ]


def alarm_owner(house: Household, alarm_id: int) -> str | None:
    """Whose live alarm this is (None: no such alarm, or deleted); the API checks before deleting."""
    rows = house.store.read(
        "SELECT member FROM alarms WHERE id = ? AND (next_fire IS NOT NULL OR enabled = 1)", (alarm_id,)
    )
    return str(rows[0]["member"]) if rows else None


def reminder_owner(house: Household, reminder_id: int) -> str | None:
    rows = house.store.read(
        "SELECT member FROM reminders WHERE id = ? AND next_fire IS NOT NULL", (reminder_id,)
    )
    return str(rows[0]["member"]) if rows else None


def delete(house: Household, kind: str, row_id: int) -> None:
    """Delete an alarm or a reminder by id, as the conversation's delete does (it stops firing)."""
    with house.store.transaction() as db:
        if kind == "alarms":
            db.execute("UPDATE alarms SET enabled = 0, next_fire = NULL WHERE id = ?", (row_id,))
        else:
            db.execute("UPDATE reminders SET next_fire = NULL WHERE id = ?", (row_id,))


def next_fire_after(first: str, recurrence: str | None, now: datetime) -> float | None:
    """For the scheduler: the next occurrence strictly after now (None: a one-off that has fired)."""
    from homemind.skills.when import next_occurrence

    found = next_occurrence(datetime.fromisoformat(first), recurrence, now) if recurrence else None
    return None if found is None else found.timestamp()


def register(registry: HandlerRegistry) -> None:
    for handler in (
        SetAlarm(),
        ListAlarms(),
        DeleteAlarm(),
        SnoozeAlarm(),
        SetReminder(),
        ListReminders(),
        DeleteReminder(),
    ):
        registry.register(handler)
