"""Home Assistant MQTT discovery: ``<prefix>/<component>/[<node_id>/]<object_id>/config``.

Devices (Zigbee2MQTT, Tasmota, ESPHome, a thermostat's own firmware) announce each
entity with a JSON config, usually with abbreviated keys (``stat_t`` for
``state_topic``), a ``~`` topic base, a ``dev`` block describing the device, and
availability topics. This module turns one such config into an
:class:`~homemind.devices.mqtt.entities.MqttEntity` for the components homemind has
domains for, with the same defaults Home Assistant applies, so a device that works
with Home Assistant works here unchanged. Device-based discovery
(``<prefix>/device/<id>/config`` with ``cmps``) is expanded into its components.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
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
    hs_from_rgb,
    kelvin_from_mired,
    mired_from_kelvin,
    number,
    rgb_from_hs,
    rgb_from_xy,
    slugify,
    xy_from_rgb,
)
from homemind.devices.mqtt.templates import Template, TemplateRefused

SOURCE = "homeassistant"
MAX_CONFIG_BYTES = 64 * 1024
MAX_COMPONENTS = 64

# Home Assistant's validity rule for the node and object parts of a discovery topic.
_TOPIC = re.compile(
    r"^(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config$"
)

# The abbreviations of the keys homemind reads (Home Assistant accepts both forms).
ABBREVIATIONS = {
    "avty": "availability",
    "avty_mode": "availability_mode",
    "avty_t": "availability_topic",
    "avty_tpl": "availability_template",
    "bri_cmd_t": "brightness_command_topic",
    "bri_cmd_tpl": "brightness_command_template",
    "bri_scl": "brightness_scale",
    "bri_stat_t": "brightness_state_topic",
    "bri_val_tpl": "brightness_value_template",
    "clr_temp_cmd_t": "color_temp_command_topic",
    "clr_temp_cmd_tpl": "color_temp_command_template",
    "clr_temp_k": "color_temp_kelvin",
    "clr_temp_stat_t": "color_temp_state_topic",
    "clr_temp_val_tpl": "color_temp_value_template",
    "cmd_t": "command_topic",
    "cmd_tpl": "command_template",
    "cmps": "components",
    "cod_arm_req": "code_arm_required",
    "cod_dis_req": "code_disarm_required",
    "cod_form": "code_format",
    "curr_temp_t": "current_temperature_topic",
    "curr_temp_tpl": "current_temperature_template",
    "def_ent_id": "default_entity_id",
    "dev": "device",
    "dev_cla": "device_class",
    "e": "encoding",
    "evt_typ": "event_types",
    "json_attr_t": "json_attributes_topic",
    "max_kelvin": "max_kelvin",
    "max_mirs": "max_mireds",
    "min_kelvin": "min_kelvin",
    "min_mirs": "min_mireds",
    "mode_cmd_t": "mode_command_topic",
    "mode_cmd_tpl": "mode_command_template",
    "mode_stat_t": "mode_state_topic",
    "mode_stat_tpl": "mode_state_template",
    "o": "origin",
    "obj_id": "object_id",
    "on_cmd_type": "on_command_type",
    "opt": "optimistic",
    "p": "platform",
    "pl_arm_away": "payload_arm_away",
    "pl_arm_home": "payload_arm_home",
    "pl_avail": "payload_available",
    "pl_cls": "payload_close",
    "pl_disarm": "payload_disarm",
    "pl_lock": "payload_lock",
    "pl_not_avail": "payload_not_available",
    "pl_off": "payload_off",
    "pl_on": "payload_on",
    "pl_open": "payload_open",
    "pl_paus": "payload_pause",
    "pl_ret": "payload_return_to_base",
    "pl_stop": "payload_stop",
    "pl_strt": "payload_start",
    "pl_unlk": "payload_unlock",
    "pos_clsd": "position_closed",
    "pos_open": "position_open",
    "pos_t": "position_topic",
    "pos_tpl": "position_template",
    "pow_cmd_t": "power_command_topic",
    "rgb_cmd_t": "rgb_command_topic",
    "rgb_cmd_tpl": "rgb_command_template",
    "rgb_stat_t": "rgb_state_topic",
    "rgb_val_tpl": "rgb_value_template",
    "ret": "retain",
    "set_pos_t": "set_position_topic",
    "set_pos_tpl": "set_position_template",
    "stat_cla": "state_class",
    "stat_clsd": "state_closed",
    "stat_closing": "state_closing",
    "stat_jam": "state_jammed",
    "stat_locked": "state_locked",
    "stat_locking": "state_locking",
    "stat_off": "state_off",
    "stat_on": "state_on",
    "stat_open": "state_open",
    "stat_opening": "state_opening",
    "stat_t": "state_topic",
    "stat_unlocked": "state_unlocked",
    "stat_unlocking": "state_unlocking",
    "stat_val_tpl": "state_value_template",
    "sup_clrm": "supported_color_modes",
    "sup_feat": "supported_features",
    "t": "topic",
    "temp_cmd_t": "temperature_command_topic",
    "temp_cmd_tpl": "temperature_command_template",
    "temp_stat_t": "temperature_state_topic",
    "temp_stat_tpl": "temperature_state_template",
    "temp_unit": "temperature_unit",
    "uniq_id": "unique_id",
    "unit_of_meas": "unit_of_measurement",
    "val_tpl": "value_template",
}
DEVICE_ABBREVIATIONS = {
    "cns": "connections",
    "ids": "identifiers",
    "mf": "manufacturer",
    "mdl": "model",
    "sa": "suggested_area",
    "sw": "sw_version",
    "hw": "hw_version",
}
# Options a device-based discovery config shares with all of its components.
_SHARED = (
    "availability",
    "availability_topic",
    "availability_mode",
    "availability_template",
    "payload_available",
    "payload_not_available",
    "device",
    "origin",
    "state_topic",
    "command_topic",
    "qos",
    "encoding",
)


@dataclass(frozen=True)
class DiscoveryMessage:
    """One message on a discovery topic, split into the entities it announces or removes."""

    configs: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # key -> (component, config)
    removed: tuple[str, ...] = ()
    # A device-based config also replaces every component it no longer lists.
    replaces_prefix: str | None = None


def parse_topic(prefix: str, topic: str) -> tuple[str, str | None, str] | None:
    """(component, node_id, object_id) of a discovery topic; None if it is not one."""
    if not topic.startswith(prefix + "/"):
        return None
    match = _TOPIC.match(topic[len(prefix) + 1 :])
    if match is None:
        return None
    return match["component"], match["node_id"], match["object_id"]


def _expand(config: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        long_key = table.get(key, key)
        if long_key in out:
            raise DiscoveryError(f"{long_key!r} given twice (abbreviated and in full)")
        out[long_key] = value
    return out


def expand(config: dict[str, Any]) -> dict[str, Any]:
    """Abbreviations spelled out and the ``~`` topic base applied, as Home Assistant does."""
    out = _expand(config, ABBREVIATIONS)
    if isinstance(out.get("device"), dict):
        out["device"] = _expand(out["device"], DEVICE_ABBREVIATIONS)
    availability = out.get("availability")
    if isinstance(availability, list):
        out["availability"] = [_expand(a, ABBREVIATIONS) if isinstance(a, dict) else a for a in availability]
    base = out.pop("~", None)
    if base is not None:
        if not isinstance(base, str):
            raise DiscoveryError("'~' (the topic base) must be text")
        for key, value in list(out.items()):
            if key.endswith("topic") and isinstance(value, str):
                out[key] = _with_base(value, base)
        for item in out.get("availability") or []:
            if isinstance(item, dict) and isinstance(item.get("topic"), str):
                item["topic"] = _with_base(item["topic"], base)
    return out


def _with_base(topic: str, base: str) -> str:
    if topic.startswith("~"):
        return base + topic[1:]
    if topic.endswith("~"):
        return topic[:-1] + base
    return topic


def read_message(prefix: str, topic: str, raw: Payload) -> DiscoveryMessage:
    """Parse a discovery message; DiscoveryError for anything malformed, naming the problem."""
    parts = parse_topic(prefix, topic)
    if parts is None:
        raise DiscoveryError(
            f"{topic!r} is not a discovery topic (<component>/[<node_id>/]<object_id>/config)"
        )
    component, node_id, object_id = parts
    discovery_id = f"{node_id} {object_id}" if node_id else object_id
    key = f"{component} {discovery_id}"
    if not raw.raw:
        if component == "device":
            return DiscoveryMessage(replaces_prefix=f"device {discovery_id}/")
        return DiscoveryMessage(removed=(key,))
    if len(raw.raw) > MAX_CONFIG_BYTES:
        raise DiscoveryError(f"the config is {len(raw.raw)} bytes (at most {MAX_CONFIG_BYTES})")
    data = raw.json
    if data is _MISSING:
        raise DiscoveryError("the config is not JSON")
    if not isinstance(data, dict):
        raise DiscoveryError("the config is not a JSON object")
    config = expand(data)
    if component != "device":
        return DiscoveryMessage(configs={key: (component, config)})
    components = config.pop("components", None)
    if not isinstance(components, dict) or not components:
        raise DiscoveryError("a device config needs 'cmps' (components)")
    if len(components) > MAX_COMPONENTS:
        raise DiscoveryError(f"{len(components)} components in one device config (at most {MAX_COMPONENTS})")
    shared = {k: v for k, v in config.items() if k in _SHARED}
    configs: dict[str, tuple[str, dict[str, Any]]] = {}
    removed = []
    for component_id, item in components.items():
        if not isinstance(item, dict):
            raise DiscoveryError(f"component {component_id!r} is not an object")
        item = expand(item)
        platform = item.pop("platform", None)
        if not isinstance(platform, str):
            raise DiscoveryError(f"component {component_id!r} has no platform ('p')")
        component_key = f"device {discovery_id}/{component_id}"
        if not item:
            removed.append(component_key)
            continue
        merged = {**shared, **item}
        merged.setdefault("object_id", component_id)
        configs[component_key] = (platform, merged)
    return DiscoveryMessage(
        configs=configs, removed=tuple(removed), replaces_prefix=f"device {discovery_id}/"
    )


# --- building entities ---------------------------------------------------------------


class _Config:
    """Typed reads of one expanded config, each failing with the key's name."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise DiscoveryError(f"{key} must be text")
        return str(value)

    def topic(self, key: str) -> str | None:
        value = self.data.get(key)
        return None if value is None else check_topic(value, key)

    def template(self, key: str) -> Template | None:
        source = self.text(key)
        if source is None:
            return None
        try:
            return Template(source)
        except TemplateRefused as exc:
            raise DiscoveryError(f"{key}: {exc}") from None

    def number(self, key: str, default: float | None = None, low: float | None = None) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        parsed = number(value, low=low)
        if parsed is None:
            raise DiscoveryError(f"{key} must be a number" + ("" if low is None else f" of at least {low}"))
        return parsed

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise DiscoveryError(f"{key} must be true or false")
        return value

    def strings(self, key: str, default: list[str] | None = None) -> list[str] | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 64:
            raise DiscoveryError(f"{key} must be a list of text")
        return list(value)


def _availability(config: _Config) -> Availability:
    sources = []
    topic = config.topic("availability_topic")
    online = config.text("payload_available", "online") or "online"
    offline = config.text("payload_not_available", "offline") or "offline"
    if topic is not None:
        sources.append(AvailabilitySource(topic, online, offline, config.template("availability_template")))
    items = config.data.get("availability")
    if items is not None:
        if not isinstance(items, list) or len(items) > 16:
            raise DiscoveryError("availability must be a list (of at most 16 topics)")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise DiscoveryError(f"availability[{i}] must be an object")
            sub = _Config(item)
            sources.append(
                AvailabilitySource(
                    check_topic(item.get("topic"), f"availability[{i}].topic"),
                    sub.text("payload_available", "online") or "online",
                    sub.text("payload_not_available", "offline") or "offline",
                    sub.template("value_template"),
                )
            )
    mode = config.text("availability_mode", "latest") or "latest"
    return Availability(sources, mode)


def _identity(component: str, key: str, config: _Config) -> dict[str, Any]:
    """The entity id Home Assistant would give it, its names, and the device's area."""
    device = config.data.get("device")
    device = device if isinstance(device, dict) else {}
    device_name = device.get("name") if isinstance(device.get("name"), str) else None
    name = config.data.get("name")
    name = name if isinstance(name, str) else None
    if device_name and name and name.casefold().startswith(device_name.casefold()):
        device_name = None  # "Kitchen" + "Kitchen Light" is "Kitchen Light", as Home Assistant shows it
    full_name = " ".join(part for part in (device_name, name) if part) or None
    unique_id = config.text("unique_id")
    object_id = None
    default_id = config.text("default_entity_id")
    if default_id:
        domain_part, _, rest = default_id.partition(".")
        object_id = slugify(rest if rest and domain_part == component else default_id)
    if not object_id and config.text("object_id"):
        object_id = slugify(config.text("object_id") or "")
    if not object_id and full_name:
        object_id = slugify(full_name)
    if not object_id and unique_id:
        object_id = slugify(unique_id)
    if not object_id:
        object_id = slugify(key.split(" ", 1)[-1])
    area = device.get("suggested_area") if isinstance(device.get("suggested_area"), str) else None
    names = tuple(n for n in (unique_id, full_name, name) if n)
    return {
        "object_id": object_id or "unnamed",
        "unique_id": unique_id,
        "name": full_name,
        "area": area,
        "match_names": names,
    }


def build(component: str, key: str, data: dict[str, Any]) -> MqttEntity:
    """An entity from an expanded config; DiscoveryError if homemind cannot use it."""
    factory = _COMPONENTS.get(component)
    if factory is None:
        raise DiscoveryError(f"homemind has no domain for the {component!r} component")
    config = _Config(data)
    encoding = config.text("encoding", "utf-8")
    if encoding not in ("utf-8", "utf8"):
        raise DiscoveryError(f"encoding {encoding!r} is not supported (homemind reads UTF-8)")
    entity = factory(config, key=key, availability=_availability(config), **_identity(component, key, config))
    entity.fingerprint = json.dumps([component, data], sort_keys=True, default=str)
    return entity


def _render(template: Template | None, default: str, **variables: Any) -> str:
    if template is None:
        return default
    try:
        return template.render(**variables)
    except TemplateRefused as exc:
        raise DiscoveryError(f"command template failed: {exc}") from None


class _HaEntity(MqttEntity):
    """Shared by the Home Assistant components: the config, and command and state topics."""

    def __init__(self, config: _Config, **identity: Any) -> None:
        self.config = config
        self.command_topic = config.topic("command_topic")
        self.state_topic = config.topic("state_topic")
        self.value_template = config.template("value_template")
        self.retain = config.flag("retain", False)
        super().__init__(source=SOURCE, domain=self.domain_of(), **identity)

    def domain_of(self) -> Domain:
        raise NotImplementedError

    def supported(self, default: list[str], known: tuple[str, ...]) -> frozenset[str]:
        """homemind's features among the ``supported_features`` a device lists."""
        listed = self.config.strings("supported_features", default) or []
        return frozenset(f for f in known if f in listed)

    def json_state(self, payload: Payload) -> tuple[dict[str, Any], str | None] | None:
        """A JSON state payload and the "state" in it; None when it is not a JSON object."""
        data = payload.json
        if not isinstance(data, dict):
            return None
        state = data.get("state")
        return data, state if isinstance(state, str) else None

    def follow(self, *topics: str | None) -> frozenset[str]:
        """The state topics to follow; none when the device is declared optimistic."""
        if self.config.flag("optimistic", False):
            return frozenset()
        return frozenset(t for t in topics if t)

    def out(self, topic: str | None, payload: str, echo: str | None) -> Outgoing:
        if topic is None:
            raise DiscoveryError("no command topic")
        return Outgoing(topic, payload, echo if echo in self.state_topics else None, self.retain)


class _OnOff(_HaEntity):
    """switch, fan and the state part of a light: payload_on/off out, state_on/off in."""

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        self.payload_on = config.text("payload_on", "ON") or "ON"
        self.payload_off = config.text("payload_off", "OFF") or "OFF"
        self.state_on = config.text("state_on", self.payload_on)
        self.state_off = config.text("state_off", self.payload_off)
        self.state_template = config.template("state_value_template") or self.value_template
        self.state_topics = self.follow(self.state_topic)
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")

    def read_on_off(self, payload: Payload) -> str | None:
        value = payload.value(self.state_template)
        if value == self.state_on:
            return "on"
        if value == self.state_off:
            return "off"
        return None

    def decode(self, topic: str, payload: Payload) -> bool:
        return self.set_reading(self.read_on_off(payload))

    def on_off(self, call: ServiceCall) -> Outgoing:
        on = call.service == "turn_on"
        return self.out(self.command_topic, self.payload_on if on else self.payload_off, self.state_topic)

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if call.service not in ("turn_on", "turn_off"):
            raise self.cannot(call)
        return [self.on_off(call)]


class HaSwitch(_OnOff):
    def domain_of(self) -> Domain:
        return Domain.SWITCH


class HaFan(_OnOff):
    def domain_of(self) -> Domain:
        return Domain.FAN


class HaLight(_OnOff):
    """The default ("basic") light schema: one topic per attribute."""

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        c = config
        self.brightness_command = c.topic("brightness_command_topic")
        self.brightness_command_template = c.template("brightness_command_template")
        self.brightness_state = c.topic("brightness_state_topic")
        self.brightness_template = c.template("brightness_value_template")
        self.scale = c.number("brightness_scale", 255, low=1) or 255
        self.rgb_command = c.topic("rgb_command_topic")
        self.rgb_command_template = c.template("rgb_command_template")
        self.rgb_state = c.topic("rgb_state_topic")
        self.rgb_template = c.template("rgb_value_template")
        self.ct_command = c.topic("color_temp_command_topic")
        self.ct_command_template = c.template("color_temp_command_template")
        self.ct_state = c.topic("color_temp_state_topic")
        self.ct_template = c.template("color_temp_value_template")
        self.kelvin = c.flag("color_temp_kelvin", False)
        self.on_command_type = c.text("on_command_type", "last")
        if self.on_command_type not in ("last", "first", "brightness"):
            raise DiscoveryError(f"on_command_type {self.on_command_type!r} is not last, first or brightness")
        self.features = frozenset(
            name
            for name, topic in (
                ("brightness", self.brightness_command),
                ("color", self.rgb_command),
                ("color_temp", self.ct_command),
            )
            if topic
        )
        self.limits = _kelvin_limits(c)
        self.state_topics = self.follow(
            self.state_topic, self.brightness_state, self.rgb_state, self.ct_state
        )

    def domain_of(self) -> Domain:
        return Domain.LIGHT

    def decode(self, topic: str, payload: Payload) -> bool:
        changed = False
        if topic == self.state_topic:
            changed |= self.set_reading(self.read_on_off(payload))
        if topic == self.brightness_state:
            level = number(payload.value(self.brightness_template), 0, self.scale)
            if level is not None:
                changed |= self.set_reading(brightness=round(level * 255 / self.scale))
        if topic == self.rgb_state:
            rgb = _rgb_text(payload.value(self.rgb_template))
            if rgb is not None:
                changed |= self.set_reading(rgb_color=rgb)
        if topic == self.ct_state:
            changed |= self.set_reading(
                color_temp_kelvin=_kelvin(payload.value(self.ct_template), self.kelvin)
            )
        return changed

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if call.service == "turn_off":
            return [self.on_off(call)]
        if call.service != "turn_on":
            raise self.cannot(call)
        data = call.data
        extra: list[Outgoing] = []
        brightness = _brightness_255(data)
        if brightness is not None:
            if not self.brightness_command:
                raise self.unsupported(call, "brightness")
            if brightness == 0:
                return [self.on_off(ServiceCall(call.entity, "turn_off", {}, call.context))]
            level = round(brightness * self.scale / 255)
            payload = _render(self.brightness_command_template, str(level), value=level)
            extra.append(
                self.out(self.brightness_command, payload, self.brightness_state or self.state_topic)
            )
        rgb = _rgb_of(data)
        if rgb is not None:
            if not self.rgb_command:
                raise self.unsupported(call, "color")
            text = ",".join(str(c) for c in rgb)
            payload = _render(
                self.rgb_command_template, text, red=rgb[0], green=rgb[1], blue=rgb[2], value=text
            )
            extra.append(self.out(self.rgb_command, payload, self.rgb_state or self.state_topic))
        if "color_temp_kelvin" in data:
            if not self.ct_command:
                raise self.unsupported(call, "color_temp")
            kelvin = data["color_temp_kelvin"]
            self.check_limit(call, kelvin, "min_color_temp_kelvin", "max_color_temp_kelvin", " K")
            value = kelvin if self.kelvin else mired_from_kelvin(kelvin)
            payload = _render(self.ct_command_template, str(value), value=value)
            extra.append(self.out(self.ct_command, payload, self.ct_state or self.state_topic))
        on = self.on_off(call)
        if self.on_command_type == "brightness" and brightness is not None:
            return extra
        return [*extra, on] if self.on_command_type == "first" else [on, *extra]


class HaJsonLight(HaLight):
    """``schema: json`` (what Zigbee2MQTT announces): one JSON command, one JSON state."""

    def __init__(self, config: _Config, **identity: Any) -> None:
        _HaEntity.__init__(self, config, **identity)
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")
        c = config
        self.scale = c.number("brightness_scale", 255, low=1) or 255
        self.kelvin = c.flag("color_temp_kelvin", False)
        modes = set(c.strings("supported_color_modes", []) or [])
        features = set()
        if modes - {"onoff"} or c.flag("brightness", False):
            features.add("brightness")
        if "color_temp" in modes or c.flag("color_temp", False):
            features.add("color_temp")
        self.color_modes = modes & {"rgb", "rgbw", "rgbww", "hs", "xy"}
        if self.color_modes:
            features.add("color")
        self.features = frozenset(features)
        self.limits = _kelvin_limits(c)
        self.state_topics = self.follow(self.state_topic)

    def decode(self, topic: str, payload: Payload) -> bool:
        data = payload.json
        if not isinstance(data, dict):
            return False
        state = {"ON": "on", "OFF": "off"}.get(str(data.get("state")))
        level = number(data.get("brightness"), 0, self.scale)
        color = data.get("color")
        return self.set_reading(
            state,
            brightness=None if level is None else round(level * 255 / self.scale),
            color_temp_kelvin=_kelvin(data.get("color_temp"), self.kelvin),
            rgb_color=_rgb_from_color(color) if isinstance(color, dict) else None,
        )

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if call.service not in ("turn_on", "turn_off"):
            raise self.cannot(call)
        command: dict[str, Any] = {"state": "ON" if call.service == "turn_on" else "OFF"}
        brightness = _brightness_255(call.data)
        if brightness is not None:
            if "brightness" not in self.features:
                raise self.unsupported(call, "brightness")
            if brightness == 0:
                command = {"state": "OFF"}
            else:
                command["brightness"] = round(brightness * self.scale / 255)
        rgb = _rgb_of(call.data)
        if rgb is not None and command["state"] == "ON":
            if "color" not in self.features:
                raise self.unsupported(call, "color")
            command["color"] = _color_for(rgb, self.color_modes)
        kelvin = call.data.get("color_temp_kelvin")
        if kelvin is not None and command["state"] == "ON":
            if "color_temp" not in self.features:
                raise self.unsupported(call, "color_temp")
            self.check_limit(call, kelvin, "min_color_temp_kelvin", "max_color_temp_kelvin", " K")
            command["color_temp"] = kelvin if self.kelvin else mired_from_kelvin(kelvin)
        return [self.out(self.command_topic, json.dumps(command), self.state_topic)]


def _kelvin_limits(c: _Config) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    low_k, high_k = c.number("min_kelvin", low=1), c.number("max_kelvin", low=1)
    low_m, high_m = c.number("min_mireds", low=1), c.number("max_mireds", low=1)
    if low_k or high_m:
        limits["min_color_temp_kelvin"] = round(low_k) if low_k else kelvin_from_mired(high_m or 1)
    if high_k or low_m:
        limits["max_color_temp_kelvin"] = round(high_k) if high_k else kelvin_from_mired(low_m or 1)
    return limits


def _brightness_255(data: dict[str, Any]) -> int | None:
    if "brightness_pct" in data:
        pct = data["brightness_pct"]
        return 0 if pct == 0 else max(1, round(pct * 255 / 100))
    if "brightness" in data:
        return int(data["brightness"])
    return None


def _rgb_of(data: dict[str, Any]) -> list[int] | None:
    if "rgb_color" in data:
        return [int(c) for c in data["rgb_color"]]
    if "color_name" in data:
        return list(COLOR_NAMES[data["color_name"].lower()])
    return None


def _color_for(rgb: list[int], modes: set[str]) -> dict[str, Any]:
    if modes & {"rgb", "rgbw", "rgbww"}:
        return {"r": rgb[0], "g": rgb[1], "b": rgb[2]}
    if "hs" in modes:
        h, s = hs_from_rgb(rgb)
        return {"h": h, "s": s}
    x, y = xy_from_rgb(rgb)
    return {"x": x, "y": y}


def _rgb_from_color(color: dict[str, Any]) -> list[int] | None:
    """rgb_color from whichever colour form a device reports (r/g/b, h/s, hue/saturation, x/y)."""
    channels = [number(color.get(k), 0, 255) for k in ("r", "g", "b")]
    if all(c is not None for c in channels):
        return [round(c or 0) for c in channels]
    hue = number(color.get("h", color.get("hue")), 0, 360)
    sat = number(color.get("s", color.get("saturation")), 0, 100)
    if hue is not None and sat is not None:
        return rgb_from_hs(hue, sat)
    x, y = number(color.get("x"), 0, 1), number(color.get("y"), 0, 1)
    if x is not None and y is not None:
        return rgb_from_xy(x, y)
    return None


def _rgb_text(text: str | None) -> list[int] | None:
    if text is None:
        return None
    parts = [number(p, 0, 255) for p in text.split(",")]
    if len(parts) != 3 or any(p is None for p in parts):
        return None
    return [round(p or 0) for p in parts]


def _kelvin(value: Any, is_kelvin: bool) -> int | None:
    if isinstance(value, str):
        value = value.strip()
    parsed = number(value, 1, 1_000_000)
    if parsed is None:
        return None
    kelvin = round(parsed) if is_kelvin else kelvin_from_mired(parsed)
    return kelvin if 1000 <= kelvin <= 12000 else None


def _light(config: _Config, **identity: Any) -> MqttEntity:
    schema = config.text("schema", "basic")
    if schema in ("basic", "default"):
        return HaLight(config, **identity)
    if schema == "json":
        return HaJsonLight(config, **identity)
    raise DiscoveryError(f"light schema {schema!r} is not supported (basic and json are)")


class HaLock(_HaEntity):
    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")
        c = config
        self.command_template = c.template("command_template")
        self.payloads = {"lock": c.text("payload_lock", "LOCK"), "unlock": c.text("payload_unlock", "UNLOCK")}
        self.states = {
            c.text("state_locked", "LOCKED"): "locked",
            c.text("state_unlocked", "UNLOCKED"): "unlocked",
            c.text("state_locking", "LOCKING"): "locking",
            c.text("state_unlocking", "UNLOCKING"): "unlocking",
            c.text("state_jammed", "JAMMED"): "jammed",
        }
        self.state_topics = self.follow(self.state_topic)

    def domain_of(self) -> Domain:
        return Domain.LOCK

    def decode(self, topic: str, payload: Payload) -> bool:
        return self.set_reading(self.states.get(payload.value(self.value_template) or ""))

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        word = self.payloads.get(call.service)
        if word is None:
            raise self.cannot(call)
        payload = _render(self.command_template, word, value=word, code=call.data.get("code", ""))
        return [self.out(self.command_topic, payload, self.state_topic)]


class HaCover(_HaEntity):
    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        c = config
        self.payload_open = c.text("payload_open", "OPEN")
        self.payload_close = c.text("payload_close", "CLOSE")
        self.set_position = c.topic("set_position_topic")
        self.set_position_template = c.template("set_position_template")
        self.position_topic = c.topic("position_topic")
        self.position_template = c.template("position_template")
        self.position_open = c.number("position_open", 100) or 0.0
        self.position_closed = c.number("position_closed", 0) or 0.0
        if self.position_open == self.position_closed:
            raise DiscoveryError("position_open and position_closed are the same")
        self.states = {
            c.text("state_open", "open"): "open",
            c.text("state_closed", "closed"): "closed",
            c.text("state_opening", "opening"): "opening",
            c.text("state_closing", "closing"): "closing",
        }
        if self.command_topic is None and self.set_position is None:
            raise DiscoveryError("a cover needs command_topic or set_position_topic")
        self.features = frozenset({"position"}) if self.set_position else frozenset()
        self.state_topics = self.follow(self.state_topic, self.position_topic)

    def domain_of(self) -> Domain:
        return Domain.COVER

    def _percent(self, device_value: float) -> int:
        span = self.position_open - self.position_closed
        return max(0, min(100, round((device_value - self.position_closed) * 100 / span)))

    def decode(self, topic: str, payload: Payload) -> bool:
        changed = False
        if topic == self.state_topic:
            changed |= self.set_reading(self.states.get(payload.value(self.value_template) or ""))
        if topic == self.position_topic:
            low, high = sorted((self.position_open, self.position_closed))
            value = number(payload.value(self.position_template), low, high)
            if value is not None:
                position = self._percent(value)
                state = None if self.state_topic else ("open" if position > 0 else "closed")
                changed |= self.set_reading(state, current_position=position)
        return changed

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        target = {"open_cover": 100, "close_cover": 0}.get(call.service, call.data.get("position"))
        if target is None:
            raise self.cannot(call)
        echo = self.position_topic or self.state_topic
        if call.service != "set_cover_position" and self.command_topic is not None:
            word = self.payload_open if target == 100 else self.payload_close
            return [self.out(self.command_topic, word or "", self.state_topic or echo)]
        if self.set_position is None:
            raise self.unsupported(call, "position")
        value = self.position_closed + (self.position_open - self.position_closed) * target / 100
        device_value = round(value) if float(value).is_integer() else value
        payload = _render(
            self.set_position_template, str(device_value), position=device_value, value=device_value
        )
        return [self.out(self.set_position, payload, echo)]


class _Modes(_HaEntity):
    """climate and water_heater: a mode, a target temperature and a measured one."""

    default_modes: tuple[str, ...] = ()
    default_limits: tuple[float, float] = (7, 35)

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        c = config
        self.mode_command = c.topic("mode_command_topic")
        self.mode_command_template = c.template("mode_command_template")
        self.mode_state = c.topic("mode_state_topic")
        self.mode_template = c.template("mode_state_template")
        self.temp_command = c.topic("temperature_command_topic")
        self.temp_command_template = c.template("temperature_command_template")
        self.temp_state = c.topic("temperature_state_topic")
        self.temp_template = c.template("temperature_state_template")
        self.current_temp = c.topic("current_temperature_topic")
        self.current_template = c.template("current_temperature_template")
        self.power_command = c.topic("power_command_topic")
        self.payload_on = c.text("payload_on", "ON") or "ON"
        self.payload_off = c.text("payload_off", "OFF") or "OFF"
        self.modes = c.strings("modes", list(self.default_modes)) or []
        unit = c.text("temperature_unit", "C")
        if unit not in ("C", "°C"):
            raise DiscoveryError(f"temperature_unit {unit!r}: homemind works in °C")
        low = c.number("min_temp", self.default_limits[0])
        high = c.number("max_temp", self.default_limits[1])
        self.limits = {"min_temp": low, "max_temp": high, "modes": self.modes}
        step = c.number("temp_step", low=0.01)
        if step:
            self.limits["target_temp_step"] = step
        self.features = frozenset({"target_temperature"}) if self.temp_command else frozenset()
        self.state_topics = self.follow(self.mode_state, self.temp_state, self.current_temp)

    def decode(self, topic: str, payload: Payload) -> bool:
        changed = False
        if topic == self.mode_state:
            mode = payload.value(self.mode_template)
            if mode in self.modes:
                extra = {"last_hvac_mode": mode} if mode != "off" and self.domain is Domain.CLIMATE else {}
                changed |= self.set_reading(mode, **extra)
        if topic == self.temp_state:
            changed |= self.set_reading(temperature=number(payload.value(self.temp_template), -100, 200))
        if topic == self.current_temp:
            changed |= self.set_reading(
                current_temperature=number(payload.value(self.current_template), -100, 200)
            )
        return changed

    def _mode(self, call: ServiceCall, mode: str) -> Outgoing:
        if mode not in self.modes:
            raise self.unsupported_mode(call, mode)
        payload = _render(self.mode_command_template, mode, value=mode)
        return self.out(self.mode_command, payload, self.mode_state)

    def unsupported_mode(self, call: ServiceCall, mode: str) -> ActionError:
        return ActionError("error.invalid_mode", entity=call.entity, mode=mode, modes=self.modes)

    def on_mode(self, current: EntityState) -> str:
        raise NotImplementedError

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        service, data = call.service, call.data
        if service in ("turn_on", "turn_off") and self.power_command:
            word = self.payload_on if service == "turn_on" else self.payload_off
            return [self.out(self.power_command, word, self.mode_state)]
        if self.mode_command is None and service in ("turn_on", "turn_off", "set_hvac_mode"):
            raise self.cannot(call)
        if service == "turn_off":
            return [self._mode(call, "off")]
        if service == "turn_on":
            return [self._mode(call, self.on_mode(current))]
        if service == "set_hvac_mode":
            return [self._mode(call, data["hvac_mode"])]
        if service == "set_temperature":
            if self.temp_command is None:
                raise self.unsupported(call, "target_temperature")
            value = data["temperature"]
            self.check_limit(call, value, "min_temp", "max_temp", " °C")
            out = []
            if data.get("hvac_mode"):
                out.append(self._mode(call, data["hvac_mode"]))
            payload = _render(self.temp_command_template, _num_text(value), value=value)
            out.append(self.out(self.temp_command, payload, self.temp_state))
            return out
        raise self.cannot(call)


def _num_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class HaClimate(_Modes):
    default_modes = ("auto", "off", "cool", "heat", "dry", "fan_only")

    def domain_of(self) -> Domain:
        return Domain.CLIMATE

    def on_mode(self, current: EntityState) -> str:
        last = current.attributes.get("last_hvac_mode")
        if last in self.modes and last != "off":
            return str(last)
        return next(
            (m for m in ("cool", "heat", "auto") if m in self.modes), self.modes[0] if self.modes else "on"
        )


class HaWaterHeater(_Modes):
    default_modes = ("off", "eco", "electric", "gas", "heat_pump", "high_demand", "performance")
    default_limits = (43.3, 60)

    def domain_of(self) -> Domain:
        return Domain.WATER_HEATER

    def on_mode(self, current: EntityState) -> str:
        return next((m for m in ("electric", "eco", "performance") if m in self.modes), "electric")


class HaVacuum(_HaEntity):
    """The state schema: commands are words on one topic, state is JSON."""

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        c = config
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")
        self.payloads = {
            "start": c.text("payload_start", "start"),
            "pause": c.text("payload_pause", "pause"),
            "return_to_base": c.text("payload_return_to_base", "return_to_base"),
        }
        defaults = ["start", "stop", "return_home", "status", "battery"]
        self.features = self.supported(defaults, ("start", "pause", "return_home"))
        self.state_topics = self.follow(self.state_topic)

    def domain_of(self) -> Domain:
        return Domain.VACUUM

    def decode(self, topic: str, payload: Payload) -> bool:
        read = self.json_state(payload)
        if read is None:
            return False
        data, state = read
        return self.set_reading(state, battery_level=number(data.get("battery_level"), 0, 100))

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        word = self.payloads.get(call.service)
        if word is None:
            raise self.cannot(call)
        return [self.out(self.command_topic, word, self.state_topic)]


class HaAlarm(_HaEntity):
    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        c = config
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")
        self.command_template = c.template("command_template") or Template("{{ action }}")
        self.payloads = {
            "alarm_arm_home": c.text("payload_arm_home", "ARM_HOME"),
            "alarm_arm_away": c.text("payload_arm_away", "ARM_AWAY"),
            "alarm_disarm": c.text("payload_disarm", "DISARM"),
        }
        self.features = self.supported(["arm_home", "arm_away"], ("arm_home", "arm_away"))
        # The device checks the code itself (REMOTE_CODE): it must be sent along.
        self.remote_code = c.text("code") in ("REMOTE_CODE", "REMOTE_CODE_TEXT")
        self.state_topics = self.follow(self.state_topic)

    def domain_of(self) -> Domain:
        return Domain.ALARM_CONTROL_PANEL

    def decode(self, topic: str, payload: Payload) -> bool:
        state = payload.value(self.value_template)
        return self.set_reading({"pending": "arming"}.get(state or "", state))

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        action = self.payloads.get(call.service)
        if action is None:
            raise self.cannot(call)
        code = call.data.get("code", "") if self.remote_code else ""
        payload = _render(self.command_template, action, action=action, code=code, value=action)
        return [self.out(self.command_topic, payload, self.state_topic)]


class HaMediaPlayer(_HaEntity):
    """Home Assistant has no MQTT media player; homemind accepts one in the same style.

    ``command_topic`` receives ``{"service": "volume_set", "volume_level": 0.4}``
    (homemind's service names and data); ``state_topic`` carries
    ``{"state": "playing", "volume_level": 0.4, "is_volume_muted": false}``.
    """

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")
        known = ("volume_set", "volume_mute", "play_pause")
        self.features = self.supported(list(known), known)
        self.state_topics = self.follow(self.state_topic)

    def domain_of(self) -> Domain:
        return Domain.MEDIA_PLAYER

    def decode(self, topic: str, payload: Payload) -> bool:
        read = self.json_state(payload)
        if read is None:
            return False
        data, state = read
        muted = data.get("is_volume_muted")
        return self.set_reading(
            state,
            volume_level=number(data.get("volume_level"), 0, 1),
            is_volume_muted=muted if isinstance(muted, bool) else None,
        )

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        payload = json.dumps({"service": call.service, **call.data})
        return [self.out(self.command_topic, payload, self.state_topic)]


class _ReadOnly(_HaEntity):
    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        if self.state_topic is None:
            raise DiscoveryError("state_topic is required")
        self.state_topics = frozenset({self.state_topic})

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        raise self.cannot(call)


class HaSensor(_ReadOnly):
    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        unit = config.text("unit_of_measurement")
        self.limits = {"unit_of_measurement": unit} if unit else {}

    def domain_of(self) -> Domain:
        return Domain.SENSOR

    def decode(self, topic: str, payload: Payload) -> bool:
        value = payload.value(self.value_template)
        return self.set_reading(value if value else None)


class HaBinarySensor(_ReadOnly):
    def domain_of(self) -> Domain:
        return Domain.BINARY_SENSOR

    def decode(self, topic: str, payload: Payload) -> bool:
        value = payload.value(self.value_template)
        on = self.config.text("payload_on", "ON")
        off = self.config.text("payload_off", "OFF")
        return self.set_reading({on: "on", off: "off"}.get(value or ""))


class HaEvent(_ReadOnly):
    """Home Assistant's MQTT event (a wearable's fall or SOS button, a remote's press).

    ``state_topic`` carries JSON with an ``event_type`` from the announced
    ``event_types``; as in Home Assistant the entity's state is the time the event
    arrived and its ``event_type`` attribute says what it was, so the same event
    twice is two state changes.
    """

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        types = config.strings("event_types")
        if not types:
            raise DiscoveryError("event_types is required")
        self.event_types = types
        self.limits = {"event_types": types}

    def domain_of(self) -> Domain:
        return Domain.EVENT

    def decode(self, topic: str, payload: Payload) -> bool:
        text = payload.value(self.value_template)
        data = Payload(text).json if text is not None else None
        kind = data.get("event_type") if isinstance(data, dict) else None
        if kind not in self.event_types:
            raise ValueError(f"not an event of {', '.join(self.event_types)}")
        return self.set_reading(datetime.now(UTC).isoformat(timespec="milliseconds"), event_type=kind)


class HaNotify(_HaEntity):
    """Home Assistant's MQTT notify: ``send_message`` publishes the text to ``command_topic``
    (through ``command_template`` when given). Nothing comes back, as in Home Assistant."""

    def __init__(self, config: _Config, **identity: Any) -> None:
        super().__init__(config, **identity)
        if self.command_topic is None:
            raise DiscoveryError("command_topic is required")
        self.command_template = config.template("command_template")

    def domain_of(self) -> Domain:
        return Domain.NOTIFY

    def decode(self, topic: str, payload: Payload) -> bool:
        return False

    def encode(self, call: ServiceCall, current: EntityState) -> list[Outgoing]:
        if call.service != "send_message":
            raise self.cannot(call)
        message = call.data["message"]
        payload = _render(self.command_template, message, value=message, title=call.data.get("title"))
        return [self.out(self.command_topic, payload, None)]


_COMPONENTS: dict[str, Callable[..., MqttEntity]] = {
    "light": _light,
    "switch": HaSwitch,
    "fan": HaFan,
    "lock": HaLock,
    "cover": HaCover,
    "climate": HaClimate,
    "water_heater": HaWaterHeater,
    "vacuum": HaVacuum,
    "alarm_control_panel": HaAlarm,
    "media_player": HaMediaPlayer,
    "sensor": HaSensor,
    "binary_sensor": HaBinarySensor,
    "event": HaEvent,
    "notify": HaNotify,
}
COMPONENTS = frozenset(_COMPONENTS)
