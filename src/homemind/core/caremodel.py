"""The home file's ``care:`` section as plain data: who is looked after, who is told, and how.

Part of the home model (like the ``mqtt:`` settings) because a person writes it in
the home file and its errors must name the line; what the hub *does* with it lives
in :mod:`homemind.care`. Every number has the default the README documents, so a
household that writes only ``members: {nainai: {contacts: [...]}}`` gets sensible care.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Target:
    """Somewhere outside the hub a message can be pushed: an ntfy topic or a webhook."""

    kind: Literal["ntfy", "webhook"]
    url: str
    topic: str | None = None  # ntfy only
    token: str | None = field(default=None, repr=False)  # sent as a bearer token

    @property
    def label(self) -> str:
        """How reports name it, without its secret."""
        return f"ntfy {self.url.rstrip('/')}/{self.topic}" if self.kind == "ntfy" else f"webhook {self.url}"


@dataclass(frozen=True)
class Contact:
    """Someone told when an incident escalates: a member of the household, or someone outside it."""

    member: str | None
    name: dict[str, str]
    relation: str | None = None  # son, daughter ... ("call my son")
    phone: str | None = None  # shown to the family; the hub itself cannot ring a phone
    language: str = "en"
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Wearable:
    """The entities of one member's watch (any may be missing: a watch without SpO2 is fine)."""

    alert: str | None = None  # event entity: event_type fall / sos
    heart_rate: str | None = None
    spo2: str | None = None
    battery: str | None = None
    on_body: str | None = None  # binary_sensor: on while worn
    display: str | None = None  # notify entity: the watch's screen

    def entities(self) -> dict[str, str]:
        """entity id -> what it reports."""
        pairs = (
            (self.alert, "alert"),
            (self.heart_rate, "heart_rate"),
            (self.spo2, "spo2"),
            (self.battery, "battery"),
            (self.on_body, "on_body"),
        )
        return {entity_id: kind for entity_id, kind in pairs if entity_id}


@dataclass(frozen=True)
class VitalLimits:
    """When a reading is worth telling the family: beyond a threshold for a while, with hysteresis."""

    spo2_below: float = 90.0
    spo2_minutes: float = 5.0
    heart_rate_low: float = 40.0
    heart_rate_high: float = 130.0
    heart_rate_minutes: float = 10.0
    # Back to normal only this far inside the threshold, so a reading hovering at it does not flap.
    spo2_margin: float = 2.0
    heart_rate_margin: float = 5.0
    no_data_minutes: float = 60.0  # watch off, flat or silent this long: a device problem
    battery_low: float = 15.0


@dataclass(frozen=True)
class Inactivity:
    """Defaults until there is enough history to learn the member's own day (see care/activity.py)."""

    daytime: tuple[str, str] = ("08:00", "21:00")
    quiet_hours: float = 3.0
    bathroom_minutes: float = 45.0
    up_by: str = "09:30"
    learn_days: int = 14
    min_days: int = 7


@dataclass(frozen=True)
class CaredMember:
    """One member the hub looks after (usually the household's elder)."""

    member: str
    contacts: tuple[Contact, ...]
    wearable: Wearable = field(default_factory=Wearable)
    rooms: tuple[str, ...] = ()  # her usual rooms: where motion counts as her activity
    bedroom: str | None = None
    bathroom: str | None = None
    vitals: VitalLimits = field(default_factory=VitalLimits)
    inactivity: Inactivity = field(default_factory=Inactivity)


@dataclass(frozen=True)
class CareSettings:
    members: dict[str, CaredMember] = field(default_factory=dict)
    countdown: float = 60.0  # seconds the member has to say "I'm OK" after a fall
    repeat: float = 120.0  # seconds between rounds of notifications
    rounds: int = 2  # unanswered rounds before the next contact is added
    emergency: Contact | None = None  # emergency services: only when the home file opts in
    phones: dict[str, tuple[Target, ...]] = field(default_factory=dict)  # member -> their phones
    doors: tuple[str, ...] = ()  # door contacts that tell the member may have gone out
    medication_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    summary_at: str | None = "20:30"  # the day's summary to her and her family; None: only on request
