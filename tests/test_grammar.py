"""Every reply the hub can say, rendered in both languages, reads as a person would write it.

Each message key is rendered with sample parameters, one device and two devices, a count
of one and of two, and checked for what went wrong before: "Alarm set for at 6:30",
"Started a egg timer", "The Kitchen Light are…", Chinese replies ending in an ASCII full
stop. The parameters are samples; the templates are the real ones, all of them.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest

import homemind.app
import homemind.channels.http
import homemind.voice.service
from homemind.core import i18n
from homemind.core.homefile import load_home
from homemind.skills.asking import Ask

HOME = load_home(Path(homemind.app.__file__).parent / "homes" / "demo.yaml")
ONE = [HOME.entities["light.kitchen"]]
TWO = [HOME.entities["light.kitchen"], HOME.entities["light.floor_lamp"]]

_SAMPLES: dict[str, Any] = {
    "count": 1, "ok": 1, "value": 3, "temperature": 24, "brightness": 40, "position": 50, "volume": 30,
    "percent": 20, "percentage": 20, "low": 16, "high": 30, "limit": 20, "length": 1200, "minutes": 5,
    "id": 3, "total": "25.80", "spent": "100.00", "budget": "2000.00", "kelvin": 2700, "step": 0.5,
    "time": "7:00", "when": "tomorrow at 7:00", "when_cap": "Tomorrow at 7:00", "due": "7:00",
    "duration": "10 minutes", "remaining": "5 minutes", "text": "call grandma", "task": "call grandma",
    "item": "milk", "items": "milk", "list": "shopping list", "unit": " °C", "mode": "cooling",
    "color": "red", "service": "turn_on", "detail": "timeout", "feature": "brightness", "date": "5/9",
    "condition": "nobody is home", "part": "blorp", "prompt": "which one do you mean?", "repeat": "",
    "state": "on", "verb": "is", "where": "in the kitchen", "what": "light", "alarms": "7:00",
    "orders": "order 3", "lines": "2 × soy sauce", "problem": "That time has already passed.",
    "action": "turn on the Kitchen Light", "errors": "The Kettle is offline.", "paused": "",
    "modes": "cool, heat", "code": "1234", "limit_chars": 200, "bound": "min", "member_id": "bo",
}  # fmt: skip
# In Chinese, what would be said in Chinese (the samples above are English text).
_ZH_SAMPLES: dict[str, Any] = {
    "problem": "那个时间已经过去了。", "errors": "电水壶离线了。", "prompt": "你指的是哪一个？",
    "action": "打开厨房灯", "lines": "2 × 酱油", "text": "给奶奶打电话", "task": "给奶奶打电话",
    "item": "牛奶", "items": "牛奶", "list": "购物清单", "when": "明天7:00", "when_cap": "明天7:00",
    "duration": "10分钟", "remaining": "5分钟", "mode": "制冷", "where": "厨房", "what": "灯",
    "condition": "没人", "part": "咕噜", "color": "红色", "state": "开着", "unit": "度",
    "alarms": "7:00", "orders": "订单3", "verb": "",
}  # fmt: skip
# Said of several devices at once in practice; "entity" and "member" are always one.
_PLURAL_PARAMS = {"names", "choices"}
_ENTITY_PARAMS = {"names", "entity", "choices", "member", "area", "name", "who"}


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _params(key: str, language: str, plural: bool, count: int) -> dict[str, Any]:
    texts = i18n._CATALOG[key]
    params: dict[str, Any] = {}
    for field in _fields(texts["en"]) | _fields(texts["zh"]):
        if field in _ENTITY_PARAMS:
            params[field] = TWO if plural and field in _PLURAL_PARAMS else ONE
        elif language == "zh" and field in _ZH_SAMPLES:
            params[field] = _ZH_SAMPLES[field]
        else:
            params[field] = _SAMPLES.get(field, "X")
        if field == "count":
            params[field] = count
        if field == "verb" and language == "en":
            params[field] = "are" if plural else "is"
    return params


def _render(key: str, language: str, plural: bool, count: int) -> str:
    return i18n.translate(key, language, **_params(key, language, plural, count))


KEYS = sorted(i18n._CATALOG)


def test_there_are_many_keys() -> None:
    assert len(KEYS) > 300


_DOUBLE_PREPOSITION = re.compile(r"\b(for|at|to|by) (at|on|in|for|to)\b", re.IGNORECASE)
_A_VOWEL = re.compile(r"\b[aA] (?=[aeioAEIO])")
_SINGULAR_WITH_PLURAL_VERB = re.compile(r"\b(Light|Lamp) (are|were|have)\b")
_PLURAL_WITH_SINGULAR_VERB = re.compile(r"\bLamp (is|was|has)\b")
_ONE_PLURAL = re.compile(r"\b1 (?!°)[a-z]+s\b")
_ASCII_PUNCTUATION = re.compile(r"[.,!?;:]")


# Values a parameter really takes in English, beyond the sample: a repeating alarm's time is
# "at 6:30" (describe_when), a timer's name is "egg " (timers._label) or nothing.
_EN_VARIANTS: dict[str, list[Any]] = {"when": ["tomorrow at 7:00", "at 6:30"], "name": ["egg ", "pasta ", ""]}
_VARIED = ("timer.", "alarm.set", "reminder.set")


def _english(key: str, plural: bool, count: int) -> list[str]:
    params = _params(key, "en", plural, count)
    texts = [i18n.translate(key, "en", **params)]
    for field, values in _EN_VARIANTS.items():
        if field in params and key.startswith(_VARIED):
            texts += [i18n.translate(key, "en", **{**params, field: v}) for v in values]
    return texts


@pytest.mark.parametrize("key", KEYS)
def test_english_reads_well(key: str) -> None:
    for plural in (False, True):
        for count in (1, 2):
            for text in _english(key, plural, count):
                assert not _DOUBLE_PREPOSITION.search(text), text
                assert not _A_VOWEL.search(text), text
                if not plural:
                    assert not _SINGULAR_WITH_PLURAL_VERB.search(text), text
                else:
                    assert not _PLURAL_WITH_SINGULAR_VERB.search(text), text
                if count == 1 and "count" in _fields(i18n._CATALOG[key]["en"]):
                    assert not _ONE_PLURAL.search(text), text


def _without_literals(text: str) -> str:
    """What is not Chinese prose: `commands`, "quoted English", numbers (1.5, 7:00), sample values."""
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\d[.:]\d", "", text)
    for sample in ("cool, heat", "7:00", "5/9", "25.80", "100.00", "2000.00"):
        text = text.replace(sample, "")
    return text


@pytest.mark.parametrize("key", KEYS)
def test_chinese_uses_full_width_punctuation(key: str) -> None:
    for plural in (False, True):
        text = _render(key, "zh", plural, 2)
        prose = _without_literals(text)
        assert not _ASCII_PUNCTUATION.search(prose), f"{key}: {text}"
        if re.search(r"[\u4e00-\u9fff]", text):
            assert not re.search(r"[.!?]$", text), f"{key}: {text}"


def test_the_question_kinds_render() -> None:
    assert Ask("which", "entities").payload()["kind"] == "which"
