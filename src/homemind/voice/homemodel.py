"""The home's speech model on disk: a trigram language model and a pronunciation dictionary.

Kept in the data dir under ``voice/<key>/``, where the key hashes the home's names
and the template data (voice/grammar.py `home_key`): a renamed device or a new
alias gives a new key, so the model is rebuilt on the next start, and an unchanged
home loads the files in a tenth of a second instead of rebuilding them (~3 s).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from homemind.core.model import Home
from homemind.voice.grammar import GrammarBuilder, corpus, home_key

_VARIANT = re.compile(r"\(\d+\)$")
_VERSION = "5"  # bump when the way the model is built changes


@dataclass(frozen=True)
class HomeModel:
    directory: Path
    lm: Path
    dictionary: Path
    words: int
    sentences: int


def build_home_model(home: Home, intent_types: tuple[str, ...], data_dir: Path) -> HomeModel:
    from importlib.metadata import version

    versions = "|".join(version(p) for p in ("hassil", "home-assistant-intents", "homemind"))
    key = home_key(home, f"{_VERSION}|{versions}|{sorted(intent_types)}")
    directory = data_dir / "voice" / key
    lm, dictionary = directory / "home.arpa", directory / "home.dict"
    if lm.is_file() and dictionary.is_file():
        words = sum(1 for _ in dictionary.open(encoding="utf-8"))
        return HomeModel(directory, lm, dictionary, words, 0)
    from pocketsphinx.lm import ArpaBoLM
    from unicode_rbnf import RbnfEngine

    from homemind.nlu.templates import TemplateRecognizer, _parsed_intents
    from homemind.voice.stt import _model_dir
    from homemind.voice.stt import dictionary as known_words

    numbers = RbnfEngine.for_language("en")
    builder = GrammarBuilder(
        _parsed_intents("en", intent_types),
        TemplateRecognizer._home_lists(home, "en"),
        known_words().__contains__,
        lambda n: numbers.format_number(n).text.replace("-", " "),
    )
    grammar = builder.build()
    # The home's sentences are a closed set: little probability is kept back for word
    # sequences they never contain. With pocketsphinx's default (0.5) noise was heard as
    # such sequences; 0.1 was chosen on sentences sampled from the grammar, apart from the
    # benchmark's commands (piper, SNR 15: 201 -> 215 of 240 understood as said).
    model = ArpaBoLM(text="\n".join(corpus(grammar)), add_start=True, discount_mass=0.1)
    model.compute()
    arpa = io.StringIO()
    model.write(arpa)
    entries = []
    with open(_model_dir() / "cmudict-en-us.dict", encoding="utf-8") as f:
        for line in f:
            if _VARIANT.sub("", line.split(" ", 1)[0]) in grammar.words:
                entries.append(line)
    # Written to a temporary directory and renamed: a crash never leaves half a model.
    tmp = directory.with_name(f"{key}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "home.arpa").write_text(arpa.getvalue(), encoding="utf-8")
    (tmp / "home.dict").write_text("".join(entries), encoding="utf-8")
    try:
        os.replace(tmp, directory)
    except OSError:  # another process built it first
        shutil.rmtree(tmp, ignore_errors=True)
    return HomeModel(directory, lm, dictionary, len(entries), len(grammar.sentences))
