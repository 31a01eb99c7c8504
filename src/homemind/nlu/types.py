"""What every understanding tier returns, so the pipeline never knows which tier spoke."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Slot:
    value: Any
    text: str


@dataclass(frozen=True)
class IntentMatch:
    name: str
    slots: dict[str, Slot]
    tier: str
    language: str
    confidence: float = 1.0
    metadata: dict[str, Any] = field(default_factory=dict)

    def value(self, slot: str, default: Any = None) -> Any:
        found = self.slots.get(slot)
        return default if found is None else found.value

    def text(self, slot: str) -> str | None:
        found = self.slots.get(slot)
        return None if found is None else found.text

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "slots": {k: v.value for k, v in self.slots.items()},
            "tier": self.tier,
            "confidence": self.confidence,
        }


class Recognizer(Protocol):
    """A tier. One that runs a network says ``blocking = True`` (a class attribute): the
    pipeline then calls it from a worker thread, so the event loop keeps serving meanwhile."""

    tier: str

    def recognize(self, text: str, language: str) -> IntentMatch | None: ...


@runtime_checkable
class ExplainsFailure(Protocol):
    """A tier that can tell "unknown device X" apart from "not understood"."""

    def unknown_target(self, text: str, language: str) -> tuple[str, str] | None: ...
