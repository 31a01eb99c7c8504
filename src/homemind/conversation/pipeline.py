"""The channel-independent conversation pipeline.

text -> checks -> language -> (pending confirmation?) -> the turn (``turn.py``: an answer
to the hub's question, an undo, or a command, maybe compound, maybe scheduled) ->
intent handler -> executor -> reply in the same language. The CLI, the HTTP API, voice
and the dashboard all call :meth:`Conversation.process`, so they cannot disagree about
what a sentence does.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from homemind.conversation.answers import Answers
from homemind.conversation.dialogue import Dialogues
from homemind.conversation.fallback import Fallback
from homemind.conversation.history import History, done
from homemind.conversation.schedule import Schedules
from homemind.conversation.splitting import Splitter
from homemind.conversation.turn import Outcome, Turn
from homemind.conversation.understanding import Understanding
from homemind.core import i18n
from homemind.core.events import MEMBER_SPOKE, Event
from homemind.core.model import Home
from homemind.core.states import StateRegistry
from homemind.household import Household
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
from homemind.skills.acting import CONFIRMATION_SECONDS
from homemind.skills.asking import Ask
from homemind.skills.base import Confirmer, run_handler
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
        "voice.did_you_say": {"en": "Did you say “{text}”?", "zh": "你是说“{text}”吗？"},
        "voice.say_again": {"en": "OK, please say it again.", "zh": "好的，请再说一遍。"},
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


def reply_language(text: str, default: str) -> str:
    """The language to answer in: the sentence's; for a bare PIN or "yes", ``default`` (the
    language the question was asked in, else the member's).

    Digits and "ok" say nothing about a language; a Chinese "好的" or "二五八零" does.
    """
    answer = _clean_answer(text)
    if spoken_code(answer) or _YES.match(answer) or _NO.match(answer):
        return "zh" if re.search(r"[\u4e00-\u9fff]", answer) else default
    return detect_language(text)


def merge_pending(held: list[Pending]) -> Pending:
    """Several parts of one sentence held for a yes: one confirmation for all of them.

    Device calls that want the same answer (a yes, or a PIN) travel together; a skill's
    own confirmation (an order, a schedule) is held alone, first come.
    """
    first = held[0]
    if first.skill is not None:
        return first
    calls = list(first.calls)
    for other in held[1:]:
        if other.skill is None and other.needs_code == first.needs_code:
            calls += other.calls
    return replace(first, calls=calls)


def compound(matches: list[IntentMatch], language: str) -> IntentMatch | None:
    """The intent of a compound command: its parts' intents, in order."""
    if not matches:
        return None
    tiers = [m.tier for m in matches]
    slots = {"parts": Slot([m.name for m in matches], " / ".join(m.name for m in matches))}
    return IntentMatch("HomemindCompound", slots, tiers[0], language, min(m.confidence for m in matches),
                       {"parts": [m.as_dict() for m in matches]})  # fmt: skip


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
    # A question the reply asks ("which one?"): its kind and the choices offered, for buttons.
    question: dict[str, Any] | None = None

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
            "question": self.question,
        }


def _skill_could_not(outcomes: list[Outcome]) -> bool:
    """One command, understood, that its skill answered with an error and nothing done or asked."""
    if len(outcomes) != 1 or outcomes[0].match is None:
        return False
    reply = outcomes[0].reply
    failed = reply.status in (Status.ERROR, Status.NOT_UNDERSTOOD)
    return failed and not (reply.actions or reply.pending or reply.ask)


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
        self.understanding = Understanding(home, self.recognizers)
        self.splitter = Splitter(self.understanding.vocabulary, self.understanding.follow_ups)
        self.answers = Answers(self.understanding.vocabulary)
        self.dialogues = Dialogues(store)
        self.schedules = Schedules(home, states, executor, handlers, household)

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
        # One command for the store: its states, audit, context, turns and household rows commit
        # together, before the answer is returned; its events go out after the commit.
        with self.store.command():
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
        pending = self._take_pending(conversation_id, actor)
        asked_in = pending.language if pending is not None else None
        language = language or reply_language(text, asked_in or actor.member.language)
        if pending is not None:
            answered = await self._answer_pending(pending, text, actor, language, conversation_id)
            if answered is not None:
                return answered

        now = self.executor.clock()
        state = self.dialogues.load(conversation_id, actor.member.id, now)
        loaded = state.payload()
        turn = Turn(self, text, actor, language, state)
        outcomes, understood = await turn.run()
        self._spoke(actor, outcomes)
        if turn.state.payload() != loaded:
            # Unchanged state is not written again: it keeps its age (and its member).
            self.dialogues.save(conversation_id, actor.member.id, turn.state, now)
        if not understood or (len(outcomes) == 1 and outcomes[0].unhandled):
            # Nothing a tier (or a skill) takes: a fallback may know (documents, a language model).
            answered = await self._fall_back(text, actor, language, conversation_id)
            if answered is not None:
                return answered
        elif _skill_could_not(outcomes):
            # A skill that could not serve it ("网上买的东西能退吗" read as an order for
            # "的东西"): a fallback's answer from a source is better than the skill's error.
            answered = await self._fall_back(text, actor, language, conversation_id)
            if answered is not None and answered.sources:
                return answered
        if not understood:
            return self._not_understood(text, language, conversation_id)
        return self._result(outcomes, language, conversation_id)

    def _spoke(self, actor: Actor, outcomes: list[Outcome]) -> None:
        """A member said something the hub understood: care hears that she is conscious."""
        intents = [o.match.name for o in outcomes if o.match is not None]
        if self.household is not None and not actor.generated and intents:
            spoke = {"member": actor.member.id, "area": actor.area, "intent": intents[0]}
            self.household.bus.publish(Event(MEMBER_SPOKE, spoke))

    @staticmethod
    async def handle(handler: IntentHandler | Confirmer, request: IntentRequest, *args: Any) -> Reply:
        """Run a handler (or a skill's confirmer): its household or device error is the reply
        (``run_handler``); anything else is a fault the turn reports and audits."""
        try:
            return await run_handler(handler, request, *args)
        except Exception as exc:
            raise _HandlerFault(request.actor) from exc  # the audit says which intent failed

    async def _fall_back(
        self, text: str, actor: Actor, language: str, conversation_id: str
    ) -> ConversationResult | None:
        for fallback in self.fallbacks:
            # A fallback may take long (a search in a worker thread, a model): what the command
            # wrote so far is committed first, so the store is not locked meanwhile.
            self.store.commit()
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

    def _result(self, outcomes: list[Outcome], language: str, conversation_id: str) -> ConversationResult:
        """One result for the turn: a compound command's parts in order, in one reply."""
        replies = [o.reply for o in outcomes]
        held = [r.pending for r in replies if r.pending is not None]
        if held:
            self._store_pending(conversation_id, merge_pending(held))
        statuses = [r.status for r in replies]
        status = next(
            (s for s in (Status.NEEDS_CONFIRMATION, Status.DONE, Status.ANSWERED) if s in statuses),
            statuses[0],
        )
        speech = ("" if language == "zh" else " ").join(r.speech for r in replies if r.speech)
        matches = [o.match for o in outcomes if o.match is not None]
        match = (matches[0] if matches else None) if len(outcomes) == 1 else compound(matches, language)
        actions = [a for r in replies for a in r.actions]
        needs_code = bool(held) and held[0].needs_code
        asked = next((r.ask for r in replies if r.ask is not None), None)
        question = self._question(asked, language) if asked is not None else None
        return ConversationResult(
            status, speech, language, conversation_id, match, actions, needs_code, question=question
        )

    def _question(self, ask: Ask, language: str) -> dict[str, Any]:
        choices = []
        for choice in ask.choices:
            named = self.home.entities.get(choice.key) or self.home.areas.get(choice.key)
            label = named.names.display(language) if named is not None else (choice.words or (choice.key,))[0]
            choices.append({"id": choice.key, "label": label})
        return {"kind": ask.kind, "choices": choices}

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

    async def _answer_heard(
        self, pending: Pending, answer: str, actor: Actor, language: str, conversation_id: str
    ) -> ConversationResult | None:
        if _NO.match(answer):
            return ConversationResult(
                Status.ANSWERED, i18n.translate("voice.say_again", language), language, conversation_id
            )
        if not _YES.match(answer):
            return None  # said again, or something else: a new command
        if pending.expires_at < self.executor.clock():
            message = i18n.translate("conversation.expired", language)
            return ConversationResult(Status.ERROR, message, language, conversation_id)
        heard = str((pending.skill or {}).get("text", ""))
        return await self._process(heard, actor, language=pending.language, conversation_id=conversation_id)

    # --- confirmations ----------------------------------------------------------

    # Kept in the store, not in memory: the "yes" may arrive through another process
    # (`homemind ask --conversation-id ...` twice) and must still be usable only once.

    def awaiting_answer(self, conversation_id: str | None, actor: Actor) -> bool:
        """Whether this member's next words answer a question (a confirmation, a PIN, "which one?") here."""
        if conversation_id is None:
            return False
        if self.store.has_pending(conversation_id, actor.member.id):
            return True
        state = self.dialogues.load(conversation_id, actor.member.id, self.executor.clock())
        return state.question is not None

    def _store_pending(self, conversation_id: str, pending: Pending) -> None:
        self.store.put_pending(conversation_id, pending.member_id, pending.payload(), pending.expires_at)

    def _take_pending(self, conversation_id: str, actor: Actor) -> Pending | None:
        taken = self.store.take_pending(conversation_id, actor.member.id)
        if taken is None:
            return None
        payload, expires_at = taken
        return Pending.from_payload(payload, self.home, actor.member.id, expires_at)

    def ask_heard(self, text: str, actor: Actor, language: str, conversation_id: str) -> ConversationResult:
        """ "Did you say …?" about a doubtful transcript; the same member's yes in the next turn says it."""
        skill = {"kind": "heard", "text": text}
        expires = self.executor.clock() + CONFIRMATION_SECONDS
        pending = Pending([], False, actor.member.id, expires, "", {}, skill=skill, language=language)
        self._store_pending(conversation_id, pending)
        speech = i18n.translate("voice.did_you_say", language, text=text)
        question = {"kind": "heard", "choices": [{"id": "yes", "label": text}]}
        return ConversationResult(
            Status.NEEDS_CONFIRMATION, speech, language, conversation_id, question=question
        )

    async def _answer_pending(
        self, pending: Pending, text: str, actor: Actor, language: str, conversation_id: str
    ) -> ConversationResult | None:
        """Handle the turn after a confirmation prompt; None if it is a new command instead."""
        answer = _clean_answer(text)
        if (pending.skill or {}).get("kind") == "heard":
            return await self._answer_heard(pending, answer, actor, language, conversation_id)
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
        request = IntentRequest(
            match, actor, language, self.home, self.states, self.executor, household=self.household
        )
        confirmer = self.handlers.confirmers.get((pending.skill or {}).get("kind", ""))
        if pending.skill is not None and confirmer is not None:
            reply = await self.handle(confirmer, request, pending.skill)
            return ConversationResult(reply.status, reply.speech, language, conversation_id, match)
        # The PIN travels beside the calls, never inside their data, and only from this turn.
        reply = await act(request, calls, pending.done_key, confirmed=True, pin=code, **pending.done_params)
        return ConversationResult(reply.status, reply.speech, language, conversation_id, match, reply.actions)
