"""The home's grammar: every sentence the template tier understands, in words, for the recogniser.

Built from the same hassil templates and slot lists as the template tier
(`nlu/templates.py`), with this home's device names, aliases and rooms and numbers
spelled as they are said; rebuilt whenever the home changes (:func:`home_key`).
The sentences then train a small trigram language model (pocketsphinx's own
`ArpaBoLM`), which biases pocketsphinx to the home's phrasings.

Why a language model and not a JSGF/FSG grammar: pocketsphinx's JSGF compiler
copies every slot list into every place that uses it; for the demo home's ~6000
phrasings that took 194 s to load and 387 s to decode one command, and a hand-built
minimal word graph (30k transitions) still decoded at 0.8 of real time with most
commands lost to pruning. The trigram model loads in 0.1 s and decodes at ~0.1.

Written here rather than taken from a library: hassil has no export of this kind.
Template pieces glued to a neighbour ("light[s]") are why templates are expanded to
words rather than mapped node by node.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    Sequence,
    TextChunk,
)
from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList

from homemind.core.model import Home

_CAP = 4000  # expansions of one template; a template past this is left to the open-vocabulary engine
_MAX_RANGE = 120  # numbers spelled out for one range list
_REF = re.compile(r"^<[a-z0-9_]+>$")
_SYMBOLS = {"%": " percent ", "°": " degrees ", "&": " and ", "+": " plus "}
_ANSWERS = (
    "yes",
    "yes please",
    "yeah",
    "sure",
    "okay",
    "confirm",
    "do it",
    "go ahead",
    "please do",
    "no",
    "nope",
    "cancel",
    "never mind",
    "stop",
)
_DROP = re.compile(r"[?!.,;:\"“”()\[\]{}]")


class _TooBig(Exception):
    pass


def _rule(kind: str, name: str) -> str:
    return f"<{kind}_{re.sub(r'[^a-z0-9]+', '_', name.casefold())}>"


def words_of(text: str) -> list[str]:
    """Text as the recogniser's words: lower case, symbols said aloud, punctuation gone."""
    text = text.casefold()
    for symbol, said in _SYMBOLS.items():
        text = text.replace(symbol, said)
    text = _DROP.sub(" ", text).replace("-", " ")
    return [w.strip("'") for w in text.split() if w.strip("'")]


@dataclass
class Grammar:
    sentences: list[str]  # words and <rule> references
    rules: dict[str, list[str]]  # <rule> -> its alternatives, in words and references
    words: set[str]
    skipped: dict[str, int] = field(default_factory=dict)  # why templates or values were left out
    by_intent: dict[str, list[str]] = field(default_factory=dict)  # the sentences of each intent


class GrammarBuilder:
    """hassil templates + the home's slot lists -> JSGF, dropping what the dictionary cannot say."""

    def __init__(
        self,
        intents: Intents,
        home_lists: dict[str, SlotList],
        known: Callable[[str], bool],
        number_words: Callable[[int], str],
    ) -> None:
        self.intents = intents
        self.home_lists = home_lists
        self.known = known
        self.number_words = number_words
        self.rules: dict[str, list[str]] = {}
        self.words: set[str] = set()
        self.skipped: dict[str, int] = {}
        self._local_rules: dict[str, object] = {}
        self._local_lists: dict[str, SlotList] = {}

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    # --- expansion to word strings with rule placeholders -----------------------------

    def _expand(self, expression: Expression) -> list[str]:
        if isinstance(expression, TextChunk):
            return [expression.text]
        if isinstance(expression, RuleReference):
            return [f" {self._rule_ref(expression.rule_name)} "]
        if isinstance(expression, ListReference):
            return [f" {self._list_ref(expression.list_name)} "]
        if isinstance(expression, Permutation):
            out: list[str] = []
            for order in itertools.permutations(expression.items):
                out += self._product([self._expand(item) for item in order], sep=" ")
            return out
        if isinstance(expression, Alternative):
            options = [text for item in expression.items for text in self._expand(item)]
            if expression.is_optional:
                options.append("")
            return list(dict.fromkeys(options))
        if isinstance(expression, Sequence):
            return self._product([self._expand(item) for item in expression.items])
        raise _TooBig(f"unknown expression {type(expression).__name__}")

    @staticmethod
    def _product(parts: list[list[str]], sep: str = "") -> list[str]:
        size = 1
        for part in parts:
            size *= max(1, len(part))
            if size > _CAP:
                raise _TooBig("template too large")
        return list(dict.fromkeys(sep.join(combo) for combo in itertools.product(*parts)))

    def _speakable(self, text: str) -> str | None:
        """The words of an expansion, or None if one is outside the dictionary or a slot is unusable."""
        out = []
        for token in text.split():
            if _REF.match(token):
                if token == "<void>":
                    return None
                out.append(token)
                continue
            for word in words_of(token):
                if not self.known(word):
                    self._skip(f"word not in the dictionary: {word}")
                    return None
                self.words.add(word)
                out.append(word)
        return " ".join(out)

    # --- rules and lists ---------------------------------------------------------------

    def _rule_ref(self, name: str) -> str:
        ref = _rule("r", name)
        if ref in self.rules:
            return ref if self.rules[ref] else "<void>"
        sentence = self._local_rules.get(name) or self.intents.expansion_rules.get(name)
        self.rules[ref] = []  # guards against a rule that refers to itself
        if sentence is None:
            return "<void>"
        try:
            alternatives = self._expand(sentence.expression)  # type: ignore[attr-defined]
        except _TooBig:
            self._skip(f"rule too large: {name}")
            return "<void>"
        self.rules[ref] = self._alternatives(alternatives)
        return ref if self.rules[ref] else "<void>"

    def _list_ref(self, name: str) -> str:
        ref = _rule("l", name)
        if ref in self.rules:
            return ref if self.rules[ref] else "<void>"
        slot_list = (
            self.home_lists.get(name) or self._local_lists.get(name) or self.intents.slot_lists.get(name)
        )
        texts: list[str] = []
        if isinstance(slot_list, TextSlotList):
            for value in slot_list.values:
                try:
                    texts += self._expand(value.text_in)
                except _TooBig:
                    self._skip(f"list value too large: {name}")
        elif isinstance(slot_list, RangeSlotList):
            stop = slot_list.stop
            if (stop - slot_list.start) // max(1, slot_list.step) > _MAX_RANGE:
                stop = min(stop, slot_list.start + _MAX_RANGE)
            texts = [self.number_words(n) for n in range(slot_list.start, stop + 1, slot_list.step)]
        elif isinstance(slot_list, WildcardSlotList) or slot_list is None:
            # Free-form words (shopping items, messages): the open-vocabulary engine's job.
            self._skip(f"free-form list: {name}")
        self.rules[ref] = []
        self.rules[ref] = self._alternatives(texts)
        return ref if self.rules[ref] else "<void>"

    def _alternatives(self, texts: Iterable[str]) -> list[str]:
        out = []
        for text in texts:
            spoken = self._speakable(text)
            if spoken is not None:
                out.append(spoken)
        return list(dict.fromkeys(out))

    # --- the grammar -------------------------------------------------------------------

    def build(self) -> Grammar:
        sentences: list[str] = []
        groups: dict[str, set[str]] = {}
        for name, intent in self.intents.intents.items():
            for data in intent.data:
                # Rules and lists local to one intent's data; names are shared, so a local rule is
                # expanded under the data that used it first (HA's templates keep them consistent).
                self._local_rules = dict(data.expansion_rules)
                self._local_lists = dict(data.slot_lists)
                for sentence in data.sentences:
                    try:
                        expansions = self._expand(sentence.expression)
                    except _TooBig:
                        self._skip("template too large")
                        continue
                    found = [s for s in self._alternatives(expansions) if s]
                    sentences += found
                    groups.setdefault(name, set()).update(found)
        # Answers to a confirmation and codes said digit by digit (conversation/pipeline.py).
        rng = random.Random(0)
        digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        codes = [" ".join(rng.choice(digits) for _ in range(rng.choice((4, 4, 6)))) for _ in range(300)]
        for text in [*_ANSWERS, *codes]:
            spoken = self._speakable(text)
            if spoken:
                sentences.append(spoken)
                groups.setdefault("answers", set()).add(spoken)
        # Sorted: hassil enumerates through sets, whose order changes with the hash seed, and the
        # sampled corpus (so the model, so what is heard) must be the same in every process.
        rules = {ref: sorted(alts) for ref, alts in sorted(self.rules.items()) if alts}
        return Grammar(
            sorted(set(sentences)),
            rules,
            set(self.words),
            dict(self.skipped),
            {name: sorted(group) for name, group in sorted(groups.items()) if group},
        )


def corpus(
    grammar: Grammar, seed: int = 0, per_sentence: int = 2, per_intent: int = 400, per_value: int = 2
) -> list[str]:
    """Sentences in words, every template and every list value at least once, for the language model.

    A full expansion multiplies every name by every number by every phrasing (millions);
    sampling each template a few times and then each slot value into a few templates
    keeps every word pair the home can say while staying a few tens of thousands of lines.
    """
    rng = random.Random(seed)

    def fill(text: str, depth: int = 0) -> str:
        out = []
        for token in text.split():
            if _REF.match(token) and token in grammar.rules and depth < 8:
                out.append(fill(rng.choice(grammar.rules[token]), depth + 1))
            else:
                out.append(token)
        return " ".join(out)

    lines = [fill(s) for s in grammar.sentences for _ in range(per_sentence)]
    # Every intent at least a few hundred lines: "unlock the door" has four phrasings to
    # HassTurnOn's thousands, and would otherwise be heard as the likelier "lock the door".
    for group in grammar.by_intent.values():
        lines += [fill(rng.choice(group)) for _ in range(max(0, per_intent - per_sentence * len(group)))]
    users: dict[str, list[str]] = {}
    for sentence in grammar.sentences:
        for token in set(sentence.split()):
            if _REF.match(token):
                users.setdefault(token, []).append(sentence)
    for ref, alternatives in grammar.rules.items():
        where = sorted(users.get(ref, []))
        if not where:
            continue
        for value in alternatives:
            for _ in range(per_value):
                template = rng.choice(where)
                lines.append(fill(template.replace(ref, value, 1)))
    return [line for line in lines if line and "<" not in line]


def home_key(home: Home, extra: str = "") -> str:
    """Changes whenever anything the grammar is built from changes."""
    parts = [extra]
    for entity in sorted(home.entities.values(), key=lambda e: e.entity_id):
        parts.append(f"{entity.entity_id}={entity.names!r}")
    for area in sorted(home.areas.values(), key=lambda a: a.id):
        parts.append(f"{area.id}={area.names!r}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
