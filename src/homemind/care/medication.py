"""Medication: an ordinary reminder ("remind grandma to take her medicine at 9 every day") that
waits for "I took it" / "吃过了".

When a cared-for member's reminder that mentions medicine fires, a dose is logged
and she is asked to confirm; without an answer she is asked again after 15 minutes,
and after 60 minutes the family is told, once. The dose is logged as taken (confirmed
within 15 minutes), late (confirmed after that) or missed (not by 60 minutes; a later
"I took it" still makes it late). The scan reads the notifications table, so a
reminder fired while another process ran is not missed either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homemind.care.notify import Messenger, both
from homemind.policy import Actor

if TYPE_CHECKING:
    from homemind.household import Household

ASK_AGAIN = 15 * 60.0
TELL_FAMILY = 60 * 60.0
CONFIRM_WINDOW = 6 * 3600.0  # how long after it was due "I took it" still counts for a dose
SCAN_BACK = 4 * 3600.0
DEFAULT_WORDS = {
    "en": ("medicine", "medication", "meds", "pill", "tablet", "insulin", "drops", "dose", "inhaler"),
    "zh": ("药", "胰岛素"),
}


@dataclass(frozen=True)
class Dose:
    id: int
    member: str
    text: str
    due: float
    state: str  # pending | taken | late | missed

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Dose:
        return cls(int(row["id"]), str(row["member"]), str(row["text"]), float(row["due"]), str(row["state"]))


class Medication:
    def __init__(self, house: Household, messenger: Messenger) -> None:
        self.house = house
        self.messenger = messenger
        configured = house.home.care.medication_words
        self.words = {lang: configured.get(lang, ()) + DEFAULT_WORDS[lang] for lang in DEFAULT_WORDS}

    def is_medicine(self, text: str) -> bool:
        folded = text.casefold()
        return any(word in folded for words in self.words.values() for word in words)

    def scan(self, now: float) -> list[Dose]:
        """Medicine reminders that fired for a cared-for member and have no dose yet."""
        members = tuple(self.house.home.care.members)
        if not members:
            return []
        marks = ",".join("?" for _ in members)
        rows = self.house.store.read(
            "SELECT n.id, n.member, n.due, n.params FROM notifications n LEFT JOIN care_doses d"
            f" ON d.notification = n.id WHERE n.kind = 'reminder' AND d.id IS NULL AND n.member IN ({marks})"
            " AND n.fired_at >= ?",
            (*members, now - SCAN_BACK),
        )
        found = []
        for row in rows:
            text = str(json.loads(row["params"]).get("text", ""))
            if not self.is_medicine(text):
                continue
            with self.house.store.transaction() as db:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO care_doses (member, notification, text, due, state, next_at)"
                    " VALUES (?, ?, ?, ?, 'pending', ?)",
                    (row["member"], row["id"], text, row["due"], float(row["due"]) + ASK_AGAIN),
                )
            if cursor.rowcount == 1:
                found.append(
                    Dose(int(cursor.lastrowid or 0), row["member"], text, float(row["due"]), "pending")
                )
        return found

    async def ask(self, dose: Dose, key: str = "care.dose.ask") -> None:
        """Ask her (her speakers, watch and notifications) to confirm."""
        text = both(key, text=dose.text)
        with self.house.store.transaction() as db:
            note = self.messenger.tell(
                db,
                self.messenger.member_recipient(dose.member),
                text,
                source=f"dose:{dose.id}:{key}",
                incident=None,
                urgent=False,
                kind="medication",
                member=dose.member,
            )
        self.house.notifications.publish_stored([note])
        area = self._last_area(dose.member)
        await self.messenger.say(dose.member, area, text)

    async def tick(self, now: float) -> None:
        rows = self.house.store.read(
            "SELECT * FROM care_doses WHERE state = 'pending' AND next_at IS NOT NULL AND next_at <= ?",
            (now,),
        )
        for row in rows:
            dose = Dose.from_row(row)
            again = int(row["asked"]) == 1
            with self.house.store.transaction() as db:
                if again:
                    changes = "asked = 2, next_at = ?"
                    values: tuple[Any, ...] = (dose.due + TELL_FAMILY,)
                else:
                    changes, values = "state = 'missed', family_told = 1, next_at = NULL", ()
                claimed = db.execute(
                    f"UPDATE care_doses SET {changes} WHERE id = ? AND next_at = ?",
                    (*values, dose.id, row["next_at"]),
                ).rowcount
                notes = [] if again or not claimed else self._tell_family(db, dose)
            if not claimed:
                continue
            if again:
                await self.ask(dose, "care.dose.again")
            else:
                self.house.notifications.publish_stored(notes)

    def _tell_family(self, db: Any, dose: Dose) -> list[int | None]:
        text = both(
            "care.dose.family",
            member=self.messenger.name(dose.member),
            text=dose.text,
            time=self.house.describe_time(dose.due),
        )
        family = [c for c in self.messenger.contacts(dose.member) if c.member is not None]
        return [
            self.messenger.tell(
                db,
                c,
                text,
                source=f"dose:{dose.id}:family",
                incident=None,
                urgent=False,
                kind="medication",
                member=dose.member,
            )
            for c in family
        ]

    def took(self, actor: Actor) -> Dose | None:
        """ "I took it": the speaker's latest dose waiting for it (or missed) is taken, or late."""
        now = self.house.clock.now()
        rows = self.house.store.read(
            "SELECT * FROM care_doses WHERE member = ? AND state IN ('pending', 'missed') AND due >= ?"
            " ORDER BY due DESC LIMIT 1",
            (actor.member.id, now - CONFIRM_WINDOW),
        )
        if not rows:
            return None
        dose = Dose.from_row(rows[0])
        state = "taken" if dose.state == "pending" and now - dose.due <= ASK_AGAIN else "late"
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE care_doses SET state = ?, confirmed_at = ?, next_at = NULL WHERE id = ?",
                (state, now, dose.id),
            )
        self.house.audit(actor, "care", "dose", f"dose.{dose.id}", "ok", state=state)
        return Dose(dose.id, dose.member, dose.text, dose.due, state)

    def doses(self, member: str, start: float, end: float) -> list[Dose]:
        rows = self.house.store.read(
            "SELECT * FROM care_doses WHERE member = ? AND due >= ? AND due < ? ORDER BY due",
            (member, start, end),
        )
        return [Dose.from_row(r) for r in rows]

    def _last_area(self, member: str) -> str | None:
        rows = self.house.store.read("SELECT last_area FROM care_presence WHERE member = ?", (member,))
        return rows[0]["last_area"] if rows else None
