"""An in-process event bus: every state change, and later every timer or alert, is an event.

Channels (the API's live stream, later the dashboard) subscribe here instead of
polling, which is how a change made by voice shows up on every other screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

STATE_CHANGED = "state_changed"
WEATHER_WARNING = "weather_warning"  # published by weather/alerts.py; automations react to it
# A member said (or typed) something the hub understood: they are up and about (homemind.care).
MEMBER_SPOKE = "member_spoke"


@dataclass(frozen=True)
class Context:
    """Who caused something, and through which channel: carried into events and audit."""

    member_id: str
    channel: str
    conversation_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"member": self.member_id, "channel": self.channel, "conversation_id": self.conversation_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Context | None:
        if not data:
            return None
        return cls(str(data.get("member")), str(data.get("channel")), data.get("conversation_id"))


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    context: Context | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "time": self.time,
            "data": self.data,
            "context": None if self.context is None else self.context.as_dict(),
        }


Listener = Callable[[Event], None]
# Runs a callback once what has been written so far is committed (the store's after_commit).
Defer = Callable[[Callable[[], None]], None]


class EventBus:
    def __init__(self, defer: Defer | None = None) -> None:
        """``defer``: hold each event until the store has committed what caused it.

        A listener (the live stream, another screen) must never hear of a change that
        a crash could still undo, so the hub passes the store's ``after_commit``.
        """
        self._listeners: list[tuple[str | None, Listener]] = []
        self._defer = defer

    def subscribe(self, listener: Listener, event_type: str | None = None) -> Callable[[], None]:
        """Call ``listener`` for each event (of one type, or all); returns an unsubscribe."""
        entry = (event_type, listener)
        self._listeners.append(entry)

        def unsubscribe() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)

        return unsubscribe

    def listens(self, event_type: str) -> bool:
        """Whether anyone would hear an event of this type (else it need not even be built)."""
        return any(kind is None or kind == event_type for kind, _ in self._listeners)

    def publish(self, event: Event) -> None:
        if self._defer is not None:
            self._defer(lambda: self._deliver(event))
        else:
            self._deliver(event)

    def _deliver(self, event: Event) -> None:
        # A listener that fails must not undo or hide the change that already happened.
        for event_type, listener in list(self._listeners):
            if event_type is None or event_type == event.type:
                try:
                    listener(event)
                except Exception:
                    log.exception("event listener %r failed on %s", listener, event.type)
