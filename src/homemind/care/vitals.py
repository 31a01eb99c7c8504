"""Vitals from the wearable, and the wearable itself.

A reading beyond a threshold is only news once it has stayed there for a while
(SpO2 below 90 % for 5 minutes; a heart rate outside 40-130 for 10 minutes, the high
side only at rest, i.e. with no movement in her rooms for 10 minutes), and only
"normal" again once it has come back inside by a margin for as long: a reading
hovering at the limit does not flap between alarm and all-clear.

"No data" is a state of its own, never silence: a watch off her wrist (in the
daytime), flat, or silent for an hour is reported to the family as a device problem,
once per episode, and its end is reported too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homemind.core.caremodel import CaredMember
from homemind.household.automations import in_window

if TYPE_CHECKING:
    from homemind.household import Household

METRICS = ("heart_rate", "spo2")


@dataclass(frozen=True)
class Change:
    """Something about a member's vitals or watch worth telling: an alert, or its end."""

    member: str
    kind: str  # spo2 / heart_rate (an alert), normal, off_body, battery_low, silent, device_ok
    detail: dict[str, Any]


class Vitals:
    def __init__(self, house: Household) -> None:
        self.house = house

    # --- readings ---------------------------------------------------------------------------

    def reading(
        self, cared: CaredMember, metric: str, value: float, at: float, *, at_rest: bool
    ) -> list[Change]:
        self._keep_range(cared.member, metric, value, at)
        changes = self._heard(cared.member, at)
        return changes + self._evaluate(cared, metric, value, at, at_rest=at_rest, read_at=at)

    def held(self, cared: CaredMember, now: float, *, at_rest: bool) -> list[Change]:
        """The last readings again, as time passes: a watch repeating the same value makes no
        new state (the state registry, like Home Assistant's, reports changes only), so a
        reading that stays beyond its limit must still become an alert when its minutes are
        up. Not while the watch is off her wrist or silent: its last value is stale then."""
        device = self._device(cared.member)
        if device["worn"] == 0 or device["problem"] in ("off_body", "silent"):
            return []
        rows = self.house.store.read(
            "SELECT metric, value, at FROM care_vitals WHERE member = ? AND value IS NOT NULL",
            (cared.member,),
        )
        changes: list[Change] = []
        for row in rows:
            if now - float(row["at"]) < cared.vitals.no_data_minutes * 60:
                value, read_at = float(row["value"]), float(row["at"])
                changes += self._evaluate(cared, row["metric"], value, now, at_rest=at_rest, read_at=read_at)
        return changes

    def _evaluate(
        self, cared: CaredMember, metric: str, value: float, now: float, *, at_rest: bool, read_at: float
    ) -> list[Change]:
        """One step of a metric's state (ok / alert): a move away from it counts only once it
        has lasted its minutes; the alert's end needs the margin for as long."""
        beyond, clear, minutes, detail = self._limits(cared, metric, value, at_rest)
        rows = self.house.store.read(
            "SELECT * FROM care_vitals WHERE member = ? AND metric = ?", (cared.member, metric)
        )
        row = rows[0] if rows else {"state": "ok", "pending_since": None, "since": None}
        state, pending = row["state"], row["pending_since"]
        moving_away = beyond if state == "ok" else clear
        pending = (pending or now) if moving_away else None
        since = row["since"]
        changes: list[Change] = []
        if pending is not None and now - pending >= minutes * 60:
            if state == "ok":
                state, since = "alert", pending
                changes.append(
                    Change(cared.member, metric, {**detail, "minutes": round((now - pending) / 60)})
                )
            else:
                state, since = "ok", pending
                changes.append(Change(cared.member, "normal", {"metric": metric, "value": _num(value)}))
            pending = None
        with self.house.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO care_vitals VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cared.member, metric, state, value, read_at, pending, since),
            )
        return changes

    @staticmethod
    def _limits(
        cared: CaredMember, metric: str, value: float, at_rest: bool
    ) -> tuple[bool, bool, float, dict[str, Any]]:
        """(beyond the threshold, back inside it by the margin, minutes, what the alert says)."""
        v = cared.vitals
        if metric == "spo2":
            detail = {"value": _num(value), "limit": _num(v.spo2_below)}
            return value < v.spo2_below, value >= v.spo2_below + v.spo2_margin, v.spo2_minutes, detail
        low, high, margin = v.heart_rate_low, v.heart_rate_high, v.heart_rate_margin
        beyond = value < low or (value > high and at_rest)
        clear = low + margin <= value <= high - margin
        detail = {"value": _num(value), "low": _num(low), "high": _num(high)}
        return beyond, clear, v.heart_rate_minutes, detail

    def _keep_range(self, member: str, metric: str, value: float, at: float) -> None:
        """The hour's lowest and highest, for the daily summary (not every reading)."""
        hour = int(at // 3600)
        with self.house.store.transaction() as db:
            db.execute(
                "INSERT INTO care_readings VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(member, metric, hour)"
                " DO UPDATE SET low = MIN(low, excluded.low), high = MAX(high, excluded.high), n = n + 1",
                (member, metric, hour, value, value),
            )

    def ranges(self, member: str, start: float, end: float) -> dict[str, tuple[float, float]]:
        rows = self.house.store.read(
            "SELECT metric, MIN(low) AS low, MAX(high) AS high FROM care_readings"
            " WHERE member = ? AND hour >= ? AND hour < ? GROUP BY metric",
            (member, int(start // 3600), int(end // 3600)),
        )
        return {r["metric"]: (float(r["low"]), float(r["high"])) for r in rows}

    # --- the watch itself -----------------------------------------------------------------------

    def _device(self, member: str) -> dict[str, Any]:
        rows = self.house.store.read("SELECT * FROM care_device WHERE member = ?", (member,))
        if rows:
            return rows[0]
        return {
            "worn": None,
            "off_since": None,
            "battery": None,
            "last_reading": None,
            "problem": None,
            "reported": None,
        }

    def _save(self, member: str, row: dict[str, Any]) -> None:
        with self.house.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO care_device VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    member,
                    row["worn"],
                    row["off_since"],
                    row["battery"],
                    row["last_reading"],
                    row["problem"],
                    row["reported"],
                ),
            )

    def device(self, member: str) -> dict[str, Any]:
        """The watch as the dashboard shows it: worn, battery, last heard, its problem if any."""
        row = self._device(member)
        return {
            "worn": None if row["worn"] is None else bool(row["worn"]),
            "battery": row["battery"],
            "last_reading": self.house.iso(row["last_reading"]),
            "problem": row["problem"],
        }

    def worn(self, member: str, on: bool, at: float) -> list[Change]:
        row = self._device(member)
        if row["worn"] is not None and bool(row["worn"]) == on:
            return []
        row["worn"], row["off_since"] = int(on), None if on else at
        changes = self._resolved(row, member, "off_body") if on else []
        self._save(member, row)
        return changes

    def is_worn(self, member: str) -> bool | None:
        worn = self._device(member)["worn"]
        return None if worn is None else bool(worn)

    def battery(self, cared: CaredMember, value: float, at: float) -> list[Change]:
        row = self._device(cared.member)
        row["battery"] = value
        changes: list[Change] = []
        if value <= cared.vitals.battery_low and row["problem"] != "battery_low":
            row["problem"], row["reported"] = "battery_low", f"battery_low:{int(at)}"
            changes.append(Change(cared.member, "battery_low", {"value": _num(value)}))
        elif value > cared.vitals.battery_low + 5 and row["problem"] == "battery_low":
            row["problem"], row["reported"] = None, None  # charged: nothing to say
        self._save(cared.member, row)
        return changes

    def _heard(self, member: str, at: float) -> list[Change]:
        row = self._device(member)
        row["last_reading"] = at
        changes = self._resolved(row, member, "silent")
        self._save(member, row)
        return changes

    @staticmethod
    def _resolved(row: dict[str, Any], member: str, problem: str) -> list[Change]:
        if row["problem"] != problem:
            return []
        row["problem"], row["reported"] = None, None
        return [Change(member, "device_ok", {})]

    def check(self, cared: CaredMember, now: float) -> list[Change]:
        """Problems that come from time passing: a watch off too long, or silent too long."""
        row = self._device(cared.member)
        limit = cared.vitals.no_data_minutes * 60
        start, end = cared.inactivity.daytime
        problem, since = None, None
        if row["worn"] == 0 and row["off_since"] is not None:
            # Taken off at night to charge is normal: counted from the start of the day.
            off_since = max(float(row["off_since"]), self._day_start(now, start))
            if in_window(self.house.local(now), start, end) and now - off_since >= limit:
                problem, since = "off_body", float(row["off_since"])
        elif (
            row["worn"] != 0
            and row["last_reading"] is not None
            and cared.wearable.heart_rate
            and now - float(row["last_reading"]) >= limit
        ):
            problem, since = "silent", float(row["last_reading"])
        if problem is None or row["problem"] == problem:
            return []
        row["problem"], row["reported"] = problem, f"{problem}:{int(since or now)}"
        self._save(cared.member, row)
        return [Change(cared.member, problem, {"time": self.house.describe_time(since or now)})]

    def _day_start(self, now: float, start: str) -> float:
        local = self.house.local(now)
        hour, minute = (int(x) for x in start.split(":"))
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)
