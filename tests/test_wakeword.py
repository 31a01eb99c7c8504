"""Wake word: the openWakeWord-style pipeline, the Wyoming ``wake`` service and ``listen --wake``.

No real wake-word model can be used here: none may be downloaded, and the public
openWakeWord models are for non-commercial use only. So these tests build tiny
stand-in models with ``onnx.helper`` that have the real models' names, input and
output shapes (``melspectrogram.onnx``: [1, samples] -> [1, 1, frames, 32], one frame
per 160 samples from 640; ``embedding_model.onnx``: [batch, 76, 32, 1] -> [batch, 1, 1,
96]; the word's model: [1, 16, 96] -> [1, 1]) and a simple, meaningful behaviour: the
"mel" frames are the frame's loudness in dB, the "embedding" is a window's mean, and
the "wake word" scores high when some 0.76 s window of the last 1.3 s is loud. So a
loud burst "is" the wake word and speech at a normal level or silence is not.

They test the plumbing (framing, buffers, thresholds, errors, the protocol, acting
only after the wake word), not how well any real wake word is recognized.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.wake import Detect, Detection

from conftest import run_cli
from homemind.app import demo_home_text
from homemind.core.homefile import HomeFileError, parse_home
from homemind.voice.audio import Audio, add_noise
from homemind.voice.tts import silence
from homemind.voice.wakeword import FRAME, WakeWordDetector, WakeWordError
from test_voice import _exchange, _start_wyoming, spoken

_LOUD = 9.5  # the stand-in's centre: a window's mean "mel" (dB / 10 + 2) where the score is 0.5


def _save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what onnxruntime 1.32 reads
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def _floats(name: str, value: object) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def _mel_model(path: Path, bins: int = 32) -> None:
    """[1, samples] -> [1, 1, frames, bins]: 10 log10(mean power + 1) of 640 samples every 160."""
    nodes = [
        helper.make_node("Unsqueeze", ["input", "axis1"], ["x"]),
        helper.make_node("Mul", ["x", "x"], ["power"]),
        helper.make_node("Conv", ["power", "w"], ["frames"], kernel_shape=[640], strides=[160]),
        helper.make_node("Add", ["frames", "one"], ["p1"]),
        helper.make_node("Log", ["p1"], ["ln"]),
        helper.make_node("Mul", ["ln", "db"], ["dbs"]),
        helper.make_node("Transpose", ["dbs"], ["t"], perm=[0, 2, 1]),
        helper.make_node("Unsqueeze", ["t", "axis1"], ["output"]),
    ]
    init = [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        _floats("w", np.full((bins, 1, 640), 1 / 640)),
        _floats("one", 1.0),
        _floats("db", 10 / np.log(10)),
    ]
    graph = helper.make_graph(
        nodes,
        "stand_in_melspectrogram",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, "samples"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "frames", bins])],
        init,
    )
    _save(graph, path)


def _embedding_model(path: Path) -> None:
    """[batch, 76, 32, 1] -> [batch, 1, 1, 96]: the window's mean, 96 times."""
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["input_1"], ["mean"], axes=[1, 2, 3], keepdims=1),
            helper.make_node("Mul", ["mean", "ones"], ["output"]),
        ],
        "stand_in_embedding",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["batch", 76, 32, 1])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1, 1, 96])],
        [_floats("ones", np.ones((1, 1, 1, 96)))],
    )
    _save(graph, path)


def _word_model(path: Path, width: int = 96) -> None:
    """[1, 16, width] -> [1, 1]: sigmoid(4 (loudest of the 16 windows - centre))."""
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["x"], ["per_window"], axes=[2], keepdims=1),
            helper.make_node("ReduceMax", ["per_window"], ["loudest"], axes=[1], keepdims=0),
            helper.make_node("Sub", ["loudest", "centre"], ["d"]),
            helper.make_node("Mul", ["d", "slope"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["score"]),
        ],
        "stand_in_wake_word",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, width])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1])],
        [_floats("centre", _LOUD), _floats("slope", 4.0)],
    )
    _save(graph, path)


def stand_in(directory: Path, name: str = "hey_home") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    _mel_model(directory / "melspectrogram.onnx")
    _embedding_model(directory / "embedding_model.onnx")
    _word_model(directory / f"{name}.onnx")
    return directory


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stand_in(tmp_path_factory.mktemp("wake") / "hey_home")


def tone(seconds: float, amplitude: float) -> Audio:
    t = np.arange(int(16_000 * seconds)) / 16_000
    return Audio((amplitude * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())


def burst(before: float = 0.5, after: float = 1.0, amplitude: float = 16_000) -> Audio:
    """The stand-in's "wake word": 0.8 s of loud tone, from ``before`` seconds in."""
    audio = Audio(silence(before).pcm + tone(0.8, amplitude).pcm + silence(after).pcm)
    return add_noise(audio, 40, seed=3)


def test_loud_burst_is_heard_and_quiet_is_not(model_dir: Path) -> None:
    detector = WakeWordDetector(model_dir)
    assert (detector.name, detector.history, detector.threshold) == ("hey_home", 16, 0.5)
    stream = detector.stream()
    assert stream.feed(burst().pcm)
    # Heard once most of the 0.76 s window is loud: during the burst's last part, at an 80 ms step.
    assert stream.detected_at is not None and 1.0 <= stream.detected_at <= 1.4
    assert (stream.detected_at * 16_000) % FRAME == 0
    assert all(0.0 <= s <= 1.0 for s in stream.scores) and stream.scores[:5] == [0.0] * 5
    assert detector.detect(burst().pcm) == stream.detected_at  # repeatable: no randomness left

    for quiet in (
        add_noise(silence(3.0), 30),
        burst(amplitude=2_000),
        spoken("turn on the kitchen light"),  # speech at a normal level is not this "wake word"
    ):
        quiet_stream = detector.stream()
        assert not quiet_stream.feed(quiet.pcm)
        assert max(quiet_stream.scores) < 0.5
    # The threshold is the model's score that counts: a stricter one ignores the same burst.
    assert WakeWordDetector(model_dir, threshold=0.99).detect(burst().pcm) is None


def test_streaming_frames_match_the_whole_clip(model_dir: Path) -> None:
    """8 mel frames per 80 ms step, each from the step's samples and the 480 before, as openWakeWord does."""
    detector = WakeWordDetector(model_dir)
    audio = burst()
    stream = detector.stream()
    for i in range(0, len(audio.pcm), 1000):  # chunk sizes unrelated to the 1280-sample step
        stream.feed(audio.pcm[i : i + 1000])
    steps = stream.steps
    assert steps == len(audio.pcm) // (FRAME * 2)
    samples = np.frombuffer(audio.pcm, dtype="<i2")[: steps * FRAME]
    whole = detector.melspectrogram(samples)
    assert whole.shape == (8 * steps - 3, 32)
    streamed = stream._mel[76:]  # after the buffer's initial ones
    np.testing.assert_allclose(streamed, whole, rtol=1e-4, atol=1e-4)
    assert np.all(stream._mel[:76] == 1.0)


def test_bad_model_directories_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(WakeWordError, match="no such wake-word model directory"):
        WakeWordDetector(tmp_path / "nowhere")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(WakeWordError, match=r"missing melspectrogram\.onnx, embedding_model\.onnx"):
        WakeWordDetector(empty)

    two = stand_in(tmp_path / "two")
    _word_model(two / "hey_other.onnx")
    with pytest.raises(WakeWordError, match=r"exactly one wake-word model .*hey_home\.onnx, hey_other\.onnx"):
        WakeWordDetector(two)
    (two / "hey_home.onnx").unlink()
    (two / "hey_other.onnx").unlink()
    with pytest.raises(WakeWordError, match="found none"):
        WakeWordDetector(two)

    narrow = stand_in(tmp_path / "narrow")
    _word_model(narrow / "hey_home.onnx", width=64)
    with pytest.raises(WakeWordError, match=r"hey_home\.onnx: takes \[1, 16, 64\], not \[1, N, 96\]"):
        WakeWordDetector(narrow)

    bins = stand_in(tmp_path / "bins")
    _mel_model(bins / "melspectrogram.onnx", bins=40)
    with pytest.raises(WakeWordError, match=r"melspectrogram\.onnx: gives \[1, 1, 8, 40\], not"):
        WakeWordDetector(bins)

    swapped = stand_in(tmp_path / "swapped")
    _mel_model(swapped / "embedding_model.onnx")  # the feature models mixed up
    with pytest.raises(WakeWordError, match=r"embedding_model\.onnx: takes \[1, 'samples'\]"):
        WakeWordDetector(swapped)

    junk = stand_in(tmp_path / "junk")
    (junk / "hey_home.onnx").write_bytes(b"this is not a model \x00\xff" * 10)
    with pytest.raises(WakeWordError, match="not an ONNX model onnxruntime can load"):
        WakeWordDetector(junk)

    with pytest.raises(WakeWordError, match="between 0 and 1"):
        WakeWordDetector(stand_in(tmp_path / "fine"), threshold=1.5)


def test_wake_word_section_of_the_home_file(tmp_path: Path) -> None:
    home = parse_home(
        demo_home_text() + "\nvoice:\n  wake_word: {model_dir: /models/hey_home, threshold: 0.7}\n"
    )
    assert home.voice.wake_word is not None
    assert (home.voice.wake_word.model_dir, home.voice.wake_word.threshold) == ("/models/hey_home", 0.7)
    assert parse_home(demo_home_text()).voice.wake_word is None  # push-to-talk by default
    lines = len(demo_home_text().splitlines())
    bad = "\nvoice:\n  wake_word:\n    model_dir: /models/hey_home\n    threshold: 1.5\n"
    with pytest.raises(
        HomeFileError, match=rf"home.yaml:{lines + 5}: voice.wake_word.threshold: .*less than 1"
    ):
        parse_home(demo_home_text() + bad)
    with pytest.raises(HomeFileError, match=r"voice.wake_word.model_dir: Field required"):
        parse_home(demo_home_text() + "\nvoice:\n  wake_word: {threshold: 0.5}\n")


def _configure(data_dir: Path, model_dir: Path) -> None:
    home = data_dir / "home.yaml"
    text = home.read_text(encoding="utf-8") + f"\nvoice:\n  wake_word: {{model_dir: {model_dir}}}\n"
    home.write_text(text, encoding="utf-8")


def test_listen_wake_acts_only_after_the_wake_word(data_dir: Path, tmp_path: Path, model_dir: Path) -> None:
    command = spoken("open the curtains", "piper")
    plain = tmp_path / "plain.wav"
    plain.write_bytes(command.wav())
    woken = tmp_path / "woken.wav"
    woken.write_bytes(Audio(burst(after=0.4).pcm + command.pcm).wav())

    unset = run_cli(data_dir, "listen", str(woken), "--wake", timeout=120)
    assert unset.returncode == 2
    assert b"no wake word is configured" in unset.stderr

    _configure(data_dir, model_dir)
    ignored = run_cli(data_dir, "listen", str(plain), "--wake", "--json", timeout=120)
    assert ignored.returncode == 1, ignored.stderr
    out = json.loads(ignored.stdout)
    assert out["status"] == "error" and out["wake_word_at"] is None
    assert out["response"] == "I didn't hear the wake word (hey_home), so I did nothing."
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)
    assert state["entities"]["cover.living_room_curtains"]["state"] == "closed"

    acted = run_cli(data_dir, "listen", str(woken), "--wake", "--json", timeout=120)
    assert acted.returncode == 0, acted.stderr
    out = json.loads(acted.stdout)
    assert 1.0 <= out["wake_word_at"] <= 1.4
    assert out["transcript"] == "open the curtains" and out["status"] == "done"
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)
    assert state["entities"]["cover.living_room_curtains"]["state"] == "open"


def test_listen_wake_with_a_broken_model_is_a_setup_error(data_dir: Path, tmp_path: Path) -> None:
    _configure(data_dir, tmp_path / "not-there")
    wav = tmp_path / "command.wav"
    wav.write_bytes(spoken("open the curtains").wav())
    done = run_cli(data_dir, "listen", str(wav), "--wake", timeout=120)
    assert done.returncode == 2
    assert b"wake word unavailable" in done.stderr and b"no such wake-word model directory" in done.stderr
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)
    assert state["entities"]["cover.living_room_curtains"]["state"] == "closed"


def _chunks(audio: Audio, size: int = 2048) -> list[Event]:
    return [
        AudioChunk(rate=16_000, width=2, channels=1, audio=audio.pcm[i : i + size]).event()
        for i in range(0, len(audio.pcm), size)
    ]


def _stream(audio: Audio, names: list[str] | None = None) -> list[Event]:
    start = AudioStart(rate=16_000, width=2, channels=1).event()
    return [Detect(names=names).event(), start, *_chunks(audio), AudioStop().event()]


def test_wyoming_wake_service(data_dir: Path, model_dir: Path) -> None:
    process, port = _start_wyoming(data_dir)
    try:  # push-to-talk by default: no wake service offered, and asking for one is an error
        info = Info.from_event(asyncio.run(_exchange(port, [Describe().event()], "info"))[-1])
        assert info.wake == [] and info.asr
        refused = asyncio.run(_exchange(port, _stream(burst()), "detection"))
        assert refused[0].type == "error" and "no wake word is configured" in refused[0].data["text"]
    finally:
        process.terminate()
        process.wait(timeout=10)

    _configure(data_dir, model_dir)
    process, port = _start_wyoming(data_dir)
    try:
        info = Info.from_event(asyncio.run(_exchange(port, [Describe().event()], "info"))[-1])
        assert [m.name for p in info.wake for m in p.models] == ["hey_home"]

        heard = asyncio.run(_exchange(port, _stream(burst()), "detection"))
        detection = Detection.from_event(heard[-1])
        assert detection.name == "hey_home"
        assert detection.timestamp is not None and 1000 <= detection.timestamp <= 1400

        twice = asyncio.run(
            _exchange(port, [*_stream(Audio(burst().pcm + burst().pcm)), Describe().event()], "info")
        )
        stamps = [Detection.from_event(e).timestamp or 0 for e in twice if e.type == "detection"]
        assert len(stamps) == 2 and 2300 - 150 <= stamps[1] - stamps[0] <= 2300 + 400
        assert "not-detected" not in [e.type for e in twice]

        quiet = asyncio.run(_exchange(port, _stream(add_noise(silence(2.0), 30)), "not-detected"))
        assert [e.type for e in quiet] == ["not-detected"]
        other = asyncio.run(_exchange(port, _stream(burst(), names=["alexa"]), "not-detected"))
        assert [e.type for e in other] == ["not-detected"]
    finally:
        process.terminate()
        process.wait(timeout=10)
