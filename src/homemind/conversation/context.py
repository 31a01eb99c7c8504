"""Follow-ups: "and the bedroom too", "turn it back on", "a bit more", "再亮一点", "卧室的也关了".

A follow-up is read against the previous turn of the same conversation, which
the store keeps for a few minutes (``CONTEXT_SECONDS``). Only what a command
was about travels (its intent and targets); a confirmation or a PIN never does,
so "and the back door too" after an unlock asks for the PIN again.

The rules are few and strict on purpose: a sentence is a follow-up only when,
after the rooms and devices it names are taken out, nothing but follow-up words
remain. Anything else goes to the understanding tiers as a new command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from homemind.core.model import Home
from homemind.nlu.normalize import normalize
from homemind.nlu.types import IntentMatch, Slot
from homemind.nlu.vocabulary import HomeVocabulary

CONTEXT_SECONDS = 300

# Intents whose targets a follow-up may reuse; questions and confirmations are left out of "it".
FOLLOWABLE = frozenset(
    {
        "HassTurnOn",
        "HassTurnOff",
        "HassLightSet",
        "HomemindLightStep",
        "HomemindClimateStep",
        "HassClimateSetTemperature",
        "HomemindSetHvacMode",
        "HassSetVolume",
        "HassSetVolumeRelative",
        "HassSetPosition",
        "HassMediaPause",
        "HassMediaUnpause",
        "HassMediaPlayerMute",
        "HassVacuumStart",
        "HassVacuumReturnToBase",
        "HomemindLock",
        "HomemindUnlock",
        "HassGetState",
        "HassClimateGetTemperature",
    }
)
# Household commands whose result a follow-up continues ("and eggs", "make it ten minutes").
HOUSEHOLD_FOLLOWABLE = frozenset({"HassListAddItem", "HassStartTimer", "HomemindTimerSet"})
_TARGET_SLOTS = ("name", "area", "domain")
_QUESTIONS = frozenset({"HassGetState", "HassClimateGetTemperature"})

_EN_FILLER = {
    "and", "the", "too", "also", "as", "well", "in", "please", "same", "for", "what", "about", "how", "there",
    "of", "ok", "okay", "now", "then", "one", "that", "thing", "do", "with", "again", "back", "it", "them",
    "those", "this", "a", "bit", "little", "just", "more", "even", "much", "lot", "yes", "room", "make",
}  # fmt: skip
# No 吗 among them: "大门锁了吗" asks whether the door is locked; it must never lock it.
_ZH_FILLER = "也还有呢吧的一样同样那和把给里了就再一点些下啊呀哈它们这个那个边个请帮我是着"

_ON = re.compile(
    r"\b(turn|switch|put|power)\b.*\bon\b|\bon$|\bopen\b|打开|开一下|开了|开开|开着|开$|开吧|亮起来"
)
_OFF = re.compile(
    r"\b(turn|switch|shut|power)\b.*\boff\b|\boff$|\bclose\b|关掉|关了|关上|关闭|关着|关$|关吧|熄"
)
_LOCK = re.compile(r"\block\b|锁上|锁好|锁了|^锁")
_UNLOCK = re.compile(r"\bunlock\b|解锁|开锁")
# Words for a kind of device: with them and a verb, a sentence says everything itself.
_DOMAIN_WORDS = re.compile(
    r"\b(lights?|lamps?|ac|air ?con|curtains?|blinds?|tv|fan)\b|灯|空调|窗帘|电视|风扇"
)
_VERB_INTENTS = {"on": "HassTurnOn", "off": "HassTurnOff", "lock": "HomemindLock", "unlock": "HomemindUnlock"}
_PRONOUN = re.compile(r"\b(it|them|that|those|this|back|again)\b|它|再")
_QUESTION = re.compile(r"[?？]\s*$|吗\s*$|没有?\s*$|是不是|^(is|are|was|were|did|does|do|has|have)\b")
_MORE = re.compile(r"\bmore\b|\bagain\b|^再|再来|还要")
_LESS = re.compile(r"\bless\b|\bnot so much\b|少一点|别那么")
_UP = re.compile(r"\b(brighter|brighten|louder|warmer|higher|up|hotter)\b|亮|大声|大|高|暖|热")
_DOWN = re.compile(r"\b(dimmer|dim|darker|quieter|softer|cooler|colder|lower|down)\b|暗|小|低|凉|冷")
# "Make it 20 percent", "调到百分之二十": the last targets' own percentage.
_DEGREES = re.compile(r"(\d+(?:\.\d+)?)\s*(?:度|degrees?|°c?)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent|per cent)")
# A change of mind: "actually, turn it off again", "还是开着吧".
_CHANGE_OF_MIND = re.compile(r"^(?:actually|no wait|wait|on second thought|oh|hmm)[\s,]+|^还是|^算了[,，]?")

# What "more"/"less" means after each kind of command: the step intent that continues it.
_STEPS = {
    "HomemindLightStep": "HomemindLightStep",
    "HassLightSet": "HomemindLightStep",
    "HassTurnOn": "HomemindLightStep",
    "HomemindClimateStep": "HomemindClimateStep",
    "HassClimateSetTemperature": "HomemindClimateStep",
    "HomemindSetHvacMode": "HomemindClimateStep",
    "HassSetVolumeRelative": "HassSetVolumeRelative",
    "HassSetVolume": "HassSetVolumeRelative",
}


@dataclass(frozen=True)
class Context:
    """The part of a turn a follow-up may lean on: its command, and the devices it acted on."""

    intent: str
    slots: dict[str, tuple[Any, str]]
    direction: str | None = None
    # The devices the turn actually reached: "dim it" means these, never every light.
    entities: tuple[str, ...] = ()
    # What a household command made ({"list", "items"}, {"timer_id"}): "and eggs", "make it 10 minutes".
    made: dict[str, Any] | None = None

    @classmethod
    def of(
        cls, match: IntentMatch, entities: list[str] | None = None, made: dict[str, Any] | None = None
    ) -> Context | None:
        if match.name not in FOLLOWABLE and not (made and match.name in HOUSEHOLD_FOLLOWABLE):
            return None
        slots = {k: (v.value, v.text) for k, v in match.slots.items()}
        direction = match.value("direction") or match.value("volume_step")
        if direction not in ("up", "down"):
            direction = None
        return cls(match.name, slots, direction, tuple(dict.fromkeys(entities or ())), made)

    def payload(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "slots": self.slots,
            "direction": self.direction,
            "entities": list(self.entities),
            "made": self.made,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Context:
        slots = {k: (v[0], v[1]) for k, v in payload["slots"].items()}
        entities = tuple(payload.get("entities") or ())
        return cls(payload["intent"], slots, payload.get("direction"), entities, payload.get("made"))

    def target_slots(self) -> dict[str, Slot]:
        if self.entities:
            said = self.slots.get("name", self.slots.get("area", ("", "")))[1] or ""
            return {"entities": Slot(list(self.entities), said)}
        return {k: Slot(v, t) for k, (v, t) in self.slots.items() if k in _TARGET_SLOTS}

    def kind(self, home: Home) -> str | None:
        """The kind of device the last command was about ("卧室的也开了" means the bedroom's lights)."""
        for entity_id in self.entities:
            if entity_id in home.entities:
                return home.entities[entity_id].domain.value
        name = self.slots.get("name")
        if name is not None and name[0] in home.entities:
            return home.entities[name[0]].domain.value
        domain = self.slots.get("domain")
        return None if domain is None else str(domain[0])


class FollowUps:
    def __init__(self, home: Home) -> None:
        self.home = home
        self.vocabulary = HomeVocabulary(home)

    def resolve(self, text: str, language: str, previous: Context) -> IntentMatch | None:
        if previous.intent not in FOLLOWABLE:
            return None  # a list or a timer: household_followups.py
        said = text.casefold().strip()
        folded = _CHANGE_OF_MIND.sub("", said)
        changed_mind = folded != said  # "actually …", "还是…吧": the last targets, no "it" needed
        if language == "zh":
            folded = normalize(folded, "zh")
        asking = bool(_QUESTION.search(folded))
        if asking and previous.intent not in _QUESTIONS:
            return None  # a question is never taken as a command about the last thing said
        folded = re.sub(r"[\s.,!?;:。，！？；：、~]+$", "", folded)
        found = self.vocabulary.find(folded)
        rest = folded
        for item in reversed(found):
            rest = rest[: item.start] + " " + rest[item.end :]
        verb = None
        for name, pattern in (("unlock", _UNLOCK), ("lock", _LOCK), ("on", _ON), ("off", _OFF)):
            if pattern.search(rest):
                verb = name
                break
        if asking and verb is not None:
            return None
        if found:
            return self._new_target(rest, found, verb, language, previous)
        percent = _PERCENT.search(rest)
        if percent is not None:
            return self._percent(rest, percent, language, previous)
        degrees = _DEGREES.search(rest)
        if degrees is not None and previous.kind(self.home) in ("climate", "water_heater"):
            return self._degrees(rest, degrees, language, previous)
        return self._same_target(rest, verb, language, previous, changed_mind=changed_mind)

    def _degrees(
        self, rest: str, found: re.Match[str], language: str, previous: Context
    ) -> IntentMatch | None:
        """ "Make it 24 degrees", "调到二十四度" after an AC command: that AC's temperature."""
        targets = previous.target_slots()
        leftover = rest[: found.start()] + " " + rest[found.end() :]
        leftover = re.sub(
            r"\b(make|set|turn|put|bring|change|it|them|to|at|please|degrees?)\b|调到|调成|设为|设到|开到|温度|它|把",
            " ",
            leftover,
        )
        if not targets or not _only_filler(leftover, language):
            return None
        value = float(found.group(1))
        slots = {**targets, "temperature": Slot(value, found.group(0))}
        return _match("HassClimateSetTemperature", slots, language, previous)

    def _percent(
        self, rest: str, found: re.Match[str], language: str, previous: Context
    ) -> IntentMatch | None:
        """ "Make it 20 percent": the previous targets' own percentage (brightness, position, volume)."""
        targets = previous.target_slots()
        leftover = rest[: found.start()] + " " + rest[found.end() :]
        leftover = re.sub(
            r"\b(make|set|turn|put|bring|change|it|them|to|at|please)\b|调到|调成|设为|开到|它|把",
            " ",
            leftover,
        )
        if not targets or not _only_filler(leftover, language):
            return None
        value = float(found.group(1))
        return _match(
            "HomemindSetPercent", {**targets, "percent": Slot(value, found.group(0))}, language, previous
        )

    def _new_target(
        self, rest: str, found: list[Any], verb: str | None, language: str, previous: Context
    ) -> IntentMatch | None:
        """ "And the bedroom too", "卧室的也关了": the previous command on a new room or device."""
        leftover = _strip_verbs(rest)
        if not _only_filler(leftover, language):
            return None
        if verb is not None and previous.intent not in _VERB_INTENTS.values():
            return None
        areas = [f for f in found if f.kind == "area"]
        entities = [f for f in found if f.kind == "entity"]
        # A whole sentence ("turn on the bedroom light") needs no context: the tiers read it first.
        complete = verb is not None and bool(entities or _DOMAIN_WORDS.search(rest))
        intent = _VERB_INTENTS[verb] if verb is not None else previous.intent
        slots = {k: Slot(v, t) for k, (v, t) in previous.slots.items() if k not in _TARGET_SLOTS}
        if entities:
            slots["name"] = Slot(entities[0].key, entities[0].text)
            if len(entities) > 1:
                slots["entities"] = Slot([f.key for f in entities], " ".join(f.text for f in entities))
        else:
            kind = previous.kind(self.home)
            if kind is not None:
                slots["domain"] = Slot(kind, kind)
        if areas:
            slots["area"] = Slot(areas[0].key, areas[0].text)
        found_match = _match(intent, slots, language, previous)
        if complete:
            found_match.metadata["complete"] = True
        return found_match

    def _same_target(
        self, rest: str, verb: str | None, language: str, previous: Context, *, changed_mind: bool = False
    ) -> IntentMatch | None:
        """ "Turn it back on", "a bit more", "再亮一点": the previous targets again."""
        targets = previous.target_slots()
        if not targets:
            return None
        pointed = changed_mind or bool(_PRONOUN.search(rest))
        if verb is not None and pointed and _only_filler(_strip_verbs(rest), language):
            return _match(_VERB_INTENTS[verb], targets, language, previous)
        step = _STEPS.get(previous.intent)
        if step is None or verb is not None:
            return None
        direction = None
        if _UP.search(rest):
            direction = "up"
        elif _DOWN.search(rest):
            direction = "down"
        elif _MORE.search(rest):
            direction = previous.direction or "up"
        elif _LESS.search(rest):
            direction = "down" if (previous.direction or "up") == "up" else "up"
        if direction is None or not _only_filler(_strip_step_words(rest), language):
            return None
        key = "volume_step" if step == "HassSetVolumeRelative" else "direction"
        return _match(step, {**targets, key: Slot(direction, direction)}, language, previous)


def _match(intent: str, slots: dict[str, Slot], language: str, previous: Context) -> IntentMatch:
    return IntentMatch(
        intent, slots, tier="follow-up", language=language, metadata={"follows": previous.intent}
    )


def _strip_verbs(text: str) -> str:
    text = re.sub(r"\b(turn|switch|put|power|shut|open|close|lock|unlock)\b|\b(on|off)\b", " ", text)
    return re.sub(
        r"解锁|开锁|锁上|锁好|锁了|锁|打开|开一下|开了|开开|关掉|关了|关上|关闭|亮起来|熄|开|关", " ", text
    )


def _strip_step_words(text: str) -> str:
    text = re.sub(
        r"\b(brighter|louder|warmer|higher|up|hotter|dimmer|darker|quieter|softer|cooler|colder|lower|down|"
        r"less|more|make|turn|it|again|not|so|much|dim|brighten)\b",
        " ",
        text,
    )
    return re.sub(r"亮|大声|大|高|暖和?|热|暗|小声|小|低|凉快?|冷|少|多|来|别那么|调", " ", text)


def _only_filler(text: str, language: str) -> bool:
    words = re.findall(r"[a-z']+", text)
    if any(w not in _EN_FILLER for w in words):
        return False
    han = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return all(c in _ZH_FILLER for c in han)
