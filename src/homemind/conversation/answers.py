"""Reading a turn as the answer to the question the hub just asked.

An answer is resolved only against the choices that question offered: "the bedroom
one" picks the choice in the bedroom, "卧室的" too, "the second one" the second
offered, "both" / "都要" every one, "either" / "随便" the first, "never mind" / "算了"
lets the question go. What names something that was not offered is no answer, and is
never turned into a command about that other thing: the hub asks again once, then
lets the question go. A sentence that is clearly a new command (it has a verb of its
own, or asks something) drops the question and is understood as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from homemind.conversation.dialogue import Question
from homemind.nlu.types import IntentMatch, Slot
from homemind.nlu.vocabulary import HomeVocabulary
from homemind.skills.asking import Choice


class Verdict(StrEnum):
    ANSWERED = "answered"
    CANCELLED = "cancelled"
    UNCLEAR = "unclear"  # an attempt at an answer that matches no choice
    NEW_COMMAND = "new_command"


@dataclass
class Answer:
    verdict: Verdict
    match: IntentMatch | None = None


_CANCEL = re.compile(
    r"^(never ?mind|forget (it|that)|cancel|no|nope|neither|none of them|leave it|don'?t bother|stop|"
    r"算了|不用了?|取消|不要了?|都不要|别管了|没事了?|不了)$",
    re.IGNORECASE,
)
_BOTH = re.compile(r"\b(both|all of them|all|both of them|each)\b|都要|两个都|全部|都是|都")
_EITHER = re.compile(
    r"\b(either|any|whichever|either one|any of them|doesn'?t matter)\b|随便|哪个都行|都行|无所谓"
)
_ORDINALS = [
    (re.compile(r"\b(first|1st|former|top)\b|第一|第1|前一个|前面(那|的)|上面(那|的)"), 0),
    (re.compile(r"\b(second|2nd)\b|第二|第2"), 1),
    (re.compile(r"\b(third|3rd)\b|第三|第3"), 2),
    (re.compile(r"\b(last|latter|bottom)\b|最后|后一个|后面(那|的)|下面(那|的)"), -1),
]
_EN_FILLER = frozenset(
    {
        "the", "a", "an", "one", "ones", "please", "that", "this", "in", "on", "at", "of", "for", "with", "i",
        "mean", "meant", "want", "it", "is", "its", "it's", "uh", "um", "oh", "ok", "okay", "yes", "yeah",
        "sure", "just", "room",
    }
)  # fmt: skip
_ZH_FILLER = "的那个这个一个是吧呢啊呀哦嗯请要我说里边面屋间房就用"
# A verb or a question word of its own: the turn is a new command, not an answer.
_NEW_COMMAND = re.compile(
    r"\b(turn|switch|set|open|close|shut|lock|unlock|start|stop|pause|resume|play|dim|brighten|make|"
    r"put|add|remind|order|buy|cancel|arm|disarm|mute|unmute|what|what's|how|is|are|when|where|who|why|"
    r"tell|show|read|run|activate|enable|disable|delete|remove|check|timer|alarm)\b"
    r"|打开|关|调|设|锁|解锁|播放|暂停|提醒|加|买|订|启动|停|吗|多少|几|什么|怎么|哪|开|删|计时|闹钟",
    re.IGNORECASE,
)
_ON_WORDS = re.compile(r"\b(turn|switch|put)\b|\bon\b|打开|开")
_OFF_WORDS = re.compile(r"\b(turn|switch|shut)\b|\boff\b|关")


class Answers:
    def __init__(self, vocabulary: HomeVocabulary) -> None:
        self.vocabulary = vocabulary

    def read(self, text: str, question: Question, language: str) -> Answer:
        folded = re.sub(r"[\s.,!?;:。，！？；：~]+$", "", text.casefold().strip())
        folded = re.sub(r"^(actually|i meant|i mean|um+|uh+|呃|嗯|就)[\s,，]*", "", folded)
        if _CANCEL.match(folded):
            return Answer(Verdict.CANCELLED)
        if question.ask.kind == "value":
            return self._value(folded, question, language)
        picked = self._pick(folded, question)
        if picked is not None:
            return Answer(Verdict.ANSWERED, self._command(picked, question, language))
        if _NEW_COMMAND.search(folded):
            return Answer(Verdict.NEW_COMMAND)
        return Answer(Verdict.UNCLEAR)

    # --- "which" questions ------------------------------------------------------------

    def _pick(self, folded: str, question: Question) -> list[Choice] | None:
        choices = list(question.ask.choices)
        if not choices:
            return None
        rest = folded
        found = [f for f in self.vocabulary.find(folded)]
        picked: list[Choice] = []
        for item in found:
            if item.kind == "entity":
                hits = [c for c in choices if c.key == item.key]
            else:
                hits = [c for c in choices if c.area == item.key or c.key == item.key]
            if not hits:
                return None  # it names something that was not offered: no answer
            picked += [c for c in hits if c not in picked]
        for item in reversed(found):
            rest = rest[: item.start] + " " + rest[item.end :]
        if not picked:
            picked = self._by_words(rest, choices)
            if picked:
                for choice in picked:
                    for word in choice.words:
                        rest = re.sub(re.escape(word.casefold()), " ", rest)
        if not picked:
            for pattern, index in _ORDINALS:
                if pattern.search(rest) and -len(choices) <= index < len(choices):
                    picked = [choices[index]]
                    rest = pattern.sub(" ", rest)
                    break
        if not picked and _EITHER.search(rest):
            picked, rest = [choices[0]], _EITHER.sub(" ", rest)
        if _BOTH.search(rest):
            picked, rest = (picked if len(picked) > 1 else choices), _BOTH.sub(" ", rest)
        if not picked:
            return None
        return picked if _only_filler(self._without_intent_verbs(rest, question)) else None

    @staticmethod
    def _by_words(rest: str, choices: list[Choice]) -> list[Choice]:
        """A choice that is no device: the pasta timer by "the pasta one", "意面那个"."""
        words = set(re.findall(r"[a-z0-9']+", rest)) - _EN_FILLER
        han = re.sub(r"[^\u4e00-\u9fff]", "", rest)
        hits = []
        for choice in choices:
            for word in choice.words:
                said = word.casefold()
                if (said.isascii() and said in words) or (not said.isascii() and said and said in han):
                    hits.append(choice)
                    break
        return hits

    @staticmethod
    def _command(picked: list[Choice], question: Question, language: str) -> IntentMatch:
        slot = question.ask.slot
        keys = [c.key for c in picked]
        said = ", ".join(c.words[0] if c.words else c.key for c in picked)
        slots: dict[str, Slot] = {}
        if slot == "entities":
            slots["entities"] = Slot(keys, said)
        elif slot == "area":
            slots["area"] = Slot(keys[0], said)
        else:
            slots[slot] = Slot(keys[0], said)
        match = question.command(slots, language)
        if slot in ("entities", "area"):
            # The answer names the targets; what the question's command said about them goes.
            dropped = ("name", "domain", "device_class", "area") if slot == "entities" else ("name", "area")
            kept = {k: v for k, v in match.slots.items() if k not in dropped}
            kept.update(slots)
            match = IntentMatch(
                match.name, kept, match.tier, match.language, match.confidence, match.metadata
            )
        return match

    # --- "value" questions ("for how long?", "for what time?") -----------------------------

    def _value(self, folded: str, question: Question, language: str) -> Answer:
        from homemind.household.when import parse_duration

        slot = question.ask.slot
        if slot == "duration" and parse_duration(folded, language) is None:
            return Answer(Verdict.NEW_COMMAND if _NEW_COMMAND.search(folded) else Verdict.UNCLEAR)
        if slot != "duration" and not re.search(
            r"\d|[一二两三四五六七八九十半点]|noon|midnight|morning|"
            r"evening|night|tonight|tomorrow|[a-z]+day\b",
            folded,
        ):
            return Answer(Verdict.NEW_COMMAND if _NEW_COMMAND.search(folded) else Verdict.UNCLEAR)
        said = folded
        if question.ask.append:
            before = question.slots.get(slot, ("", ""))[1] or ""
            said = f"{before} {folded}".strip() if language == "en" else f"{before}{folded}"
        return Answer(Verdict.ANSWERED, question.command({slot: Slot(said, said)}, language))

    @staticmethod
    def _without_intent_verbs(text: str, question: Question) -> str:
        """ "Turn on the bedroom one" answers "which light shall I turn on?": its verb is the question's."""
        if question.intent == "HassTurnOn":
            return _ON_WORDS.sub(" ", text)
        if question.intent == "HassTurnOff":
            return _OFF_WORDS.sub(" ", text)
        return text


def _only_filler(text: str) -> bool:
    words = re.findall(r"[a-z']+", text)
    if any(w not in _EN_FILLER for w in words):
        return False
    han = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return all(c in _ZH_FILLER for c in han)
