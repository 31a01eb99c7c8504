"""The template tier: hassil over home-assistant-intents plus homemind's own sentences.

The home's names, aliases and areas become hassil slot lists, so "turn on the
telly" matches because the home file says the TV is also called the telly.
Only intents some skill handles are loaded: a sentence we could match but not
act on would be a promise we cannot keep.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from hassil import Intents, RecognizeResult, SlotList, TextSlotList, recognize_all, recognize_best
from home_assistant_intents import get_intents

from homemind.core.model import Home, Names
from homemind.core.yamltext import safe_load
from homemind.nlu.compiled import cache_key, load_or_build
from homemind.nlu.normalize import normalize
from homemind.nlu.prefilter import Prefilter, TemplateIndex
from homemind.nlu.types import IntentMatch, Slot

# Words that glue a sentence together, never part of a device's name.
_EN_GRAMMAR = frozenset(
    {
        "of",
        "to",
        "on",
        "off",
        "in",
        "with",
        "and",
        "put",
        "is",
        "are",
        "set",
        "the",
        "it",
        "them",
        "this",
        "that",
        "all",
        "everything",
        "lights",
    }
)
_ZH_GRAMMAR = frozenset("都全部把将给了吗呢吧调开关和所有它")

# Sentences whose template-tier answer is kept (each a few hundred bytes).
RESULTS_KEPT = 1024

# home-assistant-intents names Simplified Chinese zh-CN; homemind says zh.
_HA_LANGUAGE = {"en": "en", "zh": "zh-CN"}


@cache
def _own_sentences(language: str) -> dict[str, Any]:
    text = resources.files("homemind.nlu").joinpath(f"sentences/{language}.yaml").read_text("utf-8")
    return dict(safe_load(text))


def build_intent_data(language: str, intent_types: Iterable[str]) -> dict[str, Any]:
    """home-assistant-intents for one language, cut to our intents, with our sentences merged."""
    wanted = set(intent_types)
    base = copy.deepcopy(get_intents(_HA_LANGUAGE[language]) or {})
    own = _own_sentences(language)
    intents: dict[str, Any] = {name: data for name, data in base.get("intents", {}).items() if name in wanted}
    for name, data in intents.items():
        # Home Assistant's "in 5 minutes turn off the light" delays a command; homemind has no such
        # thing, and those wildcards would swallow "remind me to call mum in 5 minutes".
        blocks = [b for b in data.get("data", []) if "conversation_command" not in str(b.get("sentences"))]
        intents[name] = {**data, "data": blocks}
    for name, data in (own.get("intents") or {}).items():
        if name not in wanted:
            continue
        # Ours first: on a tie hassil keeps the earlier sentence.
        intents.setdefault(name, {"data": []})
        intents[name]["data"] = list(data["data"]) + list(intents[name]["data"])
    return {
        "language": language,
        "settings": base.get("settings", {}),
        "intents": intents,
        "lists": {**base.get("lists", {}), **(own.get("lists") or {})},
        "expansion_rules": {
            **base.get("expansion_rules", {}),
            **(own.get("expansion_rules") or {}),
        },
        "skip_words": list(dict.fromkeys([*base.get("skip_words", []), *(own.get("skip_words") or [])])),
    }


@cache
def _parsed_intents(language: str, intent_types: tuple[str, ...]) -> Intents:
    """Parsed once per process: the templates do not depend on the home, only the slot lists do."""
    return Intents.from_dict(build_intent_data(language, intent_types))


@cache
def _template_index(
    language: str, intent_types: tuple[str, ...], kept_in: Path | None = None
) -> TemplateIndex:
    """Parsed and indexed once per process, and kept in ``kept_in`` between runs (nlu/compiled.py)."""
    return load_or_build(
        kept_in,
        f"templates-{language}",
        cache_key(language, intent_types),
        lambda: TemplateIndex(_parsed_intents(language, intent_types)),
        TemplateIndex,
    )


def _slot_values(pairs: Iterable[tuple[str, str, dict[str, Any]]]) -> TextSlotList:
    # allow_template=False: a device called "Lamp [old]" is a name, not template syntax.
    return TextSlotList.from_tuples(pairs, allow_template=False)


def _words(names: Names, languages: list[str]) -> list[str]:
    words = [w for lang in languages for w in names.all_for(lang)]
    if "zh" in languages:
        # zh matching ignores spaces, so "living room" inside Chinese reads as "livingroom".
        words += [w.replace(" ", "") for w in words if " " in w]
    return list(dict.fromkeys(words))


def _as_written(text: str, value: str) -> str:
    """A wildcard's words with the punctuation hassil dropped put back from the sentence.

    hassil matches on words, so "bread, butter and jam" comes out as "bread butter
    and jam"; the commas are how people separate list items, so they must survive.
    """
    characters = [c for c in value if not c.isspace()]
    if not characters:
        return value
    pattern = r"[\W_]*".join(re.escape(c) for c in characters)
    found = re.search(pattern, text, re.IGNORECASE)
    return found.group(0) if found else value


_EN_PERSONS = [("i'm ", "we're "), ("i am ", "we are "), ("i ", "we "), ("i'm", "we're")]


def routine_variants(phrase: str, language: str) -> list[str]:
    """A routine's phrase as the family says it: "I'm leaving" / "we're leaving", "我睡了" / "我们睡了"."""
    said = phrase.strip()
    variants = [said]
    folded = said.casefold()
    if language == "en":
        for one, many in _EN_PERSONS:
            if folded.startswith(one):
                variants.append(many + said[len(one) :])
                break
            if folded.startswith(many):
                variants.append(one + said[len(many) :])
                break
    elif said.startswith("我们"):
        variants.append("我" + said[2:])
    elif said.startswith("我"):
        variants.append("我们" + said[1:])
    return list(dict.fromkeys(variants))


class TemplateRecognizer:
    tier = "template"

    def __init__(self, home: Home, intent_types: Iterable[str], cache_dir: Path | None = None) -> None:
        """``cache_dir``: where the parsed templates are kept between runs (the hub's data dir)."""
        self._home = home
        self._types = list(intent_types)
        self._cache_dir = cache_dir
        self._intents: dict[str, Intents] = {}
        self._slot_lists: dict[str, dict[str, SlotList]] = {}
        self._prefilters: dict[str, Prefilter] = {}
        # What a sentence said before matched (or did not): the home's names cannot change under
        # a recognizer, so the answer is the same. Home Assistant's default agent keeps one too.
        self._results: OrderedDict[tuple[str, str], IntentMatch | None] = OrderedDict()
        self._lock = threading.Lock()  # the voice service recognizes from a worker thread

    def _language(self, language: str) -> tuple[Intents, dict[str, SlotList]]:
        """Every template and every name of the home (what hassil would be given without the prefilter)."""
        # Built on first use: a one-shot `homemind ask` in English never loads Chinese.
        if language not in self._intents:
            self._intents[language] = self._index(language).intents
            self._slot_lists[language] = self._home_lists(self._home, language)
        return self._intents[language], self._slot_lists[language]

    def _index(self, language: str) -> TemplateIndex:
        return _template_index(language, tuple(self._types), self._cache_dir)

    def _plan(
        self, normalized: str, language: str, *, strict: bool
    ) -> tuple[Intents, dict[str, SlotList]] | None:
        """Only the templates and names that can occur in the sentence (nlu/prefilter.py); None: none can."""
        prefilter = self._prefilters.get(language)
        if prefilter is None:
            _, lists = self._language(language)
            prefilter = self._prefilters[language] = Prefilter(self._index(language), lists)
        return prefilter.plan(normalized, strict=strict)

    @staticmethod
    def _home_lists(home: Home, language: str) -> dict[str, SlotList]:
        # Chinese speakers mix in English names ("把 TV 关掉"), so zh gets both.
        languages = [language] if language == "en" else ["zh", "en"]
        names = []
        for entity in home.entities.values():
            for word in _words(entity.names, languages):
                names.append((word, entity.entity_id, {"domain": entity.domain.value}))
        areas = []
        for area in home.areas.values():
            for word in _words(area.names, languages):
                areas.append((word, area.id, {"area": area.id}))
        # A routine is started by saying one of its phrases (the whole sentence): "good night", "晚安".
        routines: list[tuple[str, str, dict[str, Any]]] = [
            (said, routine.id, {})
            for routine in home.routines.values()
            for lang in languages
            for phrase in (*routine.phrases.get(lang, ()), *routine.names.all_for(lang))
            for said in routine_variants(phrase, lang)
        ]
        # Members by their names ("how is grandma today?", "奶奶今天怎么样"): care asks about one.
        members: list[tuple[str, str, dict[str, Any]]] = [
            (word, m.id, {}) for m in home.members.values() for word in _words(m.names, languages)
        ]
        return {
            "name": _slot_values(names),
            "area": _slot_values(areas),
            "routine": _slot_values(routines),
            "member": _slot_values(members),
            "floor": TextSlotList(name="floor", values=[]),
        }

    def warm_up(self) -> None:
        """Build hassil's lookup structures now rather than on the first command."""
        self.recognize("turn on the light", "en")
        self.recognize("打开灯", "zh")

    def _best(self, normalized: str, language: str, *, allow_unmatched: bool) -> RecognizeResult | None:
        if not normalized:
            return None
        plan = self._plan(normalized, language, strict=not allow_unmatched)
        if plan is None:
            return None  # no template can match: hassil is not asked
        intents, slot_lists = plan
        return recognize_best(
            normalized,
            intents,
            slot_lists=slot_lists,
            language=_HA_LANGUAGE[language],
            best_slot_name="name",
            allow_unmatched_entities=allow_unmatched,
        )

    def recognize(self, text: str, language: str) -> IntentMatch | None:
        normalized = normalize(text, language)  # once: hassil matches it, wildcards are read back from it
        key = (language, normalized)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                cached = self._results[key]
                return None if cached is None else replace(cached, slots=dict(cached.slots))
        match = self._match(normalized, language)
        with self._lock:
            self._results[key] = match
            if len(self._results) > RESULTS_KEPT:
                self._results.popitem(last=False)
        return None if match is None else replace(match, slots=dict(match.slots))

    def forget(self) -> None:
        """Drop the kept answers (benchmarks time sentences heard for the first time)."""
        with self._lock:
            self._results.clear()

    def _match(self, normalized: str, language: str) -> IntentMatch | None:
        result = self._best(normalized, language, allow_unmatched=False)
        if result is None:
            return None
        slots = {}
        for name, entity in result.entities.items():
            said = str(entity.text or "").strip()
            if entity.is_wildcard:
                said = _as_written(normalized, said)
                slots[name] = Slot(value=said, text=said)
            else:
                if name == "name" and not said:
                    said = str(entity.value)  # a sentence that names the device by its job: "boil some water"
                slots[name] = Slot(value=entity.value, text=said)
        metadata = dict(result.intent_metadata or {})
        metadata["response"] = result.response
        return IntentMatch(
            name=result.intent.name,
            slots=slots,
            tier=self.tier,
            language=language,
            metadata=metadata,
        )

    def unknown_target(self, text: str, language: str) -> tuple[str, str] | None:
        """When nothing matched: does the sentence fit a template but name an unknown device or room?

        Home Assistant answers "no device called X" the same way: a second pass that
        lets the name and area slots take any words, used only to explain a failure.
        """
        normalized = normalize(text, language)
        plan = self._plan(normalized, language, strict=False) if normalized else None
        if plan is None:
            return None
        intents, slot_lists = plan
        results = recognize_all(
            normalized,
            intents,
            slot_lists=slot_lists,
            language=_HA_LANGUAGE[language],
            allow_unmatched_entities=True,
        )
        found: dict[str, str] = {}
        for result in itertools.islice(results, 200):
            # Too little of a template matched ("blah blah" fits "{name}"): not an unknown name.
            if result.text_chunks_matched < (2 if language == "zh" else 4):
                continue
            unmatched = {k: v for k, v in result.unmatched_entities.items() if k != "domain"}
            if len(unmatched) != 1 or not set(unmatched) <= {"name", "area"}:
                continue
            slot, entity = next(iter(unmatched.items()))
            words = str(getattr(entity, "text", "")).strip().removesuffix("的").lstrip("把将给").strip()
            if slot not in found and self._looks_like_a_name(words, text, language):
                found[slot] = words
        # "turn on the blender" fits both "turn on {name}" and "turn on {area}": a device it is.
        for slot in ("name", "area"):
            if slot in found:
                return slot, found[slot]
        return None

    def _looks_like_a_name(self, words: str, text: str, language: str) -> bool:
        """Guard against blaming a made-up device for what is really a phrasing we lack.

        "put the kettle on" fits "{area} on" with area "put the kettle"; but the
        sentence names a device we know, so the honest answer is "not understood".
        """
        if not words or len(words) > 40 or words.startswith("<"):
            return False
        if not all(c.isalnum() or c in " '-" for c in words):
            return False  # emoji, punctuation: not part of a name
        if language == "zh":
            if len(words) < 2 or any(c in _ZH_GRAMMAR for c in words):
                return False
        elif set(words.casefold().split()) & _EN_GRAMMAR:
            return False
        folded, guessed = text.casefold(), words.casefold()
        if guessed in self._entity_words(language) or guessed in self._area_words(language):
            return False  # a device or room we know: the phrasing, not the name, is the problem
        return not any(
            len(known) > 1 and known in folded and known not in guessed
            for known in self._entity_words(language)
        )

    def _entity_words(self, language: str) -> list[str]:
        languages = [language] if language == "en" else ["zh", "en"]
        return [w.casefold() for e in self._home.entities.values() for w in _words(e.names, languages)]

    def _area_words(self, language: str) -> list[str]:
        languages = [language] if language == "en" else ["zh", "en"]
        return [w.casefold() for a in self._home.areas.values() for w in _words(a.names, languages)]
