"""Every device action, from every channel, goes through :meth:`Executor.execute`.

Keeping one door means a rule added here (a PIN, a child's limit, an audit
field) holds for the CLI, the API, automations, voice and an LLM alike; there
is no second path to a device for a new channel to forget to guard.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from homemind.core import i18n
from homemind.core.backend import DeviceBackend
from homemind.core.events import Context
from homemind.core.i18n import Duration
from homemind.core.model import Entity, EntityState, Home, Member
from homemind.core.services import SERVICES, ActionError, ServiceCall, needs_code, validate_call
from homemind.core.states import StateRegistry
from homemind.policy.auth import Auth
from homemind.policy.rules import Decision, Policy, Verdict, classify
from homemind.store import Store

log = logging.getLogger(__name__)

i18n.register(
    {
        "policy.too_many_codes": {
            "en": "Too many wrong codes for {entity}: its code is refused for the next {wait}.",
            "zh": "{entity}的密码错误次数太多：接下来的 {wait}内不再接受它的密码。",
        },
        "policy.wrong_code_locked": {
            "en": "That code is not right for {entity}, and that was too many wrong codes:"
            " its code is refused for the next {wait}.",
            "zh": "{entity}的密码不对，错误次数太多：接下来的 {wait}内不再接受它的密码。",
        },
        "policy.no_device_code": {
            "en": "{entity} has no code set yet; an admin sets it with `homemind device code {entity_id}`.",
            "zh": "{entity}还没有设置密码，请管理员用 `homemind device code {entity_id}` 设置。",
        },
        "policy.not_allowed.unlock": {
            "en": "Sorry, {member} may not unlock {entity}.",
            "zh": "抱歉，{member}没有权限解锁{entity}。",
        },
        "policy.not_allowed.alarm_disarm": {
            "en": "Sorry, {member} may not disarm {entity}.",
            "zh": "抱歉，{member}没有权限给{entity}撤防。",
        },
        "policy.denied": {
            "en": "Sorry, {member} may not control {entity}.",
            "zh": "抱歉，{member}没有权限控制{entity}。",
        },
        "policy.not_shared_area": {
            "en": "Sorry, {member} may only control devices in the shared rooms.",
            "zh": "抱歉，{member}只能控制公共区域的设备。",
        },
        "policy.limit.min": {
            "en": "Sorry, {member} may not set {entity} below {limit} degrees.",
            "zh": "抱歉，{member}不能把{entity}设到 {limit} 度以下。",
        },
        "policy.limit.max": {
            "en": "Sorry, {member} may not set {entity} above {limit} degrees.",
            "zh": "抱歉，{member}不能把{entity}设到 {limit} 度以上。",
        },
        "policy.needs_approval": {
            "en": "That needs an adult's approval.",
            "zh": "这需要大人批准。",
        },
        "policy.generated": {
            "en": "Generated text cannot confirm {entity}; a person must ask and give the PIN.",
            "zh": "生成的文字不能确认{entity}的操作，必须由本人发出并说出密码。",
        },
        "policy.no_pin": {
            "en": "{member} has no PIN yet; set one with `homemind member pin {member_id}`.",
            "zh": "{member}还没有设置个人密码，请用 `homemind member pin {member_id}` 设置。",
        },
        "error.internal": {
            "en": "Internal error: {detail}",
            "zh": "内部错误：{detail}",
        },
        "policy.wrong_pin": {
            "en": "That PIN is not right.",
            "zh": "密码不对。",
        },
        "policy.too_many_pins": {
            "en": "Too many wrong PINs: {member}'s PIN is refused for the next {wait}, however it is given.",
            "zh": "密码错误次数太多：接下来的 {wait}内，{member}的个人密码无论从哪里输入都不会被接受。",
        },
        "policy.wrong_pin_locked": {
            "en": "That PIN is not right, and that was too many wrong PINs: {member}'s PIN is refused"
            " for the next {wait}, however it is given.",
            "zh": "密码不对，错误次数太多：接下来的 {wait}内，{member}的个人密码无论从哪里输入都不会被接受。",
        },
    }
)

_SECRET_FIELDS = frozenset({"code", "pin"})
# Runs of 4-8 digits, said as figures, Chinese numerals or English words: what a PIN looks
# like inside a sentence. Removed from the audit's text of unsafe actions.
_DIGIT = r"(?:[0-9零〇一幺二两三四五六七八九]|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b)"
_PIN_IN_TEXT = re.compile(rf"{_DIGIT}(?:[\s,.-]*{_DIGIT}){{3,7}}", re.IGNORECASE)

_UNREADABLE = frozenset({"Cc", "Cs", "Co", "Cn"})


def redact_pins(text: str) -> str:
    """``text`` with every run of 4-8 digits (figures, Chinese numerals, English words) as ``***``."""
    return _PIN_IN_TEXT.sub("***", text)


def is_clean_text(*values: Any) -> bool:
    """No control characters (but tabs and newlines), lone surrogates, private or unassigned
    code points anywhere: text that cannot be stored, shown, or meant by a person."""
    for value in values:
        if isinstance(value, str):
            if value.isprintable():
                continue  # no control, surrogate, private or unassigned code point: the usual case, in C
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
    """Who is acting, through which channel, and (for the audit) what they said.

    ``direct`` marks the data dir owner's own service call (CLI ``call``): audited, never
    held. ``generated`` marks text a program wrote (an LLM, an automation): it may ask for
    things, but can never confirm or give a PIN.
    """

    member: Member
    channel: str
    conversation_id: str | None = None
    direct: bool = False
    generated: bool = False
    text: str | None = None
    intent: str | None = None
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
    decision: str | None = None  # the policy's decision, "direct" for the owner's call
    action_class: str | None = None
    needs: str | None = None  # "pin" or "yes" when held

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


def _now_iso(clock: float) -> str:
    return datetime.fromtimestamp(clock, UTC).isoformat(timespec="milliseconds")


class Executor:
    """The one door to the devices: policy, confirmations and PINs, attempt limits, audit."""

    def __init__(
        self,
        home: Home,
        states: StateRegistry,
        backend: DeviceBackend,
        store: Store,
        policy: Policy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.states = states
        self.backend = backend
        self.store = store
        self.policy = policy or Policy.load_default()
        # Wall-clock seconds; tests replace it to move time without sleeping.
        self.clock = clock
        self.auth = Auth(store, lambda: self.clock())

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
        pin: str | None = None,
    ) -> ActionOutcome:
        """Carry out one call if the policy allows it; every outcome, refusals too, is audited.

        ``confirmed`` is the same member's "yes" in a later turn; ``pin`` the PIN (or device
        code) they gave in a later turn. Codes inside ``data`` count only for the owner's
        direct call: a code said in the same sentence as "unlock" is never a PIN.

        A call on its own (the API, ``homemind call``, an automation's step) is a command
        of its own for the store; inside a conversation it joins the conversation's.
        """
        with self.store.command():
            return await self._execute(actor, entity_id, service, data, confirmed=confirmed, pin=pin)

    async def _execute(
        self,
        actor: Actor,
        entity_id: str,
        service: str,
        data: dict[str, Any] | None,
        *,
        confirmed: bool,
        pin: str | None,
    ) -> ActionOutcome:
        data = dict(data or {})
        if not actor.direct:
            data = {k: v for k, v in data.items() if k not in _SECRET_FIELDS}
        outcome = ActionOutcome(entity_id, service, data, Result.ERROR)
        try:
            entity, call = self._validated(actor, entity_id, service, data)
            outcome.data = call.data
            if actor.direct:
                outcome.decision = "direct"
                outcome.action_class = classify(entity, service, call.data)
            else:
                verdict = self.policy.decide(actor.member, entity, service, call.data)
                outcome.decision = verdict.decision.value
                outcome.action_class = verdict.action_class
                held = self._hold(actor, entity, service, verdict, outcome, confirmed=confirmed, pin=pin)
                if held:
                    return outcome
                if verdict.decision is Decision.PIN and entity.secrets.get("code"):
                    call = validate_call(entity, service, {**data, "code": pin}, actor.context())
            if needs_code(entity, service):
                self._verify_code(entity, call.data.get("code"))
            if getattr(self.backend, "waits", False):
                # A device that answers over the network may take seconds: what the command
                # wrote so far is committed first, so the store is never locked while it waits.
                self.store.commit()
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

    def check(
        self, actor: Actor, entity_id: str, service: str, data: dict[str, Any] | None = None
    ) -> ActionOutcome:
        """What :meth:`execute` would decide for this call now, without doing or auditing anything.

        For actions planned for later (a scheduled command): the device must be able to do
        it and the member must be allowed to. ``NEEDS_CONFIRMATION`` says a yes or a PIN
        would be wanted (``needs``).
        """
        data = {k: v for k, v in (data or {}).items() if k not in _SECRET_FIELDS}
        outcome = ActionOutcome(entity_id, service, data, Result.ERROR)
        try:
            entity, call = self._validated(actor, entity_id, service, data)
            outcome.data = call.data
            verdict = self.policy.decide(actor.member, entity, service, call.data)
            outcome.decision = verdict.decision.value
            outcome.action_class = verdict.action_class
            # Not confirmed and no PIN: refusals and holds only, none of the PIN checks' side effects.
            if not self._hold(actor, entity, service, verdict, outcome, confirmed=False, pin=None):
                outcome.result = Result.OK
        except ActionError as exc:
            outcome.error = exc
        return outcome

    def _validated(
        self, actor: Actor, entity_id: str, service: str, data: dict[str, Any]
    ) -> tuple[Entity, ServiceCall]:
        """The entity and the checked call, or :class:`ActionError` (bad text, unknown entity, bad call)."""
        if not is_clean_text(entity_id, service, data):
            raise ActionError("error.invalid_text")
        entity = self.home.entities.get(entity_id)
        if entity is None:
            raise ActionError("error.unknown_entity", entity_id=entity_id)
        return entity, validate_call(entity, service, data, actor.context())

    def _hold(
        self,
        actor: Actor,
        entity: Entity,
        service: str,
        verdict: Verdict,
        outcome: ActionOutcome,
        *,
        confirmed: bool,
        pin: str | None,
    ) -> bool:
        """Apply the verdict; True when the call stops here (refused, held, wrong PIN)."""
        member = actor.member
        if verdict.decision is Decision.DENY:
            outcome.result = Result.REFUSED
            key = verdict.reason or "policy.denied"
            params = dict(verdict.params or {})
            if key == "policy.denied" and service in ("unlock", "alarm_disarm"):
                key = f"policy.not_allowed.{service}"
            elif key == "policy.limit":
                key = f"policy.limit.{params.pop('bound')}"
            outcome.error = ActionError(key, member=member, entity=entity, **params)
            return True
        if verdict.decision is Decision.APPROVAL:
            # Device actions are never queued for approval; orders are, by the orders skill.
            outcome.result = Result.REFUSED
            outcome.error = ActionError("policy.needs_approval")
            return True
        if verdict.decision is Decision.ALLOW:
            return False
        needs_pin = verdict.decision is Decision.PIN
        if not confirmed or (needs_pin and not pin and not actor.generated):
            # Generated text may ask (a person then answers in a turn of their own) ...
            outcome.result = Result.NEEDS_CONFIRMATION
            outcome.needs = "pin" if needs_pin else "yes"
            return True
        if actor.generated:
            # ... but never confirms, nor gives a PIN.
            outcome.result = Result.REFUSED
            outcome.error = ActionError("policy.generated", entity=entity)
            return True
        if not needs_pin or entity.secrets.get("code"):
            return False  # a device with a code of its own: _verify_code checks it (with its own limit)
        assert pin is not None
        if not self.auth.has_pin(member.id):
            outcome.result = Result.REFUSED
            outcome.error = ActionError("policy.no_pin", member=member, member_id=member.id)
            return True
        # Per member, whichever channel the PINs came through: a lock-out says how long it lasts.
        wait = self.auth.locked_out(f"pin:{member.id}")
        if wait is not None:
            outcome.error = ActionError("policy.too_many_pins", member=member, wait=Duration(wait))
            return True
        if not self.auth.check_pin(member.id, pin):
            wait = self.auth.locked_out(f"pin:{member.id}")
            outcome.error = (
                ActionError("policy.wrong_pin_locked", member=member, wait=Duration(wait))
                if wait is not None
                else ActionError("policy.wrong_pin")
            )
            return True
        return False

    def _verify_code(self, entity: Entity, code: Any) -> None:
        """Check a device's code against its hash in the store, with its own attempt limit.

        The code said in this turn then travels on in the call, for a device that checks
        codes itself (an MQTT panel with REMOTE_CODE); it is never stored, and the audit
        redacts it.
        """
        if code is None:
            raise ActionError("error.code_required", entity=entity)
        key = f"code:{entity.entity_id}"
        wait = self.auth.locked_out(key)
        if wait is not None:
            raise ActionError("policy.too_many_codes", entity=entity, wait=Duration(wait))
        name = entity.secrets["code"]
        if not self.auth.has_device_code(name):
            raise ActionError("policy.no_device_code", entity=entity, entity_id=entity.entity_id)
        if not self.auth.check_device_code(name, str(code)):
            self.auth.failed(key)
            wait = self.auth.locked_out(key)
            if wait is not None:
                raise ActionError("policy.wrong_code_locked", entity=entity, wait=Duration(wait))
            raise ActionError("error.wrong_code", entity=entity)
        self.store.clear_failures(key)

    def audit_failure(self, actor: Actor, exc: BaseException) -> None:
        """A fault outside any device call (a handler's bug) goes in the audit as an error.

        What was said is kept without anything that looks like a PIN: the fault may have
        come while a PIN was being answered.
        """
        outcome = ActionOutcome("", actor.intent or "conversation", {}, Result.ERROR)
        outcome.error = ActionError("error.internal", detail=f"{type(exc).__name__}: {exc}"[:300])
        said = _PIN_IN_TEXT.sub("***", actor.text) if actor.text is not None else None
        self._log(replace(actor, text=said), outcome)

    def _log(self, actor: Actor, outcome: ActionOutcome) -> None:
        try:
            self._write_log(actor, outcome)
        except Exception:
            # The action already happened (or was refused); a log that cannot be written
            # must not turn the answer into a crash. It is reported on the hub's log.
            log.exception("could not write the action log for %s %s", outcome.service, outcome.entity_id)

    @staticmethod
    def _audit_text(text: str | None, outcome: ActionOutcome) -> str | None:
        """What was said, minus anything that looks like a PIN when the action is an unsafe one."""
        if text is None or outcome.action_class != "unsecure":
            return text
        return redact_pins(text)

    def _write_log(self, actor: Actor, outcome: ActionOutcome) -> None:
        self.store.log_action(
            {
                "time": _now_iso(self.clock()),
                "member": actor.member.id,
                "channel": actor.channel + (":generated" if actor.generated else ""),
                "conversation_id": actor.conversation_id,
                "text": self._audit_text(actor.text, outcome),
                "intent": actor.intent,
                "entity_id": outcome.entity_id,
                "service": outcome.service,
                "data": _redact(outcome.data),
                "action_class": outcome.action_class,
                "decision": outcome.decision,
                "result": outcome.result.value,
                "detail": outcome.error.message("en") if outcome.error else None,
            }
        )
