"""The conversation pipeline in-process: bad input, confirmations, languages, ambiguity."""

from __future__ import annotations

import pytest

from conftest import HubDriver
from homemind.conversation import pipeline


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
        ("turn on the garage light", "error", "device called garage light"),
        ("turn on the air purifier in the kitchen", "error", "device called air purifier"),
        ("put the kettle on", "not_understood", "didn't understand"),
        ("turn on the kitchen light 💡", "not_understood", "didn't understand"),
        ("turn off the lights in the attic", "error", "no room called attic"),
        ("turn on the blender", "error", "device called blender"),
        ("打开车库的灯", "error", "车库"),
        ("打开空气净化器", "error", "空气净化器"),
        ("blah blah", "not_understood", "didn't understand"),
        ("🤖🤖🤖", "not_understood", "didn't understand"),
        ("what is the meaning of life", "not_understood", "didn't understand"),
        ("今天天气真好啊我们去公园玩吧", "not_understood", "没听懂"),
    ],
)
def test_unknown_devices_and_nonsense(hub: HubDriver, text: str, status: str, words: str) -> None:
    before = hub.snapshot()
    result = hub.ask(text)
    assert (result.status.value, result.actions) == (status, [])
    assert words in result.response
    assert hub.snapshot() == before


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
    assert hub.ask("yes", "alice", conversation_id=cid).status.value == "done"
    assert hub.state("lock.front_door") == "unlocked"
    # A confirmation is used once: replaying it does nothing more.
    hub.call("lock", "lock.front_door")
    assert hub.ask("yes", "alice", conversation_id=cid).status.value != "done"
    assert hub.state("lock.front_door") == "locked"


def test_confirmation_expires(hub: HubDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    prompt = hub.ask("unlock the front door")
    clock = pipeline.time.monotonic() + 31
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: clock)
    late = hub.ask("yes", conversation_id=prompt.conversation_id)
    assert late.status.value == "error" and "expired" in late.response
    assert hub.state("lock.front_door") == "locked"


def test_no_cancels_and_a_new_command_drops_the_prompt(hub: HubDriver) -> None:
    cid = hub.ask("unlock the front door").conversation_id
    assert hub.ask("no", conversation_id=cid).response == "OK, I won't do it."
    assert hub.ask("yes", conversation_id=cid).status.value != "done"
    cid = hub.ask("打开大门").conversation_id
    assert hub.ask("打开电水壶", conversation_id=cid).status.value == "done"
    assert hub.ask("确认", conversation_id=cid).status.value != "done"
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
