"""Questions about the home: answered from state, never changing anything."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from homemind.core import i18n
from homemind.core.model import UNAVAILABLE, Domain, Entity, EntityState
from homemind.skills.acting import names, target_error, verb
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, SlotSpec, Status
from homemind.skills.targets import resolve

i18n.register(
    {
        "answer.yes": {"en": "Yes, {names} {verb} {state}.", "zh": "是的，{names}{state}。"},
        "answer.no": {"en": "No, {names} {verb} {state}.", "zh": "没有，{names}{state}。"},
        "answer.state": {"en": "{names} {verb} {state}.", "zh": "{names}{state}。"},
        "answer.not_visible": {
            "en": "Sorry, {member} may not see {entity}.",
            "zh": "抱歉，{member}不能查看{entity}。",
        },
        "answer.some": {"en": "Yes: {names} {verb} {state}.", "zh": "是的：{names}{state}。"},
        "answer.all": {"en": "Yes, they are all {state}.", "zh": "是的，都{state}。"},
        "answer.not_all": {"en": "No: {names} {verb} {state}.", "zh": "不是：{names}{state}。"},
        "answer.none": {"en": "No, none of them {verb} {state}.", "zh": "没有，都不是{state}。"},
        "answer.temperature": {"en": "It's {value} °C {where}.", "zh": "{where}现在{value}度。"},
        "answer.temperature_target": {
            "en": "It's {value} °C {where}; {names} {verb} set to {target} °C.",
            "zh": "{where}现在{value}度，{names}设定在{target}度。",
        },
        "answer.temperature_of": {
            "en": "{names} {verb} at {value} °C.",
            "zh": "{names}现在{value}度。",
        },
        "answer.no_temperature": {
            "en": "I have no temperature reading {where}.",
            "zh": "{where}没有温度读数。",
        },
        "answer.measure": {"en": "{names} {verb} {value}{unit}.", "zh": "{names}是{value}{unit}。"},
        "answer.no_measure": {
            "en": "I have no {what} reading {where}.",
            "zh": "{where}没有{what}读数。",
        },
        "answer.time": {"en": "It's {time}.", "zh": "现在是{time}。"},
        "answer.date": {"en": "Today is {date}.", "zh": "今天是{date}。"},
        "answer.ok": {"en": "OK.", "zh": "好的。"},
        "measure.humidity": {"en": "humidity", "zh": "湿度"},
        "measure.power": {"en": "power", "zh": "用电"},
        "where.home": {"en": "at home", "zh": "家里"},
        "where.anywhere": {"en": "anywhere", "zh": "家里"},
        "where.area": {"en": "in the {area}", "zh": "{area}"},
        "state.on": {"en": "on", "zh": "开着"},
        "state.off": {"en": "off", "zh": "关着"},
        "state.locked": {"en": "locked", "zh": "锁着"},
        "state.unlocked": {"en": "unlocked", "zh": "没锁"},
        "state.open": {"en": "open", "zh": "开着"},
        "state.closed": {"en": "closed", "zh": "关着"},
        "state.playing": {"en": "playing", "zh": "正在播放"},
        "state.paused": {"en": "paused", "zh": "已暂停"},
        "state.idle": {"en": "on and idle", "zh": "开着"},
        "state.cleaning": {"en": "cleaning", "zh": "正在打扫"},
        "state.docked": {"en": "docked", "zh": "在充电座上"},
        "state.returning": {"en": "returning to its dock", "zh": "正在回充"},
        "state.disarmed": {"en": "disarmed", "zh": "已撤防"},
        "state.armed_home": {"en": "armed (home)", "zh": "已在家布防"},
        "state.armed_away": {"en": "armed (away)", "zh": "已离家布防"},
        "state.triggered": {"en": "triggered", "zh": "正在报警"},
        "state.cool": {"en": "cooling", "zh": "在制冷"},
        "state.heat": {"en": "heating", "zh": "在制热"},
        "state.dry": {"en": "on in dry mode", "zh": "在除湿"},
        "state.fan_only": {"en": "on in fan mode", "zh": "在送风"},
        "state.auto": {"en": "on in auto mode", "zh": "在自动模式"},
        "state.electric": {"en": "on", "zh": "开着"},
        "state.eco": {"en": "on (eco)", "zh": "开着（节能）"},
        "state.unavailable": {"en": "offline", "zh": "离线"},
    }
)

# What a yes/no question's state word means for each domain ("is the door open").
_ASKED: dict[str, dict[Domain, str]] = {
    "on": {Domain.COVER: "open", Domain.LOCK: "unlocked"},
    "off": {Domain.COVER: "closed", Domain.LOCK: "locked"},
    "open": {Domain.LOCK: "unlocked", Domain.BINARY_SENSOR: "on"},
    "closed": {Domain.LOCK: "locked", Domain.BINARY_SENSOR: "off"},
}
# Which states count as "on" when somebody asks whether a thing is on.
_ON_STATES = frozenset(
    {
        "on",
        "open",
        "unlocked",
        "playing",
        "paused",
        "idle",
        "cleaning",
        "returning",
        "cool",
        "heat",
        "dry",
        "fan_only",
        "auto",
        "electric",
        "eco",
        "performance",
        "armed_home",
        "armed_away",
        "triggered",
    }
)


_verb = verb


def _describe(request: IntentRequest, entity: Entity, state: EntityState) -> str:
    if entity.domain is Domain.BINARY_SENSOR and entity.device_class in (
        "door",
        "window",
        "opening",
    ):
        key = "state.open" if state.state == "on" else "state.closed"
        return request.t(key)
    if entity.domain is Domain.SENSOR:
        unit = state.attributes.get("unit_of_measurement", "")
        value = f"{state.state}{'' if unit in ('%', '') else ' '}{unit}"
        return f"是{value}" if request.language == "zh" else value
    if entity.domain is Domain.COVER and state.state == "open":
        position = state.attributes.get("current_position")
        if position is not None and position < 100:
            return request.t("state.open") + f" ({position}%)"
    key = f"state.{state.state}"
    text = request.t(key)
    return state.state if text == key else text


def _matches(entity: Entity, state: str, asked: str) -> bool:
    wanted = _ASKED.get(asked, {}).get(entity.domain, asked)
    if wanted == "on":
        return state in _ON_STATES
    if wanted == "off":
        return state not in _ON_STATES and state != UNAVAILABLE
    return state == wanted


class GetState(IntentHandler):
    intent_type = "HassGetState"
    slots = {
        "name": "a device",
        "area": "a room",
        "domain": "a kind of device",
        "state": SlotSpec("on, off, open, locked..."),
    }

    async def handle(self, request: IntentRequest) -> Reply:
        targets = resolve(request.home, request.match, default_all=True)
        if not targets.ok:
            return target_error(request, targets)
        language = request.language
        asked = request.match.value("state")
        # A guest hears nothing of the home's security, nor of the private rooms.
        entities = [e for e in targets.entities if request.executor.policy.sees(request.actor.member, e)]
        if not entities:
            member = request.actor.member
            return request.reply(
                Status.REFUSED, "answer.not_visible", member=member, entity=targets.entities[0]
            )
        states = {e.entity_id: request.states.get(e.entity_id) for e in entities}

        def say(key: str, about: list[Entity]) -> str:
            """One answer sentence: names, their verb, and the first one's state in words."""
            first = about[0]
            return request.t(
                key,
                names=names(about, language),
                verb=_verb(about, language),
                state=_describe(request, first, states[first.entity_id]),
            )

        if asked is None:
            return Reply(Status.ANSWERED, " ".join(say("answer.state", [e]) for e in entities))
        asked = str(asked)
        if len(entities) == 1:
            entities = _door_sensor_for(request, entities[0], asked) or entities
            states = {e.entity_id: request.states.get(e.entity_id) for e in entities}
        hits = [e for e in entities if _matches(e, states[e.entity_id].state, asked)]
        if request.match.metadata.get("response") == "all" and len(entities) > 1:
            # "Are all the lights off?": yes only if every one is; otherwise name the others.
            misses = [e for e in entities if e not in hits]
            if not misses:
                state_word = request.t(f"state.{asked}")
                return Reply(Status.ANSWERED, request.t("answer.all", state=state_word))
            return Reply(Status.ANSWERED, say("answer.not_all", misses))
        if len(entities) == 1:
            return Reply(Status.ANSWERED, say("answer.yes" if hits else "answer.no", entities))
        if hits:
            return Reply(Status.ANSWERED, say("answer.some", hits))
        state_word = request.t(f"state.{asked}")
        return Reply(Status.ANSWERED, request.t("answer.none", verb="are", state=state_word))


def _door_sensor_for(request: IntentRequest, entity: Entity, asked: str) -> list[Entity] | None:
    """ "Is the front door open?" is about the door, which the contact sensor sees, not the lock."""
    if entity.domain is not Domain.LOCK or asked not in ("open", "closed", "on", "off"):
        return None
    sensors = [
        e
        for e in request.home.entities.values()
        if e.domain is Domain.BINARY_SENSOR and e.device_class == "door" and e.area == entity.area
    ]
    return sensors[:1] or None


def _numeric(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class GetTemperature(IntentHandler):
    intent_type = "HassClimateGetTemperature"
    slots = {"name": "an AC or thermometer", "area": "a room"}

    async def handle(self, request: IntentRequest) -> Reply:
        home, match, language = request.home, request.match, request.language
        area_id = match.value("area")
        if match.value("name") is not None:
            targets = resolve(home, match, domains={Domain.CLIMATE, Domain.SENSOR, Domain.WATER_HEATER})
            if not targets.ok:
                return target_error(request, targets)
            area_id = targets.entities[0].area
            entities = targets.entities
        else:
            if area_id is not None and area_id not in home.areas:
                return target_error(request, resolve(home, match))
            # A room's temperature is the air's: thermometers and ACs, not the water heater's water.
            entities = [
                e
                for e in home.entities.values()
                if (area_id is None or e.area == area_id) and e.domain is not Domain.WATER_HEATER
            ]
        where = request.t("where.area", area=home.areas[area_id]) if area_id else request.t("where.home")
        reading: float | None = None
        for entity in entities:
            state = request.states.get(entity.entity_id)
            if entity.domain is Domain.SENSOR and entity.device_class == "temperature":
                reading = _numeric(state.state)
            elif entity.domain in (Domain.CLIMATE, Domain.WATER_HEATER) and reading is None:
                reading = _numeric(state.attributes.get("current_temperature"))
            if reading is not None and entity.domain is Domain.SENSOR:
                break
        if reading is None:
            return Reply(Status.ANSWERED, request.t("answer.no_temperature", where=where))
        if match.value("name") is not None and entities[0].domain is not Domain.SENSOR:
            return Reply(
                Status.ANSWERED,
                request.t(
                    "answer.temperature_of",
                    names=names(entities[:1], language),
                    verb=verb(entities[:1], language),
                    value=_fmt(reading),
                ),
            )
        climates = [
            e
            for e in entities
            if e.domain is Domain.CLIMATE
            and request.states.get(e.entity_id).state not in ("off", UNAVAILABLE)
        ]
        if climates and (area_id or match.value("name")):
            target = request.states.get(climates[0].entity_id).attributes.get("temperature")
            if target is not None:
                return Reply(
                    Status.ANSWERED,
                    request.t(
                        "answer.temperature_target",
                        value=_fmt(reading),
                        where=where,
                        names=names(climates[:1], language),
                        verb=_verb(climates[:1], language),
                        target=_fmt(float(target)),
                    ),
                )
        return Reply(Status.ANSWERED, request.t("answer.temperature", value=_fmt(reading), where=where))


class Measure(IntentHandler):
    intent_type = "HomemindMeasure"
    slots = {"measure": SlotSpec("what to read", choices=("humidity", "power")), "area": "a room"}

    async def handle(self, request: IntentRequest) -> Reply:
        home, language = request.home, request.language
        measure = str(request.match.value("measure", "humidity"))
        area_id = request.match.value("area")
        sensors = [
            e
            for e in home.entities.values()
            if e.domain is Domain.SENSOR
            and e.device_class == measure
            and (area_id is None or e.area == area_id)
        ]
        if not sensors:
            where = (
                request.t("where.area", area=home.areas[area_id])
                if area_id in home.areas
                else request.t("where.anywhere")
            )
            return Reply(
                Status.ANSWERED,
                request.t("answer.no_measure", what=request.t(f"measure.{measure}"), where=where),
            )
        parts = []
        for sensor in sensors:
            state = request.states.get(sensor.entity_id)
            unit = state.attributes.get("unit_of_measurement", "")
            parts.append(
                request.t(
                    "answer.measure",
                    names=names([sensor], language),
                    verb=_verb([sensor], language),
                    value=state.state,
                    unit=unit if unit == "%" else f" {unit}",
                )
            )
        return Reply(Status.ANSWERED, " ".join(parts))


class CurrentTime(IntentHandler):
    intent_type = "HassGetCurrentTime"

    async def handle(self, request: IntentRequest) -> Reply:
        now = datetime.now(ZoneInfo(request.home.timezone))
        if request.language == "zh":
            text = f"{now.hour}点{now.minute:02d}分"
        else:
            text = now.strftime("%I:%M %p").lstrip("0")
        return Reply(Status.ANSWERED, request.t("answer.time", time=text))


class CurrentDate(IntentHandler):
    intent_type = "HassGetCurrentDate"

    async def handle(self, request: IntentRequest) -> Reply:
        now = datetime.now(ZoneInfo(request.home.timezone))
        if request.language == "zh":
            weekday = "一二三四五六日"[now.weekday()]
            text = f"{now.year}年{now.month}月{now.day}日，星期{weekday}"
        else:
            text = now.strftime("%A, %B ") + str(now.day) + now.strftime(", %Y")
        return Reply(Status.ANSWERED, request.t("answer.date", date=text))


class Nevermind(IntentHandler):
    intent_type = "HassNevermind"

    async def handle(self, request: IntentRequest) -> Reply:
        return Reply(Status.ANSWERED, request.t("answer.ok"))


def register(registry: HandlerRegistry) -> None:
    for handler in (
        GetState(),
        GetTemperature(),
        Measure(),
        CurrentTime(),
        CurrentDate(),
        Nevermind(),
    ):
        registry.register(handler)
