"""Every device action, from every channel, goes through :meth:`Executor.execute`.

Keeping one door means a rule added here (a PIN, a child's limit, an audit
field) holds for the CLI, the API, automations, voice and an LLM alike; there
is no second path to a device for a new channel to forget to guard.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from homemind.core import i18n
from homemind.core.backend import DeviceBackend
from homemind.core.events import Context
from homemind.core.model import Entity, EntityState, Home, Member, Role
from homemind.core.services import SERVICES, ActionError, validate_call
from homemind.core.states import StateRegistry
from homemind.store import Store

log = logging.getLogger(__name__)

i18n.register(
    {
        "policy.too_many_codes": {
            "en": "Too many wrong codes for {entity}; try again in {minutes} minutes.",
            "zh": "{entity}的密码错误次数太多，请 {minutes} 分钟后再试。",
        },
        "policy.not_allowed.unlock": {
            "en": "Sorry, {member} may not unlock {entity}.",
            "zh": "抱歉，{member}没有权限解锁{entity}。",
        },
        "policy.not_allowed.alarm_disarm": {
            "en": "Sorry, {member} may not disarm {entity}.",
            "zh": "抱歉，{member}没有权限给{entity}撤防。",
        },
    }
)

# Until the policy file arrives (members-and-permissions issue), the safe default:
# only adults, elders and admins may take the unsafe direction of a sensitive device.
_MAY_DO_SENSITIVE = frozenset({Role.ADMIN, Role.ADULT, Role.ELDER})
_SECRET_FIELDS = frozenset({"code"})
# Wrong codes allowed per device within the window before codes are refused for that long:
# a four-digit code must not be guessable by a script in a minute.
_CODE_TRIES = 5
_CODE_WINDOW_SECONDS = 300.0


_UNREADABLE = frozenset({"Cc", "Cs", "Co", "Cn"})


def is_clean_text(*values: Any) -> bool:
    """No control characters (but tabs and newlines), lone surrogates, private or unassigned
    code points anywhere: text that cannot be stored, shown, or meant by a person."""
    for value in values:
        if isinstance(value, str):
            if any(unicodedata.category(c) in _UNREADABLE and c not in "\t\n\r" for c in value):
                return False
        elif isinstance(value, dict):
            if not is_clean_text(*value.keys(), *value.values()):
                return False
        elif isinstance(value, list | tuple) and not is_clean_text(*value):
            return False
    return True


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
    # The room the speaker is in (a voice satellite's area): the default room for "turn on the light".
    area: str | None = None

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

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "service": self.service,
            "data": _redact(self.data),
            "result": self.result.value,
            "error": self.error.message(language) if self.error is not None else None,
        }


def _redact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in _SECRET_FIELDS else v) for k, v in data.items()}


class Executor:
    def __init__(self, home: Home, states: StateRegistry, backend: DeviceBackend, store: Store) -> None:
        self.home = home
        self.states = states
        self.backend = backend
        self.store = store
        self._wrong_codes: dict[str, list[float]] = {}

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
            if not is_clean_text(entity_id, service, data):
                raise ActionError("error.invalid_text")
            entity = self.home.entities.get(entity_id)
            if entity is None:
                raise ActionError("error.unknown_entity", entity_id=entity_id)
            call = validate_call(entity, service, data, actor.context())
            outcome.data = call.data
            if self.needs_confirmation(service) and not actor.direct:
                if actor.member.role not in _MAY_DO_SENSITIVE:
                    outcome.result = Result.REFUSED
                    outcome.error = ActionError(
                        f"policy.not_allowed.{service}", member=actor.member, entity=entity
                    )
                    return outcome
                if not confirmed:
                    outcome.result = Result.NEEDS_CONFIRMATION
                    return outcome
            if "code" in call.data:
                self._check_code_attempts(entity)
            try:
                await self.backend.call(call)
            except ActionError as exc:
                if exc.key == "error.wrong_code":
                    self._wrong_codes.setdefault(entity_id, []).append(time.monotonic())
                raise
            if "code" in call.data:
                self._wrong_codes.pop(entity_id, None)
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

    def _check_code_attempts(self, entity: Entity) -> None:
        now = time.monotonic()
        recent = [t for t in self._wrong_codes.get(entity.entity_id, []) if now - t < _CODE_WINDOW_SECONDS]
        self._wrong_codes[entity.entity_id] = recent
        if len(recent) >= _CODE_TRIES:
            wait = _CODE_WINDOW_SECONDS - (now - recent[0])
            raise ActionError("policy.too_many_codes", entity=entity, minutes=max(1, round(wait / 60)))

    def _log(self, actor: Actor, outcome: ActionOutcome) -> None:
        try:
            self._write_log(actor, outcome)
        except Exception:
            # The action already happened (or was refused); a log that cannot be written
            # must not turn the answer into a crash. It is reported on the hub's log.
            log.exception("could not write the action log for %s %s", outcome.service, outcome.entity_id)

    def _write_log(self, actor: Actor, outcome: ActionOutcome) -> None:
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
