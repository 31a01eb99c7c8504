"""What every household operation shares: the home, the store, the clock, the policy, the audit.

:meth:`House.require` is the one place a household operation asks the policy
whether this member may do it; a refusal is audited and raised as
:class:`NotAllowed`, so no channel can forget the check or word it differently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from homemind.core import i18n
from homemind.core.events import Event, EventBus
from homemind.core.model import Home, Member
from homemind.household.clock import Clock
from homemind.household.errors import Invalid, NotAllowed
from homemind.policy import Actor, Executor, Policy
from homemind.store import Store

HOUSEHOLD_CHANGED = "household_changed"

i18n.register(
    {
        "member.unknown": {
            "en": "There is nobody called {name} in this home.",
            "zh": "家里没有叫{name}的人。",
        },
        "household.denied": {"en": "Sorry, {member} may not {action}.", "zh": "抱歉，{member}不能{action}。"},
        "household.denied_whose": {
            "en": "Sorry, {member} may not {action}: it is {owner}'s.",
            "zh": "抱歉，{member}不能{action}：那是{owner}的。",
        },
    }
)
# What each operation is, said in a refusal ("Sorry, Lily may not switch automations.").
i18n.register(
    {
        f"household.action.{key}": {"en": en, "zh": zh}
        for key, en, zh in (
            ("lists.read", "read the lists", "查看清单"),
            ("lists.add", "add to the lists", "往清单里加东西"),
            ("lists.complete", "check off list items", "勾掉清单上的东西"),
            ("lists.remove", "remove that item", "删掉这一项"),
            ("lists.create", "create lists", "新建清单"),
            ("lists.clear", "clear a list", "清空清单"),
            ("timers.read", "see that timer", "查看这个计时器"),
            ("timers.start", "start timers", "设计时器"),
            ("timers.change", "change that timer", "改动这个计时器"),
            ("alarms.read", "see that alarm", "查看这个闹钟"),
            ("alarms.set", "set alarms", "设闹钟"),
            ("alarms.change", "change that alarm", "改动这个闹钟"),
            ("reminders.read", "see that reminder", "查看这个提醒"),
            ("reminders.set", "set reminders", "设提醒"),
            ("reminders.change", "change that reminder", "改动这个提醒"),
            ("calendar.read", "see that event", "查看这个日程"),
            ("calendar.add", "add to the calendar", "往日历里加日程"),
            ("calendar.change", "change that event", "改动这个日程"),
            ("orders.read", "see that order", "查看这个订单"),
            ("orders.approve", "approve orders", "批准订单"),
            ("notifications.read", "read those notifications", "查看这些通知"),
            ("notifications.broadcast", "set up messages to everyone", "设置通知全家的消息"),
            ("automations.read", "see the automations", "查看自动化"),
            ("automations.switch", "switch automations on or off", "开关自动化"),
            ("automations.create", "create automations", "创建自动化"),
            ("automations.remove", "remove that automation", "删除这个自动化"),
        )
    }
)


class House:
    """The household's shared services; the operations (lists, timers, ...) build on it."""

    def __init__(self, executor: Executor, bus: EventBus, clock: Clock) -> None:
        self.executor = executor
        self.bus = bus
        self.clock = clock

    @property
    def home(self) -> Home:
        return self.executor.home

    @property
    def store(self) -> Store:
        return self.executor.store

    @property
    def policy(self) -> Policy:
        return self.executor.policy

    # --- the one check ------------------------------------------------------------

    def may(self, actor: Actor, kind: str, operation: str, row: dict[str, Any] | None = None) -> bool:
        """Whether ``actor`` may do ``operation`` on ``row`` (its ``member`` and ``created_by``)."""
        owner, creator = _owner_and_creator(row)
        return self.policy.may(
            actor.member, kind, operation, owner=owner, creator=creator, generated=actor.generated
        )

    def require(
        self, actor: Actor, kind: str, operation: str, row: dict[str, Any] | None = None, subject: str = ""
    ) -> None:
        """Raise :class:`NotAllowed` (audited) unless ``actor`` may do this."""
        if self.may(actor, kind, operation, row):
            return
        owner, _ = _owner_and_creator(row)
        self.audit(actor, kind, operation, subject or kind, "refused", decision="deny")
        action = f"household.action.{kind}.{operation}"
        whose = self.home.members.get(owner) if owner and owner != actor.member.id else None
        if whose is not None:
            raise NotAllowed(
                "household.denied_whose", member=actor.member, action=i18n.Message(action), owner=whose
            )
        raise NotAllowed("household.denied", member=actor.member, action=i18n.Message(action))

    def readable(self, actor: Actor, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows of ``kind`` this actor may read."""
        return [row for row in rows if self.may(actor, kind, "read", row)]

    # --- the audit ----------------------------------------------------------------

    def audit(self, actor: Actor, kind: str, operation: str, subject: str, result: str, **data: Any) -> None:
        """One audit entry for a household change, in the same log as device actions.

        "Who cancelled that timer, who switched that automation, who approved that
        order" is then answered in one place, refusals included.
        """
        decision = data.pop("decision", "allow")
        if result == "ok":
            # Pages showing household data re-read at once; the event says only what kind changed.
            self.bus.publish(Event(HOUSEHOLD_CHANGED, {"kind": kind}))
        self.store.log_action(
            {
                "time": datetime.fromtimestamp(self.clock.now(), UTC).isoformat(timespec="milliseconds"),
                "member": actor.member.id,
                "channel": actor.channel + (":generated" if actor.generated else ""),
                "conversation_id": actor.conversation_id,
                "text": actor.text,
                "intent": actor.intent,
                "entity_id": subject,
                "service": f"{kind}.{operation}",
                "data": data,
                "action_class": "order" if kind == "orders" else kind,
                "decision": decision,
                "result": result,
            }
        )

    # --- time ---------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.home.timezone)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), self.tz)

    def local(self, epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, self.tz)

    def iso(self, epoch: float | None) -> str | None:
        """ISO 8601 with the home's offset, as the state dump promises."""
        return None if epoch is None else self.local(epoch).isoformat(timespec="seconds")

    def describe_time(self, epoch: float) -> str:
        return self.local(epoch).strftime("%H:%M")

    # --- members ------------------------------------------------------------------

    def member(self, words: str | None, default: Member) -> Member:
        """ "me" / "我" / nothing -> the speaker; "grandma" / "奶奶" -> that member, by any of her names."""
        if not words or words.strip().casefold() in ("me", "myself", "i", "我", "我自己", "自己"):
            return default
        wanted = words.strip().casefold().removeprefix("my ").removeprefix("the ")
        for member in self.home.members.values():
            names = [n.casefold() for lang in ("en", "zh") for n in member.names.all_for(lang)]
            if wanted in names or member.id == wanted:
                return member
        raise Invalid("member.unknown", name=words.strip())

    def language_of(self, member_id: str) -> str:
        member = self.home.members.get(member_id)
        return member.language if member else self.home.language


def _owner_and_creator(row: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if row is None:
        return None, None
    owner = row.get("member", row.get("requested_by"))
    creator = row.get("created_by", row.get("added_by"))
    return (str(owner) if owner is not None else None), (str(creator) if creator is not None else None)
