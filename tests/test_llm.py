"""The model tier against a scripted OpenAI-compatible server on a real socket.

Each test scripts what "the model" answers (tool calls, text, garbage, silence, loops)
and checks what the hub did: the devices, the audit, the reply the person hears, and
what was sent to the endpoint. No model runs here, so these prove the hub's side:
that a model can only ask, through the same executor, as the same member.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import HubDriver, free_port, run_cli
from homemind.app import demo_home_text
from homemind.core.homefile import HomeFileError, parse_home
from scripted_llm import (
    ScriptedLLM,
    Step,
    garbage,
    llm_section,
    said_to_model,
    slow,
    text,
    tool_call,
    tool_calls,
)

# Sentences no fast tier understands (each test checks intent.tier == "llm" to be sure).
COURIER = "the courier is at the door"
WOBBLE = "flibbertigibbet wobble"


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    server = ScriptedLLM()
    yield server
    server.stop()


def _with_llm(data_dir: Path, url: str, **settings: Any) -> None:
    home = data_dir / "home.yaml"
    home.write_text(home.read_text("utf-8") + llm_section(url, **settings), encoding="utf-8")


@pytest.fixture
def hub(data_dir: Path, llm: ScriptedLLM) -> Iterator[HubDriver]:
    _with_llm(data_dir, llm.url)
    driver = HubDriver(data_dir)
    yield driver
    driver.close()


def _tools_offered(request: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in request.get("tools", [])}


def test_a_tool_call_acts_through_the_executor(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(
        tool_call("find_entities", query="floor lamp"),
        tool_call("turn_on", entity_id="light.floor_lamp"),
        text("I've turned on the floor lamp for you!"),
    )
    result = hub.ask(WOBBLE)
    assert result.intent is not None and result.intent.tier == "llm"
    assert result.status.value == "done"
    assert hub.state("light.floor_lamp") == "on"
    # The reply is the executor's, in the hub's words, not the model's.
    assert result.response == "Turned on the Floor Lamp."
    assert [a.entity_id for a in result.actions] == ["light.floor_lamp"]
    entry = hub.hub.store.actions(1)[0]
    assert (entry["member"], entry["channel"], entry["service"], entry["result"]) == (
        "alice",
        "test:generated",
        "turn_on",
        "ok",
    )
    assert entry["text"] == WOBBLE and entry["intent"] == "HassTurnOn"
    # find_entities answered with entity ids as data, inside a tool message.
    second = llm.requests[1]["messages"]
    found = json.loads(second[-1]["content"])
    assert second[-1]["role"] == "tool" and next(iter(found)) == "light.floor_lamp"
    assert found["light.floor_lamp"] == "Floor Lamp (living_room): off"


def test_an_unlock_asked_by_the_model_waits_for_the_persons_pin(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(
        tool_call("unlock", entity_id="lock.front_door"), text("I've opened the door for the courier.")
    )
    asked = hub.ask(COURIER, conversation_id="door")
    assert asked.intent is not None and asked.intent.tier == "llm"
    assert asked.status.value == "needs_confirmation" and asked.needs_code
    assert asked.response == "To unlock the Front Door, say your PIN."
    assert hub.state("lock.front_door") == "locked"
    assert len(llm.requests) == 1  # held: the model is not asked again
    held = hub.hub.store.actions(1)[0]
    assert (held["channel"], held["service"], held["result"]) == (
        "test:generated",
        "unlock",
        "needs_confirmation",
    )
    # Only the person's own PIN, in their next turn, carries it out; the model never sees it.
    done = hub.ask("2580", conversation_id="door")
    assert done.status.value == "done" and hub.state("lock.front_door") == "unlocked"
    assert len(llm.requests) == 1
    assert "2580" not in "".join(said_to_model(r) for r in llm.requests)


def test_a_pin_from_the_model_counts_for_nothing(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(
        tool_call("unlock", entity_id="lock.front_door", pin="2580"),
        tool_call("unlock", entity_id="lock.front_door"),
    )
    first = hub.ask(COURIER, conversation_id="c")
    # An argument the schema does not have is refused before any handler runs.
    assert hub.state("lock.front_door") == "locked"
    assert first.status.value == "needs_confirmation"
    assert "Extra inputs" in llm.requests[1]["messages"][-1]["content"]
    assert hub.ask("yes", conversation_id="c").status.value != "done"
    assert hub.state("lock.front_door") == "locked"


def test_a_childs_model_turn_is_refused_as_her_spoken_command_would_be(
    hub: HubDriver, llm: ScriptedLLM
) -> None:
    llm.answer(tool_call("unlock", entity_id="lock.front_door"), text("Done, the door is open!"))
    result = hub.ask(COURIER, member="lily")
    spoken = hub.ask("unlock the front door", member="lily")
    assert result.status.value == spoken.status.value == "refused"
    # Her own refusal, word for word, and the model's "done" corrected.
    assert result.response == f"{spoken.response} I didn't change anything."
    assert hub.state("lock.front_door") == "locked"
    # Her tools never offered unlocking; the call was still the executor's to refuse, and audited.
    assert "unlock" not in _tools_offered(llm.requests[0]) and "lock" in _tools_offered(llm.requests[0])
    entry = hub.hub.store.actions(2)[1]
    assert entry["channel"] == "test:generated"
    assert (entry["member"], entry["service"], entry["decision"], entry["result"]) == (
        "lily",
        "unlock",
        "deny",
        "refused",
    )


def test_a_false_claim_is_corrected(hub: HubDriver, llm: ScriptedLLM) -> None:
    hub.call("unlock", "lock.front_door")
    llm.answer(text("I've locked the front door."))
    result = hub.ask(COURIER)
    assert result.response == "I didn't change anything."
    assert hub.state("lock.front_door") == "unlocked"
    llm.answer(text("已经帮你把门锁好了。"))
    assert hub.ask("快递员到门口了").response == "我没有做任何改动。"


def test_a_claim_beyond_what_was_done_is_not_spoken(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(
        tool_call("get_state", entity_id="light.kitchen"),
        text("The kitchen light was off, so I turned it on."),
    )
    result = hub.ask(WOBBLE)
    assert hub.state("light.kitchen") == "off"
    assert result.response == "The Kitchen Light is off. I didn't change anything."


def test_a_loop_is_cut_at_three_calls(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.default = tool_call("turn_on", entity_id="light.kitchen")
    result = hub.ask(WOBBLE)
    assert len(llm.requests) == 4  # three calls run; the fourth asked for is never run
    turned = [e for e in hub.hub.store.actions(None) if e["service"] == "turn_on"]
    assert len(turned) == 3
    assert result.response.endswith("I stopped after 3 steps.")
    llm.default = tool_calls(*[("get_state", {"entity_id": "light.kitchen"})] * 5)
    before = len(llm.requests)
    assert "I stopped after 3 steps." in hub.ask(WOBBLE).response
    assert len(llm.requests) == before + 1  # five calls in one answer: three run, then it stops


def test_a_question_gets_only_read_only_tools(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(tool_call("turn_on", entity_id="light.kitchen"), text("It is on now."))
    result = hub.ask("is the courier at the door?")
    assert result.intent is not None and result.intent.tier == "llm"
    offered = _tools_offered(llm.requests[0])
    assert "get_state" in offered and not offered & {"turn_on", "unlock", "add_to_list", "lock"}
    assert hub.state("light.kitchen") == "off"  # asked whether, never turned on
    assert "may only read" in llm.requests[1]["messages"][-1]["content"]
    assert result.response == "I didn't change anything."


@pytest.mark.parametrize(
    ("step", "port"),
    [(None, "closed"), (garbage(), None), (Step(b'{"choices": []}'), None), (Step(b"{}", status=500), None)],
    ids=["down", "not-json", "no-choices", "http-500"],
)
def test_an_endpoint_that_is_down_or_talks_garbage(
    data_dir: Path, llm: ScriptedLLM, step: Step | None, port: str | None
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1" if port == "closed" else llm.url
    _with_llm(data_dir, url)
    if step is not None:
        llm.default = step
    driver = HubDriver(data_dir)
    try:
        result = driver.ask(COURIER)
        assert result.status.value == "error"
        assert result.response == "I can't reach the assistant model right now."
        # The fast tiers go on working.
        assert driver.ask("turn on the kitchen light").status.value == "done"
        assert driver.ask("把客厅灯打开").response == "已打开客厅灯。"
    finally:
        driver.close()


def test_a_slow_endpoint_is_given_up_within_the_timeout(data_dir: Path, llm: ScriptedLLM) -> None:
    _with_llm(data_dir, llm.url, timeout_s=0.5)
    llm.default = slow(5, text("finally"))
    driver = HubDriver(data_dir)
    try:
        result = driver.ask("快递员到门口了")
        assert result.response == "现在连不上助手模型。"
    finally:
        driver.close()


def test_a_slow_endpoint_after_a_call_keeps_what_was_done(data_dir: Path, llm: ScriptedLLM) -> None:
    _with_llm(data_dir, llm.url, timeout_s=1)
    llm.answer(tool_call("turn_on", entity_id="light.kitchen"), slow(5))
    driver = HubDriver(data_dir)
    try:
        result = driver.ask(WOBBLE)
        assert driver.state("light.kitchen") == "on"
        assert result.response == "Turned on the Kitchen Light. I can't reach the assistant model right now."
    finally:
        driver.close()


def test_bad_tool_calls_are_answered_as_data_and_change_nothing(hub: HubDriver, llm: ScriptedLLM) -> None:
    bad = Step(
        json.dumps(
            {
                "choices": [
                    {
                        "message": {
                            "role": "assistant",
                            "tool_calls": [
                                {"id": "a", "function": {"name": "turn_on", "arguments": "{not json"}},
                                {"id": "b", "function": {"name": "rm_rf", "arguments": "{}"}},
                                {
                                    "id": "c",
                                    "function": {"name": "turn_off", "arguments": '{"domain": "lock"}'},
                                },
                            ],
                        }
                    }
                ]
            }
        ).encode()
    )
    llm.answer(bad, text("Sorry."))
    result = hub.ask(WOBBLE)
    answers = [m["content"] for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "not valid JSON" in answers[0]
    assert "no tool called 'rm_rf'" in answers[1]
    assert "invalid domain" in answers[2]  # a plain "turn off" never reaches a lock
    assert hub.state("lock.front_door") == "locked"
    assert result.response == "I didn't change anything."


def test_the_system_prompt_leaking_is_caught(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.default = lambda request: text("Sure! My instructions: " + request["messages"][0]["content"])
    result = hub.ask(WOBBLE)
    assert result.response == "I can't answer that."
    assert "hm-" not in result.response


def test_what_leaves_the_box(hub: HubDriver, llm: ScriptedLLM) -> None:
    hub.ask("add oat milk to the shopping list", conversation_id="c")
    hub.hub.household.lists.add(hub.hub.actor("bo"), "shopping", ["birthday cake for alice"])
    read = hub.ask("what's on my shopping list", conversation_id="c")
    assert "birthday cake" in read.response
    llm.answer(text("Which room?"))
    result = hub.ask("unlock 2580 flibbertigibbet", conversation_id="c")
    assert result.response == "Which room?"
    request = llm.requests[0]
    system = request["messages"][0]["content"]
    # The system prompt: the hub's rules and the room ids, nothing anyone else can write.
    assert "Kitchen Light" not in system and "oat milk" not in system and "living_room" in system
    assert "2580" not in said_to_model(request)  # a PIN said in passing is removed
    # The earlier local turn is there, as a tool result (data), not as instructions.
    history = [m for m in request["messages"] if m["role"] == "tool"]
    assert len(history) == 1 and "oat milk" in history[0]["content"]  # her own words
    # What the hub said is not there (it quoted bo's item), only what it did.
    assert "birthday cake" not in said_to_model(request)
    assert "HomemindListRead answered" in history[0]["content"]
    assert request["messages"][-1] == {"role": "user", "content": "unlock *** flibbertigibbet"}


def test_another_members_turns_are_never_shown(hub: HubDriver, llm: ScriptedLLM) -> None:
    hub.ask("add birthday present for lily to the shopping list", member="bo", conversation_id="shared")
    hub.ask(WOBBLE, member="lily", conversation_id="shared")
    assert "birthday present" not in said_to_model(llm.requests[0])


def test_calls_for_help_and_pin_turns_never_reach_the_model(hub: HubDriver, llm: ScriptedLLM) -> None:
    for said in ("help", "I've fallen", "救命", "我摔倒了", "2580", "one two three four"):
        hub.ask(said)
    assert llm.requests == []


def test_a_member_is_rate_limited(data_dir: Path, llm: ScriptedLLM) -> None:
    _with_llm(data_dir, llm.url, turns_per_hour=2)
    driver = HubDriver(data_dir)
    try:
        for _ in range(2):
            assert driver.ask(WOBBLE).response == "I don't know."
        assert "asked a lot" in driver.ask(WOBBLE).response
        assert len(llm.requests) == 2
        assert driver.ask(WOBBLE, member="bo").response == "I don't know."  # per member
    finally:
        driver.close()


def test_no_endpoint_no_tier(data_dir: Path) -> None:
    driver = HubDriver(data_dir)
    try:
        assert "llm" not in [f.name for f in driver.hub.conversation.fallbacks]
        assert driver.hub.conversation.history is None
        assert driver.ask(COURIER).status.value == "not_understood"
    finally:
        driver.close()


def test_the_tier_speaks_the_persons_language(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(tool_call("turn_on", entity_id="light.living_room_ceiling"), text("好的"))
    # ("屋里好暗" is the local tiers' own: "which room?", asked of a speaker with no room.)
    result = hub.ask("我想要点光")
    assert result.intent is not None and result.intent.tier == "llm"
    assert result.response == "已打开客厅灯。"
    assert "Simplified Chinese" in llm.requests[0]["messages"][0]["content"]


def test_household_tools_act_as_the_member(hub: HubDriver, llm: ScriptedLLM) -> None:
    llm.answer(tool_call("add_to_list", item="oat milk"), text("Added!"))
    result = hub.ask(WOBBLE, member="bo")
    assert result.status.value == "done"
    rows = hub.hub.store.read("SELECT item, added_by FROM list_items")
    assert [(r["item"], r["added_by"]) for r in rows] == [("oat milk", "bo")]
    # A guest keeps no household data through a model.
    llm.answer(tool_call("add_to_list", item="beer"), text("Added!"))
    assert hub.ask(WOBBLE, member="guest").response == "I didn't change anything."
    assert [i["item"] for i in hub.hub.state_dump()["lists"]["shopping"]] == ["oat milk"]


# --- the home file and the CLI -----------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "error"),
    [
        (
            "llm:\n  base_url: https://api.example.com/v1\n  model: m\n",
            "llm.base_url: api.example.com is outside",
        ),
        ("llm:\n  base_url: ftp://127.0.0.1/v1\n  model: m\n", "starts with http:// or https://"),
        ("llm:\n  base_url: http://k:s@127.0.0.1/v1\n  model: m\n", "no credentials in the URL"),
        ("llm:\n  base_url: http://127.0.0.1/v1\n", "llm.model: Field required"),
        ("llm:\n  base_url: http://127.0.0.1/v1\n  model: m\n  timeout_s: 0\n", "llm.timeout_s"),
        ("llm:\n  base_url: http://127.0.0.1/v1\n  model: m\n  cloud: 'yes'\n", "llm.cloud: Value error"),
        ("llm:\n  base_url: http://127.0.0.1/v1\n  model: m\n  api_key_env: a key\n", "llm.api_key_env"),
        ("llm:\n  base_url: http://127.0.0.1/v1\n  model: m\n  temperature: 2\n", "llm.temperature: Extra"),
    ],
)
def test_the_llm_section_is_validated(section: str, error: str) -> None:
    with pytest.raises(HomeFileError, match=error.replace(".", r"\.").replace("?", r"\?")):
        parse_home(demo_home_text() + section)


def test_a_cloud_endpoint_is_opt_in() -> None:
    home = parse_home(
        demo_home_text() + "llm:\n  base_url: https://api.example.com/v1\n  model: m\n  cloud: true\n"
    )
    assert home.llm is not None and home.llm.cloud
    for local in (
        "http://192.168.1.5:8080/v1",
        "http://ollama:11434/v1",
        "http://nas.local/v1",
        "http://[::1]/v1",
    ):
        assert parse_home(demo_home_text() + f"llm:\n  base_url: {local}\n  model: m\n").llm is not None


def test_init_writes_the_section_and_llm_check_reports(data_dir: Path, llm: ScriptedLLM) -> None:
    llm.answer(tool_call("report", ok=True))
    wrote = run_cli(data_dir, "init", "--llm", llm.url, "--llm-model", "scripted")
    assert wrote.returncode == 0, wrote.stderr
    checked = run_cli(data_dir, "llm", "check", "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["model_offered"] and report["tool_calling"] and report["local"]
    assert report["round_trip_ms"] >= 0
    box = report["leaves_the_box"]
    assert "unlock" in box["tools"] and "unlock" not in box["question_tools"]
    assert box["system_prompt_tokens"] + box["tool_tokens"] < 2000
    # Again, for a model that answers text instead of calling the tool: exit 1, and why.
    llm.answer(text("I'd rather not."))
    plain = run_cli(data_dir, "llm", "check", "--as", "lily")
    assert plain.returncode == 1
    out = plain.stdout.decode()
    assert "tools       NO: the model answered text instead" in out and "per turn of lily's" in out
    # A second init replaces the section rather than adding another.
    assert run_cli(data_dir, "init", "--llm", llm.url, "--llm-model", "other").returncode == 0
    home = (data_dir / "home.yaml").read_text("utf-8")
    assert home.count("\nllm:") == 1 and '"other"' in home


def test_init_refuses_a_bad_endpoint_and_keeps_the_file(data_dir: Path) -> None:
    before = (data_dir / "home.yaml").read_text("utf-8")
    refused = run_cli(data_dir, "init", "--llm", "https://api.example.com/v1", "--llm-model", "m")
    assert refused.returncode == 2 and b"outside this home's network" in refused.stderr
    assert run_cli(data_dir, "init", "--llm", "http://127.0.0.1:1/v1").returncode == 2  # no model
    assert (data_dir / "home.yaml").read_text("utf-8") == before
    cloud = run_cli(
        data_dir, "init", "--llm", "https://api.example.com/v1", "--llm-model", "m", "--llm-cloud"
    )
    assert cloud.returncode == 0  # the household opted in (nothing is sent from this test)
    assert "cloud: true" in (data_dir / "home.yaml").read_text("utf-8")


def test_llm_check_without_a_section(data_dir: Path) -> None:
    result = run_cli(data_dir, "llm", "check")
    assert result.returncode == 2 and b"no llm section" in result.stderr


def test_a_time_or_a_condition_never_changes_a_device_now(hub: HubDriver, llm: ScriptedLLM) -> None:
    # Words no local tier reads even without their time (the learned tier takes "flibbertigibbet
    # the balcony" for the vacuum, and answers there is none there: nothing changes either way).
    for said in ("do the balcony flibbertigibbet every day at 7pm", "门开的时候叽里咕噜阳台那边"):
        llm.answer(tool_call("turn_on", entity_id="light.balcony"), text("Done, it's on."))
        before = len(llm.requests)
        result = hub.ask(said)
        assert result.intent is not None and result.intent.tier == "llm", said
        offered = _tools_offered(llm.requests[before])
        assert "turn_on" not in offered and "find_entities" in offered
        assert hub.state("light.balcony") == "off"
        assert "never changes a device now" in llm.requests[before + 1]["messages"][-1]["content"]
        assert result.response in ("I didn't change anything.", "我没有做任何改动。")


# The conversation's own time and condition forms (tests/test_schedules.py) plus events the
# hub cannot watch for: whatever the model asks for, a device never changes now. Asked of
# the model tier itself: the local tiers before it may take some of these words.
_LATER_EN = [
    "every day at 7pm", "in 20 minutes", "tomorrow morning", "when the front door opens",
    "if it gets above 28 degrees", "later", "weekly", "until I come back", "after dinner",
]  # fmt: skip
_LATER_ZH = ["每天晚上七点", "二十分钟后", "明早六点半", "门开的时候", "没人的时候", "等会儿", "晚饭之后"]


@pytest.mark.parametrize(
    ("said", "language"),
    [(f"flibbertigibbet the balcony {when}", "en") for when in _LATER_EN]
    + [(f"{when}叽里咕噜阳台", "zh") for when in _LATER_ZH],
)
def test_the_conversations_schedule_detector_keeps_the_model_from_acting_now(
    hub: HubDriver, llm: ScriptedLLM, said: str, language: str
) -> None:
    tier = next(f for f in hub.hub.conversation.fallbacks if f.name == "llm")
    llm.answer(tool_call("turn_on", entity_id="light.balcony"), text("Done, it's on."))
    before = len(llm.requests)
    actor = hub.hub.actor(None, channel="test")
    reply = asyncio.run(tier.answer(said, actor, language, "later"))
    assert reply is not None
    assert "turn_on" not in _tools_offered(llm.requests[before])
    assert "never changes a device now" in llm.requests[before + 1]["messages"][-1]["content"]
    assert hub.state("light.balcony") == "off"
    assert not [a for a in reply.actions if a.result.value == "ok"]


def test_a_plain_command_to_the_model_may_change_a_device(hub: HubDriver, llm: ScriptedLLM) -> None:
    """The same words without a time: the detector leaves the device tools in."""
    tier = next(f for f in hub.hub.conversation.fallbacks if f.name == "llm")
    llm.answer(tool_call("turn_on", entity_id="light.balcony"), text("Done."))
    before = len(llm.requests)
    reply = asyncio.run(
        tier.answer("flibbertigibbet the balcony", hub.hub.actor(None, channel="test"), "en", "now")
    )
    assert reply is not None and "turn_on" in _tools_offered(llm.requests[before])
    assert hub.state("light.balcony") == "on"


def test_the_hubs_own_question_is_answered_before_the_model_and_both_turns_are_history(
    hub: HubDriver, llm: ScriptedLLM
) -> None:
    """ "Which one?" is dialogue state: its answer never reaches the model, and the history a
    model is shown later has both turns, with what the hub did."""
    asked = hub.ask("turn the heating up", conversation_id="ac")
    assert asked.question is not None and asked.question["kind"] == "which"
    assert hub.hub.conversation.awaiting_answer("ac", hub.hub.actor(None, channel="test"))
    done = hub.ask("the bedroom one", conversation_id="ac")
    assert done.status.value == "done" and hub.state("climate.bedroom_ac") == "heat"
    assert done.intent is not None and done.intent.tier == "follow-up"
    assert llm.requests == []
    history = hub.hub.conversation.history
    assert history is not None
    turns = history.recent("ac", "alice")
    assert [next(iter(t)) for t in turns] == ["member said", "hub did"] * 2
    assert turns[2]["member said"] == "the bedroom one"
    assert "climate.bedroom_ac: ok" in turns[3]["hub did"]
    # Something no local tier reads, in the same conversation: the model is asked, and shown them.
    llm.answer(text("Sure."))
    assert hub.ask("do the balcony flibbertigibbet", conversation_id="ac").intent.tier == "llm"
    shown = [m for m in llm.requests[0]["messages"] if m["role"] == "tool"]
    assert len(shown) == 1 and "the bedroom one" in shown[0]["content"]
