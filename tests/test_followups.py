"""Follow-ups: a conversation remembers what its last command was about, for a few minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from conftest import HubDriver, run_cli


def test_and_the_bedroom_too(hub: HubDriver) -> None:
    hub.ask("turn on the kitchen light", conversation_id="c1")
    result = hub.ask("and the bedroom too", conversation_id="c1")
    assert result.status.value == "done", result.response
    assert hub.state("light.bedroom") == "on"
    assert hub.state("light.kitchen") == "on"
    assert result.intent is not None and result.intent.tier == "follow-up"


def test_turn_it_back_on(hub: HubDriver) -> None:
    hub.call("turn_on", "light.living_room_ceiling")
    hub.ask("turn off the living room light", conversation_id="c2")
    assert hub.state("light.living_room_ceiling") == "off"
    result = hub.ask("turn it back on", conversation_id="c2")
    assert result.status.value == "done", result.response
    assert hub.state("light.living_room_ceiling") == "on"


def test_a_bit_more_continues_the_last_step(hub: HubDriver) -> None:
    hub.ask("set the floor lamp to 30%", conversation_id="c3")
    first = hub.attr("light.floor_lamp", "brightness")
    result = hub.ask("a bit more", conversation_id="c3")
    assert result.status.value == "done", result.response
    assert hub.attr("light.floor_lamp", "brightness") > first
    hub.ask("less", conversation_id="c3")
    assert hub.attr("light.floor_lamp", "brightness") < hub.attr("light.floor_lamp", "brightness") + 1


def test_chinese_brighter_and_dimmer(hub: HubDriver) -> None:
    hub.ask("把落地灯调到百分之五十", conversation_id="z1")
    half = hub.attr("light.floor_lamp", "brightness")
    assert hub.ask("再亮一点", conversation_id="z1").status.value == "done"
    brighter = hub.attr("light.floor_lamp", "brightness")
    assert brighter > half
    assert hub.ask("再暗一点", conversation_id="z1").status.value == "done"
    assert hub.attr("light.floor_lamp", "brightness") < brighter


def test_chinese_the_bedroom_too(hub: HubDriver) -> None:
    hub.call("turn_on", "light.kitchen")
    hub.call("turn_on", "light.bedroom")
    hub.ask("把厨房灯关掉", conversation_id="z2")
    assert hub.state("light.kitchen") == "off"
    result = hub.ask("卧室的也关了", conversation_id="z2")
    assert result.status.value == "done", result.response
    assert hub.state("light.bedroom") == "off"


def test_volume_follow_up_keeps_direction(hub: HubDriver) -> None:
    hub.call("turn_on", "media_player.living_room_tv")
    hub.call("volume_set", "media_player.living_room_tv", volume_level=0.5)
    hub.ask("turn the volume down on the tv", conversation_id="v1")
    lower = hub.attr("media_player.living_room_tv", "volume_level")
    assert lower < 0.5
    assert hub.ask("more", conversation_id="v1").status.value == "done"
    assert hub.attr("media_player.living_room_tv", "volume_level") < lower


def test_context_belongs_to_its_conversation_and_member(hub: HubDriver) -> None:
    hub.ask("turn on the kitchen light", conversation_id="mine")
    other = hub.ask("and the bedroom too", member="bo", conversation_id="mine")
    assert hub.state("light.bedroom") == "off", other.response
    elsewhere = hub.ask("and the bedroom too", conversation_id="another")
    assert hub.state("light.bedroom") == "off", elsewhere.response


def test_context_expires(hub: HubDriver) -> None:
    hub.ask("turn on the kitchen light", conversation_id="old")
    store = hub.hub.store
    payload, _ = store.get_context("old", hub.hub.home.owner) or ({}, 0)
    store.put_context("old", hub.hub.home.owner, payload, time.time() - 3600)
    result = hub.ask("and the bedroom too", conversation_id="old")
    assert hub.state("light.bedroom") == "off", result.response


def test_a_confirmation_never_carries_over(hub: HubDriver) -> None:
    first = hub.ask("unlock the front door", conversation_id="door")
    assert first.status.value == "needs_confirmation"
    assert hub.ask("2580", conversation_id="door").status.value == "done"
    assert hub.state("lock.front_door") == "unlocked"
    assert hub.ask("lock it", conversation_id="door").status.value == "done"
    assert hub.state("lock.front_door") == "locked"
    again = hub.ask("unlock it", conversation_id="door")
    assert again.status.value == "needs_confirmation", again.response
    assert hub.state("lock.front_door") == "locked"


def test_follow_ups_through_the_api(api: httpx.Client) -> None:
    def say(text: str, conversation_id: str) -> dict:
        response = api.post("/api/conversation", json={"text": text, "conversation_id": conversation_id})
        assert response.status_code == 200
        return response.json()

    say("turn on the kitchen light", "api-1")
    assert say("and the bedroom too", "api-1")["status"] == "done"
    bedroom = api.get("/api/entities/light.bedroom").json()
    assert bedroom["state"] == "on"


def test_follow_ups_across_cli_processes(data_dir: Path) -> None:
    first = run_cli(data_dir, "ask", "--json", "--conversation-id", "cli-1", "turn on the kitchen light")
    assert first.returncode == 0, first.stderr
    second = run_cli(data_dir, "ask", "--json", "--conversation-id", "cli-1", "and the bedroom too")
    assert json.loads(second.stdout)["status"] == "done", second.stdout
    state = run_cli(data_dir, "state", "--json")
    assert json.loads(state.stdout)["entities"]["light.bedroom"]["state"] == "on"


def test_a_question_is_never_a_command_but_may_follow_one(hub: HubDriver) -> None:
    hub.ask("lock the front door", conversation_id="q")
    hub.call("unlock", "lock.front_door")
    answer = hub.ask("大门锁了吗", conversation_id="q")
    assert answer.status.value == "answered", answer.response
    assert hub.state("lock.front_door") == "unlocked"
    hub.call("turn_on", "light.kitchen")
    assert hub.ask("is the kitchen light on?", conversation_id="q2").status.value == "answered"
    follow = hub.ask("and the bedroom light?", conversation_id="q2")
    assert follow.status.value == "answered", follow.response
    assert follow.response.startswith("No"), follow.response
