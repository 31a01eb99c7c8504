"""Before hassil: only the templates and the home's names that can occur in this sentence.

hassil tries every sentence template against the text, and at every ``{name}`` or
``{area}`` every value of the list; in Chinese (no word boundaries to anchor on) at
every position. With a thousand devices named in two scripts that is most of a
command's time, and it grows with the home. Two Aho-Corasick automatons
(pyahocorasick) read the normalized sentence once each:

* the home's names, areas and routine phrases: a value is kept only if its
  *skeleton* (NFKC, case-folded, letters and digits only) occurs in the sentence's
  skeleton (with and without hassil's skip words);
* every literal fragment hassil's own prefilter requires of a template
  (``Sentence.get_required_clauses``), against the same haystack hassil builds.

A template survives if every one of its required clauses has a fragment in the
sentence and every list it cannot do without (``{name}`` outside any optional
part...) kept a value it would take (hassil skips values whose context, a name's
domain, disagrees with the block's ``requires_context``). hassil then runs on the
survivors, with the pruned lists, in their original order; when nothing survives
it is not called at all.

Exactness: hassil matches a list value as literal text (``allow_template=False``),
case-insensitively, after removing punctuation, spaces between Chinese characters,
skip words and hyphens; each of those only removes characters that the skeleton
ignores, so a value hassil could match is never dropped. A template is dropped only
when hassil itself could not match it. So the answer is the one hassil would give
with every template and every name; ``tests/test_prefilter.py`` checks that on
thousands of sentences.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import ahocorasick
import hassil.util
from hassil import Intents, SlotList, TextSlotList
from hassil.expression import Alternative, Expression, Group, ListReference, RuleReference, Sentence
from hassil.intents import Intent, IntentData, TextSlotValue
from hassil.util import (
    CJK_WHITESPACE,
    check_excluded_context,
    check_required_context,
    normalize_for_matching,
    remove_skip_words_tracked,
)

_MAX_DEPTH = 24  # as hassil: expansion rules that refer to each other
_CACHED = 1024  # subsets and pruned lists kept for sentences seen again


# The fold hassil's own prefilter uses (hassil >= 3.13: fold_case, which also unifies the Turkish
# dotless and dotted I as re.IGNORECASE does; before: str.casefold): the haystack must be folded
# exactly as its fragments are.
_fold_like_hassil: Callable[[str], str] = getattr(hassil.util, "fold_case", str.casefold)
_TURKISH_I = str.maketrans({"ı": "i", "İ": "i"})


def skeleton(text: str) -> str:
    """Folded letters and digits: what is left of a name whatever hassil strips around it.

    At least as permissive as hassil's ``re.IGNORECASE``: case-folded, with the two
    Turkish i's that casefold leaves apart unified, so a name is never missed.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_TURKISH_I).casefold()
    return "".join(c for c in folded if c.isalnum())


def required_lists(expression: Expression, rules: dict[str, Sentence], depth: int = 0) -> frozenset[str]:
    """The lists every way of matching ``expression`` goes through (not those in optional parts)."""
    if depth > _MAX_DEPTH:
        return frozenset()
    if isinstance(expression, ListReference):
        return frozenset((expression.list_name,))
    if isinstance(expression, Alternative):
        if expression.is_optional or not expression.items:
            return frozenset()
        branches = [required_lists(item, rules, depth + 1) for item in expression.items]
        return frozenset.intersection(*branches)
    if isinstance(expression, Group):  # a sequence or a permutation: every item
        return frozenset(
            itertools.chain.from_iterable(required_lists(i, rules, depth + 1) for i in expression.items)
        )
    if isinstance(expression, RuleReference) and expression.rule_name in rules:
        return required_lists(rules[expression.rule_name].expression, rules, depth + 1)
    return frozenset()


@dataclass(frozen=True)
class _Template:
    intent: str
    block: int  # index of the intent's data block
    sentence: Sentence
    clauses: tuple[int, ...]  # hassil's required fragments, in CNF: one bit per fragment
    lists: frozenset[str]  # shared lists it cannot match without
    requires: dict[str, Any]  # the block's requires_context / excludes_context: hassil
    excludes: dict[str, Any]  # skips list values whose own context disagrees

    def takes(self, value: TextSlotValue) -> bool:
        """Whether hassil would try ``value`` in this template (string_matcher's context filter)."""
        if self.requires and not check_required_context(
            self.requires, value.context, allow_missing_keys=True
        ):
            return False
        return not self.excludes or check_excluded_context(self.excludes, value.context)


class TemplateIndex:
    """Which templates of one language's intents a sentence can possibly match."""

    def __init__(self, intents: Intents) -> None:
        self.intents = intents
        self._templates: list[_Template] = []
        self._always: list[int] = []  # templates without a required fragment: always candidates
        self._fragments = ahocorasick.Automaton()
        by_fragment: dict[str, list[int]] = {}
        bits: dict[str, int] = {}  # each fragment's bit in the clause masks
        for name, intent in intents.intents.items():
            for block, data in enumerate(intent.data):
                rules = {**intents.expansion_rules, **data.expansion_rules}
                # A block's own lists and wildcards are not pruned: only the shared text lists are.
                local = set(data.slot_lists) | set(data.wildcard_list_names)
                for sentence in data.sentences:
                    clauses = tuple(sentence.get_required_clauses(rules))
                    for fragment in itertools.chain.from_iterable(clauses):
                        by_fragment.setdefault(fragment, [])  # looked for, to check every clause
                        bits.setdefault(fragment, 1 << len(bits))
                    masks = tuple(sum(bits[f] for f in clause) for clause in clauses)
                    lists = required_lists(sentence.expression, rules) - local
                    self._templates.append(
                        _Template(
                            name, block, sentence, masks, lists, data.requires_context, data.excludes_context
                        )
                    )
                    number = len(self._templates) - 1
                    if not clauses:
                        self._always.append(number)
                        continue
                    # Indexed under one clause (the one with the longest shortest fragment: rarest).
                    trigger = max(clauses, key=lambda c: min(len(f) for f in c))
                    for fragment in trigger:
                        by_fragment.setdefault(fragment, []).append(number)
        for fragment, numbers in by_fragment.items():
            self._fragments.add_word(fragment, (bits[fragment], tuple(numbers)))
        self._fragments.make_automaton()
        self._skip_words = list(intents.skip_words)
        self._ignore_whitespace = intents.settings.ignore_whitespace
        self._subsets: dict[tuple[int, ...], Intents] = {}

    def haystack(self, text: str) -> str:
        """The text hassil's own prefilter searches (recognize_all): with and without skip words."""
        with_skip = normalize_for_matching(text)
        without_skip = with_skip.copy()
        if self._skip_words:
            remove_skip_words_tracked(without_skip, self._skip_words, self._ignore_whitespace)
        haystack = f"{_fold_like_hassil(with_skip.text)}\n{_fold_like_hassil(without_skip.text)}"
        if self._ignore_whitespace:
            haystack += "\n" + CJK_WHITESPACE.sub("", haystack)
        return haystack

    def candidates(
        self, haystack: str, kept: dict[str, list[TextSlotValue]], *, need_lists: bool = True
    ) -> tuple[int, ...]:
        """Numbers of the templates that can match (``haystack`` from :meth:`haystack`), in hassil's order.

        ``kept``: the values of each text list that occur in the sentence; with
        ``need_lists`` a template is left out when a list it needs kept no value it
        would take (not when unmatched entities are allowed: then a name may be any
        words).
        """
        present = 0  # one bit per fragment found
        chosen = set(self._always)
        for _end, (bit, numbers) in self._fragments.iter(haystack):
            if not present & bit:
                present |= bit
                chosen.update(numbers)
        survivors = []
        for number in sorted(chosen):
            template = self._templates[number]
            if not all(mask & present for mask in template.clauses):
                continue
            if need_lists and not all(
                any(template.takes(v) for v in kept[name]) for name in template.lists if name in kept
            ):
                continue
            survivors.append(number)
        return tuple(survivors)

    def subset(self, numbers: tuple[int, ...]) -> Intents:
        """The intents with only these templates, every intent, block and sentence in its place."""
        cached = self._subsets.get(numbers)
        if cached is not None:
            return cached
        blocks: dict[tuple[str, int], list[Sentence]] = {}
        for number in numbers:
            template = self._templates[number]
            blocks.setdefault((template.intent, template.block), []).append(template.sentence)
        intents: dict[str, Intent] = {}
        for name, intent in self.intents.intents.items():
            data = [
                _with_sentences(block, blocks[(name, i)])
                for i, block in enumerate(intent.data)
                if (name, i) in blocks
            ]
            if data:
                intents[name] = Intent(name=name, data=data)
        subset = replace(self.intents, intents=intents)
        if len(self._subsets) >= _CACHED:
            self._subsets.clear()
        self._subsets[numbers] = subset
        return subset


def _with_sentences(block: IntentData, sentences: list[Sentence]) -> IntentData:
    """A copy of the block holding only ``sentences``: the parsed originals, in their order.

    hassil parses ``IntentData.sentences`` from ``sentence_texts`` once (a cached
    property kept in the instance's dict); the copy gets the already parsed templates
    there, so nothing is parsed again and each keeps its cached required fragments.
    """
    copy = replace(block, sentence_texts=[s.text or "" for s in sentences])
    vars(copy)["sentences"] = sentences
    return copy


class ValueIndex:
    """Every text list's values (the home's names, areas and routines, the templates' own lists
    of colours or measures), found in a sentence by skeleton."""

    def __init__(self, lists: dict[str, SlotList]) -> None:
        self.lists = lists
        self._automaton = ahocorasick.Automaton()
        found: dict[str, list[tuple[str, int]]] = {}
        self._values: dict[str, list[Any]] = {}
        for name, slot_list in lists.items():
            if not isinstance(slot_list, TextSlotList):
                continue  # numbers and wildcards: not pruned
            self._values[name] = list(slot_list.values)
            for position, value in enumerate(slot_list.values):
                text = getattr(value.text_in, "text", None)
                key = skeleton(text) if isinstance(text, str) else ""
                if key:
                    found.setdefault(key, []).append((name, position))
                else:  # not plain text (cannot happen with allow_template=False): always kept
                    found.setdefault("", []).append((name, position))
        self._unkeyed = found.pop("", [])
        for key, where in found.items():
            self._automaton.add_word(key, tuple(where))
        if found:
            self._automaton.make_automaton()
        self._empty = not found
        self._sublists: dict[tuple[str, tuple[int, ...]], TextSlotList] = {}

    def prune(self, haystack: str) -> tuple[dict[str, SlotList], dict[str, list[TextSlotValue]]]:
        """The lists with only the values whose skeleton occurs in ``haystack`` (lines searched
        apart), and those values by list."""
        kept: dict[str, set[int]] = {name: set() for name in self._values}
        for name, position in self._unkeyed:
            kept[name].add(position)
        if not self._empty:
            for _end, where in self._automaton.iter(skeleton_lines(haystack)):
                for name, position in where:
                    kept[name].add(position)
        pruned = dict(self.lists)
        values: dict[str, list[TextSlotValue]] = {}
        for name, positions in kept.items():
            sublist = self._sublist(name, tuple(sorted(positions)))
            pruned[name], values[name] = sublist, sublist.values
        return pruned, values

    def _sublist(self, name: str, positions: tuple[int, ...]) -> TextSlotList:
        key = (name, positions)
        cached = self._sublists.get(key)
        if cached is None:
            if len(self._sublists) >= _CACHED:
                self._sublists.clear()
            values = self._values[name]
            cached = self._sublists[key] = TextSlotList(name=name, values=[values[i] for i in positions])
        return cached


def skeleton_lines(text: str) -> str:
    """The skeleton of each line of ``text``, joined by a character no skeleton contains."""
    return "\n".join(skeleton(line) for line in text.split("\n"))


class Prefilter:
    """One language's templates and one home's lists: what hassil gets for a sentence."""

    def __init__(self, index: TemplateIndex, home_lists: dict[str, SlotList]) -> None:
        self.index = index
        self.values = ValueIndex({**index.intents.slot_lists, **home_lists})
        self._plans: dict[tuple[str, bool], tuple[Intents, dict[str, SlotList]] | None] = {}

    def plan(self, text: str, *, strict: bool = True) -> tuple[Intents, dict[str, SlotList]] | None:
        """The intents and lists to give hassil for ``text``; None when no template can match.

        ``strict=False`` is for hassil's ``allow_unmatched_entities``, where a template
        needing a name may still match with words that are no name of this home. A
        plan depends on nothing but the sentence, so one said again reuses it.
        """
        key = (text, strict)
        if key not in self._plans:
            if len(self._plans) >= _CACHED:
                self._plans.clear()
            self._plans[key] = self._plan(text, strict)
        return self._plans[key]

    def _plan(self, text: str, strict: bool) -> tuple[Intents, dict[str, SlotList]] | None:
        haystack = self.index.haystack(text)
        lists, kept = self.values.prune(haystack)
        numbers = self.index.candidates(haystack, kept, need_lists=strict)
        if not numbers:
            return None
        return self.index.subset(numbers), lists
