"""Messages in English and Chinese, looked up by key.

Errors are raised deep in the core but read by a person in their own language at
the channel, so an error carries a key and parameters, never finished text.
Entity, area and member parameters are rendered in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homemind.core.model import Area, Entity, Member

_CATALOG: dict[str, dict[str, str]] = {}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add messages; a key registered twice is a programming error."""
    for key, texts in messages.items():
        if key in _CATALOG and _CATALOG[key] != dict(texts):
            raise ValueError(f"message {key!r} registered twice")
        if "en" not in texts or "zh" not in texts:
            raise ValueError(f"message {key!r} needs both en and zh")
        _CATALOG[key] = dict(texts)


@dataclass(frozen=True)
class Message:
    """A message inside another, rendered in the same reader's language ("may not {action}")."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Duration:
    """A wait said in the reader's language: "5 minutes", "1 minute", "40 seconds", "5 分钟"."""

    seconds: float

    def render(self, language: str) -> str:
        seconds = max(1, math.ceil(self.seconds))
        count, unit = (math.ceil(seconds / 60), "minute") if seconds >= 60 else (seconds, "second")
        if language == "zh":
            return f"{count} {'分钟' if unit == 'minute' else '秒'}"
        return f"{count} {unit}{'' if count == 1 else 's'}"


def render_value(value: Any, language: str) -> str:
    if isinstance(value, Duration):
        return value.render(language)
    if isinstance(value, Message):
        return translate(value.key, language, **value.params)
    render = getattr(value, "render", None)
    if callable(render):
        return str(render(language))  # a value that says itself in each language (a planned action)
    if isinstance(value, dict) and "en" in value:
        # Text kept in every language (a notification's names), for whoever reads it later.
        return str(value.get(language) or value["en"])
    if isinstance(value, Entity | Area | Member):
        return value.names.display(language)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return join_names([render_value(v, language) for v in value], language)
    return str(value)


def entity_names(entities: Iterable[Entity], language: str) -> str:
    """Devices named for a sentence: "the Kettle and Grandma's Light", "电水壶和老人房灯"."""
    words = []
    for entity in entities:
        name = entity.names.display(language)
        if language == "en" and "'" not in name:
            name = f"the {name}"
        words.append(name)
    return join_names(words, language)


def join_names(names: Iterable[str], language: str) -> str:
    items = list(names)
    if language == "zh":
        if len(items) <= 1:
            return "".join(items)
        return "、".join(items[:-1]) + "和" + items[-1]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def known(key: str) -> bool:
    return key in _CATALOG


def translate(key: str, language: str, **params: Any) -> str:
    texts = _CATALOG.get(key)
    if texts is None:
        return key
    template = texts.get(language) or texts["en"]
    if language == "en" and params.get("count") == 1 and "en_one" in texts:
        template = texts["en_one"]  # "Cancelled 1 timer.": English has a singular
    rendered = {name: render_value(value, language) for name, value in params.items()}
    return template.format(**rendered)
