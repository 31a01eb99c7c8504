"""The parsed templates are kept in the data dir and reused; a damaged file is rebuilt, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from homemind.nlu import prefilter, templates
from homemind.nlu.compiled import cache_key
from homemind.nlu.templates import TemplateRecognizer
from homemind.skills import default_registry
from test_prefilter import HOMES


def _recognizer(directory: Path) -> TemplateRecognizer:
    templates._template_index.cache_clear()  # as a new process would
    return TemplateRecognizer(HOMES["demo"](), default_registry().intent_types, cache_dir=directory)


def test_parsed_templates_are_kept_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _recognizer(tmp_path).recognize("turn on the kitchen light", "en")
    kept = list(tmp_path.glob("templates-en-*.pickle"))
    assert len(kept) == 1

    def no_parsing(*_: object) -> None:
        raise AssertionError("the kept templates should have been used")

    monkeypatch.setattr(prefilter.TemplateIndex, "__init__", no_parsing)
    assert _recognizer(tmp_path).recognize("turn on the kitchen light", "en") == first


def test_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    key = cache_key("en", default_registry().intent_types)
    damaged = tmp_path / f"templates-en-{key}.pickle"
    damaged.write_bytes(b"not a pickle at all")
    match = _recognizer(tmp_path).recognize("turn on the kitchen light", "en")
    assert match is not None and match.name == "HassTurnOn"
    assert damaged.read_bytes() != b"not a pickle at all"  # written again, whole


def test_the_key_follows_what_the_templates_are_made_of() -> None:
    types = default_registry().intent_types
    assert cache_key("en", types) == cache_key("en", list(reversed(types)))
    assert cache_key("en", types) != cache_key("zh", types)
    assert cache_key("en", types) != cache_key("en", types[:-1])
