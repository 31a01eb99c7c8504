"""The home file's ``care:`` section: validated with pydantic, checked against the home, built into
:class:`~homemind.core.caremodel.CareSettings`.

Kept beside ``homefile.py`` rather than inside it so the home file loader stays one
idea; it uses the same ``fail(path, message)`` so a mistake names its line
(``home.yaml:240: care.members.nainai.contacts[0].member: unknown member 'boo'``).
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from homemind.core.caremodel import (
    CaredMember,
    CareSettings,
    Contact,
    Inactivity,
    Target,
    VitalLimits,
    Wearable,
)
from homemind.core.model import Area, Domain, Entity, Member

Language = Literal["en", "zh"]
_HHMM = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
_TOPIC = r"^[A-Za-z0-9_-]{1,64}$"  # what ntfy accepts as a topic name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    if parts.username or parts.password:
        raise ValueError("give a token, not credentials inside the URL")
    return value


class NtfySpec(_Strict):
    url: str = Field(description="the ntfy server, e.g. http://192.168.1.5:8090")
    topic: str = Field(pattern=_TOPIC)
    token: str | None = Field(default=None, min_length=1)

    _url = field_validator("url")(_http_url)


class WebhookSpec(_Strict):
    url: str
    token: str | None = Field(default=None, min_length=1)

    _url = field_validator("url")(_http_url)


class _Reachable(_Strict):
    ntfy: NtfySpec | None = None
    webhook: WebhookSpec | None = None

    def targets(self) -> tuple[Target, ...]:
        found = []
        if self.ntfy is not None:
            found.append(Target("ntfy", self.ntfy.url, self.ntfy.topic, self.ntfy.token))
        if self.webhook is not None:
            found.append(Target("webhook", self.webhook.url, None, self.webhook.token))
        return tuple(found)


class ContactSpec(_Reachable):
    member: str | None = None
    name: dict[Language, str] | None = None
    relation: str | None = Field(default=None, pattern=r"^[a-z_]{1,32}$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{3,32}$")
    language: Language | None = None

    @model_validator(mode="after")
    def _who(self) -> ContactSpec:
        if (self.member is None) == (self.name is None):
            raise ValueError("a contact is either a member (member: bo) or someone outside (name: ...)")
        if self.member is None and not (self.ntfy or self.webhook):
            raise ValueError("the hub cannot ring a phone: give an outside contact ntfy: or webhook:")
        return self


class EmergencySpec(_Reachable):
    enabled: bool = False
    name: dict[Language, str] = Field(
        default_factory=lambda: {"en": "emergency services", "zh": "急救服务"}  # type: ignore[arg-type]
    )
    language: Language = "zh"

    @model_validator(mode="after")
    def _reachable(self) -> EmergencySpec:
        if self.enabled and not (self.ntfy or self.webhook):
            raise ValueError("emergency services are enabled but not reachable: give webhook: (or ntfy:)")
        return self


class WearableSpec(_Strict):
    alert: str | None = Field(default=None, description="event entity: fall and SOS")
    heart_rate: str | None = None
    spo2: str | None = None
    battery: str | None = None
    on_body: str | None = None
    display: str | None = Field(default=None, description="notify entity: the watch's screen")


class InactivitySpec(_Strict):
    daytime: tuple[str, str] = ("08:00", "21:00")
    quiet_hours: float = Field(default=3.0, gt=0, le=24)
    bathroom_minutes: float = Field(default=45.0, gt=0, le=600)
    up_by: str = Field(default="09:30", pattern=_HHMM)

    @field_validator("daytime")
    @classmethod
    def _times(cls, value: tuple[str, str]) -> tuple[str, str]:
        import re

        for text in value:
            if not re.match(_HHMM, text):
                raise ValueError(f"{text!r} is not a time (HH:MM)")
        return value


class VitalsSpec(_Strict):
    spo2_below: float = Field(default=90.0, ge=50, le=100)
    spo2_minutes: float = Field(default=5.0, gt=0, le=120)
    heart_rate_outside: tuple[float, float] = (40.0, 130.0)
    heart_rate_minutes: float = Field(default=10.0, gt=0, le=120)
    no_data_minutes: float = Field(default=60.0, gt=0, le=1440)
    battery_low: float = Field(default=15.0, ge=0, le=100)

    @field_validator("heart_rate_outside")
    @classmethod
    def _range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 20 <= value[0] < value[1] <= 250:
            raise ValueError("heart_rate_outside is [low, high] beats per minute, low below high")
        return value


class CaredSpec(_Strict):
    contacts: list[ContactSpec] = Field(default_factory=list)
    wearable: WearableSpec = Field(default_factory=WearableSpec)
    rooms: list[str] = Field(default_factory=list)
    bedroom: str | None = None
    bathroom: str | None = None
    inactivity: InactivitySpec = Field(default_factory=InactivitySpec)
    vitals: VitalsSpec = Field(default_factory=VitalsSpec)


class CareSection(_Strict):
    """``care:``: who is looked after, by whom, and how fast (README: Care)."""

    countdown: float = Field(default=60.0, ge=0, le=600, description='seconds to say "I\'m OK"')
    repeat_every: float = Field(default=120.0, ge=10, le=3600)
    rounds_per_contact: int = Field(default=2, ge=1, le=20)
    emergency_services: EmergencySpec | None = None
    phones: dict[str, _Reachable] = Field(default_factory=dict)
    doors: list[str] = Field(default_factory=list)
    medication_words: dict[Language, list[str]] = Field(default_factory=dict)
    summary_at: str | None = Field(default="20:30", pattern=_HHMM, description="null: only on request")
    members: dict[str, CaredSpec] = Field(default_factory=dict)


_WEARABLE_DOMAINS = {
    "alert": Domain.EVENT,
    "heart_rate": Domain.SENSOR,
    "spo2": Domain.SENSOR,
    "battery": Domain.SENSOR,
    "on_body": Domain.BINARY_SENSOR,
    "display": Domain.NOTIFY,
}


def build_care(
    section: CareSection | None,
    members: dict[str, Member],
    areas: dict[str, Area],
    entities: dict[str, Entity],
    fail: Any,
) -> CareSettings:
    """The settings, with every member, room and entity checked against the rest of the home."""
    if section is None:
        return CareSettings()
    here = ("care",)
    cared = {}
    for member_id, spec in section.members.items():
        where = (*here, "members", member_id)
        if member_id not in members:
            fail(where, f"unknown member {member_id!r}")
            continue
        cared[member_id] = _cared(member_id, spec, members, areas, entities, where, fail)
    phones = {}
    for member_id, reach in section.phones.items():
        if member_id not in members:
            fail((*here, "phones", member_id), f"unknown member {member_id!r}")
        phones[member_id] = reach.targets()
    for i, door in enumerate(section.doors):
        _entity(entities, door, Domain.BINARY_SENSOR, (*here, "doors", i), fail)
    emergency = section.emergency_services
    return CareSettings(
        members=cared,
        countdown=section.countdown,
        repeat=section.repeat_every,
        rounds=section.rounds_per_contact,
        emergency=(
            Contact(
                None,
                {str(k): v for k, v in emergency.name.items()},
                "emergency",
                None,
                emergency.language,
                emergency.targets(),
            )
            if emergency is not None and emergency.enabled
            else None
        ),
        phones=phones,
        doors=tuple(section.doors),
        medication_words={k: tuple(w.casefold() for w in v) for k, v in section.medication_words.items()},
        summary_at=section.summary_at,
    )


def _cared(
    member_id: str,
    spec: CaredSpec,
    members: dict[str, Member],
    areas: dict[str, Area],
    entities: dict[str, Entity],
    where: tuple[str | int, ...],
    fail: Any,
) -> CaredMember:
    contacts = []
    for i, c in enumerate(spec.contacts):
        if c.member is not None and c.member not in members:
            fail((*where, "contacts", i, "member"), f"unknown member {c.member!r}")
            continue
        if c.member == member_id:
            fail((*where, "contacts", i, "member"), "a member is not her own contact")
            continue
        person = members.get(c.member or "")
        name = dict(person.names.name) if person else {str(k): v for k, v in (c.name or {}).items()}
        language = c.language or (person.language if person else "en")
        contacts.append(Contact(c.member, name, c.relation, c.phone, language, c.targets()))
    for key in ("rooms", "bedroom", "bathroom"):
        value = getattr(spec, key)
        for i, area in enumerate(value if isinstance(value, list) else [value]):
            if area is not None and area not in areas:
                path = (*where, key, i) if key == "rooms" else (*where, key)
                fail(path, f"unknown area {area!r} (known: {', '.join(areas)})")
    for key, domain in _WEARABLE_DOMAINS.items():
        entity_id = getattr(spec.wearable, key)
        if entity_id is not None:
            _entity(entities, entity_id, domain, (*where, "wearable", key), fail)
    rooms = tuple(spec.rooms) or tuple(a for a in (spec.bedroom, spec.bathroom) if a)
    v, a = spec.vitals, spec.inactivity
    return CaredMember(
        member=member_id,
        contacts=tuple(contacts),
        wearable=Wearable(**spec.wearable.model_dump()),
        rooms=rooms,
        bedroom=spec.bedroom,
        bathroom=spec.bathroom,
        vitals=VitalLimits(
            spo2_below=v.spo2_below,
            spo2_minutes=v.spo2_minutes,
            heart_rate_low=v.heart_rate_outside[0],
            heart_rate_high=v.heart_rate_outside[1],
            heart_rate_minutes=v.heart_rate_minutes,
            no_data_minutes=v.no_data_minutes,
            battery_low=v.battery_low,
        ),
        inactivity=Inactivity(
            daytime=a.daytime, quiet_hours=a.quiet_hours, bathroom_minutes=a.bathroom_minutes, up_by=a.up_by
        ),
    )


def _entity(
    entities: dict[str, Entity], entity_id: str, domain: Domain, path: tuple[str | int, ...], fail: Any
) -> None:
    entity = entities.get(entity_id)
    if entity is None:
        fail(path, f"unknown entity {entity_id!r}")
    elif entity.domain is not domain:
        fail(path, f"{entity_id} is not a {domain.value} entity")
