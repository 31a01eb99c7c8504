"""Benchmark: a spoken-style command to a device over a real MQTT broker and back, against the broker's floor.

What it measures, all in one run on one mosquitto:

1. **End to end** (``--commands``, default 1,000): ``await hub.conversation.process(text)``
   on a hub whose home file names the broker: language detection, understanding,
   the intent handler, the policy executor, the MQTT publish (QoS 1, waiting for
   the PUBACK), the simulated device (``homemind simulate`` as its own process,
   ``--device-delay`` 0 by default so it adds no sleep), its state message back,
   the hub's state update (committed to SQLite) and the reply. The commands
   alternate so every one changes a device, across both conventions: Zigbee2MQTT
   lights, a plug and curtains, Home Assistant discovery lights (basic schema) and
   an air conditioner, in English and Chinese.
2. **The floor**, interleaved command by command with (1) so drift hits both alike:

   * *device round trip*: a bare client publishes at QoS 1 to a topic, a bare relay
     process republishes each message on another topic, and the client receives
     it: the same path as (1) (client -> broker -> device process -> broker ->
     client) with no homemind on either end;
   * *loopback*: a client publishes at QoS 1 to a topic it is subscribed to (one
     trip through the broker).

   The hub's **overhead** is end to end minus the device round trip floor (p50
   and p99 of each, and the median of the per-command differences). It is what
   homemind adds: understanding, policy, the store, both MQTT clients' work, and
   the simulator decoding, applying and encoding a command.
3. **The same commands on the simulated home** (no broker, the embedded default),
   interleaved too: the pipeline and the store without devices, i.e. what of the
   overhead is not MQTT's.

Each command's reply is checked (status ``done``); failures are counted and listed,
never timed. No timing assertions: it reports, it does not judge. A table on
stdout and JSON (default ``benchmarks/results/mqtt_e2e.json``).

Needs mosquitto (``scripts/test`` installs it). Run from the repo root with the venv
active (Linux / POSIX)::

    python benchmarks/mqtt_e2e.py [--commands 1000] [--warmup 20] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import aiomqtt

from conversation import latency_stats, percentile
from homemind.app import Hub, demo_home_text
from homemind.devices.mqtt.transport import Client

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "mqtt_e2e.json"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

# Pairs that undo each other, so every command changes its device. (convention, text)
COMMANDS: list[tuple[str, str]] = [
    ("zigbee2mqtt light", "turn on the kitchen light"),
    ("zigbee2mqtt light", "turn off the kitchen light"),
    ("zigbee2mqtt switch", "turn on the kettle"),
    ("zigbee2mqtt switch", "turn off the kettle"),
    ("zigbee2mqtt cover", "open the curtains"),
    ("zigbee2mqtt cover", "close the curtains"),
    ("homeassistant light", "set the bedroom light to 30%"),
    ("homeassistant light", "set the bedroom light to 70%"),
    ("homeassistant climate", "set the bedroom ac to 24 degrees"),
    ("homeassistant climate", "set the bedroom ac to 26 degrees"),
    ("zigbee2mqtt light", "打开客厅灯"),
    ("zigbee2mqtt light", "关掉客厅灯"),
    ("homeassistant switch", "打开排气扇"),
    ("homeassistant switch", "关掉排气扇"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_mosquitto(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A broker of the benchmark's own on a free loopback port."""
    port = free_port()
    config = directory / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise SystemExit("mosquitto did not start (is it installed? ./scripts/test installs it)")


async def relay(port: int) -> None:
    """The floor's device: republish every message on bench/cmd to bench/state, nothing else."""
    async with Client("127.0.0.1", port) as client:
        await client.subscribe("bench/cmd", qos=1)
        await client.publish("bench/relay", "ready", qos=1, retain=True)
        async for message in client.messages:
            await client.publish("bench/state", message.payload, qos=1)


class Floor:
    """Bare aiomqtt round trips on the same broker, timed like the hub's commands."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.waiting: dict[bytes, asyncio.Future[None]] = {}
        self.counter = 0

    async def listen(self) -> None:
        async for message in self.client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            future = self.waiting.pop(payload, None)
            if future is not None and not future.done():
                future.set_result(None)

    async def trip(self, topic: str) -> float:
        """ms from publish (QoS 1) to receiving the message back on ``bench/state`` or itself."""
        self.counter += 1
        payload = f"{self.counter}".encode()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting[payload] = future
        start = time.perf_counter_ns()
        await self.client.publish(topic, payload, qos=1)
        await asyncio.wait_for(future, 10)
        return (time.perf_counter_ns() - start) / 1e6


def homemind_command() -> list[str]:
    # `python -m homemind`, not the console script: it runs whichever homemind is on PYTHONPATH,
    # so the same benchmark can time another checkout.
    return [sys.executable, "-m", "homemind"]


async def run(args: argparse.Namespace, data: Path, port: int) -> dict[str, Any]:
    broker = f"mqtt://127.0.0.1:{port}"
    plain = data.parent / "simulated"
    plain.mkdir()
    (plain / "home.yaml").write_text(demo_home_text(), encoding="utf-8")
    (data / "home.yaml").write_text(demo_home_text(broker) + "  command_timeout: 10\n", encoding="utf-8")
    simulator = subprocess.Popen(
        [*homemind_command(), "simulate", "--broker", broker, "--delay", str(args.device_delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    relay_process = subprocess.Popen([sys.executable, __file__, "--relay", str(port)])
    try:
        assert simulator.stdout is not None
        ready = await asyncio.to_thread(simulator.stdout.readline)
        if b"Zigbee2MQTT devices" not in ready:
            raise SystemExit(f"the simulator did not start: {ready!r}")
        hub = Hub.open(data)
        started = time.perf_counter()
        await hub.start()
        start_ms = (time.perf_counter() - started) * 1000
        async with Client("127.0.0.1", port) as client:
            await client.subscribe([("bench/state", 1), ("bench/loop", 1), ("bench/relay", 1)])
            floor = Floor(client)
            listener = asyncio.create_task(floor.listen())
            ready_future = asyncio.get_running_loop().create_future()
            floor.waiting[b"ready"] = ready_future
            await asyncio.wait_for(ready_future, 15)
            simulated = Hub.open(plain)
            await simulated.start()
            try:
                return await measure(args, hub, simulated, floor) | {"hub_start_ms": start_ms}
            finally:
                listener.cancel()
                await hub.stop()
                await simulated.stop()
    finally:
        for process in (simulator, relay_process):
            process.terminate()
            process.wait(timeout=10)


async def measure(args: argparse.Namespace, hub: Hub, simulated: Hub, floor: Floor) -> dict[str, Any]:
    actor, plain_actor = hub.actor(None, "bench"), simulated.actor(None, "bench")
    for i in range(args.warmup):
        _, text = COMMANDS[i % len(COMMANDS)]
        await hub.conversation.process(text, actor)
        await simulated.conversation.process(text, plain_actor)
        await floor.trip("bench/cmd")
        await floor.trip("bench/loop")
    # Start every pair from its first half again: each timed command changes its device.
    for i in range(args.warmup % 2):
        text = COMMANDS[(args.warmup + i) % len(COMMANDS)][1]
        await hub.conversation.process(text, actor)
        await simulated.conversation.process(text, plain_actor)
    offset = args.warmup + args.warmup % 2
    e2e: list[float] = []
    without_devices: list[float] = []
    device_floor: list[float] = []
    loopback: list[float] = []
    by_kind: dict[str, list[float]] = {}
    failures: list[dict[str, Any]] = []
    for i in range(args.commands):
        kind, text = COMMANDS[(offset + i) % len(COMMANDS)]
        start = time.perf_counter_ns()
        result = await hub.conversation.process(text, actor)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if result.status.value != "done":
            failures.append({"text": text, "status": result.status.value, "response": result.response})
            continue
        e2e.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        start = time.perf_counter_ns()
        await simulated.conversation.process(text, plain_actor)
        without_devices.append((time.perf_counter_ns() - start) / 1e6)
        device_floor.append(await floor.trip("bench/cmd"))
        loopback.append(await floor.trip("bench/loop"))
    paired = [a - b for a, b in zip(e2e, device_floor, strict=True)]
    adapter = [a - b - c for a, b, c in zip(e2e, without_devices, device_floor, strict=True)]
    return {
        "e2e": latency_stats(e2e),
        "simulated_home_same_commands": latency_stats(without_devices),
        "mqtt_vs_simulated_ms": {
            "median_of_e2e_minus_simulated_minus_floor": statistics.median(adapter) if adapter else None,
            "note": "MQTT adds about nothing above the floor when this is near 0; it is noisy (both hubs"
            " commit to SQLite on the same disk, one after the other)",
        },
        "floor_device_round_trip": latency_stats(device_floor),
        "floor_loopback": latency_stats(loopback),
        "overhead": {
            "p50_ms": percentile(e2e, 50) - percentile(device_floor, 50),
            "p99_ms": percentile(e2e, 99) - percentile(device_floor, 99),
            "median_of_paired_differences_ms": statistics.median(paired) if paired else float("nan"),
            "target_p50_ms": 5.0,  # issue 22 (issue 11 asked for 10)
        },
        "by_convention": {kind: latency_stats(values) for kind, values in sorted(by_kind.items())},
        "failures": failures,
    }


def print_report(report: dict[str, Any]) -> None:
    config = report["config"]
    print()
    print(
        f"MQTT end to end: {config['commands']} commands after {config['warmup']} warm-up, one mosquitto (ms)"
    )
    header = f"{'path':52} {'n':>5} {'p50':>8} {'p99':>8} {'mean':>8}"
    print(header)
    print("-" * len(header))
    rows = [
        ("hub: text -> understand -> policy -> device -> reply", report["e2e"]),
        ("same commands, simulated home (no broker)", report["simulated_home_same_commands"]),
        ("floor: publish -> relay process -> receive", report["floor_device_round_trip"]),
        ("floor: publish -> receive (loopback, one hop)", report["floor_loopback"]),
    ]
    for label, s in rows:
        print(f"{label:52} {s['n']:>5} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} {s['mean_ms']:>8.2f}")
    overhead = report["overhead"]
    print("-" * len(header))
    print(
        f"{'overhead above the device round trip floor':52} {'':>5} {overhead['p50_ms']:>8.2f}"
        f" {overhead['p99_ms']:>8.2f}    (target p50 <= {overhead['target_p50_ms']:.0f})"
    )
    paired = overhead["median_of_paired_differences_ms"]
    print(f"{'  median of per-command differences':52} {'':>5} {paired:>8.2f}")
    print("The simulated home runs the same commands with no broker: what is left of the overhead")
    print("when the devices are in-process (understanding, policy, the store's commits, the reply).")
    print()
    print("By device and convention (hub end to end)")
    for kind, s in report["by_convention"].items():
        print(f"  {kind:28} {s['n']:>5} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} {s['mean_ms']:>8.2f}")
    failures = report["failures"]
    print()
    print(f"Commands not done: {len(failures)}" + ("" if not failures else f" (first: {failures[0]})"))
    print(f"Hub start (connect, retained discovery and state, /get answers): {report['hub_start_ms']:.0f} ms")
    print(f"Simulator device delay: {config['device_delay_ms']:g} ms. JSON: {config['json']}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=1000, help="timed commands (default 1000)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed commands first (default 20)")
    parser.add_argument(
        "--device-delay", type=float, default=0, help="simulated device delay, ms (default 0)"
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    parser.add_argument("--relay", type=int, help=argparse.SUPPRESS)  # the floor's device process
    args = parser.parse_args(argv)
    if args.relay is None and (args.commands < 1 or args.warmup < 0):
        parser.error("--commands must be at least 1 and --warmup at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.relay is not None:
        asyncio.run(relay(args.relay))
        return 0
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="homemind-mqtt-bench-") as tmp:
        broker, port = start_mosquitto(Path(tmp))
        try:
            data = Path(tmp) / "data"
            data.mkdir()
            results = asyncio.run(run(args, data, port))
        finally:
            broker.terminate()
            broker.wait(timeout=10)
    versions = {pkg: metadata.version(pkg) for pkg in ("homemind", "aiomqtt", "paho-mqtt")}
    mosquitto_version = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True, check=False)
    report: dict[str, Any] = {
        "config": {
            "commands": args.commands,
            "warmup": args.warmup,
            "device_delay_ms": args.device_delay,
            "json": str(args.json),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "versions": versions,
            "mosquitto": mosquitto_version.stdout.splitlines()[0] if mosquitto_version.stdout else None,
            "commands_used": [text for _, text in COMMANDS],
        },
        **results,
    }
    report["config"]["total_seconds"] = round(time.perf_counter() - began, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"Total run time: {report['config']['total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
