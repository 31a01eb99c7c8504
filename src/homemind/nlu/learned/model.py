"""Running the trained intent-and-entity model: onnxruntime and a tokenizer, no torch.

The model answers with an intent label (SLURP's ``scenario_action`` or one of
homemind's ``hm_*`` labels), a calibrated confidence, and entity spans that
point back at the exact characters of the input.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from homemind.nlu.learned.words import Word, split_words

MODEL_DIR = Path(__file__).parent / "model"
MODEL_FILES = ("model.onnx", "tokenizer.json", "labels.json")
log = logging.getLogger(__name__)


def model_dir() -> Path:
    """The packaged model, unless $HOMEMIND_NLU_MODEL points at one built with `homemind nlu train --out`."""
    override = os.environ.get("HOMEMIND_NLU_MODEL")
    return Path(override) if override else MODEL_DIR


@dataclass(frozen=True)
class Entity:
    type: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    entities: tuple[Entity, ...]
    alternatives: tuple[tuple[str, float], ...] = ()
    slurp_intent: str = ""  # the best of SLURP's own labels, for scoring against SLURP

    def entity(self, kind: str) -> Entity | None:
        return next((e for e in self.entities if e.type == kind), None)

    def all(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.type == kind]


class ModelMissing(RuntimeError):
    """The model files are not there (a source checkout before ``homemind nlu train``)."""


class LearnedModel:
    def __init__(self, directory: Path | None = None, *, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        directory = directory or model_dir()
        files = [directory / name for name in MODEL_FILES]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise ModelMissing(f"no trained model in {directory} (missing {', '.join(missing)})")
        meta = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
        self.intents: list[str] = meta["intents"]
        self.tags: list[str] = meta["tags"]
        self.temperature = float(meta.get("temperature", 1.0))
        self.max_tokens = int(meta.get("max_tokens", 64))
        self.meta = meta
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._lock = threading.Lock()
        self._allowed: Any = None
        self._start: Any = None

    def predict(self, text: str) -> Prediction:
        words = split_words(text)
        if not words:
            return Prediction("general_quirky", 0.0, (), (), "general_quirky")
        ids, word_ids = encode_words(self._tokenizer, [w.text for w in words], self.max_tokens)
        input_ids = np.asarray([ids], dtype=np.int64)
        mask = np.ones_like(input_ids)
        with self._lock:  # one session, used from the event loop and worker threads alike
            intent_logits, tag_logits = self._session.run(
                None, {"input_ids": input_ids, "attention_mask": mask}
            )
        scaled = intent_logits[0] / self.temperature
        probabilities = np.exp(scaled - scaled.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities)
        best = int(order[0])
        alternatives = tuple((self.intents[int(i)], round(float(probabilities[i]), 4)) for i in order[1:4])
        entities = self._entities(text, words, word_ids, tag_logits[0])
        slurp = next(self.intents[int(i)] for i in order if not self.intents[int(i)].startswith("hm_"))
        return Prediction(self.intents[best], float(probabilities[best]), entities, alternatives, slurp)

    def _viterbi(self, logits: Any) -> list[int]:
        """The best tag sequence in which every I-X follows a B-X or I-X (a valid BIO reading).

        Per-word argmax may say "O I-date" or "B-time I-date"; those are not spans, and
        reading them as spans cuts entities in pieces. The tag head scores each word on
        its own, so it also says "this|B-date saturday|B-date" where people write one
        date; the transition prior below is what a CRF would have learned.
        """
        if self._allowed is None:
            allowed = np.zeros((len(self.tags), len(self.tags)), dtype=np.float32)
            for i, before in enumerate(self.tags):
                for j, after in enumerate(self.tags):
                    if after.startswith("I-") and before[2:] != after[2:]:
                        allowed[i, j] = -1e9
                    elif after.startswith("B-") and before != "O" and before[2:] == after[2:]:
                        allowed[i, j] = _NEW_SPAN_OF_SAME_TYPE
            self._start = np.array([-1e9 if t.startswith("I-") else 0.0 for t in self.tags], dtype=np.float32)
            self._allowed = allowed
        shifted = logits - logits.max(-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
        score = log_probs[0] + self._start
        back = []
        for row in log_probs[1:]:
            total = score[:, None] + self._allowed
            back.append(total.argmax(0))
            score = total.max(0) + row
        best = [int(score.argmax())]
        for pointers in reversed(back):
            best.append(int(pointers[best[-1]]))
        return best[::-1]

    def _entities(
        self, text: str, words: list[Word], word_ids: list[int | None], tag_logits: Any
    ) -> tuple[Entity, ...]:
        first_token: dict[int, int] = {}
        for position, word in enumerate(word_ids):
            if word is not None and word not in first_token:
                first_token[word] = position
        tagged = sorted(first_token)  # words past the token limit stay untagged
        word_tags = ["O"] * len(words)
        if tagged:
            scores = tag_logits[[first_token[w] for w in tagged]]
            for word, tag_index in zip(tagged, self._viterbi(scores), strict=True):
                word_tags[word] = self.tags[tag_index]
        spans: list[list[Any]] = []
        for index, tag in enumerate(word_tags):
            kind = tag[2:]
            follows = bool(spans) and spans[-1][0] == kind and spans[-1][2] == index - 1
            # Han characters are words of their own here, so "早|上|六|点|半" tagged B B I I I is
            # one time, not two: with no space between them, same-type neighbours join.
            touching = follows and words[index - 1].end == words[index].start and _is_han(words[index].text)
            continues = follows and (tag.startswith("I-") or touching)
            if continues:
                spans[-1][2] = index
            elif tag != "O":
                spans.append([kind, index, index])
        return tuple(
            Entity(kind, text[words[first].start : words[last].end], words[first].start, words[last].end)
            for kind, first, last in spans
        )


# In the labelled training data a word of some type starts a second span of that same type
# right after the first in 0.4% of cases (HWU64; 0.06% with the generated sentences):
# the log of that prior keeps "this saturday" one date unless the tag head is sure.
_NEW_SPAN_OF_SAME_TYPE = math.log(0.004)


def _is_han(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


def encode_words(tokenizer: Any, words: Sequence[str], max_tokens: int) -> tuple[list[int], list[int | None]]:
    """Token ids and, per token, the word it came from; the same in training and at run time.

    Long input is cut to ``max_tokens``, keeping the closing [SEP] the model expects.
    """
    tokenizer.no_padding()
    tokenizer.no_truncation()
    encoding = tokenizer.encode(list(words), is_pretokenized=True)
    ids, word_ids = list(encoding.ids), list(encoding.word_ids)
    if len(ids) > max_tokens:
        ids = ids[: max_tokens - 1] + ids[-1:]
        word_ids = [*word_ids[: max_tokens - 1], None]
    return ids, word_ids


_shared: LearnedModel | None = None
_shared_lock = threading.Lock()


def shared_model() -> LearnedModel:
    """The packaged model, loaded once per process (about 25 MB of weights)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LearnedModel()
        return _shared


def model_available(directory: Path | None = None) -> bool:
    directory = directory or model_dir()
    return all((directory / name).is_file() for name in MODEL_FILES)
