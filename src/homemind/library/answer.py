"""Answers from passages: the quote with its citation, and the check on a written answer.

Without a language model the answer is the best passage itself, cut to the
sentences that share the most with the question, behind a citation in the
question's language ("According to Article 25 of the ...: " / "根据《...》第二十五条："),
and a plain note that it is the cited text, not legal advice. An English question
about a Chinese article gets an English lead-in and the Chinese text.

With a model (issue 25 plugs one in through :func:`written_answer`), the model writes
from the retrieved passages only, citing them as [1], [2]...; an answer that cites
nothing, or anything that is not one of the passages, is thrown away for the quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from homemind.core import i18n
from homemind.library.search import Hit
from homemind.library.terms import sentences, terms

QUOTE_CHARS = 220  # the quote is cut to about this many characters of the passage
GAP = {"zh": "……", "en": "…"}

i18n.register(
    {
        "library.according_law": {
            "en": 'According to {section} of the {title} ({original}): "{quote}"',
            "zh": "根据《{title}》{section}：“{quote}”",
        },
        "library.according_doc": {
            "en": 'According to "{title}"{where}: "{quote}"',
            "zh": "根据《{title}》{where}：“{quote}”",
        },
        "library.see_also": {"en": "See also {others}.", "zh": "另见{others}。"},
        "library.not_advice": {
            "en": "This is information from the cited text, not legal advice.",
            "zh": "以上是所引文本的内容，仅供参考，不构成法律意见。",
        },
        "library.not_found": {
            "en": "I couldn't find this in the documents I have. The closest is {closest}.",
            "zh": "我在现有的文件里没有找到这个问题的答案。最接近的是{closest}。",
        },
        "library.no_documents": {
            "en": "I couldn't find this: there are no documents in the library yet.",
            "zh": "没有找到：文件库里还没有文件。",
        },
    }
)


@cache
def english_titles() -> dict[str, str]:
    text = resources.files("homemind.library").joinpath("starter/titles.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def short_title(title: str) -> str:
    return title.removeprefix("中华人民共和国")


def article_number(section: str) -> int | None:
    """第二十五条 -> 25 (None for a heading that is not an article)."""
    match = re.fullmatch(r"第([零〇一二三四五六七八九十百千]+)条", section)
    if match is None:
        return None
    import cn2an

    try:
        return int(cn2an.cn2an(match.group(1), "smart"))
    except ValueError:
        return None


def citation(hit: Hit, language: str) -> str:
    """How the answer names its source: 《消费者权益保护法》第二十五条 / Article 25 of the ..."""
    title, section = hit.document.title, hit.passage.section
    number = article_number(section)
    if language == "en" and number is not None:
        return f"Article {number} of the {english_titles().get(title, title)}"
    if number is not None:
        return f"《{short_title(title)}》{section}"
    where = _where(hit, language)
    return f'"{title}"{where}' if language == "en" else f"《{title}》{where}"


def _where(hit: Hit, language: str) -> str:
    parts = []
    if hit.passage.section:
        parts.append(f', section "{hit.passage.section}"' if language == "en" else f"“{hit.passage.section}”")
    if hit.passage.page is not None:
        parts.append(f" (page {hit.passage.page})" if language == "en" else f"（第{hit.passage.page}页）")
    return "".join(parts)


def quote(question: str, text: str, language: str, limit: int = QUOTE_CHARS) -> str:
    """The passage cut to the sentences that answer: those sharing most words with the question.

    Kept in their own order, with an ellipsis where something was left out; an
    article's number at its start is dropped (the citation says it).
    """
    text = re.sub(r"^第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?\s*", "", text.strip())
    parts = sentences(text)
    if len(text) <= limit or len(parts) <= 1:
        return text if len(text) <= limit * 2 else text[: limit * 2] + GAP["zh"]
    wanted = set(terms(question))
    scores = [len(wanted & set(terms(p))) + (0.5 if i == 0 else 0.0) for i, p in enumerate(parts)]
    keep: set[int] = set()
    for i in sorted(range(len(parts)), key=lambda i: (-scores[i], i)):
        if keep and sum(len(parts[j]) for j in keep) + len(parts[i]) > limit:
            continue
        keep.add(i)
    out, last = "", -1
    for i in sorted(keep):
        if last >= 0 and i != last + 1:
            out += GAP["zh"] if _cjk(parts[i]) else " " + GAP["en"] + " "
        elif out and not _cjk(parts[i]):
            out += " "
        out += parts[i]
        last = i
    if last != len(parts) - 1:
        out += GAP["zh"] if _cjk(out) else GAP["en"]
    return out


def _cjk(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def quoted_answer(question: str, hits: Sequence[Hit], language: str) -> str:
    """The best passage, quoted and cited, the next ones named, and the note."""
    best = hits[0]
    number = article_number(best.passage.section)
    text = quote(question, best.passage.text, language)
    title = best.document.title
    if number is not None:
        english = english_titles().get(title, short_title(title))
        original = f"《{short_title(title)}》{best.passage.section}"
        lead = i18n.translate(
            "library.according_law",
            language,
            section=f"Article {number}" if language == "en" else best.passage.section,
            title=english if language == "en" else short_title(title),
            original=original,
            quote=text,
        )
    else:
        lead = i18n.translate(
            "library.according_doc", language, title=title, where=_where(best, language), quote=text
        )
    parts = [lead]
    others = [citation(h, language) for h in hits[1:3] if h.passage.id != best.passage.id]
    if others:
        parts.append(i18n.translate("library.see_also", language, others=i18n.join_names(others, language)))
    parts.append(i18n.translate("library.not_advice", language))
    return ("" if language == "zh" else " ").join(parts)


def not_found(hits: Sequence[Hit], language: str) -> str:
    if not hits:
        return i18n.translate("library.no_documents", language)
    title = hits[0].document.title
    closest = english_titles().get(title, title) if language == "en" else f"《{title}》"
    if language == "en" and closest != title:
        closest = f"the {closest} (《{short_title(title)}》)"
    elif language == "en":
        closest = f'"{title}"'
    return i18n.translate("library.not_found", language, closest=closest)


# --- a written answer (the LLM tier, issue 25) -------------------------------------------

Writer = Callable[[str, list[dict[str, str]], str], str]


@dataclass(frozen=True)
class Written:
    text: str
    cited: list[int]  # indexes into the passages given to the writer
    fell_back: bool  # the writer's answer was refused and the quote given instead


_MARKER = re.compile(r"\[(\d+)\]")
_NAMED_ZH = re.compile(r"《([^》]+)》\s*(第[零〇一二三四五六七八九十百千]+条)")
_NAMED_EN = re.compile(r"\bArticle\s+(\d+)\b")


def written_answer(question: str, hits: Sequence[Hit], language: str, writer: Writer) -> Written:
    """Let ``writer`` answer from ``hits`` only; keep its text if every citation is one of them.

    The writer gets the question, the passages as ``{"ref": "[1]", "citation",
    "text"}`` and the language, and must cite each claim with a ref. Any ref out of
    range, no ref at all, or an article named in the text that is not among the
    passages, and the quoted answer is returned instead (``fell_back``). The
    not-legal-advice note is always added by us, never left to the writer.
    """
    given = [
        {"ref": f"[{i + 1}]", "citation": citation(h, language), "text": h.passage.text}
        for i, h in enumerate(hits)
    ]
    fallback = Written(quoted_answer(question, hits, language), [0], True)
    try:
        text = writer(question, given, language).strip()
    except Exception:  # a writer that fails must not cost the household its answer
        return fallback
    refs = [int(n) - 1 for n in _MARKER.findall(text)]
    if not refs or any(not 0 <= r < len(hits) for r in refs) or not _names_only_given(text, hits):
        return fallback
    note = i18n.translate("library.not_advice", language)
    return Written(f"{text}{'' if language == 'zh' else ' '}{note}", sorted(set(refs)), False)


def _names_only_given(text: str, hits: Sequence[Hit]) -> bool:
    """Every article the text names by title and number (or by 'Article N') is one of the passages."""
    given_zh = {(short_title(h.document.title), h.passage.section) for h in hits}
    for title, section in _NAMED_ZH.findall(text):
        if (short_title(title), section) not in given_zh:
            return False
    numbers = {article_number(h.passage.section) for h in hits}
    return all(int(n) in numbers for n in _NAMED_EN.findall(text))
