"""A document's own structure -> passages: articles for laws, headings and paragraphs otherwise.

Readers (``ingest.py``) turn every format into the same list of :class:`Block`
(a heading with its level, or a paragraph, with the page or line it came from);
this module decides what one passage is. A law is split at each ``第N条`` and the
article keeps the chapter it sits in; anything else is split at its headings, and
long sections into pieces of a few paragraphs, never across a PDF page, so a
citation can name the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from homemind.library.terms import sentences

ARTICLE = re.compile(
    r"^\s*(第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)(?:[\s\u3000]+|$)"
)
# Generic passages: up to about this many characters (a few paragraphs, one screen).
TARGET_CHARS = 600
# A document is a law when ten of its paragraphs start an article (第N条), or two and a third of them
# (a short supplementary chapter): a letter that happens to quote one article is not.
LAW_MIN_ARTICLES = 10


@dataclass(frozen=True)
class Block:
    text: str
    level: int = 0  # 0: a paragraph; 1-6: a heading of that level
    page: int | None = None
    line: int | None = None


@dataclass
class Passage:
    section: str  # the article (第二条) or the heading it sits under
    chapter: str  # the headings above it, outermost first
    text: str
    page: int | None = None
    line: int | None = None
    ordinal: int = 0


@dataclass
class _Headings:
    levels: dict[int, str] = field(default_factory=dict)

    def push(self, level: int, text: str) -> None:
        self.levels = {k: v for k, v in self.levels.items() if k < level}
        self.levels[level] = _spaced_out(text)

    def path(self) -> list[str]:
        return [self.levels[k] for k in sorted(self.levels)]


def _spaced_out(text: str) -> str:
    """Whitespace tidied; a heading typeset letter by letter (准 合 同) read as one word."""
    words: list[str] = []
    run = False  # the last word is a run of single Chinese characters
    for word in text.split():
        single = len(word) == 1 and ord(word) > 0x2E80
        if single and run:
            words[-1] += word
        else:
            words.append(word)
        run = single and (run or len(words[-1]) == 1)
    return " ".join(words)


def is_law(blocks: list[Block]) -> bool:
    paragraphs = [b for b in blocks if b.level == 0]
    articles = sum(1 for b in paragraphs if ARTICLE.match(b.text))
    return articles >= LAW_MIN_ARTICLES or (articles >= 2 and articles * 3 >= len(paragraphs))


def split(blocks: list[Block]) -> list[Passage]:
    """Passages of a document, in reading order."""
    passages = _articles(blocks) if is_law(blocks) else _sections(blocks)
    for i, passage in enumerate(passages):
        passage.ordinal = i
    return [p for p in passages if p.text.strip()]


def _articles(blocks: list[Block]) -> list[Passage]:
    heads = _Headings()
    out: list[Passage] = []
    current: Passage | None = None
    for block in blocks:
        if block.level:
            heads.push(block.level, block.text)
            current = None
            continue
        match = ARTICLE.match(block.text)
        if match:
            current = Passage(
                match.group(1), " ".join(heads.path()), block.text.strip(), block.page, block.line
            )
            out.append(current)
        elif current is not None:
            current.text += "\n" + block.text.strip()
    return out


def _sections(blocks: list[Block]) -> list[Passage]:
    heads = _Headings()
    out: list[Passage] = []
    current: Passage | None = None
    for block in blocks:
        if block.level:
            heads.push(block.level, block.text)
            current = None
            continue
        path = heads.path()
        for piece in _pieces(block.text.strip()):
            same_place = current is not None and current.page == block.page
            if current is None or not same_place or len(current.text) + len(piece) > TARGET_CHARS:
                section = path[-1] if path else ""
                current = Passage(section, " ".join(path[:-1]), piece, block.page, block.line)
                out.append(current)
            else:
                current.text += "\n" + piece
    return out


def _pieces(paragraph: str) -> list[str]:
    """A paragraph, cut at sentence ends into pieces of at most about TARGET_CHARS."""
    if len(paragraph) <= TARGET_CHARS:
        return [paragraph]
    pieces: list[str] = []
    for sentence in sentences(paragraph):
        joiner = "" if pieces and _cjk_end(pieces[-1]) else " "
        if pieces and len(pieces[-1]) + len(sentence) <= TARGET_CHARS:
            pieces[-1] += joiner + sentence
        else:
            pieces.extend(sentence[i : i + TARGET_CHARS] for i in range(0, len(sentence), TARGET_CHARS))
    return pieces


def _cjk_end(text: str) -> bool:
    return bool(text) and ord(text[-1]) > 0x2E80
