"""The last few turns of a conversation, shared by the local tiers and the model tier.

Only kept when the hub has a model tier (nothing else reads it), in the store so that
``homemind ask --conversation-id`` in another process continues the same conversation.
What is kept is what a model may be shown: a PIN answer is never written, and digit runs
that look like one are removed from everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homemind.conversation.context import CONTEXT_SECONDS
from homemind.policy import redact_pins
from homemind.store import Store

HISTORY_TURNS = 6  # three exchanges: enough for "and the bedroom too", small for the prompt


class History:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

    def add(self, conversation_id: str, member: str, said: str, answered: str) -> None:
        now = self.clock()
        for role, content in (("user", said), ("assistant", answered)):
            self.store.add_turn(
                conversation_id, member, role, redact_pins(content)[:500], now, keep=HISTORY_TURNS
            )

    def recent(self, conversation_id: str, member: str) -> list[dict[str, Any]]:
        """The member's recent turns here, oldest first (none if another member spoke here)."""
        return self.store.turns(conversation_id, member, self.clock() - CONTEXT_SECONDS)
