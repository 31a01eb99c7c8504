"""Incidents: one per member at a time, gathering every signal about her, asking her first, then
escalating through her contacts until someone answers.

The stages, as rows in the store (see records.py):

``asking``      she is asked on her room's speakers and her watch; "I'm OK" within the
                countdown cancels it (a false alarm); movement or speech after a fall
                downgrades it to a ``check``. A call for help skips this stage.
``escalating``  every ``repeat`` seconds a round: contact 1 first, the next contact added
                after ``rounds`` unanswered rounds, everyone told so far reminded; on the
                first round the children are told to fetch an adult and she hears that
                help is coming.
``emergency``   every contact had its rounds unanswered and the home file opts in:
                emergency services are told, once; the rounds go on.
``informed``    a downgraded fall: the first contact is told once, with no repeats.

Acknowledging ("I'm on my way") stops the rounds; resolving or her own cancelling
closes the incident. Each step is one transaction that moves the row and writes its
notifications and pushes, so a restart resumes the same incident at the same stage.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from homemind.care.answers import NONE_TEXT, URGENT, Answering, labels
from homemind.care.notify import Recipient, both, joined
from homemind.care.records import ACTIVE, Incident, Records
from homemind.core.caremodel import CaredMember

log = logging.getLogger(__name__)

CHECK = "check"
# An acknowledged incident, or a check the family was asked to make, takes in new signals for
# this long after its last step; after that a new trigger is an incident of its own.
MERGE_SECONDS = 1800.0
# Intents that are themselves about an incident: saying them is not "she is up and talking".
CARE_INTENTS = frozenset({"HomemindCareHelp", "HomemindCareOk", "HomemindCareOnMyWay"})
_NOBODY = CaredMember("", ())


class Incidents(Answering):
    """Opening incidents, their evidence, and the clock that moves them on."""

    # --- opening an incident, and evidence for it -------------------------------------------

    async def alarm(
        self,
        member: str,
        kind: str,
        at: float,
        *,
        area: str | None = None,
        skip_countdown: bool = False,
        trigger_key: str | None = None,
        detail: dict[str, Any] | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> Incident | None:
        """Open an incident about ``member`` (or add to the one already open); None if this
        trigger was handled before (the same quiet morning, the same replayed message)."""
        if trigger_key is not None:
            with self.house.store.transaction() as db:
                if self.records.seen(db, f"trigger:{trigger_key}", at):
                    return None
        active = self.records.active_for(member)
        settled = active is not None and (active.state == "acknowledged" or active.stage == "informed")
        if active is not None and settled and at - active.updated_at > MERGE_SECONDS:
            self._supersede(active, at)  # left open and forgotten: this is news of its own
            active = None
        if active is not None:
            return await self._join(active, kind, at, skip_countdown, evidence or {})
        area = area or self.last_seen(member, at)
        asking = both("care.ask")
        with self.house.store.transaction() as db:
            incident_id = Records.insert(
                db,
                member=member,
                kind=kind,
                severity=URGENT,
                state="open",
                stage="asking",
                next_at=at if skip_countdown else at + self.settings.countdown,
                area=area,
                opened_at=at,
                updated_at=at,
                trigger_key=trigger_key,
                detail=json.dumps(detail or {}, ensure_ascii=False),
            )
            if not incident_id:
                return None
            Records.note(db, incident_id, at, "evidence", kind, **(evidence or {}))
            seen = self._last_motion(member, at)
            if seen is not None:
                Records.note(db, incident_id, seen[1], "evidence", "last_seen", area=seen[0])
            notes = []
            if not skip_countdown:
                Records.note(db, incident_id, at, "step", "asked", countdown=self.settings.countdown)
                recipient = self.messenger.member_recipient(member)
                notes.append(
                    self.messenger.tell(
                        db, recipient, asking, source=f"{incident_id}:ask", incident=incident_id
                    )
                )
        self._published(notes)
        if not skip_countdown:
            reached = await self.messenger.say(member, area, asking)
            self._note(incident_id, "step", "prompted", devices=reached)
        await self.tick()
        return self.records.get(incident_id)

    async def _join(
        self, active: Incident, kind: str, at: float, skip_countdown: bool, evidence: dict[str, Any]
    ) -> Incident | None:
        """A new trigger while an incident is open: its evidence, and never a quieter incident.

        Someone on the way hears of it at once; a fall that had been downgraded to a check,
        or one still in its countdown when a call for help comes, is urgent again.
        """
        self.add_evidence(active, at, kind, **evidence)
        if active.state == "acknowledged":
            self._again(active, at)
        elif active.stage == "informed" or (skip_countdown and active.stage == "asking"):
            due = at if skip_countdown else at + self.settings.countdown
            with self.house.store.transaction() as db:
                if Records.claim(db, active, severity=URGENT, stage="asking", next_at=due, updated_at=at):
                    Records.note(db, active.id, at, "step", "upgraded", because=kind)
            await self.tick()
        return self.records.get(active.id)

    def _supersede(self, incident: Incident, at: float) -> None:
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE care_incidents SET state = 'resolved', stage = 'closed', next_at = NULL,"
                " closed_by = 'care', closed_at = ?, updated_at = ? WHERE id = ?",
                (at, at, incident.id),
            )
            Records.note(db, incident.id, at, "step", "superseded")
        self._changed()

    def add_evidence(self, incident: Incident, at: float, kind: str, **detail: Any) -> None:
        with self.house.store.transaction() as db:
            Records.note(db, incident.id, at, "evidence", kind, **detail)
        self._changed()

    def moved(self, member: str, area: str, at: float) -> None:
        """Motion in one of her rooms: evidence, and after a fall it means she got up."""
        incident = self.records.active_for(member)
        if incident is None:
            return
        last = [e for e in self.records.timeline(incident.id) if e.kind in ("motion", "last_seen")]
        if last and last[-1].detail.get("area") == area:
            return  # the same room again adds nothing
        self._downgrade(incident, at, "motion", area=area, moved=area != incident.area)

    def spoke(self, member: str, at: float, intent: str | None, area: str | None) -> None:
        """She said something the hub understood: she is conscious."""
        incident = self.records.active_for(member)
        if incident is None or intent in CARE_INTENTS:
            return
        self._downgrade(incident, at, "speech", area=area, intent=intent, moved=True)

    def _downgrade(self, incident: Incident, at: float, kind: str, *, moved: bool, **detail: Any) -> None:
        after_fall = incident.stage == "asking" and incident.kind == "fall" and incident.severity == URGENT
        with self.house.store.transaction() as db:
            Records.note(db, incident.id, at, "evidence", kind, **detail)
            if moved and after_fall and Records.claim(db, incident, severity=CHECK, updated_at=at):
                Records.note(db, incident.id, at, "step", "downgraded", because=kind)
        self._changed()

    # --- the clock: countdowns and rounds ------------------------------------------------------

    async def tick(self) -> list[int]:
        """Take every incident whose next step is due; returns the ids that moved."""
        now = self.house.clock.now()
        moved = []
        for incident in self.records.due(now):
            try:
                if await self._step(incident, now):
                    moved.append(incident.id)
            except Exception:  # one incident's failure must not stop the others' rounds
                log.exception("care: incident %s could not move on", incident.id)
        return moved

    async def _step(self, incident: Incident, now: float) -> bool:
        if incident.stage == "asking" and incident.severity == CHECK:
            return self._inform(incident, now)
        if incident.stage == "informed":
            return False
        settings = self.settings
        contacts = self.messenger.contacts(incident.member)
        number = incident.round + 1
        newest = min((number - 1) // settings.rounds, len(contacts) - 1)
        emergency = settings.emergency is not None and number == len(contacts) * settings.rounds + 1
        stage = "emergency" if emergency or incident.stage == "emergency" else "escalating"
        base = self.alert_text(incident)
        text = both("care.alert.act", text=base, id=incident.id)
        told = contacts[: newest + 1]
        coming = both("care.help_coming", contacts=joined([c.name for c in told])) if told else None
        notes: list[int | None] = []
        with self.house.store.transaction() as db:
            claimed = Records.claim(
                db,
                incident,
                stage=stage,
                round=number,
                contact_index=max(newest, 0),
                next_at=now + settings.repeat,
                updated_at=now,
            )
            if not claimed:
                return False  # another process took this step
            for index, contact in enumerate(told):
                count = number - index * settings.rounds
                message = text if count == 1 else both("care.alert.repeat", round=count, text=text)
                source = f"{incident.id}:round{number}:{index}"
                notes.append(self._tell(db, contact, message, source, incident))
            Records.note(db, incident.id, now, "step", "notified", round=number, contacts=labels(told))
            if number == 1:
                notes += self._tell_children(db, incident, contacts)
                if coming is not None:
                    her = self.messenger.member_recipient(incident.member)
                    notes.append(self._tell(db, her, coming, f"{incident.id}:coming", incident, urgent=False))
            if emergency and settings.emergency is not None:
                e = settings.emergency
                minutes = round((now - incident.opened_at) / 60)
                alert = both("care.alert.emergency", home=self.house.home.name, text=base, minutes=minutes)
                self._tell(db, Recipient(None, e.name, e.language, e.targets), alert, "emergency", incident)
                Records.note(db, incident.id, now, "step", "emergency", targets=[t.label for t in e.targets])
        self._published(notes)
        if number == 1 and coming is not None:
            await self.messenger.say(incident.member, incident.area, coming)
        self.outbox.deliver_due()
        return True

    def _inform(self, incident: Incident, now: float) -> bool:
        """A fall she got up from without answering: her first contact is asked to check, once."""
        contacts = self.messenger.contacts(incident.member)[:1]
        names = self.messenger.name(incident.member)
        check = both("care.alert.check", member=names, time=self.house.describe_time(incident.opened_at))
        text = both("care.alert.act", text=check, id=incident.id)
        with self.house.store.transaction() as db:
            if not Records.claim(db, incident, stage="informed", round=1, next_at=None, updated_at=now):
                return False
            notes = [
                self._tell(db, c, text, f"{incident.id}:informed", incident, urgent=False) for c in contacts
            ]
            Records.note(db, incident.id, now, "step", "informed", contacts=labels(contacts))
        self._published(notes)
        self.outbox.deliver_due()
        return True

    def _tell_children(self, db: Any, incident: Incident, contacts: list[Recipient]) -> list[int | None]:
        """ "Grandma needs help. Go and find Mum!": told, never asked to act."""
        home = self.house.home
        adults = [c for c in contacts if c.member and home.members[c.member].role.value in ("admin", "adult")]
        adult = (adults or contacts)[0].name if (adults or contacts) else NONE_TEXT
        text = both("care.alert.child", member=self.messenger.name(incident.member), adult=adult)
        return [
            self._tell(db, self.messenger.member_recipient(child.id), text, f"{incident.id}:child", incident)
            for child in self.messenger.children()
            if child.id != incident.member
        ]

    def _again(self, incident: Incident, at: float) -> None:
        """She calls again after someone said they were coming: everyone told hears it at once."""
        text = both("care.alert.act", text=self.alert_text(incident), id=incident.id)
        with self.house.store.transaction() as db:
            notes = self._tell_told(db, incident, text, f"again{int(at)}", skip="", include_member=False)
            Records.note(db, incident.id, at, "step", "notified", again=True)
        self._published(notes)
        self.outbox.deliver_due()

    async def call(self, incident: Incident, relation: str) -> bool:
        """ "Call my son": the contact she asked for is told now, even if not yet their turn."""
        contacts = self.messenger.contacts(incident.member)
        told = contacts[: incident.contact_index + 1] if incident.round else []
        wanted = [
            c for c in self.settings.members.get(incident.member, _NOBODY).contacts if c.relation == relation
        ]
        if not wanted:
            return False
        recipient = self.messenger.recipient(wanted[0])
        if recipient in told:
            return True
        now = self.house.clock.now()
        text = both("care.alert.act", text=self.alert_text(incident), id=incident.id)
        with self.house.store.transaction() as db:
            notes = [self._tell(db, recipient, text, f"{incident.id}:asked_for:{relation}", incident)]
            Records.note(
                db, incident.id, now, "step", "notified", asked_for=relation, contacts=labels([recipient])
            )
        self._published(notes)
        self.outbox.deliver_due()
        return True

    def last_seen(self, member: str, at: float) -> str | None:
        seen = self._last_motion(member, at)
        return seen[0] if seen else None

    def _last_motion(self, member: str, at: float) -> tuple[str, float] | None:
        rows = self.house.store.read(
            "SELECT last_area, last_at FROM care_presence WHERE member = ?", (member,)
        )
        if rows and rows[0]["last_area"] and rows[0]["last_at"] and at - rows[0]["last_at"] < 6 * 3600:
            return str(rows[0]["last_area"]), float(rows[0]["last_at"])
        return None


__all__ = ["ACTIVE", "CHECK", "URGENT", "Incidents"]
