"""What the hub knows about one entity it reaches over MQTT, whichever convention announced it.

Discovery (Home Assistant's or Zigbee2MQTT's) builds an :class:`MqttEntity`: where
its state arrives, where commands go, what it can do and when it counts as
available. The backend binds it to a home entity and then only ever asks it two
things: "what does this message say?" (:meth:`MqttEntity.decode`) and "what do I
publish for this call?" (:meth:`MqttEntity.encode`). Everything read from the
broker is untrusted: a payload that does not make sense is ignored and noted, never
allowed to put a state into the registry that the domain cannot be in.
"""

from __future__ import annotations

import asyncio
import colorsys
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from homemind.core.events import Context
from homemind.core.model import DOMAIN_STATES, Domain, EntityState
from homemind.core.services import ActionError, ServiceCall
from homemind.devices.mqtt.templates import Template, TemplateRefused

MAX_TOPIC_BYTES = 1024
MAX_STATE_CHARS = 255
MAX_JSON_BYTES = 256 * 1024

_MISSING: Any = object()


class DiscoveryError(ValueError):
    """A discovered entity homemind cannot use; the message says why."""


def check_topic(topic: Any, what: str) -> str:
    """An exact topic to publish to or follow: text, no wildcards, no NUL, not absurdly long.

    Wildcards matter most: publishing to one is a protocol error, and following
    ``#`` would hand the hub every message on the broker.
    """
    if not isinstance(topic, str) or not topic:
        raise DiscoveryError(f"{what} must be a non-empty topic")
    if "+" in topic or "#" in topic:
        raise DiscoveryError(f"{what} {topic!r} contains an MQTT wildcard (+ or #)")
    if "\0" in topic or not topic.isprintable():
        raise DiscoveryError(f"{what} {topic!r} contains control characters")
    if len(topic.encode("utf-8", "surrogatepass")) > MAX_TOPIC_BYTES:
        raise DiscoveryError(f"{what} is longer than {MAX_TOPIC_BYTES} bytes")
    try:
        topic.encode("utf-8")
    except UnicodeEncodeError:
        raise DiscoveryError(f"{what} is not valid UTF-8") from None
    return topic


def slugify(text: str) -> str:
    """Home Assistant's entity-id slug, for names in Latin script; '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


class Payload:
    """A received payload, decoded lazily: as text and, when it is JSON, as data."""

    def __init__(self, raw: bytes | bytearray | str | int | float | None) -> None:
        if raw is None:
            raw = b""
        if isinstance(raw, int | float):
            raw = str(raw)
        self.raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        self._text: str | object | None = _MISSING
        self._json: Any = _MISSING

    @property
    def text(self) -> str | None:
        if self._text is _MISSING:
            try:
                self._text = self.raw.decode("utf-8")
            except UnicodeDecodeError:
                self._text = None
        return self._text  # type: ignore[return-value]

    @property
    def json(self) -> Any:
        """The payload as JSON, or ``_MISSING`` if it is not (or too big, or too deep)."""
        if self._json is _MISSING:
            self._json = _MISSING
            text = self.text
            if text is not None and len(self.raw) <= MAX_JSON_BYTES:
                try:
                    self._json = json.loads(text, parse_constant=_no_constant)
                except (ValueError, RecursionError):
                    self._json = _MISSING
        return self._json

    def value(self, template: Template | None) -> str | None:
        """The text a state template makes of this payload (the payload itself without one)."""
        text = self.text
        if text is None:
            return None
        if template is None:
            return text
        variables: dict[str, Any] = {"value": text}
        data = self.json
        if data is not _MISSING:
            variables["value_json"] = data
        try:
            return template.render(**variables).strip()
        except TemplateRefused:
            return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value")


def number(value: Any, low: float | None = None, high: float | None = None) -> float | None:
    """A finite number within bounds, from a number or numeric text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return float(value)


def kelvin_from_mired(mired: float) -> int:
    return round(1_000_000 / mired)


def mired_from_kelvin(kelvin: float) -> int:
    return round(1_000_000 / kelvin)


def rgb_from_hs(hue: float, saturation: float) -> list[int]:
    r, g, b = colorsys.hsv_to_rgb((hue % 360) / 360, max(0.0, min(saturation, 100.0)) / 100, 1.0)
    return [round(r * 255), round(g * 255), round(b * 255)]


def hs_from_rgb(rgb: Iterable[int]) -> tuple[float, float]:
    r, g, b = (c / 255 for c in rgb)
    h, s, _ = colorsys.rgb_to_hsv(r, g, b)
    return round(h * 360, 2), round(s * 100, 2)


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def xy_from_rgb(rgb: Iterable[int]) -> tuple[float, float]:
    """CIE 1931 xy of an sRGB colour (the wide-gamut matrix Zigbee bulbs are specified with)."""
    r, g, b = (_linear(c / 255) for c in rgb)
    x = r * 0.664511 + g * 0.154324 + b * 0.162028
    y = r * 0.283881 + g * 0.668433 + b * 0.047685
    z = r * 0.000088 + g * 0.072310 + b * 0.986039
    total = x + y + z
    if total == 0:
        return 0.3227, 0.329  # white point: black has no chromaticity
    return round(x / total, 4), round(y / total, 4)


def rgb_from_xy(x: float, y: float) -> list[int]:
    """The sRGB colour of a CIE xy point at full brightness (inverse of :func:`xy_from_rgb`)."""
    if y <= 0:
        return [255, 255, 255]
    big_y = 1.0
    big_x = big_y / y * x
    big_z = big_y / y * (1 - x - y)
    r = big_x * 1.656492 - big_y * 0.354851 - big_z * 0.255038
    g = -big_x * 0.707196 + big_y * 1.655397 + big_z * 0.036152
    b = big_x * 0.051713 - big_y * 0.121364 + big_z * 1.011530
    channels = [_gamma(max(0.0, c)) for c in (r, g, b)]
    top = max(channels) or 1.0
    return [round(max(0.0, c / top) * 255) for c in channels]


@dataclass(frozen=True)
class Outgoing:
    """One message to publish for a call. ``echo`` is the state topic that will confirm it
    (None: the device does not report this part, so the hub assumes it happened)."""

    topic: str
    payload: str
    echo: str | None = None
    retain: bool = False


@dataclass
class AvailabilitySource:
    topic: str
    online: str = "online"
    offline: str = "offline"
    template: Template | None = None
    # Zigbee2MQTT publishes {"state": "online"}, or a bare word with its legacy setting.
    json_state: bool = False
    seen: bool | None = None

    def read(self, payload: Payload) -> bool | None:
        if self.json_state:
            data = payload.json
            text = data.get("state") if isinstance(data, dict) else payload.text
            text = text.strip() if isinstance(text, str) else None
        else:
            text = payload.value(self.template)
        if text == self.online:
            return True
        if text == self.offline:
            return False
        return None


class Availability:
    """Home Assistant's availability rules: ``latest``, ``all`` or ``any`` of the sources.

    ``assume_online``: a source that has said nothing counts as online (Zigbee2MQTT
    only publishes availability when it is enabled); otherwise the entity is
    unavailable until told it is online, as Home Assistant does.
    """

    def __init__(
        self, sources: Iterable[AvailabilitySource] = (), mode: str = "latest", *, assume_online: bool = False
    ) -> None:
        self.sources = list(sources)
        if mode not in ("latest", "all", "any"):
            raise DiscoveryError(f"availability_mode {mode!r} is not latest, all or any")
        self.mode = mode
        self.assume_online = assume_online
        self._latest: bool | None = None

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(s.topic for s in self.sources)

    @property
    def known(self) -> bool:
        """Whether enough has been said to decide (or nothing needs to be)."""
        if not self.sources or self.assume_online:
            return True
        seen = [s.seen for s in self.sources]
        if self.mode == "latest":
            return self._latest is not None
        decisive = self.mode != "all"  # one offline decides "all", one online decides "any"
        return decisive in seen or None not in seen

    @property
    def available(self) -> bool:
        if not self.sources:
            return True
        seen = [s.seen for s in self.sources]
        default = self.assume_online
        if self.mode == "latest":
            return default if self._latest is None else self._latest
        if self.mode == "all":
            return all((default if v is None else v) for v in seen)
        return any((default if v is None else v) for v in seen)

    def update(self, topic: str, payload: Payload) -> bool:
        """Take a message; True if it was an availability message for this entity."""
        handled = False
        for source in self.sources:
            if source.topic != topic:
                continue
            value = source.read(payload)
            if value is not None:
                source.seen = value
                self._latest = value
                handled = True
        return handled


@dataclass(eq=False)
class MqttEntity:
    """One discovered entity: identity, abilities, topics, and its last reading."""

    source: str
    key: str
    domain: Domain
    object_id: str
    unique_id: str | None = None
    name: str | None = None
    area: str | None = None
    match_names: tuple[str, ...] = ()
    features: frozenset[str] = frozenset()
    limits: dict[str, Any] = field(default_factory=dict)
    availability: Availability = field(default_factory=Availability)
    state_topics: frozenset[str] = frozenset()
    # What it was announced with: a re-announcement with the same fingerprint changes nothing.
    fingerprint: str = ""
    # The last reading from the device, kept across availability changes.
    state: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    bound_to: str | None = None
    # Who asked for the command in flight: the state change it causes carries it.
    context: Context | None = None

    def __post_init__(self) -> None:
        # (topics listened to, those not heard from yet, the check, the future)
        self._echo_waiters: list[
            tuple[frozenset[str], set[str], Callable[[], bool] | None, asyncio.Future[None]]
        ] = []

    @property
    def suggested_id(self) -> str:
        return f"{self.domain.value}.{self.object_id}"

    @property
    def topics(self) -> frozenset[str]:
        return self.state_topics | self.availability.topics

    @property
    def optimistic(self) -> bool:
        return not self.state_topics

    def describe(self) -> str:
        name = f" ({self.name})" if self.name else ""
        return f"{self.source} {self.suggested_id}{name}"

    # --- what codecs implement ---------------------------------------------------

    def decode(self, topic: str, payload: Payload) -> bool:
        """Read a message on one of ``state_topics``; True if the reading changed."""
        raise NotImplementedError

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        """The messages that carry out a validated call; ActionError if this device cannot."""
        raise NotImplementedError

    def refresh(self) -> list[Outgoing]:
        """Messages that make the device report its state again (after a reconnect)."""
        return []

    # --- shared by codecs ------------------------------------------------------------

    def set_reading(self, state: str | None = None, **attributes: Any) -> bool:
        """Record what a message said; a state the domain cannot be in is ignored."""
        changed = False
        if state is not None:
            allowed = DOMAIN_STATES[self.domain]
            if allowed and state not in allowed:
                raise ValueError(f"{state!r} is not a {self.domain.value} state")
            if not allowed and (len(state) > MAX_STATE_CHARS or not state.isprintable()):
                raise ValueError("the reading is not short printable text")
            changed = state != self.state
            self.state = state
        for key, value in attributes.items():
            if value is not None and self.attributes.get(key) != value:
                self.attributes[key] = value
                changed = True
        return changed

    def unsupported(self, call: ServiceCall, feature: str) -> ActionError:
        return ActionError("error.unsupported", entity=call.entity, feature=feature)

    def cannot(self, call: ServiceCall) -> ActionError:
        return ActionError("error.service_not_for_domain", entity=call.entity, service=call.service)

    def check_limit(self, call: ServiceCall, value: float, low_key: str, high_key: str, unit: str) -> None:
        """The device's own limits, as discovery announced them: refused before anything is sent."""
        low, high = self.limits.get(low_key), self.limits.get(high_key)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ActionError(
                "error.out_of_range",
                entity=call.entity,
                low=low if low is not None else "-",
                high=high if high is not None else "-",
                value=value,
                unit=unit,
            )

    # --- echo waiting ------------------------------------------------------------------

    def agrees(self, state: str, attributes: dict[str, Any]) -> bool:
        """Whether the last reading is what a command was meant to bring about.

        Whole numbers may differ by a device's rounding (brightness on 0-254 against
        0-255, kelvin through mireds): by 1, or 2 %. Other numbers must match.
        Attributes the device never reports, and colours (which come back through
        colour-space conversions), are not compared.
        """
        if self.state != state:
            return False
        for key, wanted in attributes.items():
            have = self.attributes.get(key)
            if key not in self.attributes or isinstance(wanted, list | tuple | dict):
                continue
            if isinstance(wanted, bool) or not isinstance(wanted, int | float):
                if have != wanted:
                    return False
                continue
            if isinstance(have, bool) or not isinstance(have, int | float):
                return False
            slack = max(1.0, 0.02 * abs(wanted)) if isinstance(wanted, int) else 1e-6 * max(1.0, abs(wanted))
            if abs(have - wanted) > slack:
                return False
        return True

    def expect(self, topics: Iterable[str], check: Callable[[], bool] | None = None) -> asyncio.Future[None]:
        """A future done when the device has confirmed: its reading passes ``check`` after a
        message on one of ``topics``; without a check, once each of ``topics`` has spoken."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        listen = frozenset(topics)
        if not listen:
            future.set_result(None)
        else:
            self._echo_waiters.append((listen, set(listen), check, future))
        return future

    def heard(self, topic: str) -> None:
        keep = []
        for listen, silent, check, future in self._echo_waiters:
            if future.done():
                continue
            if topic in listen:
                silent.discard(topic)
                if check() if check is not None else not silent:
                    future.set_result(None)
                    continue
            keep.append((listen, silent, check, future))
        self._echo_waiters = keep

    def forget(self, future: asyncio.Future[None]) -> None:
        self._echo_waiters = [w for w in self._echo_waiters if w[3] is not future]
