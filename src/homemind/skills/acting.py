"""Carrying out planned calls through the executor and saying what happened.

Shared by every device skill so that partial failures, refusals and
confirmations read the same whichever intent started them.
"""

from __future__ import annotations

from typing import Any

from homemind.core import i18n
from homemind.core.model import Entity
from homemind.policy import Result
from homemind.skills.asking import which_entity
from homemind.skills.base import IntentRequest, Pending, PlannedCall, Reply, Status
from homemind.skills.targets import Targets

CONFIRMATION_SECONDS = 30.0

i18n.register(
    {
        "confirm.action": {
            "en": "Do you want me to {action}? Say yes to confirm.",
            "zh": "确定要{action}吗？请说“确认”。",
        },
        "confirm.code": {
            "en": "To {action}, say its code.",
            "zh": "要{action}，请说出密码。",
        },
        "confirm.pin": {
            "en": "To {action}, say your PIN.",
            "zh": "要{action}，请说出你的个人密码。",
        },
        "action.generic": {"en": "{service} {names}", "zh": "对{names}执行 {service}"},
        "action.open_cover": {"en": "open {names}", "zh": "打开{names}"},
        "action.set_cover_position": {"en": "open {names}", "zh": "打开{names}"},
        "action.unlock": {"en": "unlock {names}", "zh": "解锁{names}"},
        "action.alarm_disarm": {"en": "disarm {names}", "zh": "撤防{names}"},
        "partial.failed": {"en": " But: {errors}", "zh": "但是：{errors}"},
    }
)


def names(entities: list[Entity], language: str) -> str:
    """Entity names joined for a sentence: "the Kettle and Grandma's Light", "电水壶和客厅灯"."""
    return i18n.entity_names(entities, language)


def verb(entities: list[Entity], language: str) -> str:
    """ "is" or "are" for these devices in English ("the Curtains are", "the Kettle is"); "" in Chinese."""
    if language != "en" or not entities:
        return ""
    plural = len(entities) > 1 or _plural_name(entities[0].names.display("en"))
    return "are" if plural else "is"


def _plural_name(name: str) -> bool:
    """ "Curtains" and "Blinds" take "are"; "Grandma's Light" and "Glass" do not."""
    last = name.split()[-1].lower() if name.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "'s", "us"))


def target_error(request: IntentRequest, targets: Targets) -> Reply:
    params: dict[str, Any] = dict(targets.error_params or {})
    if isinstance(params.get("what"), str):
        params["what"] = request.t(params["what"])
    if "choices" in params:
        params["choices"] = (
            i18n.join_names([e.names.display(request.language) for e in params["choices"]], request.language)
            .replace(" and ", " or ")
            .replace("和", "还是")
        )
    status = (
        Status.NOT_UNDERSTOOD if targets.error_key in ("target.ambiguous", "target.missing") else Status.ERROR
    )
    ask = which_entity(list(targets.entities)) if targets.error_key == "target.ambiguous" else None
    return Reply(status, request.t(targets.error_key or "target.missing", **params), ask=ask)


async def act(
    request: IntentRequest,
    calls: list[PlannedCall],
    done_key: str,
    *,
    confirmed: bool = False,
    pin: str | None = None,
    **done_params: Any,
) -> Reply:
    """Run ``calls``; reply with what was done, what failed, or what needs confirming."""
    outcomes = []
    held: list[PlannedCall] = []
    for call in calls:
        outcome = await request.executor.execute(
            request.actor, call.entity.entity_id, call.service, call.data, confirmed=confirmed, pin=pin
        )
        outcomes.append(outcome)
        if outcome.result is Result.NEEDS_CONFIRMATION:
            held.append(call)

    done_by_id = {
        c.entity.entity_id: c.entity for c, o in zip(calls, outcomes, strict=True) if o.result is Result.OK
    }
    done = list(done_by_id.values())  # two calls to one device (a mode and a temperature) name it once
    errors = [o.error.message(request.language) for o in outcomes if o.error is not None]
    refused = [o for o in outcomes if o.result is Result.REFUSED]

    if held:
        first = held[0]
        first_outcome = next(o for o in outcomes if o.result is Result.NEEDS_CONFIRMATION)
        needs_code = first_outcome.needs == "pin"
        action_key = f"action.{first.service}"
        if not i18n.known(action_key):
            action_key = "action.generic"
        action = request.t(
            action_key, names=names([c.entity for c in held], request.language), service=first.service
        )
        if not needs_code:
            prompt_key = "confirm.action"
        elif first.entity.secrets.get("code"):
            prompt_key = "confirm.code"
        else:
            prompt_key = "confirm.pin"
        prompt = request.t(prompt_key, action=action)
        pending = Pending(
            calls=held,
            needs_code=needs_code,
            member_id=request.actor.member.id,
            expires_at=request.executor.clock() + CONFIRMATION_SECONDS,
            done_key=done_key,
            done_params=done_params,
            language=request.language,
        )
        return Reply(Status.NEEDS_CONFIRMATION, prompt, outcomes, pending)

    if done:
        speech = request.t(done_key, names=names(done, request.language), **done_params)
        if errors:
            speech += request.t("partial.failed", errors=" ".join(errors))
        return Reply(Status.DONE, speech, outcomes)
    if refused and len(refused) == len(outcomes):
        return Reply(Status.REFUSED, " ".join(errors), outcomes)
    return Reply(Status.ERROR, " ".join(dict.fromkeys(errors)), outcomes)
