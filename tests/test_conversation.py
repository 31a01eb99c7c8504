"""The conversation pipeline in-process: bad input, confirmations, languages, ambiguity."""

from __future__ import annotations

import pytest

from conftest import HubDriver
from homemind.conversation import pipeline
from homemind.policy import Actor
from homemind.skills import Reply, Status


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Say or type a command"),
        ("   \n\t ", "Say or type a command"),
        ("turn on the light " * 600, "too long (10800 characters)"),
        ("x" * 10_000, "too long (10000 characters)"),
        ("turn on\x00 the kettle", "not readable text"),
        ("\x1b[31mturn on the kettle", "not readable text"),
        ("turn on the kettle \udcff\udcfe", "not readable text"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(hub: HubDriver, text: str, words: str) -> None:
    before = hub.snapshot()
    result = hub.ask(text)
    assert result.status.value == "error"
    assert words in result.response
    assert hub.snapshot() == before


@pytest.mark.parametrize(
    ("text", "status", "words"),
    [
        ("turn on the air purifier in the kitchen", "error", "device called air purifier"),
        ("turn off the lights in the attic", "error", "no room called attic"),
        ("turn on the blender", "error", "device called blender"),
        ("打开空气净化器", "error", "空气净化器"),
        ("blah blah", "not_understood", "didn't understand"),
        ("🤖🤖🤖", "not_understood", "didn't understand"),
        ("what is the meaning of life", "not_understood", "Sorry"),
        ("今天天气真好啊我们去公园玩吧", "not_understood", "抱歉"),
    ],
)
def test_unknown_devices_and_nonsense(hub: HubDriver, text: str, status: str, words: str) -> None:
    before = hub.snapshot()
    result = hub.ask(text)
    assert (result.status.value, result.actions) == (status, [])
    assert words in result.response
    assert hub.snapshot() == before


@pytest.mark.parametrize(
    ("text", "place"), [("turn on the garage light", "garage"), ("打开车库的灯", "车库")]
)
def test_a_room_the_home_lacks_is_named_not_guessed(hub: HubDriver, text: str, place: str) -> None:
    before = hub.snapshot()
    result = hub.ask(text)
    assert (result.status.value, result.actions) == ("error", [])
    assert place in result.response
    assert hub.snapshot() == before


@pytest.mark.parametrize(
    ("text", "entity_id"),
    [("put the kettle on", "switch.kettle"), ("turn on the kitchen light 💡", "light.kitchen")],
)
def test_what_templates_miss_the_learned_tier_catches(hub: HubDriver, text: str, entity_id: str) -> None:
    result = hub.ask(text)
    assert result.status.value == "done", result.response
    assert result.intent is not None and result.intent.tier == "learned"
    assert hub.state(entity_id) == "on"


def test_reply_language_follows_the_sentence(hub: HubDriver) -> None:
    assert hub.ask("turn on the kettle", "bo").language == "en"  # Bo's default is zh
    assert hub.ask("关掉电水壶", "alice").language == "zh"
    assert hub.ask("把 TV 打开").response == "已打开电视。"
    assert hub.ask("把 living room 的灯关掉").status.value == "done"
    assert hub.ask("", "bo").response == "请说出或输入一条指令。"  # empty: the member's language


def test_ambiguous_light_asks_which(hub: HubDriver) -> None:
    result = hub.ask("turn on the light")
    assert result.status.value == "not_understood"
    assert "Which one" in result.response and "Floor Lamp" in result.response
    assert all(hub.state(e) == "off" for e in ("light.kitchen", "light.floor_lamp"))


def test_questions_never_change_state(hub: HubDriver) -> None:
    before = hub.snapshot()
    for text in (
        "is the front door locked",
        "what's the temperature",
        "客厅现在多少度",
        "how much power are we using",
        "大门锁了吗",
        "are any lights on",
    ):
        assert hub.ask(text).status.value == "answered", text
    assert hub.snapshot() == before


def test_confirmation_binds_to_member_and_conversation(hub: HubDriver) -> None:
    prompt = hub.ask("unlock the front door", "alice")
    assert prompt.status.value == "needs_confirmation"
    assert "unlock the Front Door" in prompt.response
    cid = prompt.conversation_id
    # Another member in the same conversation cannot confirm it ...
    assert hub.ask("yes", "bo", conversation_id=cid).status.value != "done"
    # ... nor can the same member in another conversation.
    assert hub.ask("yes", "alice").status.value != "done"
    assert hub.state("lock.front_door") == "locked"
    assert hub.ask("2580", "alice", conversation_id=cid).status.value == "done"
    assert hub.state("lock.front_door") == "unlocked"
    # A confirmation is used once: replaying it does nothing more.
    hub.call("lock", "lock.front_door")
    assert hub.ask("2580", "alice", conversation_id=cid).status.value != "done"
    assert hub.state("lock.front_door") == "locked"


def test_confirmation_expires(hub: HubDriver) -> None:
    prompt = hub.ask("unlock the front door")
    later = hub.hub.executor.clock() + 31
    hub.hub.executor.clock = lambda: later
    late = hub.ask("2580", conversation_id=prompt.conversation_id)
    assert late.status.value == "error" and "expired" in late.response
    assert hub.state("lock.front_door") == "locked"


def test_no_cancels_and_a_new_command_drops_the_prompt(hub: HubDriver) -> None:
    cid = hub.ask("unlock the front door").conversation_id
    assert hub.ask("no", conversation_id=cid).response == "OK, I won't do it."
    assert hub.ask("2580", conversation_id=cid).status.value != "done"
    cid = hub.ask("打开大门").conversation_id
    assert hub.ask("打开电水壶", conversation_id=cid).status.value == "done"
    assert hub.ask("二五八零", conversation_id=cid).status.value != "done"
    assert hub.state("lock.front_door") == "locked"


def test_confirmation_never_comes_from_the_same_utterance(hub: HubDriver) -> None:
    for text in ("unlock the front door yes", "yes unlock the front door", "disarm the alarm 1234"):
        assert hub.ask(text).status.value in ("needs_confirmation", "not_understood", "error")
    assert hub.state("lock.front_door") == "locked"


def test_alarm_code_flow(hub: HubDriver) -> None:
    hub.call("alarm_arm_away", "alarm_control_panel.home_security")
    cid = hub.ask("disarm the alarm").conversation_id
    assert hub.ask("yes", conversation_id=cid).status.value != "done"  # a code is needed, not a yes
    cid = hub.ask("disarm the alarm").conversation_id
    wrong = hub.ask("9 9 9 9", conversation_id=cid)
    assert wrong.status.value == "error" and "not right" in wrong.response
    assert hub.state("alarm_control_panel.home_security") == "armed_away"
    cid = hub.ask("撤防", "bo").conversation_id
    assert hub.ask("幺二三四", "bo", conversation_id=cid).status.value == "done"
    assert hub.state("alarm_control_panel.home_security") == "disarmed"
    assert all(a["data"].get("code") in (None, "***") for a in hub.hub.store.actions())


@pytest.mark.parametrize("member", ["lily", "guest"])
def test_children_and_guests_may_not_unlock(hub: HubDriver, member: str) -> None:
    result = hub.ask("unlock the front door", member)
    assert result.status.value == "refused"
    assert hub.state("lock.front_door") == "locked"
    assert hub.ask("lock the front door", member).status.value == "done"  # the safe direction


def test_partial_failure_says_what_failed(hub: HubDriver) -> None:
    result = hub.ask("turn on the floor lamp")
    assert result.status.value == "done"
    result = hub.ask("set the living room ac to 35 degrees")
    assert result.status.value == "error"
    assert "16 and 30" in result.response


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1234", "1234"),
        ("one two three four", "1234"),
        ("the code is 0 0 7 1", "0071"),
        ("一二三四", "1234"),
        ("12", None),
        ("turn on the light", None),
        ("123456789", None),
    ],
)
def test_spoken_code(text: str, code: str | None) -> None:
    assert pipeline.spoken_code(text) == code


@pytest.mark.parametrize(
    ("setup", "text", "status", "expect"),
    [
        ([], "turn on the kitchen", "done", {"light.kitchen": "on"}),
        ([("turn_on", "light.bedroom")], "关掉卧室", "done", {"light.bedroom": "off"}),
        ([], "打开客厅", "done", {"light.living_room_ceiling": "on", "light.floor_lamp": "on"}),
        (
            [("open_cover", "cover.living_room_curtains")],
            "close all the curtains",
            "done",
            {"cover.living_room_curtains": "closed"},
        ),
        (
            [("open_cover", "cover.living_room_curtains")],
            "拉上窗帘",
            "done",
            {"cover.living_room_curtains": "closed"},
        ),
        (
            [],
            "把所有窗帘都打开",
            "done",
            {"cover.living_room_curtains": "open", "cover.bedroom_blinds": "open"},
        ),
        ([], "make it 22 degrees in the bedroom", "done", {"climate.bedroom_ac@temperature": 22}),
        (
            [("turn_off", "water_heater.bathroom")],
            "turn on the hot water",
            "done",
            {"water_heater.bathroom": "electric"},
        ),
        ([], "打开所有的灯", "done", {"light.balcony": "on", "light.kids_room": "on"}),
        ([], "turn on the lights", "done", {"light.balcony": "on", "light.kitchen": "on"}),
        ([], "把窗帘打开一半", "done", {"cover.living_room_curtains@current_position": 50}),
        ([("turn_on", "light.floor_lamp")], "把落地灯调到零", "done", {"light.floor_lamp": "off"}),
        (
            [("turn_on", "media_player.living_room_tv")],
            "play the tv",
            "done",
            {"media_player.living_room_tv": "playing"},
        ),
        (
            [("turn_on", "media_player.living_room_tv")],
            "set the volume to 50",
            "done",
            {"media_player.living_room_tv@volume_level": 0.5},
        ),
        ([], "dim the floor lamp to 150%", "error", {"light.floor_lamp": "off"}),
        ([], "set the curtains to 150%", "error", {"cover.living_room_curtains@current_position": 0}),
        ([], "set the bedroom ac to 1000 degrees", "error", {"climate.bedroom_ac@temperature": 26}),
        (
            [("turn_on", "media_player.living_room_tv")],
            "把电视音量调到两百",
            "error",
            {"media_player.living_room_tv@volume_level": 0.3},
        ),
        ([], "set the temperature to 23", "not_understood", {"climate.bedroom_ac@temperature": 26}),
        ([], "set the bathroom to 60", "error", {"water_heater.bathroom@temperature": 50}),
        ([("turn_on", "light.floor_lamp")], "落地灯亮着吗", "answered", {"light.floor_lamp": "on"}),
    ],
)
def test_everyday_phrasings(
    hub: HubDriver, setup: list[tuple[str, str]], text: str, status: str, expect: dict
) -> None:
    for service, entity_id in setup:
        hub.call(service, entity_id)
    result = hub.ask(text)
    assert result.status.value == status, (text, result.response)
    for key, value in expect.items():
        entity_id, _, attribute = key.partition("@")
        actual = hub.attr(entity_id, attribute) if attribute else hub.state(entity_id)
        assert actual == value, (text, key)


class _EchoFallback:
    """A fallback that answers one phrase and passes on everything else."""

    name = "echo"

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def answer(self, text: str, actor: Actor, language: str, conversation_id: str) -> Reply | None:
        self.asked.append(text)
        return Reply(Status.ANSWERED, f"echo: {text}") if "banana" in text else None


def test_fallbacks_answer_only_what_no_tier_understood(hub: HubDriver) -> None:
    echo = _EchoFallback()
    hub.hub.conversation.fallbacks.append(echo)
    understood = hub.ask("turn on the kitchen light")
    assert understood.status.value == "done" and echo.asked == []  # the fast path never asks it
    answered = hub.ask("banana bread recipe please")
    assert answered.status.value == "answered" and answered.response == "Echo: banana bread recipe please"
    assert answered.intent is not None and answered.intent.tier == "echo"
    passed = hub.ask("flibbertigibbet wobble")
    assert passed.status.value == "not_understood" and len(echo.asked) == 2
