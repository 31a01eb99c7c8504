"""The tools a language model (the model tier, or an outside assistant over MCP) may use.

Each tool is one of the hub's own intents: its JSON schema is generated from the
handler's slot definitions (``IntentHandler.slots``), what the model sends is checked
against the same schema before the handler sees it, and the handler then runs exactly as
for a spoken command, as the same member, with ``Actor.generated`` set: every device
action is an ``Executor.execute`` (roles, the policy file, confirmations, PINs, limits,
the audit), and household data is read and written by the same skills. Entities are not
pasted into a prompt: ``find_entities`` returns at most a few that the member may use.

What a tool returns to the model is data (JSON), never instructions: device names, list
items and calendar titles reach the model only as quoted strings inside tool results.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from homemind.core.model import Domain, Entity, Home, Member
from homemind.core.states import StateRegistry
from homemind.household import Household
from homemind.llm import documents
from homemind.llm.catalog import CATALOG, SECURITY_DOMAINS, TOOLS, ToolDef
from homemind.nlu.types import IntentMatch, Slot
from homemind.policy import Actor, Executor, Policy, Result
from homemind.skills import HandlerRegistry, IntentRequest, Reply, SlotSpec, Status
from homemind.store import Store

if TYPE_CHECKING:
    from homemind.library import LibraryHandle
    from homemind.library.search import Hit

FIND_LIMIT = 6
# The handlers' "name" slot is offered as "entity_id": what find_entities returns, needing no words.
_ENTITY = "entity_id"


@dataclass
class ToolResult:
    """What one call did: the data the model is shown and the reply the person hears."""

    name: str
    data: dict[str, Any]
    reply: Reply | None = None
    untrusted: bool = False  # the data carries text other people wrote
    wrote: bool = False  # the executor changed something (or a household write was done)
    tried_to_write: bool = False  # a tool that changes things was asked for, whatever came of it
    passages: list[Hit] | None = None  # a documents search: what the model's answer must cite

    def content(self) -> str:
        """The tool message's content: JSON, so every string in it is quoted data."""
        return json.dumps(self.data, ensure_ascii=False)


@dataclass
class ToolBox:
    """The tools of one hub, offered and run for one member at a time."""

    home: Home
    states: StateRegistry
    executor: Executor
    handlers: HandlerRegistry
    household: Household | None
    policy: Policy
    store: Store
    documents: LibraryHandle | None = None  # the library, for search_documents (when there is one)
    _models: dict[str, type[BaseModel]] = field(default_factory=dict, repr=False)
    _schemas: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    # --- what is offered ------------------------------------------------------------

    def available(
        self,
        member: Member,
        *,
        read_only: bool,
        questions: bool | None = None,
        said: str | None = None,
        devices_now: bool = True,
    ) -> list[ToolDef]:
        """The tools this member may use (their role limits them); only reads when ``read_only``.

        A model turn on a command is not offered the question-only reads (``questions``
        defaults to ``read_only``), nor household tools whose cue its words (``said``) miss;
        an outside assistant over MCP passes ``questions=True`` and no words: it gets all.
        ``devices_now=False`` (words with a time or a condition) leaves out what changes devices.
        """
        questions = read_only if questions is None else questions
        tools = []
        for tool in CATALOG:
            if tool.intent is not None and self.handlers.get(tool.intent) is None:
                continue  # a skill this hub does not have
            if tool.name == documents.NAME and (self.documents is None or not self.documents.exists):
                continue  # a data dir without a library
            if tool.questions_only and not questions:
                continue
            if tool.cue is not None and said is not None and not re.search(tool.cue, said, re.IGNORECASE):
                continue
            if (read_only and tool.writes) or not self._may_use(member, tool):
                continue
            if not devices_now and tool.writes and tool.domains:
                continue
            if tool.domains and not any(self._usable(member, e, tool) for e in self.home.entities.values()):
                continue
            tools.append(tool)
        return tools

    def _may_use(self, member: Member, tool: ToolDef) -> bool:
        """A household tool: whether the policy's household table lets ``member`` do its
        operation on their own data (the operation itself asks again, with the real owner)."""
        return tool.household is None or self.policy.may(member, *tool.household, owner=member.id)

    def _usable(self, member: Member, entity: Entity, tool: ToolDef) -> bool:
        return (
            entity.domain in tool.domains
            and self.policy.sees(member, entity)
            and any(self.policy.may_act(member, entity, service) for service in tool.services)
        )

    def specs(
        self, member: Member, *, read_only: bool, said: str | None = None, devices_now: bool = True
    ) -> list[dict[str, Any]]:
        """The tools in the OpenAI chat-completions format, for a turn on ``said``."""
        specs = []
        for tool in self.available(member, read_only=read_only, said=said, devices_now=devices_now):
            function: dict[str, Any] = {"name": tool.name}
            if tool.explain:
                function["description"] = tool.description
            function["parameters"] = self.schema(tool)
            specs.append({"type": "function", "function": function})
        return specs

    def schema(self, tool: ToolDef) -> dict[str, Any]:
        """The tool's JSON schema, generated from its handler's slots by pydantic (titles dropped).

        Made once per tool: a home's schemas never change while it is open.
        """
        if tool.name not in self._schemas:
            self._schemas[tool.name] = _untitled(self._model(tool).model_json_schema())
        return copy.deepcopy(self._schemas[tool.name])

    def _model(self, tool: ToolDef) -> type[BaseModel]:
        if tool.name not in self._models:
            self._models[tool.name] = create_model(  # type: ignore[call-overload]
                tool.name,
                __config__=ConfigDict(extra="forbid"),
                **{name: self._field(tool, name, spec) for name, spec in self._slots(tool).items()},
            )
        return self._models[tool.name]

    def _slots(self, tool: ToolDef) -> dict[str, SlotSpec]:
        if tool.name == documents.NAME:
            return documents.SLOTS
        if tool.intent is None:
            return {"query": SlotSpec(""), "area": SlotSpec(""), "domain": SlotSpec("")}
        handler = self.handlers.get(tool.intent)
        specs = handler.slot_specs() if handler is not None else {}
        slots = {
            _ENTITY if k == "name" else k: replace(v, required=v.required or k in tool.required)
            for k, v in specs.items()
        }
        return {k: v for k, v in slots.items() if tool.offer is None or k in tool.offer}

    def _field(self, tool: ToolDef, name: str, spec: SlotSpec) -> tuple[Any, Any]:
        kind: Any = {"string": str, "number": float, "integer": int, "boolean": bool}[spec.kind]
        choices: tuple[str, ...] = spec.choices
        description = spec.description
        # Rooms are named once in the system prompt, and entity ids come from find_entities:
        # enumerating either in every tool would grow the prompt with the home. Targets need
        # no description: their names say it, and every word is a token of a small model's.
        if name == "domain":
            allowed = tool.domains or tuple(Domain)
            choices = tuple(d.value for d in allowed if d not in SECURITY_DOMAINS or not tool.writes)
        if name in ("area", "domain", _ENTITY):
            description = ""
        if choices:
            kind = Literal[choices]
            description = ""  # the choices say it
        default = ... if spec.required else None
        if not spec.required:
            kind = kind | None
        return kind, Field(default, description=description or None, ge=spec.minimum, le=spec.maximum)

    # --- running a call ----------------------------------------------------------------

    async def call(
        self,
        name: str,
        arguments: str | dict[str, Any],
        actor: Actor,
        language: str,
        *,
        read_only: bool,
        devices_now: bool = True,
    ) -> ToolResult:
        """Run one tool call as ``actor`` (made ``generated``); every refusal is a result, never a raise."""
        tool = TOOLS.get(name)
        if tool is None or (tool.intent is not None and self.handlers.get(tool.intent) is None):
            return ToolResult(name, {"error": f"there is no tool called {name!r}"})
        if not devices_now and tool.writes and tool.domains:
            error = "a request with a time or a condition never changes a device now: nothing was changed"
            result = ToolResult(name, {"error": error})
        else:
            result = await self._call(tool, arguments, actor, language, read_only=read_only)
        result.tried_to_write = tool.writes
        return result

    async def _call(
        self, tool: ToolDef, arguments: str | dict[str, Any], actor: Actor, language: str, *, read_only: bool
    ) -> ToolResult:
        name = tool.name
        if read_only and tool.writes:
            return ToolResult(name, {"error": "this request may only read: nothing was changed"})
        if not self._may_use(actor.member, tool):
            kind, operation = tool.household or ("", "")
            return ToolResult(name, {"error": f"{actor.member.id} may not use {kind} ({operation})"})
        try:
            raw = json.loads(arguments) if isinstance(arguments, str) else arguments
            if not isinstance(raw, dict):
                raise TypeError("the arguments are not a JSON object")
            args = self._model(tool).model_validate(raw).model_dump(exclude_none=True)
        except (json.JSONDecodeError, TypeError) as exc:
            return ToolResult(name, {"error": f"the arguments are not valid JSON: {exc}"})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            return ToolResult(name, {"error": f"invalid {where}: {first['msg']}"})
        if tool.name == documents.NAME:
            data, hits = await documents.search(
                self.documents, actor.member, args["query"], args.get("k"), language
            )
            return ToolResult(name, data, untrusted=True, passages=hits if "error" not in data else None)
        if tool.intent is None:
            query = args.get("query", "")
            return self.find(actor.member, query, args.get("area"), args.get("domain"), language=language)
        return await self._run(tool, args, replace(actor, generated=True, intent=tool.intent), language)

    async def _run(self, tool: ToolDef, args: dict[str, Any], actor: Actor, language: str) -> ToolResult:
        if _ENTITY in args:
            args = {("name" if k == _ENTITY else k): v for k, v in args.items()}
        name = args.get("name")
        entity = self.home.entities.get(name) if isinstance(name, str) else None
        if tool.writes and tool.domains and entity is not None and entity.domain not in tool.domains:
            return ToolResult(tool.name, {"error": f"{tool.name} does not act on {entity.domain.value}"})
        slots = {
            key: Slot(value, "" if key == "name" and entity is not None else str(value))
            for key, value in args.items()
        }
        match = IntentMatch(tool.intent or "", slots, tier="llm", language=language)
        handler = self.handlers.get(tool.intent or "")
        assert handler is not None
        request = IntentRequest(
            match, actor, language, self.home, self.states, self.executor, household=self.household
        )
        reply = await handler.handle(request)
        if language == "en" and reply.speech[:1].islower():  # "the Kitchen Light is on." starts a sentence
            reply.speech = reply.speech[0].upper() + reply.speech[1:]
        actions = [f"{a.service} {a.entity_id}: {a.result.value}" for a in reply.actions]
        data: dict[str, Any] = {"status": reply.status.value, "said": reply.speech}
        if actions:
            data["actions"] = actions
        if reply.status is Status.NEEDS_CONFIRMATION:
            data["note"] = "held until the person confirms it on the hub themselves; do nothing more"
        wrote = any(a.result is Result.OK for a in reply.actions) or (
            tool.household is not None and tool.writes and reply.status is Status.DONE
        )
        return ToolResult(tool.name, data, reply, untrusted=tool.untrusted, wrote=wrote)

    # --- find_entities ------------------------------------------------------------------

    def find(
        self,
        member: Member,
        query: str,
        area: str | None,
        domain: str | None,
        limit: int | None = FIND_LIMIT,
        language: str = "en",
    ) -> ToolResult:
        """At most ``limit`` entities the member may use, best match first."""
        words = query.casefold().split()
        scored = []
        for entity in self.home.entities.values():
            if (area is not None and entity.area != area) or (domain not in (None, entity.domain.value)):
                continue
            if not self.policy.may_use(member, entity):
                continue
            score = _score(entity, query.casefold(), words)
            if score > 0 or not query.strip():
                scored.append((-score, entity.entity_id, entity))
        found = [entity for _, _, entity in sorted(scored)[:limit]]
        # entity_id -> "name (area): state": the same facts as a table of fields, in half the tokens.
        return ToolResult("find_entities", {e.entity_id: self._describe(e, language) for e in found})

    def _describe(self, entity: Entity, language: str) -> str:
        where = f" ({entity.area})" if entity.area else ""
        return f"{entity.names.display(language)}{where}: {self.states.get(entity.entity_id).state}"

    def entities(self, member: Member, language: str) -> list[dict[str, Any]]:
        """Every entity ``member`` may use, with names and state (the MCP resource)."""
        return [
            {
                "entity_id": e.entity_id,
                "name": e.names.display(language),
                "area": e.area,
                "domain": e.domain.value,
                "state": self.states.get(e.entity_id).state,
            }
            for e in self.home.entities.values()
            if self.policy.may_use(member, e)
        ]


def _score(entity: Entity, query: str, words: list[str]) -> int:
    """How well ``query`` names ``entity``: whole name 3, part of a name 2, shared words 1 each."""
    best = 0
    for language in ("en", "zh"):
        for said in entity.names.all_for(language):
            name = said.casefold()
            if name == query:
                best = max(best, 3)
            elif query and (query in name or name in query):
                best = max(best, 2)
            else:
                best = max(best, sum(1 for w in words if w in name.split()))
    return best


def _untitled(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic's schema without titles and nulls, which only cost a small model's tokens."""
    properties = {}
    for key, prop in schema.get("properties", {}).items():
        options = prop.pop("anyOf", None)
        if options:
            prop.update(next(o for o in options if o.get("type") != "null"))
        prop.pop("title", None)
        prop.pop("default", None)
        if "enum" in prop:
            prop.pop("type", None)  # the choices say it
        properties[key] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if schema.get("required"):
        out["required"] = schema["required"]
    return out


def audit_read(store: Store, actor: Actor, tool: str, target: str, now: float, result: str = "ok") -> None:
    """Audit a read through a tool (an outside assistant's get_state), beside the executor's entries."""
    store.log_action(
        {
            "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
            "member": actor.member.id,
            "channel": actor.channel + (":generated" if actor.generated else ""),
            "conversation_id": actor.conversation_id,
            "text": actor.text,
            "intent": actor.intent,
            "entity_id": target,
            "service": tool,
            "data": {},
            "action_class": "read",
            "decision": "allow",
            "result": result,
        }
    )
