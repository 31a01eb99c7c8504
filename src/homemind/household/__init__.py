"""The household: every operation on household data, for every channel, checked once by the policy.

Lists, timers, alarms, reminders, the calendar, orders and approvals, automations
and notifications are reached through a :class:`Household` and nothing else: the
conversation's skills, the CLI and the HTTP API all call the same operations,
each taking the :class:`~homemind.policy.Actor` who asks, asking the policy's
household table once (``House.require``), auditing what changed, and returning
typed results or raising a :class:`HouseholdError` the channel renders in the
reader's language.
"""

from __future__ import annotations

from typing import Any

from homemind.core.events import EventBus
from homemind.core.states import StateRegistry
from homemind.household.alarms import Alarms, Reminders
from homemind.household.automations import Automations
from homemind.household.calendar import Calendar
from homemind.household.clock import Clock, ManualClock, SystemClock
from homemind.household.errors import Ambiguous, Conflict, HouseholdError, Invalid, NotAllowed, NotFound
from homemind.household.house import HOUSEHOLD_CHANGED, House
from homemind.household.lists import Lists
from homemind.household.notifications import NOTIFICATION, Notifications
from homemind.household.orders import Orders
from homemind.household.scheduler import Scheduler
from homemind.household.text import MAX_ITEM_CHARS, clean_item
from homemind.household.timers import Timers
from homemind.policy import Actor, Executor


class Household(House):
    """The household's data and its rules, for one hub."""

    def __init__(self, executor: Executor, bus: EventBus, clock: Clock, states: StateRegistry) -> None:
        super().__init__(executor, bus, clock)
        self.notifications = Notifications(self)
        self.lists = Lists(self)
        self.timers = Timers(self)
        self.alarms = Alarms(self)
        self.reminders = Reminders(self)
        self.calendar = Calendar(self)
        self.orders = Orders(self, self.notifications)
        self.automations = Automations(self, states)
        self.scheduler = Scheduler(self, self.notifications, self.automations.tick)

    def dump(self, actor: Actor) -> dict[str, Any]:
        """Everything this member may read: lists, timers, alarms, reminders, events, orders."""
        return {
            "lists": self.lists.dump(actor),
            "timers": self.timers.dump(actor),
            "alarms": self.alarms.dump(actor),
            "reminders": self.reminders.dump(actor),
            "events": self.calendar.dump(actor),
            "orders": self.orders.dump(actor),
        }


__all__ = [
    "HOUSEHOLD_CHANGED",
    "MAX_ITEM_CHARS",
    "NOTIFICATION",
    "Ambiguous",
    "Clock",
    "Conflict",
    "Household",
    "HouseholdError",
    "Invalid",
    "ManualClock",
    "NotAllowed",
    "NotFound",
    "SystemClock",
    "clean_item",
]
