"""Voice activity detection: Silero VAD's ONNX model on onnxruntime, without torch.

The `silero-vad` wheel ships the model but depends on torch; we run the model
file ourselves (see voice/models/README.md), 512 samples (32 ms) at a time with the
64-sample context and the recurrent state the model expects, as the wheel's own
`OnnxWrapper` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from homemind.voice.audio import RATE, WIDTH, Audio

WINDOW = 512  # samples: 32 ms at 16 kHz, the only window the 16 kHz model takes
_CONTEXT = 64
MODEL_FILE = "silero_vad.onnx"


def model_path() -> Path:
    return Path(str(resources.files("homemind.voice").joinpath(f"models/{MODEL_FILE}")))


@cache
def _session(path: str) -> object:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread: the VAD runs beside the decoder on a 2-core box, and a 32 ms window is tiny.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


@dataclass
class VadSettings:
    threshold: float = 0.5
    # Speech must last this long to count (a click is not a command) ...
    min_speech_ms: int = 96
    # ... and ends after this much silence: the price of not cutting a speaker off mid-pause.
    silence_ms: int = 320


class SileroVad:
    def __init__(self, settings: VadSettings | None = None, path: Path | None = None) -> None:
        self.settings = settings or VadSettings()
        self._session = _session(str(path or model_path()))

    def stream(self) -> VadStream:
        return VadStream(self)

    def probabilities(self, audio: Audio) -> list[float]:
        stream = self.stream()
        return [p for p, _ in stream.windows(audio.pcm)]

    def speech_bounds(self, audio: Audio) -> tuple[float, float] | None:
        """(start, end) of the first utterance in seconds, or None if there is no speech."""
        stream = self.stream()
        stream.feed(audio.pcm)
        stream.finish()
        if stream.speech_start is None or stream.speech_end is None:
            return None
        return stream.speech_start, stream.speech_end


@dataclass
class VadStream:
    """Audio in as it arrives; says when speech started and when it has ended."""

    vad: SileroVad
    speech_start: float | None = None  # seconds into the stream
    speech_end: float | None = None  # where the speech stopped (before the trailing silence)
    ended_at: float | None = None  # where the trailing silence was long enough to say so
    _state: np.ndarray = field(default_factory=lambda: np.zeros((2, 1, 128), dtype=np.float32))
    _context: np.ndarray = field(default_factory=lambda: np.zeros(_CONTEXT, dtype=np.float32))
    _pending: bytes = b""
    _windows: int = 0
    _run: int = 0  # consecutive speech windows
    _quiet: int = 0  # consecutive non-speech windows after speech

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def _probability(self, window: np.ndarray) -> float:
        frame = np.concatenate([self._context, window])[None, :]
        output, self._state = self.vad._session.run(  # type: ignore[attr-defined]
            None, {"input": frame, "state": self._state, "sr": np.array(RATE, dtype=np.int64)}
        )
        self._context = window[-_CONTEXT:]
        return float(output[0][0])

    def windows(self, pcm: bytes) -> Iterator[tuple[float, float]]:
        """(speech probability, end time in seconds) per complete 32 ms window."""
        data = self._pending + pcm
        size = WINDOW * WIDTH
        whole = len(data) - len(data) % size
        self._pending = data[whole:]
        samples = np.frombuffer(data[:whole], dtype="<i2").astype(np.float32) / 32768.0
        for i in range(0, len(samples), WINDOW):
            self._windows += 1
            yield self._probability(samples[i : i + WINDOW]), self._windows * WINDOW / RATE

    def feed(self, pcm: bytes) -> bool:
        """Take more audio; True once the speech has ended."""
        settings = self.vad.settings
        need_speech = max(1, round(settings.min_speech_ms * RATE / 1000 / WINDOW))
        need_quiet = max(1, round(settings.silence_ms * RATE / 1000 / WINDOW))
        for probability, end in self.windows(pcm):
            if self.ended:
                continue
            if self.speech_start is None:
                self._run = self._run + 1 if probability >= settings.threshold else 0
                if self._run >= need_speech:
                    self.speech_start = max(0.0, end - self._run * WINDOW / RATE)
                continue
            # Hysteresis, as Silero's own iterator does: speech goes on until clearly below.
            if probability < settings.threshold - 0.15:
                self._quiet += 1
                if self._quiet >= need_quiet:
                    self.speech_end = end - self._quiet * WINDOW / RATE
                    self.ended_at = end
            else:
                self._quiet = 0
        return self.ended

    def finish(self) -> None:
        """The audio stopped: speech still going at the end ends there."""
        if self.speech_start is not None and self.speech_end is None:
            self.speech_end = self._windows * WINDOW / RATE - self._quiet * WINDOW / RATE
            self.ended_at = self._windows * WINDOW / RATE
