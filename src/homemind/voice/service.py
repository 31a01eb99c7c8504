"""Audio -> VAD -> speech to text -> the conversation pipeline -> reply text -> speech.

Every channel that hears speech (``homemind listen``, ``POST /api/voice``, the
Wyoming server) goes through :class:`Voice`, which hands the words to the same
``Conversation.process`` as typed text: device actions still go through the
policy Executor, with the PIN flow for sensitive ones.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from homemind.conversation.pipeline import ConversationResult, spoken_code
from homemind.core import i18n
from homemind.core.model import Home
from homemind.nlu.language import detect_language
from homemind.policy import Actor
from homemind.skills import Status
from homemind.voice.audio import RATE, WIDTH, Audio, VoiceError
from homemind.voice.denoise import FRAME, HOP, NoiseSuppressor
from homemind.voice.doubt import Doubts
from homemind.voice.homemodel import HomeModel, build_home_model
from homemind.voice.stt import PocketsphinxEngine, SpeechToText, Transcript, open_engine
from homemind.voice.tts import Speaker
from homemind.voice.vad import SileroVad
from homemind.voice.wakeword import WakeWordDetector, WakeWordError

_CHUNK = 3200  # bytes: 100 ms, the size satellites send and the decoder is fed


@dataclass
class VoiceResult:
    transcript: Transcript | None
    result: ConversationResult
    reply: Audio | None = None
    # Seconds from the end of speech (as the VAD placed it) to the result, work after the audio.
    after_speech: float = 0.0
    fallback_used: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    # Listening for the wake word first: seconds into the recording where it was heard (None: not heard).
    wake_word_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        heard = self.transcript.text if self.transcript else ""
        return {
            # A spoken PIN is never shown, as the dashboard shows it: ••••.
            "transcript": "••••" if spoken_code(heard) else heard,
            "stt_engine": self.transcript.engine if self.transcript else None,
            "fallback_used": self.fallback_used,
            "wake_word_at": self.wake_word_at,
            **self.result.as_dict(),
        }


class Listening:
    """One utterance as it arrives: VAD and decoder fed together, so little is left when speech ends.

    The decoder runs a little behind the VAD (by the silence the VAD waits for), so it
    is only ever fed the speech the VAD found, with a short margin either side: the
    noise of a room before and after a command otherwise decodes as extra words.
    """

    _PRE_ROLL = 0.25  # seconds of audio before the detected start of speech
    _POST_ROLL = 0.15  # and after its end

    def __init__(
        self, voice: Voice, engine: SpeechToText | None = None, *, denoise: bool | None = None
    ) -> None:
        self.voice = voice
        wanted = voice.home.voice.noise_suppression if denoise is None else denoise
        self.denoiser = NoiseSuppressor() if wanted else None
        self.vad = voice.vad.stream()
        self._borrowed = engine is None
        self.engine = engine or voice._take_engine()
        self.engine.start()
        self.buffer = bytearray()
        self._fed = -1  # bytes of the buffer given to the decoder; -1: not started
        self._lag = int((voice.vad.settings.silence_ms / 1000 + 0.1) * RATE) * WIDTH
        self._done = False
        self.ended_at: float | None = None  # wall clock when the VAD said the speech ended

    @staticmethod
    def _offset(seconds: float) -> int:
        return max(0, int(seconds * RATE)) * WIDTH

    def _feed_until(self, end: int) -> None:
        if self._fed < 0:
            if self.vad.speech_start is None:
                return
            self._fed = self._offset(self.vad.speech_start - self._PRE_ROLL)
            if self.denoiser is not None:
                # What came before the speech, and the pauses in it, is the room's own noise.
                self.denoiser.measure(np.frombuffer(bytes(self.buffer), dtype="<i2").astype(np.float64))
        end = min(end, len(self.buffer))
        if end > self._fed:
            self.engine.feed(self._cleaned(self._fed, end))
            self._fed = end

    def _cleaned(self, start: int, end: int) -> bytes:
        """The buffer's bytes ``[start, end)``, noise taken out when suppression is on."""
        if self.denoiser is None:
            return bytes(self.buffer[start:end])
        first, last = start // WIDTH, end // WIDTH
        # A frame of context either side, cut on the suppressor's grid, gives the very samples
        # cleaning the whole recording would (denoise.py): the pieces join without seams.
        low = max(0, first - FRAME) // HOP * HOP
        high = min(len(self.buffer) // WIDTH, last + FRAME)
        region = np.frombuffer(bytes(self.buffer[low * WIDTH : high * WIDTH]), dtype="<i2").astype(np.float64)
        cleaned = self.denoiser.clean(region, first - low, last - low)
        return np.clip(np.rint(cleaned), -32768, 32767).astype("<i2").tobytes()

    def feed(self, pcm: bytes) -> bool:
        """More audio; True once the speaker has stopped (the caller may stop sending)."""
        if self._done:
            return True
        self.buffer += pcm
        if self.vad.feed(pcm):
            self.ended_at = time.perf_counter()
            self._feed_until(self._offset((self.vad.speech_end or 0) + self._POST_ROLL))
            self._done = True
        else:
            self._feed_until(len(self.buffer) - self._lag)
        return self._done

    def finish(self) -> Transcript | None:
        """The transcript, or None when the VAD heard no speech at all."""
        if not self._done:
            self.vad.finish()
            self._feed_until(len(self.buffer))
            self._done = True
        if self.ended_at is None:
            self.ended_at = time.perf_counter()
        transcript = self.engine.finish()
        if self._borrowed:
            self._borrowed = False
            self.voice._give_back(self.engine)
        if self.vad.speech_start is None:
            return None
        return transcript

    def audio(self) -> Audio:
        return Audio(bytes(self.buffer))


class Voice:
    """The voice path for one hub: the home's speech model, the VAD, engines, and the speaker."""

    def __init__(self, home: Home, conversation: Any, intent_types: tuple[str, ...], data_dir: Path) -> None:
        self.home = home
        self.conversation = conversation
        self.model: HomeModel = build_home_model(home, intent_types, data_dir)
        self.vad = SileroVad()
        self.stt: SpeechToText = PocketsphinxEngine(self.model.lm, self.model.dictionary)
        # A decoder holds one utterance at a time: concurrent ones (two satellites) get their own.
        self._idle: list[SpeechToText] = [self.stt]
        self._engines_lock = threading.Lock()
        settings = home.voice
        # An engine the home file names but this machine cannot run is a problem to report,
        # not a reason to stop hearing the commands the home's own model can.
        self.problems: list[str] = []
        self.fallback = self._engine(settings.fallback, "en")
        self.chinese = self._engine(settings.zh, "zh")
        self.speaker = Speaker.default(Path(settings.zh_piper_voice) if settings.zh_piper_voice else None)
        self.doubts = Doubts(conversation.recognizers, conversation.household)
        self.problems += self.speaker.problems
        # None ships (see wakeword.py): without one the home is push-to-talk, which always works.
        self.wake: WakeWordDetector | None = None
        self.wake_problem: str | None = None
        if settings.wake_word is not None:
            try:
                self.wake = WakeWordDetector(settings.wake_word.model_dir, settings.wake_word.threshold)
            except WakeWordError as exc:
                self.wake_problem = f"voice: wake word unavailable (push-to-talk only): {exc}"
                self.problems.append(self.wake_problem)

    def _engine(self, spec: tuple[str, str | None] | None, language: str) -> SpeechToText | None:
        if spec is None:
            return None
        try:
            return open_engine(spec[0], spec[1], language)
        except RuntimeError as exc:
            self.problems.append(f"voice: {language} engine {spec[0]} unavailable: {exc}")
            return None

    @classmethod
    def for_hub(cls, hub: Any) -> Voice:
        return cls(hub.home, hub.conversation, tuple(hub.handlers.intent_types), hub.data)

    def listening(self) -> Listening:
        return Listening(self)

    def _take_engine(self) -> SpeechToText:
        """The idle decoder, or a new one when another utterance (another satellite) has it."""
        with self._engines_lock:
            if self._idle:
                return self._idle.pop()
        engine = PocketsphinxEngine(self.model.lm, self.model.dictionary)
        if isinstance(self.stt, PocketsphinxEngine) and self.stt.warm:
            engine.set_cmn(self.stt.cmn())
        return engine

    def _give_back(self, engine: SpeechToText) -> None:
        with self._engines_lock:
            if len(self._idle) < 2:
                self._idle.append(engine)

    def transcribe(self, audio: Audio) -> Transcript | None:
        return self._heard(audio).finish()

    async def understand(
        self,
        session: Listening,
        actor: Actor,
        *,
        conversation_id: str | None = None,
        language: str | None = None,
    ) -> VoiceResult:
        """Finish decoding and run the words through the conversation pipeline."""
        transcript = session.finish()
        reply_language = language or actor.member.language
        if transcript is None:
            message = i18n.translate("voice.no_speech", reply_language)
            result = ConversationResult(
                Status.ERROR, message, reply_language, conversation_id or uuid.uuid4().hex
            )
            return VoiceResult(None, result)
        used_fallback = False
        transcript, fits = self._rescore(transcript)
        awaiting = self.conversation.awaiting_answer(conversation_id, actor)
        if fits and not awaiting and self.doubts.of(transcript):
            result = self._read_back(transcript, actor, conversation_id, language)
        elif fits or awaiting:
            result = await self._process(transcript, actor, conversation_id, language)
        else:
            # The home's model only says the home's sentences; words no template takes are a
            # mishearing (or another language), never something for the learned tier to act on.
            # Only the answer to a question this member was just asked ("yes", a PIN) may be
            # words no template has; a conversation id alone is not enough.
            message = i18n.translate("voice.not_heard", reply_language)
            result = ConversationResult(
                Status.NOT_UNDERSTOOD, message, reply_language, conversation_id or uuid.uuid4().hex
            )
        if result.status is Status.NOT_UNDERSTOOD:
            for engine in (self.fallback, self.chinese):
                if engine is None:
                    continue
                # The home's model heard something it cannot place: ask the open-vocabulary engine.
                engine.start()
                engine.feed(session.audio().pcm)
                other = engine.finish()
                if other.text:
                    # An open-vocabulary engine may hear either language: the words say which.
                    spoken_in = language or detect_language(other.text)
                    if self.doubts.of(replace(other, language=spoken_in)):
                        second = self._read_back(other, actor, conversation_id, spoken_in)
                    else:
                        second = await self._process(other, actor, conversation_id, spoken_in)
                    if second.status is not Status.NOT_UNDERSTOOD:
                        transcript, result, used_fallback = other, second, True
                        break
        after = time.perf_counter() - (session.ended_at or time.perf_counter())
        return VoiceResult(transcript, result, None, after, used_fallback)

    def _read_back(
        self, transcript: Transcript, actor: Actor, conversation_id: str | None, language: str | None
    ) -> ConversationResult:
        """ "Did you say …?": nothing is done until the same member says yes."""
        said_in = language or transcript.language
        heard: ConversationResult = self.conversation.ask_heard(
            transcript.text, actor, said_in, conversation_id or uuid.uuid4().hex
        )
        return heard

    def _rescore(self, transcript: Transcript) -> tuple[Transcript, bool]:
        """The best hypothesis the home's templates understand, if the very best is not one.

        The language model can prefer a sentence no template has ("turn on the kitchen
        white"); a slightly less likely one from the n-best list that a template matches
        ("turn on the kitchen light") is what the speaker meant far more often.
        """
        templates = next((r for r in self.conversation.recognizers if r.tier == "template"), None)
        if templates is None:
            return transcript, True
        for text in (transcript.text, *transcript.alternatives):
            if text and templates.recognize(text, transcript.language) is not None:
                return replace(transcript, text=text), True
        return transcript, False

    async def _process(
        self, transcript: Transcript, actor: Actor, conversation_id: str | None, language: str | None
    ) -> ConversationResult:
        if not transcript.text:
            reply_language = language or actor.member.language
            message = i18n.translate("voice.not_heard", reply_language)
            return ConversationResult(
                Status.NOT_UNDERSTOOD, message, reply_language, conversation_id or uuid.uuid4().hex
            )
        result: ConversationResult = await self.conversation.process(
            transcript.text, actor, language=language or transcript.language, conversation_id=conversation_id
        )
        return result

    async def listen(
        self,
        audio: Audio,
        actor: Actor,
        *,
        conversation_id: str | None = None,
        language: str | None = None,
        speak: bool = True,
        wake: bool = False,
    ) -> VoiceResult:
        """A whole recording: the transcript, the conversation result and (``speak``) the reply as audio.

        ``wake``: the recording must start with the wake word; only the audio after it is the
        command, and without it nothing is done (a satellite that listens all the time).
        """
        heard_at: float | None = None
        if wake:
            if self.wake is None:
                raise WakeWordError(self.wake_problem or "no wake word is configured (voice: wake_word:)")
            heard_at = await asyncio.to_thread(self.wake.detect, audio.pcm)
            if heard_at is None:
                reply_language = language or actor.member.language
                message = i18n.translate("voice.no_wake_word", reply_language, name=self.wake.name)
                result = ConversationResult(
                    Status.ERROR, message, reply_language, conversation_id or uuid.uuid4().hex
                )
                return VoiceResult(None, result)
            audio = Audio(audio.pcm[int(heard_at * RATE) * WIDTH :])
        # Decoding and speaking are CPU work: off the event loop, so a server keeps serving.
        session = await asyncio.to_thread(self._heard, audio)
        outcome = await self.understand(session, actor, conversation_id=conversation_id, language=language)
        if speak:
            result = outcome.result
            outcome.reply = await asyncio.to_thread(self.say, result.response, result.language)
        outcome.wake_word_at = heard_at
        return outcome

    def _heard(self, audio: Audio) -> Listening:
        session = self.listening()
        for i in range(0, len(audio.pcm), _CHUNK):
            session.feed(audio.pcm[i : i + _CHUNK])
        return session

    def say(self, text: str, language: str) -> Audio:
        if not text.strip():
            raise VoiceError("voice.empty")
        return self.speaker.synthesize(text, language)
