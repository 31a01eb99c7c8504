"""Timers: start (optionally named), cancel, pause, resume, add or take off time, time left.

A running timer is a row with ``next_fire`` (the scheduler fires it); a paused
one keeps ``remaining_s``. Whose timer it is decides who may change it: its owner,
and whoever the policy's household table names (adults and admins by default).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from homemind.core import i18n
from homemind.household.errors import Invalid, NotAllowed, NotFound
from homemind.household.house import House
from homemind.household.text import clean_item
from homemind.policy import Actor

MAX_TIMER_SECONDS = 24 * 3600
ACTIVE = ("running", "paused")

i18n.register(
    {
        "timer.out_of_range": {
            "en": "A timer needs a length between 1 second and 24 hours.",
            "zh": "计时器的时长要在1秒到24小时之间。",
        },
        "timer.no_such_id": {"en": "There is no such running timer.", "zh": "没有这个计时器。"},
    }
)


@dataclass(frozen=True)
class Timer:
    id: int
    member: str
    name: str | None
    duration_s: float
    remaining_s: float
    state: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "remaining_s": round(self.remaining_s, 1)}


def _remaining(row: dict[str, Any], now: float) -> float:
    if row["state"] == "running" and row["next_fire"] is not None:
        return max(0.0, float(row["next_fire"]) - now)
    return float(row["remaining_s"])


class Timers:
    def __init__(self, house: House) -> None:
        self.house = house

    def _timer(self, row: dict[str, Any]) -> Timer:
        return Timer(
            id=int(row["id"]),
            member=str(row["member"]),
            name=row["name"],
            duration_s=float(row["duration_s"]),
            remaining_s=_remaining(row, self.house.clock.now()),
            state=str(row["state"]),
        )

    def _rows(self) -> list[dict[str, Any]]:
        return self.house.store.read("SELECT * FROM timers WHERE state IN ('running', 'paused') ORDER BY id")

    def start(self, actor: Actor, seconds: float, name: str | None = None) -> Timer:
        self.house.require(actor, "timers", "start", subject="timer")
        if not 1 <= seconds <= MAX_TIMER_SECONDS:
            raise Invalid("timer.out_of_range")
        label = clean_item(name) if name else None
        now = self.house.clock.now()
        with self.house.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO timers (member, name, duration_s, remaining_s, next_fire, state, created)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (actor.member.id, label, seconds, seconds, now + seconds, now),
            )
            timer_id = int(cursor.lastrowid or 0)
        self.house.audit(actor, "timers", "start", f"timer.{timer_id}", "ok", seconds=seconds)
        return self.get(actor, timer_id)

    def active(self, actor: Actor) -> list[Timer]:
        """The running and paused timers this member may see, oldest first."""
        return [self._timer(r) for r in self.house.readable(actor, "timers", self._rows())]

    def get(self, actor: Actor, timer_id: int) -> Timer:
        rows = [r for r in self._rows() if r["id"] == timer_id]
        if not rows or not self.house.may(actor, "timers", "read", rows[0]):
            raise NotFound("timer.no_such_id")
        return self._timer(rows[0])

    def _changeable(self, actor: Actor, timer_id: int) -> dict[str, Any]:
        timer = self.get(actor, timer_id)
        row = {"member": timer.member}
        self.house.require(actor, "timers", "change", row, subject=f"timer.{timer_id}")
        return {**asdict(timer)}

    def cancel(self, actor: Actor, timer_id: int) -> Timer:
        timer = self._changeable(actor, timer_id)
        with self.house.store.transaction() as db:
            db.execute("UPDATE timers SET state = 'cancelled', next_fire = NULL WHERE id = ?", (timer_id,))
        self.house.audit(actor, "timers", "cancel", f"timer.{timer_id}", "ok")
        return Timer(**{**timer, "state": "cancelled"})

    def cancel_all(self, actor: Actor) -> list[Timer]:
        """Every timer this member may change; refused when there are timers but none of them."""
        visible = self.active(actor)
        mine = [t for t in visible if self.house.may(actor, "timers", "change", {"member": t.member})]
        if visible and not mine:
            self.house.require(actor, "timers", "change", {"member": visible[0].member}, subject="timer.all")
        for timer in mine:
            self.cancel(actor, timer.id)
        return mine

    def pause(self, actor: Actor, timer_id: int) -> tuple[Timer, bool]:
        """(the timer, whether it changed): a paused timer stays paused."""
        timer = self._changeable(actor, timer_id)
        if timer["state"] == "paused":
            return Timer(**timer), False
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE timers SET state = 'paused', remaining_s = ?, next_fire = NULL"
                " WHERE id = ? AND state = 'running'",
                (timer["remaining_s"], timer_id),
            )
        self.house.audit(actor, "timers", "pause", f"timer.{timer_id}", "ok")
        return Timer(**{**timer, "state": "paused"}), True

    def resume(self, actor: Actor, timer_id: int) -> tuple[Timer, bool]:
        timer = self._changeable(actor, timer_id)
        if timer["state"] != "paused":
            return Timer(**timer), False
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE timers SET state = 'running', next_fire = ? WHERE id = ? AND state = 'paused'",
                (self.house.clock.now() + float(timer["remaining_s"]), timer_id),
            )
        self.house.audit(actor, "timers", "resume", f"timer.{timer_id}", "ok")
        return Timer(**{**timer, "state": "running"}), True

    def set_remaining(self, actor: Actor, timer_id: int, seconds: float) -> Timer:
        """Give a timer ``seconds`` left (adding or taking off time, or "make it ten minutes")."""
        timer = self._changeable(actor, timer_id)
        if not 1 <= seconds <= MAX_TIMER_SECONDS:
            raise Invalid("timer.out_of_range")
        with self.house.store.transaction() as db:
            if timer["state"] == "running":
                db.execute(
                    "UPDATE timers SET next_fire = ? WHERE id = ?",
                    (self.house.clock.now() + seconds, timer_id),
                )
            else:
                db.execute("UPDATE timers SET remaining_s = ? WHERE id = ?", (seconds, timer_id))
        self.house.audit(actor, "timers", "change", f"timer.{timer_id}", "ok", remaining_s=seconds)
        return Timer(**{**timer, "remaining_s": seconds})

    def dump(self, actor: Actor) -> list[dict[str, Any]]:
        return [t.as_dict() for t in self.active(actor)]


__all__ = ["ACTIVE", "MAX_TIMER_SECONDS", "NotAllowed", "Timer", "Timers"]
