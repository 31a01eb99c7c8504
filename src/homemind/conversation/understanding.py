"""From one sentence (or one part of a compound one) to what it asks for, and when.

Follow-ups are read against the last turn first, then the tiers in order. A time or
condition clause on a device command is taken off and kept beside the command
(``Reading.clause``), so the pipeline schedules it instead of doing it now; the
learned tier's own time spans on a device command count as such a clause too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from homemind.conversation import household_followups
from homemind.conversation.clauses import Clause, Clauses
from homemind.conversation.context import FOLLOWABLE, HOUSEHOLD_FOLLOWABLE, Context, FollowUps
from homemind.conversation.evidence import Doubt, Evidence, Verdict
from homemind.core.model import Home
from homemind.nlu.types import IntentMatch, Recognizer, Slot
from homemind.nlu.vocabulary import HomeVocabulary

# Commands that change a device: with a time or condition they are scheduled, never done now.
DEVICE_INTENTS = frozenset(
    (FOLLOWABLE - {"HassGetState", "HassClimateGetTemperature"})
    | {
        "HomemindWhichLight",
        "HomemindVacuumPause",
        "HomemindAlarmArm",
        "HomemindAlarmDisarm",
        "HassMediaPlayerUnmute",
        "HomemindSetPercent",
        "HomemindRunRoutine",
    }
)


# What an answer looks like: "the bedroom one", "the second one", "卧室的", "第二个", "那个".
_FRAGMENT = re.compile(
    r"\bones?[.!?]*$|^(?:the )?(?:first|second|third|last|other)[.!?]*$|的[。！？]*$|^第.个|那个$|这个$", re.I
)
_FRAGMENT_WORDS = re.compile(
    r"\b(the|a|one|ones|that|this|first|second|third|last|other|in|please|room)\b|[的那这个第一二三四五最后边吧呢]"
)
_VERB = re.compile(
    r"\b(turn|switch|set|open|close|shut|lock|unlock|start|stop|pause|resume|play|dim|brighten|make|put|"
    r"mute|arm|disarm|on|off|up|down|is|are|what|how)\b|开|关|调|锁|拉|启动|暂停|播放|静音|吗|多少|几",
    re.I,
)


@dataclass
class Reading:
    text: str
    match: IntentMatch | None
    clause: Clause | None = None
    # The learned tier's command names its kind but no room: asked about, never done as read.
    doubt: Doubt | None = None

    @property
    def scheduled(self) -> bool:
        return self.clause is not None and self.match is not None and self.match.name in DEVICE_INTENTS


class Understanding:
    def __init__(self, home: Home, recognizers: Sequence[Recognizer]) -> None:
        self.home = home
        self.recognizers = list(recognizers)
        self.vocabulary = HomeVocabulary(home)
        self.follow_ups = FollowUps(home)
        self.clauses = Clauses(home, self.vocabulary)
        self.evidence = Evidence(home, self.vocabulary)

    async def read(
        self, text: str, language: str, context: Context | None, area: str | None, now: datetime
    ) -> Reading:
        if self._fragment(text):
            # "The bedroom one", "卧室的": an answer to a question nobody asked now; never a command.
            return Reading(text, None)
        clause = self.clauses.find(text, language, now)
        if clause is not None and clause.rest:
            action = await self.match(clause.rest, language, context)
            if action is not None and action.name in DEVICE_INTENTS:
                return self._backed(Reading(text, self.here(action, area), clause))
        match = await self.match(text, language, context)
        if match is None:
            return Reading(text, None, clause)
        match = self.here(match, area)
        if match.name not in DEVICE_INTENTS:
            return Reading(text, match)
        if clause is None and match.metadata.get("time_spans"):
            clause = self.clauses.from_spans(list(match.metadata["time_spans"]), language, now)
        # A time or condition heard on a device command is never dropped: scheduled, or asked about.
        return self._backed(Reading(text, match, clause))

    def _backed(self, reading: Reading) -> Reading:
        """A learned-tier device command stands only on words said for it (``evidence.py``)."""
        match = reading.match
        if match is None or match.tier != "learned":
            return reading
        verdict, doubt = self.evidence.judge(match, reading.text)
        if verdict is Verdict.DROP:
            return Reading(reading.text, None, reading.clause)
        return replace(reading, doubt=doubt)

    def _fragment(self, text: str) -> bool:
        """Only targets and "the … one" / "…的" / "第二个": an answer, with no command in it."""
        folded = text.casefold().strip()
        if not _FRAGMENT.search(folded) or _VERB.search(folded):
            return False
        rest = folded
        for found in reversed(self.vocabulary.find(folded)):
            rest = rest[: found.start] + " " + rest[found.end :]
        rest = _FRAGMENT_WORDS.sub(" ", rest)
        return not re.search(r"[a-z0-9\u4e00-\u9fff]", rest)

    async def match(self, text: str, language: str, context: Context | None) -> IntentMatch | None:
        """The last turn's context first (only when the sentence leans on it), then each tier."""
        if context is not None and context.intent in HOUSEHOLD_FOLLOWABLE:
            more = household_followups.resolve(text, language, context)
            if more is not None:
                return more
        follow = self.follow_ups.resolve(text, language, context) if context is not None else None
        if follow is not None and not follow.metadata.get("complete"):
            return follow
        return await self.tiers(text, language) or follow

    async def tiers(self, text: str, language: str) -> IntentMatch | None:
        for recognizer in self.recognizers:
            if getattr(recognizer, "blocking", False):
                # A network (milliseconds of onnxruntime, which lets go of the GIL): in a worker
                # thread, so the event loop goes on serving everyone else meanwhile.
                match = await asyncio.to_thread(recognizer.recognize, text, language)
            else:
                match = recognizer.recognize(text, language)
            if match is not None:
                return match
        return None

    def here(self, match: IntentMatch, area: str | None) -> IntentMatch:
        """The speaker's room is the default room, as with Home Assistant's satellites.

        "Turn on the light" said to the kitchen's satellite means the kitchen's light,
        when the kitchen has one; a named device or room is never overridden.
        """
        if area is None or area not in self.home.areas:
            return match
        if any(match.value(k) is not None for k in ("area", "name", "entities")):
            return match
        domain = match.value("domain")
        if domain is None or not any(
            e.area == area and e.domain.value == domain for e in self.home.entities.values()
        ):
            return match
        here = self.home.areas[area]
        slots = {**match.slots, "area": Slot(value=area, text=here.names.display(match.language))}
        return replace(match, slots=slots)
