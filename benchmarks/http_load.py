"""Benchmark: a simple command over the HTTP API with 1, 10 and 50 clients, against the pipeline in-process.

What it measures, in one run:

1. **The server**: ``homemind serve`` as its own process on the demo home in a
   temporary data dir, with an API token (so every request is authenticated, as a
   real client's would be).
2. **Load**: for each client count (``--clients``, default 1 10 50), that many
   keep-alive HTTP/1.1 connections from this process, each sending
   ``POST /api/conversation`` as fast as the answers come, for ``--seconds`` after a
   short warm-up, in two series:

   * *new each time*: "set the floor lamp to 37%", "把客厅灯的亮度调到62%"... every
     dimmable light of the demo home by each of its names, in both languages, at
     every brightness from 1 to 100 (over 2,000 sentences, more than the template
     tier keeps, taken in turn), so each request is a sentence the hub has not just
     heard and the whole pipeline works for it. The targets are judged on this one.
   * *said again*: "turn on the kitchen light" / "turn off the kitchen light" in
     turn, answered from what the template tier kept.

   Every command changes a device and writes to the store. Requests per second,
   and the p50 / p99 of each request's round trip (from writing the request to
   reading the whole answer). Every answer must be a 200 with status ``done``;
   failures are counted, never timed. The client is a minimal asyncio HTTP/1.1
   client written here, so that the load generator costs the 2 cores as little
   as possible.
3. **The same commands in-process**, in the same run: a hub opened in this process
   on its own copy of the demo home, ``await hub.conversation.process(text)``, the
   same series timed the same way (between the load phases too), so the HTTP
   figures can be read as a multiple of the pipeline's own time.
4. **Server RSS** (VmRSS from ``/proc/<pid>/status``) before the first request
   (after start-up) and after the last.
5. **Start-up**: seconds from starting ``homemind serve`` until ``/api/health``
   answers, and until its first command is answered.

Targets, as ratios in the run, on the *new each time* series: HTTP p50 with one
client ≤ 2 × the pipeline's p50; throughput ≥ 150 requests a second (the best of
the client counts). No timing
assertions: it reports. A table on stdout and JSON (default
``benchmarks/results/http_load.json``). Run from the repo root with the venv
active (Linux)::

    python benchmarks/http_load.py [--clients 1 10 50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from latency import latency_stats, load_average, print_checks, write_json

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "http_load.json"
TEXTS = ("turn on the kitchen light", "turn off the kitchen light")


def new_each_time() -> list[str]:
    """Brightness commands for every dimmable demo light by each of its names: more than 2,000."""
    from homemind.app import demo_home_text
    from homemind.core.homefile import parse_home

    home = parse_home(demo_home_text(), "demo")
    texts = []
    for entity in home.entities.values():
        if entity.domain.value != "light" or not entity.supports("brightness"):
            continue
        for percent in range(1, 101):
            texts += [f"set the {name} to {percent}%" for name in entity.names.all_for("en")]
            texts += [f"把{name}的亮度调到{percent}%" for name in entity.names.all_for("zh")]
    random.Random(22).shuffle(texts)
    return texts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def homemind_command() -> list[str]:
    # `python -m homemind`, not the console script: it runs whichever homemind is on PYTHONPATH,
    # so the same benchmark can time another checkout.
    return [sys.executable, "-m", "homemind"]


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Connection:
    """One keep-alive HTTP/1.1 connection: a request, then its whole answer (Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int, token: str):
        self.reader, self.writer = reader, writer
        self.head = (
            f"POST /api/conversation HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        )

    @classmethod
    async def open(cls, port: int, token: str) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer, port, token)

    async def post(self, text: str) -> tuple[int, dict[str, Any]]:
        body = json.dumps({"text": text}).encode()
        self.writer.write(f"{self.head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return status, json.loads(await self.reader.readexactly(length))

    def close(self) -> None:
        self.writer.close()


async def load(
    port: int, token: str, texts: Sequence[str], clients: int, seconds: float, warmup: float
) -> dict[str, Any]:
    connections = [await Connection.open(port, token) for _ in range(clients)]
    times: list[float] = []
    failures: list[str] = []
    counter = 0
    measuring = False
    stop_at = time.monotonic() + warmup + seconds

    async def client(connection: Connection) -> None:
        nonlocal counter
        while time.monotonic() < stop_at:
            text = texts[counter % len(texts)]
            counter += 1
            start = time.perf_counter_ns()
            status, answer = await connection.post(text)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            if status != 200 or answer.get("status") != "done":
                failures.append(f"{status} {answer.get('status')} {answer.get('response', answer)}")
            elif measuring:
                times.append(elapsed)

    tasks = [asyncio.create_task(client(c)) for c in connections]
    await asyncio.sleep(warmup)
    measuring, began = True, time.perf_counter()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    for connection in connections:
        connection.close()
    return {
        "clients": clients,
        "requests": len(times),
        "seconds": round(wall, 2),
        "requests_per_second": round(len(times) / wall, 1),
        **latency_stats(times),
        "failures": len(failures),
        "failure_examples": failures[:5],
    }


async def in_process(data: Path, series: dict[str, Sequence[str]], rounds: int) -> dict[str, Any]:
    """Each series' commands through a hub in this process, timed like the requests."""
    from homemind.app import Hub

    hub = Hub.open(data)
    await hub.start()
    hub.warm_up()
    try:
        actor = hub.actor(None, "bench")
        out = {}
        for name, texts in series.items():
            for text in texts[:10]:
                await hub.conversation.process(text, actor)
            times = []
            for i in range(rounds):
                text = texts[(i + 10) % len(texts)]
                start = time.perf_counter_ns()
                result = await hub.conversation.process(text, actor)
                times.append((time.perf_counter_ns() - start) / 1e6)
                assert result.status.value == "done", (text, result.response)
            out[name] = latency_stats(times)
        return out
    finally:
        await hub.stop()


async def first_command(port: int, token: str) -> dict[str, Any]:
    """The first command after start-up (the model may still be loading in the background)."""
    connection = await Connection.open(port, token)
    try:
        status, answer = await connection.post(TEXTS[0])
    finally:
        connection.close()
    return {"http": status, "status": answer.get("status")}


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HOMEMIND_DATA": str(data)}
    process = subprocess.Popen(
        [*homemind_command(), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return process
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not answer within 60 s")


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    served, local = tmp / "served", tmp / "local"
    env = {**os.environ}
    for data in (served, local):
        subprocess.run([*homemind_command(), "init", "--demo", "--data", str(data)], check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    token = subprocess.run(
        [*homemind_command(), "member", "token", "alice", "--data", str(served), "--name", "bench"],
        check=True, capture_output=True, text=True, env=env,
    ).stdout.split()[-1]  # fmt: skip
    series: dict[str, Sequence[str]] = {"new each time": new_each_time(), "said again": TEXTS}
    port = free_port()
    started = time.perf_counter()
    server = start_server(served, port)
    ready_s = time.perf_counter() - started
    first = asyncio.run(first_command(port, token))
    first_answer_s = time.perf_counter() - started
    try:
        rss_before = rss_kib(server.pid)
        pipeline = [asyncio.run(in_process(local, series, args.pipeline_rounds))]
        phases: dict[str, list[dict[str, Any]]] = {name: [] for name in series}
        for clients in args.clients:
            for name, texts in series.items():
                phases[name].append(asyncio.run(load(port, token, texts, clients, args.seconds, args.warmup)))
            pipeline.append(asyncio.run(in_process(local, series, args.pipeline_rounds)))
        rss_after = rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "server_ready_seconds": round(ready_s, 2),
        "first_command_answered_seconds": round(first_answer_s, 2),
        "first_command": first,
        "sentences": {name: len(texts) for name, texts in series.items()},
        "phases": phases,
        "pipeline": pipeline,
        # The best of the in-process measurements: the ratio is judged against the pipeline at its fastest.
        "pipeline_p50_ms": {name: min(p[name]["p50_ms"] for p in pipeline) for name in series},
        "server_rss_kib": {"before": rss_before, "after": rss_after},
    }


def print_report(report: dict[str, Any]) -> None:
    result = report["result"]
    print()
    print(f"POST /api/conversation, {report['config']['seconds']} s per client count (ms)")
    print(f"{'series':14} {'clients':>7} {'req/s':>7} {'p50':>7} {'p99':>8} {'requests':>9} {'failures':>9}")
    for name, phases in result["phases"].items():
        for phase in phases:
            print(
                f"{name:14} {phase['clients']:>7} {phase['requests_per_second']:>7.1f}"
                f" {phase['p50_ms']:>7.2f} {phase['p99_ms']:>8.2f} {phase['requests']:>9}"
                f" {phase['failures']:>9}"
            )
    for name in result["phases"]:
        runs = ", ".join(f"{p[name]['p50_ms']:.2f}" for p in result["pipeline"])
        print(f"In-process pipeline, {name}: p50 {runs} ms (best {result['pipeline_p50_ms'][name]:.2f})")
    print(f"Sentences per series: {result['sentences']}")
    rss = result["server_rss_kib"]
    print(f"Server RSS: {rss['before'] / 1024:.0f} MiB before, {rss['after'] / 1024:.0f} MiB after")
    print(
        f"Server start: answering /api/health {result['server_ready_seconds']} s after the process"
        f" started, first command answered ({result['first_command']['status']}) at"
        f" {result['first_command_answered_seconds']} s"
    )
    print_checks(report["targets"], report["config"])


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []
    for name, phases in result["phases"].items():
        one = next((p for p in phases if p["clients"] == 1), None)
        judged = name == "new each time"
        if one is not None:
            ratio = round(one["p50_ms"] / result["pipeline_p50_ms"][name], 2)
            what = f"{name}, 1 client: HTTP p50 <= 2 x pipeline p50" + ("" if judged else " (not judged)")
            checks.append({"what": what, "value": ratio, "met": ratio <= 2 or not judged})
        best = max(p["requests_per_second"] for p in phases)
        what = f"{name}: throughput >= 150 requests/s" + ("" if judged else " (not judged)")
        checks.append({"what": what, "value": best, "met": best >= 150 or not judged})
    failures = sum(p["failures"] for phases in result["phases"].values() for p in phases)
    checks.append({"what": "no failed requests", "value": failures, "met": failures == 0})
    return checks


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per client count")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("--pipeline-rounds", type=int, default=300)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = load_average()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="homemind-http-") as tmp:
        result = run(args, Path(tmp))
    report: dict[str, Any] = {
        "config": {
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "json": str(args.json),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": {pkg: metadata.version(pkg) for pkg in ("homemind", "uvicorn", "fastapi")},
            "load_before": load_before,
            "load_after": load_average(),
            "total_seconds": round(time.perf_counter() - began, 1),
        },
        "result": result,
        "targets": targets(result),
    }
    write_json(args.json, report)
    print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
