"""Does the sentence itself back what the learned tier read into it? If not, never act.

The learned tier reads loose phrasing generously, and its confidence says how sure the
model is of a label, not whether the words point at a device: "给我点光吧" came out as
"turn on every light" at 0.88, "叽里咕噜" as "make the AC warmer". A device command from
that tier is done only when the sentence names a device of the kind it would change, or
says a word for that kind (``evidence.yaml``, per language). A room's name says where,
never what. Without such a word the reading is dropped ("not understood"); with one but
no room, where the home has that kind in several rooms and nothing asked for all of them,
the hub asks which room, through the dialogue's question machinery, so that the answer
("the kitchen", "客厅的") completes the very same command.

The template tier and follow-ups are not checked here: their sentences are written to
name their targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from homemind.core import i18n
from homemind.core.model import Domain, Home
from homemind.nlu.types import IntentMatch
from homemind.nlu.vocabulary import HomeVocabulary
from homemind.skills.asking import Ask, which_area


class Verdict(StrEnum):
    ACT = "act"
    ASK = "ask"  # the kind is said, the room is not: "which room?"
    DROP = "drop"  # nothing in the sentence points at that kind of device


@dataclass(frozen=True)
class Doubt:
    """The question to ask instead of acting: the message key and the rooms offered."""

    key: str
    ask: Ask


@dataclass(frozen=True)
class Words:
    kinds: dict[str, dict[str, tuple[str, ...]]]  # domain -> language -> words
    intents: dict[str, tuple[str, ...]]  # intent -> the domains it works on by default
    everything: dict[str, tuple[str, ...]]  # language -> words for "all of them"
    questions: dict[str, dict[str, str]]  # intent -> domain -> message key


@cache
def words() -> Words:
    """The word lists, read once; their questions are registered as messages."""
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("homemind.conversation").joinpath("evidence.yaml").read_text("utf-8")
    )
    kinds = {d: {lang: tuple(ws) for lang, ws in by.items()} for d, by in raw["kinds"].items()}
    unknown = (set(kinds) | {d for ds in raw["intents"].values() for d in ds}) - {d.value for d in Domain}
    if unknown:
        raise ValueError(f"evidence.yaml names unknown domains: {sorted(unknown)}")
    if any("default" not in by_domain for by_domain in raw["questions"].values()):
        raise ValueError("evidence.yaml: every intent's questions need a default")
    questions: dict[str, dict[str, str]] = {}
    messages: dict[str, dict[str, str]] = {}
    for intent, by_domain in raw["questions"].items():
        for domain, text in by_domain.items():
            key = f"evidence.which_room.{intent}.{domain}"
            messages[key] = {"en": text["en"], "zh": text["zh"]}
            questions.setdefault(intent, {})[domain] = key
    i18n.register(messages)
    return Words(
        kinds,
        {i: tuple(ds) for i, ds in raw["intents"].items()},
        {lang: tuple(ws) for lang, ws in raw["everything"].items()},
        questions,
    )


def _says(text: str, candidates: tuple[str, ...]) -> bool:
    """An English word as a whole word ("lit" is not in "little"), a Chinese one anywhere."""
    for word in candidates:
        if word.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text):
                return True
        elif word in text:
            return True
    return False


class Evidence:
    def __init__(self, home: Home, vocabulary: HomeVocabulary) -> None:
        self.home = home
        self.vocabulary = vocabulary
        self.words = words()

    def judge(self, match: IntentMatch, text: str) -> tuple[Verdict, Doubt | None]:
        """What may be done with a learned-tier device command, given the words that were said."""
        folded = text.casefold()
        named = [self.home.entities[f.key] for f in self.vocabulary.find(folded) if f.kind == "entity"]
        if match.value("name") is None and match.text("name"):
            return Verdict.ACT, None  # a device the home does not have: the handler says so
        domains = self._domains(match)
        all_words = tuple(w for ws in self.words.everything.values() for w in ws)
        if not domains:
            # Every device of a room ("turn on the bedroom"): only when the words say everything.
            return (Verdict.ACT, None) if _says(folded, all_words) else (Verdict.DROP, None)
        if not any(e.domain.value in domains for e in named) and not self._kind_said(folded, domains):
            return Verdict.DROP, None
        doubt = self._wide(match, domains, folded, all_words)
        return (Verdict.ASK, doubt) if doubt is not None else (Verdict.ACT, None)

    def _kind_said(self, folded: str, domains: set[str]) -> bool:
        # Words in either language count: "开一下 AC" and "turn on the 空调" are both said.
        return any(
            _says(folded, said) for domain in domains for said in self.words.kinds.get(domain, {}).values()
        )

    def _domains(self, match: IntentMatch) -> set[str]:
        """The kinds of device the command would change: its targets', else its intent's."""
        targets = self._targets(match)
        if targets:
            return {self.home.entities[e].domain.value for e in targets}
        domain = match.value("domain")
        if isinstance(domain, str):
            return {domain}
        return set(self.words.intents.get(match.name, ()))

    def _targets(self, match: IntentMatch) -> list[str]:
        chosen = match.value("entities")
        if isinstance(chosen, list):
            return [e for e in chosen if e in self.home.entities]
        name = match.value("name")
        return [name] if isinstance(name, str) and name in self.home.entities else []

    def _wide(
        self, match: IntentMatch, domains: set[str], folded: str, all_words: tuple[str, ...]
    ) -> Doubt | None:
        """No device, no room, no "all": every device of the kind, said by nobody. Which room?"""
        if any(match.value(k) for k in ("name", "entities", "area")) or match.metadata.get("homemind"):
            return None
        if _says(folded, all_words):
            return None
        devices = [e for e in self.home.entities.values() if e.domain.value in domains]
        rooms = list(dict.fromkeys(e.area for e in devices if e.area in self.home.areas))
        if len(devices) < 2 or len(rooms) < 2:
            return None
        by_domain = self.words.questions.get(match.name)
        if by_domain is None:
            return None  # its handler asks "which one?" itself
        key = next((by_domain[d] for d in sorted(domains) if d in by_domain), by_domain["default"])
        return Doubt(key, which_area(self.home, [r for r in rooms if r is not None]))


words()  # the questions are messages from the start, so every reply check sees them
