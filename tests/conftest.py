"""Shared fixtures: a fresh demo home per test, driven in-process or as real processes."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from homemind.app import Hub, init_data_dir

# Nothing in a test may reach the internet: the demo home names Open-Meteo (https), so https
# goes through a "proxy" on a closed local port and fails at once; local fakes speak plain http.
os.environ["HTTPS_PROXY"] = "http://127.0.0.1:9"
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
from homemind.conversation import ConversationResult
from homemind.policy import Actor


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    init_data_dir(directory, demo=True)
    return directory


class HubDriver:
    """A hub opened on a data dir, with synchronous helpers for tests."""

    def __init__(self, directory: Path) -> None:
        self.hub = Hub.open(directory)
        asyncio.run(self.hub.start())

    def ask(
        self,
        text: str,
        member: str | None = None,
        *,
        language: str | None = None,
        conversation_id: str | None = None,
    ) -> ConversationResult:
        actor = self.hub.actor(member, channel="test")
        return asyncio.run(
            self.hub.conversation.process(text, actor, language=language, conversation_id=conversation_id)
        )

    def call(self, service: str, entity_id: str, actor: Actor | None = None, **data: Any) -> Any:
        actor = actor or self.hub.actor(None, channel="test", direct=True)
        return asyncio.run(self.hub.executor.execute(actor, entity_id, service, data))

    def state(self, entity_id: str) -> str:
        return self.hub.states.get(entity_id).state

    def attr(self, entity_id: str, name: str) -> Any:
        return self.hub.states.get(entity_id).attributes.get(name)

    def snapshot(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.hub.state_dump()))

    def close(self) -> None:
        asyncio.run(self.hub.stop())


@pytest.fixture
def hub(data_dir: Path) -> Iterator[HubDriver]:
    driver = HubDriver(data_dir)
    yield driver
    driver.close()


def run_cli(
    data: Path, *args: str, stdin: str | bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "HOMEMIND_DATA": str(data), "PYTHONIOENCODING": "utf-8"}
    payload = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "homemind", *args],
        input=payload,
        capture_output=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HOMEMIND_DATA": str(data)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "homemind", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"server exited: {output}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def server(data_dir: Path) -> Iterator[Server]:
    srv = Server(data_dir)
    yield srv
    srv.stop()


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto:
    """A broker of the test's own: a mosquitto process on a free loopback port, never a system service.

    It can be stopped and started again on the same port, which is how the tests
    take the broker away in the middle of a run. Nothing is persisted, so a restart
    also loses every retained message, as a broker without persistence does.
    """

    def __init__(self, directory: Path) -> None:
        if not Path(MOSQUITTO).exists():
            pytest.fail("mosquitto is not installed: run ./scripts/test (it installs the Debian package)")
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = open(self.directory / "mosquitto.log", "ab")  # noqa: SIM115 - the process keeps it
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                text = (self.directory / "mosquitto.log").read_text(errors="replace")
                raise RuntimeError(f"mosquitto exited: {text}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("mosquitto did not accept connections within 10 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    mosquitto = Mosquitto(tmp_path / "mosquitto")
    yield mosquitto
    mosquitto.stop()
