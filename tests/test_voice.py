"""Voice: synthesized commands through VAD, speech to text, the pipeline and text to speech, for real.

Speech is made with piper (noise off, so it is repeatable) and espeak-ng, with low
white noise added (pure digital silence confuses the decoder). A handful of
utterances only: the full set, with figures, is benchmarks/voice.py.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.handle import Handled
from wyoming.info import Describe, Info
from wyoming.intent import Intent, Recognize
from wyoming.tts import Synthesize

from conftest import HubDriver, free_port, run_cli
from homemind.app import Hub
from homemind.core.homefile import HomeFileError, parse_home
from homemind.voice.audio import Audio, VoiceError, add_noise, read_wav, to_wav
from homemind.voice.doubt import Doubts
from homemind.voice.homemodel import build_home_model
from homemind.voice.service import Listening, Voice
from homemind.voice.stt import Transcript as SttTranscript
from homemind.voice.tts import EspeakTTS, PiperTTS, silence
from homemind.voice.vad import SileroVad, model_path

SILERO_SHA256 = "7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49"


def spoken(text: str, engine: str = "espeak", snr: float = 30.0) -> Audio:
    tts = PiperTTS(deterministic=True) if engine == "piper" else EspeakTTS()
    speech = tts.synthesize(text, "en")
    return add_noise(Audio(silence(0.3).pcm + speech.pcm + silence(0.6).pcm), snr, seed=7)


def test_packaged_vad_model_is_the_pinned_silero_file() -> None:
    assert hashlib.sha256(model_path().read_bytes()).hexdigest() == SILERO_SHA256


def test_vad_finds_speech_and_not_noise() -> None:
    vad = SileroVad()
    bounds = vad.speech_bounds(spoken("turn on the kitchen light"))
    assert bounds is not None
    start, end = bounds
    assert 0.15 < start < 0.6 and end > start + 0.5
    assert vad.speech_bounds(add_noise(silence(2.0), 30)) is None


def test_listen_cli_acts_and_replies(data_dir: Path, tmp_path: Path) -> None:
    wav = tmp_path / "open.wav"
    wav.write_bytes(spoken("open the curtains", "piper").wav())
    reply = tmp_path / "reply.wav"
    done = run_cli(data_dir, "listen", str(wav), "--json", "--reply", str(reply), timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["transcript"] == "open the curtains"
    assert out["status"] == "done"
    assert out["actions"][0]["entity_id"] == "cover.living_room_curtains"
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)
    assert state["entities"]["cover.living_room_curtains"]["state"] == "open"
    spoken_reply = read_wav(reply.read_bytes())
    assert spoken_reply.seconds > 0.5
    assert SileroVad().speech_bounds(add_noise(spoken_reply, 30)) is not None


def test_listen_in_process_sets_a_number(hub: HubDriver) -> None:
    voice = Voice.for_hub(hub.hub)
    audio = spoken("set the bedroom ac to twenty two degrees")
    outcome = asyncio.run(voice.listen(audio, hub.hub.actor("alice", "voice"), speak=False))
    assert outcome.transcript is not None
    assert outcome.result.status.value == "done", outcome.as_dict()
    assert hub.attr("climate.bedroom_ac", "temperature") == 22


def test_no_speech_is_said_so(hub: HubDriver) -> None:
    voice = Voice.for_hub(hub.hub)
    before = hub.snapshot()
    outcome = asyncio.run(voice.listen(add_noise(silence(1.5), 30), hub.hub.actor(None, "voice")))
    assert outcome.result.status.value == "error"
    assert outcome.result.response == "I didn't hear anything."
    assert outcome.reply is not None and outcome.reply.seconds > 0.3
    assert hub.snapshot() == before


def _wav(rate: int, seconds: float, width: int = 2, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00" * int(rate * seconds) * channels * (width // 2 or 1))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "voice.empty"),
        (b"RIFF\x00\x00not really a wav at all", "voice.not_wav"),
        ("打开灯".encode() * 10, "voice.not_wav"),
        (_wav(16_000, 0), "voice.empty"),
        (_wav(4_000, 1), "voice.bad_rate"),
        (_wav(96_000, 1), "voice.bad_rate"),
        (_wav(16_000, 31), "voice.too_long"),
        (_wav(16_000, 1, channels=3), "voice.bad_channels"),
    ],
)
def test_bad_audio_is_a_clear_error(data: bytes, key: str) -> None:
    with pytest.raises(VoiceError) as caught:
        read_wav(data)
    assert caught.value.key == key
    assert caught.value.message("en") != key and caught.value.message("zh") != key


def test_other_rates_and_stereo_are_converted() -> None:
    audio = read_wav(_wav(44_100, 1.0, channels=2))
    assert abs(audio.seconds - 1.0) < 0.01


def test_listen_cli_bad_file_exits_2_and_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    before = run_cli(data_dir, "state", "--json").stdout
    bad = tmp_path / "notes.wav"
    bad.write_text("turn on every light", encoding="utf-8")
    done = run_cli(data_dir, "listen", str(bad))
    assert done.returncode == 2
    assert b"not a WAV file" in done.stderr
    assert run_cli(data_dir, "state", "--json").stdout == before


def test_say_cli_english_and_chinese(tmp_path: Path) -> None:
    for text, name in (("The front door is locked.", "en.wav"), ("大门已经锁好了", "zh.wav")):
        out = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-m", "homemind", "say", text, "-o", str(out)], capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        audio = read_wav(out.read_bytes())
        assert audio.seconds > 0.8
        assert SileroVad().speech_bounds(add_noise(audio, 30)) is not None


def test_say_cli_refuses_empty_text(tmp_path: Path) -> None:
    out = tmp_path / "nothing.wav"
    done = subprocess.run(
        [sys.executable, "-m", "homemind", "say", "   ", "-o", str(out)], capture_output=True, timeout=60
    )
    assert done.returncode == 2 and b"empty" in done.stderr
    assert not out.exists()


def test_home_model_follows_the_home(tmp_path: Path) -> None:
    from homemind.app import demo_home_text
    from homemind.skills import default_registry

    types = tuple(default_registry().intent_types)
    demo = parse_home(demo_home_text())
    renamed = parse_home(demo_home_text().replace("name: {en: Exhaust Fan,", "name: {en: Ceiling Fan,"))
    first = build_home_model(demo, types, tmp_path)
    second = build_home_model(renamed, types, tmp_path)
    assert first.directory != second.directory
    assert "ceiling" in {line.split()[0] for line in second.dictionary.read_text().splitlines()}
    assert build_home_model(demo, types, tmp_path).directory == first.directory  # cached, not rebuilt


def test_voice_section_of_the_home_file_is_checked() -> None:
    from homemind.app import demo_home_text

    text = demo_home_text() + "\nvoice:\n  satellites:\n    - {address: 192.168.1.20, area: attic}\n"
    with pytest.raises(HomeFileError, match="attic"):
        parse_home(text)
    with pytest.raises(HomeFileError, match="not an IP address"):
        parse_home(demo_home_text() + "\nvoice:\n  satellites:\n    - {address: kitchen-pi}\n")
    satellite_line = "    - {address: 10.0.0.7, area: kitchen, member: nainai}\n"
    home = parse_home(demo_home_text() + "\nvoice:\n  satellites:\n" + satellite_line)
    satellite = home.voice.satellite("10.0.0.7")
    assert satellite is not None and satellite.member == "nainai"


class _OpenVocabulary:
    """Stands in for a user-supplied faster-whisper/sherpa-onnx model, which no registry ships."""

    name = "fake-open-vocabulary"
    language = "en"

    def __init__(self, text: str) -> None:
        self.text = text
        self.fed = 0

    def start(self) -> None:
        self.fed = 0

    def feed(self, pcm: bytes) -> None:
        self.fed += len(pcm)

    def finish(self) -> SttTranscript:
        return SttTranscript(self.text, self.name, self.language)


def test_fallback_engine_gets_the_audio_when_the_home_model_is_not_understood(hub: HubDriver) -> None:
    voice = Voice.for_hub(hub.hub)
    fallback = _OpenVocabulary("turn on the balcony light")
    voice.fallback = fallback
    audio = spoken("mumble jumble")
    outcome = asyncio.run(voice.listen(audio, hub.hub.actor(None, "voice"), speak=False))
    assert outcome.fallback_used, outcome.as_dict()
    assert 16_000 < fallback.fed <= len(audio.pcm)  # the speech, up to where the VAD heard it end
    assert hub.state("light.balcony") == "on"


def test_words_no_template_takes_are_never_acted_on(hub: HubDriver) -> None:
    """Chinese said to the English model comes out as English-ish words; nothing may act on them."""
    voice = Voice.for_hub(hub.hub)
    before = hub.snapshot()
    chinese = add_noise(
        Audio(silence(0.3).pcm + EspeakTTS().synthesize("打开厨房的灯", "zh").pcm), 30, seed=7
    )
    outcome = asyncio.run(voice.listen(chinese, hub.hub.actor("bo", "voice"), speak=False))
    assert outcome.result.status.value == "not_understood"
    assert outcome.result.response == "抱歉，我没听清，请再说一遍。"  # in Bo's language
    assert hub.snapshot() == before


def test_a_conversation_id_alone_does_not_let_misheard_words_act(hub: HubDriver) -> None:
    """The dashboard sends its conversation id with every recording after the first.

    Only a question this member was just asked (a confirmation, a PIN) lets words no
    template has through; otherwise the learned tier would act on a mishearing.
    """
    voice = Voice.for_hub(hub.hub)
    alice = hub.hub.actor("alice", "voice")
    first = asyncio.run(voice.listen(spoken("turn on the kitchen light"), alice, speak=False))
    assert first.result.status.value == "done" and hub.state("light.kitchen") == "on"
    conversation = first.result.conversation_id
    # Free-form words the learned tier would act on, as if the home's model had heard them.
    templates = next(r for r in hub.hub.conversation.recognizers if r.tier == "template")
    assert templates.recognize("kill the kitchen lights", "en") is None
    typed = asyncio.run(hub.hub.conversation.process("kill the kitchen lights", alice))
    assert typed.status.value == "done" and hub.state("light.kitchen") == "off", typed.as_dict()
    asyncio.run(hub.hub.conversation.process("turn on the kitchen light", alice))
    session = Listening(voice, _OpenVocabulary("kill the kitchen lights"))
    session.feed(spoken("turn off the kitchen light").pcm)
    heard = asyncio.run(voice.understand(session, alice, conversation_id=conversation))
    assert heard.result.status.value == "not_understood", heard.as_dict()
    assert heard.result.conversation_id == conversation
    assert hub.state("light.kitchen") == "on"


def test_chinese_engine_plumbing(hub: HubDriver) -> None:
    """No Chinese model ships: a user-supplied one is asked when the English model hears nothing usable."""
    voice = Voice.for_hub(hub.hub)
    chinese_engine = _OpenVocabulary("打开厨房的灯")
    chinese_engine.language = "zh"
    voice.chinese = chinese_engine
    audio = add_noise(Audio(silence(0.3).pcm + EspeakTTS().synthesize("打开厨房的灯", "zh").pcm), 30, seed=7)
    outcome = asyncio.run(voice.listen(audio, hub.hub.actor("bo", "voice")))
    assert outcome.fallback_used and outcome.result.language == "zh"
    assert hub.state("light.kitchen") == "on"
    assert outcome.reply is not None and outcome.reply.seconds > 0.5  # spoken back in Chinese


def test_a_spoken_pin_in_its_own_turn_confirms_a_sensitive_action(hub: HubDriver) -> None:
    voice = Voice.for_hub(hub.hub)
    alice = hub.hub.actor("alice", "voice")
    first = asyncio.run(voice.listen(spoken("please unlock the front door"), alice, speak=False))
    assert first.result.status.value == "needs_confirmation", first.as_dict()
    assert hub.state("lock.front_door") == "locked"
    conversation = first.result.conversation_id
    # A "yes" is not enough for the unsafe direction: the member's PIN is (the demo's is 2580).
    said_yes = asyncio.run(voice.listen(spoken("yes"), alice, conversation_id=conversation, speak=False))
    assert said_yes.result.status.value != "done" and hub.state("lock.front_door") == "locked"
    again = asyncio.run(voice.listen(spoken("please unlock the front door"), alice, speak=False))
    conversation = again.result.conversation_id
    pin = spoken("two five eight zero")
    second = asyncio.run(voice.listen(pin, alice, conversation_id=conversation, speak=False))
    assert second.result.status.value == "done", second.as_dict()
    assert hub.state("lock.front_door") == "unlocked"


def test_doubt_rivals_that_mean_something_else(hub: HubDriver) -> None:
    """A runner-up that means another thing and scored almost as well is a doubt; a distant one is not."""
    doubts = Doubts(hub.hub.conversation.recognizers, hub.hub.household)

    def heard(text: str, *scored: tuple[str, float]) -> SttTranscript:
        others = tuple(w for w, _ in scored if w != text)
        return SttTranscript(text, "pocketsphinx-home", "en", others, scored=scored)

    tie = heard("lock the front door", ("lock the front door", 0.389), ("unlock the front door", 0.389))
    assert doubts.of(tie)
    clear = heard(
        "turn on the kitchen light", ("turn on the kitchen light", 0.45), ("turn off the kitchen light", 0.40)
    )
    assert not doubts.of(clear)
    same = heard(
        "turn on the kitchen light",
        ("turn on the kitchen light", 0.45),
        ("turn on the kitchen lights", 0.449),
    )
    assert not doubts.of(same)  # two ways of saying one thing
    assert doubts.of(SttTranscript("turn on the kitchen light", "whisper", "en", confidence=0.3))
    assert doubts.of(SttTranscript("add milk to the shutting what's list", "whisper", "en", confidence=0.9))
    assert not doubts.of(SttTranscript("add milk to the shopping list", "whisper", "en", confidence=0.9))


def test_a_misheard_list_is_read_back_before_anything_is_written(hub: HubDriver) -> None:
    voice = Voice.for_hub(hub.hub)
    voice.fallback = _OpenVocabulary("add nope to the shutting what's list")
    alice = hub.hub.actor("alice", "voice")
    first = asyncio.run(voice.listen(spoken("mumble jumble"), alice, speak=False))
    result = first.result
    assert result.status.value == "needs_confirmation", first.as_dict()
    assert result.response == "Did you say “add nope to the shutting what's list”?"
    assert hub.snapshot()["lists"] == {}
    no = asyncio.run(hub.hub.conversation.process("no", alice, conversation_id=result.conversation_id))
    assert no.response == "OK, please say it again." and hub.snapshot()["lists"] == {}
    voice.fallback = _OpenVocabulary("add socks to the packing list")
    second = asyncio.run(voice.listen(spoken("mumble jumble"), alice, speak=False))
    assert second.result.status.value == "needs_confirmation"
    said = second.result.conversation_id
    yes = asyncio.run(hub.hub.conversation.process("yes", alice, conversation_id=said))
    assert yes.response == "There is no packing list yet. Shall I create it and add socks?", yes.response
    again = asyncio.run(hub.hub.conversation.process("yes", alice, conversation_id=said))
    assert again.status.value == "done", again.response
    assert [i["item"] for i in hub.snapshot()["lists"]["packing"]] == ["socks"]


def test_listen_never_shows_a_spoken_pin(data_dir: Path, tmp_path: Path) -> None:
    said = tmp_path / "unlock.wav"
    said.write_bytes(spoken("please unlock the front door").wav())
    pin = tmp_path / "pin.wav"
    pin.write_bytes(spoken("two five eight zero").wav())
    first = run_cli(data_dir, "listen", str(said), "--json", "--conversation-id", "door", timeout=120)
    assert json.loads(first.stdout)["status"] == "needs_confirmation", first.stdout
    shown = run_cli(data_dir, "listen", str(pin), "--json", "--conversation-id", "door", timeout=120)
    result = json.loads(shown.stdout)
    assert result["status"] == "done" and result["transcript"] == "••••", result
    assert b"two" not in shown.stdout and b"2580" not in shown.stdout
    plain = run_cli(data_dir, "listen", str(pin), "--conversation-id", "door", timeout=120)
    assert (
        b"heard: \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" in plain.stdout
        and b"two" not in plain.stdout
    )


def test_missing_open_vocabulary_engine_is_reported_not_fatal(data_dir: Path, tmp_path: Path) -> None:
    home = data_dir / "home.yaml"
    home.write_text(
        home.read_text(encoding="utf-8")
        + "\nvoice:\n  fallback: {engine: faster-whisper, model: /nonexistent/model}\n"
        + "  zh_piper_voice: /nonexistent/zh_CN-voice.onnx\n",
        encoding="utf-8",
    )
    wav = tmp_path / "lock.wav"
    wav.write_bytes(spoken("lock the front door").wav())
    run_cli(data_dir, "call", "unlock", "lock.front_door")
    done = run_cli(data_dir, "listen", str(wav), "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"faster-whisper unavailable" in done.stderr
    assert b"cannot load the zh piper voice" in done.stderr
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)
    assert state["entities"]["lock.front_door"]["state"] == "locked"


def test_http_voice_endpoint(api: httpx.Client) -> None:
    response = api.post("/api/voice", content=spoken("set the bedroom ac to twenty two degrees").wav())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done"
    assert read_wav(base64.b64decode(body["reply_audio"])).seconds > 0.5
    assert api.get("/api/entities/climate.bedroom_ac").json()["attributes"]["temperature"] == 22
    bad = api.post("/api/voice", content=b"definitely not audio")
    assert bad.status_code == 400 and "WAV" in bad.json()["detail"]
    huge = api.post("/api/voice", content=b"\0" * (21 * 1024 * 1024))
    assert huge.status_code == 413 and "too big" in huge.json()["detail"]
    assert api.get("/api/entities/climate.bedroom_ac").json()["attributes"]["temperature"] == 22


def _start_wyoming(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    import os

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "homemind", "wyoming", "--port", str(port)],
        env={**os.environ, "HOMEMIND_DATA": str(data_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode()
        if "Wyoming on" in line:
            break
        if process.poll() is not None:
            raise RuntimeError(f"wyoming server exited: {line}{process.stdout.read().decode()}")
    return process, port


@pytest.fixture
def wyoming_server(data_dir: Path) -> Iterator[int]:
    process, port = _start_wyoming(data_dir)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_wyoming_satellite_room_and_member(data_dir: Path) -> None:
    """The home file puts this machine's satellite in the kitchen, with Bo (who speaks Chinese) behind it."""
    home = data_dir / "home.yaml"
    home.write_text(
        home.read_text(encoding="utf-8")
        + "\nvoice:\n  satellites:\n    - {address: 127.0.0.1, area: kitchen, member: bo}\n",
        encoding="utf-8",
    )
    process, port = _start_wyoming(data_dir)
    try:
        handled = asyncio.run(_exchange(port, [Transcript(text="turn on the light").event()], "handled"))
        assert handled[-1].type == "handled"
        bare = asyncio.run(_exchange(port, [Transcript(text="").event()], "not-handled"))
        assert bare[-1].data["text"] == "抱歉，我没听清，请再说一遍。"  # Bo's language
    finally:
        process.terminate()
        process.wait(timeout=10)
    entities = json.loads(run_cli(data_dir, "state", "--json").stdout)["entities"]
    assert entities["light.kitchen"]["state"] == "on"
    assert [e for e, v in entities.items() if e.startswith("light.") and v["state"] == "on"] == [
        "light.kitchen"
    ]


def test_speakers_room_is_the_default_room(hub: HubDriver) -> None:
    from dataclasses import replace

    in_kitchen = replace(hub.hub.actor("alice", "voice"), area="kitchen")
    result = asyncio.run(hub.hub.conversation.process("turn on the light", in_kitchen))
    assert result.status.value == "done" and hub.state("light.kitchen") == "on"
    assert hub.state("light.bedroom") == "off"
    named = asyncio.run(hub.hub.conversation.process("turn on the balcony light", in_kitchen))
    assert named.status.value == "done" and hub.state("light.balcony") == "on"  # a named device wins
    nowhere = asyncio.run(hub.hub.conversation.process("turn on the light", hub.hub.actor("alice", "voice")))
    assert nowhere.status.value != "done"  # no room: still asks which


async def _exchange(port: int, events: list[Event], until: str) -> list[Event]:
    received = []
    async with AsyncTcpClient("127.0.0.1", port) as client:
        for event in events:
            await client.write_event(event)
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=60)
            assert event is not None
            received.append(event)
            if event.type in (until, "error"):
                return received


def test_wyoming_round_trip(wyoming_server: int, data_dir: Path) -> None:
    port = wyoming_server
    info = asyncio.run(_exchange(port, [Describe().event()], "info"))
    described = Info.from_event(info[-1])
    assert described.asr and described.tts and described.handle and described.intent

    audio = spoken("set the floor lamp to thirty percent")
    chunks = [
        AudioChunk(rate=16_000, width=2, channels=1, audio=audio.pcm[i : i + 2048]).event()
        for i in range(0, len(audio.pcm), 2048)
    ]
    events = [
        Transcribe(language="en").event(),
        AudioStart(rate=16_000, width=2, channels=1).event(),
        *chunks,
        AudioStop().event(),
    ]
    heard = Transcript.from_event(asyncio.run(_exchange(port, events, "transcript"))[-1]).text
    assert "floor lamp to thirty percent" in heard  # the decoder may hear "set up" for "set the"

    handled = asyncio.run(_exchange(port, [Transcript(text=heard).event()], "handled"))
    assert Handled.from_event(handled[-1]).text
    state = json.loads(run_cli(data_dir, "state", "--json").stdout)["entities"]["light.floor_lamp"]
    assert state["state"] == "on" and state["attributes"]["brightness"] == round(255 * 0.3)

    intent = asyncio.run(_exchange(port, [Recognize(text="turn off the kitchen light").event()], "intent"))
    assert Intent.from_event(intent[-1]).name == "HassTurnOff"

    say = Synthesize(text="The kitchen light is on now.").event()
    sound = asyncio.run(_exchange(port, [say], "audio-stop"))
    pcm = b"".join(AudioChunk.from_event(e).audio for e in sound if e.type == "audio-chunk")
    assert len(pcm) > 16_000  # over half a second of speech
    assert SileroVad().speech_bounds(add_noise(Audio(pcm), 30)) is not None

    wrong = [AudioStart(rate=4_000, width=2, channels=1).event(), chunks[0], AudioStop().event()]
    error = asyncio.run(_exchange(port, wrong, "transcript"))
    assert error[-1].type == "error" and "4000 Hz" in error[-1].data["text"]


def test_wyoming_refuses_unlisted_addresses() -> None:
    from homemind.channels.wyoming import allowed

    class _Home:
        from homemind.core.model import Satellite, VoiceSettings

        voice = VoiceSettings((Satellite("192.168.1.20", "kitchen", None),))

    class _Hub:
        home = _Home()

    assert allowed(_Hub(), "127.0.0.1") and allowed(_Hub(), "::1")
    assert allowed(_Hub(), "192.168.1.20")
    assert not allowed(_Hub(), "192.168.1.21")
    assert not allowed(_Hub(), "not-an-address")


def test_to_wav_round_trip() -> None:
    audio = Audio(b"\x10\x00" * 16_000)
    assert read_wav(to_wav(audio.pcm, 16_000)).pcm == audio.pcm


def test_hub_opens_without_voice_until_asked(data_dir: Path) -> None:
    hub = Hub.open(data_dir)
    assert not (data_dir / "voice").exists()  # the model is built on first use, not by every command
    hub.store.close()


def test_two_utterances_at_once_each_get_a_decoder(hub: HubDriver) -> None:
    """Two satellites speaking at the same time: neither may break the other's utterance."""
    voice = Voice.for_hub(hub.hub)
    first, second = voice.listening(), voice.listening()
    audio_one = spoken("open the living room curtains")
    audio_two = spoken("set the bedroom ac to twenty two degrees")
    for i in range(0, max(len(audio_one.pcm), len(audio_two.pcm)), 3200):
        first.feed(audio_one.pcm[i : i + 3200])
        second.feed(audio_two.pcm[i : i + 3200])
    heard_one, heard_two = first.finish(), second.finish()
    assert heard_one is not None and "curtains" in heard_one.text
    assert heard_two is not None and "twenty two degrees" in heard_two.text
    assert voice.listening().engine in (first.engine, second.engine)  # given back, used again
