"""Time and condition clauses: "every day at 7pm", "in 20 minutes", "明早六点半", "门开的时候".

A device command with such a clause is never done now: the pipeline turns it into a
proposed automation (or a one-off scheduled action) that is read back for a yes.
This module only finds the clause and reads it; what to do with it is
``conversation/schedule.py``'s business.

Finding is deliberately generous (anything that looks like a time or a condition
counts), and reading strict: a clause that is found but cannot be read is reported,
so the sentence is answered "when?" rather than acted on at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homemind.core.model import Domain, Entity, Home
from homemind.core.services import ActionError
from homemind.household.when import When, extract, zh_digits
from homemind.nlu.vocabulary import HomeVocabulary

_NUM = r"(?:\d+|[零〇一二两三四五六七八九十百]+)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_EN_TIMES = [
    r"every\s*day|everyday|daily|weekly|nightly|each day|(?:every|each) (?:morning|evening|night|afternoon"
    r"|weekday|weekend|week)",
    rf"(?:every|on) weekdays?|weekdays|(?:every|on) weekends?|(?:every|each) {_WEEKDAY}s?|on {_WEEKDAY}s",
    r"tonight|tomorrow(?: (?:morning|afternoon|evening|night))?|the day after tomorrow",
    r"this (?:morning|afternoon|evening)",
    rf"(?:on |next |this )?{_WEEKDAY}(?: (?:morning|afternoon|evening|night))?",
    r"in the (?:morning|afternoon|evening)|at night|later(?: on)?(?: today| tonight)?",
    r"(?:in|after|within) (?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|ten|fifteen|twenty|thirty|forty"
    r"|forty-five|fifty|sixty|ninety|a couple of|a few|half an?|a half) ?(?:and a half )?"
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|m)\b(?: from now)?",
    r"in a (?:bit|while|moment|minute|sec|second)|in half an hour",
    r"at (?:noon|midday|midnight|dawn|dusk|sunset|sunrise)",
    r"(?:at|by|from|until|till) \d{1,2}(?::\d\d)?(?! ?(?:%|percent|degrees?|°|per|\d))(?: ?[ap]\.?m\b\.?)?",
    r"at (?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b(?: (?:o'clock|thirty|fifteen"
    r"|forty-five|forty five|oh five|ten|twenty|fifty))?",
    r"\d{1,2}(?::\d\d)? ?[ap]\.?m\b\.?|\d{1,2}:\d\d",
]
_EN_TIME = re.compile(r"\b(?:" + "|".join(_EN_TIMES) + r")(?:\s*o'clock)?", re.IGNORECASE)
_ZH_PART = r"(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜|今晚|明早|明晚|今早)"
_ZH_DAY = (
    r"(?:今天|明天|后天|大后天|今晚|明早|明晚|今早|(?:下个?|这个?|本)?(?:周|星期|礼拜)[一二三四五六日天1-7])"
)
_ZH_TIME = re.compile(
    r"(?:每天|每日|天天|每晚|每天晚上|每天早上|每早|每个?工作日|工作日|每逢?周末|周末|每个?(?:星期|礼拜|周)[一二三四五六日天1-7]"
    r"|每周|每星期)"
    rf"|{_ZH_DAY}"
    rf"|{_ZH_PART}?{_NUM}\s*(?:点钟?|:|：)\s*(?:半|一刻|三刻|{_NUM}\s*分?)?"
    rf"|{_NUM}\s*个?\s*(?:小时|钟头|分钟|分|秒钟|秒)\s*(?:后|以后|之后|过后)|半个?(?:小时|钟头)\s*(?:后|以后|之后)"
    rf"|过{_NUM}\s*个?(?:小时|分钟)|等一?会儿?|一会儿?(?:后|以后)?|待会儿?|晚点|过一会儿?"
    rf"|{_ZH_PART}"
)
# "一点" is "a little" unless it is clearly a time of day (下午一点, 一点钟, 一点半).
_ZH_ONE_OCLOCK = re.compile(r"^一\s*点$")
_VAGUE = re.compile(
    r"^(?:later(?: on)?(?: today| tonight)?|in a (?:bit|while|moment|minute|sec|second)"
    r"|等一?会儿?|一会儿?(?:后|以后)?|待会儿?|晚点|过一会儿?)$",
    re.IGNORECASE,
)
_EN_CONDITION = re.compile(r"\b(?:when|whenever|if|once|as soon as|every time|each time)\b", re.IGNORECASE)
_EN_ACTION_START = re.compile(
    r"\b(?:please |then |could you |can you )?"
    r"(?:turn|switch|open|close|shut|lock|start|stop|set|put|dim|make|run|play|pause|mute|arm|disarm|unlock"
    r"|brighten|boil)\b",
    re.IGNORECASE,
)
_ZH_CONDITION = re.compile(
    r"^(?P<cond>.+?)的时候[，,]?(?:就|再|请)?(?P<rest>.+)$"
    r"|^(?:如果|要是|假如|假若|万一|一旦|只要|每当|当)(?P<cond2>.+?)(?:的话|时|了)?[，,]?(?:就|那就|便|再)(?P<rest2>.+)$"
    r"|^(?:如果|要是|假如|一旦|只要|每当|当)(?P<cond3>.+?)(?:的话|时)?[，,](?P<rest3>.+)$"
    r"|^一(?P<cond4>.{1,12}?)就(?P<rest4>.+)$"
    r"|^等(?P<cond5>.+?)(?:以后|之后|了)[，,]?(?:再|就)?(?P<rest5>.+)$"
    r"|^(?P<rest6>.+?)[，,]?(?:如果|要是|假如|一旦|每当)(?P<cond6>.+?)(?:的话)?$"
)

_OPEN = re.compile(r"\b(opens?|opened|is open|gets opened|comes open)\b|开了|打开|被打开|开门|开着|^开$|开$")
_CLOSE = re.compile(r"\b(closes?|closed|is shut|shuts?)\b|关了|关上|关门|关着|^关$|关$")
_ON = re.compile(r"\b(turns? on|comes? on|switch(?:es|ed)? on|is on|starts?|started)\b|启动|开始|开机")
_OFF = re.compile(
    r"\b(turns? off|goes off|switch(?:es|ed)? off|is off|finish(?:es|ed)?|is done|stops?)\b|"
    r"停了|结束|洗完|完成|关机"
)
_LOCKED = re.compile(r"\b(locks|is locked|gets locked|locked)\b|锁上|锁了|锁好")
_UNLOCKED = re.compile(r"\b(unlocks|is unlocked|unlocked)\b|解锁|没锁")
_ABOVE = re.compile(
    r"(?:above|over|higher than|more than|exceeds?|hotter than|warmer than|reaches|hits"
    r"|超过|高于|大于|多于|到了|达到)"
    r"\s*(-?\d+(?:\.\d+)?)|(-?\d+(?:\.\d+)?)\s*(?:度|%|°c?|degrees?)?\s*(?:以上|or more|or above)",
    re.IGNORECASE,
)
_BELOW = re.compile(
    r"(?:below|under|lower than|less than|colder than|cooler than|drops? (?:below|under)"
    r"|低于|小于|少于|不到|不足)"
    r"\s*(-?\d+(?:\.\d+)?)|(-?\d+(?:\.\d+)?)\s*(?:度|%|°c?|degrees?)?\s*(?:以下|or less|or below)",
    re.IGNORECASE,
)
# Words that make a comma-separated part a command of its own, not a remark.
_ACTION = re.compile(
    r"\b(turn|switch|open|close|shut|lock|unlock|start|stop|set|put|dim|brighten|make|run|play|pause|"
    r"mute|arm|disarm|boil)\b|打开|关|开|调|拉|启动|锁|把|播放|暂停|布防|撤防",
    re.IGNORECASE,
)
_FILLER = frozenset(["please", "and", "then", "it", "the", "a", "do", "that", "please", "ok", "okay", "also"])
# "If you don't mind": politeness, not a condition.
_POLITE_IF = re.compile(r"\bif (you|u) (don'?t mind|can|could|would|please|like)\b.*$", re.IGNORECASE)
# A bound or an event to wait for ("until I come back", "晚饭之后"): asked about, never done now.
_EN_UNTIL = re.compile(r"\b(?:until|till|after)\b\s*(?P<cond>.+)$", re.IGNORECASE)
_ZH_AFTER = re.compile(r"^(?P<cond>.{1,12}?)(?:以后|之后)[，,]?(?:再|就)?(?P<rest>.+)$")
_HUMID = re.compile(r"humid|湿度|潮")
_GENERIC_DOORS = re.compile(r"\bdoor\b|门")
_GENERIC_WINDOWS = re.compile(r"\bwindow\b|窗")


@dataclass(frozen=True)
class Clause:
    """A time or condition said with a command, and the command's own words without it."""

    kind: str  # "time" or "condition"
    said: str
    rest: str
    when: When | None = None
    trigger: dict[str, Any] | None = None
    # Set when the clause was found but cannot be scheduled: the reply's message key.
    problem: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # Steps said with it that are no device command: "remind me to …", "tell everyone".
    steps: tuple[dict[str, Any], ...] = ()


class Clauses:
    def __init__(self, home: Home, vocabulary: HomeVocabulary) -> None:
        self.home = home
        self.vocabulary = vocabulary

    def find(self, text: str, language: str, now: datetime) -> Clause | None:
        """The clause in ``text`` (a condition before a time), or None for a plain command."""
        from homemind.conversation import outdoor_clauses  # it builds Clauses: imported when used

        folded = re.sub(r"[\s.!?。！？]+$", "", text.strip())
        return (
            outdoor_clauses.find(folded, language, now, self.home)
            or self._condition(folded, language)
            or self._time(folded, language, now)
            or self._wait(folded, language)
        )

    def from_spans(self, spans: list[str], language: str, now: datetime) -> Clause:
        """The times the learned tier tagged on a device command, read as a schedule."""
        said = ("" if language == "zh" else " ").join(spans)
        if _VAGUE.match(said.strip()):
            return Clause("time", said, "", problem="schedule.vague")
        try:
            when, _ = extract(said, language, now)
        except ActionError as exc:
            return Clause("time", said, "", problem=exc.key, params=dict(exc.params))
        if when is None:
            return Clause("time", said, "", problem="schedule.bad_time", params={"time": said})
        return Clause("time", said, "", when=when)

    # --- times ----------------------------------------------------------------------------

    def _time(self, text: str, language: str, now: datetime) -> Clause | None:
        pattern = _ZH_TIME if language == "zh" else _EN_TIME
        spans = [m for m in pattern.finditer(text) if not self._inside_a_name(text, m.start(), m.end())]
        spans = [m for m in spans if not (language == "zh" and self._zh_little(text, m))]
        if not spans:
            return None
        if self._commentary(text, spans[0], language):
            return None  # "start the rice cooker, dinner's in an hour": the time is not the command's
        start, end = spans[0].start(), spans[-1].end()
        said = text[start:end].strip(" ,，")
        rest = _join(text[:start], text[end:], language)
        if any(_VAGUE.match(m.group(0).strip()) for m in spans):
            return Clause("time", said, rest, problem="schedule.vague")
        try:
            when, _ = extract(said, language, now)
        except ActionError as exc:
            return Clause("time", said, rest, problem=exc.key, params=dict(exc.params))
        if when is None:
            return Clause("time", said, rest, problem="schedule.bad_time", params={"time": said})
        return Clause("time", said, rest, when=when)

    def _commentary(self, text: str, span: re.Match[str], language: str) -> bool:
        """A time in a comma-separated remark of its own, with no command in it, is not a schedule."""
        if not re.search(r"[,，;；]", text):
            return False
        start = max(text.rfind(c, 0, span.start()) for c in ",，;；") + 1
        ends = [i for i in (text.find(c, span.end()) for c in ",，;；") if i >= 0]
        segment = text[start : min(ends) if ends else len(text)]
        pattern = _ZH_TIME if language == "zh" else _EN_TIME
        rest = pattern.sub(" ", segment)
        if _ACTION.search(rest) or self.vocabulary.find(rest):
            return False
        words = re.findall(r"[a-z']+", rest.casefold())
        han = re.sub(r"[^\u4e00-\u9fff]", "", rest)
        return any(w not in _FILLER for w in words) or any(c not in "的了吧啊呀请就再在" for c in han)

    def _inside_a_name(self, text: str, start: int, end: int) -> bool:
        return any(f.start < end and start < f.end for f in self.vocabulary.find(text))

    @staticmethod
    def _zh_little(text: str, match: re.Match[str]) -> bool:
        """ "调亮一点": 一点 here is "a little", not one o'clock."""
        said = match.group(0).strip()
        if not _ZH_ONE_OCLOCK.match(said):
            return False
        before = text[: match.start()]
        return not re.search(rf"(?:{_ZH_PART}|{_ZH_DAY}|每天|在)\s*$", before)

    # --- conditions --------------------------------------------------------------------------

    def _condition(self, text: str, language: str) -> Clause | None:
        text = _POLITE_IF.sub("", text).strip(" ,")
        split = self._zh_split(text) if language == "zh" else self._en_split(text)
        if split is None:
            return None
        condition, rest = split
        times = _ZH_TIME if language == "zh" else _EN_TIME
        if times.fullmatch(condition.strip()):
            return None  # "when it's 7pm": a time, read as one
        trigger = self._trigger(condition, language)
        if trigger is None:
            return Clause("condition", condition, rest, problem="schedule.unknown_condition",
                          params={"condition": condition})  # fmt: skip
        return Clause("condition", condition, rest, trigger=trigger)

    @staticmethod
    def _wait(text: str, language: str) -> Clause | None:
        """ "Until I come back", "after dinner", "晚饭之后": an event the hub cannot watch for."""
        if language == "zh":
            found = _ZH_AFTER.match(text)
            condition, rest = (found["cond"], found["rest"]) if found else ("", "")
        else:
            found = _EN_UNTIL.search(text)
            condition, rest = (found["cond"], text[: found.start()].strip(" ,")) if found else ("", "")
        if not (found and rest):
            return None
        return Clause("condition", condition, rest, problem="schedule.unknown_condition",
                      params={"condition": condition})  # fmt: skip

    @staticmethod
    def _en_split(text: str) -> tuple[str, str] | None:
        found = _EN_CONDITION.search(text)
        if found is None:
            return None
        before, after = text[: found.start()].strip(" ,"), text[found.end() :].strip(" ,")
        if before and not before.casefold().startswith(("when", "if")):
            return after, before  # "turn on the light when the door opens"
        if "," in after:
            condition, _, rest = after.partition(",")
            return condition.strip(), rest.strip()
        action = _EN_ACTION_START.search(after)
        if action is None or action.start() == 0:
            return after, ""
        return after[: action.start()].strip(), after[action.start() :].strip()

    @staticmethod
    def _zh_split(text: str) -> tuple[str, str] | None:
        found = _ZH_CONDITION.match(text)
        if found is None:
            return None
        groups = found.groupdict()
        for i in ("", "2", "3", "4", "5", "6"):
            condition, rest = groups.get(f"cond{i}"), groups.get(f"rest{i}")
            if condition and rest:
                return condition.strip("，, "), rest.strip("，, ")
        return None

    def _trigger(self, condition: str, language: str) -> dict[str, Any] | None:
        """What to watch for: an entity reaching a state, or a reading crossing a number."""
        folded = zh_digits(condition.casefold()) if language == "zh" else condition.casefold()
        above, below = _ABOVE.search(folded), _BELOW.search(folded)
        if above or below:
            found = above or below
            assert found is not None
            value = float(found.group(1) or found.group(2))
            sensor = self._sensor(folded, humidity=bool(_HUMID.search(folded)) or "%" in folded)
            if sensor is None:
                return None
            return {"entity_id": sensor.entity_id, ("above" if above else "below"): value}
        entities = [self.home.entities[f.key] for f in self.vocabulary.find(condition) if f.kind == "entity"]
        areas = [f.key for f in self.vocabulary.find(condition) if f.kind == "area"]
        for pattern, state in ((_UNLOCKED, "unlocked"), (_LOCKED, "locked"), (_OPEN, "open"),
                               (_CLOSE, "closed"), (_ON, "on"), (_OFF, "off")):  # fmt: skip
            if pattern.search(folded):
                entity = self._subject(entities, areas, folded, state)
                if entity is None:
                    return None
                to = _state_for(entity, state)
                return {"entity_id": entity.entity_id, "to": to} if to else None
        return None

    def _subject(self, entities: list[Entity], areas: list[str], folded: str, state: str) -> Entity | None:
        """The device whose change is watched; a door that opens is its contact sensor, not its lock."""
        contacts = [e for e in self.home.entities.values() if e.domain is Domain.BINARY_SENSOR]
        if state in ("open", "closed"):
            for entity in entities:
                if entity.domain is Domain.LOCK or entity.domain is Domain.BINARY_SENSOR:
                    near = [
                        c for c in contacts if c.area == entity.area and c.device_class in ("door", "opening")
                    ]
                    if entity.domain is Domain.BINARY_SENSOR:
                        return entity
                    if len(near) == 1:
                        return near[0]
            if not entities:
                kind = (
                    "door"
                    if _GENERIC_DOORS.search(folded)
                    else "window"
                    if _GENERIC_WINDOWS.search(folded)
                    else None
                )
                pool = [c for c in contacts if c.device_class == kind and (not areas or c.area in areas)]
                if kind and len(pool) == 1:
                    return pool[0]
        return entities[0] if len(entities) == 1 else None

    def _sensor(self, folded: str, *, humidity: bool) -> Entity | None:
        kind = "humidity" if humidity else "temperature"
        sensors = [
            e for e in self.home.entities.values() if e.domain is Domain.SENSOR and e.device_class == kind
        ]
        named = [self.home.entities[f.key] for f in self.vocabulary.find(folded) if f.kind == "entity"]
        areas = {f.key for f in self.vocabulary.find(folded) if f.kind == "area"}
        chosen = [s for s in sensors if s in named] or [s for s in sensors if s.area in areas]
        if not chosen and not areas and len(sensors) == 1:
            chosen = sensors
        return chosen[0] if len(chosen) == 1 else None


def _state_for(entity: Entity, state: str) -> str | None:
    """The entity's own state word for "opens", "is locked", "comes on"."""
    domain = entity.domain
    if domain is Domain.BINARY_SENSOR:
        return {"open": "on", "closed": "off", "on": "on", "off": "off"}.get(state)
    if domain is Domain.COVER:
        return {"open": "open", "closed": "closed"}.get(state)
    if domain is Domain.LOCK:
        return {"locked": "locked", "unlocked": "unlocked", "closed": "locked"}.get(state)
    if domain in (Domain.LIGHT, Domain.SWITCH, Domain.FAN, Domain.MEDIA_PLAYER):
        return {"on": "on", "off": "off", "open": "on", "closed": "off"}.get(state)
    return None


def _join(before: str, after: str, language: str) -> str:
    if language == "zh":
        return re.sub(r"\s+", "", (before + after)).strip("，,的在 ")
    joined = re.sub(r"\s+", " ", f"{before} {after}").strip(" ,")
    return re.sub(r"\s+(?:at|on|for|by|in|from)$", "", joined)
