"""Wake word: an openWakeWord-style model directory the user supplies, run with onnxruntime.

No wake-word model ships: the freely available openWakeWord models are licensed for
non-commercial use only, so push-to-talk is the default and this runs only when the
home file's ``voice: wake_word: {model_dir: ...}`` names a directory. The directory
holds what openWakeWord's own training produces (see README, Voice):

- ``melspectrogram.onnx``: 16 kHz audio (int16 values as float32, shape ``[1, samples]``)
  -> mel frames ``[.., frames, 32]``, one frame per 10 ms;
- ``embedding_model.onnx``: Google's speech embedding, 76 mel frames
  ``[batch, 76, 32, 1]`` -> a 96-dimensional embedding;
- ``<name>.onnx``: the wake word's classifier, the last N embeddings ``[1, N, 96]``
  (N is read from the model, 16 for openWakeWord's) -> a score in [0, 1].

The streaming follows openWakeWord's ``AudioFeatures`` (utils.py) and ``Model.predict``
(model.py) step for step: audio is taken 1280 samples (80 ms) at a time; each step's
mel spectrogram covers those samples plus the 480 before them (8 new frames) and is
transformed with ``x / 10 + 2``, as openWakeWord does to match Google's original; one
embedding per step from the last 76 mel frames (a stride of 8); the classifier scores
the last N embeddings; the first 5 scores are zeroed while the buffers fill. The mel
buffer starts as ones and the embedding buffer from 4 s of low noise, as there; the
noise is seeded here so a detection is repeatable. We run the three models ourselves
rather than depend on the ``openwakeword`` package, which pulls in tflite or torch
and ships the non-commercial models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from homemind.voice.audio import RATE, WIDTH

FRAME = 1280  # samples per step: 80 ms at 16 kHz, openWakeWord's chunk
_MEL_CONTEXT = 160 * 3  # samples before a step's own that its mel frames also need
MEL_BINS = 32
WINDOW = 76  # mel frames per embedding
EMBEDDING = 96
_WARMUP_SCORES = 5  # openWakeWord zeroes the first 5 predictions
_MEL_MAX = 10 * 97  # ~10 s of mel frames kept, as openWakeWord keeps
_FEATURES_MAX = 120  # ~10 s of embeddings kept
_SCORES_KEPT = 1000  # ~80 s of scores, for a look at what the model made of recent audio
MEL_FILE = "melspectrogram.onnx"
EMBEDDING_FILE = "embedding_model.onnx"


class WakeWordError(RuntimeError):
    """A wake-word model directory this machine cannot use, with what is wrong with it."""


def _session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread: the detector runs all the time beside everything else on a 2-core box.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a bad file
        raise WakeWordError(f"{path}: not an ONNX model onnxruntime can load ({exc})") from None


def _fits(shape: list[Any], wanted: list[Any]) -> bool:
    """Same rank, and every fixed dimension either open in the model or equal."""
    return len(shape) == len(wanted) and all(
        not isinstance(have, int) or not isinstance(want, int) or have == want
        for have, want in zip(shape, wanted, strict=True)
    )


def _probe(path: Path, run: Callable[[], np.ndarray]) -> np.ndarray:
    try:
        return run()
    except WakeWordError:
        raise
    except Exception as exc:  # onnxruntime's own error types: the model cannot take this input
        raise WakeWordError(f"{path}: cannot run on the input openWakeWord gives it ({exc})") from None


class WakeWordDetector:
    """The three models of one wake word; :meth:`stream` gives a detector for one audio stream."""

    def __init__(self, model_dir: Path | str, threshold: float = 0.5) -> None:
        if not 0.0 < threshold < 1.0:
            raise WakeWordError(f"the wake-word threshold must be between 0 and 1, not {threshold}")
        self.threshold = threshold
        directory = Path(model_dir).expanduser()
        if not directory.is_dir():
            raise WakeWordError(f"{directory}: no such wake-word model directory")
        missing = [f for f in (MEL_FILE, EMBEDDING_FILE) if not (directory / f).is_file()]
        if missing:
            raise WakeWordError(
                f"{directory}: missing {', '.join(missing)} (openWakeWord's feature models belong beside"
                " the wake word's own model)"
            )
        words = sorted(p for p in directory.glob("*.onnx") if p.name not in (MEL_FILE, EMBEDDING_FILE))
        if len(words) != 1:
            found = ", ".join(p.name for p in words) or "none"
            raise WakeWordError(
                f"{directory}: needs exactly one wake-word model (<name>.onnx); found {found}"
            )
        self.name = words[0].stem
        self.directory = directory
        self._mel = _session(directory / MEL_FILE)
        self._embedding = _session(directory / EMBEDDING_FILE)
        self._classifier = _session(words[0])
        self.history = self._check_shapes(words[0])

    def _check_shapes(self, word: Path) -> int:
        """The classifier's N, after running each model once: a model that does not fit says so now.

        A dimension the model leaves open (a name, not a number) fits anything, as in
        openWakeWord's own files; only a fixed one that differs is refused.
        """
        mel_file, embedding_file = self.directory / MEL_FILE, self.directory / EMBEDDING_FILE
        shape = self._mel.get_inputs()[0].shape
        if len(shape) != 2:
            raise WakeWordError(f"{mel_file}: takes {shape}, not [1, samples]")
        _probe(mel_file, lambda: self.melspectrogram(np.zeros(FRAME + _MEL_CONTEXT, dtype=np.int16)))
        shape = self._embedding.get_inputs()[0].shape
        if not _fits(shape, ["batch", WINDOW, MEL_BINS, 1]):
            raise WakeWordError(f"{embedding_file}: takes {shape}, not [batch, {WINDOW}, {MEL_BINS}, 1]")
        window = np.ones((1, WINDOW, MEL_BINS, 1), dtype=np.float32)
        out = _probe(embedding_file, lambda: self._run(self._embedding, window))
        if out.size != EMBEDDING:
            raise WakeWordError(f"{embedding_file}: gives {list(out.shape)}, not a {EMBEDDING}-d embedding")
        shape = self._classifier.get_inputs()[0].shape
        if not _fits(shape, [1, "N", EMBEDDING]) or not isinstance(shape[1], int):
            raise WakeWordError(f"{word}: takes {shape}, not [1, N, {EMBEDDING}] (the last N embeddings)")
        if not 1 <= shape[1] <= _FEATURES_MAX:
            raise WakeWordError(f"{word}: wants {shape[1]} embeddings; at most {_FEATURES_MAX} are kept")
        history = np.zeros((1, shape[1], EMBEDDING), dtype=np.float32)
        out = _probe(word, lambda: self._run(self._classifier, history))
        if out.size != 1:
            raise WakeWordError(f"{word}: gives {list(out.shape)}, not one score")
        return int(shape[1])

    @staticmethod
    def _run(session: Any, x: np.ndarray) -> np.ndarray:
        return np.asarray(session.run(None, {session.get_inputs()[0].name: x})[0], dtype=np.float32)

    def melspectrogram(self, samples: np.ndarray) -> np.ndarray:
        """int16 samples -> mel frames [frames, 32], transformed (x / 10 + 2) as openWakeWord does."""
        spec = self._run(self._mel, samples.astype(np.float32)[None, :])
        if spec.ndim < 2 or spec.shape[-1] != MEL_BINS:
            raise WakeWordError(
                f"{self.directory / MEL_FILE}: gives {list(spec.shape)}, not [.., frames, {MEL_BINS}]"
            )
        return spec.reshape(-1, MEL_BINS) / 10 + 2

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """Windows of 76 mel frames [batch, 76, 32] -> embeddings [batch, 96]."""
        return self._run(self._embedding, windows[..., None].astype(np.float32)).reshape(
            len(windows), EMBEDDING
        )

    def score(self, features: np.ndarray) -> float:
        """The last N embeddings [N, 96] -> the wake word's score."""
        return float(self._run(self._classifier, features[None].astype(np.float32)).reshape(-1)[0])

    @cached_property
    def _initial_features(self) -> np.ndarray:
        # openWakeWord starts from the embeddings of 4 s of random noise in [-1000, 1000); seeded here.
        noise = np.random.default_rng(0).integers(-1000, 1000, RATE * 4).astype(np.int16)
        spec = self.melspectrogram(noise)
        windows = np.stack([spec[i : i + WINDOW] for i in range(0, len(spec) - WINDOW + 1, 8)])
        return self.embed(windows)

    def stream(self) -> WakeStream:
        return WakeStream(self)

    def detect(self, pcm: bytes) -> float | None:
        """Seconds into a whole recording where the wake word was heard, or None."""
        stream = self.stream()
        stream.feed(pcm)
        return stream.detected_at


@dataclass
class WakeStream:
    """Audio in as it arrives; says when (if) the wake word was heard."""

    detector: WakeWordDetector
    detected_at: float | None = None  # seconds into the stream, at the end of the step that heard it
    steps: int = 0  # 80 ms steps taken
    # The latest scores, one per step: a satellite may stream for days, so only the last ~80 s.
    scores: list[float] = field(default_factory=list)
    _pending: bytes = b""
    _raw: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    _mel: np.ndarray = field(default_factory=lambda: np.ones((WINDOW, MEL_BINS), dtype=np.float32))
    _features: np.ndarray | None = None

    @property
    def detected(self) -> bool:
        return self.detected_at is not None

    def feed(self, pcm: bytes) -> bool:
        """Take more 16 kHz int16 PCM; True once the wake word has been heard."""
        data = self._pending + pcm
        size = FRAME * WIDTH
        whole = len(data) - len(data) % size
        self._pending = data[whole:]
        samples = np.frombuffer(data[:whole], dtype="<i2")
        for i in range(0, len(samples), FRAME):
            score = self._step(samples[i : i + FRAME])
            self.steps += 1
            self.scores.append(score)
            if self.detected_at is None and score >= self.detector.threshold:
                self.detected_at = self.steps * FRAME / RATE
        del self.scores[:-_SCORES_KEPT]
        return self.detected

    def _step(self, frame: np.ndarray) -> float:
        detector = self.detector
        if self._features is None:
            self._features = detector._initial_features
        self._raw = np.concatenate([self._raw, frame])[-(FRAME + _MEL_CONTEXT) :]
        self._mel = np.vstack([self._mel, detector.melspectrogram(self._raw)])[-_MEL_MAX:]
        embedding = detector.embed(self._mel[None, -WINDOW:])
        self._features = np.vstack([self._features, embedding])[-_FEATURES_MAX:]
        if self.steps < _WARMUP_SCORES or len(self._features) < detector.history:
            return 0.0
        return detector.score(self._features[-detector.history :])
