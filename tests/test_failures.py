"""A fault inside a handler is an answer, never a 500 or a traceback; `serve` without a home exits 2.

The fault is injected (a handler that raises, standing in for a bug): everything around it,
the pipeline, the audit, the CLI process and the HTTP app, is the real thing.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import HubDriver, free_port, run_cli
from homemind.channels.http import create_app
from homemind.skills import IntentHandler, IntentRequest, Reply


class Broken(IntentHandler):
    """A handler with a bug in it."""

    intent_type = "HassTurnOn"

    async def handle(self, request: IntentRequest) -> Reply:
        raise KeyError("brightness_pct")


def _break(driver_handlers: object) -> None:
    handlers = driver_handlers._handlers  # type: ignore[attr-defined]
    handlers["HassTurnOn"] = Broken()


@pytest.mark.parametrize(
    ("text", "says"),
    [("turn on the kitchen light", "something went wrong"), ("把厨房的灯打开", "出了问题")],
)
def test_a_handler_fault_is_a_clear_reply_logged_and_audited(
    hub: HubDriver, caplog: pytest.LogCaptureFixture, text: str, says: str
) -> None:
    _break(hub.hub.handlers)
    with caplog.at_level(logging.ERROR):
        result = hub.ask(text)
    assert result.status.value == "error" and says in result.response
    assert hub.state("light.kitchen") == "off"
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)
    entry = hub.hub.store.actions(1)[0]
    assert (entry["result"], entry["text"], entry["intent"]) == ("error", text, "HassTurnOn")
    assert "KeyError" in entry["detail"]


def test_a_handler_fault_over_the_api_is_not_a_500(data_dir: Path) -> None:
    with TestClient(create_app(data_dir), base_url="http://localhost") as client:
        _break(client.app.state.hub.handlers)  # type: ignore[attr-defined]
        answer = client.post("/api/conversation", json={"text": "turn on the kitchen light"})
        assert answer.status_code == 200
        assert answer.json()["status"] == "error" and "something went wrong" in answer.json()["response"]
        # The hub goes on answering.
        assert (
            client.post("/api/conversation", json={"text": "turn off the kitchen light"}).status_code == 200
        )


BROKEN_CLI = """
import sys
from homemind.skills import base

class Broken(base.IntentHandler):
    intent_type = "HassTurnOn"
    async def handle(self, request):
        raise KeyError("brightness_pct")

found = base.HandlerRegistry.get
base.HandlerRegistry.get = lambda self, t: Broken() if t == "HassTurnOn" else found(self, t)
from homemind.channels.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_handler_fault_in_the_cli_is_no_traceback(data_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BROKEN_CLI, "--data", str(data_dir), "ask", "turn on the kitchen light"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert b"something went wrong" in result.stdout.lower()
    assert b"Traceback" not in result.stdout + result.stderr
    # The error is logged in one line (the audit keeps the detail) ...
    assert result.stderr.decode().count("\n") == 1 and "error:" in result.stderr.decode()
    assert b"KeyError: 'brightness_pct'" in result.stderr
    # ... and the next command in the same data dir works.
    assert run_cli(data_dir, "ask", "turn", "off", "the", "kitchen", "light").returncode == 0


def test_serve_without_a_home_says_so_and_exits_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "empty", "serve", "--port", str(free_port()), timeout=60)
    assert result.returncode == 2
    assert b"serving" not in result.stdout
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "no home in" in lines[0] and "homemind init --demo" in lines[0], lines


def test_serve_with_a_broken_policy_says_so_and_exits_2(data_dir: Path) -> None:
    (data_dir / "policy.yaml").write_text("roles: {child: {lights: maybe}}\n", encoding="utf-8")
    result = run_cli(data_dir, "serve", "--port", str(free_port()), timeout=60)
    assert result.returncode == 2 and b"serving" not in result.stdout
    assert b"Traceback" not in result.stderr and b"roles.child.lights" in result.stderr
