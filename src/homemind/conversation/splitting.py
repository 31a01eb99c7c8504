"""Compound commands: "switch the tv off and the floor lamp on", "把卧室灯和客厅灯都关了".

A sentence is cut at "and", "then", ",", 和, 跟, 然后, 再, 顺便, 、 into parts, each read
on its own and done in order. A part that only names a target ("and the living room",
"把卧室灯" before "客厅灯都关了") takes its command from its neighbour, the one that
follows in Chinese and the one before in English. A part that is not understood is
never guessed at: the reply names it.

Cutting is cautious, because "and" also joins list items ("eggs and milk") and commas
join remarks to commands ("switch off the extractor, it's noisy"):

- a sentence the template tier understands whole as something other than a device
  command is never cut;
- "and"/和/跟/、 cut only next to a part that names a device, a room or a verb (never
  inside a word: 暖和, 和平);
- a comma cuts only between parts the template tier understands on their own; otherwise
  the remark stays with its command, and the sentence is read whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from homemind.conversation.context import Context, FollowUps
from homemind.nlu.types import IntentMatch
from homemind.nlu.vocabulary import HomeVocabulary

_EN_CUT = re.compile(
    r"\s*(?:[,;]\s*(?:and\s+)?(?:then\s+)?(?:also\s+)?|\s+and\s+then\s+|\s+then\s+|\s+and\s+(?:also\s+)?)\s*",
    re.IGNORECASE,
)
_ZH_CUT = re.compile(
    r"\s*(?:[，,；;]\s*(?:然后|再|顺便|还有)?|然后|顺便|、|(?<![暖温缓柔总随])和(?![平好谐])|跟"
    r"|(?<=\S)再(?=把|打开|关|开|调|启动|拉|锁|让))\s*"
)
# A bare comma, with no "and", "then", 然后 after it: a remark may follow as well as a command.
_COMMA = re.compile(r"^\s*[,;，；]\s*$")
_VERBS = re.compile(
    r"\b(turn|switch|set|open|close|shut|lock|unlock|start|stop|pause|resume|play|dim|brighten|mute|arm|"
    r"disarm|put|make|on|off)\b|打开|关|开|调|拉|启动|锁|暂停|播放|静音|布防|撤防",
    re.IGNORECASE,
)
_KINDS = re.compile(r"\b(lights?|lamps?|ac|curtains?|blinds?|tv|fan)\b|灯|空调|窗帘|电视|风扇", re.IGNORECASE)


@dataclass
class Piece:
    text: str
    by_comma: bool  # joined to the piece before it by a comma (not "and"/和)


class Splitter:
    def __init__(self, vocabulary: HomeVocabulary, follow_ups: FollowUps) -> None:
        self.vocabulary = vocabulary
        self.follow_ups = follow_ups

    def pieces(self, text: str, language: str, template: Callable[[str], IntentMatch | None]) -> list[str]:
        """The parts of a compound command, or one part: the sentence itself."""
        raw = self._cut(text, language)
        if len(raw) < 2:
            return [text]
        merged: list[Piece] = [raw[0]]
        for piece in raw[1:]:
            previous = merged[-1]
            if piece.by_comma:
                commands = template(previous.text) is not None, template(piece.text) is not None
                if all(commands):
                    merged.append(piece)
                    continue
                if commands[0] and not self._commandish(piece.text):
                    continue  # "switch off the extractor, it's noisy": the remark adds nothing to do
                if commands[1] and not self._commandish(previous.text):
                    merged[-1] = piece  # "天黑了，把窗帘拉上": the command, without the remark
                    continue
            elif self._commandish(previous.text) or self._commandish(piece.text):
                merged.append(piece)
                continue
            joiner = "" if language == "zh" else (", " if piece.by_comma else " and ")
            merged[-1] = Piece(previous.text + joiner + piece.text, previous.by_comma)
        return [p.text for p in merged]

    def _cut(self, text: str, language: str) -> list[Piece]:
        pattern = _ZH_CUT if language == "zh" else _EN_CUT
        names = self.vocabulary.find(text)
        pieces: list[Piece] = []
        start, by_comma = 0, False
        for cut in pattern.finditer(text):
            if any(n.start < cut.end() and cut.start() < n.end for n in names):
                continue  # "和" inside a device's own name
            part = text[start : cut.start()].strip()
            if part:
                pieces.append(Piece(part, by_comma))
            start, by_comma = cut.end(), bool(_COMMA.match(cut.group(0)))
        tail = text[start:].strip(" .!?。！？")
        if tail:
            pieces.append(Piece(tail, by_comma))
        return pieces

    def has_verb(self, text: str) -> bool:
        """Says what to do (a verb, on/off), not only which device: "the floor lamp on" does, "卧室灯" not."""
        rest = text
        for found in reversed(self.vocabulary.find(text)):
            rest = rest[: found.start] + " " + rest[found.end :]
        return bool(_VERBS.search(rest))

    def _commandish(self, text: str) -> bool:
        """Names a device, a room, a kind of device or a verb: a part a command can be made of."""
        return bool(self.vocabulary.find(text) or _VERBS.search(text) or _KINDS.search(text))

    def borrow(self, text: str, language: str, donor: IntentMatch) -> IntentMatch | None:
        """A part that only names targets ("the kitchen light", "卧室灯") with its neighbour's command."""
        context = Context.of(donor)
        if context is None:
            return None
        found = self.follow_ups.resolve(text, language, context)
        if found is None:
            return None
        metadata = {k: v for k, v in found.metadata.items() if k != "follows"}
        return IntentMatch(found.name, found.slots, donor.tier, language, donor.confidence, metadata)
