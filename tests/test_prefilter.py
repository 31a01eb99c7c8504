"""The template tier's prefilter never changes an answer: the same as hassil with every template and name.

Sentences come from the templates themselves (sampled with the home's names), from
the hand-written scenario and everyday sets, and from perturbations that try the
prefilter's edges: names with apostrophes and hyphens, other letter cases and
widths, skip words inside a name, names in the other script, names the home does
not have. Each is recognized twice, with the prefilter and without it (hassil given
every template and every name), on the demo home and on a generated 200-device home.
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hassil import TextSlotList
from hassil.intents import Intents, SlotList
from hassil.sample import sample_sentence

from everyday import CHINESE_EVERYDAY, ENGLISH_EVERYDAY
from homemind.core.homefile import load_home, parse_home
from homemind.core.model import Home
from homemind.nlu.normalize import normalize
from homemind.nlu.prefilter import skeleton
from homemind.nlu.templates import TemplateRecognizer
from homemind.skills import default_registry
from scenarios import CHINESE, ENGLISH

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from scale import home_document


class Unfiltered(TemplateRecognizer):
    """The reference: hassil with every template and every name of the home."""

    def _plan(
        self, normalized: str, language: str, *, strict: bool
    ) -> tuple[Intents, dict[str, SlotList]] | None:
        return self._language(language) if normalized else None


def fingerprint(recognizer: TemplateRecognizer, text: str, language: str) -> Any:
    match = recognizer.recognize(text, language)
    if match is None:
        return None, recognizer.unknown_target(text, language)
    slots = sorted((k, repr(v.value), v.text) for k, v in match.slots.items())
    return match.name, slots, repr(sorted(match.metadata.items(), key=str))


def _samples(
    recognizer: TemplateRecognizer, language: str, rng: random.Random, per_template: int
) -> Iterator[str]:
    """A few sentences of every template, with a few of the home's names drawn at random for each."""
    intents, lists = recognizer._language(language)
    for intent in intents.intents.values():
        for block in intent.data:
            rules = {**intents.expansion_rules, **block.expansion_rules}
            for sentence in block.sentences:
                if any(name in block.wildcard_list_names for name in sentence.list_names(rules)):
                    continue
                small = {
                    name: TextSlotList(
                        name=name, values=rng.sample(values.values, min(2, len(values.values)))
                    )
                    for name, values in lists.items()
                    if isinstance(values, TextSlotList) and values.values
                }
                texts = sample_sentence(
                    sentence, {**intents.slot_lists, **lists, **small}, rules, language=language
                )
                yield from itertools.islice(texts, per_template)


def _perturbed(text: str, language: str, rng: random.Random, home: Home) -> list[str]:
    """The sentence as people (and speech-to-text) also write it."""
    other = "zh" if language == "en" else "en"
    names = [n for e in home.entities.values() for n in e.names.all_for(other)]
    out = [text.upper(), text.replace("'", ""), text.replace(" ", "-"), text + "!"]
    if language == "en":
        words = text.split()
        if len(words) > 2:
            cut = rng.randrange(1, len(words))
            out.append(" ".join([*words[:cut], "please", *words[cut:]]))
            out.append(" ".join(w for i, w in enumerate(words) if i != cut))
        out.append(text.replace("the ", "the " + rng.choice(["garage ", "attic ", "blue "]), 1))
    else:
        out.append(text.replace("把", "请把", 1) + "吧")
        out.append("".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text))  # full width
        out.append(text[: len(text) // 2] + "车库" + text[len(text) // 2 :])
    if names:
        out.append(f"{text} {rng.choice(names)}" if language == "en" else f"把{rng.choice(names)}{text}")
    return out


def _sentences(recognizer: TemplateRecognizer, home: Home, language: str, sampled_count: int) -> list[str]:
    rng = random.Random(f"prefilter-{language}")
    sampled = list(dict.fromkeys(_samples(recognizer, language, rng, per_template=1)))
    rng.shuffle(sampled)
    steps = [*ENGLISH_EVERYDAY, *ENGLISH] if language == "en" else [*CHINESE_EVERYDAY, *CHINESE]
    chosen = sampled[:sampled_count] + [s.text for s in steps]
    perturbed = [p for text in chosen[: sampled_count // 2] for p in _perturbed(text, language, rng, home)]
    return list(dict.fromkeys(chosen + perturbed))


HOMES = {
    "demo": lambda: load_home(Path(__file__).resolve().parent.parent / "src/homemind/homes/demo.yaml"),
    "generated-200": lambda: parse_home(yaml.safe_dump(home_document(200), allow_unicode=True), "generated"),
}


# Template samples per run (each also perturbed, half of them): the reference is slow, most of all
# in Chinese on the bigger home (that is what the prefilter is for), so fewer there.
SAMPLED = {
    ("demo", "en"): 250,
    ("demo", "zh"): 150,
    ("generated-200", "en"): 100,
    ("generated-200", "zh"): 60,
}


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("home_name", list(HOMES))
def test_the_prefilter_gives_hassils_own_answers(home_name: str, language: str) -> None:
    home = HOMES[home_name]()
    types = default_registry().intent_types
    fast, reference = TemplateRecognizer(home, types), Unfiltered(home, types)
    # The reference is slow on the bigger home (that is the point of the prefilter): fewer there.
    sentences = _sentences(reference, home, language, SAMPLED[home_name, language])
    assert len(sentences) > 250
    differ = []
    matched = 0
    for text in sentences:
        expected = fingerprint(reference, text, language)
        matched += expected[0] is not None
        if fingerprint(fast, text, language) != expected:
            differ.append((text, expected, fingerprint(fast, text, language)))
    assert not differ, differ[:5]
    assert matched > len(sentences) / 3  # the sentences exercise matching, not only misses


def test_a_sentence_without_a_known_name_or_verb_never_reaches_hassil(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from homemind.nlu import templates

    home = HOMES["demo"]()
    recognizer = TemplateRecognizer(home, default_registry().intent_types)
    recognizer.warm_up()
    called: list[str] = []
    real = templates.recognize_best
    monkeypatch.setattr(
        templates, "recognize_best", lambda text, *a, **k: called.append(text) or real(text, *a, **k)
    )
    assert recognizer.recognize("the weather was lovely yesterday afternoon", "en") is None
    assert recognizer.recognize("我昨天看了一部很好的电影", "zh") is None
    assert called == []
    assert recognizer.recognize("turn on the kitchen light", "en") is not None
    assert called == [normalize("turn on the kitchen light", "en")]


def test_skeletons_ignore_what_hassil_ignores() -> None:
    assert skeleton("Grandma's Light") == skeleton("grandmas-light") == "grandmaslight"
    assert skeleton("ＴＶ 音量") == skeleton("tv音量")


def test_a_sentence_said_again_is_answered_from_what_was_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second time, hassil is not asked; the answer is the same, and each caller gets its own."""
    from homemind.nlu import templates

    recognizer = TemplateRecognizer(HOMES["demo"](), default_registry().intent_types)
    first = recognizer.recognize("turn on the kitchen light", "en")
    missed = recognizer.recognize("the weather was lovely yesterday afternoon", "en")
    called: list[str] = []
    real = templates.recognize_best
    monkeypatch.setattr(
        templates, "recognize_best", lambda text, *a, **k: called.append(text) or real(text, *a, **k)
    )
    again = recognizer.recognize("turn on the kitchen light!", "en")  # the same once normalized
    assert recognizer.recognize("the weather was lovely yesterday afternoon", "en") is missed is None
    assert called == []
    assert first is not None and again is not None and again == first
    again.slots.clear()  # one caller's copy: the next caller's answer is whole
    assert recognizer.recognize("turn on the kitchen light", "en") == first
    recognizer.forget()
    assert recognizer.recognize("turn on the kitchen light", "en") == first
    assert called == [normalize("turn on the kitchen light", "en")]
