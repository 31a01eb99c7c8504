"""The `homemind` command's contract: init, ask, call, state, serve; exit codes and errors."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    data = tmp_path / "d"
    first = run_cli(data, "init", "--demo")
    assert first.returncode == 0 and (data / "home.yaml").exists()
    again = run_cli(data, "init", "--demo")
    assert again.returncode == 2 and b"already exists; use --force" in again.stderr
    run_cli(data, "call", "turn_on", "switch.kettle")
    forced = run_cli(data, "init", "--demo", "--force")
    assert forced.returncode == 0
    state = json.loads(run_cli(data, "state", "--json").stdout)
    assert state["entities"]["switch.kettle"]["state"] == "off"  # --force resets state too


def test_data_option_wins_over_environment(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "env", "--data", str(tmp_path / "flag"), "init", "--demo")
    assert result.returncode == 0
    assert (tmp_path / "flag" / "home.yaml").exists() and not (tmp_path / "env").exists()
    result = run_cli(tmp_path / "env", "ask", "--data", str(tmp_path / "flag"), "turn on the kettle")
    assert result.stdout.decode().strip() == "Turned on the Kettle."


def test_no_home_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "empty", "ask", "turn on the kettle")
    assert result.returncode == 2
    assert b"homemind init --demo" in result.stderr


def test_invalid_home_file_is_reported_with_line(data_dir: Path) -> None:
    home = data_dir / "home.yaml"
    home.write_text(home.read_text().replace("area: kitchen\n", "area: kitchn\n", 1))
    result = run_cli(data_dir, "state")
    assert result.returncode == 2
    assert b"home.yaml:" in result.stderr and b"unknown area 'kitchn'" in result.stderr


def test_ask_json_contract(data_dir: Path) -> None:
    result = run_cli(data_dir, "ask", "--json", "set the bedroom ac to 24 degrees")
    assert result.returncode == 0
    reply = json.loads(result.stdout)
    assert set(reply) >= {"status", "response", "language", "intent", "actions"}
    assert reply["status"] == "done" and reply["language"] == "en"
    assert reply["intent"]["name"] == "HassClimateSetTemperature"
    assert reply["intent"]["tier"] == "template"
    assert reply["intent"]["slots"]["temperature"] == 24
    assert reply["actions"] == [
        {
            "entity_id": "climate.bedroom_ac",
            "service": "set_temperature",
            "data": {"temperature": 24.0},
            "result": "ok",
            "error": None,
        }
    ]


def test_ask_as_member_and_language(data_dir: Path) -> None:
    refused = run_cli(data_dir, "ask", "--as", "lily", "--json", "unlock the front door")
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "refused"
    unknown = run_cli(data_dir, "ask", "--as", "mallory", "hello")
    assert unknown.returncode == 2 and b"unknown member 'mallory'" in unknown.stderr
    forced = run_cli(data_dir, "ask", "--lang", "zh", "--json", "turn on the kettle")
    assert json.loads(forced.stdout)["language"] == "zh"


def test_ask_exit_codes(data_dir: Path) -> None:
    assert run_cli(data_dir, "ask", "turn", "on", "the", "kettle").returncode == 0
    assert run_cli(data_dir, "ask", "is the kettle on").returncode == 0
    assert run_cli(data_dir, "ask", "gibberish words here").returncode == 1
    assert run_cli(data_dir, "ask", "set the bedroom ac to 99 degrees").returncode == 1


def test_stdin_mode_survives_bad_lines(data_dir: Path) -> None:
    lines = b"turn on the kettle\n\xff\xfe not utf-8\n\n" + b"a" * 10_000 + b"\nturn off the kettle\n"
    result = run_cli(data_dir, "ask", "--json", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["status"] for r in replies] == ["done", "error", "error", "error", "done"]
    assert "not readable" in replies[1]["response"]
    assert "too long" in replies[3]["response"]


def test_call_service(data_dir: Path) -> None:
    result = run_cli(data_dir, "call", "set_temperature", "climate.bedroom_ac", "temperature=24")
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert out["result"] == "ok" and out["state"]["attributes"]["temperature"] == 24
    colour = run_cli(data_dir, "call", "turn_on", "light.floor_lamp", "rgb_color=[10,20,30]")
    assert json.loads(colour.stdout)["state"]["attributes"]["rgb_color"] == [10, 20, 30]
    # The owner's direct call is not held for confirmation (but is logged).
    unlock = run_cli(data_dir, "call", "unlock", "lock.front_door")
    assert json.loads(unlock.stdout)["state"]["state"] == "unlocked"


def test_call_errors(data_dir: Path) -> None:
    cases = [
        (("set_temperature", "climate.bedroom_ac", "temperature=40"), "between 16 and 30"),
        (("turn_on", "light.garage"), "no device called light.garage"),
        (("fly", "light.kitchen"), "no service called fly"),
        (("set_temperature", "climate.bedroom_ac", "temp=20"), "temp"),
        (("alarm_disarm", "alarm_control_panel.home_security", "code=0000"), "not right"),
    ]
    for args, words in cases:
        result = run_cli(data_dir, "call", *args)
        assert result.returncode == 1, args
        assert words in json.loads(result.stdout)["error"], args
    bad = run_cli(data_dir, "call", "turn_on", "light.kitchen", "brightness")
    assert bad.returncode == 2 and b"key=value" in bad.stderr


def test_state_json(data_dir: Path) -> None:
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)
    entities = state["entities"]
    assert len(entities) == 36  # the demo home, Grandma's watch and sensors included
    assert entities["sensor.living_room_temperature"] == {
        "state": "26.5",
        "attributes": {
            "unit_of_measurement": "°C",
            "state_class": "measurement",
            "friendly_name": "Living Room Temperature",
            "device_class": "temperature",
        },
    }
    assert entities["lock.front_door"]["state"] == "locked"
    assert "code" not in json.dumps(entities["alarm_control_panel.home_security"])


def test_serve_refuses_non_loopback(data_dir: Path) -> None:
    result = run_cli(data_dir, "serve", "--host", "0.0.0.0", "--port", "1")
    assert result.returncode == 2 and b"loopback" in result.stderr


def test_service_data_words_and_numbers(data_dir: Path) -> None:
    off = run_cli(data_dir, "call", "set_hvac_mode", "climate.bedroom_ac", "hvac_mode=off")
    assert json.loads(off.stdout)["result"] == "ok"  # YAML 1.1 would have read `off` as false
    for args, words in [
        (("set_cover_position", "cover.bedroom_blinds", "position=true"), "not true/false"),
        (("turn_on", "light.floor_lamp", "rgb_color=[true,false,1]"), "not true/false"),
        (("set_temperature", "climate.bedroom_ac", "temperature=.nan"), "valid number"),
        (("set_temperature", "climate.bedroom_ac", "temperature=.inf"), "valid number"),
        (("set_temperature", "climate.bedroom_ac", "temperature=24.3"), "steps of 0.5"),
        (("turn_on", "light.floor_lamp", "rgb_color=[1,2]"), "rgb_color"),
        (("turn_on", "light.floor_lamp", "brightness_pct=abc"), "brightness_pct"),
    ]:
        result = run_cli(data_dir, "call", *args)
        assert result.returncode == 1, args
        assert words in json.loads(result.stdout)["error"], (args, result.stdout)
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)["entities"]
    assert state["cover.bedroom_blinds"]["attributes"]["current_position"] == 0


def test_unreadable_arguments(data_dir: Path) -> None:
    result = run_cli(data_dir, "call", "turn_on", "light.\udcff")
    assert result.returncode == 1
    assert "unreadable text" in json.loads(result.stdout)["error"]


def test_port_must_be_a_port(data_dir: Path) -> None:
    for port in ("99999", "0x", "-1"):
        result = run_cli(data_dir, "serve", "--port", port)
        assert result.returncode == 2 and b"--port" in result.stderr


def test_confirmation_across_separate_asks(data_dir: Path) -> None:
    first = run_cli(data_dir, "ask", "--json", "--conversation-id", "door-1", "unlock the front door")
    assert json.loads(first.stdout)["status"] == "needs_confirmation"
    other = run_cli(data_dir, "ask", "--as", "bo", "--json", "--conversation-id", "door-1", "2580")
    assert json.loads(other.stdout)["status"] != "done"  # not Bo's to confirm
    yes = run_cli(data_dir, "ask", "--json", "--conversation-id", "door-1", "2580")
    assert json.loads(yes.stdout)["status"] == "done"
    again = run_cli(data_dir, "ask", "--json", "--conversation-id", "door-1", "2580")
    assert json.loads(again.stdout)["status"] != "done"  # used once
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)["entities"]
    assert state["lock.front_door"]["state"] == "unlocked"
