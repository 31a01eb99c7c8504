"""Devices over MQTT, against a real mosquitto: discovery, commands, state, availability, outages, bad input.

Every test gets a broker of its own (conftest.Mosquitto). The devices are either
the simulator (``homemind simulate``'s code, run in the test's event loop or as a
process) or hand-written payloads published by a plain client, for the cases a
well-behaved device would never produce. Waits are bounded waits for something to
happen, never assertions about how fast it happened.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from conftest import Mosquitto, run_cli
from homemind.app import DEMO_CODE, Hub, demo_home_text
from homemind.conversation import ConversationResult
from homemind.core.events import Context
from homemind.core.homefile import HomeFileError, parse_home
from homemind.core.model import Domain, EntityState
from homemind.core.services import validate_call
from homemind.devices.mqtt import MqttBackend
from homemind.devices.mqtt.entities import DiscoveryError, Payload
from homemind.devices.mqtt.ha import build, expand, read_message
from homemind.devices.mqtt.simulator import CONTROL_TOPIC, Simulator
from homemind.devices.mqtt.templates import Template, TemplateRefused
from homemind.devices.mqtt.transport import cancel
from homemind.devices.mqtt.z2m import read_devices
from homemind.policy import Result

pytestmark = pytest.mark.anyio

DEMO_IDS = set(parse_home(demo_home_text()).entities)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- helpers ------------------------------------------------------------------------

ON_OFF = {
    "type": "binary",
    "name": "state",
    "property": "state",
    "value_on": "ON",
    "value_off": "OFF",
    "access": 7,
}
BULB = {"type": "light", "features": [ON_OFF]}


def zigbee_device(name: Any, ieee: str, *exposes: dict) -> dict:
    """One entry of Zigbee2MQTT's bridge/devices."""
    return {
        "ieee_address": ieee,
        "type": "Router",
        "friendly_name": name,
        "supported": True,
        "definition": {"model": "m", "vendor": "v", "exposes": list(exposes or [BULB])},
    }


async def until(check: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Wait for something to become true; fail with ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.01)


def home_text(broker: Mosquitto, extra: str = "", *, base: str | None = None) -> str:
    text = (base or demo_home_text()) + f"\nmqtt:\n  broker: {broker.url}\n  command_timeout: 2\n"
    return text + extra


@asynccontextmanager
async def open_hub(data: Path, text: str) -> AsyncIterator[Hub]:
    data.mkdir(parents=True, exist_ok=True)
    (data / "home.yaml").write_text(text, encoding="utf-8")
    hub = Hub.open(data)
    for entity in hub.home.entities.values():  # as `init --demo` does: the demo panel's code, hashed
        if entity.secrets.get("code") and not hub.auth.has_device_code(entity.secrets["code"]):
            hub.auth.set_device_code(entity.secrets["code"], DEMO_CODE)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@asynccontextmanager
async def simulator(broker: Mosquitto, **options: Any) -> AsyncIterator[Simulator]:
    sim = Simulator(parse_home(demo_home_text()), "127.0.0.1", broker.port, delay=0, **options)
    task = asyncio.create_task(sim.run())
    try:
        await asyncio.wait_for(sim.ready.wait(), 15)
        yield sim
    finally:
        assert await cancel([task]), "the simulator did not stop"


@asynccontextmanager
async def device_client(broker: Mosquitto) -> AsyncIterator[aiomqtt.Client]:
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        yield client


def backend(hub: Hub) -> MqttBackend:
    assert isinstance(hub.backend, MqttBackend)
    return hub.backend


async def ask(hub: Hub, text: str, conversation_id: str | None = None) -> ConversationResult:
    return await hub.conversation.process(text, hub.actor(None, "test"), conversation_id=conversation_id)


async def call(hub: Hub, service: str, entity_id: str, **data: Any) -> Any:
    return await hub.executor.execute(hub.actor(None, "test", direct=True), entity_id, service, data)


def state(hub: Hub, entity_id: str) -> str:
    return hub.states.get(entity_id).state


def attr(hub: Hub, entity_id: str, name: str) -> Any:
    return hub.states.get(entity_id).attributes.get(name)


def noted(hub: Hub, *words: str) -> bool:
    return any(all(w in p for w in words) for p in backend(hub).problems)


# --- the home file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("broker: http://127.0.0.1", "starts with mqtt:// or mqtts://"),
        ("broker: mqtt://", "has no host"),
        ("broker: mqtt://user:secret@127.0.0.1", "username and password as their own fields"),
        ("broker: mqtt://127.0.0.1:70000", "Port out of range"),
        ("broker: mqtt://h\n  zigbee2mqtt: 'z2m/#'", "wildcard"),
        ("broker: mqtt://h\n  discovery_prefix: /ha", "leading or trailing"),
        ("broker: mqtt://h\n  entities: {light.garage: x}", "unknown entity 'light.garage'"),
        ("broker: mqtt://h\n  entities: {light.kitchen: x, light.bedroom: x}", "already light.kitchen"),
        ("broker: mqtt://h\n  command_timeout: 0", "greater than 0"),
        ("brokr: mqtt://h", "brokr"),
    ],
)
def test_mqtt_section_errors_name_the_line(section: str, words: str) -> None:
    text = demo_home_text() + "\nmqtt:\n  " + section + "\n"
    with pytest.raises(HomeFileError) as caught:
        parse_home(text)
    assert words in str(caught.value)
    # The error points past the demo, into the mqtt section (however long the demo grows).
    found = re.search(r"home\.yaml:(\d+)", str(caught.value))
    assert found is not None
    assert len(demo_home_text().splitlines()) < int(found.group(1)) <= len(text.splitlines())


def test_mqtt_section_defaults_and_the_embedded_default_stays_simulated() -> None:
    home = parse_home(demo_home_text("mqtts://broker.lan"))
    assert home.mqtt is not None
    assert (home.mqtt.host, home.mqtt.port, home.mqtt.tls) == ("broker.lan", 8883, True)
    assert home.mqtt.discovery_prefix == "homeassistant" and home.mqtt.zigbee2mqtt == "zigbee2mqtt"
    assert parse_home(demo_home_text()).mqtt is None


# --- discovery payloads, without a broker --------------------------------------------------


def test_abbreviated_discovery_with_topic_base_device_block_and_availability() -> None:
    config = {
        "~": "tasmota/kitchen_1",
        "name": "Light",
        "uniq_id": "k1_light",
        "stat_t": "~/stat/POWER",
        "cmd_t": "~/cmnd/POWER",
        "bri_cmd_t": "~/cmnd/Dimmer",
        "bri_scl": 100,
        "avty": [{"t": "~/tele/LWT", "pl_avail": "Online", "pl_not_avail": "Offline"}],
        "dev": {"ids": ["k1"], "name": "Kitchen", "sa": "kitchen", "mf": "Tasmota"},
    }
    message = read_message(
        "homeassistant", "homeassistant/light/k1/light_0/config", Payload(json.dumps(config))
    )
    [(key, (component, data))] = message.configs.items()
    assert (key, component) == ("light k1 light_0", "light")
    entity = build(component, key, data)
    assert entity.suggested_id == "light.kitchen_light"  # device name + entity name, as Home Assistant does
    assert entity.area == "kitchen"
    assert entity.features == {"brightness"}
    assert entity.state_topics == {"tasmota/kitchen_1/stat/POWER"}
    assert entity.availability.topics == {"tasmota/kitchen_1/tele/LWT"}
    assert not entity.availability.available  # until the device says it is online
    entity.availability.update("tasmota/kitchen_1/tele/LWT", Payload(b"Online"))
    assert entity.availability.available


def test_what_zigbee2mqtt_announces_to_home_assistant_works_as_it_is() -> None:
    """The JSON-schema light config Zigbee2MQTT publishes for Home Assistant, unchanged."""
    bridge = {"topic": "zigbee2mqtt/bridge/state", "value_template": "{{ value_json.state }}"}
    config = {
        "availability": [
            bridge,
            {"topic": "zigbee2mqtt/Kitchen/availability", "value_template": "{{ value_json.state }}"},
        ],
        "availability_mode": "all",
        "brightness": True,
        "brightness_scale": 254,
        "command_topic": "zigbee2mqtt/Kitchen/set",
        "device": {"identifiers": ["zigbee2mqtt_0x001788010d2f2e2b"], "name": "Kitchen", "model": "Hue"},
        "name": None,
        "object_id": "kitchen",
        "origin": {"name": "Zigbee2MQTT"},
        "schema": "json",
        "state_topic": "zigbee2mqtt/Kitchen",
        "supported_color_modes": ["xy", "color_temp"],
        "unique_id": "0x001788010d2f2e2b_light_zigbee2mqtt",
        "max_mireds": 454,
        "min_mireds": 250,
    }
    topic = "homeassistant/light/0x001788010d2f2e2b/light/config"
    [(key, (component, data))] = read_message(
        "homeassistant", topic, Payload(json.dumps(config))
    ).configs.items()
    light = build(component, key, data)
    assert (light.suggested_id, light.features) == ("light.kitchen", {"brightness", "color", "color_temp"})
    assert light.limits == {"min_color_temp_kelvin": 2203, "max_color_temp_kelvin": 4000}
    for availability in ("zigbee2mqtt/bridge/state", "zigbee2mqtt/Kitchen/availability"):
        light.availability.update(availability, Payload(b'{"state": "online"}'))
    assert light.availability.available
    light.decode(
        "zigbee2mqtt/Kitchen", Payload(b'{"state": "ON", "brightness": 254, "color": {"x": 0.7, "y": 0.3}}')
    )
    assert (light.state, light.attributes["brightness"]) == ("on", 255)
    assert light.attributes["rgb_color"][0] == 255 and light.attributes["rgb_color"][2] < 40  # a red
    home = parse_home(demo_home_text())
    context = Context("alice", "test")
    dim = validate_call(
        home.entities["light.floor_lamp"], "turn_on", {"brightness_pct": 50, "color_name": "red"}, context
    )
    [out] = light.encode(dim, EntityState("light.floor_lamp", "off", {}, "", ""))
    command = json.loads(out.payload)
    assert (out.topic, command["state"], command["brightness"]) == ("zigbee2mqtt/Kitchen/set", "ON", 127)
    assert set(command["color"]) == {"x", "y"}  # the bulb takes xy, so red is sent as xy


def test_default_entity_id_wins_and_device_based_discovery_expands() -> None:
    config = {
        "dev": {"ids": "panel-x", "name": "Panel X"},
        "o": {"name": "test"},
        "avty_t": "panel/x/status",
        "cmps": {
            "power": {
                "p": "sensor",
                "uniq_id": "px_power",
                "def_ent_id": "sensor.power_usage",
                "stat_t": "p/x",
            },
            "relay": {"p": "switch", "uniq_id": "px_relay", "cmd_t": "p/x/set", "stat_t": "p/x/relay"},
            "gone": {"p": "switch"},
        },
    }
    message = read_message(
        "homeassistant", "homeassistant/device/panel_x/config", Payload(json.dumps(config))
    )
    assert message.removed == ("device panel_x/gone",)
    entities = {key: build(component, key, data) for key, (component, data) in message.configs.items()}
    power = entities["device panel_x/power"]
    assert power.suggested_id == "sensor.power_usage"
    assert power.availability.topics == {"panel/x/status"}  # shared by the device's components
    assert entities["device panel_x/relay"].domain is Domain.SWITCH


@pytest.mark.parametrize(
    ("topic", "payload", "words"),
    [
        ("homeassistant/light/bad id/config", b"{}", "not a discovery topic"),
        ("homeassistant/light/x/config", b"{not json", "not JSON"),
        ("homeassistant/light/x/config", b"[1, 2]", "not a JSON object"),
        ("homeassistant/light/x/config", b"\xff\xfe", "not JSON"),
        ("homeassistant/light/x/config", b"[" * 100_000, "too"),
        ("homeassistant/light/x/config", b'{"cmd_t": "a", "name": NaN}', "not JSON"),
        ("homeassistant/light/x/config", b'{"cmd_t": "a", "command_topic": "b"}', "given twice"),
        ("homeassistant/device/x/config", b'{"dev": {"ids": "x"}}', "needs 'cmps'"),
    ],
)
def test_malformed_discovery_messages_are_refused_with_a_reason(
    topic: str, payload: bytes, words: str
) -> None:
    with pytest.raises(DiscoveryError) as caught:
        read_message("homeassistant", topic, Payload(payload))
    assert words in str(caught.value) or "bytes" in str(caught.value)


@pytest.mark.parametrize(
    ("component", "config", "words"),
    [
        ("siren", {"cmd_t": "a/set"}, "no domain for the 'siren' component"),
        ("light", {"stat_t": "a/state"}, "command_topic is required"),
        ("light", {"cmd_t": "a/+/set"}, "wildcard"),
        ("sensor", {"stat_t": "#"}, "wildcard"),
        (
            "switch",
            {"cmd_t": "a/set", "stat_t": "a", "val_tpl": "{% for i in range(9) %}{% endfor %}"},
            "For",
        ),
        ("switch", {"cmd_t": "a/set", "stat_t": "a", "val_tpl": "{{ value * 999999 }}"}, None),
        ("light", {"cmd_t": "a/set", "schema": "template"}, "schema 'template'"),
        ("climate", {"mode_cmd_t": "a", "temp_unit": "F"}, "°C"),
        ("switch", {"cmd_t": "a/set", "avty_mode": "most"}, "availability_mode"),
        ("switch", {"cmd_t": "a/set", "e": "latin-1"}, "encoding"),
        ("sensor", {"stat_t": "a", "ret": "yes"}, "true or false"),
    ],
)
def test_discovered_configs_homemind_cannot_use_are_refused(
    component: str, config: dict, words: str | None
) -> None:
    if words is None:  # accepted at discovery, refused when it runs: a string is no number
        entity = build(component, f"{component} x", expand(config))
        assert entity.decode("a", Payload(b"ON")) is False
        return
    with pytest.raises(DiscoveryError) as caught:
        build(component, f"{component} x", expand(config))
    assert words in str(caught.value)


def test_a_reading_agrees_with_a_command_within_a_devices_rounding() -> None:
    bulb = build("light", "light x", expand({"cmd_t": "x/set", "stat_t": "x", "bri_stat_t": "x/b"}))
    bulb.set_reading("on", brightness=127)
    assert bulb.agrees("on", {"brightness": 128})  # 0-254 against 0-255
    assert not bulb.agrees("on", {"brightness": 200})
    assert not bulb.agrees("off", {"brightness": 127})
    assert bulb.agrees("on", {"rgb_color": [1, 2, 3], "never_reported": 5})
    tv = build("media_player", "media_player tv", expand({"cmd_t": "tv/set", "stat_t": "tv"}))
    tv.set_reading("playing", volume_level=0.3)
    assert tv.agrees("playing", {"volume_level": 0.3})
    assert not tv.agrees("playing", {"volume_level": 0.4})  # a fraction is no rounding error


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ value_json.state }}", "ON"),
        ("{{ value_json.update.state }}", "idle"),  # the key, not dict.update
        ("{{ value_json.temperature | float | round(1) }}", "21.5"),
        ("{{ 'on' if value_json.contact == false else 'off' }}", "on"),
        ("{{ value_json.missing | default('none') }}", "none"),
    ],
)
def test_device_templates_that_run(source: str, expected: str) -> None:
    data = {"state": "ON", "update": {"state": "idle"}, "temperature": 21.46, "contact": False}
    assert Template(source).render(value="", value_json=data) == expected


@pytest.mark.parametrize(
    "source",
    [
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
        "{{ 'x' * 1000000000 }}",
        "{{ '%999999999d' % 1 }}",
        "{{ 9 ** 9 ** 9 }}",
        "{{ value.__class__.__mro__ }}",
        "{{ range(10) | list }}",
        "{{ value_json.missing | is_defined }}",
        "{" * 5000,
    ],
)
def test_hostile_templates_are_refused(source: str) -> None:
    with pytest.raises(TemplateRefused):
        Template(source).render(value="1", value_json={})


def test_zigbee2mqtt_device_list_names_and_exposes() -> None:
    light = {
        "type": "light",
        "features": [
            ON_OFF,
            {
                "type": "numeric",
                "name": "brightness",
                "property": "brightness",
                "value_max": 254,
                "access": 7,
            },
        ],
    }
    contact = {
        "type": "binary",
        "name": "contact",
        "property": "contact",
        "value_on": False,
        "value_off": True,
        "access": 1,
    }

    device = zigbee_device
    listed = [
        {"ieee_address": "0x0", "type": "Coordinator", "friendly_name": "Coordinator", "definition": None},
        device("kitchen/floor lamp", "0x1", light),
        device("hall/door", "0x2", contact),
        device("bad#name", "0x3", light),
        device("bad+name", "0x4", light),
        device("lamp/set", "0x5", light),
        device("", "0x6", light),
        device(["not", "a", "name"], "0x7", light),
        {"ieee_address": "0x8", "type": "EndDevice", "friendly_name": "unsupported", "supported": False},
        "not a device",
    ]
    devices, problems = read_devices("zigbee2mqtt", Payload(json.dumps(listed)))
    by_name = {d.friendly_name: d for d in devices}
    assert set(by_name) == {"kitchen/floor lamp", "hall/door"}
    [lamp] = by_name["kitchen/floor lamp"].entities
    assert (lamp.suggested_id, lamp.features) == ("light.kitchen_floor_lamp", {"brightness"})
    assert lamp.state_topics == {"zigbee2mqtt/kitchen/floor lamp"}
    [door] = by_name["hall/door"].entities
    assert door.suggested_id == "binary_sensor.hall_door_contact"
    door.decode("zigbee2mqtt/hall/door", Payload(b'{"contact": false}'))
    assert door.state == "on"  # contact false: the door is open
    assert len(problems) == 5
    assert any("'bad#name'" in p and "wildcard" in p for p in problems)
    assert any("'bad+name'" in p and "wildcard" in p for p in problems)
    assert any("collides" in p for p in problems)


@pytest.mark.parametrize(
    "payload", [b"{", b"{}", b'"devices"', b"[" + b"[" * 200_000, b"[]" + b" " * 9_000_000]
)
def test_zigbee2mqtt_device_lists_that_are_not_lists(payload: bytes) -> None:
    if payload == b"[]":
        return
    with pytest.raises(DiscoveryError):
        read_devices("zigbee2mqtt", Payload(payload))


# --- the demo home over a real broker ----------------------------------------------------------


async def test_demo_home_over_mqtt_both_conventions(broker: Mosquitto, tmp_path: Path) -> None:
    async with simulator(broker) as sim, open_hub(tmp_path / "data", home_text(broker)) as hub:
        bound = backend(hub).bindings
        assert set(bound) == DEMO_IDS, backend(hub).problems
        assert bound["light.living_room_ceiling"].startswith("zigbee2mqtt")  # "living_room/ceiling"
        assert bound["climate.bedroom_ac"].startswith("homeassistant")
        assert state(hub, "sensor.living_room_temperature") == "26.5"

        result = await ask(hub, "turn on the kitchen light")
        assert (result.status.value, result.response) == ("done", "Turned on the Kitchen Light.")
        assert state(hub, "light.kitchen") == "on" and sim.devices["light.kitchen"].state == "on"
        assert hub.states.get("light.kitchen").context == {
            "member": "alice",
            "channel": "test",
            "conversation_id": result.conversation_id,
        }

        result = await ask(hub, "把卧室灯亮度调到百分之五十")  # Home Assistant basic schema, two topics
        assert result.status.value == "done", result.response
        assert (state(hub, "light.bedroom"), attr(hub, "light.bedroom", "brightness")) == ("on", 128)

        assert (await ask(hub, "set the floor lamp to red")).status.value == "done"  # JSON schema
        assert attr(hub, "light.floor_lamp", "rgb_color") == [255, 0, 0]
        assert sim.devices["light.floor_lamp"].attributes["rgb_color"] == [255, 0, 0]

        assert (await ask(hub, "set the living room light to 50%")).status.value == "done"  # Zigbee, 0-254
        assert attr(hub, "light.living_room_ceiling", "brightness") == 128

        assert (await ask(hub, "set the bedroom ac to 24 degrees")).status.value == "done"
        assert (state(hub, "climate.bedroom_ac"), attr(hub, "climate.bedroom_ac", "temperature")) == (
            "cool",
            24,
        )

        assert (await ask(hub, "set the curtains to 40%")).status.value == "done"
        assert (
            state(hub, "cover.living_room_curtains"),
            attr(hub, "cover.living_room_curtains", "current_position"),
        ) == ("open", 40)

        result = await ask(hub, "unlock the front door")
        assert result.status.value == "needs_confirmation"
        assert state(hub, "lock.front_door") == "locked"  # nothing sent before the PIN
        hub.auth.set_pin(hub.home.owner, "2580")  # the home file alone sets no PINs
        assert (await ask(hub, "2580", result.conversation_id)).status.value == "done"
        assert state(hub, "lock.front_door") == "unlocked"

        assert (await call(hub, "alarm_arm_away", "alarm_control_panel.home_security")).result is Result.OK
        wrong = await call(hub, "alarm_disarm", "alarm_control_panel.home_security", code="9999")
        assert wrong.error is not None and "not right" in wrong.error.message()
        assert sim.devices["alarm_control_panel.home_security"].state == "armed_away"  # the hub checked first
        ok = await call(hub, "alarm_disarm", "alarm_control_panel.home_security", code="1234")
        assert ok.result is Result.OK and state(hub, "alarm_control_panel.home_security") == "disarmed"

        await call(hub, "turn_on", "media_player.living_room_tv")
        assert (await ask(hub, "set the tv volume to 30")).status.value == "done"
        assert attr(hub, "media_player.living_room_tv", "volume_level") == 0.3

        assert (await call(hub, "start", "vacuum.robot")).result is Result.OK
        assert state(hub, "vacuum.robot") == "cleaning"
        assert (await call(hub, "toggle", "switch.kettle")).result is Result.OK
        assert state(hub, "switch.kettle") == "on"

        # A change that did not come from the hub: the reading follows the state topic.
        await sim.set_state("sensor.living_room_temperature", "27.5", {})
        await until(lambda: state(hub, "sensor.living_room_temperature") == "27.5", "the new reading")
        answer = await ask(hub, "what's the temperature in the living room")
        assert "27.5" in answer.response


async def test_a_hub_that_starts_later_answers_with_the_current_reading(
    broker: Mosquitto, tmp_path: Path
) -> None:
    """A one-shot `homemind ask` is a new hub each time: it must not answer with the store's last
    reading while the broker holds a newer one (issue 21: "set to 28, asked, says 27.5")."""
    data = tmp_path / "data"
    async with simulator(broker) as sim:
        async with open_hub(data, home_text(broker)) as first:
            assert state(first, "sensor.living_room_temperature") == "26.5"
        for reading in ("27.5", "28", "19.5"):
            await sim.set_state("sensor.living_room_temperature", reading, {})
            await sim.set_state("climate.bedroom_ac", "heat", {"temperature": float(reading)})
            async with open_hub(data, home_text(broker)) as hub:  # no waiting: as `homemind ask` does
                answer = await ask(hub, "what's the temperature in the living room")
                assert reading in answer.response, answer.response
                assert attr(hub, "climate.bedroom_ac", "temperature") == float(reading)


async def test_commands_are_published_at_qos1_to_the_command_topics(
    broker: Mosquitto, tmp_path: Path
) -> None:
    """Hand-written devices in both conventions; a spy subscribed at QoS 1 sees what the hub sends."""
    text = home_text(broker, "  entities: {light.kitchen: '0x00158d0001a2b3c4'}\n")
    seen: list[aiomqtt.Message] = []
    async with device_client(broker) as device, device_client(broker) as spy:
        await spy.subscribe([("ha-dev/#", 1), ("zigbee2mqtt/+/set", 1)])

        async def record() -> None:
            async for message in spy.messages:
                seen.append(message)

        recorder = asyncio.create_task(record())
        switch = {
            "name": "Kettle",
            "uniq_id": "kettle-1",
            "def_ent_id": "switch.kettle",
            "cmd_t": "ha-dev/kettle/cmd",
            "stat_t": "ha-dev/kettle/state",
            "pl_on": "1",
            "pl_off": "0",
        }
        await device.publish("homeassistant/switch/kettle/config", json.dumps(switch), retain=True)
        await device.publish("ha-dev/kettle/state", "0", retain=True)
        listing = [zigbee_device("Cooker hood lamp", "0x00158d0001a2b3c4")]
        await device.publish("zigbee2mqtt/bridge/devices", json.dumps(listing), retain=True)

        async with open_hub(tmp_path / "data", text) as hub:
            assert backend(hub).bindings["light.kitchen"].startswith("zigbee2mqtt")  # mapped by ieee address
            assert state(hub, "switch.kettle") == "off"
            outcome = await call(hub, "turn_on", "switch.kettle")
            # Nobody echoes the state: the hub says so instead of pretending.
            assert outcome.error is not None and "has not confirmed" in outcome.error.message()
            assert state(hub, "switch.kettle") == "off"

            async def echo() -> None:
                await device.subscribe([("ha-dev/kettle/cmd", 1), ("zigbee2mqtt/Cooker hood lamp/set", 1)])
                async for message in device.messages:
                    if message.topic.value == "ha-dev/kettle/cmd":
                        await device.publish("ha-dev/kettle/state", message.payload, retain=True)
                    elif message.topic.value.startswith("zigbee2mqtt/"):
                        command = json.loads(message.payload)  # type: ignore[arg-type]
                        await device.publish("zigbee2mqtt/Cooker hood lamp", json.dumps(command))

            echoing = asyncio.create_task(echo())
            await asyncio.sleep(0)
            assert (await call(hub, "turn_on", "switch.kettle")).result is Result.OK
            assert state(hub, "switch.kettle") == "on"
            assert (await call(hub, "turn_on", "light.kitchen")).result is Result.OK
            assert state(hub, "light.kitchen") == "on"
            echoing.cancel()
        recorder.cancel()
    commands = [(m.topic.value, m.payload, m.qos) for m in seen if "state" not in m.topic.value]
    assert ("ha-dev/kettle/cmd", b"1", 1) in commands
    assert ("zigbee2mqtt/Cooker hood lamp/set", b'{"state": "ON"}', 1) in commands


async def test_offline_devices_say_so_and_come_back(broker: Mosquitto, tmp_path: Path) -> None:
    async with (
        simulator(broker) as sim,
        open_hub(tmp_path / "data", home_text(broker)) as hub,
        device_client(broker) as control,
    ):
        for entity_id in ("light.kitchen", "climate.bedroom_ac"):  # one per convention
            await control.publish(CONTROL_TOPIC, json.dumps({"entity_id": entity_id, "online": False}))
            await until(lambda e=entity_id: state(hub, e) == "unavailable", f"{entity_id} unavailable")

        result = await ask(hub, "turn on the kitchen light")
        assert (result.status.value, result.response) == ("error", "Kitchen Light is offline.")
        zh = await ask(hub, "打开卧室空调")
        assert zh.response == "卧室空调离线了。"
        assert sim.devices["light.kitchen"].state == "off"  # nothing reached it

        await control.publish(CONTROL_TOPIC, json.dumps({"entity_id": "light.kitchen", "online": True}))
        await until(lambda: state(hub, "light.kitchen") == "off", "the kitchen light back, as it was")
        assert (await ask(hub, "turn on the kitchen light")).status.value == "done"
        assert state(hub, "climate.bedroom_ac") == "unavailable"


async def test_the_simulator_ignores_what_it_cannot_read(broker: Mosquitto, tmp_path: Path) -> None:
    async with simulator(broker) as sim, open_hub(tmp_path / "data", home_text(broker)) as hub, \
            device_client(broker) as other:  # fmt: skip
        for topic, payload in [
            ("homemind-sim/floor_lamp/set", b"{not json"),
            ("homemind-sim/bedroom_ac/set/temperature", b"warm"),
            ("zigbee2mqtt/kitchen/set", b'{"brightness": "lots"}'),
            (CONTROL_TOPIC, b'{"entity_id": "light.nowhere", "online": false}'),
            (CONTROL_TOPIC, b"\xff"),
        ]:
            await other.publish(topic, payload, qos=1)
        assert (await ask(hub, "set the floor lamp to red")).status.value == "done"
        assert sim.devices["light.floor_lamp"].attributes["rgb_color"] == [255, 0, 0]


async def test_a_broker_restart_in_the_middle_of_a_run(broker: Mosquitto, tmp_path: Path) -> None:
    async with simulator(broker) as sim, open_hub(tmp_path / "data", home_text(broker)) as hub:
        mqtt = backend(hub)
        assert (await ask(hub, "turn on the kitchen light")).status.value == "done"

        broker.stop()
        await until(lambda: not mqtt.connected, "the hub noticing the broker is gone")
        outage = await ask(hub, "turn off the kitchen light")
        assert outage.status.value == "error"
        assert (
            outage.response
            == f"I can't reach Kitchen Light: the MQTT broker at {broker.url} is not answering."
        )
        # Last known, not invented: unless the broker passed on the simulator's last will
        # ("bridge offline") as it shut down, which mosquitto does.
        assert state(hub, "light.kitchen") in ("on", "unavailable")
        # Meanwhile someone uses the kettle's own button.
        sim.devices["switch.kettle"].state = "on"

        # A command sent while the broker comes back is carried out within its deadline.
        pending = asyncio.create_task(call(hub, "turn_on", "light.balcony"))
        await asyncio.sleep(0.2)
        broker.start()
        outcome = await pending
        assert outcome.result is Result.OK or outcome.error is not None  # done, or a clear reply
        await until(lambda: mqtt.connected, "the hub reconnecting")
        # The broker lost every retained message; the devices announce again and the hub resyncs.
        await until(lambda: state(hub, "switch.kettle") == "on", "the kettle's state after the outage")
        assert (await ask(hub, "turn off the kitchen light")).status.value == "done"
        assert sim.devices["light.kitchen"].state == "off"
        assert set(mqtt.bindings) == DEMO_IDS


async def test_hostile_discovery_does_not_break_the_hub(broker: Mosquitto, tmp_path: Path) -> None:
    """Malformed, huge and unknown discovery arrives first; a good device after it still works."""
    async with device_client(broker) as device:
        bad: list[tuple[str, bytes]] = [
            ("homeassistant/light/not_json/config", b"{light"),
            ("homeassistant/light/a_list/config", b"[]"),
            ("homeassistant/light/deep/config", b"[" * 60_000),  # under the size limit: parser depth
            ("homeassistant/light/huge/config", json.dumps({"cmd_t": "x", "name": "y" * 2_000_000}).encode()),
            ("homeassistant/light/binary/config", b"\xff\x00\xfe"),
            ("homeassistant/siren/alarm_bell/config", json.dumps({"cmd_t": "bell/set"}).encode()),
            ("homeassistant/button/doorbell/config", json.dumps({"cmd_t": "bell/press"}).encode()),
            ("homeassistant/sensor/everything/config", json.dumps({"stat_t": "#"}).encode()),
            (
                "homeassistant/sensor/looping/config",
                json.dumps({"stat_t": "s/t", "val_tpl": "{% for x in range(99) %}{% endfor %}"}).encode(),
            ),
            ("homeassistant/switch/nan/config", b'{"cmd_t": "n/set", "qos": NaN}'),
            ("zigbee2mqtt/bridge/devices", b'{"not": "a list"}'),
        ]
        for topic, payload in bad:
            await device.publish(topic, payload, retain=True)
        good = {"name": "Balcony", "def_ent_id": "light.balcony", "cmd_t": "b/set", "stat_t": "b/state"}
        await device.publish("homeassistant/light/balcony/config", json.dumps(good), retain=True)
        await device.publish("b/state", "OFF", retain=True)

        async with open_hub(tmp_path / "data", home_text(broker)) as hub:
            mqtt = backend(hub)
            await until(lambda: state(hub, "light.balcony") == "off", "the good device discovered")
            assert set(mqtt.bindings) == {"light.balcony"}
            assert noted(hub, "not_json", "not JSON")
            assert noted(hub, "deep", "not JSON")
            assert noted(hub, "huge", "bytes")
            assert noted(hub, "siren", "no domain")
            assert noted(hub, "everything", "wildcard")
            assert noted(hub, "looping", "'For' is not allowed")
            await until(lambda: noted(hub, "bridge/devices", "not a JSON list"), "the bad device list noted")
            assert state(hub, "light.kitchen") == "unavailable"
            assert noted(hub, "light.kitchen", "no device announced it")
            outcome = await call(hub, "turn_on", "light.kitchen")
            assert outcome.error is not None
            assert (
                outcome.error.message()
                == "Kitchen Light has not announced itself over MQTT, so I can't reach it."
            )

            # Garbage on a followed state topic is ignored; the state stays one a light can be in.
            for junk in (b"MAYBE", b"\xff", b"", b"[" * 100_000, b"ON" * 100_000):
                await device.publish("b/state", junk)
            await device.publish("b/state", "ON")
            await until(lambda: state(hub, "light.balcony") == "on", "the balcony light on")

            generation = mqtt._generation
            await device.subscribe("b/set", qos=1)
            served = asyncio.create_task(_echo_once(device, "b/state"))
            assert (await call(hub, "turn_off", "light.balcony")).result is Result.OK
            await served
            assert mqtt._generation == generation  # never disconnected along the way


async def _echo_once(device: aiomqtt.Client, state_topic: str) -> None:
    async for message in device.messages:
        if message.topic.value.endswith("/set"):
            await device.publish(state_topic, message.payload, retain=True)
            return


async def test_device_names_with_slash_hash_and_plus(broker: Mosquitto, tmp_path: Path) -> None:
    listed = zigbee_device
    devices = [listed("balcony/wall #1", "0x1"), listed("balcony/wall+2", "0x2"), listed("kitchen", "0x3")]
    mapped = "  entities: {light.balcony: 'balcony/wall #1', light.grandma_room: 'balcony/wall+2'}\n"
    odd = {
        "name": "Lamp / #1 + more",
        "def_ent_id": "light.floor_lamp",
        "cmd_t": "odd/set",
        "stat_t": "odd/state",
    }
    async with device_client(broker) as device:
        await device.publish("zigbee2mqtt/bridge/devices", json.dumps(devices), retain=True)
        await device.publish("zigbee2mqtt/kitchen", json.dumps({"state": "OFF"}))
        await device.publish("homeassistant/light/odd/config", json.dumps(odd), retain=True)
        await device.publish("odd/state", "OFF", retain=True)
        async with open_hub(tmp_path / "data", home_text(broker, mapped)) as hub:
            mqtt = backend(hub)
            assert "light.kitchen" in mqtt.bindings
            assert mqtt.bindings["light.floor_lamp"] == "homeassistant light.floor_lamp (Lamp / #1 + more)"
            assert "light.balcony" not in mqtt.bindings and "light.grandma_room" not in mqtt.bindings
            assert noted(hub, "'balcony/wall #1'", "wildcard") and noted(hub, "'balcony/wall+2'", "wildcard")
            assert state(hub, "light.balcony") == "unavailable"

            await device.subscribe([("zigbee2mqtt/kitchen/set", 1), ("odd/set", 1)])

            async def serve() -> None:
                async for message in device.messages:
                    if message.topic.value == "zigbee2mqtt/kitchen/set":
                        await device.publish("zigbee2mqtt/kitchen", message.payload)
                    elif message.topic.value == "odd/set":
                        await device.publish("odd/state", message.payload, retain=True)

            serving = asyncio.create_task(serve())
            assert (await call(hub, "turn_on", "light.kitchen")).result is Result.OK
            assert (await call(hub, "turn_on", "light.floor_lamp")).result is Result.OK
            assert (state(hub, "light.kitchen"), state(hub, "light.floor_lamp")) == ("on", "on")
            serving.cancel()

            # A friendly name with "/" is a path, not two devices: a rename with one works too.
            devices[2]["friendly_name"] = "kitchen/ceiling"
            await device.publish("zigbee2mqtt/bridge/devices", json.dumps(devices), retain=True)
            await until(lambda: "light.kitchen" not in mqtt.bindings, "the old name gone")
            assert noted(hub, "light.kitchen_ceiling", "not in the home file")
            missing = mqtt.status()["not_in_home_file"]
            assert [m["entity_id"] for m in missing] == ["light.kitchen_ceiling"]


async def test_without_a_broker_the_hub_answers_promptly(broker: Mosquitto, tmp_path: Path) -> None:
    broker.stop()
    async with open_hub(tmp_path / "data", home_text(broker)) as hub:
        result = await ask(hub, "turn on the kitchen light")
        assert result.status.value == "error"
        assert "MQTT broker" in result.response and "not answering" in result.response
        assert state(hub, "light.kitchen") == "off"  # the stored state, untouched


async def test_credentials_and_a_broker_that_refuses_them(broker: Mosquitto, tmp_path: Path) -> None:
    import subprocess

    passwords = broker.directory / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "hub", "s3cret"], check=True)
    broker.stop()
    config = broker.config.read_text().replace("allow_anonymous true", "allow_anonymous false")
    # As root mosquitto drops to its own user, who cannot read the test's directory.
    broker.config.write_text(config + f"password_file {passwords}\nuser root\n")
    broker.start()
    credentials = "  username: hub\n  password: {}\n"
    async with simulator(broker, username="hub", password="s3cret") as sim:
        async with open_hub(tmp_path / "wrong", home_text(broker, credentials.format("guess"))) as hub:
            refused = await ask(hub, "turn on the kitchen light")
            assert refused.response.startswith(
                f"I can't reach Kitchen Light: the MQTT broker at {broker.url}"
            )
            assert "refused homemind (Not authorized)" in refused.response
        async with open_hub(tmp_path / "right", home_text(broker, credentials.format("s3cret"))) as hub:
            assert (await ask(hub, "turn on the kitchen light")).status.value == "done"
            assert sim.devices["light.kitchen"].state == "on"


async def test_simulate_and_ask_as_processes(broker: Mosquitto, tmp_path: Path) -> None:
    """The demo over a real broker as a person runs it: `homemind simulate`, `init --broker`, `ask`."""
    import subprocess
    import sys

    data = tmp_path / "data"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "homemind",
            "simulate",
            "--broker",
            broker.url,
            "--home",
            "demo",
            "--delay",
            "10",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert sim.stdout is not None
        line = await asyncio.to_thread(sim.stdout.readline)
        assert b"Zigbee2MQTT devices" in line, line
        assert run_cli(data, "init", "--demo", "--broker", broker.url).returncode == 0
        done = run_cli(data, "ask", "--json", "turn on the kitchen light")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["response"] == "Turned on the Kitchen Light."
        shown = run_cli(data, "state", "--json")
        assert json.loads(shown.stdout)["entities"]["light.kitchen"]["state"] == "on"
        status = json.loads(run_cli(data, "mqtt", "--json").stdout)
        assert status["connected"] and set(status["bound"]) == DEMO_IDS
        assert status["not_in_home_file"] == [] and status["problems"] == []
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    offline = run_cli(data, "ask", "--json", "turn off the kitchen light")
    assert json.loads(offline.stdout)["response"] == "Kitchen Light is offline."  # the simulator's last will


def test_mqtt_status_without_an_mqtt_section(data_dir: Path) -> None:
    out = run_cli(data_dir, "mqtt")
    assert out.returncode == 2 and b"no mqtt section" in out.stderr


def test_simulate_refuses_a_bad_broker_url(tmp_path: Path) -> None:
    out = run_cli(tmp_path, "simulate", "--broker", "http://127.0.0.1:1883")
    assert out.returncode == 2
    assert b"mqtt:// or mqtts://" in out.stderr
    bad = run_cli(tmp_path / "d", "init", "--demo", "--broker", "mqtt://")
    assert bad.returncode == 2 and b"no host" in bad.stderr
    assert not (tmp_path / "d" / "home.yaml").exists()
