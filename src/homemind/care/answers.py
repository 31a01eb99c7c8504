"""People answering an incident (on my way, resolved, her own false alarm), reading incidents,
and what every incident step shares: telling people, and telling the rest of the hub.

Every operation takes the :class:`~homemind.policy.Actor` and asks the policy's ``care``
table once (``House.require``); an incident a member may not read does not exist for
them (404), one they may read but not answer is refused (403, audited).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homemind.care.notify import Messenger, Recipient, both, names_of
from homemind.care.outbox import Outbox
from homemind.care.records import Incident, Records
from homemind.core.events import Event
from homemind.household import HOUSEHOLD_CHANGED, Conflict, NotFound
from homemind.policy import Actor

if TYPE_CHECKING:
    from homemind.household import Household

URGENT = "urgent"
NONE_TEXT = {"en": "", "zh": ""}


class Answering:
    def __init__(self, house: Household, records: Records, messenger: Messenger, outbox: Outbox) -> None:
        self.house = house
        self.records = records
        self.messenger = messenger
        self.outbox = outbox
        self.settings = house.home.care

    def _tell(
        self,
        db: Any,
        to: Recipient,
        text: dict[str, str],
        source: str,
        incident: Incident,
        urgent: bool = True,
    ) -> int | None:
        return self.messenger.tell(
            db,
            to,
            text,
            source=source,
            incident=incident.id,
            urgent=urgent,
            kind=incident.kind,
            member=incident.member,
        )

    # --- people answering: acknowledge, resolve, cancel ---------------------------------------

    def target(self, actor: Actor, incident_id: int, operation: str) -> Incident:
        """The incident, if this member may see it and do ``operation`` to it (else 404 / 403)."""
        incident = self.records.get(incident_id)
        if incident is None or not self.house.may(actor, "care", "read", {"member": incident.member}):
            raise NotFound("care.no_such")
        self.house.require(
            actor, "care", operation, {"member": incident.member}, subject=f"incident.{incident.id}"
        )
        if not incident.active:
            raise Conflict("care.closed", id=incident.id)
        return incident

    async def acknowledge(self, actor: Actor, incident_id: int) -> Incident:
        incident = self.target(actor, incident_id, "acknowledge")
        now = self.house.clock.now()
        who = names_of(actor.member)
        text = both("care.on_the_way", who=who, member=self.messenger.name(incident.member))
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE care_incidents SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?,"
                " next_at = NULL, updated_at = ? WHERE id = ? AND state = 'open'",
                (actor.member.id, now, now, incident.id),
            )
            Records.note(
                db, incident.id, now, "step", "acknowledged", by=actor.member.id, channel=actor.channel
            )
            notes = self._tell_told(db, incident, text, "ack", skip=actor.member.id, include_member=True)
        return await self._answered(actor, incident, "acknowledge", notes, text)

    async def resolve(self, actor: Actor, incident_id: int, *, false_alarm: bool = False) -> Incident:
        incident = self.target(actor, incident_id, "resolve")
        return await self._close(actor, incident, "resolved", "resolve", false_alarm)

    async def cancel(self, actor: Actor, incident_id: int) -> Incident:
        """Her own false alarm ("I'm OK"): only she may, never a child, never a program."""
        incident = self.target(actor, incident_id, "cancel")
        return await self._close(actor, incident, "cancelled", "cancel", True)

    async def _close(
        self, actor: Actor, incident: Incident, state: str, operation: str, false_alarm: bool
    ) -> Incident:
        now = self.house.clock.now()
        names = self.messenger.name(incident.member)
        if state == "cancelled":
            text = both("care.cancelled", member=names)
        else:
            text = both("care.resolved", who=names_of(actor.member), member=names)
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE care_incidents SET state = ?, stage = 'closed', next_at = NULL, closed_by = ?,"
                " closed_at = ?, false_alarm = ?, updated_at = ? WHERE id = ?",
                (state, actor.member.id, now, int(false_alarm), now, incident.id),
            )
            Records.note(db, incident.id, now, "step", state, by=actor.member.id, false_alarm=false_alarm)
            notes = self._tell_told(db, incident, text, state, skip=actor.member.id, include_member=False)
        return await self._answered(actor, incident, operation, notes, None)

    async def _answered(
        self,
        actor: Actor,
        incident: Incident,
        operation: str,
        notes: list[int | None],
        say: dict[str, str] | None,
    ) -> Incident:
        self.house.audit(actor, "care", operation, f"incident.{incident.id}", "ok", member=incident.member)
        self._published(notes)
        if say is not None and actor.member.id != incident.member:
            await self.messenger.say(incident.member, incident.area, say)
        self.outbox.deliver_due()
        found = self.records.get(incident.id)
        assert found is not None
        return found

    def _tell_told(
        self, db: Any, incident: Incident, text: dict[str, str], what: str, *, skip: str, include_member: bool
    ) -> list[int | None]:
        """Everyone told about the incident so far (and, if asked, the member) hears how it ended."""
        told = (
            self.messenger.contacts(incident.member)[: incident.contact_index + 1] if incident.round else []
        )
        if include_member:
            told.append(self.messenger.member_recipient(incident.member))
        return [
            self._tell(db, r, text, f"{incident.id}:{what}", incident, urgent=False)
            for r in told
            if r.member != skip
        ]

    # --- reading --------------------------------------------------------------------------

    def visible(self, actor: Actor, *, active_only: bool = False, limit: int = 50) -> list[Incident]:
        rows = self.records.all_active() if active_only else self.records.recent(limit)
        return [i for i in rows if self.house.may(actor, "care", "read", {"member": i.member})]

    def get(self, actor: Actor, incident_id: int) -> Incident:
        incident = self.records.get(incident_id)
        if incident is None or not self.house.may(actor, "care", "read", {"member": incident.member}):
            raise NotFound("care.no_such")
        return incident

    def latest_answerable(self, actor: Actor) -> Incident | None:
        """The incident "I'm on my way" is about: the newest this member may see, an open one
        before one somebody is already on the way to."""
        visible = [
            i
            for i in self.records.all_active()
            if self.house.may(actor, "care", "read", {"member": i.member})
        ]
        visible.sort(key=lambda i: (i.state == "open", i.id))
        return visible[-1] if visible else None

    def alert_text(self, incident: Incident) -> dict[str, str]:
        area = self.house.home.areas.get(incident.area or "")
        where = both("care.where", area=dict(area.names.name)) if area else NONE_TEXT
        params = {
            "member": self.messenger.name(incident.member),
            "where": where,
            "time": self.house.describe_time(incident.opened_at),
            **incident.detail,
        }
        return both(f"care.alert.{incident.kind}", **params)

    # --- telling the rest of the hub ----------------------------------------------------------

    def _note(self, incident_id: int, type_: str, kind: str, **detail: Any) -> None:
        with self.house.store.transaction() as db:
            Records.note(db, incident_id, self.house.clock.now(), type_, kind, **detail)

    def _published(self, notes: list[int | None]) -> None:
        self.house.notifications.publish_stored(notes)
        self._changed()

    def _changed(self) -> None:
        self.house.bus.publish(Event(HOUSEHOLD_CHANGED, {"kind": "care"}))


def labels(recipients: list[Recipient]) -> list[str]:
    return [r.member or r.name.get("en", "") for r in recipients]
