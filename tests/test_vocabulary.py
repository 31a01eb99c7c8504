"""The home's own words found in a sentence: longest name first, whole words in Latin script."""

from __future__ import annotations

from pathlib import Path

import pytest

import homemind
from homemind.core.homefile import load_home, parse_home
from homemind.nlu.vocabulary import HomeVocabulary


@pytest.fixture(scope="module")
def vocabulary() -> HomeVocabulary:
    return HomeVocabulary(load_home(Path(homemind.__file__).parent / "homes" / "demo.yaml"))


def found(vocabulary: HomeVocabulary, text: str) -> list[tuple[str, str, str]]:
    return [(f.kind, f.key, f.text) for f in vocabulary.find(text)]


def test_the_longest_name_wins_where_names_overlap(vocabulary: HomeVocabulary) -> None:
    # "living room light" is a light, not the living room; "master bedroom light" not the bedroom.
    assert found(vocabulary, "Turn on the Living Room Light and the master bedroom light") == [
        ("entity", "light.living_room_ceiling", "Living Room Light"),
        ("entity", "light.bedroom", "master bedroom light"),
    ]
    assert found(vocabulary, "把客厅落地灯和卧室灯都关了") == [
        ("entity", "light.floor_lamp", "客厅落地灯"),
        ("entity", "light.bedroom", "卧室灯"),
    ]


def test_latin_names_stand_as_whole_words(vocabulary: HomeVocabulary) -> None:
    # "ac" inside "back" or "fan" inside "fans" is no name; Han names need no spaces.
    assert found(vocabulary, "go back to the kitchen") == [("area", "kitchen", "kitchen")]
    assert found(vocabulary, "fans, the fan") == [("entity", "fan.bathroom_fan", "fan")]
    assert found(vocabulary, "客厅空调开到26度") == [("entity", "climate.living_room_ac", "客厅空调")]


def test_every_occurrence_in_sentence_order(vocabulary: HomeVocabulary) -> None:
    assert [f.start for f in vocabulary.find("kitchen, kitchen light, kitchen")] == [0, 9, 24]
    assert found(vocabulary, "nothing here") == []


def test_a_home_without_names_finds_nothing() -> None:
    home = parse_home("home: {name: Empty}\nowner: a\nmembers: [{id: a, name: {en: A}, role: admin}]\n")
    assert HomeVocabulary(home).find("turn on the light") == []


def test_a_name_two_devices_share_is_read_the_same_way_every_time(vocabulary: HomeVocabulary) -> None:
    # "ac" is an alias of both air conditioners: one is found, the same one in every process.
    assert found(vocabulary, "the ac, please") == [("entity", "climate.bedroom_ac", "ac")]
