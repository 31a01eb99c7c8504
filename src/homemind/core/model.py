"""The home model: areas, entities, members, and the state an entity is in.

These are plain frozen dataclasses on purpose: every other layer reads them, and
nothing but the state registry may change an entity's state, so the model itself
carries no behaviour beyond lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from homemind.core.outdoors import EnergySettings, WarningSettings, WeatherSettings

from homemind.core.caremodel import CareSettings


class Domain(StrEnum):
    """Entity domains, named as Home Assistant names them."""

    LIGHT = "light"
    SWITCH = "switch"
    CLIMATE = "climate"
    COVER = "cover"
    LOCK = "lock"
    FAN = "fan"
    MEDIA_PLAYER = "media_player"
    VACUUM = "vacuum"
    WATER_HEATER = "water_heater"
    ALARM_CONTROL_PANEL = "alarm_control_panel"
    SENSOR = "sensor"
    BINARY_SENSOR = "binary_sensor"
    # A wearable's fall or SOS button: its state is the time of the last event, its
    # ``event_type`` attribute what happened (Home Assistant's event entity).
    EVENT = "event"
    # Something that shows or says a message: a watch's screen, a room's speaker
    # (Home Assistant's notify entity; its state is when it last got one).
    NOTIFY = "notify"


class Role(StrEnum):
    ADMIN = "admin"
    ADULT = "adult"
    CHILD = "child"
    ELDER = "elder"
    GUEST = "guest"


# Features an entity may declare, per domain. A feature absent from an entity
# means the device cannot do it, and the backend refuses the request clearly.
DOMAIN_FEATURES: dict[Domain, frozenset[str]] = {
    Domain.LIGHT: frozenset({"brightness", "color_temp", "color"}),
    Domain.SWITCH: frozenset(),
    Domain.CLIMATE: frozenset({"target_temperature"}),
    Domain.COVER: frozenset({"position"}),
    Domain.LOCK: frozenset(),
    Domain.FAN: frozenset({"set_speed"}),
    Domain.MEDIA_PLAYER: frozenset({"volume_set", "volume_mute", "play_pause"}),
    Domain.VACUUM: frozenset({"start", "pause", "return_home"}),
    Domain.WATER_HEATER: frozenset({"target_temperature"}),
    Domain.ALARM_CONTROL_PANEL: frozenset({"arm_home", "arm_away", "code"}),
    Domain.SENSOR: frozenset(),
    Domain.BINARY_SENSOR: frozenset(),
    Domain.EVENT: frozenset(),
    Domain.NOTIFY: frozenset(),
}

# Every state a domain can be in; anything else in a home file is an error.
DOMAIN_STATES: dict[Domain, frozenset[str]] = {
    Domain.LIGHT: frozenset({"on", "off"}),
    Domain.SWITCH: frozenset({"on", "off"}),
    Domain.FAN: frozenset({"on", "off"}),
    Domain.CLIMATE: frozenset({"off", "cool", "heat", "dry", "fan_only", "auto"}),
    Domain.COVER: frozenset({"open", "closed", "opening", "closing"}),
    Domain.LOCK: frozenset({"locked", "unlocked", "locking", "unlocking", "jammed"}),
    Domain.MEDIA_PLAYER: frozenset({"off", "on", "idle", "playing", "paused"}),
    Domain.VACUUM: frozenset({"cleaning", "docked", "paused", "returning", "idle", "error"}),
    Domain.WATER_HEATER: frozenset({"off", "electric", "eco", "performance"}),
    Domain.ALARM_CONTROL_PANEL: frozenset({"disarmed", "armed_home", "armed_away", "arming", "triggered"}),
    Domain.SENSOR: frozenset(),  # any value
    Domain.BINARY_SENSOR: frozenset({"on", "off"}),
    Domain.EVENT: frozenset(),  # a time, or "unknown" before the first event
    Domain.NOTIFY: frozenset(),
}

UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Names:
    """A display name per language plus the other words people use for a thing."""

    name: dict[str, str]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def display(self, language: str) -> str:
        return self.name.get(language) or self.name.get("en") or next(iter(self.name.values()))

    def all_for(self, language: str) -> tuple[str, ...]:
        """Every way to say this thing in one language, display name first."""
        words = [self.name[language]] if language in self.name else []
        words.extend(self.aliases.get(language, ()))
        return tuple(dict.fromkeys(words))


@dataclass(frozen=True)
class Area:
    id: str
    names: Names


@dataclass(frozen=True)
class Member:
    id: str
    names: Names
    role: Role
    language: str


@dataclass(frozen=True)
class Entity:
    """A device or sensor as the home file declares it; its live state is elsewhere."""

    entity_id: str
    domain: Domain
    names: Names
    area: str | None
    features: frozenset[str]
    device_class: str | None = None
    # Static capabilities (min/max temperature, HVAC modes, unit); never changed by use.
    capabilities: dict[str, Any] = field(default_factory=dict)
    # References to secrets, never the secrets: {"code": NAME} says the unsafe direction
    # wants a code, kept hashed in the store's credentials under NAME.
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    def supports(self, feature: str) -> bool:
        return feature in self.features


@dataclass(frozen=True)
class EntityState:
    """An entity's state at one moment, as Home Assistant would report it."""

    entity_id: str
    state: str
    attributes: dict[str, Any]
    last_changed: str
    last_updated: str
    # Who caused this state ({"member", "channel", "conversation_id"}); not part of equality.
    context: dict[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "state": self.state,
            "attributes": dict(self.attributes),
            "last_changed": self.last_changed,
            "last_updated": self.last_updated,
            "context": self.context,
        }


@dataclass(frozen=True)
class MqttSettings:
    """Where the home's real devices live: an MQTT broker, as the home file's ``mqtt:`` section says.

    Part of the home model (not of the MQTT backend) because a person writes it in the
    home file, and errors in it must name the line like every other home file error.
    """

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # Home Assistant discovery prefix and Zigbee2MQTT base topic; None turns that convention off.
    discovery_prefix: str | None = "homeassistant"
    zigbee2mqtt: str | None = "zigbee2mqtt"
    # Announce "online" on <discovery_prefix>/status after connecting, as Home Assistant does,
    # so devices that follow the convention publish their discovery and state again.
    birth: bool = True
    # How long a command may wait for the broker and then for the device to confirm it.
    command_timeout: float = 5.0
    # Home entity id -> the discovered entity it is: a unique_id or a Zigbee2MQTT friendly name.
    entities: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


@dataclass(frozen=True)
class LlmSettings:
    """The home file's ``llm:`` section: an OpenAI-compatible chat endpoint for the model tier.

    Without it the tier is off. ``cloud`` is the household's opt-in to an endpoint outside
    its own network (the members' words then leave the box); ``api_key_env`` names the
    environment variable holding the key, so no secret is written in the home file.
    """

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = 20.0
    cloud: bool = False
    # Model turns one member may start per hour (every process on the data dir counts).
    turns_per_hour: int = 60


@dataclass(frozen=True)
class Step:
    """One action of a routine or automation: a service on one entity, or on a domain minus some."""

    service: str
    entity_id: str | None = None
    domain: str | None = None
    exclude: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Routine:
    id: str
    names: Names
    phrases: dict[str, tuple[str, ...]]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Automation:
    """When ``trigger`` happens and every condition holds, run the steps (as the home's owner)."""

    id: str
    name: str
    enabled: bool
    trigger_at: str | None  # "HH:MM", local time
    trigger_entity: str | None
    trigger_to: str | None
    after: str | None  # condition: local time after "HH:MM" (wraps past midnight with before)
    before: str | None
    state_conditions: tuple[tuple[str, str], ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Satellite:
    """A microphone the hub listens to: its address is the allow-list, its room and member the defaults."""

    address: str
    area: str | None = None
    member: str | None = None


@dataclass(frozen=True)
class WakeWordSettings:
    """A wake-word model the user supplies (openWakeWord's layout); none ships: push-to-talk is default."""

    model_dir: str
    threshold: float = 0.5


@dataclass(frozen=True)
class VoiceSettings:
    """The home file's ``voice:`` section."""

    satellites: tuple[Satellite, ...] = ()
    # (engine, model dir) of the open-vocabulary engine used when the home's model is not understood.
    fallback: tuple[str, str | None] | None = None
    # (engine, model dir) for Chinese speech: no Chinese model ships, so only with one the user supplies.
    zh: tuple[str, str | None] | None = None
    zh_piper_voice: str | None = None
    # None: push-to-talk only (a satellite's button, the web microphone, `homemind listen`).
    wake_word: WakeWordSettings | None = None
    # Spectral subtraction before the home's decoder (voice/denoise.py); off for a microphone
    # that already cleans its signal.
    noise_suppression: bool = True

    def satellite(self, address: str) -> Satellite | None:
        return next((s for s in self.satellites if s.address == address), None)


@dataclass(frozen=True)
class Home:
    """Everything the home file declares, with lookups the other layers need."""

    name: str
    timezone: str
    language: str
    areas: dict[str, Area]
    entities: dict[str, Entity]
    members: dict[str, Member]
    owner: str
    initial_states: dict[str, tuple[str, dict[str, Any]]] = field(repr=False)
    # None: the embedded simulated home. Set: devices are reached over this broker.
    mqtt: MqttSettings | None = None
    routines: dict[str, Routine] = field(default_factory=dict)
    automations: dict[str, Automation] = field(default_factory=dict)
    order_budget: float | None = None  # CNY per calendar month; None: no limit
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    # The outside world (core/outdoors.py): a forecast service, warning feeds, energy and tariff.
    weather: WeatherSettings | None = None
    warnings: WarningSettings | None = None
    energy: EnergySettings | None = None
    llm: LlmSettings | None = None  # None: no model tier
    # The home file's ``care:`` section: who is looked after, by whom, and how (homemind.care).
    care: CareSettings = field(default_factory=CareSettings)
