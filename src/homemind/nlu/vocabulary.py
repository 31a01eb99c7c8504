"""The home's own words: every device and room name and alias, found in a sentence by longest match.

Shared by the learned tier (to place what the model tagged) and by follow-ups
("and the bedroom too"), so both read a sentence's names the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from homemind.core.model import Home


@dataclass(frozen=True)
class Found:
    kind: str  # "entity" or "area"
    key: str  # entity_id or area id
    text: str
    start: int
    end: int


class HomeVocabulary:
    """Every name and alias of the home's devices and rooms, found by longest match in a sentence.

    Indexed once per home (an Aho-Corasick automaton over the folded names, pyahocorasick),
    so a sentence is read once however many names the home has (microseconds, even for
    the few times a turn the dialogue layer asks about one sentence).
    """

    def __init__(self, home: Home) -> None:
        self.home = home
        words: list[tuple[str, str, str]] = []
        for entity in home.entities.values():
            for language in ("en", "zh"):
                words += [(w, "entity", entity.entity_id) for w in entity.names.all_for(language)]
        for area in home.areas.values():
            for language in ("en", "zh"):
                words += [(w, "area", area.id) for w in area.names.all_for(language)]
        # Longest first: "living room light" is a light, not the living room. Ties in a fixed order.
        self._words = sorted(
            {(w.casefold(), kind, key) for w, kind, key in words if w.strip()}, key=lambda x: (-len(x[0]), x)
        )
        by_word: dict[str, list[tuple[int, str, str]]] = {}
        for rank, (word, kind, key) in enumerate(self._words):
            by_word.setdefault(word, []).append((rank, kind, key))
        self._automaton = ahocorasick.Automaton()
        for word, where in by_word.items():
            self._automaton.add_word(word, (len(word), tuple(where)))
        if by_word:
            self._automaton.make_automaton()
        self._empty = not by_word

    def find(self, text: str) -> list[Found]:
        """The names in ``text``, longest first where they overlap, in the order they occur."""
        if self._empty:
            return []
        folded = text.casefold()
        # Every occurrence, then taken greedily in the order of the longest-first word list
        # (and, for one word, left to right): the longest name wins where names overlap.
        candidates: list[tuple[int, int, int, str, str]] = []
        for last, (length, where) in self._automaton.iter(folded):
            index = last - length + 1
            candidates += [(rank, index, index + length, kind, key) for rank, kind, key in where]
        candidates.sort()
        taken = [False] * len(folded)
        found: list[Found] = []
        for _, index, end, kind, key in candidates:
            if any(taken[index:end]) or not _on_word_boundary(folded, index, end):
                continue
            for i in range(index, end):
                taken[i] = True
            found.append(Found(kind, key, text[index:end], index, end))
        return sorted(found, key=lambda f: f.start)


def _on_word_boundary(text: str, start: int, end: int) -> bool:
    """Latin names must stand as whole words ("ac" is not inside "back"); Han names need no spaces."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "

    def latin(char: str) -> bool:
        return char.isascii() and char.isalnum()

    return not (latin(text[start]) and latin(before)) and not (latin(text[end - 1]) and latin(after))
