"""Times and conditions never act now: they are read back, stored on "yes", and run as their maker.

The property test says every device command of the demo home, with every form of time
and condition we know of, before or after it, in English and Chinese, changes nothing
when said: whatever the reply (a read-back, "when exactly?", "I can't watch for that"),
no device moves and no action is reported done; nor when its "which one?" is answered.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import httpx
import pytest

from conftest import HubDriver, run_cli
from homemind.app import Hub, init_data_dir
from homemind.household import ManualClock

# Each would change the demo home as it starts (lights off, curtains closed, TV off...).
EN_ACTIONS = [
    "turn on the balcony light", "turn off the kitchen light", "open the curtains",
    "close the blinds halfway", "set the bedroom ac to 24 degrees", "turn on the kettle", "start the vacuum",
    "set the floor lamp to 30%", "turn on the tv", "arm the alarm", "set the water heater to 55 degrees",
    "turn on the exhaust fan",
    "unlock the front door", "turn on the lights in the kitchen and the living room",
    "turn on the ac", "turn on the kitchen light and the ac",  # which one? the answer is for later too
]  # fmt: skip
EN_WHEN = [
    "every day at 7pm", "at 10 tonight", "in 20 minutes", "tomorrow morning", "on weekdays at 6:30",
    "every monday at 8am", "at noon", "in half an hour", "later", "tomorrow at 7",
    "when the front door opens", "if it gets above 28 degrees", "when nobody is home",
    "once the washing machine finishes", "whenever the kettle turns on",
]  # fmt: skip
ZH_ACTIONS = [
    "打开阳台灯", "关掉厨房灯", "打开窗帘", "把卧室空调调到二十四度", "打开电水壶", "让扫地机器人开始打扫",
    "把落地灯亮度调到百分之三十", "打开电视", "布防", "把热水器调到五十五度", "打开排气扇", "把大门打开",
    "把客厅灯和卧室灯都打开", "打开空调", "打开厨房灯和空调",
]  # fmt: skip
ZH_WHEN = [
    "每天晚上七点", "今晚十点", "二十分钟后", "明早六点半", "工作日早上六点半", "每周一早上八点",
    "中午十二点", "半小时后", "等会儿", "明天下午三点",
    "门开的时候", "温度超过28度的时候", "没人的时候", "如果洗衣机洗完了就", "电水壶打开的时候",
]  # fmt: skip


def sentences(language: str) -> list[str]:
    if language == "en":
        return [
            s
            for action, when in itertools.product(EN_ACTIONS, EN_WHEN)
            for s in (f"{action} {when}", f"{when}, {action}", f"{when} {action}")
        ]
    said = []
    for action, when in itertools.product(ZH_ACTIONS, ZH_WHEN):
        said.append(f"{when}{action}")
        if not when.endswith("就"):
            said.append(f"{when}，{action}")
    return said


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> HubDriver:
    directory = tmp_path_factory.mktemp("schedules") / "data"
    init_data_dir(directory, demo=True)
    driver = HubDriver(directory)
    driver.call("turn_on", "light.kitchen")
    return driver


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_time_or_condition_changes_a_device_at_once(home: HubDriver, language: str) -> None:
    said = sentences(language)
    assert len(said) > 300
    before = home.snapshot()["entities"]
    acted = []
    for index, text in enumerate(said):
        result = home.ask(text, conversation_id=f"{language}-{index}")
        if result.question is not None:  # "which one?": answered, it is still for later
            text = f"{text} / {result.question['choices'][0]['label']}"
            result = home.ask(text.rpartition(" / ")[2], conversation_id=f"{language}-{index}")
        done = [a for a in result.actions if a.result.value == "ok"]
        if done or result.status.value == "done":
            acted.append(f"{text!r}: {result.status.value} {result.response}")
    after = home.snapshot()["entities"]
    changed = {e: (before[e]["state"], after[e]["state"]) for e in before if before[e] != after[e]}
    assert not acted, "\n".join(acted)
    assert not changed, changed


def test_readbacks_say_when_and_what(home: HubDriver) -> None:
    result = home.ask("每天晚上七点打开阳台灯", conversation_id="readback-zh")
    assert result.status.value == "needs_confirmation"
    assert result.response == "每天19:00打开阳台灯，可以吗？"
    result = home.ask("turn on the balcony light every day at 7pm", conversation_id="readback-en")
    assert result.response == "Every day at 19:00 I'll turn on the Balcony Light. OK?"


# --- stored, run, listed, removed ----------------------------------------------------------


def _listed(hub: Hub) -> list[dict]:
    return [a.as_dict() for a in hub.automations.list(hub.actor())]


def _hub(directory: Path, clock: ManualClock) -> Hub:
    init_data_dir(directory, demo=True)
    return Hub.open(directory, clock=clock)


def test_an_automation_runs_at_its_time_with_its_makers_permissions(tmp_path: Path) -> None:
    clock = ManualClock(1_778_328_000.0)  # 2026-05-09 20:00 in Shanghai

    async def scenario() -> None:
        hub = _hub(tmp_path / "data", clock)
        await hub.start()
        try:
            lily = hub.actor("lily", "test")
            said = "turn on the balcony light in 10 minutes"
            asked = await hub.conversation.process(said, lily, conversation_id="c")
            assert asked.status.value == "needs_confirmation", asked.response
            saved = await hub.conversation.process("yes", lily, conversation_id="c")
            assert saved.status.value == "done", saved.response
            [made] = [a for a in _listed(hub) if a["id"].startswith("said_")]
            assert made["creator"] == "lily"
            assert hub.states.get("light.balcony").state == "off"
            clock.advance(11 * 60)
            await hub.scheduler.tick()
            assert hub.states.get("light.balcony").state == "on"
            entries = hub.store.actions(member="lily")
            ran = [e for e in entries if e["channel"] == "automation:generated"]
            assert ran and ran[0]["entity_id"] == "light.balcony" and ran[0]["result"] == "ok"
            assert not [a for a in _listed(hub) if a["id"].startswith("said_")]  # a one-off goes
        finally:
            await hub.stop()

    asyncio.run(scenario())


def test_a_runs_permissions_are_checked_when_it_runs(tmp_path: Path) -> None:
    """Lily may switch on her light today; if the policy changes, her automation may not either."""
    clock = ManualClock(1_778_328_000.0)
    directory = tmp_path / "data"

    async def make() -> None:
        hub = _hub(directory, clock)
        await hub.start()
        try:
            lily = hub.actor("lily", "test")
            said = "turn on the night light every day at 9pm"
            await hub.conversation.process(said, lily, conversation_id="c")
            assert (await hub.conversation.process("yes", lily, conversation_id="c")).status.value == "done"
        finally:
            await hub.stop()

    asyncio.run(make())
    policy = "roles:\n  child:\n    default: allow\n    lights: deny\n"
    (directory / "policy.yaml").write_text(policy, "utf-8")

    async def run() -> None:
        hub = Hub.open(directory, clock=clock)
        await hub.start()
        try:
            clock.advance(3601)
            await hub.scheduler.tick()
            assert hub.states.get("light.kids_room").state == "off"
            refused = [e for e in hub.store.actions(member="lily") if e["result"] == "refused"]
            assert refused and refused[0]["entity_id"] == "light.kids_room"
        finally:
            await hub.stop()

    asyncio.run(run())


def test_a_condition_runs_when_the_state_changes(hub: HubDriver) -> None:
    hub.hub.automations.listen()  # as `homemind serve` does
    hub.ask("when the front door opens turn on the living room light", conversation_id="door")
    assert hub.ask("yes", conversation_id="door").status.value == "done"
    assert hub.state("light.living_room_ceiling") == "off"

    async def door_opens() -> None:
        hub.hub.states.set("binary_sensor.front_door_contact", "on")
        await hub.hub.automations.settle()

    asyncio.run(door_opens())
    assert hub.state("light.living_room_ceiling") == "on"


def test_enable_switches_the_automation_never_its_devices(hub: HubDriver) -> None:
    result = hub.ask("enable the morning curtains automation")
    assert result.status.value == "done", result.response
    assert hub.state("cover.living_room_curtains") == "closed"
    assert next(a for a in _listed(hub.hub) if a["id"] == "morning_curtains")["enabled"] is True


def test_a_child_cannot_switch_the_home_files_automations(hub: HubDriver) -> None:
    result = hub.ask("disable the door at night automation", "lily")
    assert result.status.value == "refused", result.response
    assert next(a for a in _listed(hub.hub) if a["id"] == "door_at_night")["enabled"] is True


def test_cli_lists_and_removes_spoken_automations(data_dir: Path) -> None:
    said = "turn on the balcony light every day at 7pm\nyes\n"
    assert run_cli(data_dir, "ask", "-", stdin=said).returncode == 0
    listed = json.loads(run_cli(data_dir, "automations", "--json").stdout)
    made = [a for a in listed if a["id"].startswith("said_")]
    assert len(made) == 1 and "Balcony Light" in made[0]["name"] and made[0]["creator"] == "alice"
    assert run_cli(data_dir, "automations", "disable", made[0]["id"]).returncode == 0
    assert run_cli(data_dir, "automations", "remove", made[0]["id"]).returncode == 0
    listed = json.loads(run_cli(data_dir, "automations", "--json").stdout)
    assert not [a for a in listed if a["id"].startswith("said_")]
    refused = run_cli(data_dir, "automations", "remove", "door_at_night")
    assert refused.returncode == 1 and b"home file" in refused.stderr


def test_api_removes_spoken_automations(api: httpx.Client) -> None:
    def say(text: str) -> dict:
        return api.post("/api/conversation", json={"text": text, "conversation_id": "api-auto"}).json()

    assert say("每天晚上七点打开阳台灯")["status"] == "needs_confirmation"
    assert say("好的")["status"] == "done"
    made = [a for a in api.get("/api/automations").json() if a["id"].startswith("said_")]
    assert len(made) == 1 and "阳台灯" in made[0]["names"]["zh"]
    assert api.delete(f"/api/automations/{made[0]['id']}").status_code == 200
    assert api.delete(f"/api/automations/{made[0]['id']}").status_code == 404
    assert api.delete("/api/automations/door_at_night").status_code == 409
