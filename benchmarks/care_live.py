"""The live leg of ``benchmarks/care.py``: falls and SOS presses over a real mosquitto, wall clock.

A hub on the demo home (countdown 1 s) with the simulator's watch in the same event
loop and its own care loop (``Care.run``); Bo's phone is the tests' local ntfy stand-in
(real HTTP). Per round: a fall published on the simulator's control topic, timed from
the countdown's end to Bo's notification on the hub's bus and to the push arriving;
an SOS, from the publish to the push; and the broker's own floor.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiomqtt

from care_month import COUNTDOWN
from conversation import percentile
from homemind.app import Hub, demo_home_text, init_data_dir
from homemind.core.events import Event
from homemind.core.homefile import parse_home
from homemind.devices.mqtt.simulator import CONTROL_TOPIC, Simulator
from homemind.devices.mqtt.transport import cancel
from homemind.household import NOTIFICATION

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fake_push import FakePush  # the tests' local ntfy stand-in: real HTTP on loopback


def home_text(push: FakePush, *, countdown: float = COUNTDOWN, broker: int | None = None) -> str:
    text = demo_home_text().replace("  countdown: 60 ", f"  countdown: {countdown:g} ")
    text = text.replace(
        "  doors: [binary_sensor.front_door_contact]\n",
        f'  phones:\n    bo: {{ntfy: {{url: "{push.url}", topic: lin-bo}}}}\n'
        "  doors: [binary_sensor.front_door_contact]\n",
    )
    if broker is not None:
        text += f"\nmqtt:\n  broker: mqtt://127.0.0.1:{broker}\n"
    return text


async def live(rounds: int, data: Path, port: int, push: FakePush) -> dict[str, Any]:
    init_data_dir(data, demo=True)
    (data / "home.yaml").write_text(home_text(push, countdown=1, broker=port), encoding="utf-8")
    sim = Simulator(parse_home(demo_home_text()), "127.0.0.1", port, delay=0)
    sim_task = asyncio.create_task(sim.run())
    await asyncio.wait_for(sim.ready.wait(), 15)
    hub = Hub.open(data)
    await hub.start()
    hub.care.listen()
    loop_task = asyncio.create_task(hub.care.run())
    noted: dict[str, float] = {}

    def on_note(event: Event) -> None:
        data = event.data
        if data["member"] == "bo" and ":round1:" in str(data["source_id"]):
            noted.setdefault(str(data["source_id"]).split(":")[0], time.time())

    hub.bus.subscribe(on_note, NOTIFICATION)
    out: dict[str, list[float]] = {"note_after_countdown_ms": [], "push_after_countdown_ms": []}
    out |= {"sos_publish_to_push_ms": [], "fall_publish_to_incident_ms": [], "broker_floor_ms": []}
    try:
        async with aiomqtt.Client("127.0.0.1", port) as client:
            await client.subscribe("bench/floor", qos=1)
            for _ in range(rounds):
                await _one_fall(hub, client, push, noted, out)
                await _one_sos(hub, client, push, out)
                out["broker_floor_ms"].append(await _floor(client))
    finally:
        loop_task.cancel()
        await hub.stop()
        await cancel([sim_task])
    return {k: _ms_stats(v) for k, v in out.items()}


async def _wait(check: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"never happened: {what}")
        await asyncio.sleep(0.001)


async def _one_fall(
    hub: Hub, client: aiomqtt.Client, push: FakePush, noted: dict[str, float], out: Any
) -> None:
    pushes = len(push.received)
    published = time.time()
    await client.publish(
        CONTROL_TOPIC, json.dumps({"entity_id": "event.nainai_watch_alert", "event_type": "fall"})
    )
    await _wait(lambda: hub.care.records.active_for("nainai") is not None, "the fall")
    incident = hub.care.records.active_for("nainai")
    assert incident is not None and incident.next_at is not None
    out["fall_publish_to_incident_ms"].append((incident.opened_at - published) * 1000)
    countdown_end = incident.next_at
    await _wait(lambda: str(incident.id) in noted and len(push.received) > pushes, "Bo told")
    out["note_after_countdown_ms"].append((noted[str(incident.id)] - countdown_end) * 1000)
    out["push_after_countdown_ms"].append((push.received[pushes]["wall"] - countdown_end) * 1000)
    await hub.care.resolve(hub.actor("bo", "benchmark"), incident.id)


async def _one_sos(hub: Hub, client: aiomqtt.Client, push: FakePush, out: Any) -> None:
    pushes = len(push.received)
    published = time.time()
    await client.publish(
        CONTROL_TOPIC, json.dumps({"entity_id": "event.nainai_watch_alert", "event_type": "sos"})
    )
    await _wait(lambda: len(push.received) > pushes, "Bo's phone")
    out["sos_publish_to_push_ms"].append((push.received[pushes]["wall"] - published) * 1000)
    incident = hub.care.records.active_for("nainai")
    if incident is not None:
        await hub.care.resolve(hub.actor("bo", "benchmark"), incident.id)


async def _floor(client: aiomqtt.Client) -> float:
    start = time.perf_counter()
    await client.publish("bench/floor", b"x", qos=1)
    async for _ in client.messages:
        return (time.perf_counter() - start) * 1000
    return float("nan")


def _ms_stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p99": round(percentile(values, 99), 1),
    }
