"""Routines (scenes): named multi-step actions from the home file, started by a phrase.

Every step goes through the executor like any spoken command, so a child's
"good night" can lock the door (a safe direction) but a routine can never
unlock one without the confirmation the executor asks for.
"""

from __future__ import annotations

from homemind.core import i18n
from homemind.household.automations import run_steps
from homemind.policy import Result
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

i18n.register(
    {
        "routine.done": {
            "en": "{name}: done ({count} actions).",
            "en_one": "{name}: done ({count} action).",
            "zh": "{name}：完成（{count}个动作）。",
        },
        "routine.partly": {
            "en": "{name}: {ok} of {count} actions done. {errors}",
            "en_one": "{name}: {ok} of {count} action done. {errors}",
            "zh": "{name}：完成了{count}个动作中的{ok}个。{errors}",
        },
        "routine.unknown": {"en": "There is no routine called {name}.", "zh": "没有叫{name}的场景。"},
    }
)


class RunRoutine(IntentHandler):
    intent_type = "HomemindRunRoutine"
    slots = {"routine": "a routine's id (from the home file's phrases)"}

    async def handle(self, request: IntentRequest) -> Reply:
        routine_id = request.match.value("routine")
        routine = request.home.routines.get(str(routine_id))
        if routine is None:
            return request.reply(Status.ERROR, "routine.unknown", name=request.match.text("routine") or "?")
        outcomes = await run_steps(request.home, request.executor, request.actor, routine.steps)
        name = routine.names.display(request.language)
        ok = [o for o in outcomes if o.result is Result.OK]
        if len(ok) == len(outcomes):
            return Reply(Status.DONE, request.t("routine.done", name=name, count=len(outcomes)), outcomes)
        errors = " ".join(o.error.message(request.language) for o in outcomes if o.error is not None)
        status = Status.DONE if ok else Status.ERROR
        speech = request.t("routine.partly", name=name, ok=len(ok), count=len(outcomes), errors=errors)
        return Reply(status, speech, outcomes)


def register(registry: HandlerRegistry) -> None:
    registry.register(RunRoutine())
