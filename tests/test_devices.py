"""The simulated backend behind the executor: real-device behaviour, bounds, no change on error."""

from __future__ import annotations

import pytest

from conftest import HubDriver
from homemind.core.events import Event
from homemind.policy import Result


def test_light_brightness_colour_and_restore(hub: HubDriver) -> None:
    out = hub.call("turn_on", "light.floor_lamp", brightness_pct=50, color_name="red")
    assert out.result is Result.OK
    assert hub.state("light.floor_lamp") == "on"
    assert hub.attr("light.floor_lamp", "brightness") == 128
    assert hub.attr("light.floor_lamp", "rgb_color") == [255, 0, 0]
    hub.call("turn_off", "light.floor_lamp")
    hub.call("turn_on", "light.floor_lamp")
    assert hub.attr("light.floor_lamp", "brightness") == 128  # a lamp comes back as it was
    hub.call("turn_on", "light.floor_lamp", brightness_pct=0)
    assert hub.state("light.floor_lamp") == "off"


def test_toggle(hub: HubDriver) -> None:
    hub.call("toggle", "switch.kettle")
    assert hub.state("switch.kettle") == "on"
    hub.call("toggle", "switch.kettle")
    assert hub.state("switch.kettle") == "off"


@pytest.mark.parametrize(
    ("service", "entity_id", "data", "words"),
    [
        ("set_temperature", "climate.bedroom_ac", {"temperature": 40}, "between 16 and 30"),
        ("set_temperature", "climate.bedroom_ac", {"temperature": 15.5}, "between 16 and 30"),
        ("set_temperature", "water_heater.bathroom", {"temperature": 80}, "between 35 and 75"),
        ("set_temperature", "climate.bedroom_ac", {"temperature": "warm"}, "temperature"),
        ("set_temperature", "climate.bedroom_ac", {}, "temperature"),
        ("set_hvac_mode", "climate.bedroom_ac", {"hvac_mode": "turbo"}, "no turbo mode"),
        ("turn_on", "light.kitchen", {"brightness_pct": 50}, "doesn't support dimming"),
        ("turn_on", "light.bedroom", {"color_name": "red"}, "doesn't support colours"),
        ("turn_on", "light.floor_lamp", {"brightness_pct": 150}, "less than or equal to 100"),
        ("turn_on", "light.floor_lamp", {"color_name": "plaid"}, "colour plaid"),
        (
            "turn_on",
            "light.living_room_ceiling",
            {"color_temp_kelvin": 9000},
            "between 2700 and 6500",
        ),
        ("turn_on", "light.floor_lamp", {"sparkle": True}, "sparkle"),
        (
            "set_cover_position",
            "cover.living_room_curtains",
            {"position": 101},
            "less than or equal to 100",
        ),
        (
            "set_cover_position",
            "cover.living_room_curtains",
            {"position": -1},
            "greater than or equal to 0",
        ),
        (
            "volume_set",
            "media_player.living_room_tv",
            {"volume_level": 1.5},
            "less than or equal to 1",
        ),
        ("turn_on", "sensor.power_usage", {}, "can't be turned on"),
        ("lock", "light.kitchen", {}, "can't lock"),
        ("explode", "light.kitchen", {}, "no service called explode"),
        ("turn_on", "light.garage", {}, "no device called light.garage"),
        ("alarm_disarm", "alarm_control_panel.home_security", {"code": "9999"}, "not right"),
        ("alarm_disarm", "alarm_control_panel.home_security", {}, "needs its code"),
        ("alarm_disarm", "alarm_control_panel.home_security", {"code": "12a4"}, "code"),
    ],
)
def test_invalid_calls_are_clear_errors_and_change_nothing(
    hub: HubDriver, service: str, entity_id: str, data: dict, words: str
) -> None:
    hub.call("alarm_arm_away", "alarm_control_panel.home_security")
    before = hub.snapshot()
    outcome = hub.call(service, entity_id, **data)
    assert outcome.result is Result.ERROR
    assert words in outcome.error.message("en")
    assert outcome.error.message("zh") != outcome.error.message("en")
    assert hub.snapshot() == before


def test_climate_modes_and_temperatures(hub: HubDriver) -> None:
    hub.call("set_temperature", "climate.bedroom_ac", temperature=24)
    assert hub.state("climate.bedroom_ac") == "cool"  # an AC that is off starts in its last mode
    assert hub.attr("climate.bedroom_ac", "temperature") == 24
    hub.call("set_hvac_mode", "climate.bedroom_ac", hvac_mode="heat")
    hub.call("turn_off", "climate.bedroom_ac")
    assert hub.state("climate.bedroom_ac") == "off"
    hub.call("turn_on", "climate.bedroom_ac")
    assert hub.state("climate.bedroom_ac") == "heat"
    assert hub.attr("climate.bedroom_ac", "hvac_modes") == [
        "off",
        "cool",
        "heat",
        "dry",
        "fan_only",
    ]


def test_covers_locks_vacuum_media_alarm(hub: HubDriver) -> None:
    hub.call("set_cover_position", "cover.bedroom_blinds", position=40)
    assert (
        hub.state("cover.bedroom_blinds"),
        hub.attr("cover.bedroom_blinds", "current_position"),
    ) == ("open", 40)
    hub.call("close_cover", "cover.bedroom_blinds")
    assert (
        hub.state("cover.bedroom_blinds"),
        hub.attr("cover.bedroom_blinds", "current_position"),
    ) == ("closed", 0)
    hub.call("unlock", "lock.front_door")
    assert hub.state("lock.front_door") == "unlocked"
    assert hub.call("pause", "vacuum.robot").result is Result.ERROR  # docked: nothing to pause
    assert hub.call("return_to_base", "vacuum.robot").result is Result.OK
    assert hub.state("vacuum.robot") == "docked"  # already home
    for service, state in [
        ("start", "cleaning"),
        ("pause", "paused"),
        ("return_to_base", "returning"),
    ]:
        hub.call(service, "vacuum.robot")
        assert hub.state("vacuum.robot") == state
    tv = "media_player.living_room_tv"
    assert hub.call("volume_set", tv, volume_level=0.5).result is Result.ERROR  # off: ignores volume
    hub.call("turn_on", tv)
    hub.call("volume_set", tv, volume_level=0.5)
    hub.call("volume_mute", tv, is_volume_muted=True)
    hub.call("media_play", tv)
    assert hub.state(tv) == "playing"
    assert (hub.attr(tv, "volume_level"), hub.attr(tv, "is_volume_muted")) == (0.5, True)
    panel = "alarm_control_panel.home_security"
    hub.call("alarm_arm_home", panel)
    assert hub.state(panel) == "armed_home"
    assert hub.call("alarm_disarm", panel, code="1234").result is Result.OK
    assert hub.state(panel) == "disarmed"


def test_state_changes_are_events_with_context(hub: HubDriver) -> None:
    seen: list[Event] = []
    hub.hub.bus.subscribe(seen.append)
    hub.call("turn_on", "switch.kettle")
    hub.call("turn_on", "switch.kettle")  # no change, no event
    # The simulated power meter follows what is on: the kettle's change, then the meter's.
    assert [e.data["entity_id"] for e in seen] == ["switch.kettle", "sensor.power_usage"]
    event = seen[0].as_dict()
    assert event["type"] == "state_changed"
    assert event["data"]["entity_id"] == "switch.kettle"
    assert (event["data"]["old_state"]["state"], event["data"]["new_state"]["state"]) == (
        "off",
        "on",
    )
    assert event["context"]["member"] == "alice"


def test_a_failing_listener_does_not_undo_the_change(hub: HubDriver) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    hub.hub.bus.subscribe(broken)
    assert hub.call("turn_on", "switch.kettle").result is Result.OK
    assert hub.state("switch.kettle") == "on"


def test_every_action_is_logged_without_secrets(hub: HubDriver) -> None:
    hub.call("turn_on", "switch.kettle")
    hub.call("alarm_disarm", "alarm_control_panel.home_security", code="1234")
    hub.call("set_temperature", "climate.bedroom_ac", temperature=99)
    log = hub.hub.store.actions()
    assert [(a["entity_id"], a["result"]) for a in log] == [
        ("climate.bedroom_ac", "error"),
        ("alarm_control_panel.home_security", "ok"),
        ("switch.kettle", "ok"),
    ]
    assert log[1]["data"] == {"code": "***"}
    assert "16 and 30" in log[0]["detail"]


def test_a_returning_vacuum_docks(data_dir) -> None:
    import asyncio

    from homemind.app import Hub

    async def scenario() -> list[str]:
        hub = Hub.open(data_dir)
        hub.backend._return_seconds, hub.backend._tick_seconds = 0.1, 0.02  # type: ignore[attr-defined]
        await hub.start()
        actor = hub.actor(None, "test", direct=True)
        await hub.executor.execute(actor, "vacuum.robot", "start")
        await hub.executor.execute(actor, "vacuum.robot", "return_to_base")
        seen = [hub.states.get("vacuum.robot").state]
        await asyncio.sleep(0.3)
        seen.append(hub.states.get("vacuum.robot").state)  # arrived while the hub ran
        await hub.executor.execute(actor, "vacuum.robot", "start")
        await hub.executor.execute(actor, "vacuum.robot", "return_to_base")
        await hub.stop()  # stopped on its way home ...
        reader = Hub.open(data_dir)
        await reader.start()  # ... a process looking at once changes nothing ...
        seen.append(reader.states.get("vacuum.robot").state)
        await reader.stop()
        await asyncio.sleep(0.15)
        again = Hub.open(data_dir)
        again.backend._return_seconds = 0.1  # type: ignore[attr-defined]
        await again.start()  # ... and one after the journey finds it docked
        seen.append(again.states.get("vacuum.robot").state)
        await again.stop()
        return seen

    assert asyncio.run(scenario()) == ["returning", "docked", "returning", "docked"]
