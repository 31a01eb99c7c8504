"""What a skill asks when it cannot act yet: the kind of question and the choices it offered.

A handler that replies "Which one do you mean: Living Room AC or Bedroom AC?" also
returns an :class:`Ask`, so that the conversation can read the next turn as an
answer to exactly that question ("the bedroom one", "卧室的", "the second one") and
nothing else. The choices carry every word a person may use for them, in both
languages, so the answer is matched against what was offered, never the whole home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homemind.core.model import Entity, Home


@dataclass(frozen=True)
class Choice:
    """One thing offered: its key (an entity id, a timer id) and the words that name it."""

    key: str
    words: tuple[str, ...]
    area: str | None = None  # the room it is in: "the bedroom one"

    def payload(self) -> dict[str, Any]:
        return {"key": self.key, "words": list(self.words), "area": self.area}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Choice:
        return cls(str(payload["key"]), tuple(payload["words"]), payload.get("area"))


@dataclass(frozen=True)
class Ask:
    """A question a reply asks.

    ``kind``: "which" (pick among ``choices``) or "value" (a missing amount or time).
    ``slot``: the slot of the command the answer fills (``entities``, ``timer_id``,
    ``duration``, ``when``...). ``append``: a value answer is added to the slot's words
    ("remind me to call mum" + "at six") rather than replacing them.
    """

    kind: str
    slot: str
    choices: tuple[Choice, ...] = ()
    append: bool = False
    params: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "slot": self.slot,
            "choices": [c.payload() for c in self.choices],
            "append": self.append,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Ask:
        choices = tuple(Choice.from_payload(c) for c in payload.get("choices", []))
        return cls(payload["kind"], payload["slot"], choices, bool(payload.get("append")))


def entity_choice(entity: Entity) -> Choice:
    words = tuple(dict.fromkeys(w for lang in ("en", "zh") for w in entity.names.all_for(lang)))
    return Choice(entity.entity_id, words, entity.area)


def which_entity(entities: list[Entity]) -> Ask:
    """ "Which one do you mean: A or B?" among these devices."""
    return Ask("which", "entities", tuple(entity_choice(e) for e in entities))


def which_area(home: Home, area_ids: list[str]) -> Ask:
    """ "Which room?" among these rooms (an indirect request said away from any satellite)."""
    choices = []
    for area_id in area_ids:
        area = home.areas[area_id]
        words = tuple(dict.fromkeys(w for lang in ("en", "zh") for w in area.names.all_for(lang)))
        choices.append(Choice(area_id, words, area_id))
    return Ask("which", "area", tuple(choices))
