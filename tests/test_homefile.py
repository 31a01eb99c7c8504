"""The home file: the demo loads, and every mistake names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from homemind.app import demo_home_text
from homemind.core.homefile import HomeFileError, load_home, parse_home
from homemind.core.model import Domain, Role

MINIMAL = """\
home:
  name: Test flat
  timezone: Europe/Berlin
members:
  - id: ann
    name: {en: Ann}
    role: admin
areas:
  - id: kitchen
    name: {en: kitchen, zh: 厨房}
entities:
  - id: light.kitchen
    name: {en: Kitchen Light}
    area: kitchen
"""


def test_demo_home_matches_the_brief() -> None:
    home = parse_home(demo_home_text(), "demo.yaml")
    assert home.timezone == "Asia/Shanghai"
    assert {m.id: m.role for m in home.members.values()} == {
        "alice": Role.ADMIN,
        "bo": Role.ADULT,
        "lily": Role.CHILD,
        "nainai": Role.ELDER,
        "guest": Role.GUEST,
    }
    assert home.members["nainai"].names.display("zh") == "王奶奶"
    assert set(home.areas) == {
        "living_room",
        "kitchen",
        "bedroom",
        "kids_room",
        "grandma_room",
        "bathroom",
        "entrance",
        "balcony",
    }
    assert len(home.entities) == 36  # 24 devices, and 12 for looking after Grandma (issue 23)
    assert {e.domain for e in home.entities.values()} == set(Domain)
    tv = home.entities["media_player.living_room_tv"]
    assert tv.names.display("zh") == "电视"
    assert "telly" in tv.names.all_for("en")
    assert home.entities["climate.bedroom_ac"].capabilities["max_temp"] == 30
    assert home.entities["water_heater.bathroom"].capabilities["min_temp"] == 35
    assert home.owner == "alice"


def test_minimal_home_defaults() -> None:
    home = parse_home(MINIMAL)
    assert home.language == "en"
    assert home.initial_states["light.kitchen"][0] == "off"
    assert home.owner == "ann"


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        (
            ("    area: kitchen", "    area: kitchn"),
            14,
            "entities[0].area",
            "unknown area 'kitchn'",
        ),
        (("light.kitchen", "lamp.kitchen"), 12, "entities[0].id", "unknown domain 'lamp'"),
        (("light.kitchen", "light.Kitchen Light"), 12, "entities[0].id", "domain.object_id"),
        (("    role: admin", "    role: boss"), 7, "members[0].role", "admin"),
        (("Europe/Berlin", "Mars/Olympus"), 3, "home.timezone", "unknown timezone"),
        (
            ("    name: {en: Kitchen Light}", "    name: {fr: Cuisine}"),
            13,
            "entities[0].name.fr",
            "",
        ),
        (
            ("    area: kitchen", "    area: kitchen\n    colour: red"),
            15,
            "entities[0].colour",
            "Extra inputs",
        ),
        (
            ("    area: kitchen", "    area: kitchen\n    state: dancing"),
            15,
            "entities[0].state",
            "'dancing'",
        ),
        (
            ("    area: kitchen", "    area: kitchen\n    features: [position]"),
            15,
            "entities[0].features",
            "position",
        ),
    ],
)
def test_errors_name_file_line_and_field(change: tuple[str, str], line: int, field: str, words: str) -> None:
    text = MINIMAL.replace(*change)
    with pytest.raises(HomeFileError) as error:
        parse_home(text, "myhome.yaml")
    message = str(error.value)
    assert f"myhome.yaml:{line}: {field}" in message
    assert words in message


def test_duplicate_ids_and_missing_owner() -> None:
    text = MINIMAL.replace("    role: admin", "    role: adult") + (
        "  - id: light.kitchen\n    name: {en: Other}\n"
    )
    with pytest.raises(HomeFileError) as error:
        parse_home(text, "h.yaml")
    message = str(error.value)
    assert "h.yaml:15: entities[1].id: duplicate entity id 'light.kitchen'" in message
    assert "owner" in message


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(HomeFileError, match=r"bad\.yaml:4: invalid YAML: .*flow sequence at line 3"):
        parse_home("home:\n  name: x\n  timezone: [unclosed\n", "bad.yaml")
    with pytest.raises(HomeFileError, match=r"bad\.yaml:3: invalid YAML"):
        parse_home("home:\n  name: x\n bad: indent\n", "bad.yaml")


@pytest.mark.parametrize("text", ["", "just a string", "- a\n- list\n"])
def test_not_a_mapping(text: str) -> None:
    with pytest.raises(HomeFileError, match="mapping"):
        parse_home(text, "x.yaml")


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(HomeFileError, match="no such home file"):
        load_home(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"home:\n  name: \xff\xfe\x00\x01")
    with pytest.raises(HomeFileError, match="not UTF-8"):
        load_home(binary)


def test_capability_bounds_checked() -> None:
    text = MINIMAL + (
        "  - id: climate.ac\n    name: {en: AC}\n    features: [target_temperature]\n"
        "    capabilities: {min_temp: 30, max_temp: 16}\n"
    )
    with pytest.raises(HomeFileError, match="min_temp 30 must be below max_temp 16"):
        parse_home(text)


def test_duplicate_keys_are_errors_not_silently_overwritten() -> None:
    text = MINIMAL.replace("    area: kitchen", "    area: kitchen\n    area: bedroom")
    with pytest.raises(HomeFileError, match=r"h\.yaml:15: entities\[0\]\.area: given twice"):
        parse_home(text, "h.yaml")


def test_yaml_11_booleans_are_words_for_states() -> None:
    home = parse_home(MINIMAL.replace("    area: kitchen", "    area: kitchen\n    state: on"))
    assert home.initial_states["light.kitchen"][0] == "on"
    text = MINIMAL + (
        "  - id: media_player.tv\n    name: {en: TV}\n    features: [volume_mute]\n"
        "    attributes: {is_volume_muted: true}\n"
    )
    assert parse_home(text).initial_states["media_player.tv"][1] == {"is_volume_muted": True}


@pytest.mark.parametrize(
    ("attributes", "field", "words"),
    [
        ("{brightness: 9999}", "attributes.brightness", "0 to 255"),
        ("{brightness: true}", "attributes.brightness", "0 to 255"),
        ("{rgb_color: [1, 2]}", "attributes.rgb_color", "three whole numbers"),
        ("{current_position: -5}", "attributes.current_position", "0 to 100"),
    ],
)
def test_starting_attributes_are_checked(attributes: str, field: str, words: str) -> None:
    text = MINIMAL.replace("    area: kitchen", f"    area: kitchen\n    attributes: {attributes}")
    with pytest.raises(HomeFileError, match=rf"h\.yaml:15: entities\[0\]\.{field}: .*{words}"):
        parse_home(text, "h.yaml")


def test_target_temperature_outside_the_device_range() -> None:
    text = MINIMAL + (
        "  - id: climate.ac\n    name: {en: AC}\n    features: [target_temperature]\n"
        "    capabilities: {min_temp: 16, max_temp: 30}\n    attributes: {temperature: 45}\n"
    )
    with pytest.raises(HomeFileError, match=r"entities\[1\]\.attributes\.temperature: .*16 to 30"):
        parse_home(text, "h.yaml")


def test_alias_loops_and_bombs_are_refused() -> None:
    with pytest.raises(HomeFileError, match="refers to itself"):
        parse_home("home: &a [*a]\n", "loop.yaml")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        refs = ", ".join([f"*{previous}"] * 6)
        bomb += f"{level}: &{level} [{refs}]\n"
    with pytest.raises(HomeFileError, match="more than 200000 values"):
        parse_home(bomb, "bomb.yaml")
    with pytest.raises(HomeFileError, match="too large"):
        parse_home("# " + "x" * 2_000_001, "huge.yaml")
