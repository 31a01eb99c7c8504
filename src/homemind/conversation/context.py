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
_TARGET_SLOTS = ("name", "area", "domain")
_QUESTIONS = frozenset({"HassGetState", "HassClimateGetTemperature"})

_EN_FILLER = {
    "and", "the", "too", "also", "as", "well", "in", "please", "same", "for", "what", "about", "how", "there",
    "of", "ok", "okay", "now", "then", "one", "that", "thing", "do", "with", "again", "back", "it", "them",
    "those", "this", "a", "bit", "little", "just", "more", "even", "much", "lot", "yes", "room",
}  # fmt: skip
# No 吗 among them: "大门锁了吗" asks whether the door is locked; it must never lock it.
_ZH_FILLER = "也还有呢吧的一样同样那和把给里了就再一点些下啊呀哈它们这个那个边个请帮我"

_ON = re.compile(r"\b(turn|switch|put|power)\b.*\bon\b|^on$|\bopen\b|打开|开一下|开了|开开|开$|开吧|亮起来")
_OFF = re.compile(r"\b(turn|switch|shut|power)\b.*\boff\b|^off$|\bclose\b|关掉|关了|关上|关闭|关$|关吧|熄")
_LOCK = re.compile(r"\block\b|锁上|锁好|锁了|^锁")
_UNLOCK = re.compile(r"\bunlock\b|解锁|开锁")
_VERB_INTENTS = {"on": "HassTurnOn", "off": "HassTurnOff", "lock": "HomemindLock", "unlock": "HomemindUnlock"}
_PRONOUN = re.compile(r"\b(it|them|that|those|this|back|again)\b|它|再")
_QUESTION = re.compile(r"[?？]\s*$|吗\s*$|没有?\s*$|是不是|^(is|are|was|were|did|does|do|has|have)\b")
_MORE = re.compile(r"\bmore\b|\bagain\b|^再|再来|还要")
_LESS = re.compile(r"\bless\b|\bnot so much\b|少一点|别那么")
_UP = re.compile(r"\b(brighter|louder|warmer|higher|up|hotter)\b|亮|大声|大|高|暖|热")
_DOWN = re.compile(r"\b(dimmer|darker|quieter|softer|cooler|colder|lower|down)\b|暗|小|低|凉|冷")

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
    """The part of a turn a follow-up may lean on."""

    intent: str
    slots: dict[str, tuple[Any, str]]
    direction: str | None = None

    @classmethod
    def of(cls, match: IntentMatch) -> Context | None:
        if match.name not in FOLLOWABLE:
            return None
        slots = {k: (v.value, v.text) for k, v in match.slots.items()}
        direction = match.value("direction") or match.value("volume_step")
        if direction not in ("up", "down"):
            direction = None
        return cls(match.name, slots, direction)

    def payload(self) -> dict[str, Any]:
        return {"intent": self.intent, "slots": self.slots, "direction": self.direction}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Context:
        slots = {k: (v[0], v[1]) for k, v in payload["slots"].items()}
        return cls(payload["intent"], slots, payload.get("direction"))

    def target_slots(self) -> dict[str, Slot]:
        return {k: Slot(v, t) for k, (v, t) in self.slots.items() if k in _TARGET_SLOTS}


class FollowUps:
    def __init__(self, home: Home) -> None:
        self.home = home
        self.vocabulary = HomeVocabulary(home)

    def resolve(self, text: str, language: str, previous: Context) -> IntentMatch | None:
        folded = text.casefold().strip()
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
        return self._same_target(rest, verb, language, previous)

    def _new_target(
        self, rest: str, found: list[Any], verb: str | None, language: str, previous: Context
    ) -> IntentMatch | None:
        """ "And the bedroom too", "卧室的也关了": the previous command on a new room or device."""
        leftover = _strip_verbs(rest)
        if not _only_filler(leftover, language):
            return None
        if verb is not None and previous.intent not in _VERB_INTENTS.values():
            return None
        intent = _VERB_INTENTS[verb] if verb is not None else previous.intent
        slots = {k: Slot(v, t) for k, (v, t) in previous.slots.items() if k not in _TARGET_SLOTS}
        old_name = previous.slots.get("name")
        old_domain = previous.slots.get("domain")
        areas = [f for f in found if f.kind == "area"]
        entities = [f for f in found if f.kind == "entity"]
        if entities:
            slots["name"] = Slot(entities[0].key, entities[0].text)
        else:
            kind = None
            if old_name is not None and old_name[0] in self.home.entities:
                kind = self.home.entities[old_name[0]].domain.value
            elif old_domain is not None:
                kind = old_domain[0]
            if kind is not None:
                slots["domain"] = Slot(kind, kind)
        if areas:
            slots["area"] = Slot(areas[0].key, areas[0].text)
        return _match(intent, slots, language, previous)

    def _same_target(
        self, rest: str, verb: str | None, language: str, previous: Context
    ) -> IntentMatch | None:
        """ "Turn it back on", "a bit more", "再亮一点": the previous targets again."""
        targets = previous.target_slots()
        if not targets:
            return None
        if verb is not None and _PRONOUN.search(rest) and _only_filler(_strip_verbs(rest), language):
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
        r"less|more|make|turn|it|again|not|so|much)\b",
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
