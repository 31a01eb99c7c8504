"""A hub on a manual clock for care's scenario tests: the real pipeline, store and policy.

Time moves only when a test says so; each step ticks the scheduler and care as the
server's loops would, so a countdown ends, a round goes out and a reminder fires
exactly when the clock passes them, without sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homemind.app import Hub, demo_home_text
from homemind.care.records import Incident
from homemind.conversation import ConversationResult
from homemind.household import ManualClock

TZ = ZoneInfo("Asia/Shanghai")
MOTION = {
    "grandma_room": "binary_sensor.grandma_room_sensor_occupancy",
    "bathroom": "binary_sensor.bathroom_sensor_occupancy",
    "living_room": "binary_sensor.living_room_motion",
    "kitchen": "binary_sensor.kitchen_motion",
}
DEMO_CONTACTS = """      contacts:
        - {member: bo, relation: son}
        - {member: alice, relation: daughter_in_law}
"""


def at(day: int, hour: int, minute: int = 0) -> float:
    """An instant in March 2026 in the demo home's time zone (2 March is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ).timestamp()


def care_home(contacts: str = DEMO_CONTACTS, extra: str = "") -> str:
    """The demo home with other contacts, and more in the care section (phones, emergency)."""
    text = demo_home_text()
    assert DEMO_CONTACTS in text
    text = text.replace(DEMO_CONTACTS, contacts)
    return text.replace(
        "  doors: [binary_sensor.front_door_contact]\n",
        extra + "  doors: [binary_sensor.front_door_contact]\n",
    )


class CareHub:
    def __init__(self, data: Path, start: float | None = None, home: str | None = None) -> None:
        self.data = data
        if home is not None:
            (data / "home.yaml").write_text(home, encoding="utf-8")
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(start if start is not None else at(2, 10))
        self.hub = self._open()

    def _open(self) -> Hub:
        hub = Hub.open(self.data, clock=self.clock)
        self.loop.run_until_complete(hub.start())
        hub.care.listen()
        return hub

    def restart(self) -> None:
        """Stop the hub and open a new one on the same data dir (and clock): a restart."""
        self.run(self.hub.stop())
        self.hub = self._open()

    def close(self) -> None:
        self.run(self.hub.stop())
        self.loop.close()

    def run(self, work: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(work)

    # --- saying and sensing ---------------------------------------------------------------

    def ask(self, text: str, member: str, area: str | None = None) -> ConversationResult:
        actor = self.hub.actor(member, "test")
        if area is not None:
            from dataclasses import replace

            actor = replace(actor, area=area)
        result = self.run(self.hub.conversation.process(text, actor))
        self.run(self.hub.care.settle())
        return result

    def event(self, member: str, kind: str, value: Any = None, actor: str | None = None) -> Incident | None:
        incident = self.run(self.hub.care.report(self.hub.actor(actor), member, kind, value))
        self.run(self.hub.care.settle())
        return incident

    def sense(self, entity_id: str, state: str, **attributes: Any) -> None:
        """A device reports a new state (what the MQTT backend does with a message)."""

        async def report() -> None:
            self.hub.states.set(entity_id, state, attributes)
            await self.hub.care.settle()

        self.run(report())

    def motion(self, area: str) -> None:
        self.sense(MOTION[area], "on")
        self.sense(MOTION[area], "off")

    def watch(self, event_type: str) -> None:
        stamp = datetime.fromtimestamp(self.clock.now(), TZ).isoformat(timespec="milliseconds")
        self.sense("event.nainai_watch_alert", stamp, event_type=event_type)

    # --- time --------------------------------------------------------------------------

    def tick(self) -> None:
        async def both() -> None:
            await self.hub.scheduler.tick()
            await self.hub.care.tick()
            await self.hub.care.settle()

        self.run(both())

    def advance(self, seconds: float, step: float = 10.0) -> None:
        end = self.clock.now() + seconds
        while self.clock.now() < end:
            self.clock.t = min(end, self.clock.now() + step)
            self.tick()

    def busy(self, seconds: float, step: float = 60.0, area: str = "kitchen") -> None:
        """Time passes with her moving about (every half hour), so she is not quiet for too long."""
        end = self.clock.now() + seconds
        while self.clock.now() < end:
            self.motion(area)
            self.advance(min(1800.0, end - self.clock.now()), step)

    def busy_until(self, instant: float, step: float = 60.0) -> None:
        self.busy(instant - self.clock.now(), step)

    def until(self, instant: float, step: float = 60.0) -> None:
        self.advance(instant - self.clock.now(), step)

    # --- looking ---------------------------------------------------------------------------

    def incident(self, member: str = "nainai") -> Incident | None:
        return self.hub.care.records.active_for(member)

    def last(self, member: str = "nainai") -> Incident:
        found = self.hub.care.records.recent(1, member)
        assert found, f"no incident about {member}"
        return found[0]

    def notes(self, member: str) -> list[str]:
        """The care notifications a member has had, oldest first, in their language."""
        actor = self.hub.actor(member)
        found = self.hub.household.notifications.for_member(actor, member, limit=500)
        return [n.text for n in reversed(found) if n.kind == "care"]

    def said(self, entity_id: str) -> list[str]:
        """What the hub said on a speaker or showed on the watch (from the audit log)."""
        entries = self.hub.store.actions(None)
        return [
            e["data"]["message"]
            for e in reversed(entries)
            if e["entity_id"] == entity_id and e["service"] == "send_message" and e["result"] == "ok"
        ]


def monday_morning(data: Path) -> CareHub:
    """Monday 10:00, Grandma up since a few minutes ago (seen in the kitchen)."""
    driver = CareHub(data, start=at(2, 9, 55))
    driver.motion("kitchen")
    driver.clock.t = at(2, 10)
    return driver
