"""Follow-ups on household commands: "and eggs" / "还有鸡蛋" after a list add, "make it ten minutes" /
"改成十分钟" after a timer.

They continue what the last turn made (the list it added to, the timer it started),
kept in its ``Context.made``; anything else goes on to the tiers as a new sentence.
"""

from __future__ import annotations

import re

from homemind.conversation.context import Context
from homemind.nlu.types import IntentMatch, Slot

_MORE_ITEMS = re.compile(
    r"^(?:and|also|plus|and also|oh and|and some|and a)\s+(?P<en>.+?)(?:\s+(?:too|as well|please))?$"
    r"|^(?:还有|再加上?|还要|另外|顺便加上?)(?P<zh>.+?)(?:吧|也要|也加上)?$",
    re.IGNORECASE,
)
_TIMER_LENGTH = re.compile(
    r"^(?:actually,?\s*|no,?\s*|wait,?\s*)?(?:make|change|set) (?:it|that|the timer) (?:to )?"
    r"(?P<en>.+?)(?: instead)?$"
    r"|^(?:还是|改成|换成|调成|设成|那就)(?P<zh>.+?)(?:吧|好了)?$",
    re.IGNORECASE,
)


def resolve(text: str, language: str, previous: Context) -> IntentMatch | None:
    made = previous.made or {}
    said = re.sub(r"[\s.!?。！？]+$", "", text.strip())
    if previous.intent == "HassListAddItem" and made.get("list"):
        found = _MORE_ITEMS.match(said)
        words = (found.group("en") or found.group("zh")) if found else None
        if words:
            slots = {"item": Slot(words, words), "list_name": Slot(made["list"], made["list"])}
            return _match("HassListAddItem", slots, language, previous)
    if previous.intent in ("HassStartTimer", "HomemindTimerSet") and made.get("timer_id") is not None:
        from homemind.household.when import parse_duration

        found = _TIMER_LENGTH.match(said)
        words = (found.group("en") or found.group("zh")) if found else None
        if words and parse_duration(words, language) is not None:
            slots = {"duration": Slot(words, words), "timer_id": Slot(made["timer_id"], "")}
            return _match("HomemindTimerSet", slots, language, previous)
    return None


def _match(intent: str, slots: dict[str, Slot], language: str, previous: Context) -> IntentMatch:
    return IntentMatch(
        intent, slots, tier="follow-up", language=language, metadata={"follows": previous.intent}
    )
