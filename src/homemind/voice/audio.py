"""Audio in and out: WAV bytes <-> 16 kHz mono int16 PCM, with clear errors for what we cannot use.

Everything the voice path listens to is 16 kHz mono 16-bit PCM (what Silero VAD,
pocketsphinx and the Wyoming satellites speak). Other sample rates between 8 and
48 kHz are resampled with soxr, a well-kept resampler, rather than by hand.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np

from homemind.core import i18n
from homemind.core.services import ActionError

RATE = 16_000
WIDTH = 2  # bytes per sample
MAX_SECONDS = 30.0
MAX_BYTES = 20 * 1024 * 1024
_RATES = (8_000, 48_000)

i18n.register(
    {
        "voice.not_wav": {
            "en": "That is not a WAV file I can read ({detail}).",
            "zh": "这不是能读取的 WAV 音频（{detail}）。",
        },
        "voice.empty": {"en": "The recording is empty.", "zh": "录音是空的。"},
        "voice.too_long": {
            "en": "The recording is too long ({seconds} s); the limit is {limit} s.",
            "zh": "录音太长（{seconds} 秒），上限是 {limit} 秒。",
        },
        "voice.too_big": {
            "en": "The recording is too big ({size} bytes); the limit is {limit}.",
            "zh": "录音文件太大（{size} 字节），上限是 {limit}。",
        },
        "voice.bad_rate": {
            "en": "The sample rate {rate} Hz is not supported; use 8000-48000 Hz (16000 is best).",
            "zh": "不支持 {rate} Hz 的采样率；请用 8000-48000 Hz（最好 16000）。",
        },
        "voice.bad_format": {
            "en": "Only 16-bit PCM audio is supported, not {bits}-bit.",
            "zh": "只支持 16 位 PCM 音频，不支持 {bits} 位。",
        },
        "voice.bad_channels": {
            "en": "The audio has {channels} channels; send mono or stereo.",
            "zh": "音频有 {channels} 个声道；请用单声道或立体声。",
        },
        "voice.no_speech": {"en": "I didn't hear anything.", "zh": "我没有听到说话声。"},
        "voice.no_wake_word": {
            "en": "I didn't hear the wake word ({name}), so I did nothing.",
            "zh": "没有听到唤醒词（{name}），所以什么也没做。",
        },
        "voice.not_heard": {
            "en": "Sorry, I didn't catch that. Please say it again.",
            "zh": "抱歉，我没听清，请再说一遍。",
        },
    }
)


class VoiceError(ActionError):
    """Audio we cannot use; a message key, so the reply is in the speaker's language."""


@dataclass(frozen=True)
class Audio:
    """16 kHz mono int16 PCM."""

    pcm: bytes

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (RATE * WIDTH)

    def samples(self) -> np.ndarray:
        """float32 in [-1, 1], what the models take."""
        return np.frombuffer(self.pcm, dtype="<i2").astype(np.float32) / 32768.0

    def wav(self) -> bytes:
        return to_wav(self.pcm, RATE)


def to_wav(pcm: bytes, rate: int, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(WIDTH)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def check_format(rate: int, width: int, channels: int) -> None:
    """VoiceError unless we can take PCM of this shape."""
    if width != WIDTH:
        raise VoiceError("voice.bad_format", bits=width * 8)
    if channels not in (1, 2):
        raise VoiceError("voice.bad_channels", channels=channels)
    if not _RATES[0] <= rate <= _RATES[1]:
        raise VoiceError("voice.bad_rate", rate=rate)


def convert_pcm(pcm: bytes, rate: int, width: int, channels: int) -> Audio:
    """Raw PCM in any supported shape -> :class:`Audio`; VoiceError for what cannot be used."""
    check_format(rate, width, channels)
    frames = len(pcm) // (width * channels)
    if frames == 0:
        raise VoiceError("voice.empty")
    seconds = frames / rate
    if seconds > MAX_SECONDS:
        raise VoiceError("voice.too_long", seconds=round(seconds, 1), limit=int(MAX_SECONDS))
    data = np.frombuffer(pcm[: frames * width * channels], dtype="<i2")
    if channels == 2:
        data = data.reshape(-1, 2).mean(axis=1).astype(np.int16)
    if rate != RATE:
        import soxr  # only paid for when a recording needs it

        resampled = soxr.resample(data.astype(np.float32), rate, RATE)
        data = np.clip(np.round(resampled), -32768, 32767).astype(np.int16)
    return Audio(data.astype("<i2").tobytes())


def read_wav(data: bytes) -> Audio:
    """WAV bytes -> :class:`Audio`, or a VoiceError saying what is wrong with them."""
    if len(data) > MAX_BYTES:
        raise VoiceError("voice.too_big", size=len(data), limit=MAX_BYTES)
    if not data:
        raise VoiceError("voice.empty")
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            # The header's frame count is not trusted (espeak-ng streams with a huge one):
            # read at most a little past the limit and measure what is really there.
            pcm = wav.readframes(int(MAX_SECONDS * max(rate, 1)) + 1)
    except (wave.Error, EOFError) as exc:
        raise VoiceError("voice.not_wav", detail=str(exc) or type(exc).__name__) from None
    return convert_pcm(pcm, rate, width, channels)


def add_noise(audio: Audio, snr_db: float, seed: int = 0) -> Audio:
    """White noise at a signal-to-noise ratio: synthetic speech with pure digital silence confuses decoders.

    Used by the tests and the benchmark to make synthesized commands more like a room.
    """
    samples = np.frombuffer(audio.pcm, dtype="<i2").astype(np.float64)
    power = float(np.mean(samples**2)) or 1.0
    noise = np.random.default_rng(seed).normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), samples.shape)
    return Audio(np.clip(samples + noise, -32768, 32767).astype("<i2").tobytes())
