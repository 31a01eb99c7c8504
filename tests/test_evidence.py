"""The learned tier never changes a device on a sentence that does not point at one.

Loose phrasing and gibberish that the model reads as device commands ("给我点光吧" as
"turn on every light", "叽里咕噜" as "make the AC warmer") are either asked about ("Do you
want me to turn on the lights? Which room?") or not understood; no device changes. The
answer to the question completes the same command, for that room only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import HubDriver
from homemind.app import init_data_dir
from homemind.conversation.evidence import Evidence, Verdict, words
from homemind.core import i18n
from homemind.core.homefile import load_home
from homemind.nlu.types import IntentMatch, Slot
from homemind.nlu.vocabulary import HomeVocabulary

# (sentence, what the hub may do instead of acting): "ask" a question, or "not" understood.
LOOSE = [
    # The four found after issue 21: every light on, the AC to cooling, the AC to 28°, warmer.
    ("给我点光吧", "ask"),
    ("在客厅看书眼睛有点累", "not"),
    ("客厅有点阴沉沉的", "not"),
    ("叽里咕噜", "not"),
    # More loose Chinese.
    ("来点光", "ask"),
    ("把那个弄亮一点", "ask"),
    ("客厅里有只猫", "not"),
    ("卧室里乱糟糟的", "not"),
    ("有点无聊", "not"),
    ("今天心情不太好", "not"),
    # Loose English.
    ("let there be light", "ask"),
    ("the cat is in the kitchen", "not"),
    ("the lounge looks a bit grey today", "not"),
    ("blah blah blah", "not"),
    ("make it nicer", "not"),
    ("it is a bit much in here", "not"),
    ("do the thing", "not"),
    ("more please", "not"),
]


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubDriver]:
    directory = tmp_path_factory.mktemp("evidence") / "data"
    init_data_dir(directory, demo=True)
    driver = HubDriver(directory)
    yield driver
    driver.close()


def _devices(hub: HubDriver) -> dict[str, Any]:
    """Every device's state and attributes; the meter's readings move on their own."""
    return {
        e: (s.state, dict(s.attributes))
        for e in hub.hub.home.entities
        if not e.startswith("sensor.") and (s := hub.hub.states.get(e)) is not None
    }


@pytest.mark.parametrize(("sentence", "instead"), LOOSE)
def test_a_loose_sentence_changes_no_device(shared_hub: HubDriver, sentence: str, instead: str) -> None:
    before = _devices(shared_hub)
    result = shared_hub.ask(sentence, conversation_id=f"loose-{sentence}")
    assert _devices(shared_hub) == before, f"{sentence!r} changed a device: {result.response}"
    assert not any(a.result.value == "ok" for a in result.actions)
    assert result.status.value == "not_understood", result.response
    if instead == "ask":
        assert result.question is not None and result.question["kind"] == "which", result.response
        assert {c["id"] for c in result.question["choices"]} <= set(shared_hub.hub.home.areas)
        assert result.response.endswith(("Which room?", "哪个房间的？"))
    else:
        assert result.question is None, result.response


def test_the_answer_to_which_room_lights_that_room_only(hub: HubDriver) -> None:
    lights = [e for e in hub.hub.home.entities if e.startswith("light.")]
    asked = hub.ask("给我点光吧", conversation_id="light")
    assert asked.question is not None and all(hub.state(e) == "off" for e in lights)
    result = hub.ask("客厅的", conversation_id="light")
    assert result.status.value == "done", result.response
    assert result.language == "zh"
    living = {e for e in lights if hub.hub.home.entities[e].area == "living_room"}
    assert {e for e in lights if hub.state(e) == "on"} == living


def test_never_mind_leaves_every_light_off(hub: HubDriver) -> None:
    hub.ask("let there be light", conversation_id="never")
    result = hub.ask("never mind", conversation_id="never")
    assert result.status.value == "answered", result.response
    assert all(hub.state(e) == "off" for e in hub.hub.home.entities if e.startswith("light."))


def test_a_scheduled_loose_command_asks_then_is_read_back_not_done(hub: HubDriver) -> None:
    hub.ask("每天晚上七点给我点光", conversation_id="later")
    result = hub.ask("卧室", conversation_id="later")
    assert result.status.value == "needs_confirmation", result.response
    assert "卧室灯" in result.response and "19:00" in result.response
    assert hub.state("light.bedroom") == "off"


# --- the rule itself, on readings as the learned tier gives them ------------------------------

HOME = load_home(Path(__file__).resolve().parents[1] / "src" / "homemind" / "homes" / "demo.yaml")
EVIDENCE = Evidence(HOME, HomeVocabulary(HOME))


def _learned(intent: str, language: str, **slots: Any) -> IntentMatch:
    return IntentMatch(intent, {k: Slot(v, str(v)) for k, v in slots.items()}, "learned", language)


@pytest.mark.parametrize(
    ("text", "match", "verdict"),
    [
        ("给我点光吧", _learned("HassTurnOn", "zh", domain="light"), Verdict.ASK),
        ("把灯都关了", _learned("HassTurnOff", "zh", domain="light"), Verdict.ACT),
        ("turn off all the lights", _learned("HassTurnOff", "en", domain="light"), Verdict.ACT),
        ("客厅有点阴沉沉的", _learned("HomemindClimateStep", "zh", area="living_room"), Verdict.DROP),
        ("客厅冷死了", _learned("HomemindClimateStep", "zh", area="living_room"), Verdict.ACT),
        ("stick the kettle on", _learned("HassTurnOn", "en", name="switch.kettle"), Verdict.ACT),
        ("开一下 AC", _learned("HomemindClimateStep", "zh", area="living_room"), Verdict.ACT),
        ("turn on the bedroom", _learned("HassTurnOn", "en", area="bedroom"), Verdict.DROP),
        ("turn on everything in the bedroom", _learned("HassTurnOn", "en", area="bedroom"), Verdict.ACT),
        ("the cat is in the kitchen", _learned("HassVacuumStart", "en", domain="vacuum"), Verdict.DROP),
        # One vacuum in the home: naming the kind is enough, there is no room to choose.
        ("the floor needs a clean", _learned("HassVacuumStart", "en", domain="vacuum"), Verdict.ACT),
        # "in here": the speaker's room, which the switch handler asks for itself.
        (
            "it's dark in here",
            IntentMatch(
                "HassTurnOn",
                {"domain": Slot("light", "light")},
                "learned",
                "en",
                metadata={"homemind": "here"},
            ),
            Verdict.ACT,
        ),
    ],
)
def test_what_counts_as_evidence(text: str, match: IntentMatch, verdict: Verdict) -> None:
    assert EVIDENCE.judge(match, text)[0] is verdict


def test_an_english_word_counts_only_as_a_whole_word() -> None:
    # "lit" is a light word; "little" is not.
    match = _learned("HassTurnOn", "en", area="kitchen", domain="light")
    assert EVIDENCE.judge(match, "a little something for the kitchen")[0] is Verdict.DROP
    assert EVIDENCE.judge(match, "keep the kitchen lit")[0] is Verdict.ACT


def test_every_question_reads_in_both_languages() -> None:
    keys = {key for by_domain in words().questions.values() for key in by_domain.values()}
    assert keys
    for key in keys:
        assert i18n.translate(key, "en").endswith("?")
        assert i18n.translate(key, "zh").endswith("？")


def test_the_hub_asks_only_about_rooms_that_have_the_kind() -> None:
    _, doubt = EVIDENCE.judge(_learned("HassTurnOn", "en", domain="light"), "give us some light")
    assert doubt is not None
    offered = {c.key for c in doubt.ask.choices}
    assert offered == {e.area for e in HOME.entities.values() if e.domain.value == "light"}
