"""Zigbee2MQTT's own convention: ``<base>/bridge/devices`` and ``<base>/<friendly_name>[/set|/get|...]``.

The bridge publishes the device list (retained) with each device's *exposes*:
typed descriptions of what it reports and accepts. A device publishes its whole
state as one JSON object on ``<base>/<friendly_name>`` and takes partial JSON on
``.../set``. This module turns the exposes homemind has domains for into
:class:`~homemind.devices.mqtt.entities.MqttEntity` objects, one per light, switch,
cover, lock, climate or fan, and one per sensor reading worth talking about.

A friendly name may contain ``/`` (Zigbee2MQTT uses it for folders), so topics are
matched against the known names exactly, never split on ``/``. A name with an MQTT
wildcard (``+``, ``#``) cannot be published to, so such a device is refused with a
clear message instead of breaking the connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from homemind.core.model import Domain, EntityState
from homemind.core.services import COLOR_NAMES, ActionError, ServiceCall
from homemind.devices.mqtt.entities import (
    _MISSING,
    Availability,
    AvailabilitySource,
    DiscoveryError,
    MqttEntity,
    Outgoing,
    Payload,
    check_topic,
    kelvin_from_mired,
    mired_from_kelvin,
    number,
    rgb_from_hs,
    rgb_from_xy,
    slugify,
)

SOURCE = "zigbee2mqtt"
MAX_DEVICES_BYTES = 8 * 1024 * 1024
MAX_DEVICES = 1000
MAX_EXPOSES = 200
_RESERVED_SUFFIXES = ("/set", "/get", "/availability")

# Readings worth an entity: Zigbee2MQTT property -> (domain, device class).
_SENSORS: dict[str, str | None] = {
    "temperature": "temperature",
    "humidity": "humidity",
    "pressure": "pressure",
    "power": "power",
    "energy": "energy",
    "voltage": "voltage",
    "current": "current",
    "illuminance": "illuminance",
    "illuminance_lux": "illuminance",
    "co2": "carbon_dioxide",
    "pm25": "pm25",
    "battery": "battery",
    # A wearable's readings (homemind.care): beats per minute, blood oxygen in %.
    "heart_rate": None,
    "spo2": None,
}
_BINARY_SENSORS: dict[str, str | None] = {
    "contact": "door",
    "occupancy": "occupancy",
    "presence": "presence",
    "water_leak": "moisture",
    "smoke": "smoke",
    "vibration": "vibration",
    "tamper": "tamper",
    "on_body": None,  # a wearable that knows whether it is worn
}


@dataclass(frozen=True)
class Z2mDevice:
    ieee_address: str
    friendly_name: str
    entities: tuple[MqttEntity, ...]


def check_friendly_name(name: Any) -> str:
    """A friendly name homemind can build topics from; DiscoveryError says why not."""
    if not isinstance(name, str) or not name.strip():
        raise DiscoveryError("a device without a friendly_name")
    if "+" in name or "#" in name:
        raise DiscoveryError(
            f"friendly_name {name!r} contains an MQTT wildcard (+ or #); rename it in Zigbee2MQTT"
        )
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise DiscoveryError(f"friendly_name {name!r} has an empty topic level")
    if name == "bridge" or name.startswith("bridge/") or name.endswith(_RESERVED_SUFFIXES):
        raise DiscoveryError(f"friendly_name {name!r} collides with Zigbee2MQTT's own topics")
    check_topic(name, "friendly_name")
    return name


def read_devices(base: str, payload: Payload) -> tuple[list[Z2mDevice], list[str]]:
    """The devices of a ``bridge/devices`` message, and one problem line per device refused."""
    if len(payload.raw) > MAX_DEVICES_BYTES:
        raise DiscoveryError(f"bridge/devices is {len(payload.raw)} bytes (at most {MAX_DEVICES_BYTES})")
    data = payload.json
    if data is _MISSING or not isinstance(data, list):
        raise DiscoveryError("bridge/devices is not a JSON list")
    if len(data) > MAX_DEVICES:
        raise DiscoveryError(f"bridge/devices lists {len(data)} devices (at most {MAX_DEVICES})")
    devices: list[Z2mDevice] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        if not isinstance(item, dict) or item.get("type") == "Coordinator":
            continue
        label = item.get("friendly_name", f"device {index}")
        try:
            device = _device(base, item)
        except DiscoveryError as exc:
            problems.append(f"zigbee2mqtt {label!r}: {exc}")
            continue
        if device is None:
            continue
        if device.friendly_name in seen:
            problems.append(f"zigbee2mqtt {label!r}: listed twice")
            continue
        seen.add(device.friendly_name)
        devices.append(device)
    return devices, problems


def _device(base: str, item: dict[str, Any]) -> Z2mDevice | None:
    name = check_friendly_name(item.get("friendly_name"))
    ieee = item.get("ieee_address")
    if not isinstance(ieee, str) or not ieee:
        raise DiscoveryError("no ieee_address")
    definition = item.get("definition")
    if not item.get("supported", True) or not isinstance(definition, dict) or item.get("disabled"):
        return None
    if item.get("interviewing") is True:
        return None
    exposes = definition.get("exposes")
    if not isinstance(exposes, list) or len(exposes) > MAX_EXPOSES:
        raise DiscoveryError("exposes must be a list")
    topic = f"{base}/{name}"
    availability = Availability(
        [
            AvailabilitySource(f"{base}/bridge/state", json_state=True),
            AvailabilitySource(f"{topic}/availability", json_state=True),
        ],
        "all",
        assume_online=True,
    )
    common = {"device_topic": topic, "friendly_name": name, "ieee": ieee, "availability": availability}
    entities: list[MqttEntity] = []
    for expose in exposes:
        if not isinstance(expose, dict):
            continue
        entity = _entity(expose, common)
        if entity is not None:
            entities.append(entity)
    return Z2mDevice(ieee, name, tuple(entities))


def _features(expose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A specific expose's features by name (``state``, ``brightness``, ``color_xy``...)."""
    features = expose.get("features")
    if not isinstance(features, list):
        raise DiscoveryError(f"{expose.get('type')} expose without features")
    out = {}
    for feature in features:
        if isinstance(feature, dict) and isinstance(feature.get("name"), str):
            out[feature["name"]] = feature
    return out


def _property(feature: dict[str, Any] | None) -> str | None:
    if feature is None:
        return None
    prop = feature.get("property")
    return prop if isinstance(prop, str) and prop else None


def _entity(expose: dict[str, Any], common: dict[str, Any]) -> MqttEntity | None:
    kind = expose.get("type")
    endpoint = expose.get("endpoint")
    suffix = slugify(str(endpoint)) if endpoint else ""
    base_id = slugify(common["friendly_name"]) or slugify(common["ieee"])
    if kind in _SPECIFIC:
        cls = _SPECIFIC[kind]
        object_id = f"{base_id}_{suffix}" if suffix else base_id
        return cls(expose=expose, object_id=object_id, suffix=suffix, **common)
    prop = expose.get("property")
    if not isinstance(prop, str) or not isinstance(expose.get("access"), int) or not expose["access"] & 1:
        return None
    if kind == "numeric" and expose.get("name") in _SENSORS:
        return Z2mSensor(expose=expose, object_id=f"{base_id}_{slugify(prop)}", suffix=prop, **common)
    if kind == "binary" and expose.get("name") in _BINARY_SENSORS:
        return Z2mBinarySensor(expose=expose, object_id=f"{base_id}_{slugify(prop)}", suffix=prop, **common)
    if kind == "enum" and expose.get("name") == "action":
        return Z2mEvent(expose=expose, object_id=f"{base_id}_{slugify(prop)}", suffix=prop, **common)
    return None


class _Z2mEntity(MqttEntity):
    """One entity of a Zigbee2MQTT device: reads the device's JSON state, writes to ``/set``."""

    domain_value: Domain

    def __init__(
        self,
        *,
        expose: dict[str, Any],
        object_id: str,
        suffix: str,
        device_topic: str,
        friendly_name: str,
        ieee: str,
        availability: Availability,
    ) -> None:
        self.expose = expose
        self.device_topic = device_topic
        self.set_topic = f"{device_topic}/set"
        self.friendly_name = friendly_name
        unique_id = f"{ieee}_{self.domain_value.value}" + (f"_{suffix}" if suffix else "")
        # What mqtt.entities may name it by: the unique_id, or the device (its friendly name or
        # address), with "/<property or endpoint>" for the device's other entities.
        names = (unique_id, friendly_name, ieee) if not suffix else (unique_id, f"{friendly_name}/{suffix}")
        super().__init__(
            source=SOURCE,
            key=f"{SOURCE} {unique_id}",
            domain=self.domain_value,
            object_id=object_id,
            unique_id=unique_id,
            name=friendly_name,
            match_names=names,
            availability=availability,
            state_topics=frozenset({device_topic}),
            fingerprint=json.dumps([friendly_name, expose], sort_keys=True, default=str),
        )
        self.setup()

    def setup(self) -> None:
        """Read the expose; subclasses find their properties here."""

    def data(self, payload: Payload) -> dict[str, Any] | None:
        data = payload.json
        return data if isinstance(data, dict) else None

    def send(self, command: dict[str, Any]) -> list[Outgoing]:
        return [Outgoing(self.set_topic, json.dumps(command), self.device_topic)]

    def refresh(self) -> list[Outgoing]:
        """Ask for the properties that can be read back (access bit 4), as ``{"state": ""}``."""
        readable = [p for p in self.readable() if p]
        if not readable:
            return []
        return [Outgoing(f"{self.device_topic}/get", json.dumps(dict.fromkeys(readable, "")))]

    def readable(self) -> list[str | None]:
        return []

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        raise self.cannot(call)


def _binary(feature: dict[str, Any] | None) -> tuple[str | None, Any, Any]:
    if feature is None:
        return None, None, None
    return _property(feature), feature.get("value_on", "ON"), feature.get("value_off", "OFF")


def _gettable(feature: dict[str, Any] | None) -> str | None:
    if feature is None or not isinstance(feature.get("access"), int) or not feature["access"] & 4:
        return None
    return _property(feature)


def _settable(feature: dict[str, Any] | None) -> bool:
    return feature is not None and isinstance(feature.get("access"), int) and bool(feature["access"] & 2)


class Z2mOnOff(_Z2mEntity):
    """switch and fan: one binary state property (``state``, ``state_l1``, ``fan_state``)."""

    def setup(self) -> None:
        features = _features(self.expose)
        self.state_feature = features.get("state")
        self.state_prop, self.value_on, self.value_off = _binary(self.state_feature)
        if self.state_prop is None:
            raise DiscoveryError(f"{self.expose.get('type')} without a state property")

    def readable(self) -> list[str | None]:
        return [_gettable(self.state_feature)]

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        if data is None or self.state_prop not in data:
            return False
        value = data[self.state_prop]
        return self.set_reading(
            "on" if value == self.value_on else "off" if value == self.value_off else None
        )

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if call.service not in ("turn_on", "turn_off"):
            raise self.cannot(call)
        return self.send(
            {str(self.state_prop): self.value_on if call.service == "turn_on" else self.value_off}
        )


class Z2mSwitch(Z2mOnOff):
    domain_value = Domain.SWITCH


class Z2mFan(Z2mOnOff):
    domain_value = Domain.FAN


class Z2mLight(Z2mOnOff):
    domain_value = Domain.LIGHT

    def setup(self) -> None:
        super().setup()
        features = _features(self.expose)
        self.brightness = features.get("brightness")
        self.color_temp = features.get("color_temp")
        self.color = features.get("color_xy") or features.get("color_hs")
        self.max_level = number((self.brightness or {}).get("value_max"), low=1) or 254
        found = {"brightness": self.brightness, "color_temp": self.color_temp, "color": self.color}
        self.features = frozenset(name for name, feature in found.items() if _settable(feature))
        if self.color_temp is not None:
            low_mired = number(self.color_temp.get("value_min"), low=1)
            high_mired = number(self.color_temp.get("value_max"), low=1)
            if low_mired:
                self.limits["max_color_temp_kelvin"] = kelvin_from_mired(low_mired)
            if high_mired:
                self.limits["min_color_temp_kelvin"] = kelvin_from_mired(high_mired)

    def readable(self) -> list[str | None]:
        return [_gettable(self.state_feature), _gettable(self.brightness), _gettable(self.color_temp)]

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        if data is None:
            return False
        changed = super().decode(topic, payload)
        level = number(data.get(_property(self.brightness) or "brightness"), 0, self.max_level)
        mired = number(data.get(_property(self.color_temp) or "color_temp"), 1, 100_000)
        color = data.get("color")
        rgb = None
        if isinstance(color, dict):
            x, y = number(color.get("x"), 0, 1), number(color.get("y"), 0, 1)
            hue, sat = number(color.get("hue"), 0, 360), number(color.get("saturation"), 0, 100)
            if x is not None and y is not None:
                rgb = rgb_from_xy(x, y)
            elif hue is not None and sat is not None:
                rgb = rgb_from_hs(hue, sat)
        return changed | self.set_reading(
            brightness=None if level is None else round(level * 255 / self.max_level),
            color_temp_kelvin=None if mired is None else kelvin_from_mired(mired),
            rgb_color=rgb,
        )

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if (
            call.service == "turn_off"
            or call.data.get("brightness_pct") == 0
            or call.data.get("brightness") == 0
        ):
            return self.send({str(self.state_prop): self.value_off})
        if call.service != "turn_on":
            raise self.cannot(call)
        command: dict[str, Any] = {str(self.state_prop): self.value_on}
        data = call.data
        if "brightness_pct" in data or "brightness" in data:
            if "brightness" not in self.features:
                raise self.unsupported(call, "brightness")
            level = data["brightness_pct"] * 255 / 100 if "brightness_pct" in data else data["brightness"]
            command[_property(self.brightness) or "brightness"] = max(1, round(level * self.max_level / 255))
        if "rgb_color" in data or "color_name" in data:
            if "color" not in self.features:
                raise self.unsupported(call, "color")
            r, g, b = data.get("rgb_color") or COLOR_NAMES[data["color_name"].lower()]
            command["color"] = {"r": r, "g": g, "b": b}
        if "color_temp_kelvin" in data:
            if "color_temp" not in self.features:
                raise self.unsupported(call, "color_temp")
            self.check_limit(
                call, data["color_temp_kelvin"], "min_color_temp_kelvin", "max_color_temp_kelvin", " K"
            )
            command[_property(self.color_temp) or "color_temp"] = mired_from_kelvin(data["color_temp_kelvin"])
        return self.send(command)


class Z2mCover(_Z2mEntity):
    domain_value = Domain.COVER

    def setup(self) -> None:
        features = _features(self.expose)
        self.state_feature = features.get("state")
        self.position = features.get("position")
        self.state_prop, self.value_open, self.value_close = _binary(self.state_feature)
        if self.value_open == "ON":  # covers say OPEN/CLOSE even when the expose omits it
            self.value_open, self.value_close = "OPEN", "CLOSE"
        if _settable(self.position):
            self.features = frozenset({"position"})

    def readable(self) -> list[str | None]:
        return [_gettable(self.position) or _gettable(self.state_feature)]

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        if data is None:
            return False
        position = number(data.get(_property(self.position) or "position"), 0, 100)
        if position is not None:
            return self.set_reading("open" if position > 0 else "closed", current_position=round(position))
        value = data.get(self.state_prop or "state")
        return self.set_reading({self.value_open: "open", self.value_close: "closed"}.get(value))

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if call.service == "set_cover_position":
            if "position" not in self.features:
                raise self.unsupported(call, "position")
            return self.send({_property(self.position) or "position": call.data["position"]})
        word = {"open_cover": self.value_open, "close_cover": self.value_close}.get(call.service)
        if word is None:
            raise self.cannot(call)
        return self.send({self.state_prop or "state": word})


class Z2mLock(_Z2mEntity):
    domain_value = Domain.LOCK

    def setup(self) -> None:
        self.state_feature = _features(self.expose).get("state")
        self.state_prop, self.value_lock, self.value_unlock = _binary(self.state_feature)
        if self.state_prop is None:
            raise DiscoveryError("lock without a state property")
        if self.value_lock == "ON":
            self.value_lock, self.value_unlock = "LOCK", "UNLOCK"

    def readable(self) -> list[str | None]:
        return [_gettable(self.state_feature)]

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        if data is None:
            return False
        detail = data.get("lock_state")
        if detail in ("locked", "unlocked"):
            return self.set_reading(str(detail))
        if detail == "not_fully_locked":
            return self.set_reading("jammed")
        value = data.get(self.state_prop or "state")
        return self.set_reading({self.value_lock: "locked", self.value_unlock: "unlocked"}.get(value))

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        word = {"lock": self.value_lock, "unlock": self.value_unlock}.get(call.service)
        if word is None:
            raise self.cannot(call)
        return self.send({str(self.state_prop): word})


class Z2mClimate(_Z2mEntity):
    domain_value = Domain.CLIMATE
    _SETPOINTS = ("current_heating_setpoint", "occupied_heating_setpoint", "occupied_cooling_setpoint")

    def setup(self) -> None:
        features = _features(self.expose)
        self.mode = features.get("system_mode")
        self.setpoint = next((features[n] for n in self._SETPOINTS if n in features), None)
        self.local = features.get("local_temperature")
        values = (self.mode or {}).get("values")
        self.modes = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
        if self.setpoint is not None and _settable(self.setpoint):
            self.features = frozenset({"target_temperature"})
            self.limits = {
                "min_temp": number(self.setpoint.get("value_min")),
                "max_temp": number(self.setpoint.get("value_max")),
            }
            step = number(self.setpoint.get("value_step"), low=0.01)
            if step:
                self.limits["target_temp_step"] = step
        self.limits["modes"] = self.modes

    def readable(self) -> list[str | None]:
        return [_gettable(self.mode), _gettable(self.setpoint), _gettable(self.local)]

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        if data is None:
            return False
        mode = data.get(_property(self.mode) or "system_mode")
        state = mode if isinstance(mode, str) and mode in self.modes else None
        extra = {"last_hvac_mode": state} if state and state != "off" else {}
        return self.set_reading(
            state,
            temperature=number(data.get(_property(self.setpoint) or "-"), -50, 100),
            current_temperature=number(data.get(_property(self.local) or "local_temperature"), -50, 100),
            **extra,
        )

    def _mode(self, call: ServiceCall, mode: str) -> dict[str, Any]:
        if mode not in self.modes:
            raise ActionError("error.invalid_mode", entity=call.entity, mode=mode, modes=self.modes)
        return {_property(self.mode) or "system_mode": mode}

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        service, data = call.service, call.data
        if service == "turn_off":
            return self.send(self._mode(call, "off"))
        if service == "turn_on":
            last = current.attributes.get("last_hvac_mode")
            on_modes = [m for m in self.modes if m != "off"]
            if not on_modes:
                raise self.cannot(call)
            mode = last if last in on_modes else ("cool" if "cool" in on_modes else on_modes[0])
            return self.send(self._mode(call, str(mode)))
        if service == "set_hvac_mode":
            return self.send(self._mode(call, data["hvac_mode"]))
        if service == "set_temperature":
            if "target_temperature" not in self.features:
                raise self.unsupported(call, "target_temperature")
            self.check_limit(call, data["temperature"], "min_temp", "max_temp", " °C")
            command = self._mode(call, data["hvac_mode"]) if data.get("hvac_mode") else {}
            command[_property(self.setpoint) or "current_heating_setpoint"] = data["temperature"]
            return self.send(command)
        raise self.cannot(call)


class Z2mSensor(_Z2mEntity):
    domain_value = Domain.SENSOR

    def setup(self) -> None:
        unit = self.expose.get("unit")
        if isinstance(unit, str):
            self.limits = {"unit_of_measurement": unit}

    def readable(self) -> list[str | None]:
        return [_gettable(self.expose)]

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        if data is None:
            return False
        value = number(data.get(str(self.expose["property"])))
        if value is None:
            return False
        return self.set_reading(str(int(value)) if value.is_integer() else str(value))


class Z2mBinarySensor(_Z2mEntity):
    domain_value = Domain.BINARY_SENSOR

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        prop = str(self.expose["property"])
        if data is None or prop not in data:
            return False
        value = data[prop]
        on, off = self.expose.get("value_on", True), self.expose.get("value_off", False)
        return self.set_reading("on" if value == on else "off" if value == off else None)


class Z2mEvent(_Z2mEntity):
    """A device's ``action`` (a button press, a wearable's fall or SOS) as an event entity, as
    Zigbee2MQTT's Home Assistant integration makes it: the state is when it happened, the
    ``event_type`` attribute which of the expose's values it was. Only a message that carries
    an action is an event: the device's other readings in the same JSON are not."""

    domain_value = Domain.EVENT

    def setup(self) -> None:
        values = self.expose.get("values")
        self.event_types = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
        if not self.event_types:
            raise DiscoveryError("an action expose without values")
        self.limits = {"event_types": self.event_types}

    def decode(self, topic: str, payload: Payload) -> bool:
        data = self.data(payload)
        action = None if data is None else data.get(str(self.expose["property"]))
        if action in (None, ""):
            return False
        if action not in self.event_types:
            raise ValueError(f"action {action!r} is not one of {', '.join(self.event_types)}")
        return self.set_reading(datetime.now(UTC).isoformat(timespec="milliseconds"), event_type=action)


_SPECIFIC: dict[str, type[_Z2mEntity]] = {
    "light": Z2mLight,
    "switch": Z2mSwitch,
    "fan": Z2mFan,
    "cover": Z2mCover,
    "lock": Z2mLock,
    "climate": Z2mClimate,
}
