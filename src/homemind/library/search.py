"""Hybrid retrieval: BM25 over jieba/Snowball terms and dense vectors, fused by reciprocal rank.

Why both: BM25 finds the article that shares the question's words (a Chinese
question phrased like the law); the encoder finds it when the words differ
(everyday speech, and every English question about a Chinese article, which shares
no word with it). Reciprocal rank fusion needs no score calibration between the
two. A question that names a document ("劳动合同法第三十七条", "article 25 of the
consumer law") has that document, and that article, put first.

Which passages a member may see is decided before ranking (``Policy.may_read_document``),
so a private document never even competes in another member's search.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from homemind.library import embed
from homemind.library.store import DocumentRow, LibraryStore, PassageRow
from homemind.library.terms import has_han, terms

# Fusion: each ranked list adds weight / (RRF_K + rank). Weights per question language, chosen
# on LeCoQA's training questions and the dev half of the everyday questions (never the test half):
# a Chinese question leans on e5, an English one on USE (README's Documents section has the figures).
RRF_K = 60
WEIGHTS = {
    "zh": {"bm25": 1.0, "e5": 3.0, "use": 1.0},
    # BM25 never matches a Chinese article from an English question (other scripts are left out),
    # so its English weight only ranks English documents, where shared words are strong evidence.
    "en": {"bm25": 3.0, "e5": 1.0, "use": 3.0},
}
CANDIDATES = 100
# A question that names a document: its passages get this much more, its named article more still.
TITLE_BOOST = 0.01
ARTICLE_BOOST = 0.05

_ARTICLE_ZH = re.compile(r"第([零〇一二三四五六七八九十百千\d]+)条")
_ARTICLE_EN = re.compile(r"\barticle\s+(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    passage: PassageRow
    document: DocumentRow
    score: float  # fused: higher is better
    dense: float  # cosine of question and passage: e5's within a language, USE's from English to Chinese
    lexical: float  # BM25, 0 when no term is shared

    def as_dict(self) -> dict[str, object]:
        """The search contract: title, section, text, source, score (and where it is)."""
        return {
            "title": self.document.title,
            "section": self.passage.section,
            "text": self.passage.text,
            "source": self.document.source,
            "score": round(self.score, 4),
            "document": self.document.id,
            "chapter": self.passage.chapter,
            "page": self.passage.page,
        }


def fts_query(words: Iterable[str]) -> str:
    """An FTS5 OR-query of terms, each quoted (a term may hold FTS5 syntax characters)."""
    unique = dict.fromkeys(w.replace('"', '""') for w in words if w.strip())
    return " OR ".join(f'"{w}"' for w in unique)


class Retriever:
    """Search over one library file; the vector matrix is cached until the file changes."""

    def __init__(self, store: LibraryStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._version = -1
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrices: dict[str, np.ndarray] = {}
        self._documents: dict[int, DocumentRow] = {}
        self._owner: dict[int, int] = {}

    def refresh(self) -> None:
        """Re-read documents and vectors if anything was added or removed since."""
        with self._lock:
            version = self.store.version()
            if version == self._version:
                return
            self._documents = {d.id: d for d in self.store.documents()}
            self._ids, self._matrices = self.store.vectors()
            self._owner = self.store.passage_documents()
            self._version = version

    @property
    def documents(self) -> dict[int, DocumentRow]:
        self.refresh()
        return self._documents

    def search(
        self,
        question: str,
        visible: Callable[[DocumentRow], bool],
        k: int = 5,
        *,
        lexical: bool = True,
        dense: bool = True,
    ) -> list[Hit]:
        """The ``k`` best passages of the documents ``visible`` allows, best first."""
        self.refresh()
        allowed = {d for d, row in self._documents.items() if visible(row)}
        if not allowed:
            return []
        fused: dict[int, float] = {}
        bm25: dict[int, float] = {}
        language = question_language(question)
        weights = WEIGHTS[language]
        if lexical:
            words = terms(question)
            ranked = self.store.lexical(fts_query(words), CANDIDATES * 3) if words else []
            # Words match only within a script: an English question shares nothing but digits
            # with a Chinese article, and those matches are noise; the encoders bridge languages.
            same = {d for d in allowed if self._documents[d].language == language}
            ranked = [(pid, s) for pid, s in ranked if self._owner.get(pid) in same][:CANDIDATES]
            for rank, (pid, score) in enumerate(ranked):
                bm25[pid] = score
                fused[pid] = fused.get(pid, 0.0) + weights["bm25"] / (RRF_K + rank + 1)
        cosines: dict[str, dict[int, float]] = {}
        for model in ("e5", "use") if dense and len(self._ids) else ():
            cosines[model] = self._dense(question, model, allowed)
            for rank, pid in enumerate(sorted(cosines[model], key=lambda p: -cosines[model][p])[:CANDIDATES]):
                fused[pid] = fused.get(pid, 0.0) + weights[model] / (RRF_K + rank + 1)
        self._boost_named(question, fused, allowed)
        best = sorted(fused, key=lambda p: -fused[p])[:k]
        rows = self.store.passages(best)
        hits = []
        for p in best:
            if p not in rows:
                continue
            document = self._documents[rows[p].document]
            # The cosine the answerer's bar is for: e5's within a language, USE's from English to Chinese.
            main = cosines.get("use" if language == "en" and document.language != "en" else "e5", {})
            hits.append(Hit(rows[p], document, fused[p], main.get(p, 0.0), bm25.get(p, 0.0)))
        return hits

    def _dense(self, question: str, model: str, allowed: set[int]) -> dict[int, float]:
        vector = embed.embed_query(question, model)
        scores = self._matrices[model] @ vector
        mask = np.fromiter((self._owner.get(int(p)) in allowed for p in self._ids), bool, len(self._ids))
        scores = np.where(mask, scores, -1.0)
        top = np.argsort(-scores)[: CANDIDATES * 3]
        return {int(self._ids[i]): float(scores[i]) for i in top if mask[i]}

    def _boost_named(self, question: str, fused: dict[int, float], allowed: set[int]) -> None:
        """A document named in the question (by its title) first, and its named article before it."""
        named = [d for d in allowed if _names(question, self._documents[d].title)]
        if not named:
            return
        article = _article_named(question)
        for pid, doc in self._owner.items():
            if doc in named and pid in fused:
                fused[pid] += TITLE_BOOST
        if article is not None:
            for doc in named:
                for row in self.store.article(doc, article):
                    fused[row] = fused.get(row, 0.0) + ARTICLE_BOOST


def question_language(question: str) -> str:
    return "zh" if has_han(question) else "en"


def _names(question: str, title: str) -> bool:
    short = title.removeprefix("中华人民共和国")
    return len(short) >= 3 and short in question


def _article_named(question: str) -> str | None:
    """第二十五条 / 第25条 / article 25 -> 第二十五条 (the form the articles are written in)."""
    match = _ARTICLE_ZH.search(question) or _ARTICLE_EN.search(question)
    if match is None:
        return None
    number = match.group(1)
    if number.isdigit():
        import cn2an

        number = cn2an.an2cn(number)
    return f"第{number}条"
