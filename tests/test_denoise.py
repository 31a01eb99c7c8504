"""Noise suppression before the decoder (voice/denoise.py) and its switch in the home file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from homemind.app import Hub, init_data_dir
from homemind.voice.denoise import NoiseSuppressor
from homemind.voice.service import Listening, Voice

RATE = 16_000


def _noisy_tone(noise: float, seed: int = 0) -> np.ndarray:
    """One second of noise, a 440 Hz tone for half a second, then noise again."""
    rng = np.random.default_rng(seed)
    samples = rng.normal(0.0, noise, 2 * RATE)
    t = np.arange(RATE // 2) / RATE
    samples[RATE // 2 : RATE] += 8000 * np.sin(2 * np.pi * 440 * t)
    return samples


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x**2)))


def test_noise_is_taken_out_and_the_speech_band_kept() -> None:
    samples = _noisy_tone(noise=1500.0)
    suppressor = NoiseSuppressor()
    suppressor.measure(samples)
    assert suppressor.noise is not None and suppressor.level_db is not None and suppressor.level_db < 30
    cleaned = suppressor.clean(samples, 0, len(samples))
    noise_only = slice(RATE + 1000, 2 * RATE - 1000)
    tone = slice(RATE // 2 + 1000, RATE - 1000)
    assert _db(cleaned[noise_only]) < _db(samples[noise_only]) - 6  # at least 6 dB less noise
    assert abs(_db(cleaned[tone]) - _db(samples[tone])) < 1.0  # the tone keeps its level


def test_pieces_join_without_seams() -> None:
    """The decoder is fed as audio arrives: cleaning in pieces must equal cleaning the whole."""
    samples = _noisy_tone(noise=1500.0, seed=3)
    suppressor = NoiseSuppressor()
    suppressor.measure(samples)
    whole = suppressor.clean(samples, 0, len(samples))
    for step in (1, 777, 3200):
        pieces = [suppressor.clean(samples, a, min(a + step, len(samples))) for a in range(0, 6000, step)]
        assert np.allclose(np.concatenate(pieces)[:6000], whole[:6000], atol=1e-6)


def test_a_quiet_recording_is_left_as_it_is() -> None:
    samples = _noisy_tone(noise=20.0)  # the tone stands about 50 dB above the noise
    suppressor = NoiseSuppressor()
    suppressor.measure(samples)
    assert suppressor.noise is None and suppressor.level_db is not None and suppressor.level_db > 30
    assert np.array_equal(suppressor.clean(samples, 100, 5000), samples[100:5000])


def test_too_little_audio_to_measure_is_left_as_it_is() -> None:
    suppressor = NoiseSuppressor()
    suppressor.measure(np.zeros(100))
    assert suppressor.noise is None
    assert np.array_equal(suppressor.clean(np.ones(50), 0, 50), np.ones(50))
    silent = NoiseSuppressor()
    silent.measure(np.zeros(RATE))  # digital silence: no division by zero, nothing to clean
    assert np.array_equal(silent.clean(np.zeros(RATE), 0, 10), np.zeros(10))


def test_the_home_file_can_turn_suppression_off(tmp_path: Path) -> None:
    init_data_dir(tmp_path, demo=True)
    home = tmp_path / "home.yaml"
    hub = Hub.open(tmp_path)
    assert Listening(Voice.for_hub(hub)).denoiser is not None  # on by default
    text = home.read_text(encoding="utf-8") + "\nvoice:\n  noise_suppression: false\n"
    home.write_text(text, encoding="utf-8")
    hub = Hub.open(tmp_path)
    assert Listening(Voice.for_hub(hub)).denoiser is None
