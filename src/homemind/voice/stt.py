"""Speech to text: engines behind one small interface, pocketsphinx with the home's grammar by default.

An engine decodes a stream: ``start()``, ``feed(pcm)`` as audio arrives (so the work
is done while the person speaks), ``finish() -> Transcript``. Engines:

- ``PocketsphinxEngine(lm, dictionary)``: a language model of the home's own
  sentences (voice/grammar.py, voice/homemodel.py); fast, and biased to what the
  home understands.
- ``PocketsphinxEngine()``: pocketsphinx's general English language model; the
  benchmark's peer, and a last-resort open vocabulary.
- ``FasterWhisperEngine`` / ``SherpaOnnxEngine``: open-vocabulary engines for a model
  directory the user supplies (no model can be fetched at run time, and no registry
  package ships one); their packages are imported only when configured.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from homemind.voice.audio import RATE

_NBEST = 20


@dataclass(frozen=True)
class Transcript:
    text: str
    engine: str
    language: str = "en"
    # Next-best hypotheses, best first (pocketsphinx's n-best list), for rescoring by the grammar.
    alternatives: tuple[str, ...] = ()
    # The engine's own confidence, 0-1, when it gives one (faster-whisper); None when it does not.
    confidence: float | None = None
    # Every hypothesis with the decoder's score for it (pocketsphinx): how close the runners-up came.
    scored: tuple[tuple[str, float], ...] = ()


class SpeechToText(Protocol):
    name: str
    language: str

    def start(self) -> None: ...

    def feed(self, pcm: bytes) -> None: ...

    def finish(self) -> Transcript: ...


def _model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


@cache
def dictionary() -> frozenset[str]:
    """Every word pocketsphinx's packaged English dictionary can say."""
    words = set()
    with open(_model_dir() / "cmudict-en-us.dict", encoding="utf-8") as f:
        for line in f:
            word = line.split(" ", 1)[0]
            words.add(word.split("(", 1)[0])
    return frozenset(words)


class PocketsphinxEngine:
    """pocketsphinx 5 over its packaged en-us acoustic model.

    With ``lm`` and ``dictionary`` (the home's model, voice/homemodel.py) it hears the
    home's phrasings; without, pocketsphinx's general English model and full dictionary.
    """

    language = "en"

    def __init__(self, lm: Path | None = None, dictionary: Path | None = None) -> None:
        from pocketsphinx import Decoder

        model = _model_dir()
        self.name = "pocketsphinx-home" if lm else "pocketsphinx-general"
        self._decoder = Decoder(
            hmm=str(model / "en-us"),
            dict=str(dictionary or model / "cmudict-en-us.dict"),
            lm=str(lm or model / "en-us.lm.bin"),
            loglevel="FATAL",
            # One pass: the second (flat lexicon, best path) passes run after the speech
            # ends, adding 100-300 ms for no gain on the home's small model.
            fwdflat=False,
            bestpath=False,
        )
        self._heard: list[bytes] = []

    # The cepstral mean pocketsphinx normalises by adapts to the audio it hears; a new
    # decoder starts from the model's default and mishears its first utterance. Until it
    # has heard one, it decodes the utterance again with the mean the first pass learned.
    warm = False

    def start(self) -> None:
        self._decoder.start_utt()
        self._heard = []

    def feed(self, pcm: bytes) -> None:
        self._decoder.process_raw(pcm, no_search=False, full_utt=False)
        if not self.warm:
            self._heard.append(pcm)

    def cmn(self) -> str:
        return str(self._decoder.get_cmn())

    def set_cmn(self, cmn: str) -> None:
        """Start from another decoder's mean (a second decoder for a second satellite)."""
        self._decoder.set_cmn(cmn)
        self.warm = True

    def finish(self) -> Transcript:
        self._decoder.end_utt()
        if not self.warm and self._heard:
            self.warm = True
            self._decoder.start_utt()
            self._decoder.process_raw(b"".join(self._heard), no_search=False, full_utt=True)
            self._decoder.end_utt()
        self._heard = []
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp is not None else ""
        alternatives: list[str] = []
        scores: dict[str, float] = {}
        if hyp is not None:
            scores[text.strip()] = float(hyp.score)
            for other in itertools.islice(self._decoder.nbest(), _NBEST):
                words = other.hypstr.strip()
                if words:
                    scores[words] = max(scores.get(words, float(other.score)), float(other.score))
                if words and words != text and words not in alternatives:
                    alternatives.append(words)
        return Transcript(
            text.strip(), self.name, self.language, tuple(alternatives), scored=tuple(scores.items())
        )


class _WholeUtterance:
    """An engine that decodes the whole utterance at the end: it only collects audio until then."""

    name = "whole-utterance"
    language = "en"

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def start(self) -> None:
        self._chunks = []

    def feed(self, pcm: bytes) -> None:
        self._chunks.append(pcm)

    def samples(self) -> np.ndarray:
        return np.frombuffer(b"".join(self._chunks), dtype="<i2").astype(np.float32) / 32768.0


def _need(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeError(f"{package} is not installed: pip install {package}") from exc


class FasterWhisperEngine(_WholeUtterance):
    """faster-whisper (CTranslate2) over a model directory the user supplies."""

    name = "faster-whisper"

    def __init__(self, model_dir: Path, language: str = "en", threads: int = 2) -> None:
        super().__init__()
        whisper = _need("faster_whisper", "faster-whisper")
        if not model_dir.is_dir():
            raise RuntimeError(f"no faster-whisper model in {model_dir}")
        self.language = language
        self._model = whisper.WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads
        )

    def finish(self) -> Transcript:
        segments = list(self._model.transcribe(self.samples(), language=self.language, beam_size=1)[0])
        text = " ".join(s.text.strip() for s in segments)
        # A segment's average log-probability per token, as a probability: how sure the model was.
        logprobs = [float(s.avg_logprob) for s in segments]
        confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else None
        return Transcript(text, self.name, self.language, confidence=confidence)


class SherpaOnnxEngine(_WholeUtterance):
    """sherpa-onnx's offline recogniser over a Paraformer model directory the user supplies."""

    name = "sherpa-onnx"

    def __init__(self, model_dir: Path, language: str = "zh", threads: int = 2) -> None:
        super().__init__()
        sherpa_onnx = _need("sherpa_onnx", "sherpa-onnx")
        tokens = model_dir / "tokens.txt"
        paraformer = model_dir / "model.int8.onnx"
        if not tokens.is_file() or not paraformer.is_file():
            raise RuntimeError(f"{model_dir} needs tokens.txt and model.int8.onnx (a Paraformer model)")
        self.language = language
        self._recognizer = sherpa_onnx.OfflineRecognizer.from_paraformer(
            paraformer=str(paraformer), tokens=str(tokens), num_threads=threads
        )

    def finish(self) -> Transcript:
        stream = self._recognizer.create_stream()
        stream.accept_waveform(RATE, self.samples())
        self._recognizer.decode_stream(stream)
        return Transcript(stream.result.text.strip(), self.name, self.language)


def open_engine(kind: str, model_dir: str | os.PathLike[str] | None, language: str) -> SpeechToText:
    """An open-vocabulary engine named in the home file's ``voice:`` section."""
    if kind == "pocketsphinx-general":
        return PocketsphinxEngine()
    if model_dir is None:
        raise RuntimeError(f"{kind} needs a model directory")
    if kind == "faster-whisper":
        return FasterWhisperEngine(Path(model_dir), language)
    if kind == "sherpa-onnx":
        return SherpaOnnxEngine(Path(model_dir), language)
    raise RuntimeError(f"unknown speech-to-text engine {kind!r}")
