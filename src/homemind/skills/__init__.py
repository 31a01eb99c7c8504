"""Household skills: one module per domain, each registering its intent handlers."""

from homemind.skills import (
    alarms,
    automation_talk,
    calendar,
    devices,
    energy,
    lists,
    orders,
    percent,
    queries,
    routines,
    spending,
    timers,
    weather,
)
from homemind.skills.acting import act
from homemind.skills.base import (
    HandlerRegistry,
    IntentHandler,
    IntentRequest,
    Pending,
    PlannedCall,
    Reply,
    SlotSpec,
    Status,
)


def default_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    for module in (
        devices,
        percent,
        queries,
        timers,
        alarms,
        calendar,
        lists,
        routines,
        orders,
        spending,
        weather,
        energy,
        automation_talk,
    ):
        module.register(registry)
    return registry


__all__ = [
    "HandlerRegistry",
    "IntentHandler",
    "IntentRequest",
    "Pending",
    "PlannedCall",
    "Reply",
    "SlotSpec",
    "Status",
    "act",
    "default_registry",
]
