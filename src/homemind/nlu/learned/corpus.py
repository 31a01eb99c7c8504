"""Training examples: the shared English corpora plus sentences generated from templates.

No labelled Chinese set exists, and the English corpora know nothing of
thermostats, curtains or door locks, so both gaps are filled by expanding the
templates in ``templates/{language}.yaml``. Generation is seeded, so ``homemind
nlu train`` builds the same data, and therefore the same model, every time.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from homemind.nlu.learned.words import split_words

TEMPLATES = Path(__file__).parent / "templates"
_PART = re.compile(r"\{(\w+)(\?)?\}|\[([^\[\]]*)\]")


class _Entity:
    """One tagged stretch of a sentence; compared by identity, so two adjacent items stay two."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


_Piece = tuple[str, "_Entity | None"]


@dataclass(frozen=True)
class Example:
    """One labelled sentence: words with BIO tags, as the shared corpora store them."""

    text: str
    intent: str
    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "tokens": list(self.tokens),
            "tags": list(self.tags),
            "source": self.source,
        }


def read_jsonl(path: Path, source: str) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            examples.append(
                Example(row["text"], row["intent"], tuple(row["tokens"]), tuple(row["tags"]), source)
            )
    return examples


class TemplateExpander:
    """Expands one language's template file into tagged sentences."""

    def __init__(self, language: str, path: Path | None = None) -> None:
        self.language = language
        spec = yaml.safe_load((path or TEMPLATES / f"{language}.yaml").read_text(encoding="utf-8"))
        self.lists: dict[str, dict[str, Any]] = {
            name: value if isinstance(value, dict) else {"values": value}
            for name, value in spec["lists"].items()
        }
        self.intents: dict[str, list[str]] = spec["intents"]
        self.joiner = "" if language == "zh" else " "

    def _expand(self, template: str, rng: random.Random, entity: _Entity | None) -> list[_Piece]:
        """Pieces of text, each with the entity it belongs to (or None)."""
        pieces: list[_Piece] = []
        position = 0
        for part in _PART.finditer(template):
            if part.start() > position:
                pieces.append((template[position : part.start()], entity))
            position = part.end()
            name, optional, choices = part.groups()
            if choices is not None:
                pieces.extend(self._expand(rng.choice(choices.split("|")), rng, entity))
                continue
            if name not in self.lists:
                raise KeyError(f"template {template!r} uses unknown list {name!r}")
            if optional and rng.random() < 0.5:
                continue
            spec = self.lists[name]
            inner = entity  # an outer entity swallows inner ones
            if inner is None and spec.get("tag"):
                inner = _Entity(spec["tag"])
            pieces.extend(self._expand(str(rng.choice(spec["values"])), rng, inner))
        if position < len(template):
            pieces.append((template[position:], entity))
        return pieces

    def sample(self, intent: str, rng: random.Random) -> Example:
        pieces = self._expand(rng.choice(self.intents[intent]), rng, None)
        text = ""
        owners: list[_Entity | None] = []  # the entity each character belongs to
        for piece, entity in pieces:
            for chunk in piece.split() if self.joiner else [piece.replace(" ", "")]:
                if self.joiner and text:
                    text += " "
                    owners.append(None)
                text += chunk
                owners.extend([entity] * len(chunk))
        words = split_words(text)
        tags = []
        previous: _Entity | None = None
        for word in words:
            entity = owners[word.start]
            if entity is None:
                tags.append("O")
            else:
                tags.append(("I-" if entity is previous else "B-") + entity.tag)
            previous = entity
        return Example(text, intent, tuple(w.text for w in words), tuple(tags), f"template-{self.language}")

    def generate(self, per_intent: int, seed: int) -> Iterator[Example]:
        """Up to ``per_intent`` distinct sentences for every intent (fewer when the templates run dry)."""
        for intent in sorted(self.intents):
            rng = random.Random(f"{seed}:{self.language}:{intent}")
            seen: set[str] = set()
            attempts = 0
            while len(seen) < per_intent and attempts < per_intent * 8:
                attempts += 1
                example = self.sample(intent, rng)
                if example.text and example.text not in seen:
                    seen.add(example.text)
                    yield example


# Home Assistant's own Chinese sentences, sampled by hassil: other people's phrasings,
# which is what a model trained on one author's templates lacks most. Slots are
# sampled as sentinels, then filled from the template file's lists with their tags.
_NAME, _AREA = "ⓝ", "ⓐ"
_COVER_WORDS = ("帘", "窗", "门", "棚", "闸", "篷", "蓬")
_HA_LABELS: dict[str, tuple[str, str, str]] = {
    # HA intent -> (label for lights, label for covers, label for anything else)
    "HassTurnOn": ("iot_hue_lighton", "hm_cover_open", "iot_wemo_on"),
    "HassTurnOff": ("iot_hue_lightoff", "hm_cover_close", "iot_wemo_off"),
    "HassLightSet": ("iot_hue_lightchange", "iot_hue_lightchange", "iot_hue_lightchange"),
    "HassClimateSetTemperature": ("hm_climate_set", "hm_climate_set", "hm_climate_set"),
    "HassClimateGetTemperature": ("hm_temperature_query", "hm_temperature_query", "hm_temperature_query"),
    "HassGetState": ("hm_device_state", "hm_device_state", "hm_device_state"),
    "HassSetPosition": ("hm_cover_position", "hm_cover_position", "hm_cover_position"),
    "HassVacuumStart": ("iot_cleaning", "iot_cleaning", "iot_cleaning"),
    "HassVacuumReturnToBase": ("hm_vacuum_dock", "hm_vacuum_dock", "hm_vacuum_dock"),
    "HassMediaPause": ("hm_media_pause", "hm_media_pause", "hm_media_pause"),
    "HassMediaUnpause": ("hm_media_resume", "hm_media_resume", "hm_media_resume"),
    "HassMediaPlayerMute": ("audio_volume_mute", "audio_volume_mute", "audio_volume_mute"),
    "HassGetCurrentTime": ("datetime_query", "datetime_query", "datetime_query"),
    "HassGetCurrentDate": ("datetime_query", "datetime_query", "datetime_query"),
    "HassGetWeather": ("weather_query", "weather_query", "weather_query"),
}
_NAME_LIST = {  # label -> the template list a sentinel name is filled from
    "iot_hue_lighton": "light",
    "iot_hue_lightoff": "light",
    "iot_hue_lightchange": "light",
    "hm_cover_open": "cover",
    "hm_cover_close": "cover",
    "hm_cover_position": "cover",
    "iot_wemo_on": "appliance",
    "iot_wemo_off": "appliance",
    "hm_climate_set": "climate",
    "hm_temperature_query": "climate",
    "iot_cleaning": "vacuum",
    "hm_vacuum_dock": "vacuum",
    "hm_media_pause": "media",
    "hm_media_resume": "media",
    "audio_volume_mute": "media",
}


def sample_home_assistant_zh(per_intent: int, seed: int, expander: TemplateExpander) -> list[Example]:
    """Up to ``per_intent`` sentences per HA intent from home-assistant-intents' zh-CN set."""
    import itertools

    from hassil import Intents, SlotList, TextSlotList
    from hassil.sample import sample_intents
    from home_assistant_intents import get_intents

    data = get_intents("zh-CN")
    if data is None:
        return []
    intents = Intents.from_dict(data)
    sentinels: dict[str, SlotList] = {
        "name": TextSlotList.from_strings([_NAME]),
        "area": TextSlotList.from_strings([_AREA]),
        "floor": TextSlotList.from_strings(["楼上"]),
    }
    examples: list[Example] = []
    for intent in sorted(_HA_LABELS):
        rng = random.Random(f"{seed}:ha:{intent}")
        pool = list(
            itertools.islice(
                sample_intents(intents, slot_lists=sentinels, intent_names={intent}, language="zh-CN"), 40000
            )
        )
        rng.shuffle(pool)
        seen: set[str] = set()
        for _, sentence in pool:
            if len(seen) >= per_intent:
                break
            example = _fill_sentinels(sentence.replace(" ", ""), intent, rng, expander)
            if example is not None and example.text not in seen:
                seen.add(example.text)
                examples.append(example)
    return examples


def _fill_sentinels(
    sentence: str, intent: str, rng: random.Random, expander: TemplateExpander
) -> Example | None:
    if not all(c.isprintable() for c in sentence) or "的的" in sentence:
        return None  # a quirk of free expansion, not something people say
    lights, covers, other = _HA_LABELS[intent]
    filler_kind = rng.random()
    switching = intent in ("HassTurnOn", "HassTurnOff")
    if "灯" in sentence or (_NAME in sentence and filler_kind < 0.4 and switching):
        label = lights
    elif any(w in sentence for w in _COVER_WORDS) or (_NAME in sentence and filler_kind < 0.6):
        label = covers
    else:
        label = other
    text = ""
    owners: list[_Entity | None] = []
    for piece in re.split(f"([{_NAME}{_AREA}])", sentence):
        if piece in (_NAME, _AREA):
            list_name = "room" if piece == _AREA else _NAME_LIST.get(label)
            if list_name is None:
                return None
            spec = expander.lists[list_name]
            value = "".join(p for p, _ in expander._expand(str(rng.choice(spec["values"])), rng, None))
            entity = _Entity(spec.get("tag", "device_type"))
            text += value
            owners.extend([entity] * len(value))
        else:
            text += piece
            owners.extend([None] * len(piece))
    words = split_words(text)
    tags = []
    previous: _Entity | None = None
    for word in words:
        owner = owners[word.start]
        tags.append("O" if owner is None else ("I-" if owner is previous else "B-") + owner.tag)
        previous = owner
    return Example(text, label, tuple(w.text for w in words), tuple(tags), "hassil-zh")
