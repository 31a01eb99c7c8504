"""Care over a real mosquitto with the simulator's wearable and motion sensors.

The wearable is ``homemind simulate``'s (Home Assistant discovery: an ``event`` entity
for fall and SOS, sensors, a ``notify`` screen); the motion sensors are Zigbee2MQTT
occupancy sensors and Home Assistant motion sensors. A fall published to the broker
becomes an incident, the question appears on the watch's screen, and when the
countdown is over the family is told: in the hub and on Bo's phone (a local ntfy
stand-in). Waits are bounded waits, never timing assertions (the speed is in
benchmarks/care.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiomqtt
import pytest

from care_driver import at, care_home
from conftest import Mosquitto
from fake_push import FakePush
from homemind.app import Hub, demo_home_text
from homemind.core.events import Event
from homemind.core.homefile import parse_home
from homemind.devices.mqtt.simulator import CONTROL_TOPIC, HA_BASE, Simulator
from homemind.devices.mqtt.transport import cancel
from homemind.household import NOTIFICATION, ManualClock
from test_mqtt import until

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def running(broker: Mosquitto, data: Path, push: FakePush, clock: ManualClock) -> AsyncIterator[Hub]:
    extra = f'  phones:\n    bo: {{ntfy: {{url: "{push.url}", topic: lin-bo}}}}\n'
    text = care_home(extra=extra) + f"\nmqtt:\n  broker: {broker.url}\n  command_timeout: 3\n"
    data.mkdir(parents=True, exist_ok=True)
    (data / "home.yaml").write_text(text, encoding="utf-8")
    sim = Simulator(parse_home(demo_home_text()), "127.0.0.1", broker.port, delay=0)
    task = asyncio.create_task(sim.run())
    await asyncio.wait_for(sim.ready.wait(), 15)
    hub = Hub.open(data, clock=clock)
    await hub.start()
    hub.care.listen()
    try:
        yield hub
    finally:
        await hub.stop()
        assert await cancel([task]), "the simulator did not stop"


async def control(broker: Mosquitto, **message: object) -> None:
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.publish(CONTROL_TOPIC, json.dumps(message), qos=1)


async def test_a_fall_published_to_the_broker_reaches_the_family(broker: Mosquitto, tmp_path: Path) -> None:
    push = FakePush()
    clock = ManualClock(at(2, 10))
    try:
        async with running(broker, tmp_path / "data", push, clock) as hub:
            told: list[dict[str, object]] = []
            hub.bus.subscribe(lambda e: told.append(e.data), NOTIFICATION)
            await until(
                lambda: hub.states.get("event.nainai_watch_alert").state == "unknown", "the watch bound"
            )
            await until(
                lambda: hub.states.get("binary_sensor.nainai_watch_on_body").state == "on",
                "the watch is worn",
            )
            shown: list[str] = []
            async with aiomqtt.Client("127.0.0.1", broker.port) as watcher:
                await watcher.subscribe(f"{HA_BASE}/nainai_watch/shown", qos=1)

                async def read() -> None:
                    async for message in watcher.messages:
                        shown.append(bytes(message.payload).decode())  # type: ignore[arg-type]

                reader = asyncio.create_task(read())
                # She was last seen in the bathroom (a Zigbee2MQTT occupancy sensor) ...
                await control(broker, entity_id="binary_sensor.bathroom_sensor_occupancy", state="on")
                await until(
                    lambda: hub.care.incidents.last_seen("nainai", clock.now()) == "bathroom", "motion"
                )
                # ... and her watch reports a fall.
                await control(broker, entity_id="event.nainai_watch_alert", event_type="fall")
                await until(lambda: hub.care.records.active_for("nainai") is not None, "an incident")
                await until(lambda: "您还好吗？没事请说'我没事'。" in shown, "the question on the watch")
                reader.cancel()
            incident = hub.care.records.active_for("nainai")
            assert incident is not None and (incident.kind, incident.area) == ("fall", "bathroom")
            assert not [n for n in told if n["member"] == "bo"]  # her countdown first
            clock.advance(61)
            await hub.care.tick()
            await until(lambda: any(n["member"] == "bo" for n in told), "Bo told in the hub")
            await until(lambda: bool(push.messages("lin-bo")), "Bo's phone")
            assert "王奶奶可能摔倒了（卫生间）" in push.messages("lin-bo")[0]["message"]
            # An SOS from the watch joins the same incident; the same message again is not a new one.
            await control(broker, entity_id="event.nainai_watch_alert", event_type="sos")
            await until(lambda: len(hub.care.describe(incident)["evidence"]) >= 3, "the SOS as evidence")
            assert [i.id for i in hub.care.records.recent()] == [incident.id]
    finally:
        push.close()


async def test_an_sos_over_the_broker_needs_no_countdown(broker: Mosquitto, tmp_path: Path) -> None:
    push = FakePush()
    clock = ManualClock(at(2, 10))
    try:
        async with running(broker, tmp_path / "data", push, clock) as hub:
            seen: list[Event] = []
            hub.bus.subscribe(seen.append, NOTIFICATION)
            await until(
                lambda: hub.states.get("event.nainai_watch_alert").state == "unknown", "the watch bound"
            )
            await control(broker, entity_id="event.nainai_watch_alert", event_type="sos")
            await until(lambda: any(e.data["member"] == "bo" for e in seen), "Bo told at once")
            await until(lambda: bool(push.messages("lin-bo")), "Bo's phone at once")
            assert "王奶奶在呼救" in push.messages("lin-bo")[0]["message"]
            # Off the wrist, a "fall" is the watch falling: no incident.
            await control(broker, entity_id="binary_sensor.nainai_watch_on_body", state="off")
            await until(lambda: hub.care.vitals.is_worn("nainai") is False, "the watch taken off")
            await control(broker, entity_id="event.nainai_watch_alert", event_type="fall")
            incident = hub.care.records.active_for("nainai")
            assert incident is not None

            def kinds() -> list[str]:
                return [e["kind"] for e in hub.care.describe(incident)["evidence"]]

            await until(lambda: "fall_not_worn" in kinds(), "the fall noted as the watch's")
            assert "fall" not in kinds()
    finally:
        push.close()


# --- the codecs, without a broker ---------------------------------------------------------


def test_home_assistant_event_and_notify_discovery() -> None:
    from homemind.core.events import Context
    from homemind.core.model import EntityState
    from homemind.core.services import validate_call
    from homemind.devices.mqtt.entities import Payload
    from homemind.devices.mqtt.ha import build

    event = build("event", "event w alert", {"state_topic": "w/event", "event_types": ["fall", "sos"]})
    assert event.decode("w/event", Payload(b'{"event_type": "fall", "confidence": 0.9}'))
    assert event.attributes["event_type"] == "fall" and event.state and event.state.startswith("20")
    with pytest.raises(ValueError, match="not an event of fall, sos"):
        event.decode("w/event", Payload(b'{"event_type": "explode"}'))
    with pytest.raises(ValueError):
        event.decode("w/event", Payload(b"fall"))  # not JSON
    screen = build(
        "notify",
        "notify w screen",
        {"command_topic": "w/show", "command_template": '{"text": "{{ value }}"}'},
    )
    home = parse_home(demo_home_text())
    call = validate_call(
        home.entities["notify.nainai_watch"], "send_message", {"message": "您还好吗"}, Context("a", "t")
    )
    [out] = screen.encode(call, EntityState("notify.nainai_watch", "unknown", {}, "", ""))
    assert (out.topic, json.loads(out.payload)) == ("w/show", {"text": "您还好吗"})
    assert screen.optimistic  # nothing comes back from a screen


def test_zigbee2mqtt_wearable_action_heart_rate_and_on_body() -> None:
    from homemind.devices.mqtt.entities import Payload
    from homemind.devices.mqtt.z2m import read_devices

    enum = {"type": "enum", "name": "action", "property": "action", "access": 1, "values": ["fall", "sos"]}
    numbers = [
        {"type": "numeric", "name": name, "property": name, "unit": unit, "access": 1}
        for name, unit in (("heart_rate", "bpm"), ("spo2", "%"))
    ]
    worn = {"type": "binary", "name": "on_body", "property": "on_body", "value_on": True, "value_off": False}
    watch = {
        "ieee_address": "0x01",
        "type": "EndDevice",
        "friendly_name": "nainai/watch",
        "supported": True,
        "definition": {"exposes": [enum, *numbers, {**worn, "access": 1}]},
    }  # fmt: skip
    [device], problems = read_devices("zigbee2mqtt", Payload(json.dumps([watch])))
    assert problems == []
    found = {e.suggested_id: e for e in device.entities}
    assert set(found) == {
        "event.nainai_watch_action",
        "sensor.nainai_watch_heart_rate",
        "sensor.nainai_watch_spo2",
        "binary_sensor.nainai_watch_on_body",
    }
    message = Payload(b'{"action": "sos", "heart_rate": 88, "on_body": true}')
    for entity in found.values():
        entity.decode("zigbee2mqtt/nainai/watch", message)
    assert found["event.nainai_watch_action"].attributes["event_type"] == "sos"
    assert found["sensor.nainai_watch_heart_rate"].state == "88"
    assert found["binary_sensor.nainai_watch_on_body"].state == "on"
    # A report without an action is not an event.
    before = found["event.nainai_watch_action"].state
    assert not found["event.nainai_watch_action"].decode(
        "zigbee2mqtt/nainai/watch", Payload(b'{"heart_rate": 90}')
    )
    assert found["event.nainai_watch_action"].state == before
