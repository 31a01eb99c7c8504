"""Who may read or change whose household data: the policy file's ``household:`` section.

One table, kind -> operation -> who, decides every operation on lists, timers,
alarms, reminders, the calendar, orders, notifications and automations, from
every channel: the conversation, the CLI and the API all reach household data
through ``homemind.household``, which asks :meth:`Policy.may` once per operation.
Before this table the rule existed twice (the API's and the skills'), and the two
copies disagreed.

"Who" is a list of:
- ``self``: the member the data belongs to (whose timer, whose reminder, whose order);
- ``creator``: the member who set it up, for someone else (a reminder for grandma);
- a role: ``admin``, ``adult``, ``elder``, ``child``, ``guest``.

Three rules are code, not configuration, like the unsafe direction for devices: a
child or a guest never switches an automation (an automation acts for the whole
home) nor answers or closes a care incident, a guest never reads anybody's private
data (reminders, calendar, notifications, orders, care) but their own, and text a
program wrote (a model tier) never acknowledges, resolves or cancels an incident.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from homemind.core.model import Domain, Entity, Member, Role

Who = Literal["self", "creator", "admin", "adult", "elder", "child", "guest"]

# Every kind of household data and the operations on it; the policy file may name no others.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "lists": ("read", "add", "complete", "remove", "create", "clear"),
    "timers": ("read", "start", "change"),
    "alarms": ("read", "set", "change"),
    "reminders": ("read", "set", "change"),
    "calendar": ("read", "add", "change"),
    "orders": ("read", "approve"),
    "notifications": ("read", "broadcast"),  # broadcast: an automation that tells everyone
    "automations": ("read", "switch", "create", "remove"),
    # homemind.care: incidents about a member (a fall, a call for help, a quiet morning).
    "care": ("read", "report", "acknowledge", "resolve", "cancel", "away"),
}
# Data a guest never reads unless it is their own, whatever the file says.
PRIVATE_TO_GUESTS = frozenset({"reminders", "calendar", "notifications", "orders", "alarms", "care"})
# Operations no child or guest is ever given.
NEVER_FOR_CHILDREN = frozenset(
    {
        ("automations", "switch"),
        ("automations", "remove"),
        ("orders", "approve"),
        # A child is told that grandma needs help; answering for the family is an adult's job.
        ("care", "acknowledge"),
        ("care", "resolve"),
        ("care", "cancel"),
    }
)
# Operations text a program wrote (a model tier) may never do, whoever it speaks for: an
# incident is closed or answered by a person.
NEVER_GENERATED = frozenset({("care", "acknowledge"), ("care", "resolve"), ("care", "cancel")})
# What a member restricted to the shared rooms never sees, even there: the home's security.
SECURITY_DOMAINS = frozenset({Domain.LOCK, Domain.ALARM_CONTROL_PANEL})


class HouseholdRules(BaseModel):
    """kind -> operation -> who; kinds and operations the file leaves out keep the defaults."""

    model_config = ConfigDict(extra="forbid")
    lists: dict[str, list[Who]] = Field(default_factory=dict)
    timers: dict[str, list[Who]] = Field(default_factory=dict)
    alarms: dict[str, list[Who]] = Field(default_factory=dict)
    reminders: dict[str, list[Who]] = Field(default_factory=dict)
    calendar: dict[str, list[Who]] = Field(default_factory=dict)
    orders: dict[str, list[Who]] = Field(default_factory=dict)
    notifications: dict[str, list[Who]] = Field(default_factory=dict)
    automations: dict[str, list[Who]] = Field(default_factory=dict)
    care: dict[str, list[Who]] = Field(default_factory=dict)

    @field_validator(*OPERATIONS)
    @classmethod
    def _known_operations(cls, value: dict[str, list[Who]], info: ValidationInfo) -> dict[str, list[Who]]:
        kind = info.field_name or ""
        unknown = sorted(set(value) - set(OPERATIONS.get(kind, ())))
        if unknown:
            known = ", ".join(OPERATIONS.get(kind, ()))
            raise ValueError(f"unknown operation {unknown[0]!r} (known: {known})")
        for operation, who in value.items():
            if (kind, operation) in NEVER_FOR_CHILDREN and {"child", "guest"} & set(who):
                raise ValueError(f"{kind}.{operation} can never be given to a child or a guest")
        return value

    def who(self, kind: str, operation: str) -> list[Who] | None:
        rules: dict[str, list[Who]] = getattr(self, kind)
        return rules.get(operation)


def allowed(
    rules: list[Who],
    member: Member,
    kind: str,
    operation: str,
    *,
    owner: str | None = None,
    creator: str | None = None,
    generated: bool = False,
) -> bool:
    """Whether ``member`` may do ``operation`` on ``kind`` data of ``owner`` (set up by ``creator``);
    ``generated``: the request is text a program wrote for them."""
    if (kind, operation) in NEVER_FOR_CHILDREN and member.role in (Role.CHILD, Role.GUEST):
        return False
    if generated and (kind, operation) in NEVER_GENERATED:
        return False
    if owner is not None and owner == member.id and "self" in rules:
        return True
    if creator is not None and creator == member.id and "creator" in rules:
        return True
    if member.role is Role.GUEST and kind in PRIVATE_TO_GUESTS and owner is not None:
        return False  # someone else's private data (their own was answered above)
    return member.role.value in rules


def sees_entity(member: Member, entity: Entity, *, shared_only: bool, shared_areas: frozenset[str]) -> bool:
    """Whether a member may see a device's state (the API, the event stream, questions).

    A member restricted to the shared rooms (a guest) sees the devices there and nothing
    of the home's security: no lock, no alarm panel, no garage door or gate, anywhere.
    """
    if not shared_only:
        return True
    if entity.domain in SECURITY_DOMAINS:
        return False
    if entity.domain is Domain.COVER and entity.device_class in ("garage", "door", "gate"):
        return False
    return entity.area is not None and entity.area in shared_areas
