"""Timers: start (optionally named), cancel, pause, resume, add or take off time, time left.

Home Assistant's timer intents (HassStartTimer, HassCancelTimer, ...) by name, so
its sentences work; homemind adds its own with a free {duration} so that "-5
minutes" or "1000 hours" reach the handler and get a clear answer, not "not understood".
"""

from __future__ import annotations

import re
from typing import ClassVar

from homemind.core import i18n
from homemind.household.errors import Invalid
from homemind.household.timers import MAX_TIMER_SECONDS, Timer
from homemind.household.when import parse_duration, say_duration
from homemind.skills.asking import Ask, Choice
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

i18n.register(
    {
        "timer.started": {
            "en": "Started the {name}timer for {duration}.",
            "zh": "已开始{name}计时{duration}。",
        },
        "timer.bad_duration": {
            "en": "A timer needs a length between 1 second and 24 hours; {duration} won't do.",
            "zh": "计时器的时长要在1秒到24小时之间，{duration}不行。",
        },
        "timer.no_duration": {"en": "For how long?", "zh": "要计时多久？"},
        "timer.none": {"en": "There are no timers running.", "zh": "现在没有计时器。"},
        "timer.which": {
            "en": "There are several timers: {names}. Which one?",
            "zh": "有好几个计时器：{names}。要哪一个？",
        },
        "timer.no_such": {"en": "There is no {name} timer.", "zh": "没有叫{name}的计时器。"},
        "timer.cancelled": {"en": "Cancelled the {name}timer.", "zh": "已取消{name}计时器。"},
        "timer.cancelled_all": {
            "en": "Cancelled {count} timers.",
            "en_one": "Cancelled {count} timer.",
            "zh": "已取消{count}个计时器。",
        },
        "timer.paused": {"en": "Paused the {name}timer.", "zh": "已暂停{name}计时器。"},
        "timer.resumed": {"en": "Resumed the {name}timer.", "zh": "{name}计时器继续计时。"},
        "timer.already_paused": {
            "en": "The {name}timer is already paused.",
            "zh": "{name}计时器已经暂停了。",
        },
        "timer.not_paused": {"en": "The {name}timer is not paused.", "zh": "{name}计时器没有暂停。"},
        "timer.changed": {
            "en": "The {name}timer now has {remaining} left.",
            "zh": "{name}计时器还剩{remaining}。",
        },
        "timer.left": {
            "en": "{name}timer: {remaining} left{paused}",
            "zh": "{name}计时器：还剩{remaining}{paused}",
        },
        "timer.paused_mark": {"en": " (paused)", "zh": "（已暂停）"},
    }
)


def _label(name: str | None, language: str) -> str:
    if not name:
        return ""
    return f"{name} " if language == "en" else name


def _duration(request: IntentRequest) -> float | None:
    match = request.match
    said = match.text("duration")
    if said:
        seconds = parse_duration(said, request.language)
        if seconds is None:
            raise Invalid("timer.bad_duration", duration=said)
        return seconds
    total = 0.0
    found = False
    for slot, unit in (("hours", 3600), ("minutes", 60), ("seconds", 1)):
        value = match.value(slot)
        if value is not None:
            total += float(value) * unit
            found = True
    return total if found else None


def _pick(request: IntentRequest) -> Timer | Reply:
    timers = request.house.timers.active(request.actor)
    if not timers:
        return request.reply(Status.ERROR, "timer.none")
    chosen_id = request.match.value("timer_id")
    if chosen_id is not None:
        # The answer to "which one?": the timer it picked, if it is still going.
        picked = [t for t in timers if str(t.id) == str(chosen_id)]
        return picked[0] if picked else request.reply(Status.ERROR, "timer.none")
    name = request.match.text("timer_label") or request.match.text("name")
    if name:
        wanted = name.casefold().strip()
        chosen = [t for t in timers if (t.name or "").casefold() == wanted]
        if not chosen:
            return request.reply(Status.ERROR, "timer.no_such", name=name)
        return chosen[-1]
    if len(timers) > 1:
        names = [t.name or say_duration(t.duration_s, request.language) for t in timers]
        reply = request.reply(Status.NOT_UNDERSTOOD, "timer.which", names=names)
        reply.ask = Ask("which", "timer_id", tuple(_choice(t) for t in timers))
        return reply
    return timers[0]


def _choice(timer: Timer) -> Choice:
    """A running timer as a choice: by its name, or by its length ("the ten minute one")."""
    words = [timer.name] if timer.name else []
    words += [say_duration(timer.duration_s, lang) for lang in ("en", "zh")]
    return Choice(str(timer.id), tuple(words))


class StartTimer(IntentHandler):
    intent_type = "HassStartTimer"
    slots = {"duration": "how long, as said", "timer_label": "an optional name ('pasta')"}

    async def handle(self, request: IntentRequest) -> Reply:
        seconds = _duration(request)
        if seconds is None:
            return request.reply(Status.NOT_UNDERSTOOD, "timer.no_duration")
        if not 1 <= seconds <= MAX_TIMER_SECONDS:
            said = request.match.text("duration") or say_duration(abs(seconds), request.language)
            return request.reply(Status.ERROR, "timer.bad_duration", duration=said)
        label = request.match.text("timer_label") or request.match.text("name")
        if label and request.language == "zh":
            label = re.sub(r"^(?:一个|1个|个)", "", label)  # "定一个意面计时器": the timer is 意面
        timer = request.house.timers.start(request.actor, seconds, label)
        reply = request.reply(
            Status.DONE,
            "timer.started",
            name=_label(timer.name, request.language),
            duration=say_duration(seconds, request.language),
        )
        reply.made = {"timer_id": timer.id}  # "make it ten minutes", "undo that"
        return reply


class CancelTimer(IntentHandler):
    intent_type = "HassCancelTimer"
    slots = {"timer_label": "which timer"}

    async def handle(self, request: IntentRequest) -> Reply:
        timer = _pick(request)
        if isinstance(timer, Reply):
            return timer
        request.house.timers.cancel(request.actor, timer.id)
        return request.reply(Status.DONE, "timer.cancelled", name=_label(timer.name, request.language))


class CancelAllTimers(IntentHandler):
    intent_type = "HassCancelAllTimers"

    async def handle(self, request: IntentRequest) -> Reply:
        cancelled = request.house.timers.cancel_all(request.actor)
        if not cancelled:
            return request.reply(Status.ERROR, "timer.none")
        return request.reply(Status.DONE, "timer.cancelled_all", count=len(cancelled))


class PauseTimer(IntentHandler):
    intent_type = "HassPauseTimer"
    slots = {"timer_label": "which timer"}

    async def handle(self, request: IntentRequest) -> Reply:
        timer = _pick(request)
        if isinstance(timer, Reply):
            return timer
        name = _label(timer.name, request.language)
        _, changed = request.house.timers.pause(request.actor, timer.id)
        if not changed:
            return request.reply(Status.ANSWERED, "timer.already_paused", name=name)
        return request.reply(Status.DONE, "timer.paused", name=name)


class UnpauseTimer(IntentHandler):
    intent_type = "HassUnpauseTimer"
    slots = {"timer_label": "which timer"}

    async def handle(self, request: IntentRequest) -> Reply:
        timer = _pick(request)
        if isinstance(timer, Reply):
            return timer
        name = _label(timer.name, request.language)
        _, changed = request.house.timers.resume(request.actor, timer.id)
        if not changed:
            return request.reply(Status.ANSWERED, "timer.not_paused", name=name)
        return request.reply(Status.DONE, "timer.resumed", name=name)


class _ChangeTimer(IntentHandler):
    sign: ClassVar[int]
    slots = {"duration": "how much", "timer_label": "which timer"}

    async def handle(self, request: IntentRequest) -> Reply:
        timer = _pick(request)
        if isinstance(timer, Reply):
            return timer
        seconds = _duration(request)
        if seconds is None or seconds <= 0:
            return request.reply(Status.NOT_UNDERSTOOD, "timer.no_duration")
        left = timer.remaining_s + self.sign * seconds
        if not 1 <= left <= MAX_TIMER_SECONDS:
            return request.reply(
                Status.ERROR, "timer.bad_duration", duration=say_duration(max(left, 0), request.language)
            )
        request.house.timers.set_remaining(request.actor, timer.id, left)
        return request.reply(
            Status.DONE,
            "timer.changed",
            name=_label(timer.name, request.language),
            remaining=say_duration(left, request.language),
        )


class SetTimer(IntentHandler):
    """ "Make it ten minutes" after a timer, "set the pasta timer to 5 minutes": time left, said anew."""

    intent_type = "HomemindTimerSet"
    slots = {"duration": "how long", "timer_label": "which timer", "timer_id": "which timer (a follow-up)"}

    async def handle(self, request: IntentRequest) -> Reply:
        timer = _pick(request)
        if isinstance(timer, Reply):
            return timer
        seconds = _duration(request)
        if seconds is None or not 1 <= seconds <= MAX_TIMER_SECONDS:
            said = request.match.text("duration") or "?"
            return request.reply(Status.ERROR, "timer.bad_duration", duration=said)
        request.house.timers.set_remaining(request.actor, timer.id, seconds)
        name, left = _label(timer.name, request.language), say_duration(seconds, request.language)
        reply = request.reply(Status.DONE, "timer.changed", name=name, remaining=left)
        reply.made = {"timer_id": timer.id}
        return reply


class IncreaseTimer(_ChangeTimer):
    intent_type = "HassIncreaseTimer"
    sign = 1


class DecreaseTimer(_ChangeTimer):
    intent_type = "HassDecreaseTimer"
    sign = -1


class TimerStatus(IntentHandler):
    intent_type = "HassTimerStatus"

    async def handle(self, request: IntentRequest) -> Reply:
        timers = request.house.timers.active(request.actor)
        if not timers:
            return request.reply(Status.ANSWERED, "timer.none")
        lines = [
            request.t(
                "timer.left",
                name=_label(t.name, request.language),
                remaining=say_duration(t.remaining_s, request.language),
                paused=request.t("timer.paused_mark") if t.state == "paused" else "",
            )
            for t in timers
        ]
        return Reply(Status.ANSWERED, ("; " if request.language == "en" else "；").join(lines) + ".")


def register(registry: HandlerRegistry) -> None:
    for handler in (
        SetTimer(),
        StartTimer(),
        CancelTimer(),
        CancelAllTimers(),
        PauseTimer(),
        UnpauseTimer(),
        IncreaseTimer(),
        DecreaseTimer(),
        TimerStatus(),
    ):
        registry.register(handler)
