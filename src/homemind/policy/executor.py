"""Every device action, from every channel, goes through :meth:`Executor.execute`.

Keeping one door means a rule added here (a PIN, a child's limit, an audit
field) holds for the CLI, the API, automations, voice and an LLM alike; there
is no second path to a device for a new channel to forget to guard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from homemind.core import i18n
from homemind.core.backend import DeviceBackend
from homemind.core.events import Context
from homemind.core.model import EntityState, Home, Member, Role
from homemind.core.services import SERVICES, ActionError, validate_call
from homemind.core.states import StateRegistry
from homemind.store import Store

log = logging.getLogger(__name__)

i18n.register(
    {
        "policy.not_allowed": {
            "en": "Sorry, {member} may not {service} {entity}.",
            "zh": "抱歉，{member}没有权限对{entity}执行 {service}。",
        },
    }
)

# Until the policy file arrives (members-and-permissions issue), the safe default:
# only adults, elders and admins may take the unsafe direction of a sensitive device.
_MAY_DO_SENSITIVE = frozenset({Role.ADMIN, Role.ADULT, Role.ELDER})
_SECRET_FIELDS = frozenset({"code"})


class Result(StrEnum):
    OK = "ok"
    ERROR = "error"
    NEEDS_CONFIRMATION = "needs_confirmation"
    REFUSED = "refused"


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``direct`` marks the data dir owner's own service call (CLI ``call``)."""

    member: Member
    channel: str
    conversation_id: str | None = None
    direct: bool = False

    def context(self) -> Context:
        return Context(self.member.id, self.channel, self.conversation_id)


@dataclass
class ActionOutcome:
    entity_id: str
    service: str
    data: dict[str, Any]
    result: Result
    error: ActionError | None = None
    state: EntityState | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity_id": self.entity_id,
            "service": self.service,
            "data": _redact(self.data),
            "result": self.result.value,
        }
        if self.error is not None:
            out["error"] = self.error.message(language)
        return out


def _redact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in _SECRET_FIELDS else v) for k, v in data.items()}


class Executor:
    def __init__(self, home: Home, states: StateRegistry, backend: DeviceBackend, store: Store) -> None:
        self.home = home
        self.states = states
        self.backend = backend
        self.store = store

    def needs_confirmation(self, service: str) -> bool:
        spec = SERVICES.get(service)
        return bool(spec and spec.sensitive)

    async def execute(
        self,
        actor: Actor,
        entity_id: str,
        service: str,
        data: dict[str, Any] | None = None,
        *,
        confirmed: bool = False,
    ) -> ActionOutcome:
        data = dict(data or {})
        outcome = ActionOutcome(entity_id, service, data, Result.ERROR)
        try:
            entity = self.home.entities.get(entity_id)
            if entity is None:
                raise ActionError("error.unknown_entity", entity_id=entity_id)
            call = validate_call(entity, service, data, actor.context())
            outcome.data = call.data
            if self.needs_confirmation(service) and not actor.direct:
                if actor.member.role not in _MAY_DO_SENSITIVE:
                    outcome.result = Result.REFUSED
                    outcome.error = ActionError(
                        "policy.not_allowed", member=actor.member, service=service, entity=entity
                    )
                    return outcome
                if not confirmed:
                    outcome.result = Result.NEEDS_CONFIRMATION
                    return outcome
            await self.backend.call(call)
            outcome.result = Result.OK
            outcome.state = self.states.get(entity_id)
            return outcome
        except ActionError as exc:
            outcome.error = exc
            return outcome
        except Exception as exc:  # a backend fault must come back as an answer, not a crash
            log.exception("backend failed on %s %s", service, entity_id)
            outcome.error = ActionError("error.backend", entity=entity_id, detail=type(exc).__name__)
            return outcome
        finally:
            self._log(actor, outcome)

    def _log(self, actor: Actor, outcome: ActionOutcome) -> None:
        self.store.log_action(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "member": actor.member.id,
                "channel": actor.channel,
                "entity_id": outcome.entity_id,
                "service": outcome.service,
                "data": _redact(outcome.data),
                "result": outcome.result.value,
                "detail": outcome.error.message("en") if outcome.error else None,
            }
        )
