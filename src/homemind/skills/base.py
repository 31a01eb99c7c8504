"""What a skill is: intent handlers registered by intent type, each returning a Reply.

Modelled on Home Assistant's ``helpers/intent.py``: a handler declares its
``intent_type`` and the slots it reads, and the pipeline looks it up by name, so
a new household domain is a new module, not an edit to the pipeline.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from homemind.core import i18n
from homemind.core.model import Entity, Home
from homemind.core.states import StateRegistry
from homemind.nlu.types import IntentMatch
from homemind.policy import ActionOutcome, Actor, Executor
from homemind.skills.asking import Ask

if TYPE_CHECKING:
    from homemind.household import Household


class Status(StrEnum):
    DONE = "done"
    ANSWERED = "answered"
    NEEDS_CONFIRMATION = "needs_confirmation"
    REFUSED = "refused"
    NOT_UNDERSTOOD = "not_understood"
    ERROR = "error"


@dataclass(frozen=True)
class PlannedCall:
    entity: Entity
    service: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pending:
    """Actions held until the same member confirms (or gives the code) in the same conversation."""

    calls: list[PlannedCall]
    needs_code: bool
    member_id: str
    expires_at: float  # wall-clock seconds: the answer may come in another process
    done_key: str
    done_params: dict[str, Any]
    # A skill's own action waiting for "yes" (placing an order), run by the registry's confirmer.
    skill: dict[str, Any] | None = None
    # The language the question was asked in: a bare "yes" or PIN is answered in it.
    language: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "calls": [
                {"entity_id": c.entity.entity_id, "service": c.service, "data": c.data} for c in self.calls
            ],
            "needs_code": self.needs_code,
            "done_key": self.done_key,
            "done_params": self.done_params,
            "language": self.language,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any], home: Home, member_id: str, expires_at: float) -> Pending:
        calls = [
            PlannedCall(home.entities[c["entity_id"]], c["service"], c["data"])
            for c in payload["calls"]
            if c["entity_id"] in home.entities
        ]
        return cls(
            calls,
            payload["needs_code"],
            member_id,
            expires_at,
            payload["done_key"],
            payload["done_params"],
            payload.get("skill"),
            payload.get("language"),
        )


@dataclass
class Reply:
    status: Status
    speech: str
    actions: list[ActionOutcome] = field(default_factory=list)
    pending: Pending | None = None
    # What an answer from documents is based on: title, section, text, source, score each.
    sources: list[dict[str, Any]] = field(default_factory=list)
    # A question this reply asks ("which one?", "for how long?"): the next turn is read as its answer.
    ask: Ask | None = None
    # What a household command made or changed ({"list", "items"}, {"timer_id"}): what "and eggs",
    # "make it ten minutes" and "undo that" in the next turn are about.
    made: dict[str, Any] | None = None


@dataclass
class IntentRequest:
    match: IntentMatch
    actor: Actor
    language: str
    home: Home
    states: StateRegistry
    executor: Executor
    household: Household | None = None

    @property
    def house(self) -> Household:
        """The household services; every hub has them (a request without is a wiring bug)."""
        if self.household is None:
            raise RuntimeError("this request has no household services")
        return self.household

    def t(self, key: str, **params: Any) -> str:
        return i18n.translate(key, self.language, **params)

    def reply(self, status: Status, key: str, **params: Any) -> Reply:
        return Reply(status, self.t(key, **params))


SlotKind = Literal["string", "number", "integer", "boolean"]


@dataclass(frozen=True)
class SlotSpec:
    """What one slot holds: a description and, when it is not free text, its type and range.

    Home Assistant's handlers declare a voluptuous ``slot_schema``; this is the same idea as
    data, so the model tier and the MCP server can turn it into a JSON schema and check what
    a model sends before a handler sees it. Slots named ``name``, ``area`` and ``domain`` are
    the home's targets: the tool schemas fill in the home's entity ids, areas and domains.
    """

    description: str
    kind: SlotKind = "string"
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False


class IntentHandler(ABC):
    intent_type: ClassVar[str]
    # Slot name -> what it holds (a description, or a typed SlotSpec): documents the handler
    # and is the schema of the tool the model tier and the MCP server offer for it.
    slots: ClassVar[Mapping[str, str | SlotSpec]] = {}

    @abstractmethod
    async def handle(self, request: IntentRequest) -> Reply: ...

    @classmethod
    def slot_specs(cls) -> dict[str, SlotSpec]:
        """Every slot as a SlotSpec (a plain description is a free-text slot)."""
        return {k: v if isinstance(v, SlotSpec) else SlotSpec(v) for k, v in cls.slots.items()}


Confirmer = Callable[[IntentRequest, dict[str, Any]], Awaitable[Reply]]


async def run_handler(handler: IntentHandler | Confirmer, request: IntentRequest, *args: Any) -> Reply:
    """Run a handler (or a skill's confirmer); a household or device error it raises is the
    reply, in the sentence's language."""
    from homemind.core.services import ActionError
    from homemind.household.errors import HouseholdError

    try:
        if isinstance(handler, IntentHandler):
            return await handler.handle(request)
        return await handler(request, *args)
    except HouseholdError as exc:
        return Reply(Status.REFUSED if exc.refusal else Status.ERROR, exc.message(request.language))
    except ActionError as exc:
        return Reply(Status.ERROR, exc.message(request.language))


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, IntentHandler] = {}
        # Pending.skill["kind"] -> what carries it out once the member says yes.
        self.confirmers: dict[str, Confirmer] = {}

    def register(self, handler: IntentHandler) -> None:
        if handler.intent_type in self._handlers:
            raise ValueError(f"two handlers for {handler.intent_type}")
        self._handlers[handler.intent_type] = handler

    def get(self, intent_type: str) -> IntentHandler | None:
        return self._handlers.get(intent_type)

    @property
    def intent_types(self) -> list[str]:
        return list(self._handlers)
