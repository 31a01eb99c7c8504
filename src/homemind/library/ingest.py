"""Read a file (Markdown, plain text, HTML, PDF) into a title and passages.

Each reader only turns its format into :class:`~homemind.library.split.Block` s
(headings and paragraphs with their page or line); ``split.py`` cuts them into
passages the same way for every format. A file that cannot be read is a
:class:`DocumentError` naming the file and the reason, in the reader's language.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homemind.core import i18n
from homemind.library.split import ARTICLE, Block, Passage, is_law, split

MAX_BYTES = 50 * 1024 * 1024
KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}

i18n.register(
    {
        "library.unsupported": {
            "en": "{path}: not a document I can read (Markdown, text, HTML or PDF)",
            "zh": "{path}：无法读取这种文件（支持 Markdown、文本、HTML 和 PDF）",
        },
        "library.too_big": {
            "en": "{path}: too big ({size} MB; the limit is {limit} MB)",
            "zh": "{path}：文件太大（{size} MB，上限 {limit} MB）",
        },
        "library.unreadable": {
            "en": "{path}: cannot be read ({reason})",
            "zh": "{path}：无法读取（{reason}）",
        },
        "library.empty": {
            "en": "{path}: has no text to search (a scanned PDF needs its text layer)",
            "zh": "{path}：没有可检索的文字（扫描版 PDF 需要带文字层）",
        },
    }
)


class DocumentError(ValueError):
    """A file that cannot be added; the message is rendered in the reader's language."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(i18n.translate(key, "en", **params))
        self.key = key
        self.params = params

    def message(self, language: str) -> str:
        return i18n.translate(self.key, language, **self.params)


@dataclass
class ParsedDocument:
    title: str
    kind: str  # law, markdown, text, html, pdf
    passages: list[Passage]
    sha256: str


def read_document(path: Path, name: str | None = None) -> ParsedDocument:
    """The document in ``path``; ``name`` is how to call it in errors (an upload's file name)."""
    shown = name or str(path)
    kind = KINDS.get(Path(name or path.name).suffix.lower())
    if kind is None:
        raise DocumentError("library.unsupported", path=shown)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError(
                "library.too_big", path=shown, size=round(size / 2**20, 1), limit=MAX_BYTES // 2**20
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError("library.unreadable", path=shown, reason=exc.strerror or str(exc)) from None
    fallback = Path(name or path.name).stem
    if kind == "pdf":
        title, blocks = _pdf(data, shown, fallback)
    else:
        text = _decode(data, shown)
        reader = {"markdown": _markdown, "text": _text, "html": _html}[kind]
        title, blocks = reader(text, fallback)
    passages = split(blocks)
    if not passages:
        raise DocumentError("library.empty", path=shown)
    return ParsedDocument(
        title, "law" if is_law(blocks) else kind, passages, hashlib.sha256(data).hexdigest()
    )


def _decode(data: bytes, shown: str) -> str:
    if b"\x00" in data[:4096]:
        raise DocumentError("library.unreadable", path=shown, reason="binary data")
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese text files are often GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("library.unreadable", path=shown, reason="not UTF-8 or GB18030 text")


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"(\*\*|__|`+|~~)")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _markdown(text: str, fallback: str) -> tuple[str, list[Block]]:
    text = re.sub(r"<!--(?!\s*INFO END).*?-->", "", text, flags=re.S)
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":  # front matter
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = [""] * (end + 1) + lines[end + 1 :]
    title: str | None = None
    blocks: list[Block] = []
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(_join([t for _, t in paragraph]), line=paragraph[0][0]))
            paragraph.clear()

    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if "<!-- INFO END -->" in line:  # a law's enactment history ends here
            paragraph.clear()
            blocks = [b for b in blocks if b.level]
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            words = _inline(heading.group(2))
            if title is None and len(heading.group(1)) == 1:
                title = words
            else:
                blocks.append(Block(words, level=len(heading.group(1)), line=number))
        elif not line:
            flush()
        else:
            if _LIST.match(line) or line.startswith("|"):
                flush()
            paragraph.append((number, _inline(_LIST.sub("", line).strip("|").replace("|", " "))))
    flush()
    return title or fallback, blocks


def _inline(text: str) -> str:
    return _MARKS.sub("", _LINK.sub(lambda m: m.group(1) or "", text)).strip()


def _join(lines: list[str]) -> str:
    """Wrapped lines of one paragraph: no space between Chinese lines, one between English."""
    out = ""
    for line in lines:
        if out and not (ord(out[-1]) > 0x2E80 or ord(line[0]) > 0x2E80):
            out += " "
        out += line
    return out


def _text(text: str, fallback: str) -> tuple[str, list[Block]]:
    blocks: list[Block] = []
    paragraph: list[tuple[int, str]] = []
    separated = "\n\n" in text.replace("\r", "")
    for number, raw in enumerate([*text.splitlines(), ""], 1):
        line = raw.strip()
        if line and separated:
            paragraph.append((number, line))
            continue
        if paragraph:
            blocks.append(Block(_join([t for _, t in paragraph]), line=paragraph[0][0]))
            paragraph = []
        if line:
            blocks.append(Block(line, line=number))
    title = fallback
    if blocks and len(blocks[0].text) <= 80 and len(blocks) > 1:
        title = blocks.pop(0).text
    return title, blocks


_HTML_BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, pre, td, th, dt, dd, blockquote, caption, figcaption"


def _html(text: str, fallback: str) -> tuple[str, list[Block]]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    tree.strip_tags(["script", "style", "noscript", "template", "nav", "svg", "iframe", "object"])
    head_title = tree.css_first("title")
    title = head_title.text(strip=True) if head_title is not None else ""
    blocks: list[Block] = []
    seen: set[int] = set()
    for node in tree.css(_HTML_BLOCKS):
        inner = {n.mem_id for n in node.css(_HTML_BLOCKS)} - {node.mem_id}
        if node.mem_id in seen:
            continue
        seen |= inner  # a <p> inside an <li> is read once, with its <li>
        words = re.sub(r"\s+", " ", node.text(separator=" ")).strip()
        if not words:
            continue
        tag = node.tag or ""
        level = int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 0
        if level == 1 and not title:
            title = words
            continue
        blocks.append(Block(words, level=level))
    if blocks and blocks[0].level == 1 and blocks[0].text == title:
        blocks.pop(0)
    return title or fallback, blocks


def _pdf(data: bytes, shown: str, fallback: str) -> tuple[str, list[Block]]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("library.unreadable", path=shown, reason="the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        if isinstance(exc, DocumentError):
            raise
        raise DocumentError("library.unreadable", path=shown, reason=f"not a valid PDF: {exc}") from None
    blocks: list[Block] = []
    for number, page in enumerate(pages, 1):
        blocks.extend(Block(p, page=number) for p in _pdf_paragraphs(page))
    title = meta_title.strip()
    if not title and blocks and len(blocks[0].text) <= 80:
        title = blocks.pop(0).text
    return title or fallback, blocks


def _pdf_paragraphs(page: str) -> list[str]:
    """Lines of a PDF page rejoined into paragraphs: a line that ends a sentence ends one."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in page.splitlines():
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(_join(current))
                current = []
            continue
        if current and ARTICLE.match(line):
            paragraphs.append(_join(current))
            current = []
        current.append(line)
        if re.search(r"[。！？.!?:：]$", line) or len(line) < 20:
            paragraphs.append(_join(current))
            current = []
    if current:
        paragraphs.append(_join(current))
    return paragraphs
