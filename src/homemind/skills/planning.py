"""Planning a command for later: the intent handler runs as usual, but nothing reaches a device.

A scheduled command ("every day at 7pm turn on the balcony light") is understood and
resolved by the very handler that would carry it out now, so its targets, values and
capability errors are the same. :class:`PlanningExecutor` stands in for the executor:
each call is checked by the policy for the member who asked (a child cannot schedule
what she may not do now), recorded, and reported done without touching the device.
The unsafe direction (unlock, disarm) and anything that would need a yes each time
are refused at creation: an automation cannot give a PIN or say yes.
"""

from __future__ import annotations

from typing import Any

from homemind.core import i18n
from homemind.core.model import Entity, Home, Step
from homemind.core.services import ActionError
from homemind.household.spoken import action_words
from homemind.policy import ActionOutcome, Actor, Executor, Result
from homemind.skills.base import PlannedCall

i18n.register(
    {
        "schedule.no_unsafe": {
            "en": "I won't schedule that: to {action}, a PIN must be said at the time.",
            "zh": "这个不能定时：{action}必须当场说出密码。",
        },
        "schedule.needs_yes": {
            "en": "I can't schedule that: to {action}, someone must say yes each time.",
            "zh": "这个不能定时：{action}每次都需要有人确认。",
        },
    }
)


class PlanningExecutor(Executor):
    """The executor for a command to be done later: each call is checked and recorded, never made."""

    def __init__(self, real: Executor) -> None:
        super().__init__(real.home, real.states, real.backend, real.store, real.policy, clock=real.clock)
        self.planned: list[PlannedCall] = []

    async def execute(
        self,
        actor: Actor,
        entity_id: str,
        service: str,
        data: dict[str, Any] | None = None,
        *,
        confirmed: bool = False,
        pin: str | None = None,
    ) -> ActionOutcome:
        outcome = self.check(actor, entity_id, service, data)
        if outcome.result is Result.NEEDS_CONFIRMATION:
            entity = self.home.entities[entity_id]
            key = "schedule.no_unsafe" if outcome.needs == "pin" else "schedule.needs_yes"
            outcome.result = Result.REFUSED
            outcome.error = ActionError(key, action=_Action(self.home, entity, service, outcome.data))
            outcome.needs = None
        if outcome.result is Result.OK:
            self.planned.append(PlannedCall(self.home.entities[entity_id], service, dict(outcome.data)))
        return outcome


class _Action:
    """An action rendered in the reader's language when the error is (``ActionError`` params)."""

    def __init__(self, home: Home, entity: Entity, service: str, data: dict[str, Any]) -> None:
        self.home = home
        self.step = Step(service=service, entity_id=entity.entity_id, data=data)

    def render(self, language: str) -> str:
        return action_words(self.home, [self.step], language)
