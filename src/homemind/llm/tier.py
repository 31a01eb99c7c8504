"""The model tier: the last fallback, a language model that can only act through the tools.

It is asked only for what no earlier tier understood with confidence, never for a call
for help or a PIN turn. It has no power of its own: each tool call runs one of the hub's
intent handlers as the same member with ``Actor.generated`` set, so the executor's
roles, policy, confirmations, PINs, limits and audit apply as to a spoken command (an
unlock it asks for waits for the person's PIN in their next turn). At most
``MAX_TOOL_CALLS`` calls a turn, ``timeout_s`` of wall clock for the whole turn, and
``turns_per_hour`` model turns per member.

What the person hears is built from what the handlers and the executor did, not from
the model's text: a model that says "I've locked the door" without a matching call gets
"I didn't change anything." Its own text is spoken only when no tool ran, and never if
it repeats the system prompt (the canary) or claims an action.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from homemind.conversation.clauses import Clauses
from homemind.conversation.history import History
from homemind.conversation.pipeline import is_bare_answer, spoken_code
from homemind.core import i18n
from homemind.core.model import Home, LlmSettings
from homemind.household import Household
from homemind.library import LibraryHandle
from homemind.llm import documents
from homemind.llm.endpoint import Endpoint, EndpointError, ModelTurn, ToolCall
from homemind.llm.prompt import (
    claims_action,
    for_model,
    is_distress,
    is_question,
    leaks,
    new_canary,
    system_prompt,
)
from homemind.llm.tools import ToolBox, ToolResult
from homemind.nlu.vocabulary import HomeVocabulary
from homemind.policy import ActionOutcome, Actor, Executor, Policy
from homemind.skills import HandlerRegistry, Reply, Status
from homemind.store import Store

log = logging.getLogger(__name__)

MAX_TOOL_CALLS = 3
MAX_SPOKEN_CHARS = 400

i18n.register(
    {
        "llm.unreachable": {
            "en": "I can't reach the assistant model right now.",
            "zh": "现在连不上助手模型。",
        },
        "llm.nothing_changed": {"en": "I didn't change anything.", "zh": "我没有做任何改动。"},
        "llm.cut": {
            "en": "I stopped after {count} steps.",
            "zh": "我做了{count}步就停下了。",
        },
        "llm.busy": {
            "en": "The assistant model has been asked a lot in the last hour; try again later.",
            "zh": "这一小时里助手模型被问得太多了，请稍后再试。",
        },
        "llm.cannot_answer": {"en": "I can't answer that.", "zh": "这个我没法回答。"},
    }
)


@dataclass
class _Turn:
    """One model turn: what it was asked, and what it has done so far (kept outside the loop,
    so a timeout loses nothing)."""

    said: str
    actor: Actor
    language: str
    read_only: bool  # a question: only the tools that read
    devices_now: bool  # no time or condition in the words: devices may change now
    canary: str = field(default_factory=new_canary)
    messages: list[dict[str, Any]] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    text: str = ""
    cut: bool = False
    leaked: bool = False  # the model repeated the system prompt: its words are not spoken
    untrusted_seen: bool = False  # it read text other people wrote: no more changes this turn

    @property
    def reads_only(self) -> bool:
        return self.read_only or self.untrusted_seen


class ModelTier:
    """The ``llm`` fallback (see ``conversation/fallback.py``)."""

    name = "llm"

    def __init__(
        self,
        home: Home,
        settings: LlmSettings,
        tools: ToolBox,
        store: Store,
        history: History,
        clock: Callable[[], float] = time.time,
        endpoint: Endpoint | None = None,
    ) -> None:
        self.home = home
        self.settings = settings
        self.tools = tools
        self.store = store
        self.history = history
        self.clock = clock
        self.endpoint = endpoint or Endpoint(settings)
        # The conversation's own detector of times and conditions ("every day at 7pm", "门开的
        # 时候"): what it finds makes a device command an automation there, and here leaves
        # out every tool that would change a device now.
        self.clauses = Clauses(home, HomeVocabulary(home))

    async def answer(self, text: str, actor: Actor, language: str, conversation_id: str) -> Reply | None:
        if is_distress(text) or spoken_code(text) is not None or is_bare_answer(text):
            # A call for help, a stray PIN, or a "yes" to nothing is never a model's to answer.
            return None
        now = self.clock()
        if self.store.model_turns_since(actor.member.id, now - 3600) >= self.settings.turns_per_hour:
            return Reply(Status.ERROR, i18n.translate("llm.busy", language))
        self.store.note_model_turn(actor.member.id, now)
        schedule = self.clauses.find(
            text, language, datetime.fromtimestamp(now, ZoneInfo(self.home.timezone))
        )
        turn = _Turn(text, actor, language, is_question(text), devices_now=schedule is None)
        turn.messages = self.messages(text, actor, language, conversation_id, turn.canary)
        try:
            async with asyncio.timeout(self.settings.timeout_s), self.endpoint.client() as client:
                held = await self._converse(turn, client, time.monotonic() + self.settings.timeout_s)
        except (TimeoutError, EndpointError) as exc:
            log.warning("model tier: %s", exc if isinstance(exc, EndpointError) else "timed out")
            return self._reply(turn, unreachable=True)
        return held or self._reply(turn)

    def messages(
        self, text: str, actor: Actor, language: str, conversation_id: str, canary: str
    ) -> list[dict[str, Any]]:
        """What the model is sent first: the system prompt, earlier turns as data, the words."""
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(self.home, language, canary)}
        ]
        earlier = self.history.recent(conversation_id, actor.member.id)
        if earlier:
            # Earlier turns come back as a tool's result: data the model reads, never instructions.
            call = ModelTurn("", [ToolCall("history", "conversation_history", "{}")])
            messages.append(call.message())
            messages.append({"role": "tool", "tool_call_id": "history", "content": json.dumps(earlier)})
        messages.append({"role": "user", "content": for_model(text)})
        return messages

    async def _converse(self, turn: _Turn, client: httpx.AsyncClient, deadline: float) -> Reply | None:
        """Ask, run the tool calls, ask again; a Reply only when a call is held for the person."""
        while True:
            tools = self.tools.specs(
                turn.actor.member, read_only=turn.reads_only, said=turn.said, devices_now=turn.devices_now
            )
            # The model may take seconds: what the command wrote so far (the turn's count, a tool's
            # device change) is committed first, so the store is not locked meanwhile.
            self.store.commit()
            answer = await self.endpoint.chat(turn.messages, tools, deadline - time.monotonic(), client)
            if not answer.tool_calls:
                turn.text = answer.content
                turn.leaked = leaks(answer.content, turn.canary)
                if turn.leaked:
                    log.warning("model tier: the reply repeated the system prompt; not spoken")
                return None
            turn.messages.append(answer.message())
            for call in answer.tool_calls:
                if len(turn.results) >= MAX_TOOL_CALLS:
                    turn.cut = True
                    return None
                result = await self.tools.call(
                    call.name,
                    call.arguments,
                    turn.actor,
                    turn.language,
                    read_only=turn.reads_only,
                    devices_now=turn.devices_now,
                )
                turn.results.append(result)
                turn.untrusted_seen = turn.untrusted_seen or result.untrusted
                turn.messages.append({"role": "tool", "tool_call_id": call.id, "content": result.content()})
                if result.reply is not None and result.reply.pending is not None:
                    return self._held(turn, result.reply)

    def _held(self, turn: _Turn, held: Reply) -> Reply:
        """An action waits for the person: say what was done before it, then what they must give."""
        before = [r.reply.speech for r in turn.results if r.reply is not None and r.reply is not held]
        speech = " ".join([*dict.fromkeys(before), held.speech])
        return Reply(Status.NEEDS_CONFIRMATION, speech, _actions(turn), held.pending)

    def _reply(self, turn: _Turn, *, unreachable: bool = False) -> Reply | None:
        """The spoken reply, from what the tools did; the model's own words only when none ran."""

        def t(key: str, **params: Any) -> str:
            return i18n.translate(key, turn.language, **params)

        spoken = [r.reply for r in turn.results if r.reply is not None]
        parts = list(dict.fromkeys(r.speech for r in spoken if r.speech))
        wrote = any(r.wrote for r in turn.results)
        if turn.cut:
            parts.append(t("llm.cut", count=MAX_TOOL_CALLS))
        if unreachable:
            parts.append(t("llm.unreachable"))
            return Reply(Status.ERROR, " ".join(parts), _actions(turn))
        if not spoken:
            text = turn.text.strip()
            if turn.leaked:
                return Reply(Status.ANSWERED, t("llm.cannot_answer"))
            searched = [r.passages for r in turn.results if r.passages is not None]
            if searched and not any(r.tried_to_write for r in turn.results):
                # From the documents: the model's text only if it cites what it was given.
                return documents.answer(
                    turn.said, "" if claims_action(text) else text, searched[-1], turn.language
                )
            if claims_action(text) or any(r.tried_to_write for r in turn.results):
                # Asked for a change that did not happen: whatever the model says, nothing changed.
                return Reply(Status.ANSWERED, " ".join([*parts, t("llm.nothing_changed")]))
            if not text and not parts:
                return None  # the model had nothing to say: "not understood" follows
            return Reply(Status.ANSWERED, " ".join([*parts, text[:MAX_SPOKEN_CHARS]]).strip())
        if claims_action(turn.text) and not wrote:
            parts.append(t("llm.nothing_changed"))
        return Reply(_status(spoken), " ".join(parts), _actions(turn))


def _actions(turn: _Turn) -> list[ActionOutcome]:
    return [a for r in turn.results if r.reply is not None for a in r.reply.actions]


def _status(replies: list[Reply]) -> Status:
    statuses = [r.status for r in replies]
    for status in (Status.DONE, Status.ANSWERED):
        if status in statuses:
            return status
    if all(s is Status.REFUSED for s in statuses):
        return Status.REFUSED
    return Status.ERROR


def model_tier(
    home: Home,
    settings: LlmSettings,
    executor: Executor,
    handlers: HandlerRegistry,
    household: Household,
    policy: Policy,
    store: Store,
    clock: Callable[[], float],
    library: LibraryHandle | None = None,
) -> ModelTier:
    """The tier as ``Hub.open`` wires it: its own tool box and the conversation history."""
    tools = ToolBox(home, executor.states, executor, handlers, household, policy, store, library)
    return ModelTier(home, settings, tools, store, History(store, clock), clock)
