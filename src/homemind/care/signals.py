"""Signals: what care hears, from devices the hub already understands or from a person.

A wearable's fall or SOS (an ``event`` entity), its heart rate, SpO2 and battery
(``sensor``), whether it is worn (``binary_sensor``), and motion and door sensors in
the rooms all arrive as ordinary state changes, from MQTT or anywhere else; this
module reads them into :class:`Signal`. ``homemind care event``, ``POST
/api/care/events`` and a spoken "help" build the same :class:`Signal` and go
through the same :meth:`Care.receive`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from homemind.core.events import Event
from homemind.core.model import Domain, Home
from homemind.household import Invalid

# The kinds a person or a device may report (the CLI's and the API's KIND).
EVENT_KINDS = ("fall", "sos", "heart_rate", "spo2", "off_body", "on_body", "battery")
VALUE_RANGES = {"heart_rate": (20.0, 250.0), "spo2": (50.0, 100.0), "battery": (0.0, 100.0)}
MOTION_CLASSES = frozenset({"motion", "occupancy", "presence"})
_NO_READING = frozenset({"unknown", "unavailable", ""})


@dataclass(frozen=True)
class Signal:
    member: str | None  # None for a room's signal (motion, a door)
    kind: str  # EVENT_KINDS, or motion / door
    at: float
    value: float | None = None
    area: str | None = None
    source: str = "device"  # device (MQTT, any backend) | cli | api | voice
    entity_id: str | None = None
    key: str | None = None  # a device message handled once, even if it is replayed
    relation: str | None = None  # "call my son"


def checked_value(kind: str, value: Any) -> float | None:
    """The value a kind needs (a number in range), or none; :class:`Invalid` says what is wrong."""
    if kind not in EVENT_KINDS:
        raise Invalid("care.bad_kind", kind=kind, known=", ".join(EVENT_KINDS))
    if kind not in VALUE_RANGES:
        if value not in (None, ""):
            raise Invalid("care.bad_value", kind=kind, detail="this kind takes no value")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("care.bad_value", kind=kind, detail=f"{value!r} is not a number") from None
    low, high = VALUE_RANGES[kind]
    if math.isnan(number) or not low <= number <= high:
        raise Invalid("care.bad_value", kind=kind, detail=f"{value} is outside {low:g}-{high:g}")
    return number


class SignalMap:
    """Which entity says what about whom, from the home file."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.wearables: dict[str, tuple[str, str]] = {}
        for member, cared in home.care.members.items():
            for entity_id, what in cared.wearable.entities().items():
                self.wearables[entity_id] = (member, what)
        doors = set(home.care.doors) or {
            e.entity_id
            for e in home.entities.values()
            if e.domain is Domain.BINARY_SENSOR and e.device_class == "door"
        }
        self.doors = frozenset(doors)
        self.motion = {
            e.entity_id: e.area
            for e in home.entities.values()
            if e.domain is Domain.BINARY_SENSOR and e.device_class in MOTION_CLASSES and e.area
        }

    def read(self, event: Event, at: float) -> Signal | None:
        """The signal in one state change, if it is one."""
        entity_id = str(event.data.get("entity_id"))
        new = event.data.get("new_state") or {}
        old = event.data.get("old_state") or {}
        state, before = str(new.get("state", "")), str(old.get("state", ""))
        if entity_id in self.motion or entity_id in self.doors:
            if state != "on" or before == "on":
                return None
            if entity_id in self.doors:
                return Signal(None, "door", at, entity_id=entity_id)
            return Signal(None, "motion", at, area=self.motion[entity_id], entity_id=entity_id)
        if entity_id not in self.wearables or state in _NO_READING:
            return None
        member, what = self.wearables[entity_id]
        if what == "alert":
            kind = (new.get("attributes") or {}).get("event_type")
            again = state == before and kind == (old.get("attributes") or {}).get("event_type")
            if again or kind not in ("fall", "sos"):
                return None
            return Signal(member, str(kind), at, entity_id=entity_id, key=f"{entity_id}:{state}:{kind}")
        if what == "on_body":
            if state == before or state not in ("on", "off"):
                return None
            return Signal(member, "on_body" if state == "on" else "off_body", at, entity_id=entity_id)
        try:
            value = checked_value(what, state)
        except Invalid:
            return None  # a reading no person could have: not a signal
        return Signal(member, what, at, value=value, entity_id=entity_id)
