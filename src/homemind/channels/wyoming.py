"""The Wyoming channel: speech-to-text, text-to-speech, intent recognition and command handling.

Home Assistant's voice satellites (and Home Assistant itself) speak Wyoming, a
line-of-JSON protocol with no authentication. So the server binds to loopback
unless told otherwise, and answers only loopback and the satellites the home
file's ``voice: satellites:`` lists by address; a satellite's ``member`` is who
speaks through it (default: the owner). Commands go through the conversation
pipeline like every other channel.

Push-to-talk is the default: a satellite's button (or its own wake word) starts the
audio. Only when the home file names a wake-word model (``voice: wake_word:``) does
the server also offer Wyoming's ``wake`` service: ``detect``, then audio, answered by
``detection`` (as often as the word is heard) or, at ``audio-stop``, ``not-detected``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import uuid
from dataclasses import replace
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    Describe,
    HandleModel,
    HandleProgram,
    Info,
    IntentModel,
    IntentProgram,
    TtsProgram,
    TtsVoice,
    WakeModel,
    WakeProgram,
)
from wyoming.intent import Entity, Intent, NotRecognized, Recognize
from wyoming.server import AsyncEventHandler, AsyncTcpServer
from wyoming.tts import Synthesize
from wyoming.wake import Detect, Detection, NotDetected

from homemind import __version__
from homemind.core import i18n
from homemind.nlu.language import detect_language
from homemind.policy import Actor
from homemind.skills import Status
from homemind.voice.audio import MAX_SECONDS, RATE, WIDTH, VoiceError, check_format, convert_pcm
from homemind.voice.service import Listening, Voice
from homemind.voice.wakeword import WakeStream, WakeWordDetector

_LOG = logging.getLogger(__name__)
_ATTRIBUTION = Attribution(name="homemind", url="")
_OK = {Status.DONE, Status.ANSWERED, Status.NEEDS_CONFIRMATION}


def _info(wake: WakeWordDetector | None = None) -> Info:
    def artifact(name: str, description: str) -> dict[str, Any]:
        return {
            "name": name,
            "attribution": _ATTRIBUTION,
            "installed": True,
            "description": description,
            "version": __version__,
        }

    return Info(
        asr=[
            AsrProgram(
                **artifact("homemind-stt", "pocketsphinx with the home's own language model"),
                models=[AsrModel(**artifact("home", "the home's phrasings and names"), languages=["en"])],
            )
        ],
        tts=[
            TtsProgram(
                **artifact("homemind-tts", "piper, espeak-ng"),
                voices=[TtsVoice(**artifact("default", "piper joe (en), espeak-ng"), languages=["en", "zh"])],
            )
        ],
        intent=[
            IntentProgram(
                **artifact("homemind-intent", "homemind's understanding tiers"),
                models=[
                    IntentModel(**artifact("home", "templates and the learned tier"), languages=["en", "zh"])
                ],
            )
        ],
        handle=[
            HandleProgram(
                **artifact("homemind", "the homemind conversation pipeline"),
                models=[HandleModel(**artifact("home", "commands and questions"), languages=["en", "zh"])],
                supports_home_control=True,
            )
        ],
        wake=[
            WakeProgram(
                **artifact("homemind-wake", "a wake-word model the user supplied (openWakeWord layout)"),
                models=[
                    WakeModel(**artifact(wake.name, str(wake.directory)), languages=[], phrase=wake.name)
                ],
            )
        ]
        if wake is not None
        else [],
    )


def allowed(hub: Any, address: str) -> bool:
    """Loopback, or a satellite the home file lists."""
    try:
        if ipaddress.ip_address(address).is_loopback:
            return True
    except ValueError:
        return False
    return hub.home.voice.satellite(address) is not None


class WyomingHandler(AsyncEventHandler):
    def __init__(
        self, hub: Any, voice: Voice, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        super().__init__(reader, writer)
        self.hub = hub
        self.voice = voice
        peer = writer.get_extra_info("peername")
        self.address = str(peer[0]) if peer else ""
        satellite = hub.home.voice.satellite(self.address)
        actor: Actor = hub.actor(satellite.member if satellite else None, channel="wyoming")
        self.actor = replace(actor, area=satellite.area if satellite else None)
        self.conversation_id = uuid.uuid4().hex
        self.session: Listening | None = None
        self.format: tuple[int, int, int] = (RATE, WIDTH, 1)
        self.seconds = 0.0
        self.language: str | None = None
        # After `detect`: the next audio is searched for the wake word instead of transcribed.
        self.detecting = False
        self.wake_wanted = False  # `detect` named our wake word, or any
        self.wake: WakeStream | None = None
        self.wake_heard = False
        self.wake_start = 0.0  # seconds into the audio where the current wake stream began

    async def run(self) -> None:
        if not allowed(self.hub, self.address):
            _LOG.warning("wyoming: refused %s (not loopback, not a satellite in the home file)", self.address)
            await self.write_event(Error(text="not allowed: add this satellite to the home file").event())
            self.writer.close()
            return
        await super().run()

    async def _fail(self, error: VoiceError) -> None:
        self.session, self.detecting, self.wake = None, False, None
        await self.write_event(Error(text=error.message(self.actor.member.language), code=error.key).event())

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(_info(self.voice.wake).event())
        elif Detect.is_type(event.type):
            await self._detect(Detect.from_event(event))
        elif Transcribe.is_type(event.type):
            self.language = Transcribe.from_event(event).language
        elif AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            self.format = (start.rate, start.width, start.channels)
            try:
                check_format(*self.format)
            except VoiceError as exc:
                await self._fail(exc)
                return True
            self.seconds = 0.0
            if self.detecting:
                wake = self.voice.wake
                self.wake = wake.stream() if wake is not None and self.wake_wanted else None
                self.wake_heard, self.wake_start = False, 0.0
            else:
                self.session = self.voice.listening()
        elif AudioChunk.is_type(event.type):
            await self._chunk(AudioChunk.from_event(event))
        elif AudioStop.is_type(event.type):
            await self._stop()
        elif Transcript.is_type(event.type):
            await self._handle(Transcript.from_event(event).text)
        elif Recognize.is_type(event.type):
            await self._recognize(Recognize.from_event(event).text)
        elif Synthesize.is_type(event.type):
            await self._synthesize(Synthesize.from_event(event).text)
        return True

    async def _detect(self, detect: Detect) -> None:
        wake = self.voice.wake
        if wake is None:
            text = self.voice.wake_problem or "no wake word is configured here: push-to-talk only"
            await self.write_event(Error(text=text, code="wake.unavailable").event())
            return
        self.detecting = True
        # Asked for other wake words only: this stream cannot hear them, and says so at audio-stop.
        self.wake_wanted = not detect.names or wake.name in detect.names
        # A stream now, for a satellite that sends its chunks without audio-start.
        self.wake = wake.stream() if self.wake_wanted else None
        self.wake_heard, self.wake_start, self.seconds = False, 0.0, 0.0

    async def _listen_for_wake(self, audio: Any) -> None:
        wake, detector = self.wake, self.voice.wake
        if wake is None or detector is None:
            return
        if await asyncio.to_thread(wake.feed, audio.pcm):
            heard = self.wake_start + (wake.detected_at or 0.0)
            self.wake_heard = True
            await self.write_event(Detection(name=detector.name, timestamp=int(heard * 1000)).event())
            # Listen on for the next time: a fresh stream, whose warm-up keeps one word from counting twice.
            self.wake, self.wake_start = detector.stream(), self.seconds

    async def _chunk(self, chunk: AudioChunk) -> None:
        if self.session is None and not self.detecting:
            return  # audio after an error, or without audio-start: ignored until the next start
        rate, width, channels = chunk.rate or self.format[0], chunk.width or self.format[1], chunk.channels
        try:
            audio = convert_pcm(chunk.audio, rate, width, channels or self.format[2])
        except VoiceError as exc:
            if exc.key != "voice.empty":
                await self._fail(exc)
            return
        self.seconds += audio.seconds
        if self.detecting:  # a satellite listening for its wake word streams for as long as it likes
            await self._listen_for_wake(audio)
            return
        if self.seconds > MAX_SECONDS:
            await self._fail(
                VoiceError("voice.too_long", seconds=round(self.seconds, 1), limit=int(MAX_SECONDS))
            )
            return
        if self.session is not None:
            await asyncio.to_thread(self.session.feed, audio.pcm)

    async def _stop(self) -> None:
        if self.detecting:
            self.detecting, self.wake = False, None
            if not self.wake_heard:
                await self.write_event(NotDetected().event())
            return
        session, self.session = self.session, None
        if session is None:
            return
        transcript = await asyncio.to_thread(session.finish)
        await self.write_event(Transcript(text=transcript.text if transcript else "").event())

    async def _handle(self, text: str) -> None:
        if not text.strip():
            message = i18n.translate("voice.not_heard", self.language or self.actor.member.language)
            await self.write_event(NotHandled(text=message).event())
            return
        result = await self.hub.conversation.process(
            text, self.actor, language=self.language, conversation_id=self.conversation_id
        )
        self.conversation_id = result.conversation_id
        if result.status in _OK:
            await self.write_event(Handled(text=result.response).event())
        else:
            await self.write_event(NotHandled(text=result.response).event())

    async def _recognize(self, text: str) -> None:
        """The intent alone, nothing done: Wyoming's intent service is recognition only."""
        language = self.language or detect_language(text)
        for recognizer in self.hub.conversation.recognizers:
            match = recognizer.recognize(text, language)
            if match is not None:
                entities = [Entity(name=k, value=v.value) for k, v in match.slots.items()]
                await self.write_event(Intent(name=match.name, entities=entities, text=text).event())
                return
        await self.write_event(NotRecognized(text=text).event())

    async def _synthesize(self, text: str) -> None:
        language = self.language or detect_language(text)
        try:
            audio = await asyncio.to_thread(self.voice.say, text, language)
        except VoiceError as exc:
            await self._fail(exc)
            return
        await self.write_event(AudioStart(rate=RATE, width=WIDTH, channels=1).event())
        step = RATE * WIDTH  # one second per chunk
        for i in range(0, len(audio.pcm), step):
            await self.write_event(
                AudioChunk(rate=RATE, width=WIDTH, channels=1, audio=audio.pcm[i : i + step]).event()
            )
        await self.write_event(AudioStop().event())


async def serve_wyoming(hub: Any, host: str, port: int, *, ready: asyncio.Event | None = None) -> None:
    """Serve until cancelled. The hub must be started."""
    voice = await asyncio.to_thread(Voice.for_hub, hub)
    for problem in voice.problems:
        _LOG.warning("%s", problem)
        print(f"homemind: {problem}", flush=True)
    server = AsyncTcpServer(host, port)
    await server.start(lambda reader, writer: WyomingHandler(hub, voice, reader, writer))
    print(f"homemind: Wyoming on tcp://{host}:{port}", flush=True)
    if ready is not None:
        ready.set()
    try:
        while True:  # pick up what the CLI or the HTTP server changed meanwhile
            await asyncio.sleep(0.25)
            hub.sync_from_store()
    finally:
        await server.stop()
