"""A percentage means what the device can do with one: a light's brightness, a cover's position,
a TV's volume, a fan's speed.

"卧室灯调到百分之三十" matches Home Assistant's cover sentence (``HassSetPosition``);
read literally it would ask a light to open to 30 %. Here the number goes to the
device's own percentage, and a device without one says so in words ("the Kettle
can't be set to a percentage") rather than failing on a service it lacks.
"""

from __future__ import annotations

from typing import Any

from homemind.core import i18n
from homemind.core.model import Domain, Entity
from homemind.skills.acting import act, names, target_error
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, PlannedCall, Reply, Status
from homemind.skills.targets import resolve

i18n.register(
    {
        "error.no_percent": {
            "en": "{names} can't be set to a percentage.",
            "zh": "{names}不能按百分比调节。",
        },
        "error.percent_range": {
            "en": "A percentage goes from 0 to 100 ({value}% won't do).",
            "zh": "百分比只能在 0 到 100 之间（{value}% 不行）。",
        },
        "done.percent_mixed": {"en": "Set {names} to {percent}%.", "zh": "已将{names}调到{percent}%。"},
        "done.set_percentage": {
            "en": "Set {names} to {percent}% speed.",
            "zh": "已将{names}风速调到{percent}%。",
        },
    }
)

PERCENT_DOMAINS = frozenset({Domain.LIGHT, Domain.COVER, Domain.MEDIA_PLAYER, Domain.FAN})


def percent_call(entity: Entity, value: float) -> PlannedCall | None:
    """The call that sets ``entity``'s own percentage to ``value``; None when it has none."""
    if entity.domain is Domain.LIGHT and entity.supports("brightness"):
        return PlannedCall(entity, "turn_on", {"brightness_pct": value})
    if entity.domain is Domain.COVER and entity.supports("position"):
        return PlannedCall(entity, "set_cover_position", {"position": round(value)})
    if entity.domain is Domain.MEDIA_PLAYER and entity.supports("volume_set"):
        return PlannedCall(entity, "volume_set", {"volume_level": value / 100})
    if entity.domain is Domain.FAN and entity.supports("set_speed"):
        return PlannedCall(entity, "set_percentage", {"percentage": round(value)})
    return None


_DONE = {
    "turn_on": ("done.brightness", "brightness"),
    "set_cover_position": ("done.set_cover_position", "position"),
    "volume_set": ("done.volume_set", "volume"),
    "set_percentage": ("done.set_percentage", "percent"),
}


async def set_percent(request: IntentRequest, entities: list[Entity], value: float) -> Reply:
    """Each device to ``value`` percent of what it has; one reply for all of them."""
    if not 0 <= value <= 100:
        return request.reply(Status.ERROR, "error.percent_range", value=_number(value))
    calls = [percent_call(e, value) for e in entities]
    unable = [e for e, c in zip(entities, calls, strict=True) if c is None]
    planned = [c for c in calls if c is not None]
    if not planned:
        return request.reply(Status.ERROR, "error.no_percent", names=names(unable, request.language))
    services = {c.service for c in planned}
    shown = round(value)
    if len(services) == 1:
        key, param = _DONE[next(iter(services))]
        params: dict[str, Any] = {param: shown}
        reply = await act(request, planned, key, **params)
    else:
        reply = await act(request, planned, "done.percent_mixed", percent=shown)
    if unable and reply.status is Status.DONE:
        reply.speech += " " + request.t("error.no_percent", names=names(unable, request.language))
    return reply


class SetPercent(IntentHandler):
    """ "Make it 20 percent", "调到百分之三十": the percentage each target has."""

    intent_type = "HomemindSetPercent"
    slots = {"name": "a device", "area": "a room", "percent": "0-100"}

    async def handle(self, request: IntentRequest) -> Reply:
        targets = resolve(request.home, request.match, domains=PERCENT_DOMAINS)
        if not targets.ok:
            return target_error(request, targets)
        return await set_percent(request, targets.entities, float(request.match.value("percent")))


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def register(registry: HandlerRegistry) -> None:
    registry.register(SetPercent())
