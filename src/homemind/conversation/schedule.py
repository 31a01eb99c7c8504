"""A device command with a time or a condition becomes a proposed automation, read back for a yes.

"每天晚上七点打开阳台灯" -> "每天19:00打开阳台灯，可以吗？"; nothing changes now. The command
is resolved by its own handler against a :class:`PlanningExecutor`, so the targets and
values are exactly those it would have now, and the policy is asked for the member
who said it (a child cannot schedule what she may not do; nobody schedules an unlock).
The "yes" stores it (``skills/automation_talk.save_automation``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homemind.conversation.clauses import Clause
from homemind.conversation.understanding import Reading
from homemind.core import i18n
from homemind.core.model import Home
from homemind.core.states import StateRegistry
from homemind.household import Household, NotAllowed
from homemind.household.spoken import action_words, only_time, trigger_words
from homemind.policy import Actor, Executor
from homemind.skills import HandlerRegistry, IntentRequest, Pending, Reply, Status
from homemind.skills.acting import CONFIRMATION_SECONDS
from homemind.skills.base import run_handler
from homemind.skills.planning import PlanningExecutor

i18n.register(
    {
        "schedule.vague": {
            "en": "When exactly? Say a time, like “at 7pm” or “in 20 minutes”; I haven't done anything.",
            "zh": "具体什么时候？请说一个时间，比如“晚上七点”或“二十分钟后”；我还没有执行。",
        },
        "schedule.bad_time": {
            "en": "I couldn't read the time “{time}”, so I haven't done anything.",
            "zh": "没听懂时间“{time}”，所以还没有执行。",
        },
        "schedule.unknown_condition": {
            "en": "I can't watch for “{condition}” yet, so I haven't done anything.",
            "zh": "我还不能判断“{condition}”，所以还没有执行。",
        },
        "schedule.say_again": {
            "en": "Please say it again with its time or condition; I haven't done anything.",
            "zh": "请连同时间或条件再说一遍；我还没有执行。",
        },
        "schedule.no_action": {
            "en": "I heard a time or a condition, but not what to do then; I haven't done anything.",
            "zh": "听到了时间或条件，但没听懂到时要做什么；我还没有执行。",
        },
        "schedule.no_tariff": {
            "en": "I don't know this home's electricity tariff, so I can't tell when it's cheapest"
            " (add a tariff to the energy section of the home file); I haven't set anything up.",
            "zh": "我不知道这个家的电价，没法判断什么时候电最便宜（在家庭文件的 energy 部分加上 tariff）；"
            "还没有设置任何东西。",
        },
        "schedule.no_weather": {
            "en": "This home has no weather forecast set up (add a weather section to the home file),"
            " so I can't check for rain; I haven't set anything up.",
            "zh": "这个家还没有设置天气预报（在家庭文件里加上 weather 部分），没法判断会不会下雨；"
            "还没有设置任何东西。",
        },
        "schedule.rain_which_day": {
            "en": "Rain on which day: today or tomorrow? I haven't set anything up.",
            "zh": "是哪天下雨：今天还是明天？还没有设置任何东西。",
        },
        "schedule.no_warnings": {
            "en": "This home follows no weather warning feeds (add a warnings section to the home file),"
            " so I can't watch for warnings; I haven't set anything up.",
            "zh": "这个家还没有订阅天气预警（在家庭文件里加上 warnings 部分），没法在发布预警时执行；"
            "还没有设置任何东西。",
        },
        "schedule.not_now": {
            "en": "{problem} Nothing was changed.",
            "zh": "{problem}没有做任何改动。",
        },
    }
)


class Schedules:
    def __init__(
        self,
        home: Home,
        states: StateRegistry,
        executor: Executor,
        handlers: HandlerRegistry,
        household: Household | None,
    ) -> None:
        self.home = home
        self.states = states
        self.executor = executor
        self.handlers = handlers
        self.household = household

    async def propose(
        self, readings: list[Reading], actor: Actor, language: str, now: datetime, sentence: str
    ) -> tuple[Reply, int | None]:
        """Plan each command for later, under the one clause they share; read the plan back.

        ``sentence`` is the whole turn: kept as what was said unless the reading is a part
        of it that holds its own clause. With the reply comes the index of the reading that
        asks a question ("which one?"), if one does.
        """
        clause = readings[0].clause
        assert clause is not None
        if clause.problem is not None:
            return _problem(clause, language), None
        planner = PlanningExecutor(self.executor)
        for index, reading in enumerate(readings):
            match = reading.match
            if match is None and clause.steps:
                continue  # "if it rains tomorrow, remind me …": only a notification, planned below
            handler = self.handlers.get(match.name) if match is not None else None
            if match is None or handler is None or self.household is None:
                return Reply(Status.NOT_UNDERSTOOD, i18n.translate("schedule.no_action", language)), None
            request = IntentRequest(
                match, actor, language, self.home, self.states, planner, household=self.household
            )
            reply = await run_handler(handler, request)
            if reply.ask is not None:
                return reply, index  # "which one?": the answer is planned again, with the same clause
            if reply.status is not Status.DONE:
                # Refused, impossible, or nothing to do: say so; nothing was changed either way.
                return Reply(reply.status, reply.speech), None
        if not planner.planned and not clause.steps:
            return Reply(Status.NOT_UNDERSTOOD, i18n.translate("schedule.no_action", language)), None
        if self.household is not None and clause.steps:
            try:  # "… and tell everyone": refused now, not after the yes
                self.household.automations.require_telling(actor, [_step(s) for s in clause.steps])
            except NotAllowed as exc:
                return Reply(Status.REFUSED, exc.message(language)), None
        part = readings[0].text
        said = part if clause.said and clause.said.casefold() in part.casefold() else sentence
        return self._read_back(planner, clause, actor, language, now, said), None

    def _read_back(
        self, planner: PlanningExecutor, clause: Clause, actor: Actor, language: str, now: datetime, said: str
    ) -> Reply:
        trigger = _trigger(clause)
        steps = [
            {"service": c.service, "entity_id": c.entity.entity_id, "data": c.data} for c in planner.planned
        ] + [dict(s) for s in clause.steps]
        when = trigger_words(self.home, trigger, now, language)
        action = action_words(self.home, [_step(s) for s in steps], language)
        key = "schedule.readback_time" if only_time(trigger) else "schedule.readback_condition"
        speech = i18n.translate(key, language, when=when, action=action)
        pending = Pending(
            calls=[],
            needs_code=False,
            member_id=actor.member.id,
            expires_at=self.executor.clock() + CONFIRMATION_SECONDS,
            done_key="",
            done_params={},
            language=language,
            skill={
                "kind": "automation",
                "trigger": trigger,
                "steps": steps,
                "said": said,
                "language": language,
            },
        )
        return Reply(Status.NEEDS_CONFIRMATION, speech, [], pending)


def _trigger(clause: Clause) -> dict[str, Any]:
    if clause.trigger is not None:
        return dict(clause.trigger)
    assert clause.when is not None
    return {"at": clause.when.at.isoformat(), "recurrence": clause.when.recurrence}


def _step(payload: dict[str, Any]) -> Any:
    from homemind.core.model import Step

    return Step(service=payload["service"], entity_id=payload["entity_id"], data=dict(payload["data"]))


def _problem(clause: Clause, language: str) -> Reply:
    key = clause.problem or "schedule.no_action"
    if key.startswith("schedule."):
        return Reply(Status.NOT_UNDERSTOOD, i18n.translate(key, language, **clause.params))
    # A time that cannot be (25:00, already passed): when.py's own words, and nothing done.
    said = i18n.translate(key, language, **clause.params)
    return Reply(Status.ERROR, i18n.translate("schedule.not_now", language, problem=said))
