"""Care for older members: falls, calls for help, inactivity, medication, vitals, escalation.

:class:`Care` is the one door: device signals (from the bus), ``homemind care`` and
``/api/care`` (through :meth:`Care.report` and the incident operations) and the
conversation's care intents all arrive here, and every operation that a person
does takes the :class:`~homemind.policy.Actor` and asks the policy's ``care`` table
once (``House.require``), like every other household operation. Its state is in the
store; :meth:`Care.tick` (run by the server, and by tests on a ``ManualClock``)
drives countdowns, rounds, inactivity checks and medication follow-ups.

This is not a medical device; the README says what it does and does not do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import date
from typing import Any

import httpx

from homemind.care import messages as _messages  # noqa: F401 - registers the texts
from homemind.care.activity import Activity
from homemind.care.incidents import Incidents
from homemind.care.medication import Dose, Medication
from homemind.care.notify import Messenger, both
from homemind.care.outbox import Outbox
from homemind.care.records import Incident, Records
from homemind.care.signals import EVENT_KINDS, Signal, SignalMap, checked_value
from homemind.care.summary import DaySummary, Summaries
from homemind.care.tokens import DeviceTokens
from homemind.care.vitals import Change, Vitals
from homemind.core.events import MEMBER_SPOKE, STATE_CHANGED, Event
from homemind.household import Household, Invalid
from homemind.policy import Actor

log = logging.getLogger(__name__)

TICK_SECONDS = 0.25
AT_REST_AFTER = 600.0  # no movement for this long: a high heart rate is not exercise


class Care:
    def __init__(self, house: Household, client: httpx.AsyncClient | None = None) -> None:
        self.house = house
        self.settings = house.home.care
        self.records = Records(house.store)
        self.outbox = Outbox(house, client)
        self.messenger = Messenger(house, self.outbox)
        self.incidents = Incidents(house, self.records, self.messenger, self.outbox)
        self.activity = Activity(house)
        self.vitals = Vitals(house)
        self.medication = Medication(house, self.messenger)
        self.summaries = Summaries(house, self.activity, self.vitals, self.medication, self.records)
        self.tokens = DeviceTokens(house.store)
        self.signals = SignalMap(house.home)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: list[Any] = []

    # --- listening to the home ---------------------------------------------------------

    def listen(self) -> None:
        """Follow the bus: device state changes, and members saying things (the server does this)."""
        if not self._unsubscribe:
            self._unsubscribe = [
                self.house.bus.subscribe(self._on_state, STATE_CHANGED),
                self.house.bus.subscribe(self._on_spoke, MEMBER_SPOKE),
            ]

    def _on_state(self, event: Event) -> None:
        signal = self.signals.read(event, self.house.clock.now())
        if signal is not None:
            self._spawn(self.receive(signal))

    def _on_spoke(self, event: Event) -> None:
        member = str(event.data.get("member"))
        if member in self.house.home.members:
            area = event.data.get("area")
            self.incidents.spoke(member, self.house.clock.now(), event.data.get("intent"), area)

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:  # a bad signal must not take the bus listener down
                log.exception("care: a signal could not be handled")

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for signals being handled and pushes in flight (tests; before a command exits)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.outbox.settle()

    async def close(self) -> None:
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe = []
        await self.settle()
        await self.outbox.close()

    # --- the one way in ------------------------------------------------------------------

    async def receive(self, signal: Signal) -> Incident | None:
        """Handle one signal, wherever it came from; the incident it opened or joined, if any."""
        if signal.kind == "motion" and signal.area:
            for seen in self.activity.motion(signal.area, signal.at):
                self.incidents.moved(seen, signal.area, signal.at)
            return None
        if signal.kind == "door":
            self.activity.door(signal.at)
            return None
        member = signal.member
        if member is None or member not in self.house.home.members:
            return None
        if signal.key is not None:
            with self.house.store.transaction() as db:
                if self.records.seen(db, signal.key, signal.at):
                    return None  # the same device message again (a reconnect, another process)
        if signal.kind in ("fall", "sos"):
            return await self._alarm(member, signal)
        await self._reading(member, signal)
        return self.records.active_for(member)

    async def _alarm(self, member: str, signal: Signal) -> Incident | None:
        evidence = {"source": signal.source, "entity_id": signal.entity_id, "relation": signal.relation}
        evidence = {k: v for k, v in evidence.items() if v is not None}
        if signal.kind == "fall" and signal.source == "device" and self.vitals.is_worn(member) is False:
            # The watch fell, not she: it was off her wrist. Noted, never an alarm.
            log.info("care: a fall from %s's watch while it was not worn: ignored", member)
            active = self.records.active_for(member)
            if active is not None:
                self.incidents.add_evidence(active, signal.at, "fall_not_worn", **evidence)
            return None
        skip = signal.kind == "sos" or signal.source == "voice"
        return await self.incidents.alarm(
            member, signal.kind, signal.at, area=signal.area, skip_countdown=skip, evidence=evidence
        )

    async def _reading(self, member: str, signal: Signal) -> None:
        cared = self.settings.members.get(member)
        changes: list[Change] = []
        if signal.kind in ("on_body", "off_body"):
            changes = self.vitals.worn(member, signal.kind == "on_body", signal.at)
            active = self.records.active_for(member)
            if active is not None:
                self.incidents.add_evidence(active, signal.at, signal.kind, source=signal.source)
        elif cared is not None and signal.value is not None and signal.kind == "battery":
            changes = self.vitals.battery(cared, signal.value, signal.at)
        elif cared is not None and signal.value is not None:
            at_rest = self._at_rest(member, signal.at)
            changes = self.vitals.reading(cared, signal.kind, signal.value, signal.at, at_rest=at_rest)
        await self._changes(changes, signal.at)

    def _at_rest(self, member: str, at: float) -> bool:
        rows = self.house.store.read("SELECT last_at FROM care_presence WHERE member = ?", (member,))
        last = rows[0]["last_at"] if rows else None
        return last is None or at - float(last) >= AT_REST_AFTER

    async def _changes(self, changes: list[Change], at: float) -> None:
        for change in changes:
            if change.kind in ("spo2", "heart_rate"):
                key = f"{change.member}:{change.kind}:{int(at)}"
                await self.incidents.alarm(
                    change.member,
                    change.kind,
                    at,
                    trigger_key=key,
                    detail=change.detail,
                    evidence=change.detail,
                )
            else:
                self._tell_family(change)

    def _tell_family(self, change: Change) -> None:
        """A device problem or an all-clear: the members among her contacts, not urgent."""
        names = self.messenger.name(change.member)
        if change.kind == "normal":
            metric = both(f"care.metric.{change.detail['metric']}")
            text = both("care.vitals.normal", member=names, metric=metric, value=change.detail["value"])
        else:
            text = both(f"care.device.{change.kind.replace('device_', '')}", member=names, **change.detail)
        family = [c for c in self.messenger.contacts(change.member) if c.member is not None]
        now = self.house.clock.now()
        with self.house.store.transaction() as db:
            notes = [
                self.messenger.tell(
                    db, c, text, source=f"device:{change.kind}:{int(now)}", incident=None, urgent=False,
                    kind=change.kind, member=change.member,
                )
                for c in family
            ]  # fmt: skip
        self.house.notifications.publish_stored(notes)
        self.outbox.deliver_due()

    # --- the clock ----------------------------------------------------------------------------

    async def tick(self) -> None:
        """Everything time moves on: rules, watches, medicine, countdowns, rounds, pushes."""
        now = self.house.clock.now()
        for breach in self.activity.check(now):
            await self.incidents.alarm(
                breach.member,
                breach.kind,
                now,
                area=breach.area,
                trigger_key=breach.key,
                detail=breach.detail,
            )
        for cared in self.settings.members.values():
            await self._changes(self.vitals.check(cared, now), now)
            held = self.vitals.held(cared, now, at_rest=self._at_rest(cared.member, now))
            await self._changes(held, now)
        for dose in self.medication.scan(now):
            await self.medication.ask(dose)
        await self.medication.tick(now)
        await self.incidents.tick()
        self._evening_summaries(now)
        self.outbox.deliver_due()

    def _evening_summaries(self, now: float) -> None:
        """Once a day (``summary_at``), her day to her and to the family among her contacts."""
        when = self.settings.summary_at
        local = self.house.local(now)
        if when is None or local.strftime("%H:%M") < when.zfill(5):
            return
        day = local.date()
        for member, cared in self.settings.members.items():
            key = f"summary:{member}:{day.isoformat()}"
            if self.house.store.read("SELECT 1 FROM care_signals WHERE key = ?", (key,)):
                continue  # sent today (by this process or another)
            summary = self.summaries.day(cared, day)
            text = {language: self.summaries.text(summary, language) for language in ("en", "zh")}
            family = [c for c in self.messenger.contacts(member) if c.member is not None]
            with self.house.store.transaction() as db:
                if self.records.seen(db, key, now):
                    continue
                notes = [
                    self.messenger.tell(
                        db,
                        r,
                        text,
                        source=f"summary:{day}",
                        incident=None,
                        urgent=False,
                        kind="summary",
                        member=member,
                    )
                    for r in [self.messenger.member_recipient(member), *family]
                ]
            self.house.notifications.publish_stored(notes)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Tick until cancelled: soon after each countdown ends, never more than a quarter second late."""
        while stop is None or not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("care tick failed")
            due = self.records.next_due()
            wait = TICK_SECONDS if due is None else min(TICK_SECONDS, max(0.0, due - self.house.clock.now()))
            await asyncio.sleep(wait)

    # --- what people do (each checked by the policy) ----------------------------------------

    async def report(
        self, actor: Actor, member: str, kind: str, value: Any = None, *, source: str = "cli"
    ) -> Incident | None:
        """An event about ``member`` from the CLI or the API: the same path as a device's."""
        if member not in self.house.home.members:
            raise Invalid("member.unknown", name=member)
        number = checked_value(kind, value)
        self.house.require(actor, "care", "report", {"member": member}, subject=f"member.{member}")
        self.house.audit(actor, "care", "report", f"member.{member}", "ok", event=kind, value=number)
        signal = Signal(member, kind, self.house.clock.now(), value=number, area=actor.area, source=source)
        incident = await self.receive(signal)
        return incident

    async def help(self, actor: Actor, kind: str, relation: str | None = None) -> Incident | None:
        """A spoken call for help ("help", "I've fallen", "call my son"): no countdown."""
        now = self.house.clock.now()
        signal = Signal(actor.member.id, kind, now, area=actor.area, source="voice", relation=relation)
        incident = await self.receive(signal)
        if incident is not None and relation:
            await self.incidents.call(incident, relation)
        return incident

    def told(self, incident: Incident) -> list[dict[str, str]]:
        contacts = self.messenger.contacts(incident.member)
        return [c.name for c in contacts[: incident.contact_index + 1]] if incident.round else []

    async def acknowledge(self, actor: Actor, incident_id: int) -> Incident:
        return await self.incidents.acknowledge(actor, incident_id)

    async def resolve(self, actor: Actor, incident_id: int, *, false_alarm: bool = False) -> Incident:
        return await self.incidents.resolve(actor, incident_id, false_alarm=false_alarm)

    async def cancel(self, actor: Actor, incident_id: int) -> Incident:
        return await self.incidents.cancel(actor, incident_id)

    def away(self, actor: Actor, member: str, until: date | None) -> float | None:
        return self.activity.set_away(actor, member, until)

    def took(self, actor: Actor) -> Dose | None:
        return self.medication.took(actor)

    def summary(self, actor: Actor, member: str, day: date | None = None) -> DaySummary:
        cared = self.settings.members.get(member)
        if member not in self.house.home.members:
            raise Invalid("member.unknown", name=member)
        self.house.require(actor, "care", "read", {"member": member}, subject=f"member.{member}")
        if cared is None:
            raise Invalid("care.not_cared", member=self.house.home.members[member])
        if day is not None and not 2000 <= day.year <= 2100:
            raise Invalid("care.bad_date", date=day.isoformat())
        return self.summaries.day(cared, day or self.house.now().date())

    def describe(self, incident: Incident) -> dict[str, Any]:
        """An incident as the CLI's --json and the API show it."""
        iso = self.house.iso
        entries = self.records.timeline(incident.id)
        contacts = self.messenger.contacts(incident.member)
        return {
            "id": incident.id,
            "member": incident.member,
            "name": self.messenger.name(incident.member),
            "kind": incident.kind,
            "severity": incident.severity,
            "state": incident.state,
            "stage": incident.stage,
            "round": incident.round,
            "contact": incident.contact_index,
            "contacts": [c.name for c in contacts],
            "area": incident.area,
            "opened_at": iso(incident.opened_at),
            "next_at": iso(incident.next_at),
            "acknowledged_by": incident.acknowledged_by,
            "acknowledged_name": (
                self.messenger.name(incident.acknowledged_by) if incident.acknowledged_by else None
            ),
            "acknowledged_at": iso(incident.acknowledged_at),
            "closed_by": incident.closed_by,
            "closed_at": iso(incident.closed_at),
            "false_alarm": incident.false_alarm,
            "text": self.incidents.alert_text(incident),
            "evidence": [
                {"at": iso(e.at), "kind": e.kind, **e.detail} for e in entries if e.type == "evidence"
            ],
            "timeline": [{"at": iso(e.at), "kind": e.kind, **e.detail} for e in entries if e.type == "step"],
            "deliveries": self.outbox.status(incident.id),
        }


__all__ = ["EVENT_KINDS", "Care", "DaySummary", "Incident", "Signal"]
