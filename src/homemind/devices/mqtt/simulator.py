"""``homemind simulate``: a home's devices, behaving like real ones on a real MQTT broker.

Each entity of the home file becomes a device speaking one of the two conventions
the hub understands, the way a real home mixes them: Zigbee bulbs, plugs, curtains
and sensors behind a Zigbee2MQTT bridge (with ``/`` in friendly names, as people
use it for rooms), and everything else (air conditioners, the water heater, the
lock, the alarm, the vacuum, the TV) announcing itself with Home Assistant
discovery, abbreviated keys and ``~`` topic bases included. The two halves use
separate connections with their own last will, like separate programs would.

Devices behave as the in-process simulated home does (the same
:func:`~homemind.devices.simulated.apply_call`): a command is decoded from the
device's own wire format, carried out after a small delay, and the new state is
published. A device can be taken offline and brought back, given a new reading, or
(a wearable) made to fall or press SOS, through the control topic::

    {"entity_id": "light.kitchen", "online": false}
    {"entity_id": "sensor.living_room_temperature", "state": "27.5"}
    {"entity_id": "event.nainai_watch_alert", "event_type": "fall"}

This module is the device side on purpose: it shares no encoding code with the
hub's adapter, so a mistake in one is caught by the other in the tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiomqtt

from homemind.core.events import Context
from homemind.core.model import Domain, Entity, Home
from homemind.core.services import ActionError, ServiceCall
from homemind.devices.mqtt.transport import Client, ack_now, cancel
from homemind.devices.simulated import apply_call

log = logging.getLogger(__name__)

CONTROL_TOPIC = "homemind/simulator/control"
HA_BASE = "homemind-sim"
_CONTEXT = Context("simulator", "mqtt")

# Readings a Zigbee sensor reports, by the home entity's device class.
_Z2M_SENSOR = {"temperature": ("temperature", "°C"), "humidity": ("humidity", "%")}
_Z2M_BINARY = {"door": "contact", "window": "contact", "occupancy": "occupancy", "moisture": "water_leak"}


@dataclass
class SimDevice:
    """One home entity as a device: its state, and whether it is reachable."""

    entity: Entity
    state: str
    attributes: dict[str, Any]
    online: bool = True
    changed_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def apply(self, service: str, data: dict[str, Any]) -> bool:
        """Carry out a decoded command as a real device would; False if the device refuses it."""
        call = ServiceCall(self.entity, service, data, _CONTEXT)
        try:
            state, attributes = apply_call(call, self.state, dict(self.attributes))
        except ActionError as exc:
            log.info("simulated %s refuses %s: %s", self.entity.entity_id, service, exc)
            return False
        if state != self.state:
            self.changed_at = datetime.now(UTC)
        self.state = state
        self.attributes.update(attributes)
        return True


def _initial(home: Home, entity: Entity) -> SimDevice:
    state, attributes = home.initial_states[entity.entity_id]
    # The hub checks a panel's code itself before it sends anything, as Home Assistant does.
    bare = Entity(
        entity.entity_id,
        entity.domain,
        entity.names,
        entity.area,
        entity.features,
        entity.device_class,
        dict(entity.capabilities),
    )
    return SimDevice(bare, state, dict(attributes))


def _z2m_reading(entity: Entity) -> tuple[str, str] | None:
    """(device name, property) for a sensor a Zigbee device reports: sensor.<device>_<property>."""
    object_id = entity.entity_id.split(".", 1)[1]
    if entity.domain is Domain.SENSOR and entity.device_class in _Z2M_SENSOR:
        prop = _Z2M_SENSOR[entity.device_class][0]
    elif entity.domain is Domain.BINARY_SENSOR and entity.device_class in _Z2M_BINARY:
        prop = _Z2M_BINARY[entity.device_class]
    else:
        return None
    if not object_id.endswith("_" + prop) or object_id == prop:
        return None
    return object_id[: -len(prop) - 1], prop


def _z2m_property(entity: Entity) -> str | None:
    reading = _z2m_reading(entity)
    return None if reading is None else reading[1]


def _friendly_name(entity: Entity) -> str:
    """Rooms as folders, as people name Zigbee2MQTT devices: "living_room/ceiling"."""
    object_id = entity.entity_id.split(".", 1)[1]
    area = entity.area
    if area and object_id.startswith(area + "_"):
        return f"{area}/{object_id[len(area) + 1 :]}"
    return object_id


def _is_zigbee(entity: Entity) -> bool:
    if entity.domain is Domain.LIGHT:
        return "color" not in entity.features and entity.features != {"brightness"}
    if entity.domain in (Domain.SWITCH, Domain.COVER):
        return True
    return _z2m_reading(entity) is not None


class _Bridge:
    """One connection to the broker with a reconnect loop: a program speaking one convention."""

    label = "bridge"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.client: aiomqtt.Client | None = None
        self._work: set[asyncio.Task[None]] = set()
        self._failures = 0

    def will(self) -> aiomqtt.Will | None:
        return None

    def subscriptions(self) -> list[str]:
        raise NotImplementedError

    async def announce(self) -> None:
        """Publish discovery, availability and state: on connect and when asked again."""
        raise NotImplementedError

    async def on_message(self, topic: str, payload: bytes) -> None:
        raise NotImplementedError

    async def publish(self, topic: str, payload: str, *, retain: bool = True) -> None:
        client = self.client
        if client is None:
            return
        try:
            await client.publish(topic, payload, qos=1, retain=retain)
        except aiomqtt.MqttError as exc:
            log.info("%s: could not publish to %s: %s", self.label, topic, exc)

    async def run(self) -> None:
        delay = 0.25
        while True:
            try:
                client = Client(
                    self.sim.host,
                    self.sim.port,
                    username=self.sim.username,
                    password=self.sim.password,
                    will=self.will(),
                    keepalive=30,
                )
                async with client:
                    self.client = client
                    delay = 0.25
                    self._failures = 0
                    await client.subscribe([(t, 1) for t in self.subscriptions()])
                    await self.announce()
                    self.sim.connected(self)
                    async for message in client.messages:
                        ack_now(client)
                        topic = message.topic.value
                        payload = message.payload if isinstance(message.payload, bytes) else b""
                        try:
                            if topic == CONTROL_TOPIC:
                                await self.sim.control(payload)
                            else:
                                await self.on_message(topic, payload)
                        except (ValueError, KeyError, TypeError, IndexError) as exc:
                            # A real device ignores a command it cannot read; so does this one.
                            log.warning("%s: ignored %r on %s: %s", self.label, payload[:200], topic, exc)
            except aiomqtt.MqttError as exc:
                level = logging.WARNING if self._failures == 0 else logging.INFO
                log.log(
                    level, "%s: broker %s:%s: %s; retrying", self.label, self.sim.host, self.sim.port, exc
                )
                self._failures += 1
            finally:
                self.client = None
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 5.0)

    def later(self, device: SimDevice, work: Callable[[], Awaitable[None]]) -> None:
        """A device answers after a small delay, one command at a time, without holding up the others."""

        async def run() -> None:
            async with device.lock:
                if self.sim.delay:
                    await asyncio.sleep(self.sim.delay)
                await work()

        task = asyncio.create_task(run())
        self._work.add(task)
        task.add_done_callback(self._work.discard)


class HaDevices(_Bridge):
    """Devices announcing themselves with Home Assistant discovery (abbreviated, ``~`` based)."""

    label = "home-assistant devices"

    def __init__(self, sim: Simulator, devices: list[SimDevice]) -> None:
        super().__init__(sim)
        self.devices = {self.object_id(d): d for d in devices}

    @staticmethod
    def object_id(device: SimDevice) -> str:
        return device.entity.entity_id.split(".", 1)[1]

    def base(self, device: SimDevice) -> str:
        return f"{HA_BASE}/{self.object_id(device)}"

    def will(self) -> aiomqtt.Will:
        return aiomqtt.Will(f"{HA_BASE}/status", "offline", qos=1, retain=True)

    def subscriptions(self) -> list[str]:
        # "+/set/#" covers "+/set" too: subscribing to both would deliver each command twice.
        return [f"{HA_BASE}/+/set/#", f"{self.sim.prefix}/status", CONTROL_TOPIC]

    def config(self, device: SimDevice) -> dict[str, Any]:
        entity = device.entity
        domain = entity.domain
        config: dict[str, Any] = {
            "~": self.base(device),
            "name": None,
            "uniq_id": f"homemind_sim_{self.object_id(device)}",
            "def_ent_id": entity.entity_id,
            "avty": [{"t": f"{HA_BASE}/status"}, {"t": "~/availability"}],
            "avty_mode": "all",
            "dev": {
                "ids": [f"homemind_sim_{self.object_id(device)}"],
                "name": entity.names.display("en"),
                "mf": "homemind",
                "mdl": f"simulated {domain.value}",
                "sa": entity.area,
            },
            "o": {"name": "homemind simulate"},
        }
        caps = entity.capabilities
        if domain is Domain.LIGHT and "color" in entity.features:
            config.update({"schema": "json", "cmd_t": "~/set", "stat_t": "~/state", "sup_clrm": ["rgb"]})
        elif domain in (Domain.LIGHT, Domain.SWITCH, Domain.FAN):
            config.update({"cmd_t": "~/set", "stat_t": "~/state"})
            if "brightness" in entity.features:
                config.update({"bri_cmd_t": "~/set/brightness", "bri_stat_t": "~/brightness"})
        elif domain is Domain.LOCK:
            config.update({"cmd_t": "~/set", "stat_t": "~/state"})
        elif domain in (Domain.CLIMATE, Domain.WATER_HEATER):
            modes = caps.get("hvac_modes") or (
                ["off", "eco", "electric", "performance"]
                if domain is Domain.WATER_HEATER
                else ["off", "cool", "heat"]
            )
            config.update(
                {
                    "mode_cmd_t": "~/set/mode",
                    "mode_stat_t": "~/mode",
                    "modes": modes,
                    "temp_cmd_t": "~/set/temperature",
                    "temp_stat_t": "~/temperature",
                    "curr_temp_t": "~/current_temperature",
                    "temp_unit": "C",
                }
            )
            for key in ("min_temp", "max_temp"):
                if key in caps:
                    config[key] = caps[key]
            if "target_temp_step" in caps:
                config["temp_step"] = caps["target_temp_step"]
        elif domain is Domain.VACUUM:
            config.update(
                {"cmd_t": "~/set", "stat_t": "~/state", "sup_feat": ["start", "pause", "return_home"]}
            )
        elif domain is Domain.ALARM_CONTROL_PANEL:
            features = [f for f in ("arm_home", "arm_away") if f in entity.features]
            config.update({"cmd_t": "~/set", "stat_t": "~/state", "sup_feat": features})
        elif domain is Domain.MEDIA_PLAYER:
            config.update({"cmd_t": "~/set", "stat_t": "~/state", "sup_feat": sorted(entity.features)})
        elif domain is Domain.EVENT:
            config.update({"stat_t": "~/event", "evt_typ": caps.get("event_types") or ["fall", "sos"]})
        elif domain is Domain.NOTIFY:
            config["cmd_t"] = "~/set"
        elif domain in (Domain.SENSOR, Domain.BINARY_SENSOR):
            config["stat_t"] = "~/state"
            if entity.device_class:
                config["dev_cla"] = entity.device_class
            if "unit_of_measurement" in caps:
                config["unit_of_meas"] = caps["unit_of_measurement"]
        return config

    def component(self, device: SimDevice) -> str:
        return device.entity.domain.value

    async def announce(self) -> None:
        await self.publish(f"{HA_BASE}/status", "online")
        for object_id, device in self.devices.items():
            topic = f"{self.sim.prefix}/{self.component(device)}/homemind_sim/{object_id}/config"
            await self.publish(topic, json.dumps(self.config(device)))
            await self.publish_availability(device)
            await self.publish_state(device)

    async def publish_availability(self, device: SimDevice) -> None:
        await self.publish(f"{self.base(device)}/availability", "online" if device.online else "offline")

    async def publish_state(self, device: SimDevice) -> None:
        base, state, attrs = self.base(device), device.state, device.attributes
        domain = device.entity.domain
        if domain is Domain.LIGHT and "color" in device.entity.features:
            data: dict[str, Any] = {"state": state.upper(), "color_mode": "rgb"}
            if "brightness" in attrs:
                data["brightness"] = attrs["brightness"]
            if "rgb_color" in attrs:
                r, g, b = attrs["rgb_color"]
                data["color"] = {"r": r, "g": g, "b": b}
            await self.publish(f"{base}/state", json.dumps(data))
        elif domain in (Domain.LIGHT, Domain.SWITCH, Domain.FAN):
            await self.publish(f"{base}/state", state.upper())
            if "brightness" in device.entity.features and "brightness" in attrs:
                await self.publish(f"{base}/brightness", str(attrs["brightness"]))
        elif domain is Domain.LOCK:
            await self.publish(f"{base}/state", state.upper())
        elif domain in (Domain.CLIMATE, Domain.WATER_HEATER):
            await self.publish(f"{base}/mode", state)
            for key in ("temperature", "current_temperature"):
                if key in attrs:
                    await self.publish(f"{base}/{key}", str(attrs[key]))
        elif domain is Domain.VACUUM:
            await self.publish(f"{base}/state", json.dumps({"state": state, **attrs}))
        elif domain is Domain.MEDIA_PLAYER:
            keys = ("volume_level", "is_volume_muted")
            await self.publish(
                f"{base}/state", json.dumps({"state": state, **{k: attrs[k] for k in keys if k in attrs}})
            )
        elif domain is Domain.BINARY_SENSOR:
            await self.publish(f"{base}/state", state.upper())
        elif domain in (Domain.EVENT, Domain.NOTIFY):
            return  # an event is news, not a state to keep; a screen reports nothing
        else:
            await self.publish(f"{base}/state", state)

    async def on_message(self, topic: str, payload: bytes) -> None:
        if topic == f"{self.sim.prefix}/status":
            if payload == b"online":
                await self.announce()
            return
        parts = topic[len(HA_BASE) + 1 :].split("/")
        device = self.devices.get(parts[0])
        if device is None or not device.online:
            return
        command = self.decode(
            device, parts[2] if len(parts) > 2 else None, payload.decode("utf-8", "replace")
        )
        if command is None:
            log.info("simulated %s: cannot read %r on %s", device.entity.entity_id, payload, topic)
            return
        service, data = command

        async def work() -> None:
            if device.apply(service, data):
                await self.publish_state(device)
                if service == "send_message":
                    # What the screen or speaker shows: for people (and tests) watching the broker.
                    await self.publish(f"{self.base(device)}/shown", data["message"], retain=False)

        self.later(device, work)

    async def fire(self, device: SimDevice, event_type: str) -> None:
        """A wearable's fall or SOS: one event message, never retained (it happens once)."""
        await self.publish(f"{self.base(device)}/event", json.dumps({"event_type": event_type}), retain=False)

    def decode(self, device: SimDevice, part: str | None, text: str) -> tuple[str, dict[str, Any]] | None:
        """The device's own reading of a command: the wire format -> homemind service and data."""
        domain = device.entity.domain
        if domain is Domain.LIGHT and "color" in device.entity.features:
            data = json.loads(text)
            if data.get("state") == "OFF":
                return "turn_off", {}
            out: dict[str, Any] = {}
            if "brightness" in data:
                out["brightness"] = int(data["brightness"])
            if isinstance(data.get("color"), dict):
                out["rgb_color"] = [int(data["color"][k]) for k in "rgb"]
            return "turn_on", out
        if part == "brightness":
            return "turn_on", {"brightness": int(float(text))}
        if part == "mode":
            if domain is Domain.WATER_HEATER:
                return ("turn_off", {}) if text == "off" else ("turn_on", {})
            return "set_hvac_mode", {"hvac_mode": text}
        if part == "temperature":
            return "set_temperature", {"temperature": float(text)}
        words: dict[str, tuple[str, dict[str, Any]]] = {
            "ON": ("turn_on", {}),
            "OFF": ("turn_off", {}),
            "LOCK": ("lock", {}),
            "UNLOCK": ("unlock", {}),
            "start": ("start", {}),
            "pause": ("pause", {}),
            "return_to_base": ("return_to_base", {}),
            "ARM_HOME": ("alarm_arm_home", {}),
            "ARM_AWAY": ("alarm_arm_away", {}),
            "DISARM": ("alarm_disarm", {}),
        }
        if domain is Domain.MEDIA_PLAYER:
            data = json.loads(text)
            return str(data.pop("service")), data
        if domain is Domain.NOTIFY:
            return "send_message", {"message": text}
        return words.get(text)


class Zigbee2Mqtt(_Bridge):
    """A Zigbee2MQTT bridge: ``bridge/devices`` with exposes, JSON state, ``/set`` and ``/get``."""

    label = "zigbee2mqtt bridge"

    def __init__(self, sim: Simulator, devices: list[SimDevice]) -> None:
        super().__init__(sim)
        self.base = sim.z2m_base
        # friendly name -> the home entities it is (a climate sensor reports two readings).
        self.by_name: dict[str, list[SimDevice]] = {}
        for device in devices:
            reading = _z2m_reading(device.entity)
            self.by_name.setdefault(reading[0] if reading else _friendly_name(device.entity), []).append(
                device
            )
        self.ieee = {name: "0x" + hashlib.sha256(name.encode()).hexdigest()[:16] for name in self.by_name}

    def will(self) -> aiomqtt.Will:
        return aiomqtt.Will(f"{self.base}/bridge/state", json.dumps({"state": "offline"}), qos=1, retain=True)

    def subscriptions(self) -> list[str]:
        return [
            f"{self.base}/+/set",
            f"{self.base}/+/+/set",
            f"{self.base}/+/get",
            f"{self.base}/+/+/get",
            f"{self.sim.prefix}/status",
        ]

    def exposes(self, devices: list[SimDevice]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for device in devices:
            entity = device.entity
            state = {"type": "binary", "name": "state", "property": "state", "access": 7}
            if entity.domain is Domain.LIGHT:
                features = [{**state, "value_on": "ON", "value_off": "OFF", "value_toggle": "TOGGLE"}]
                if "brightness" in entity.features:
                    features.append(
                        {
                            "type": "numeric",
                            "name": "brightness",
                            "property": "brightness",
                            "value_min": 0,
                            "value_max": 254,
                            "access": 7,
                        }
                    )
                if "color_temp" in entity.features:
                    low = entity.capabilities.get("min_color_temp_kelvin", 2000)
                    high = entity.capabilities.get("max_color_temp_kelvin", 6500)
                    features.append(
                        {
                            "type": "numeric",
                            "name": "color_temp",
                            "property": "color_temp",
                            "unit": "mired",
                            "value_min": round(1e6 / high),
                            "value_max": round(1e6 / low),
                            "access": 7,
                        }
                    )
                out.append({"type": "light", "features": features})
            elif entity.domain is Domain.SWITCH:
                out.append({"type": "switch", "features": [{**state, "value_on": "ON", "value_off": "OFF"}]})
            elif entity.domain is Domain.COVER:
                features = [{**state, "value_on": "OPEN", "value_off": "CLOSE", "access": 3}]
                if "position" in entity.features:
                    features.append(
                        {
                            "type": "numeric",
                            "name": "position",
                            "property": "position",
                            "value_min": 0,
                            "value_max": 100,
                            "access": 7,
                        }
                    )
                out.append({"type": "cover", "features": features})
            elif (prop := _z2m_property(entity)) is not None:
                if entity.domain is Domain.SENSOR:
                    unit = _Z2M_SENSOR[str(entity.device_class)][1]
                    out.append({"type": "numeric", "name": prop, "property": prop, "unit": unit, "access": 1})
                else:
                    on, off = (False, True) if prop == "contact" else (True, False)
                    out.append(
                        {
                            "type": "binary",
                            "name": prop,
                            "property": prop,
                            "value_on": on,
                            "value_off": off,
                            "access": 1,
                        }
                    )
        out.append({"type": "numeric", "name": "linkquality", "property": "linkquality", "access": 1})
        return out

    def device_list(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = [
            {
                "ieee_address": "0x00124b0000000000",
                "type": "Coordinator",
                "friendly_name": "Coordinator",
                "supported": True,
                "definition": None,
            }
        ]
        for name, devices in self.by_name.items():
            listed.append(
                {
                    "ieee_address": self.ieee[name],
                    "type": "Router",
                    "friendly_name": name,
                    "supported": True,
                    "interviewing": False,
                    "interview_completed": True,
                    "definition": {
                        "model": "SIM-" + devices[0].entity.domain.value.upper(),
                        "vendor": "homemind",
                        "description": f"simulated {devices[0].entity.domain.value}",
                        "exposes": self.exposes(devices),
                        "options": [],
                    },
                }
            )
        return listed

    async def announce(self) -> None:
        await self.publish(f"{self.base}/bridge/state", json.dumps({"state": "online"}))
        await self.publish(f"{self.base}/bridge/devices", json.dumps(self.device_list()))
        for name, devices in self.by_name.items():
            await self.publish_availability(name, devices)
            await self.publish_state(name, devices)

    async def publish_availability(self, name: str, devices: list[SimDevice]) -> None:
        state = "online" if devices[0].online else "offline"
        await self.publish(f"{self.base}/{name}/availability", json.dumps({"state": state}))

    def state_json(self, devices: list[SimDevice]) -> dict[str, Any]:
        data: dict[str, Any] = {"linkquality": 120}
        for device in devices:
            entity, state, attrs = device.entity, device.state, device.attributes
            if entity.domain in (Domain.LIGHT, Domain.SWITCH):
                data["state"] = state.upper()
                if "brightness" in entity.features and "brightness" in attrs:
                    data["brightness"] = round(attrs["brightness"] * 254 / 255)
                if "color_temp" in entity.features and "color_temp_kelvin" in attrs:
                    data["color_temp"] = round(1e6 / attrs["color_temp_kelvin"])
            elif entity.domain is Domain.COVER:
                data["state"] = "OPEN" if state == "open" else "CLOSE"
                data["position"] = attrs.get("current_position", 0)
            elif (prop := _z2m_property(entity)) is not None:
                if entity.domain is Domain.SENSOR:
                    try:
                        data[prop] = float(state)
                    except ValueError:
                        continue
                else:
                    is_on = state == "on"
                    data[prop] = (not is_on) if prop == "contact" else is_on
        return data

    async def publish_state(self, name: str, devices: list[SimDevice]) -> None:
        if devices[0].online:
            # Zigbee2MQTT does not retain device state by default; the hub asks with /get. Sensors
            # cannot be asked (they sleep), so they are set up as people do: `retain: true`, and a
            # hub that starts later reads the last reading from the broker.
            sensors = all(d.entity.domain in (Domain.SENSOR, Domain.BINARY_SENSOR) for d in devices)
            await self.publish(f"{self.base}/{name}", json.dumps(self.state_json(devices)), retain=sensors)

    async def on_message(self, topic: str, payload: bytes) -> None:
        if topic == f"{self.sim.prefix}/status":
            if payload == b"online":
                for name, devices in self.by_name.items():
                    await self.publish_state(name, devices)
            return
        rest = topic[len(self.base) + 1 :]
        name, _, verb = rest.rpartition("/")
        found = self.by_name.get(name)
        if found is None or not found[0].online:
            return
        devices = found
        if verb == "get":
            await self.publish_state(name, devices)
            return
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        device = devices[0]
        command = self.decode(device, data)
        if command is None:
            return

        async def work() -> None:
            if device.apply(*command):
                await self.publish_state(name, devices)

        self.later(device, work)

    @staticmethod
    def decode(device: SimDevice, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        domain = device.entity.domain
        if domain is Domain.COVER:
            if "position" in data:
                return "set_cover_position", {"position": int(data["position"])}
            return {"OPEN": ("open_cover", {}), "CLOSE": ("close_cover", {})}.get(data.get("state", ""))
        state = data.get("state")
        if state == "TOGGLE":
            state = "ON" if device.state == "off" else "OFF"
        if state == "OFF":
            return "turn_off", {}
        out: dict[str, Any] = {}
        if "brightness" in data:
            out["brightness"] = max(1, round(int(data["brightness"]) * 255 / 254))
        if "color_temp" in data:
            out["color_temp_kelvin"] = round(1e6 / float(data["color_temp"]))
        return ("turn_on", out) if state == "ON" or out else None


class Simulator:
    """The devices of one home on one broker; :meth:`run` until cancelled."""

    def __init__(
        self,
        home: Home,
        host: str,
        port: int,
        *,
        delay: float = 0.05,
        return_seconds: float = 20.0,
        prefix: str = "homeassistant",
        z2m_base: str = "zigbee2mqtt",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.home = home
        self.host, self.port = host, port
        self.delay = delay
        self.return_seconds = return_seconds
        self.prefix, self.z2m_base = prefix, z2m_base
        self.username, self.password = username, password
        self.devices = {entity_id: _initial(home, entity) for entity_id, entity in home.entities.items()}
        zigbee = [d for d in self.devices.values() if _is_zigbee(d.entity)]
        others = [d for d in self.devices.values() if not _is_zigbee(d.entity)]
        self.z2m = Zigbee2Mqtt(self, zigbee)
        self.ha = HaDevices(self, others)
        self._ready: set[str] = set()
        self.ready = asyncio.Event()

    def connected(self, bridge: _Bridge) -> None:
        self._ready.add(bridge.label)
        if len(self._ready) == 2:
            self.ready.set()

    def bridge_of(self, device: SimDevice) -> _Bridge:
        return self.z2m if _is_zigbee(device.entity) else self.ha

    async def run(self) -> None:
        """Run until cancelled; each part is cancelled until it stops (see transport.cancel)."""
        parts = [asyncio.create_task(self.z2m.run()), asyncio.create_task(self.ha.run())]
        parts.append(asyncio.create_task(self._settle()))
        try:
            await asyncio.gather(*parts)
        finally:
            await asyncio.shield(cancel(parts + [t for b in (self.z2m, self.ha) for t in b._work]))

    async def _settle(self) -> None:
        """A vacuum sent home docks once it has had time to get there."""
        while True:
            await asyncio.sleep(min(1.0, self.return_seconds))
            now = datetime.now(UTC)
            for device in self.devices.values():
                returning = device.state == "returning"
                if returning and (now - device.changed_at).total_seconds() >= self.return_seconds:
                    device.state = "docked"
                    device.changed_at = now
                    await self.ha.publish_state(device)

    async def set_online(self, entity_id: str, online: bool) -> None:
        device = self.devices[entity_id]
        if isinstance(self.bridge_of(device), Zigbee2Mqtt):
            name = next(n for n, ds in self.z2m.by_name.items() if device in ds)
            for member in self.z2m.by_name[name]:
                member.online = online
            await self.z2m.publish_availability(name, self.z2m.by_name[name])
            await self.z2m.publish_state(name, self.z2m.by_name[name])
        else:
            device.online = online
            await self.ha.publish_availability(device)
            if online:
                await self.ha.publish_state(device)

    async def set_state(self, entity_id: str, state: str, attributes: dict[str, Any]) -> None:
        """A change that did not come from the hub: a reading, or someone at the switch."""
        device = self.devices[entity_id]
        device.state = state
        device.attributes.update(attributes)
        device.changed_at = datetime.now(UTC)
        if isinstance(self.bridge_of(device), Zigbee2Mqtt):
            name = next(n for n, ds in self.z2m.by_name.items() if device in ds)
            await self.z2m.publish_state(name, self.z2m.by_name[name])
        else:
            await self.ha.publish_state(device)

    async def fire_event(self, entity_id: str, event_type: str) -> None:
        """A wearable falls or its SOS button is pressed (an event entity of the home)."""
        device = self.devices[entity_id]
        if device.entity.domain is not Domain.EVENT:
            raise ValueError(f"{entity_id} is not an event entity")
        await self.ha.fire(device, event_type)

    async def control(self, payload: bytes) -> None:
        """A control message: take devices offline or online, or give them a new state."""
        try:
            data = json.loads(payload)
            entity_id = data["entity_id"]
            targets = list(self.devices) if entity_id == "*" else [entity_id]
            for target in targets:
                if target not in self.devices:
                    raise KeyError(target)
                if "online" in data:
                    await self.set_online(target, bool(data["online"]))
                if "state" in data:
                    await self.set_state(target, str(data["state"]), dict(data.get("attributes") or {}))
                if "event_type" in data:
                    await self.fire_event(target, str(data["event_type"]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("simulator: ignored a control message %r: %s", payload[:200], exc)
