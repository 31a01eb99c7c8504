"""Alarms (one-off and repeating, snooze, list, delete) and reminders (for oneself or another member).

Both are rows with a ``next_fire`` the scheduler watches; a repeat is an RFC 5545
RRULE kept beside the first occurrence, so the next one is always computed from
the rule in the home's time zone (daylight saving included), never by adding 24 h.
"""

from __future__ import annotations

import re
from datetime import datetime

from homemind.core import i18n
from homemind.core.model import Member
from homemind.household.alarms import Alarm
from homemind.household.when import When, describe, describe_repeat, describe_when, extract, zh_digits
from homemind.skills.asking import Ask, Choice
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

i18n.register(
    {
        "alarm.no_time": {"en": "For what time?", "zh": "定几点的闹钟？"},
        "alarm.set": {"en": "Alarm set {when}{repeat}.", "zh": "闹钟定好了：{repeat}{when}。"},
        "alarm.none": {"en": "You have no alarms.", "zh": "你没有闹钟。"},
        "alarm.list": {"en": "Your alarms: {alarms}.", "zh": "你的闹钟：{alarms}。"},
        "alarm.deleted": {"en": "Deleted the alarm for {when}.", "zh": "已删除{when}的闹钟。"},
        "alarm.deleted_all": {
            "en": "Deleted {count} alarms.",
            "en_one": "Deleted {count} alarm.",
            "zh": "已删除{count}个闹钟。",
        },
        "alarm.which": {
            "en": "You have several alarms: {alarms}. Which one?",
            "zh": "你有好几个闹钟：{alarms}。删哪一个？",
        },
        "alarm.no_such": {"en": "You have no alarm at {time}.", "zh": "你没有{time}的闹钟。"},
        "alarm.stopped": {"en": "Alarm off.", "zh": "闹钟已关。"},
        "alarm.snoozed": {"en": "Snoozed for 9 minutes.", "zh": "好的，9分钟后再叫你。"},
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
    }
)


def when_of(request: IntentRequest, text: str | None) -> tuple[When | None, str]:
    """The time said in ``text`` and the rest of it (raises ``WhenError`` for an impossible time)."""
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


def _alarm_words(request: IntentRequest, alarms: list[Alarm]) -> list[str]:
    house, language = request.house, request.language
    now = house.now()
    return [
        describe(house.local(a.next_fire or 0), now, language) + _repeat(a.recurrence, language)
        for a in alarms
    ]


class SetAlarm(IntentHandler):
    intent_type = "HomemindAlarmSet"
    slots = {"when": "the time, as said"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        when, _ = when_of(request, request.match.text("when"))
        if when is None:
            return request.reply(Status.NOT_UNDERSTOOD, "alarm.no_time")
        house.alarms.set(request.actor, when)
        return request.reply(
            Status.DONE,
            "alarm.set",
            when=describe_when(when.at, when.recurrence, house.now(), request.language),
            repeat=_repeat(when.recurrence, request.language),
        )


class ListAlarms(IntentHandler):
    intent_type = "HomemindAlarmList"

    async def handle(self, request: IntentRequest) -> Reply:
        alarms = request.house.alarms.mine(request.actor)
        if not alarms:
            return request.reply(Status.ANSWERED, "alarm.none")
        return request.reply(Status.ANSWERED, "alarm.list", alarms=_alarm_words(request, alarms))


class DeleteAlarm(IntentHandler):
    intent_type = "HomemindAlarmDelete"
    slots = {"when": "which alarm, by its time", "all": "every alarm"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        if not request.match.text("when") and not request.match.value("all"):
            stopped = stop_ringing(request)  # "关掉闹钟" while it rings: stop it, keep the alarm
            if stopped is not None:
                return stopped
        alarms = house.alarms.mine(request.actor)
        if not alarms:
            return request.reply(Status.ERROR, "alarm.none")
        if request.match.value("all"):
            for alarm in alarms:
                house.alarms.delete(request.actor, alarm.id)
            return request.reply(Status.DONE, "alarm.deleted_all", count=len(alarms))
        said = request.match.text("when")
        chosen = alarms
        if request.match.value("alarm_id") is not None:
            chosen = [a for a in alarms if str(a.id) == str(request.match.value("alarm_id"))]
            if not chosen:
                return request.reply(Status.ERROR, "alarm.none")
        elif said:
            clock = _said_clock(said, request.language)
            if clock is not None:
                chosen = [a for a in alarms if _hm(house.local(a.next_fire or 0)) in clock]
                if not chosen:
                    return request.reply(Status.ERROR, "alarm.no_such", time=said.strip())
        if len(chosen) > 1:
            reply = request.reply(Status.NOT_UNDERSTOOD, "alarm.which", alarms=_alarm_words(request, chosen))
            reply.ask = Ask("which", "alarm_id", tuple(_alarm_choice(request, a) for a in chosen))
            return reply
        alarm = house.alarms.delete(request.actor, chosen[0].id)
        return request.reply(
            Status.DONE,
            "alarm.deleted",
            when=describe(house.local(alarm.next_fire or 0), house.now(), request.language),
        )


def _hm(moment: datetime) -> tuple[int, int]:
    return moment.hour, moment.minute


def _said_clock(said: str, language: str) -> set[tuple[int, int]] | None:
    """The hour and minute "delete my 6:30 alarm" names (both halves of the day if it does not say)."""
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


def _alarm_choice(request: IntentRequest, alarm: Alarm) -> Choice:
    house = request.house
    at = house.local(alarm.next_fire or 0)
    words = [describe(at, house.now(), lang) for lang in ("en", "zh")]
    return Choice(str(alarm.id), (*words, f"{at.hour}:{at.minute:02d}"))


_STOP_WORDS = re.compile(r"\b(turn|switch|shut)\b.*\boff\b|\bstop\b|\bsilence\b|关掉|关了|关上|停|别响", re.I)


def stop_ringing(request: IntentRequest) -> Reply | None:
    """ "Turn off the alarm" while an alarm clock rings stops it (never the security system's disarm)."""
    if request.household is None or not _STOP_WORDS.search(request.actor.text or ""):
        return None
    if request.house.alarms.stop_ringing(request.actor) is None:
        return None
    return request.reply(Status.DONE, "alarm.stopped")


class SnoozeAlarm(IntentHandler):
    intent_type = "HomemindAlarmSnooze"

    async def handle(self, request: IntentRequest) -> Reply:
        request.house.alarms.snooze(request.actor)
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
        said = (request.match.text("task") or "") + (request.match.text("task2") or "")
        when, rest = when_of(request, said)
        member, task = _who_and_task(request, rest)
        who = request.t("reminder.you") if member == request.actor.member else member
        if when is None:
            return request.reply(Status.NOT_UNDERSTOOD, "reminder.no_time", who=who)
        if not task.strip():
            return request.reply(Status.NOT_UNDERSTOOD, "reminder.no_task", who=who)
        reminder = house.reminders.set(request.actor, member, task, when)
        return request.reply(
            Status.DONE,
            "reminder.set",
            who=who,
            text=reminder.text,
            when=describe_when(when.at, when.recurrence, house.now(), request.language),
            repeat=_repeat(when.recurrence, request.language),
        )


class ListReminders(IntentHandler):
    intent_type = "HomemindReminderList"

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        reminders = house.reminders.visible(request.actor)
        if not reminders:
            return request.reply(Status.ANSWERED, "reminder.none")
        now = house.now()
        items = [
            f"{r.text} ({describe(house.local(r.next_fire or 0), now, request.language)}"
            f"{_repeat(r.recurrence, request.language)})"
            for r in reminders
        ]
        return request.reply(Status.ANSWERED, "reminder.list", items=items)


class DeleteReminder(IntentHandler):
    intent_type = "HomemindReminderDelete"
    slots = {"task": "which reminder"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = (request.match.text("task") or "").strip()
        wanted = said.casefold().removeprefix("to ").strip()
        chosen = [
            r
            for r in house.reminders.visible(request.actor)
            if wanted and (wanted in r.text.casefold() or r.text.casefold() in wanted)
        ]
        if not chosen:
            return request.reply(Status.ERROR, "reminder.no_such", text=said or "?")
        reminder = house.reminders.delete(request.actor, chosen[0].id)
        return request.reply(Status.DONE, "reminder.deleted", text=reminder.text)


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
