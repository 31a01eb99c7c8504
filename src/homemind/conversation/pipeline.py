"""The channel-independent conversation pipeline.

text -> checks -> language -> (pending confirmation?) -> understanding tiers ->
intent handler -> executor -> reply in the same language. The CLI, the HTTP
API and, later, voice and the dashboard all call :meth:`Conversation.process`,
so they cannot disagree about what a sentence does.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from homemind.conversation.context import CONTEXT_SECONDS, Context, FollowUps
from homemind.conversation.fallback import Fallback
from homemind.conversation.history import History, done
from homemind.core import i18n
from homemind.core.model import Home
from homemind.core.services import ActionError
from homemind.core.states import StateRegistry
from homemind.household import Household, HouseholdError
from homemind.nlu.language import detect_language
from homemind.nlu.types import ExplainsFailure, IntentMatch, Recognizer, Slot
from homemind.policy import ActionOutcome, Actor, Executor, is_clean_text
from homemind.skills import (
    HandlerRegistry,
    IntentHandler,
    IntentRequest,
    Pending,
    PlannedCall,
    Reply,
    Status,
    act,
)
from homemind.skills.base import Confirmer
from homemind.store import Store

MAX_TEXT_CHARS = 1000
log = logging.getLogger(__name__)

i18n.register(
    {
        "conversation.empty": {"en": "Say or type a command.", "zh": "请说出或输入一条指令。"},
        "conversation.too_long": {
            "en": "That is too long ({length} characters); the limit is {limit}.",
            "zh": "内容太长（{length} 个字符），上限是 {limit}。",
        },
        "conversation.binary": {
            "en": "That is not readable text.",
            "zh": "这不是可读的文字。",
        },
        "conversation.not_understood": {
            "en": "Sorry, I didn't understand that. You can say things like "
            '"turn on the kitchen light" or "is the front door locked?"',
            "zh": "抱歉，我没听懂。可以试试说“打开厨房的灯”或者“大门锁了吗”。",
        },
        "conversation.no_handler": {
            "en": "Sorry, I can't do that yet.",
            "zh": "抱歉，我还不会做这件事。",
        },
        "conversation.cancelled": {"en": "OK, I won't do it.", "zh": "好的，已取消。"},
        "conversation.failed": {
            "en": "Sorry, something went wrong while doing that; nothing more was done,"
            " and it has been logged.",
            "zh": "抱歉，处理时出了问题，没有再做别的操作，已记录下来。",
        },
        "conversation.expired": {
            "en": "That confirmation has expired; please ask again.",
            "zh": "确认已过期，请重新说一遍。",
        },
    }
)

_YES = re.compile(
    r"^(yes|yeah|yep|sure|ok|okay|confirm|confirmed|do it|go ahead|yes please|please do|"
    r"是|是的|好|好的|确认|确定|对|对的|可以|行|嗯|没问题)$",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(no|nope|cancel|stop|don't|do not|never mind|不|不要|取消|算了|别|不用了?)$", re.IGNORECASE
)
_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    # Said aloud, a digit and its homophone sound the same; speech-to-text writes either.
    "to": "2",
    "too": "2",
    "three": "3",
    "four": "4",
    "for": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "零": "0",
    "〇": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}


def _clean_answer(text: str) -> str:
    return re.sub(r"[\s.,!?。，！？]+$", "", text.strip().casefold())


def spoken_code(text: str) -> str | None:
    """Digits said one by one ("one two three four", "1 2 3 4", "一二三四") -> "1234"."""
    tokens = re.findall(r"[a-z]+|\d|[零〇一幺二两三四五六七八九]", text.casefold())
    digits = []
    for token in tokens:
        if token.isdigit():
            digits.append(token)
        elif token in _DIGIT_WORDS:
            digits.append(_DIGIT_WORDS[token])
        elif token not in ("the", "code", "is", "it", "s", "my", "密码", "是"):
            return None
    code = "".join(digits)
    return code if 4 <= len(code) <= 8 else None


def is_bare_answer(text: str) -> bool:
    """ "Yes", "no", "好的": an answer to a question, meaningless when nothing was asked."""
    answer = _clean_answer(text)
    return bool(_YES.match(answer) or _NO.match(answer))


class _HandlerFault(Exception):
    """A handler raised: carries who was acting on which intent, for the audit."""

    def __init__(self, actor: Actor) -> None:
        super().__init__(actor.intent)
        self.actor = actor


@dataclass
class ConversationResult:
    status: Status
    response: str
    language: str
    conversation_id: str
    intent: IntentMatch | None = None
    actions: list[ActionOutcome] = field(default_factory=list)
    # With NEEDS_CONFIRMATION: the answer must be the device's code, not "yes" (a PIN field).
    needs_code: bool = False
    # An answer from documents: the passages it is based on.
    sources: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.language == "en" and self.response[:1].islower():
            self.response = self.response[0].upper() + self.response[1:]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "response": self.response,
            "language": self.language,
            "conversation_id": self.conversation_id,
            "intent": self.intent.as_dict() if self.intent else None,
            "actions": [a.as_dict(self.language) for a in self.actions],
            "needs_code": self.needs_code,
            "sources": self.sources,
        }


class Conversation:
    def __init__(
        self,
        home: Home,
        states: StateRegistry,
        executor: Executor,
        handlers: HandlerRegistry,
        recognizers: Sequence[Recognizer],
        store: Store,
        household: Household | None = None,
        fallbacks: Sequence[Fallback] = (),
        history: History | None = None,
    ) -> None:
        self.household = household
        self.fallbacks: list[Fallback] = list(fallbacks)
        # What was said lately, for a model tier (None: no tier reads it, so nothing is kept).
        self.history = history
        self.store = store
        self.home = home
        self.states = states
        self.executor = executor
        self.handlers = handlers
        self.recognizers = list(recognizers)
        self.follow_ups = FollowUps(home)

    def _check_text(self, text: object, language: str) -> str | None:
        if not isinstance(text, str):
            return i18n.translate("conversation.binary", language)
        if len(text) > MAX_TEXT_CHARS:
            return i18n.translate("conversation.too_long", language, length=len(text), limit=MAX_TEXT_CHARS)
        if not is_clean_text(text):
            return i18n.translate("conversation.binary", language)
        if not text.strip():
            return i18n.translate("conversation.empty", language)
        return None

    async def process(
        self,
        text: str,
        actor: Actor,
        *,
        language: str | None = None,
        conversation_id: str | None = None,
    ) -> ConversationResult:
        """Understand and carry out one turn; every channel gets its answer here.

        A fault inside a tier or a handler (a bug, a store that fails) is an answer too:
        "something went wrong", in the sentence's language, with the error logged and
        audited; never a 500 from the API or a traceback from the CLI.
        """
        result = await self._turn(text, actor, language, conversation_id)
        if self.history is not None and isinstance(text, str) and text.strip():
            # A PIN answer is never kept, not even redacted: the turn shows it was one.
            said = "***" if result.intent is not None and result.intent.tier == "confirmation" else text
            actions = [(a.service, a.entity_id, a.result.value) for a in result.actions]
            intent = result.intent.name if result.intent is not None else None
            self.history.add(
                result.conversation_id, actor.member.id, said, done(intent, result.status, actions)
            )
        return result

    async def _turn(
        self, text: str, actor: Actor, language: str | None, conversation_id: str | None
    ) -> ConversationResult:
        conversation_id = conversation_id or uuid.uuid4().hex
        try:
            return await self._process(text, actor, language=language, conversation_id=conversation_id)
        except Exception as exc:
            fault = exc.__cause__ if isinstance(exc, _HandlerFault) else exc
            log.error("the conversation failed on %r", text, exc_info=fault)
            said = language or (detect_language(text) if isinstance(text, str) else actor.member.language)
            failed = exc.actor if isinstance(exc, _HandlerFault) else actor
            said_text = text if isinstance(text, str) else None
            failed = replace(failed, conversation_id=conversation_id, text=said_text)
            self.executor.audit_failure(failed, fault or exc)
            message = i18n.translate("conversation.failed", said)
            return ConversationResult(Status.ERROR, message, said, conversation_id)

    async def _process(
        self, text: str, actor: Actor, *, language: str | None, conversation_id: str
    ) -> ConversationResult:
        # The audit records what was said with every action it leads to.
        actor = replace(actor, conversation_id=conversation_id, text=text if isinstance(text, str) else None)
        fallback_language = language or actor.member.language
        problem = self._check_text(text, fallback_language)
        if problem is not None:
            return ConversationResult(Status.ERROR, problem, fallback_language, conversation_id)
        language = language or detect_language(text)

        pending = self._take_pending(conversation_id, actor)
        if pending is not None:
            answered = await self._answer_pending(pending, text, actor, language, conversation_id)
            if answered is not None:
                return answered

        previous = self._context(conversation_id, actor)
        match = self.follow_ups.resolve(text, language, previous) if previous else None
        match = match or self._understand(text, language)
        if match is None:
            answered = await self._fall_back(text, actor, language, conversation_id)
            return answered or self._not_understood(text, language, conversation_id)
        match = self._here(match, actor)
        actor = replace(actor, intent=match.name)
        handler = self.handlers.get(match.name)
        if handler is None:
            # Understood as something no skill serves (a general question): a fallback may know.
            answered = await self._fall_back(text, actor, language, conversation_id)
            if answered is not None:
                return answered
            reply = Reply(Status.NOT_UNDERSTOOD, i18n.translate("conversation.no_handler", language))
        else:
            reply = await self._handle(handler, self._request(match, actor, language))
            if reply.status in (Status.ERROR, Status.NOT_UNDERSTOOD) and not (reply.actions or reply.pending):
                # A skill that could not serve it ("网上买的东西能退吗" read as an order for
                # "的东西"): a fallback's answer from a source is better than the skill's error.
                answered = await self._fall_back(text, actor, language, conversation_id)
                if answered is not None and answered.sources:
                    return answered
        if reply.pending is not None:
            self._store_pending(conversation_id, reply.pending)
        if reply.status in (Status.DONE, Status.ANSWERED, Status.NEEDS_CONFIRMATION):
            self._remember(conversation_id, actor, match)
        needs_code = reply.pending is not None and reply.pending.needs_code
        return ConversationResult(
            reply.status, reply.speech, language, conversation_id, match, reply.actions, needs_code
        )

    @staticmethod
    async def _handle(handler: IntentHandler | Confirmer, request: IntentRequest, *args: Any) -> Reply:
        """Run a handler (or a skill's confirmer); a household or device error it raises is the
        reply, in the sentence's language."""
        try:
            if isinstance(handler, IntentHandler):
                return await handler.handle(request)
            return await handler(request, *args)
        except HouseholdError as exc:
            status = Status.REFUSED if exc.refusal else Status.ERROR
            return Reply(status, exc.message(request.language))
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        except Exception as exc:
            raise _HandlerFault(request.actor) from exc  # the audit says which intent failed

    def _request(self, match: IntentMatch, actor: Actor, language: str) -> IntentRequest:
        return IntentRequest(
            match, actor, language, self.home, self.states, self.executor, household=self.household
        )

    def _here(self, match: IntentMatch, actor: Actor) -> IntentMatch:
        """The speaker's room is the default room, as with Home Assistant's satellites.

        "Turn on the light" said to the kitchen's satellite means the kitchen's light,
        when the kitchen has one; a named device or room is never overridden.
        """
        if actor.area is None or actor.area not in self.home.areas:
            return match
        if match.value("area") is not None or match.value("name") is not None:
            return match
        domain = match.value("domain")
        if domain is None or not any(
            e.area == actor.area and e.domain.value == domain for e in self.home.entities.values()
        ):
            return match
        here = self.home.areas[actor.area]
        slots = {**match.slots, "area": Slot(value=actor.area, text=here.names.display(match.language))}
        return replace(match, slots=slots)

    # --- context for follow-ups ------------------------------------------------------

    def _context(self, conversation_id: str, actor: Actor) -> Context | None:
        stored = self.store.get_context(conversation_id, actor.member.id)
        if stored is None:
            return None
        payload, updated_at = stored
        if self.executor.clock() - updated_at > CONTEXT_SECONDS:
            return None
        try:
            return Context.from_payload(payload)
        except (KeyError, TypeError, ValueError, IndexError):
            return None  # written by another version: start afresh rather than fail

    def _remember(self, conversation_id: str, actor: Actor, match: IntentMatch) -> None:
        context = Context.of(match)
        if context is not None:
            self.store.put_context(conversation_id, actor.member.id, context.payload(), self.executor.clock())

    def _understand(self, text: str, language: str) -> IntentMatch | None:
        for recognizer in self.recognizers:
            match = recognizer.recognize(text, language)
            if match is not None:
                return match
        return None

    async def _fall_back(
        self, text: str, actor: Actor, language: str, conversation_id: str
    ) -> ConversationResult | None:
        for fallback in self.fallbacks:
            reply = await fallback.answer(text, actor, language, conversation_id)
            if reply is not None:
                name = f"Homemind{fallback.name.title()}"
                match = IntentMatch(name, {}, tier=fallback.name, language=language)
                if reply.pending is not None:  # a model's unlock waits for the person's own PIN
                    self._store_pending(conversation_id, reply.pending)
                needs_code = reply.pending is not None and reply.pending.needs_code
                return ConversationResult(
                    reply.status,
                    reply.speech,
                    language,
                    conversation_id,
                    match,
                    reply.actions,
                    needs_code,
                    sources=reply.sources,
                )
        return None

    def _not_understood(self, text: str, language: str, conversation_id: str) -> ConversationResult:
        for recognizer in self.recognizers:
            if isinstance(recognizer, ExplainsFailure):
                unknown = recognizer.unknown_target(text, language)
                if unknown is not None:
                    slot, words = unknown
                    key = "target.no_name" if slot == "name" else "target.no_area"
                    message = i18n.translate(key, language, name=words, area=words)
                    return ConversationResult(Status.ERROR, message, language, conversation_id)
        message = i18n.translate("conversation.not_understood", language)
        return ConversationResult(Status.NOT_UNDERSTOOD, message, language, conversation_id)

    # --- confirmations ----------------------------------------------------------

    # Kept in the store, not in memory: the "yes" may arrive through another process
    # (`homemind ask --conversation-id ...` twice) and must still be usable only once.

    def awaiting_answer(self, conversation_id: str | None, actor: Actor) -> bool:
        """Whether this member's next words answer a question (a confirmation or a PIN) here."""
        return conversation_id is not None and self.store.has_pending(conversation_id, actor.member.id)

    def _store_pending(self, conversation_id: str, pending: Pending) -> None:
        self.store.put_pending(conversation_id, pending.member_id, pending.payload(), pending.expires_at)

    def _take_pending(self, conversation_id: str, actor: Actor) -> Pending | None:
        taken = self.store.take_pending(conversation_id, actor.member.id)
        if taken is None:
            return None
        payload, expires_at = taken
        return Pending.from_payload(payload, self.home, actor.member.id, expires_at)

    async def _answer_pending(
        self, pending: Pending, text: str, actor: Actor, language: str, conversation_id: str
    ) -> ConversationResult | None:
        """Handle the turn after a confirmation prompt; None if it is a new command instead."""
        answer = _clean_answer(text)
        expired = pending.expires_at < self.executor.clock()
        code = spoken_code(answer) if pending.needs_code else None
        is_yes = bool(_YES.match(answer)) and not pending.needs_code
        if _NO.match(answer):
            message = i18n.translate("conversation.cancelled", language)
            return ConversationResult(Status.ANSWERED, message, language, conversation_id)
        if not (is_yes or code):
            return None
        if expired:
            message = i18n.translate("conversation.expired", language)
            return ConversationResult(Status.ERROR, message, language, conversation_id)
        calls = [PlannedCall(c.entity, c.service, c.data) for c in pending.calls]
        match = IntentMatch("HomemindConfirm", {}, tier="confirmation", language=language)
        # The audit keeps that this turn answered a prompt, never the PIN that was said.
        actor = replace(actor, intent=match.name, text="***" if code else actor.text)
        request = self._request(match, actor, language)
        confirmer = self.handlers.confirmers.get((pending.skill or {}).get("kind", ""))
        if pending.skill is not None and confirmer is not None:
            reply = await self._handle(confirmer, request, pending.skill)
            return ConversationResult(reply.status, reply.speech, language, conversation_id, match)
        # The PIN travels beside the calls, never inside their data, and only from this turn.
        reply = await act(request, calls, pending.done_key, confirmed=True, pin=code, **pending.done_params)
        return ConversationResult(reply.status, reply.speech, language, conversation_id, match, reply.actions)
