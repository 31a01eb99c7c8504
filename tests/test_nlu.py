"""Language detection, text normalisation, and the template tier on the demo home."""

from __future__ import annotations

import pytest

from conftest import HubDriver
from homemind.nlu.language import detect_language
from homemind.nlu.normalize import normalize
from homemind.nlu.templates import build_intent_data


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("turn on the light", "en"),
        ("打开灯", "zh"),
        ("把 living room 的灯关掉", "zh"),
        ("TV 音量 20", "zh"),
        ("1234", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("把卧室空调调到二十四度", "把卧室空调调到24度"),
        ("亮度调到百分之三十", "亮度调到30%"),
        ("温度调到二十六点五度", "温度调到26.5度"),
        ("音量调到二十。", "音量调到20"),
        ("把窗帘打开到一半", "把窗帘打开到50%"),
        ("帮我把灯调亮一下", "帮我把灯调亮一下"),  # 一下 is not a number
        ("调高一点", "调高一点"),
        ("ＴＶ  音量 ２０％？", "TV音量20%"),
    ],
)
def test_normalize_chinese(text: str, expected: str) -> None:
    assert normalize(text, "zh") == expected


def test_normalize_english_keeps_words() -> None:
    assert normalize("  Turn   on the lamp!!  ", "en") == "Turn on the lamp"


def test_only_handled_intents_are_loaded() -> None:
    data = build_intent_data("en", ["HassTurnOn", "HomemindAlarmArm"])
    assert set(data["intents"]) == {"HassTurnOn", "HomemindAlarmArm"}
    assert "please" in data["skip_words"] and "hey" in data["skip_words"]


@pytest.mark.parametrize(
    ("text", "language", "intent", "slots"),
    [
        ("turn on the telly", "en", "HassTurnOn", {"name": "media_player.living_room_tv"}),
        (
            "hey, switch off the bedroom light please",
            "en",
            "HassTurnOff",
            {"name": "light.bedroom"},
        ),
        (
            "set the bedroom ac to 24 degrees",
            "en",
            "HassClimateSetTemperature",
            {"temperature": 24},
        ),
        ("turn everything off in the kitchen", "en", "HassTurnOff", {"area": "kitchen"}),
        ("set the bedroom ac to cooling mode", "en", "HomemindSetHvacMode", {"hvac_mode": "cool"}),
        ("把卧室空调调到二十四度", "zh", "HassClimateSetTemperature", {"temperature": 24}),
        ("帮我把客厅灯打开一下吧", "zh", "HassTurnOn", {"name": "light.living_room_ceiling"}),
        ("把所有的灯都关掉", "zh", "HassTurnOff", {"domain": "light"}),
        ("把电视音量调到百分之二十", "zh", "HassSetVolume", {"volume_level": 20}),
        ("把空调调成除湿模式", "zh", "HomemindSetHvacMode", {"hvac_mode": "dry"}),
    ],
)
def test_template_tier(hub: HubDriver, text: str, language: str, intent: str, slots: dict) -> None:
    match = hub.hub.templates.recognize(text, language)
    assert match is not None and match.name == intent
    assert match.tier == "template"
    for name, value in slots.items():
        assert match.value(name) == value


def test_device_names_are_data_not_syntax(tmp_path) -> None:
    from homemind.core.homefile import parse_home
    from homemind.nlu.templates import TemplateRecognizer

    home = parse_home(
        "home: {name: x}\nmembers: [{id: a, name: {en: A}, role: admin}]\n"
        "entities:\n  - id: light.odd\n    name: {en: 'Lamp [old] (a|b) {name}'}\n"
    )
    recognizer = TemplateRecognizer(home, ["HassTurnOn"])
    match = recognizer.recognize("turn on Lamp [old] (a|b) {name}", "en")
    assert match is not None and match.value("name") == "light.odd"
    assert recognizer.recognize("turn on Lamp old a", "en") is None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sentence_files_have_no_duplicate_keys(language: str) -> None:
    """YAML keeps the last of two equal keys silently: a second intent block would hide the first."""
    from importlib import resources

    import yaml

    text = resources.files("homemind.nlu").joinpath(f"sentences/{language}.yaml").read_text("utf-8")

    def check(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value]
            assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
            for _, value in node.value:
                check(value)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                check(child)

    check(yaml.compose(text, Loader=yaml.SafeLoader))
