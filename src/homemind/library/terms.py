"""Words for the lexical index: jieba for Chinese, Snowball stems for English.

The same function makes the terms of a passage and of a question, so "refunds" finds
"refund" and "网上买的东西能退吗" finds 退货. Chinese runs go through jieba's search
mode (rjieba, the Rust port of jieba with the same dictionary and algorithm: a tenth of
the memory and start-up time of the Python one, which matters in a hub that also keeps
two models in memory). Question words that every question has (什么, 怎么, how) are
left out: in BM25 they only add noise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

import yaml

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:'[a-z]+)?")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@cache
def stopwords(language: str) -> frozenset[str]:
    text = resources.files("homemind.library").joinpath("stopwords.yaml").read_text("utf-8")
    return frozenset(str(yaml.safe_load(text)[language]).split())


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@cache
def _jieba() -> Any:
    import rjieba

    return rjieba


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def terms(text: str) -> list[str]:
    """The index terms of ``text``, in order (repeats kept: BM25 counts them)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    zh_stop, en_stop = stopwords("zh"), stopwords("en")
    for run in _RUNS.findall(text):
        if has_han(run):
            out.extend(w for w in _jieba().cut_for_search(run) if w not in zh_stop)
        elif run not in en_stop:
            out.append(run if run.isdigit() else _stemmer().stemWord(run.replace("'", "")))
    return out


def sentences(text: str) -> list[str]:
    """Split a passage into sentences (Chinese and English punctuation, and line ends)."""
    parts = re.split(r"(?<=[。！？；!?;])|\n+|(?<=\.)\s+(?=[A-Z0-9\"'(])", text)
    return [p.strip() for p in parts if p and p.strip()]
