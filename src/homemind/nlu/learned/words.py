"""Splitting text into the words the model tags, with their places in the text.

Training data and live text go through this same function, so a span the model
tags maps back to exactly the characters the person typed. English splits on
spaces and punctuation (keeping "what's" and "7:30" whole); Chinese has no
spaces, so every Han character is a word of its own, which is also how the
encoder's vocabulary sees Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A Han character alone, or a run of anything that is neither space nor Han.
_CHUNK = re.compile(rf"[{_HAN}]|[^\s{_HAN}]+")
# Punctuation peeled off the ends of a run: "please!" -> "please" "!", but "u." stays.
_EDGE = "\"'“”‘’()[]{}<>,!?;:。，！？；：、…~"


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def split_words(text: str) -> list[Word]:
    words: list[Word] = []
    for match in _CHUNK.finditer(text):
        start, end = match.start(), match.end()
        tail: list[Word] = []
        while end - start > 1 and (text[end - 1] in _EDGE or (text[end - 1] == "." and end - start > 2)):
            tail.insert(0, Word(text[end - 1], end - 1, end))
            end -= 1
        while end - start > 1 and text[start] in _EDGE:
            words.append(Word(text[start], start, start + 1))
            start += 1
        words.append(Word(text[start:end], start, end))
        words.extend(tail)
    return words


def span_text(text: str, words: list[Word], first: int, last: int) -> str:
    """The original characters covered by words[first..last], spaces between them kept."""
    return text[words[first].start : words[last].end]
