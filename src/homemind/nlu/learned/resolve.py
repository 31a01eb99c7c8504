"""The learned tier: the model's label and spans, resolved against the home, as an IntentMatch.

The model knows language, not this home: it says "iot_hue_lightoff" and tags
"living room" as a place. Resolution turns that into what the template tier
would have produced (``HassTurnOff`` with ``area=living_room``), so every
handler, check and confirmation downstream is the same whichever tier spoke.
Anything the home cannot place (a room it does not have, a device it does
not know) is passed on as text, so the handler answers "no device called X"
instead of guessing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homemind.core.model import Domain, Home
from homemind.nlu.normalize import normalize
from homemind.nlu.types import IntentMatch, Slot
from homemind.nlu.vocabulary import Found, HomeVocabulary

if TYPE_CHECKING:  # the model (numpy, onnxruntime) is imported when first used, not with the hub
    from homemind.nlu.learned.model import LearnedModel, Prediction

log = logging.getLogger(__name__)

# Below this calibrated confidence the tier stays silent and the pipeline says "not understood".
CONFIDENCE = 0.5
# Unlocking and disarming are never done on a guess (and still need the PIN afterwards).
SENSITIVE_CONFIDENCE = 0.9
SENSITIVE_LABELS = frozenset({"hm_unlock", "hm_security_disarm"})

_WHOLE_HOME = frozenset(
    {"house", "home", "whole house", "the house", "家里", "屋里", "全屋", "家", "全家", "所有"}
)

_COLORS = {
    "red": "red", "红": "red", "blue": "blue", "蓝": "blue", "green": "green", "绿": "green",
    "yellow": "yellow", "黄": "yellow", "purple": "purple", "紫": "purple", "pink": "pink", "粉": "pink",
    "orange": "orange", "橙": "orange", "white": "white", "白": "white", "cyan": "cyan", "青": "cyan",
}  # fmt: skip

# Shades of white are colour temperatures, not colours: "warm white" is about 2700 K.
_WHITES = [
    (("warm white", "warmer white", "warmer", "warm light", "暖白", "暖光", "暖色", "黄光"), 2700),
    (("cool white", "cold white", "daylight", "cooler white", "冷白", "冷光", "白光"), 6500),
]

_HVAC_MODES = [
    ("fan only", "fan_only"), ("送风", "fan_only"), ("fan", "fan_only"),
    ("dehumidify", "dry"), ("dehumidifying", "dry"), ("除湿", "dry"), ("dry", "dry"),
    ("制冷", "cool"), ("冷风", "cool"), ("cool", "cool"), ("cooling", "cool"),
    ("制热", "heat"), ("暖风", "heat"), ("heat", "heat"), ("heating", "heat"), ("warm", "heat"),
    ("auto", "auto"), ("自动", "auto"),
]  # fmt: skip

_ASKED_STATES = [
    ("unlocked", "unlocked"), ("没锁", "unlocked"), ("locked", "locked"), ("锁", "locked"),
    ("open", "open"), ("开着的吗", "open"), ("拉开", "open"), ("closed", "closed"), ("shut", "closed"),
    ("关着", "closed"), ("拉上", "closed"), ("off", "off"), ("关了", "off"), ("关掉", "off"),
    ("on", "on"), ("running", "on"), ("开着", "on"), ("亮着", "on"), ("armed", "on"),
]  # fmt: skip

_EN_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_TENS = re.compile(
    r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[ -]"
    r"(one|two|three|four|five|six|seven|eight|nine)\b"
)
_EN_WORD_NUMBER = re.compile(r"\b(" + "|".join(_EN_NUMBERS) + r")\b")
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)")


def english_numbers_to_digits(text: str) -> str:
    """ "twenty four degrees" -> "24 degrees": only what a home command needs (0-99, and "a hundred")."""
    text = re.sub(r"\b(?:a|one) hundred\b", "100", text)
    text = _EN_TENS.sub(lambda m: str(_EN_NUMBERS[m.group(1)] + _EN_NUMBERS[m.group(2)]), text)
    return _EN_WORD_NUMBER.sub(lambda m: str(_EN_NUMBERS[m.group(1)]), text)


def _numbers(text: str, language: str) -> list[float]:
    folded = normalize(text, language)
    folded = english_numbers_to_digits(folded.casefold()) if language == "en" else folded
    folded = re.sub(r"\b(half|halfway|half way)\b|一半", "50", folded)
    folded = re.sub(r"\b(?:a )?quarter\b", "25", folded)
    return [float(n) for n in _NUMBER.findall(folded)]


_ZH_BOUNDARY = set("把将给在请帮我你他她的里开关打调亮暗灯和跟也都吧了吗呢啊")


def _whole_chinese_word(text: str, start: int, end: int) -> str:
    """The model may tag only 库 of 车库: widen a Chinese span to the characters around it
    up to the nearest grammar word, so that the reply names the room the person said."""
    if not any("\u4e00" <= c <= "\u9fff" for c in text[start:end]):
        return text[start:end]
    while start > 0 and "\u4e00" <= text[start - 1] <= "\u9fff" and text[start - 1] not in _ZH_BOUNDARY:
        start -= 1
    while end < len(text) and "\u4e00" <= text[end] <= "\u9fff" and text[end] not in _ZH_BOUNDARY:
        end += 1
    return text[start:end]


def _plain_name(words: str) -> str:
    """ "Lily's room" ~ "lilys room", "莉莉的房间" ~ "莉莉房间": possessives do not tell rooms apart."""
    return re.sub(r"['’]s\b|的|\s+", "", words.casefold())


_Builder = Callable[["_Context"], IntentMatch | None]
# Words for a kind of device, not one device: "the lights", "灯".
_GENERIC_DEVICE = re.compile(
    r"\b(the|all|my|our|lights?|lamps?|lighting|bulbs?|curtains?|blinds?|shades?|devices?|everything)\b"
    r"|灯光|灯|窗帘|百叶窗|所有|全部|设备|的"
)
_TIMES = frozenset({"time", "date", "timeofday", "general_frequency"})


@dataclass
class _Context:
    text: str
    language: str
    prediction: Prediction
    found: list[Found]
    home: Home

    @property
    def folded(self) -> str:
        return self.text.casefold()

    def has(self, *words: str) -> bool:
        return any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", self.folded) for w in words)

    def says(self, word: str) -> bool:
        """An English word as a word ("on" is not in "balcony"), a Chinese one anywhere."""
        return word in self.text if not word.isascii() else self.has(word)

    def target_slots(
        self, domain: Domain | None, allowed: frozenset[Domain] | None = None
    ) -> dict[str, Slot] | None:
        """name/area/domain slots for what the sentence points at.

        ``domain`` is what the label implies when no device is named ("lights off"
        means lights). ``allowed`` limits which named devices count: "把客厅温度调到24度"
        names the living-room thermometer, but a temperature is set on the room's AC,
        so a named device outside ``allowed`` only tells us the room.
        """
        slots: dict[str, Slot] = {}
        entities = [f for f in self.found if f.kind == "entity"]
        areas = [f for f in self.found if f.kind == "area"]
        if allowed is not None:
            outside = [f for f in entities if self.home.entities[f.key].domain not in allowed]
            entities = [f for f in entities if f not in outside]
            if outside and not areas and self.home.entities[outside[0].key].area:
                area_id = self.home.entities[outside[0].key].area or ""
                areas = [Found("area", area_id, outside[0].text, outside[0].start, outside[0].end)]
        if entities:
            chosen = entities[0]
            if domain is not None:
                chosen = next((f for f in entities if self.home.entities[f.key].domain is domain), chosen)
            slots["name"] = Slot(chosen.key, chosen.text)
        elif domain is not None:
            slots["domain"] = Slot(domain.value, domain.value)
            device = self.prediction.entity("device_type")
            if device is not None and _GENERIC_DEVICE.sub("", device.value.casefold()).strip():
                # "The big light": one device the home does not call that; never every light.
                slots["device_words"] = Slot(device.value, device.value)
        if areas:
            slots["area"] = Slot(areas[0].key, areas[0].text)
        else:
            place = self.prediction.entity("house_place")
            if place is not None and not entities and not self._overlaps_a_name(place.start, place.end):
                area = self._area_like(place.value)
                if area is not None:
                    slots["area"] = Slot(area, place.value)
                elif place.value.casefold() not in _WHOLE_HOME:
                    # A room this home does not have: say so rather than act on the whole flat.
                    words = _whole_chinese_word(self.text, place.start, place.end)
                    slots["area"] = Slot(words, words)
        if not entities and domain is None and allowed is None:
            device = self.prediction.entity("device_type")
            if device is not None:
                slots["name"] = Slot(None, device.value)  # an unknown device: the handler says so
        return slots

    def _overlaps_a_name(self, start: int, end: int) -> bool:
        """The model tagged "lounge" in "the lounge light", which the home already knows as a light."""
        return any(f.start < end and start < f.end for f in self.found)

    def _area_like(self, words: str) -> str | None:
        """ "Lily's" for the room called "Lily's room": an area one of whose names starts with the words."""
        wanted = _plain_name(words)
        if len(wanted) < 2:
            return None
        for area in self.home.areas.values():
            names = [_plain_name(n) for lang in ("en", "zh") for n in area.names.all_for(lang)]
            if any(n.startswith(wanted) for n in names):
                return area.id
        return None

    def match(self, name: str, slots: dict[str, Slot], **metadata: Any) -> IntentMatch:
        # Times the model tagged ("every day", "晚上七点"): a device command with one is never done
        # now; the pipeline reads them as a schedule (conversation/clauses.py).
        spans = [e.value for e in sorted(self.prediction.entities, key=lambda e: e.start) if e.type in _TIMES]
        if spans:
            metadata["time_spans"] = spans
        return IntentMatch(
            name=name,
            slots=slots,
            tier="learned",
            language=self.language,
            confidence=round(self.prediction.confidence, 4),
            metadata={"label": self.prediction.intent, **metadata},
        )

    def number(self) -> float | None:
        values = _numbers(self.text, self.language)
        return values[0] if values else None


_HERE = re.compile(r"\b(in here|here)\b|这里|这儿|屋里|房间里")


def _switch(turn_on: bool, domain: Domain | None) -> _Builder:
    def build(ctx: _Context) -> IntentMatch | None:
        slots = ctx.target_slots(domain)
        if slots is None or not (slots.keys() & {"name", "domain", "area"}):
            return None
        if "name" not in slots and "area" not in slots and _HERE.search(ctx.folded):
            # "It's dark in here": the speaker's room, asked for when no satellite says which.
            return ctx.match("HassTurnOn" if turn_on else "HassTurnOff", slots, homemind="here")
        return ctx.match("HassTurnOn" if turn_on else "HassTurnOff", slots)

    return build


def _light_step(up: bool) -> _Builder:
    def build(ctx: _Context) -> IntentMatch | None:
        slots = ctx.target_slots(Domain.LIGHT)
        if slots is None:
            return None
        value = ctx.number()
        absolute = "%" in ctx.text or "百分" in ctx.text or "一半" in ctx.text
        if value is not None and (absolute or ctx.has("percent", "half", "brightness")):
            return ctx.match("HassLightSet", {**slots, "brightness": Slot(value, str(value))})
        return ctx.match("HomemindLightStep", {**slots, "direction": Slot("up" if up else "down", "")})

    return build


def _light_change(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(Domain.LIGHT)
    if slots is None:
        return None
    for words, kelvin in _WHITES:
        if any(ctx.says(w) for w in words):
            return ctx.match("HassLightSet", {**slots, "temperature": Slot(kelvin, str(kelvin))})
    for word, color in _COLORS.items():
        if word in ctx.text if ctx.language == "zh" else ctx.has(word):
            return ctx.match("HassLightSet", {**slots, "color": Slot(color, word)})
    value = ctx.number()
    if value is not None:
        return ctx.match("HassLightSet", {**slots, "brightness": Slot(value, str(value))})
    if ctx.has("brightest", "full", "maximum") or "最亮" in ctx.text:
        return ctx.match("HassLightSet", {**slots, "brightness": Slot(100, "100")})
    return None


_CLIMATES = frozenset({Domain.CLIMATE, Domain.WATER_HEATER})


def _climate_set(ctx: _Context) -> IntentMatch | None:
    value = ctx.number()
    slots = ctx.target_slots(None, _CLIMATES)
    if value is None or slots is None:
        return None
    return ctx.match("HassClimateSetTemperature", {**slots, "temperature": Slot(value, str(value))})


def _climate_mode(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(Domain.CLIMATE, frozenset({Domain.CLIMATE}))
    mode = next((m for w, m in _HVAC_MODES if ctx.says(w)), None)
    if slots is None or mode is None:
        return None
    return ctx.match("HomemindSetHvacMode", {**slots, "hvac_mode": Slot(mode, mode)})


_STEP_WORDS = frozenset({"heat", "cool", "warm", "heating", "cooling"})


def _said_degrees(ctx: _Context) -> float | None:
    """ "Up a couple of degrees" -> 2, "调高两度" -> 2; None when no amount was said."""
    if not (ctx.has("degree", "degrees") or "度" in ctx.text):
        return None
    if ctx.has("a couple", "couple", "a few"):
        return 2.0
    value = ctx.number()
    return value if value is not None and 0 < value <= 10 else None


def _climate_step(up: bool) -> _Builder:
    def build(ctx: _Context) -> IntentMatch | None:
        if any(ctx.says(w) for w, _ in _HVAC_MODES if w not in _STEP_WORDS):
            return _climate_mode(ctx)  # "muggy, put the aircon on dry": the mode said, not a step
        slots = ctx.target_slots(Domain.CLIMATE, _CLIMATES)
        if slots is None:
            return None
        degrees = _said_degrees(ctx)
        if degrees is not None:
            slots["degrees"] = Slot(degrees, str(degrees))
        area = slots.get("area")
        if not up and area is not None and "name" not in slots:
            # "The bathroom's stuffy": no AC there, but a fan will do.
            in_area = [e for e in ctx.home.entities.values() if e.area == area.value]
            fans = [e for e in in_area if e.domain is Domain.FAN]
            if fans and not any(e.domain is Domain.CLIMATE for e in in_area):
                return ctx.match("HassTurnOn", {"name": Slot(fans[0].entity_id, ""), "area": area})
        return ctx.match("HomemindClimateStep", {**slots, "direction": Slot("up" if up else "down", "")})

    return build


def _cover_position(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(Domain.COVER)
    value = ctx.number()
    if slots is None:
        return None
    if value is None and (ctx.has("a little", "a crack", "partially") or "一点" in ctx.text):
        value = 20
    if value is None:
        return None
    return ctx.match("HassSetPosition", {**slots, "position": Slot(value, str(value))})


def _cover(opening: bool) -> _Builder:
    """ "Close the blinds halfway": a position, not all the way."""

    def build(ctx: _Context) -> IntentMatch | None:
        if ctx.has("half", "halfway", "half way") or "一半" in ctx.text:
            slots = ctx.target_slots(Domain.COVER)
            return (
                None if slots is None else ctx.match("HassSetPosition", {**slots, "position": Slot(50, "50")})
            )
        return _switch(opening, Domain.COVER)(ctx)

    return build


def _plain(intent: str, domain: Domain | None, **extra: str) -> _Builder:
    def build(ctx: _Context) -> IntentMatch | None:
        slots = ctx.target_slots(domain)
        if slots is None:
            return None
        return ctx.match(intent, {**slots, **{k: Slot(v, v) for k, v in extra.items()}})

    return build


_PAUSE_WORDS = ("pause", "stop", "hold", "wait", "停", "暂停", "等一下", "别扫")
_DOCK_WORDS = ("dock", "base", "charge", "charging", "go home", "back home", "回去", "充电", "回充")


def _cleaning(ctx: _Context) -> IntentMatch | None:
    """The vacuum: SLURP has one label for it, but "hold the roomba" must not start it."""
    if any(ctx.says(w) for w in _PAUSE_WORDS):
        return _plain("HomemindVacuumPause", Domain.VACUUM)(ctx)
    if any(ctx.says(w) for w in _DOCK_WORDS):
        return _plain("HassVacuumReturnToBase", Domain.VACUUM)(ctx)
    return _plain("HassVacuumStart", Domain.VACUUM)(ctx)


_SECURITY_WORDS = (
    *("arm", "armed", "home mode", "away mode", "security", "burglar"),
    *("安防", "布防", "警报", "报警"),
)


def _alarm_set(ctx: _Context) -> IntentMatch | None:
    """ "Put the alarm on home mode" is the security system, not an alarm clock."""
    if any(ctx.says(w) for w in _SECURITY_WORDS):
        return _arm(ctx)
    # The alarm skill finds the time in the whole sentence, as it does for the template tier's {when}.
    return ctx.match("HomemindAlarmSet", {"when": Slot(ctx.text, ctx.text)})


def _span(ctx: _Context, *types: str) -> str | None:
    """The words the model tagged as one of ``types`` (several spans of a type joined in order)."""
    found = [e for e in ctx.prediction.entities if e.type in types]
    if not found:
        return None
    return ("" if ctx.language == "zh" else " ").join(e.value for e in sorted(found, key=lambda e: e.start))


def _skill(intent: str, **slot_types: tuple[str, ...]) -> _Builder:
    """A household intent whose slots are the model's spans; ("*",) means the whole sentence.

    Nothing the model tagged for a required slot -> None, so the pipeline says "not understood"
    rather than writing an empty item or an order for nothing.
    """

    def build(ctx: _Context) -> IntentMatch | None:
        slots: dict[str, Slot] = {}
        for slot, types in slot_types.items():
            words = ctx.text if types == ("*",) else _span(ctx, *(t.lstrip("?") for t in types))
            if words is not None:
                slots[slot] = Slot(words, words)
        required = [s for s, t in slot_types.items() if t and not t[0].startswith("?")]
        if any(s not in slots for s in required):
            return None
        return ctx.match(intent, slots)

    return build


_CALENDAR_WORDS = (
    *("calendar", "schedule", "appointment", "meeting", "event", "diary", "book"),
    *("日历", "日程", "安排", "会议", "预约", "约会", "行程"),
)


def _calendar_event(ctx: _Context) -> IntentMatch | None:
    """Only when the sentence speaks of the calendar: "we're off to the park today" is chat, not an event."""
    title = _span(ctx, "event_name", "meeting_type")
    if title is None or not any(ctx.says(w) for w in _CALENDAR_WORDS):
        return None
    when = _span(ctx, "date", "time", "timeofday") or ""
    return ctx.match("HomemindCalendarAdd", {"event": Slot(f"{title} {when}".strip(), title)})


def _lock(locking: bool) -> _Builder:
    def build(ctx: _Context) -> IntentMatch | None:
        slots = ctx.target_slots(Domain.LOCK)
        if slots is None:
            return None
        return ctx.match("HomemindLock" if locking else "HomemindUnlock", slots)

    return build


def _arm(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(Domain.ALARM_CONTROL_PANEL)
    if slots is None:
        return None
    home_mode = ctx.has("home", "stay", "night", "bed") or any(w in ctx.text for w in ("在家", "睡", "晚上"))
    return ctx.match("HomemindAlarmArm", {**slots, "alarm_mode": Slot("home" if home_mode else "away", "")})


def _volume(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(Domain.MEDIA_PLAYER)
    value = ctx.number()
    if slots is None or value is None:
        return None
    return ctx.match("HassSetVolume", {**slots, "volume_level": Slot(value, str(value))})


def _device_state(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(Domain.LIGHT if ctx.has("light", "lights", "lamp") or "灯" in ctx.text else None)
    if slots is None or not (slots.keys() & {"name", "domain", "area"}):
        return None
    asked = next((state for word, state in _ASKED_STATES if ctx.says(word)), None)
    if asked is not None:
        slots["state"] = Slot(asked, asked)
    return ctx.match("HassGetState", slots)


_MEASURES = [
    (("humidity", "humid", "湿度", "潮"), "humidity"),
    (("electricity", "power", "energy", "用电", "功率", "电量", "多少电", "耗电", "电费"), "power"),
]


_ENERGY_WORDS = (
    *("today", "this week", "this month", "yesterday", "last month", "bill", "cost", "did we use"),
    *("今天", "这周", "本周", "这个月", "本月", "昨天", "上个月", "电费", "用了", "多少钱"),
)


def _says_now(ctx: _Context) -> bool:
    """ "家里现在用了多少电" asks what is drawn now, not what was used today."""
    return any(ctx.says(w) for w in ("现在", "目前", "此刻", "now", "currently", "at the moment"))


def _temperature(ctx: _Context) -> IntentMatch | None:
    for words, measure in _MEASURES:
        if any(ctx.says(w) for w in words):
            if measure == "power" and any(ctx.says(w) for w in _ENERGY_WORDS) and not _says_now(ctx):
                # "今天用了多少电": energy over a period (or its cost), not the power drawn now.
                slots = ctx.target_slots(None, frozenset({d for d in Domain if d is not Domain.SENSOR})) or {}
                return ctx.match("HomemindEnergyUsage", {k: v for k, v in slots.items() if k == "name"})
            slots = ctx.target_slots(None, frozenset({Domain.SENSOR})) or {}
            return ctx.match("HomemindMeasure", {**slots, "measure": Slot(measure, measure)})
    slots = ctx.target_slots(None, frozenset({Domain.CLIMATE, Domain.SENSOR})) or {}
    slots.pop("domain", None)
    return ctx.match("HassClimateGetTemperature", slots)


def _humidity(ctx: _Context) -> IntentMatch | None:
    slots = ctx.target_slots(None, frozenset({Domain.SENSOR})) or {}
    return ctx.match("HomemindMeasure", {**slots, "measure": Slot("humidity", "humidity")})


def _datetime(ctx: _Context) -> IntentMatch | None:
    asks_date = ctx.has("date", "day", "today", "tomorrow", "month") or any(
        w in ctx.text for w in ("几号", "星期", "周几", "礼拜", "日期", "几月")
    )
    return ctx.match("HassGetCurrentDate" if asks_date else "HassGetCurrentTime", {})


_WEATHER_SPANS = {"place": ("place_name",), "day": ("date",), "timeofday": ("timeofday",)}


def _weather(ctx: _Context) -> IntentMatch | None:
    """The spans as words; the weather skill reads "明天" or "this weekend" itself (weather/question.py)."""
    slots = {slot: Slot(w, w) for slot, types in _WEATHER_SPANS.items() if (w := _span(ctx, *types))}
    descriptor = _span(ctx, "weather_descriptor")
    if descriptor:
        slots["descriptor"] = Slot(descriptor, descriptor)
    return ctx.match("HomemindWeather", slots)


_QUERY_LABELS = frozenset(
    {"hm_device_state", "hm_temperature_query", "hm_humidity_query", "datetime_query", "weather_query"}
    | {"alarm_query", "lists_query", "calendar_query"}
)
_EN_QUESTION = re.compile(r"^(is|are|was|were|did|does|do|has|have|what|which|how|when|where|who|why)\b")
_ZH_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")  # 大不大, 冷不冷, 开没开
_ZH_REQUEST = re.compile(r"能|可以|可不可以|帮|麻烦|请|给我|行吗|好吗")


def is_question(text: str, language: str) -> bool:
    """Does the sentence ask rather than tell? Polite requests ("could you...?", "能帮我开灯吗") tell."""
    folded = text.casefold().strip()
    if language == "en":
        return bool(_EN_QUESTION.match(folded))
    if _ZH_A_NOT_A.search(folded) or re.search(r"是不是|有没有|几度|多少", folded):
        return True
    return bool(re.search(r"[吗么][?？]?$", folded)) and not _ZH_REQUEST.search(folded)


def _chit_chat(ctx: _Context) -> IntentMatch | None:
    return None  # "blah blah", "you're funny": nothing to do, and "not understood" says what is possible


BUILDERS: dict[str, _Builder] = {
    "general_quirky": _chit_chat,
    "iot_hue_lightoff": _switch(False, Domain.LIGHT),
    "iot_hue_lighton": _switch(True, Domain.LIGHT),
    "iot_hue_lightdim": _light_step(False),
    "iot_hue_lightup": _light_step(True),
    "iot_hue_lightchange": _light_change,
    "iot_wemo_on": _switch(True, None),
    "iot_wemo_off": _switch(False, None),
    "iot_cleaning": _cleaning,
    "hm_vacuum_dock": _plain("HassVacuumReturnToBase", Domain.VACUUM),
    "audio_volume_up": _plain("HassSetVolumeRelative", Domain.MEDIA_PLAYER, volume_step="up"),
    "audio_volume_down": _plain("HassSetVolumeRelative", Domain.MEDIA_PLAYER, volume_step="down"),
    "audio_volume_mute": _plain("HassMediaPlayerMute", Domain.MEDIA_PLAYER),
    "audio_volume_other": _volume,
    "hm_media_pause": _plain("HassMediaPause", Domain.MEDIA_PLAYER),
    "hm_media_resume": _plain("HassMediaUnpause", Domain.MEDIA_PLAYER),
    "hm_climate_set": _climate_set,
    "hm_climate_mode": _climate_mode,
    "hm_climate_warmer": _climate_step(True),
    "hm_climate_cooler": _climate_step(False),
    "hm_cover_open": _cover(True),
    "hm_cover_close": _cover(False),
    "hm_cover_position": _cover_position,
    "hm_lock": _lock(True),
    "hm_unlock": _lock(False),
    "hm_security_arm": _arm,
    "hm_security_disarm": _plain("HomemindAlarmDisarm", Domain.ALARM_CONTROL_PANEL),
    "hm_device_state": _device_state,
    "hm_temperature_query": _temperature,
    "hm_humidity_query": _humidity,
    "datetime_query": _datetime,
    "alarm_set": _alarm_set,
    "alarm_query": _skill("HomemindAlarmList"),
    "alarm_remove": _skill("HomemindAlarmDelete", when=("?time",)),
    "lists_createoradd": _skill(
        "HassListAddItem", item=("food_type", "ingredient", "drink_type"), list_name=("?list_name",)
    ),
    "lists_query": _skill("HomemindListRead", list_name=("?list_name",)),
    "lists_remove": _skill(
        "HomemindListRemoveItem", item=("food_type", "ingredient", "drink_type"), list_name=("?list_name",)
    ),
    "calendar_set": _calendar_event,
    "calendar_query": _skill("HomemindCalendarQuery", day=("?date",)),
    "calendar_remove": _skill("HomemindCalendarRemove", event=("event_name", "meeting_type")),
    "takeaway_order": _skill("HomemindOrder", order=("food_type", "drink_type")),
    "weather_query": _weather,
}


class LearnedRecognizer:
    """Second tier: the trained model, used when no template matched."""

    tier = "learned"
    blocking = True  # runs a network: the pipeline calls it from a worker thread

    def __init__(self, home: Home, model: LearnedModel | None = None) -> None:
        self.home = home
        self._model = model
        self._broken = False
        self._vocabulary = HomeVocabulary(home)

    @property
    def model(self) -> LearnedModel | None:
        if self._model is None and not self._broken:
            from homemind.nlu.learned.model import shared_model

            try:
                self._model = shared_model()
            except Exception as exc:  # a damaged model must cost this tier, not the hub
                log.error("learned tier disabled: cannot load its model: %s", exc)
                self._broken = True
        return self._model

    def warm_up(self) -> None:
        if self.model is not None:
            self.model.predict("turn on the light")

    def recognize(self, text: str, language: str) -> IntentMatch | None:
        model = self.model
        if model is None or not any(c.isalnum() for c in text):
            return None  # emoji and punctuation alone carry no command, whatever the model guesses
        prediction = model.predict(text)
        needed = SENSITIVE_CONFIDENCE if prediction.intent in SENSITIVE_LABELS else CONFIDENCE
        if prediction.confidence < needed:
            return None
        build = BUILDERS.get(prediction.intent)
        context = _Context(text, language, prediction, self._vocabulary.find(text), self.home)
        if build is not None and prediction.intent not in _QUERY_LABELS and is_question(text, language):
            return None  # "客厅冷不冷" asks; a model that heard "turn the heating up" must not act on it
        if build is None:
            # Understood, but not something this hub does (yet): the handler registry says so.
            # The tagged spans travel as text slots (date, time, list_name, food_type, ...).
            spans = {e.type: Slot(e.value, e.value) for e in reversed(prediction.entities)}
            return context.match(f"slurp.{prediction.intent}", spans)
        return build(context)
