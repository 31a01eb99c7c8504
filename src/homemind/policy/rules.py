"""The policy file: which member may do which class of action, and how.

The file is YAML (``policy.yaml`` in the data dir, else the packaged
``default_policy.yaml``), validated with pydantic so a typo names its line's
key instead of silently allowing something. Two rules are code, not
configuration, because no household should be able to turn them off: the safe
direction (lock, arm, close an entrance) is always allowed, and the unsafe one
(unlock, disarm, open an entrance) is never plainly allowed: at most after a PIN.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from homemind.core.model import Domain, Entity, Member, Role
from homemind.core.services import SERVICES
from homemind.core.yamltext import safe_load
from homemind.policy.household import OPERATIONS, HouseholdRules, Who, allowed, sees_entity

POLICY_FILE = "policy.yaml"


class Decision(StrEnum):
    ALLOW = "allow"
    CONFIRM = "confirm"
    PIN = "pin"
    APPROVAL = "approval"
    DENY = "deny"


# Stricter decisions win when two rules meet (an override may tighten, never silently loosen the code rules).
_STRICTNESS = [Decision.ALLOW, Decision.CONFIRM, Decision.PIN, Decision.APPROVAL, Decision.DENY]

ACTION_CLASSES = (
    "secure",
    "unsecure",
    "lights",
    "media",
    "climate",
    "water_heater",
    "covers",
    "appliances",
    "order",
)
# Covers that are a way into the home: opening one is the unsafe direction.
ENTRANCE_COVERS = frozenset({"garage", "door", "gate"})
_SECURE_SERVICES = frozenset({"lock", "alarm_arm_home", "alarm_arm_away"})
_UNSECURE_SERVICES = frozenset({"unlock", "alarm_disarm"})
_DOMAIN_CLASS = {
    Domain.LIGHT: "lights",
    Domain.MEDIA_PLAYER: "media",
    Domain.CLIMATE: "climate",
    Domain.WATER_HEATER: "water_heater",
    Domain.COVER: "covers",
    Domain.SWITCH: "appliances",
    Domain.FAN: "appliances",
    Domain.VACUUM: "appliances",
}

DecisionText = Literal["allow", "confirm", "pin", "approval", "deny"]


class PolicyError(ValueError):
    """The policy file is unreadable or invalid; the message names the file and the key."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    climate_min: float | None = Field(default=None, description="lowest target an AC may be set to")
    climate_max: float | None = None
    water_heater_max: float | None = Field(default=None, description="highest water heater target")


class Rules(BaseModel):
    """A role's rules, or a member's overrides of them (every field optional there)."""

    model_config = ConfigDict(extra="forbid")
    default: DecisionText | None = None
    unsecure: DecisionText | None = None
    lights: DecisionText | None = None
    media: DecisionText | None = None
    climate: DecisionText | None = None
    water_heater: DecisionText | None = None
    covers: DecisionText | None = None
    appliances: DecisionText | None = None
    order: DecisionText | None = None
    areas: Literal["all", "shared"] | None = None
    limits: Limits | None = None


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    retention_days: int = Field(default=365, ge=1, le=36500)


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: dict[Role, Rules] = Field(default_factory=dict)
    shared_areas: list[str] = Field(default_factory=list)
    members: dict[str, Rules] = Field(default_factory=dict)
    # Older policy files: kinds readable only by their owner, their creator and admins.
    private_kinds: list[str] | None = None
    household: HouseholdRules = Field(default_factory=HouseholdRules)
    document_managers: list[Role] = Field(default_factory=lambda: [Role.ADMIN, Role.ADULT])
    audit: AuditSettings = Field(default_factory=AuditSettings)


@dataclass(frozen=True)
class Verdict:
    """What the policy says of one action: the decision, its class, and why (a message key)."""

    decision: Decision
    action_class: str
    reason: str | None = None  # i18n key when denied
    params: dict[str, Any] | None = None


def classify(entity: Entity, service: str, data: dict[str, Any] | None = None) -> str:
    """The action class of ``service`` on ``entity``: what the policy file talks about."""
    if service in _SECURE_SERVICES:
        return "secure"
    if service in _UNSECURE_SERVICES:
        return "unsecure"
    if entity.domain is Domain.COVER and entity.device_class in ENTRANCE_COVERS:
        if service == "close_cover" or (
            service == "set_cover_position" and (data or {}).get("position") == 0
        ):
            return "secure"
        return "unsecure"
    return _DOMAIN_CLASS.get(entity.domain, "appliances")


class Policy:
    """The loaded policy: decisions per member and action, limits, and who may read what."""

    def __init__(self, spec: PolicyFile, source: str = "default") -> None:
        self.spec = spec
        self.source = source
        defaults = _default_spec()
        # Roles the file leaves out keep the safe defaults rather than becoming "allow everything".
        self.roles = {**defaults.roles, **spec.roles}
        self.shared_areas = frozenset(spec.shared_areas)
        self.retention_days = spec.audit.retention_days
        self.household = _household_table(defaults.household, spec)

    @classmethod
    def load_default(cls) -> Policy:
        return cls(_default_spec())

    @classmethod
    def load(cls, data_dir: Path) -> Policy:
        path = data_dir / POLICY_FILE
        if not path.exists():
            return cls(_default_spec())
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        return cls(parse_policy(text, str(path)), str(path))

    def _rule(self, member: Member, name: str) -> Any:
        override = self.spec.members.get(member.id)
        if override is not None and getattr(override, name) is not None:
            return getattr(override, name)
        role = self.roles.get(member.role)
        return getattr(role, name) if role is not None else None

    def decision_for(self, member: Member, action_class: str) -> Decision:
        """The member's decision for a class, before the code's fixed rules and the limits."""
        if action_class == "secure":
            return Decision.ALLOW
        text = self._rule(member, action_class) if action_class in Rules.model_fields else None
        if text is None:
            text = self._rule(member, "default") or "deny"
        decision = Decision(text)
        if action_class == "unsecure" and decision in (Decision.ALLOW, Decision.CONFIRM):
            decision = Decision.PIN  # never plainly allowed, whatever the file says
        return decision

    def decide(self, member: Member, entity: Entity, service: str, data: dict[str, Any]) -> Verdict:
        action_class = classify(entity, service, data)
        decision = self.decision_for(member, action_class)
        if decision is Decision.DENY:
            return Verdict(decision, action_class, "policy.denied")
        shared_only = action_class != "secure" and self._rule(member, "areas") == "shared"
        if shared_only and (entity.area is None or entity.area not in self.shared_areas):
            return Verdict(Decision.DENY, action_class, "policy.not_shared_area")
        limit = self._over_limit(member, entity, service, data)
        if limit is not None:
            return Verdict(Decision.DENY, action_class, "policy.limit", limit)
        return Verdict(decision, action_class)

    def _over_limit(
        self, member: Member, entity: Entity, service: str, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        if service != "set_temperature" or not isinstance(data.get("temperature"), int | float):
            return None
        limits: Limits | None = self._rule(member, "limits")
        if limits is None:
            return None
        temperature = float(data["temperature"])
        if entity.domain is Domain.CLIMATE:
            if limits.climate_min is not None and temperature < limits.climate_min:
                return {"temperature": _deg(temperature), "limit": _deg(limits.climate_min), "bound": "min"}
            if limits.climate_max is not None and temperature > limits.climate_max:
                return {"temperature": _deg(temperature), "limit": _deg(limits.climate_max), "bound": "max"}
        heater_max = limits.water_heater_max if entity.domain is Domain.WATER_HEATER else None
        if heater_max is not None and temperature > heater_max:
            return {"temperature": _deg(temperature), "limit": _deg(heater_max), "bound": "max"}
        return None

    # --- what a member may see: the model tier's find_entities, the MCP server's lists ---

    def may_act(self, member: Member, entity: Entity, service: str) -> bool:
        """Whether ``service`` on ``entity`` is anything but refused for ``member`` (held counts)."""
        return self.decide(member, entity, service, {}).decision is not Decision.DENY

    def may_use(self, member: Member, entity: Entity) -> bool:
        """Whether ``member`` may see ``entity`` at all (``sees``) and either only reads it (a
        sensor) or may ask for one of its services."""
        if not self.sees(member, entity):
            return False
        services = [name for name, spec in SERVICES.items() if entity.domain in spec.domains]
        return not services or any(self.may_act(member, entity, name) for name in services)

    # --- household data: one table for every channel (policy/household.py) ---

    def may(
        self,
        member: Member,
        kind: str,
        operation: str,
        *,
        owner: str | None = None,
        creator: str | None = None,
        generated: bool = False,
    ) -> bool:
        """Whether ``member`` may do ``operation`` on ``owner``'s ``kind`` data (set up by ``creator``);
        ``generated`` when a program wrote the request (a model tier)."""
        rules = self.household[kind][operation]
        return allowed(rules, member, kind, operation, owner=owner, creator=creator, generated=generated)

    def sees(self, member: Member, entity: Entity) -> bool:
        """Whether ``member`` may see ``entity``'s state (a guest: shared rooms, never security)."""
        shared_only = self._rule(member, "areas") == "shared"
        return sees_entity(member, entity, shared_only=shared_only, shared_areas=self.shared_areas)

    def may_manage_documents(self, member: Member) -> bool:
        """Who may add documents to the library and remove them (``document_managers``: adults, admins)."""
        return member.role in self.spec.document_managers

    def may_read_document(self, reader: Member, readers: str) -> bool:
        """Whether ``reader`` may find a document whose readers are ``readers``.

        ``household``: every member; a member's id: that member only, and admins
        (as with the other private kinds), so nobody else's search ever returns it.
        """
        return readers == "household" or reader.id == readers or reader.role is Role.ADMIN

    def may_remove_document(self, member: Member, readers: str) -> bool:
        """A manager may remove what they may read: a member's own private document stays theirs."""
        return self.may_manage_documents(member) and self.may_read_document(member, readers)

    def order_decision(self, member: Member) -> Decision:
        """What happens when ``member`` orders something: allow, confirm, approval or deny."""
        return self.decision_for(member, "order")


def _household_table(defaults: HouseholdRules, spec: PolicyFile) -> dict[str, dict[str, list[Who]]]:
    """The packaged table with the file's entries on top (and an older file's ``private_kinds``)."""
    table: dict[str, dict[str, list[Who]]] = {}
    for kind, operations in OPERATIONS.items():
        table[kind] = {}
        for operation in operations:
            chosen = spec.household.who(kind, operation) or defaults.who(kind, operation)
            table[kind][operation] = list(chosen or [])
    for kind in spec.private_kinds or ():
        if kind in table:
            table[kind]["read"] = ["self", "creator", "admin"]
    return table


def _deg(value: float) -> str:
    return f"{value:g}"


def parse_policy(text: str, source: str) -> PolicyFile:
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: the policy must be a mapping (roles:, members:, ...)")
    try:
        return PolicyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"{source}: {where}: {first['msg']}") from None


def default_policy_text() -> str:
    return resources.files("homemind.policy").joinpath("default_policy.yaml").read_text("utf-8")


_DEFAULT: PolicyFile | None = None


def _default_spec() -> PolicyFile:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = parse_policy(default_policy_text(), "default_policy.yaml")
    return _DEFAULT
