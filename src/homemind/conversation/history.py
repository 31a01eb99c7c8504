"""The last few turns of a conversation, shared by the local tiers and the model tier.

Only kept when the hub has a model tier (nothing else reads it), in the store so that
``homemind ask --conversation-id`` in another process continues the same conversation.
What is kept is what a model may be shown: the member's own words (a PIN answer never,
and digit runs that look like one removed) and, for each answer, what the hub *did* (the
intent, the status, the services and entity ids), never what it *said*: an answer can
quote text other people wrote (a list item, a calendar title), and such text must reach a
model only as the result of a tool it called in that turn, which then may change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homemind.conversation.context import CONTEXT_SECONDS
from homemind.policy import redact_pins
from homemind.store import Store

HISTORY_TURNS = 4  # two exchanges: enough for "and the bedroom too", small for the prompt


class History:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

    def add(self, conversation_id: str, member: str, said: str, did: str) -> None:
        """One exchange: what the member said, and what the hub did about it (see ``done``)."""
        turns = [("user", redact_pins(said)[:500]), ("hub", did)]
        self.store.add_turns(conversation_id, member, turns, self.clock(), keep=HISTORY_TURNS)

    def recent(self, conversation_id: str, member: str) -> list[dict[str, Any]]:
        """The member's recent turns here, oldest first (none if another member spoke here)."""
        turns = self.store.turns(conversation_id, member, self.clock() - CONTEXT_SECONDS)
        return [{"member said" if t["role"] == "user" else "hub did": t["content"]} for t in turns]


def done(intent: str | None, status: str, actions: list[tuple[str, str, str]]) -> str:
    """What a turn did, in the hub's own identifiers: "HassTurnOn done (turn_on light.kitchen: ok)"."""
    acted = ", ".join(f"{service} {entity_id}: {result}" for service, entity_id, result in actions)
    return f"{intent or 'nothing understood'} {status}" + (f" ({acted})" if acted else "")
