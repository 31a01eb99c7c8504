"""What a conversation remembers between turns: the last command, an open question, how to undo.

One record per conversation, kept in the store (``conversation_context``) so that a
turn said through another process (`homemind ask --conversation-id`) sees it. It is
read only by the member who spoke the turn that wrote it, and only for
``CONTEXT_SECONDS``; after that the conversation starts afresh. A confirmation or a
PIN is never part of it (those are ``Pending``, used once).

- ``context``: what the last command was about, for follow-ups ("dim it", "卧室的也开了").
- ``question``: the question the hub just asked ("which one?"), its choices, and the
  command it was for; the next turn is first read as its answer.
- ``undo``: the calls that put back what the last change changed ("undo that", "撤销").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homemind.conversation.context import CONTEXT_SECONDS, Context
from homemind.nlu.types import IntentMatch, Slot
from homemind.skills.asking import Ask
from homemind.store import Store


@dataclass
class Question:
    """An open question: what was asked (``ask``), for which command, in which language, how often."""

    ask: Ask
    intent: str
    slots: dict[str, tuple[Any, str]]
    metadata: dict[str, Any]
    language: str
    prompt: str
    tries: int = 0

    @classmethod
    def of(cls, ask: Ask, match: IntentMatch, prompt: str) -> Question:
        slots = {k: (v.value, v.text) for k, v in match.slots.items()}
        metadata = {k: v for k, v in match.metadata.items() if _plain(v)}
        return cls(ask, match.name, slots, metadata, match.language, prompt)

    def command(self, slots: dict[str, Slot], language: str) -> IntentMatch:
        """The question's command with the answer's slots in place: the turn that answers it."""
        base = {k: Slot(v, t) for k, (v, t) in self.slots.items()}
        return IntentMatch(
            self.intent,
            {**base, **slots},
            tier="follow-up",
            language=language,
            metadata={**self.metadata, "answers": self.ask.kind},
        )

    def payload(self) -> dict[str, Any]:
        return {
            "ask": self.ask.payload(),
            "intent": self.intent,
            "slots": {k: list(v) for k, v in self.slots.items()},
            "metadata": self.metadata,
            "language": self.language,
            "prompt": self.prompt,
            "tries": self.tries,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Question:
        return cls(
            Ask.from_payload(payload["ask"]),
            payload["intent"],
            {k: (v[0], v[1]) for k, v in payload["slots"].items()},
            dict(payload.get("metadata") or {}),
            payload["language"],
            payload["prompt"],
            int(payload.get("tries", 0)),
        )


@dataclass(frozen=True)
class UndoCall:
    """One call that puts a device back as it was before the last change."""

    entity_id: str
    service: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Undo:
    """How to reverse the last change, and how to redo it ("actually, … again")."""

    back: list[UndoCall]
    again: list[UndoCall]
    language: str
    # A household change to take back instead: {"intent": ..., "list", "items"} or {"timer_id"}.
    household: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "back": [[c.entity_id, c.service, c.data] for c in self.back],
            "again": [[c.entity_id, c.service, c.data] for c in self.again],
            "language": self.language,
            "household": self.household,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Undo:
        return cls(
            [UndoCall(e, s, d) for e, s, d in payload["back"]],
            [UndoCall(e, s, d) for e, s, d in payload.get("again", [])],
            payload.get("language", "en"),
            payload.get("household"),
        )


@dataclass
class DialogueState:
    context: Context | None = None
    question: Question | None = None
    undo: Undo | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "v": 2,
            "context": self.context.payload() if self.context else None,
            "question": self.question.payload() if self.question else None,
            "undo": self.undo.payload() if self.undo else None,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DialogueState:
        if payload.get("v") != 2:
            return cls(Context.from_payload(payload))  # written before questions were state
        context = payload.get("context")
        question = payload.get("question")
        undo = payload.get("undo")
        return cls(
            Context.from_payload(context) if context else None,
            Question.from_payload(question) if question else None,
            Undo.from_payload(undo) if undo else None,
        )


class Dialogues:
    """Reads and writes each conversation's state, for its member, while it is fresh."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, conversation_id: str, member_id: str, now: float) -> DialogueState:
        stored = self.store.get_context(conversation_id, member_id)
        if stored is None:
            return DialogueState()
        payload, updated_at = stored
        if now - updated_at > CONTEXT_SECONDS:
            return DialogueState()
        try:
            return DialogueState.from_payload(payload)
        except (KeyError, TypeError, ValueError, IndexError):
            return DialogueState()  # written by another version: start afresh rather than fail

    def save(self, conversation_id: str, member_id: str, state: DialogueState, now: float) -> None:
        self.store.put_context(conversation_id, member_id, state.payload(), now)


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
