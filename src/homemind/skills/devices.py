"""Device control: switching, dimming, temperature, covers, locks, media, vacuum, alarm."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from homemind.core import i18n
from homemind.core.model import Domain, Entity
from homemind.skills.acting import act, names, target_error, verb
from homemind.skills.alarms import stop_ringing
from homemind.skills.asking import which_area
from homemind.skills.base import (
    HandlerRegistry,
    IntentHandler,
    IntentRequest,
    PlannedCall,
    Reply,
    SlotSpec,
    Status,
)
from homemind.skills.percent import set_percent
from homemind.skills.targets import Targets, resolve

i18n.register(
    {
        "done.turn_on": {"en": "Turned on {names}.", "zh": "已打开{names}。"},
        "done.turn_off": {"en": "Turned off {names}.", "zh": "已关闭{names}。"},
        "done.open_cover": {"en": "Opened {names}.", "zh": "已打开{names}。"},
        "done.close_cover": {"en": "Closed {names}.", "zh": "已关上{names}。"},
        "done.lock": {"en": "Locked {names}.", "zh": "已锁上{names}。"},
        "done.unlock": {"en": "Unlocked {names}.", "zh": "已解锁{names}。"},
        "done.start": {"en": "Started {names}.", "zh": "{names}开始打扫了。"},
        "done.pause": {"en": "Paused {names}.", "zh": "已暂停{names}。"},
        "done.return_to_base": {
            "en": "Sent {names} back to its dock.",
            "zh": "{names}正在回去充电。",
        },
        "done.alarm_arm_home": {"en": "Armed {names} in home mode.", "zh": "{names}已在家布防。"},
        "done.alarm_arm_away": {"en": "Armed {names} in away mode.", "zh": "{names}已离家布防。"},
        "done.alarm_disarm": {"en": "Disarmed {names}.", "zh": "{names}已撤防。"},
        "done.brightness": {
            "en": "Set {names} to {brightness}% brightness.",
            "zh": "已将{names}亮度调到{brightness}%。",
        },
        "done.color": {"en": "Set {names} to {color}.", "zh": "已将{names}调成{color}。"},
        "done.brighter": {"en": "Made {names} brighter.", "zh": "已把{names}调亮。"},
        "done.dimmer": {"en": "Dimmed {names}.", "zh": "已把{names}调暗。"},
        "answer.nothing_to_dim": {"en": "{names} {verb} already off.", "zh": "{names}已经关了。"},
        "answer.already_brightest": {
            "en": "{names} {verb} already at full brightness.",
            "zh": "{names}已经最亮了。",
        },
        "answer.already_warmest": {
            "en": "{names} {verb} already as warm as it goes.",
            "zh": "{names}已经调到最高温度了。",
        },
        "answer.already_coolest": {
            "en": "{names} {verb} already as cool as it goes.",
            "zh": "{names}已经调到最低温度了。",
        },
        "done.color_temp": {
            "en": "Set {names} to {kelvin} K.",
            "zh": "已将{names}色温调到 {kelvin}K。",
        },
        "done.set_temperature": {
            "en": "Set {names} to {temperature} °C.",
            "zh": "已将{names}调到{temperature}度。",
        },
        "done.set_hvac_mode": {
            "en": "Set {names} to {mode} mode.",
            "zh": "已将{names}调成{mode}模式。",
        },
        "done.set_cover_position": {
            "en": "Set {names} to {position}% open.",
            "zh": "已将{names}调到{position}%。",
        },
        "done.volume_set": {
            "en": "Set the volume of {names} to {volume}%.",
            "zh": "已将{names}音量调到{volume}%。",
        },
        "done.volume_mute": {"en": "Muted {names}.", "zh": "{names}已静音。"},
        "done.volume_unmute": {"en": "Unmuted {names}.", "zh": "{names}已取消静音。"},
        "done.media_play": {"en": "Resumed {names}.", "zh": "{names}继续播放。"},
        "done.media_pause": {"en": "Paused {names}.", "zh": "已暂停{names}。"},
        "error.cannot_switch": {
            "en": "{names} can't be switched on or off.",
            "zh": "{names}不能开关。",
        },
        "target.which_room": {"en": "Which room do you mean?", "zh": "你说的是哪个房间？"},
        "error.volume_needs_level": {"en": "What volume should I set?", "zh": "要把音量调到多少？"},
        "mode.cool": {"en": "cooling", "zh": "制冷"},
        "mode.heat": {"en": "heating", "zh": "制热"},
        "mode.dry": {"en": "dry", "zh": "除湿"},
        "mode.fan_only": {"en": "fan", "zh": "送风"},
        "mode.auto": {"en": "auto", "zh": "自动"},
        "mode.off": {"en": "off", "zh": "关闭"},
        "color.red": {"en": "red", "zh": "红色"},
        "color.green": {"en": "green", "zh": "绿色"},
        "color.blue": {"en": "blue", "zh": "蓝色"},
        "color.yellow": {"en": "yellow", "zh": "黄色"},
        "color.orange": {"en": "orange", "zh": "橙色"},
        "color.purple": {"en": "purple", "zh": "紫色"},
        "color.pink": {"en": "pink", "zh": "粉色"},
        "color.white": {"en": "white", "zh": "白色"},
        "color.black": {"en": "black", "zh": "黑色"},
        "color.brown": {"en": "brown", "zh": "棕色"},
        "color.turquoise": {"en": "turquoise", "zh": "青绿色"},
    }
)

# Which service "on" and "off" mean for each domain, as Home Assistant's intents do.
_ON = {
    Domain.COVER: "open_cover",
    Domain.LOCK: "lock",
    Domain.VACUUM: "start",
    Domain.ALARM_CONTROL_PANEL: "alarm_arm_away",
}
_OFF = {
    Domain.COVER: "close_cover",
    Domain.LOCK: "unlock",
    Domain.VACUUM: "return_to_base",
    Domain.ALARM_CONTROL_PANEL: "alarm_disarm",
}
_READ_ONLY = frozenset({Domain.SENSOR, Domain.BINARY_SENSOR, Domain.EVENT, Domain.NOTIFY})
COLORS = (
    "red",
    "green",
    "blue",
    "yellow",
    "orange",
    "purple",
    "pink",
    "white",
    "black",
    "brown",
    "turquoise",
)
_UP_DOWN = ("up", "down")


def _group_by_service(request: IntentRequest, entities: list[Entity], turn_on: bool) -> list[PlannedCall]:
    calls = []
    for entity in entities:
        if entity.domain is Domain.LOCK:
            # HA's lock sentences ("lock the door", "unlock the door", 解锁大门) answer with the
            # "lock" response and mean on=lock, off=unlock. Any other wording is open/close:
            # "打开大门" opens (unlocks, so it is held for confirmation), "关上大门" locks.
            if request.match.metadata.get("response") == "lock":
                service = "lock" if turn_on else "unlock"
            else:
                service = "unlock" if turn_on else "lock"
        else:
            table = _ON if turn_on else _OFF
            service = table.get(entity.domain, "turn_on" if turn_on else "turn_off")
        calls.append(PlannedCall(entity, service))
    return calls


async def _act_per_service(request: IntentRequest, calls: list[PlannedCall]) -> Reply:
    """Run calls that may mix services (open the curtains and turn on the light) in one reply."""
    by_service: dict[str, list[PlannedCall]] = {}
    for call in calls:
        by_service.setdefault(call.service, []).append(call)
    replies = [await act(request, group, f"done.{service}") for service, group in by_service.items()]
    if len(replies) == 1:
        return replies[0]
    for reply in replies:
        if reply.status is Status.NEEDS_CONFIRMATION:
            others = [r for r in replies if r is not reply]
            reply.speech = " ".join([r.speech for r in others] + [reply.speech])
            reply.actions = [a for r in replies for a in r.actions]
            return reply
    status = Status.DONE if any(r.status is Status.DONE for r in replies) else replies[0].status
    return Reply(status, " ".join(r.speech for r in replies), [a for r in replies for a in r.actions])


class _Switch(IntentHandler):
    turn_on: ClassVar[bool]
    slots = {"name": "a device", "area": "a room", "domain": "a kind of device"}

    async def handle(self, request: IntentRequest) -> Reply:
        match = request.match
        if match.metadata.get("homemind") == "here" and not (match.value("area") or match.value("entities")):
            return ask_room(request)  # "it's dark in here", away from any satellite: which room?
        targets = resolve(request.home, request.match, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        if not self.turn_on and any(e.domain is Domain.ALARM_CONTROL_PANEL for e in targets.entities):
            stopped = _alarm_clock(request)  # "turn off the alarm": the clock ringing, if one is
            if stopped is not None:
                return stopped
        usable = [e for e in targets.entities if e.domain not in _READ_ONLY]
        if not usable:
            return request.reply(Status.ERROR, "error.cannot_switch", names=targets.entities)
        return await _act_per_service(request, _group_by_service(request, usable, self.turn_on))


def ask_room(request: IntentRequest) -> Reply:
    """ "Which room do you mean?", offering the rooms that have the kind of device meant."""
    domain = request.match.value("domain")
    rooms = [
        area_id
        for area_id in request.home.areas
        if any(e.area == area_id and e.domain.value == domain for e in request.home.entities.values())
    ]
    reply = request.reply(Status.NOT_UNDERSTOOD, "target.which_room")
    reply.ask = which_area(request.home, rooms)
    return reply


class TurnOn(_Switch):
    intent_type = "HassTurnOn"
    turn_on = True


class TurnOff(_Switch):
    intent_type = "HassTurnOff"
    turn_on = False


def _percent_out_of_range(request: IntentRequest, entities: list[Entity], value: float) -> Reply | None:
    """Spoken percentages above 100 are refused in words, before they become service data."""
    if 0 <= value <= 100:
        return None
    return Reply(
        Status.ERROR,
        request.t("error.out_of_range", entity=entities[0], low=0, high=100, value=value, unit="%"),
    )


class WhichLight(IntentHandler):
    """ "Turn on the light" among seven: ask which, unless there is one or the speaker's room has some."""

    intent_type = "HomemindWhichLight"
    slots = {"command": "on or off"}

    async def handle(self, request: IntentRequest) -> Reply:
        turn_on = request.match.value("command") == "on"
        if request.match.value("entities"):
            # The answer to "which one?": the lights it named.
            targets = resolve(request.home, request.match, domains={Domain.LIGHT})
            if not targets.ok:
                return target_error(request, targets)
            calls = _group_by_service(request, targets.entities, turn_on)
            return await act(request, calls, "done.turn_on" if turn_on else "done.turn_off")
        lights = [e for e in request.home.entities.values() if e.domain is Domain.LIGHT]
        # Said to a satellite: the lights of the room it is in, as Home Assistant does.
        here = [e for e in lights if request.actor.area is not None and e.area == request.actor.area]
        lights = here or lights
        if len(lights) != 1 and not here:
            targets = resolve(request.home, request.match, domains={Domain.LIGHT})
            return target_error(request, targets)
        return await act(
            request,
            _group_by_service(request, lights, turn_on),
            "done.turn_on" if turn_on else "done.turn_off",
        )


class _Single(IntentHandler):
    """An intent that maps to one service on entities of given domains."""

    domains: ClassVar[frozenset[Domain]]
    service: ClassVar[str]
    by_domain: ClassVar[dict[Domain, str]] = {}
    data: ClassVar[dict[str, Any]] = {}
    slots = {"name": "a device", "area": "a room"}

    async def handle(self, request: IntentRequest) -> Reply:
        targets = resolve(request.home, request.match, domains=self.domains, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        calls = [
            PlannedCall(e, self.by_domain.get(e.domain, self.service), dict(self.data))
            for e in targets.entities
        ]
        if self.by_domain:
            return await _act_per_service(request, calls)
        return await act(request, calls, self.done_key())

    def done_key(self) -> str:
        return f"done.{self.service}"


class Lock(_Single):
    intent_type = "HomemindLock"
    domains = frozenset({Domain.LOCK})
    service = "lock"


class Unlock(_Single):
    intent_type = "HomemindUnlock"
    domains = frozenset({Domain.LOCK})
    service = "unlock"


class VacuumStart(_Single):
    intent_type = "HassVacuumStart"
    domains = frozenset({Domain.VACUUM})
    service = "start"


class VacuumReturn(_Single):
    intent_type = "HassVacuumReturnToBase"
    domains = frozenset({Domain.VACUUM})
    service = "return_to_base"


class VacuumPause(_Single):
    intent_type = "HomemindVacuumPause"
    domains = frozenset({Domain.VACUUM})
    service = "pause"


_PANEL_WORDS = re.compile(r"security|burglar|安防|报警|警报|防盗", re.IGNORECASE)


class AlarmDisarm(_Single):
    intent_type = "HomemindAlarmDisarm"
    domains = frozenset({Domain.ALARM_CONTROL_PANEL})
    service = "alarm_disarm"

    async def handle(self, request: IntentRequest) -> Reply:
        stopped = _alarm_clock(request)
        return stopped if stopped is not None else await super().handle(request)


def _alarm_clock(request: IntentRequest) -> Reply | None:
    """ "Turn off the alarm" while the alarm clock rings means the clock, not the security system."""
    if _PANEL_WORDS.search(request.actor.text or ""):
        return None
    return stop_ringing(request)


class MediaPause(_Single):
    intent_type = "HassMediaPause"
    domains = frozenset({Domain.MEDIA_PLAYER, Domain.VACUUM})
    service = "media_pause"
    # "扫地机器人暂停" comes in as a media pause; for a vacuum it is the vacuum's pause.
    by_domain = {Domain.VACUUM: "pause"}


class MediaUnpause(_Single):
    intent_type = "HassMediaUnpause"
    domains = frozenset({Domain.MEDIA_PLAYER})
    service = "media_play"


class Mute(_Single):
    intent_type = "HassMediaPlayerMute"
    domains = frozenset({Domain.MEDIA_PLAYER})
    service = "volume_mute"
    data = {"is_volume_muted": True}


class Unmute(_Single):
    intent_type = "HassMediaPlayerUnmute"
    domains = frozenset({Domain.MEDIA_PLAYER})
    service = "volume_mute"
    data = {"is_volume_muted": False}

    def done_key(self) -> str:
        return "done.volume_unmute"


class AlarmArm(IntentHandler):
    intent_type = "HomemindAlarmArm"
    slots = {"name": "the alarm panel", "alarm_mode": SlotSpec("home or away", choices=("home", "away"))}

    async def handle(self, request: IntentRequest) -> Reply:
        domains = {Domain.ALARM_CONTROL_PANEL}
        targets = resolve(request.home, request.match, domains=domains, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        service = "alarm_arm_home" if request.match.value("alarm_mode") == "home" else "alarm_arm_away"
        return await act(request, [PlannedCall(e, service) for e in targets.entities], f"done.{service}")


class LightSet(IntentHandler):
    intent_type = "HassLightSet"
    slots = {
        "name": "a light",
        "area": "a room",
        "brightness": SlotSpec("%", "number", minimum=0, maximum=100),
        "color": SlotSpec("a colour", choices=COLORS),
    }

    async def handle(self, request: IntentRequest) -> Reply:
        targets = resolve(request.home, request.match, domains={Domain.LIGHT}, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        match = request.match
        data: dict[str, Any] = {}
        params: dict[str, Any] = {}
        if match.value("brightness") is not None:
            data["brightness_pct"] = float(match.value("brightness"))
            refused = _percent_out_of_range(request, targets.entities, data["brightness_pct"])
            if refused:
                return refused
            key, params = "done.brightness", {"brightness": round(data["brightness_pct"])}
        elif match.value("color") is not None:
            color = str(match.value("color"))
            data["color_name"] = color
            key, params = "done.color", {"color": request.t(f"color.{color}")}
        elif match.value("temperature") is not None:
            data["color_temp_kelvin"] = int(match.value("temperature"))
            key, params = "done.color_temp", {"kelvin": data["color_temp_kelvin"]}
        else:
            key = "done.turn_on"
        calls = [PlannedCall(e, "turn_on", data) for e in targets.entities]
        return await act(request, calls, key, **params)


class SetTemperature(IntentHandler):
    intent_type = "HassClimateSetTemperature"
    slots = {
        "name": "an AC or water heater",
        "area": "a room",
        "temperature": SlotSpec("°C", "number", minimum=5, maximum=90, required=True),
    }

    async def handle(self, request: IntentRequest) -> Reply:
        domains = {Domain.CLIMATE, Domain.WATER_HEATER}
        if request.match.value("name") is None:
            domains = {Domain.CLIMATE}  # "set the bedroom to 24" means its AC
        # "Set the temperature to 23" in a flat with two ACs: ask which, do not set both.
        targets = resolve(request.home, request.match, domains=domains)
        if not targets.ok:
            return target_error(request, targets)
        temperature = float(request.match.value("temperature"))
        calls = [PlannedCall(e, "set_temperature", {"temperature": temperature}) for e in targets.entities]
        return await act(request, calls, "done.set_temperature", temperature=temperature)


class SetHvacMode(IntentHandler):
    intent_type = "HomemindSetHvacMode"
    slots = {
        "name": "an AC",
        "area": "a room",
        "hvac_mode": SlotSpec(
            "mode", choices=("cool", "heat", "dry", "fan_only", "auto", "off"), required=True
        ),
    }

    async def handle(self, request: IntentRequest) -> Reply:
        targets = resolve(request.home, request.match, domains={Domain.CLIMATE}, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        mode = str(request.match.value("hvac_mode"))
        calls = [PlannedCall(e, "set_hvac_mode", {"hvac_mode": mode}) for e in targets.entities]
        return await act(request, calls, "done.set_hvac_mode", mode=request.t(f"mode.{mode}"))


class SetPosition(IntentHandler):
    intent_type = "HassSetPosition"
    slots = {
        "name": "a curtain or blind",
        "area": "a room",
        "position": SlotSpec("% open", "number", minimum=0, maximum=100, required=True),
    }

    async def handle(self, request: IntentRequest) -> Reply:
        targets = resolve(request.home, request.match, domains={Domain.COVER}, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        if any(e.domain is not Domain.COVER for e in targets.entities):
            # Home Assistant's cover sentence said of a light or a TV: its own percentage.
            return await set_percent(request, targets.entities, float(request.match.value("position")))
        position = round(float(request.match.value("position")))
        refused = _percent_out_of_range(request, targets.entities, position)
        if refused:
            return refused
        calls = [PlannedCall(e, "set_cover_position", {"position": position}) for e in targets.entities]
        return await act(request, calls, "done.set_cover_position", position=position)


def _volume_targets(request: IntentRequest) -> tuple[list[Entity], Reply | None]:
    targets = resolve(request.home, request.match, domains={Domain.MEDIA_PLAYER}, default_all=True)
    if not targets.ok:
        return [], target_error(request, targets)
    return targets.entities, None


class SetVolume(IntentHandler):
    intent_type = "HassSetVolume"
    slots = {
        "name": "a TV or speaker",
        "volume_level": SlotSpec("%", "number", minimum=0, maximum=100, required=True),
    }

    async def handle(self, request: IntentRequest) -> Reply:
        entities, error = _volume_targets(request)
        if error:
            return error
        level = request.match.value("volume_level")
        if level is None:
            return request.reply(Status.NOT_UNDERSTOOD, "error.volume_needs_level")
        volume = float(level)
        refused = _percent_out_of_range(request, entities, volume)
        if refused:
            return refused
        calls = [PlannedCall(e, "volume_set", {"volume_level": volume / 100}) for e in entities]
        return await act(request, calls, "done.volume_set", volume=round(volume))


class SetVolumeRelative(IntentHandler):
    intent_type = "HassSetVolumeRelative"
    slots = {"name": "a TV or speaker", "volume_step": "up, down, or a step in %"}
    step = 0.1

    async def handle(self, request: IntentRequest) -> Reply:
        entities, error = _volume_targets(request)
        if error:
            return error
        step_value = request.match.value("volume_step", "up")
        if step_value in ("up", "down"):
            step = self.step if step_value == "up" else -self.step
        else:
            step = float(step_value) / 100
        calls = []
        for entity in entities:
            current = float(request.states.get(entity.entity_id).attributes.get("volume_level", 0.3))
            calls.append(
                PlannedCall(entity, "volume_set", {"volume_level": min(1.0, max(0.0, current + step))})
            )
        level = round(calls[0].data["volume_level"] * 100) if calls else 0
        return await act(request, calls, "done.volume_set", volume=level)


class LightStep(IntentHandler):
    """ "Dim the lights a bit", "it's too dark in the kitchen", "再亮一点": a step from where the light is.

    Dimming only touches lights that are on; brightening switches on a light that is off only
    when that light (or its room) was what the person named, never because it is a light.
    """

    intent_type = "HomemindLightStep"
    slots = {
        "name": "a light",
        "area": "a room",
        "direction": SlotSpec("brighter or dimmer", choices=_UP_DOWN),
    }
    step_pct = 25

    async def handle(self, request: IntentRequest) -> Reply:
        up = request.match.value("direction") == "up"
        targets = resolve(request.home, request.match, domains={Domain.LIGHT}, default_all=not up)
        if not targets.ok:
            return target_error(request, targets)
        named = any(request.match.value(k) for k in ("name", "entities", "area"))
        calls = []
        for entity in targets.entities:
            state = request.states.get(entity.entity_id)
            if state.state != "on":
                if up and named:
                    calls.append(PlannedCall(entity, "turn_on", {}))
                continue
            current = round(float(state.attributes.get("brightness") or 255) * 100 / 255)
            target = min(100, current + self.step_pct) if up else max(5, current - self.step_pct)
            if target != current:
                calls.append(PlannedCall(entity, "turn_on", {"brightness_pct": target}))
        if not calls:
            key = "answer.already_brightest" if up else "answer.nothing_to_dim"
            said = names(targets.entities, request.language)
            return Reply(
                Status.ANSWERED, request.t(key, names=said, verb=verb(targets.entities, request.language))
            )
        return await act(request, calls, "done.brighter" if up else "done.dimmer")


class ClimateStep(IntentHandler):
    """ "It's freezing in the bedroom", "有点热", "up a couple of degrees": warmer or cooler.

    An AC that is off is switched to the mode that helps (heat or cool); one that is
    on moves its target by ``degrees`` (two unless said), within what the unit allows.
    Saying degrees to an AC that is off does both. A water heater only moves its target.
    """

    intent_type = "HomemindClimateStep"
    slots = {
        "name": "an AC or water heater",
        "area": "a room",
        "direction": SlotSpec("up (warmer) or down (cooler)", choices=_UP_DOWN, required=True),
        "degrees": SlotSpec("how much, if said", "number", minimum=0.5, maximum=10),
    }
    default_step = 2.0

    async def handle(self, request: IntentRequest) -> Reply:
        warmer = request.match.value("direction") == "up"
        said = request.match.value("degrees")
        step = float(said) if said is not None else self.default_step
        domains = {Domain.CLIMATE, Domain.WATER_HEATER} if request.match.value("name") else {Domain.CLIMATE}
        targets = resolve(request.home, request.match, domains=domains)
        explicit = request.match.value("area") or request.match.value("entities")
        if targets.ok and len(targets.entities) > 1 and not explicit:
            # "It's cold" in a flat with two ACs: ask which room, do not heat the whole flat.
            targets = Targets(targets.entities, "target.ambiguous", {"choices": targets.entities})
        if not targets.ok:
            return target_error(request, targets)
        replies = []
        for entity in targets.entities:
            state = request.states.get(entity.entity_id)
            if entity.domain is Domain.CLIMATE and state.state in ("off", "fan_only", "dry"):
                wanted_mode = "heat" if warmer else "cool"
                call = PlannedCall(entity, "set_hvac_mode", {"hvac_mode": wanted_mode})
                mode = request.t(f"mode.{wanted_mode}")
                replies.append(await act(request, [call], "done.set_hvac_mode", mode=mode))
                if said is None:
                    continue
            current = float(state.attributes.get("temperature") or 24)
            low = float(entity.capabilities.get("min_temp", 16))
            high = float(entity.capabilities.get("max_temp", 30))
            target = min(high, current + step) if warmer else max(low, current - step)
            if target == current:
                key = "answer.already_warmest" if warmer else "answer.already_coolest"
                said_names = names([entity], request.language)
                said_verb = verb([entity], request.language)
                replies.append(Reply(Status.ANSWERED, request.t(key, names=said_names, verb=said_verb)))
                continue
            call = PlannedCall(entity, "set_temperature", {"temperature": target})
            shown = _fmt_number(target)
            replies.append(await act(request, [call], "done.set_temperature", temperature=shown))
        if len(replies) == 1:
            return replies[0]
        status = Status.DONE if any(r.status is Status.DONE for r in replies) else replies[0].status
        return Reply(status, " ".join(r.speech for r in replies), [a for r in replies for a in r.actions])


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def register(registry: HandlerRegistry) -> None:
    for handler in (
        LightStep(),
        ClimateStep(),
        TurnOn(),
        TurnOff(),
        WhichLight(),
        Lock(),
        Unlock(),
        LightSet(),
        SetTemperature(),
        SetHvacMode(),
        SetPosition(),
        SetVolume(),
        SetVolumeRelative(),
        Mute(),
        Unmute(),
        MediaPause(),
        MediaUnpause(),
        VacuumStart(),
        VacuumReturn(),
        VacuumPause(),
        AlarmArm(),
        AlarmDisarm(),
    ):
        registry.register(handler)
