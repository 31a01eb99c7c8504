"""Secrets at rest: a private data dir, device codes kept hashed, lock-outs that say how long.

An attack on a running hub found ``homemind.db`` (PIN hashes), its WAL and ``home.yaml``
world-readable, and the alarm's code in plain text in the home file. These tests run the
CLI and the server as real processes on a real data dir.
"""

from __future__ import annotations

import re
import stat
import time
from pathlib import Path

import pytest

from conftest import HubDriver, Server, run_cli
from homemind.app import DEMO_CODE, Hub, SetupError, demo_home_text
from homemind.core.homefile import parse_home

PANEL = "alarm_control_panel.home_security"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private(directory: Path) -> dict[str, str]:
    """Every file in the data dir (and the dir) that other users could read, with its mode."""
    wide = {directory.name: oct(_mode(directory))} if _mode(directory) & 0o077 else {}
    for path in directory.iterdir():
        if path.is_file() and _mode(path) & 0o077:
            wide[path.name] = oct(_mode(path))
    return wide


def test_the_data_dir_is_private_from_the_first_byte(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    assert run_cli(data, "init", "--demo").returncode == 0
    assert _mode(data) == 0o700 and _private(data) == {}
    assert run_cli(data, "policy", "--init").returncode == 0
    assert _mode(data / "policy.yaml") == 0o600
    server = Server(data)  # a server holds the store open: its WAL and shared memory exist now
    try:
        names = {p.name for p in data.iterdir()}
        assert {"homemind.db-wal", "homemind.db-shm", "homemind.lock"} <= names
        assert _private(data) == {}
    finally:
        server.stop()


@pytest.mark.parametrize("opener", ["cli", "server"])
def test_wider_modes_are_repaired_with_a_warning(data_dir: Path, opener: str) -> None:
    data_dir.chmod(0o755)
    for name in ("home.yaml", "homemind.db"):
        (data_dir / name).chmod(0o644)
    if opener == "cli":
        result = run_cli(data_dir, "state")
        assert result.returncode == 0
        said = result.stderr.decode()
    else:
        server = Server(data_dir)
        server.stop()
        assert server.process.stdout is not None
        said = server.process.stdout.read().decode()
    assert _private(data_dir) == {}
    for name in (str(data_dir), "home.yaml", "homemind.db"):
        assert re.search(rf"warning: \S*{re.escape(name)} was open to other users \((755|644)\)", said), said
    assert "warning" not in run_cli(data_dir, "state").stderr.decode()  # once repaired, quiet


def test_the_demo_alarm_code_is_kept_hashed_not_in_the_home_file(data_dir: Path) -> None:
    text = (data_dir / "home.yaml").read_text("utf-8")
    assert DEMO_CODE not in text and f"code: {{credential: {PANEL}}}" in text
    hub = Hub.open(data_dir)
    try:
        stored = hub.store.credential(f"device:{PANEL}", "code")
        assert stored is not None and stored.startswith("$argon2") and DEMO_CODE not in stored
    finally:
        hub.store.close()
    assert DEMO_CODE.encode() not in (data_dir / "homemind.db").read_bytes()
    asked = run_cli(data_dir, "ask", "--json", "--conversation-id", "c", "disarm", "the", "alarm")
    assert b'"needs_code": true' in asked.stdout
    done = run_cli(data_dir, "ask", "--conversation-id", "c", DEMO_CODE)
    assert done.returncode == 0 and b"Disarmed" in done.stdout


def test_device_code_command_sets_it_for_admins_only(data_dir: Path) -> None:
    set_code = ("device", "code", PANEL)
    assert run_cli(data_dir, *set_code, "--as", "lily", stdin="2468\n").returncode == 1  # a child
    assert run_cli(data_dir, *set_code, "--as", "bo", stdin="2468\n").returncode == 1  # an adult
    for bad in ("12", "123456789", "12a4", ""):
        refused = run_cli(data_dir, *set_code, stdin=f"{bad}\n")
        assert refused.returncode == 2 and b"4 to 8 digits" in refused.stderr, bad
    no_code = run_cli(data_dir, "device", "code", "light.kitchen", stdin="2468\n")
    assert no_code.returncode == 2 and b"code: {credential: light.kitchen}" in no_code.stderr
    assert run_cli(data_dir, "device", "code", "lock.nowhere", stdin="2468\n").returncode == 2
    assert run_cli(data_dir, *set_code, stdin="24681357\n").returncode == 0  # the owner, 8 digits
    driver = HubDriver(data_dir)
    try:
        cid = driver.ask("disarm the alarm").conversation_id
        assert "not right" in driver.ask(DEMO_CODE, conversation_id=cid).response
        cid = driver.ask("disarm the alarm").conversation_id
        assert driver.ask("2468 1357", conversation_id=cid).status.value == "done"
        entry = next(e for e in driver.hub.store.actions(20) if e["service"] == "set_code")
        assert (entry["member"], entry["entity_id"], entry["data"]) == ("alice", PANEL, {"code": "***"})
    finally:
        driver.close()


OLD_LINE = '    code: "9876"   # the panel\'s code, from the installer\n'


def _old_home_file(data_dir: Path) -> str:
    """The demo home as older homemind wrote it: the panel's code in plain text."""
    text = demo_home_text()
    text = re.sub(r"    code: \{credential: [^}]+\}.*\n", OLD_LINE, text)
    assert OLD_LINE in text
    (data_dir / "home.yaml").write_text(text, encoding="utf-8")
    return text


def test_an_old_home_file_with_a_plain_code_is_migrated(data_dir: Path) -> None:
    old = _old_home_file(data_dir)
    asked = run_cli(data_dir, "ask", "--conversation-id", "c", "disarm", "the", "alarm")
    assert asked.returncode == 0
    assert f"moved the code of {PANEL}" in asked.stderr.decode()
    now = (data_dir / "home.yaml").read_text("utf-8")
    # Only the value changed: the comment, and every other line, are as the person wrote them.
    assert now == old.replace('"9876"', f"{{credential: {PANEL}}}") and "9876" not in now
    assert _mode(data_dir / "home.yaml") == 0o600
    done = run_cli(data_dir, "ask", "--conversation-id", "c", "9 8 7 6")
    assert done.returncode == 0 and b"Disarmed" in done.stdout
    assert "moved" not in done.stderr.decode()  # once


def test_a_plain_code_that_cannot_be_moved_is_a_clear_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_home_file(data_dir)

    def read_only(path: Path, text: str) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("homemind.datadir.write_private", read_only)
    with pytest.raises(SetupError, match=rf"cannot be rewritten .*code: \{{credential: {PANEL}\}}"):
        Hub.open(data_dir)


def test_the_parser_keeps_no_plain_code() -> None:
    home = parse_home(demo_home_text().replace(f"{{credential: {PANEL}}}", '"5555"'))
    assert home.entities[PANEL].secrets == {"code": PANEL}  # a reference, never the code
    assert "5555" not in repr(home)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_pin_lockout_says_how_long_it_lasts(data_dir: Path, language: str) -> None:
    driver = HubDriver(data_dir)
    unlock, wrong, right = {
        "en": ("unlock the front door", "0000", "2580"),
        "zh": ("打开大门", "零零零零", "二五八零"),
    }[language]
    try:
        replies = []
        for _ in range(5):
            cid = driver.ask(unlock, "bo").conversation_id
            replies.append(driver.ask(wrong, "bo", conversation_id=cid).response)
        # The fifth wrong PIN says that the PIN is now refused, and for how long.
        assert {"en": "5 minutes", "zh": "5 分钟"}[language] in replies[-1], replies
        assert all({"en": "minute", "zh": "分钟"}[language] not in r for r in replies[:-1])
        later = time.time() + 200
        driver.hub.executor.clock = lambda: later
        cid = driver.ask(unlock, "bo").conversation_id
        blocked = driver.ask(right, "bo", conversation_id=cid).response
        assert {"en": "2 minutes", "zh": "2 分钟"}[language] in blocked and driver.state(
            "lock.front_door"
        ) == "locked"
    finally:
        driver.close()


def test_a_device_code_lockout_says_how_long_it_lasts(data_dir: Path) -> None:
    driver = HubDriver(data_dir)
    try:
        driver.call("alarm_arm_away", PANEL)
        replies = []
        for _ in range(5):
            cid = driver.ask("disarm the alarm").conversation_id
            replies.append(driver.ask("0000", conversation_id=cid).response)
        assert "not right" in replies[0] and "minutes" not in replies[0]
        assert "its code is refused for the next 5 minutes" in replies[-1], replies
        cid = driver.ask("disarm the alarm").conversation_id
        blocked = driver.ask(DEMO_CODE, conversation_id=cid).response
        assert "refused for the next 5 minutes" in blocked and driver.state(PANEL) == "armed_away"
    finally:
        driver.close()
