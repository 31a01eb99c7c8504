"""Running the trained intent-and-entity model: onnxruntime and a tokenizer, no torch.

The model answers with an intent label (SLURP's ``scenario_action`` or one of
homemind's ``hm_*`` labels), a calibrated confidence, and entity spans that
point back at the exact characters of the input.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from homemind.nlu.learned.ensemble import feeds, member_prefix
from homemind.nlu.learned.files import (  # noqa: F401 (where the model is: re-exported for callers)
    ENSEMBLE_FILE,
    MODEL_DIR,
    MODEL_FILES,
    TOKENIZER_FILE,
    ModelMissing,
    member_dirs,
    model_available,
    model_dir,
)
from homemind.nlu.learned.words import Word, split_words

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entity:
    type: str
    value: str
    start: int
    end: int
    # The mean probability of the span's tags: how sure the model is that these words are this.
    confidence: float = 1.0

    @property
    def sure(self) -> bool:
        return self.confidence >= (SURE_SPAN_ZH if _is_han(self.value) else SURE_SPAN_EN)


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


class _Member:
    """One trained network's labels and tokenizer (members may differ in the Han characters they know)."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer

        files = [directory / name for name in MODEL_FILES]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise ModelMissing(f"no trained model in {directory} (missing {', '.join(missing)})")
        meta = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
        self.network = directory / "model.onnx"
        self.intents: list[str] = meta["intents"]
        self.tags: list[str] = meta["tags"]
        self.temperature = float(meta.get("temperature", 1.0))
        self.max_tokens = int(meta.get("max_tokens", 64))
        packed = (directory / TOKENIZER_FILE).read_bytes()
        self._tokenizer = Tokenizer.from_str(gzip.decompress(packed).decode("utf-8"))

    def inputs(self, words: list[Word]) -> tuple[dict[str, Any], list[int | None]]:
        return network_inputs(self._tokenizer, [w.text for w in words], self.max_tokens)

    def read(
        self, intent_logits: Any, tag_logits: Any, word_ids: list[int | None]
    ) -> tuple[Any, dict[int, Any]]:
        """Calibrated intent probabilities, and tag probabilities per word (first sub-word) it saw."""
        intents = _softmax(intent_logits[0] / self.temperature)
        tags = _softmax(tag_logits[0])
        first_token: dict[int, Any] = {}
        for position, word in enumerate(word_ids):
            if word is not None and word not in first_token:
                first_token[word] = tags[position]
        return intents, first_token  # words past the token limit are not there


def _softmax(logits: Any) -> Any:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def _session(members: list[_Member], threads: int) -> Any:
    """One onnxruntime session running every member's network (nlu/learned/ensemble.py)."""
    import onnxruntime

    from homemind.nlu.learned.ensemble import CannotCompose, compose

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # No busy-waiting between operators: on a shared box a spinning thread takes the core
    # another process (or this one's event loop) needs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    with _scratch_file() as (out, path):
        try:
            compose([m.network for m in members], out)
        except (CannotCompose, OSError, ValueError) as exc:
            raise ModelMissing(f"cannot load the model: {exc}") from None
        out.flush()
        # From a path, not bytes: onnxruntime's Python session keeps bytes it was given for ever.
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    _give_back_freed_memory()
    return session


def _give_back_freed_memory() -> None:
    """Hand the composition's freed buffers back to the OS (glibc keeps them otherwise: ~15 MB)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do


@contextmanager
def _scratch_file() -> Iterator[tuple[BinaryIO, str]]:
    """A file that lives as long as the block: in memory on Linux (memfd), else a temporary file."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("homemind-model")
        with os.fdopen(fd, "wb") as out:
            yield out, f"/proc/self/fd/{fd}"
        return
    with tempfile.TemporaryDirectory(prefix="homemind-model-") as tmp:
        path = os.path.join(tmp, "model.onnx")
        with open(path, "wb") as out:
            yield out, path


class LearnedModel:
    """The packaged model: one network, or an ensemble of them whose probabilities are averaged.

    Networks trained from different seeds make different mistakes; averaging two of
    them is the cheapest accuracy there is (twice the few milliseconds, no new data).
    The members run as one composed graph in one session: one call per sentence.
    """

    def __init__(self, directory: Path | None = None, *, threads: int = 1) -> None:
        directory = directory or model_dir()
        self._members = [_Member(d) for d in member_dirs(directory)]
        first = self._members[0]
        for other in self._members[1:]:
            if other.intents != first.intents or other.tags != first.tags:
                raise ModelMissing(f"the ensemble in {directory} mixes models with different labels")
        self.intents: list[str] = first.intents
        self.tags: list[str] = first.tags
        self._session = _session(self._members, threads)
        self._outputs = [
            f"{member_prefix(i)}{name}"
            for i in range(len(self._members))
            for name in ("intent_logits", "tag_logits")
        ]
        self._lock = threading.Lock()
        self._allowed: Any = None
        self._start: Any = None

    def predict(self, text: str) -> Prediction:
        words = split_words(text)
        if not words:
            return Prediction("general_quirky", 0.0, (), (), "general_quirky")
        probabilities, tag_probabilities = self.probabilities(words)
        order = np.argsort(-probabilities)
        best = int(order[0])
        alternatives = tuple((self.intents[int(i)], round(float(probabilities[i]), 4)) for i in order[1:4])
        entities = self._entities(text, words, tag_probabilities)
        slurp = next(self.intents[int(i)] for i in order if not self.intents[int(i)].startswith("hm_"))
        return Prediction(self.intents[best], float(probabilities[best]), entities, alternatives, slurp)

    def probabilities(self, words: list[Word]) -> tuple[Any, dict[int, Any]]:
        """The members' averaged intent probabilities, and tag probabilities per word they all saw.

        Public because training distils a new network from exactly what the hub would see.
        """
        inputs = [member.inputs(words) for member in self._members]
        feed = dict(feeds([f for f, _ in inputs]))
        with self._lock:  # one session, used from the event loop and worker threads alike
            logits = self._session.run(self._outputs, feed)
        probabilities = np.zeros(len(self.intents))
        per_word: list[dict[int, Any]] = []
        for index, (member, (_, word_ids)) in enumerate(zip(self._members, inputs, strict=True)):
            intents, tags = member.read(logits[2 * index], logits[2 * index + 1], word_ids)
            probabilities += intents / len(self._members)
            per_word.append(tags)
        seen = sorted(set.intersection(*(set(tags) for tags in per_word)))
        return probabilities, {w: sum(tags[w] for tags in per_word) / len(per_word) for w in seen}

    def _viterbi(self, probabilities: Any) -> list[int]:
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
        log_probs = np.log(np.maximum(probabilities, 1e-12))
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
        self, text: str, words: list[Word], tag_probabilities: dict[int, Any]
    ) -> tuple[Entity, ...]:
        tagged = sorted(tag_probabilities)  # words past the token limit stay untagged
        word_tags = ["O"] * len(words)
        chosen = [1.0] * len(words)
        if tagged:
            scores = np.stack([tag_probabilities[w] for w in tagged])
            for word, tag_index in zip(tagged, self._viterbi(scores), strict=True):
                word_tags[word] = self.tags[tag_index]
                chosen[word] = float(tag_probabilities[word][tag_index])
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
            Entity(
                kind,
                text[words[first].start : words[last].end],
                words[first].start,
                words[last].end,
                round(sum(chosen[first : last + 1]) / (last - first + 1), 4),
            )
            for kind, first, last in spans
        )


# In the labelled training data a word of some type starts a second span of that same type
# right after the first in 0.4% of cases (HWU64; 0.06% with the generated sentences):
# the log of that prior keeps "this saturday" one date unless the tag head is sure.
_NEW_SPAN_OF_SAME_TYPE = math.log(0.004)


# A span whose tags average under these odds is a guess. SLURP-format output leaves guesses
# out; the resolver still sees them (a doubtful room is still a room: dropping it would
# widen "the garage light" to every light). Each was chosen on the sentences of its language
# held out of training for calibration, never on SLURP or the Chinese dev set: HWU64's
# (entity F1 80.0 -> 81.6 there) and the generated Chinese ones (93.9 -> 94.0).
SURE_SPAN_EN = 0.5
SURE_SPAN_ZH = 0.3


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


def network_inputs(
    tokenizer: Any, words: Sequence[str], max_tokens: int
) -> tuple[dict[str, Any], list[int | None]]:
    """One sentence as the ONNX network takes it, and the word each token came from."""
    ids, word_ids = encode_words(tokenizer, words, max_tokens)
    input_ids = np.asarray([ids], dtype=np.int64)
    return {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)}, word_ids


_shared: LearnedModel | None = None
_shared_lock = threading.Lock()


def shared_model() -> LearnedModel:
    """The packaged model, loaded once per process (about 25 MB of weights)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LearnedModel()
        return _shared
