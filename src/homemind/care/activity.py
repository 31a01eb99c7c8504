"""Inactivity: motion in a member's usual rooms, and what "too quiet" means for her.

Three rules, checked on every tick:

- **not up**: no movement outside her bedroom this morning by ``up_by`` (09:30);
- **bathroom**: in the bathroom (last movement there, none elsewhere since) longer than
  ``bathroom_minutes`` (45);
- **inactive**: in the daytime, no movement at all for ``quiet_hours`` (3).

With at least ``min_days`` (7) of the last ``learn_days`` (14) days of history the
limits are her own (:class:`Baseline`): the time she is usually up by, how long she is
usually quiet in each room at each hour of the day (a nap in her bedroom after lunch
is not an alarm), how long she usually stays in the bathroom. Learned limits are
kept within bounds around the defaults, so history can never switch a rule off.

Nothing is checked while she is away: on holiday (``homemind care away``), or gone
out, which the home tells when the front door opened and then nothing moved
anywhere in the home (a fall in an empty home is still found by her watch).

Motion sensors cannot say *who* moved: a room counts for each member who lists it
among their usual rooms. That is why the defaults are generous and the watch does
the fast work.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from homemind.core.caremodel import CaredMember
from homemind.household import Invalid
from homemind.household.automations import in_window
from homemind.policy import Actor

if TYPE_CHECKING:
    from homemind.household import Household

OUT_AFTER = 600.0  # the door opened and nothing moved for this long: gone out
DAY_STARTS = time(4, 0)  # movement after this counts as getting up
UP_CHECK_UNTIL = time(14, 0)
MIN_SAMPLES = 5
# Learned limits stay within [LEARNED_FLOOR x default, 2 x default]: her history may make a rule
# a little quicker or a lot more patient, never switch it off or turn it into a hair trigger.
LEARNED_FLOOR = 0.75


@dataclass(frozen=True)
class Breach:
    """A rule broken: what to open an incident about."""

    member: str
    kind: str
    key: str
    area: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Baseline:
    """One member's limits for one day, learned from her history where there is enough."""

    up_by: time
    quiet: dict[tuple[str, int], float] = field(default_factory=dict)  # (room, hour) -> seconds
    quiet_by_hour: dict[int, float] = field(default_factory=dict)
    quiet_default: float = 3 * 3600
    bathroom: float = 45 * 60
    learned: bool = False

    def quiet_limit(self, area: str | None, hour: int) -> float:
        return self.quiet.get((area or "", hour)) or self.quiet_by_hour.get(hour) or self.quiet_default


def _hhmm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Activity:
    def __init__(self, house: Household) -> None:
        self.house = house
        self.settings = house.home.care
        self._baselines: dict[tuple[str, date], Baseline] = {}

    # --- signals ------------------------------------------------------------------------

    def motion(self, area: str, at: float) -> list[str]:
        """Record movement in ``area``; returns the members it counts for."""
        members = [m for m, c in self.settings.members.items() if area in c.rooms]
        with self.house.store.transaction() as db:
            for member in ["*", *members]:
                row = db.execute(
                    "SELECT last_area, area_since FROM care_presence WHERE member = ?", (member,)
                ).fetchone()
                since = row[1] if row and row[0] == area and row[1] is not None else at
                db.execute(
                    "INSERT INTO care_presence (member, last_at, last_area, area_since) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(member) DO UPDATE SET last_at = excluded.last_at,"
                    " last_area = excluded.last_area, area_since = excluded.area_since",
                    (member, at, area, since),
                )
                if member != "*":
                    db.execute(
                        "INSERT OR IGNORE INTO care_activity VALUES (?, ?, ?)", (member, area, int(at // 60))
                    )
        return members

    def door(self, at: float) -> None:
        with self.house.store.transaction() as db:
            db.execute(
                "INSERT INTO care_presence (member, door_at) VALUES ('*', ?)"
                " ON CONFLICT(member) DO UPDATE SET door_at = excluded.door_at",
                (at,),
            )

    # --- away -----------------------------------------------------------------------------

    def set_away(self, actor: Actor, member: str, until: date | None) -> float | None:
        """A holiday until the end of ``until`` (local), or back home (None)."""
        if member not in self.settings.members:
            raise Invalid("care.not_cared", member=self.house.home.members[member])
        self.house.require(actor, "care", "away", {"member": member}, subject=f"member.{member}")
        now = self.house.clock.now()
        with self.house.store.transaction() as db:
            if until is None:
                db.execute("DELETE FROM care_away WHERE member = ?", (member,))
                end = None
            else:
                if not 2000 <= until.year <= 2100:
                    raise Invalid("care.bad_until", until=until.isoformat())
                end = datetime.combine(until + timedelta(days=1), time(0), self.house.tz).timestamp()
                if end <= now:
                    raise Invalid("care.bad_until", until=until.isoformat())
                db.execute(
                    "INSERT OR REPLACE INTO care_away VALUES (?, ?, ?, ?)",
                    (member, end, actor.member.id, now),
                )
        self.house.audit(actor, "care", "away", f"member.{member}", "ok", until=str(until))
        return end

    def away_until(self, member: str, now: float) -> float | None:
        rows = self.house.store.read(
            "SELECT until FROM care_away WHERE member = ? AND until > ?", (member, now)
        )
        return float(rows[0]["until"]) if rows else None

    def gone_out(self, now: float) -> bool:
        """The door opened, and since then nothing has moved anywhere at home."""
        rows = self.house.store.read("SELECT last_at, door_at FROM care_presence WHERE member = '*'")
        if not rows or rows[0]["door_at"] is None:
            return False
        door, moved = float(rows[0]["door_at"]), rows[0]["last_at"]
        return now - door >= OUT_AFTER and (moved is None or moved < door + 60)

    def away(self, member: str, now: float) -> bool:
        return self.away_until(member, now) is not None or self.gone_out(now)

    # --- the rules ------------------------------------------------------------------------

    def check(self, now: float) -> list[Breach]:
        found: list[Breach] = []
        for member, cared in self.settings.members.items():
            if not cared.rooms or self.away(member, now):
                continue
            presence = self.house.store.read("SELECT * FROM care_presence WHERE member = ?", (member,))
            row = presence[0] if presence else None
            base = self.baseline(cared, now)
            found += self._not_up(cared, base, now)
            if row is None or row["last_at"] is None:
                continue
            found += self._bathroom(cared, base, row, now)
            found += self._quiet(cared, base, row, now)
        return found

    def _not_up(self, cared: CaredMember, base: Baseline, now: float) -> list[Breach]:
        local = self.house.local(now)
        if not base.up_by <= local.time() < UP_CHECK_UNTIL or self.up_at(cared, local.date()) is not None:
            return []
        key = f"{cared.member}:not_up:{local.date().isoformat()}"
        return [Breach(cared.member, "not_up", key, cared.bedroom, {"time": base.up_by.strftime("%H:%M")})]

    def _bathroom(self, cared: CaredMember, base: Baseline, row: dict[str, Any], now: float) -> list[Breach]:
        since = row["area_since"]
        if cared.bathroom is None or row["last_area"] != cared.bathroom or since is None:
            return []
        if now - since < base.bathroom:
            return []
        detail = {"minutes": round((now - since) / 60), "time": self.house.describe_time(since)}
        return [
            Breach(cared.member, "bathroom", f"{cared.member}:bathroom:{int(since)}", cared.bathroom, detail)
        ]

    def _quiet(self, cared: CaredMember, base: Baseline, row: dict[str, Any], now: float) -> list[Breach]:
        local = self.house.local(now)
        start, end = cared.inactivity.daytime
        last = float(row["last_at"])
        if not in_window(local, start, end) or self.up_at(cared, local.date()) is None:
            return []
        if row["last_area"] == cared.bathroom:
            return []  # the bathroom rule speaks for that
        limit = base.quiet_limit(row["last_area"], self.house.local(last).hour)
        if now - last < limit:
            return []
        detail = {"minutes": round((now - last) / 60), "time": self.house.describe_time(last)}
        return [
            Breach(cared.member, "inactive", f"{cared.member}:inactive:{int(last)}", row["last_area"], detail)
        ]

    # --- history ------------------------------------------------------------------------

    def up_at(self, cared: CaredMember, day: date) -> float | None:
        """When she was first seen outside her bedroom that morning (after 04:00)."""
        start = datetime.combine(day, DAY_STARTS, self.house.tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(0), self.house.tz).timestamp()
        rows = self.house.store.read(
            "SELECT MIN(minute) AS first FROM care_activity WHERE member = ? AND minute >= ? AND minute < ?"
            " AND area != ?",
            (cared.member, int(start // 60), int(end // 60), cared.bedroom or ""),
        )
        first = rows[0]["first"] if rows else None
        return None if first is None else float(first) * 60

    def minutes(self, member: str, start: float, end: float) -> list[tuple[int, str]]:
        rows = self.house.store.read(
            "SELECT minute, area FROM care_activity WHERE member = ? AND minute >= ? AND minute < ?"
            " ORDER BY minute",
            (member, int(start // 60), int(end // 60)),
        )
        return [(int(r["minute"]), str(r["area"])) for r in rows]

    def baseline(self, cared: CaredMember, now: float) -> Baseline:
        today = self.house.local(now).date()
        key = (cared.member, today)
        if key not in self._baselines:
            self._baselines = {k: v for k, v in self._baselines.items() if k[1] == today}
            self._baselines[key] = self._learn(cared, today)
        return self._baselines[key]

    def _learn(self, cared: CaredMember, today: date) -> Baseline:
        rules = cared.inactivity
        default = Baseline(
            up_by=_hhmm(rules.up_by),
            quiet_default=rules.quiet_hours * 3600,
            bathroom=rules.bathroom_minutes * 60,
        )
        days = [today - timedelta(days=n) for n in range(rules.learn_days, 0, -1)]
        start = datetime.combine(days[0], time(0), self.house.tz).timestamp()
        end = datetime.combine(today, time(0), self.house.tz).timestamp()
        # What happened during a real incident is not her usual day: it must not teach the
        # limits to let the next one pass (a fall in the bathroom is not a long usual stay).
        trouble = self._incidents(cared.member, start, end)
        bad_mornings = {self.house.local(at).date() for kind, at, _ in trouble if kind == "not_up"}
        wakes = [w for d in days if d not in bad_mornings and (w := self.up_at(cared, d)) is not None]
        if len(wakes) < rules.min_days:
            return default
        windows = [(at - 3600, until) for _, at, until in trouble]
        rows = self.minutes(cared.member, start, end)
        gaps = [g for g in self._gaps(cared, rows) if not _overlaps(g[3], g[3] + g[2], windows)]
        return Baseline(
            up_by=self._learned_up_by(wakes, default.up_by),
            quiet=self._quiet_limits(gaps, default.quiet_default, by_room=True),
            quiet_by_hour=self._quiet_limits(gaps, default.quiet_default, by_room=False),
            quiet_default=default.quiet_default,
            bathroom=self._bathroom_limit(cared, rows, default.bathroom, windows),
            learned=True,
        )

    def _incidents(self, member: str, start: float, end: float) -> list[tuple[str, float, float]]:
        """(kind, opened, closed) of the member's incidents that were not false alarms."""
        rows = self.house.store.read(
            "SELECT kind, opened_at, closed_at FROM care_incidents WHERE member = ? AND false_alarm = 0"
            " AND opened_at >= ? AND opened_at < ?",
            (member, start, end),
        )
        return [(r["kind"], r["opened_at"], r["closed_at"] or r["opened_at"] + 7200) for r in rows]

    def _learned_up_by(self, wakes: list[float], default: time) -> time:
        seconds = [self._of_day(w) for w in wakes]
        usual = _p(seconds, 0.9) + 45 * 60
        low = _seconds(default) - 3 * 3600
        high = _seconds(default) + 2 * 3600
        value = int(_clamp(usual, max(low, 5 * 3600), min(high, 12 * 3600)))
        return time(value // 3600, value % 3600 // 60)

    def _of_day(self, epoch: float) -> float:
        local = self.house.local(epoch)
        return local.hour * 3600 + local.minute * 60 + local.second

    def _gaps(self, cared: CaredMember, rows: list[tuple[int, str]]) -> list[tuple[str, int, float, float]]:
        """(room, hour, quiet seconds, start) for every daytime pause between two movements."""
        start, end = cared.inactivity.daytime
        out = []
        for (minute, area), (following, _) in itertools.pairwise(rows):
            local, then = self.house.local(minute * 60), self.house.local(following * 60)
            same_day = local.date() == then.date() and in_window(then, start, end)
            if same_day and in_window(local, start, end) and area != cared.bathroom:
                out.append((area, local.hour, (following - minute) * 60.0, minute * 60.0))
        return out

    @staticmethod
    def _quiet_limits(
        gaps: list[tuple[str, int, float, float]], default: float, *, by_room: bool
    ) -> dict[Any, float]:
        buckets: dict[Any, list[float]] = {}
        for area, hour, seconds, _ in gaps:
            buckets.setdefault((area, hour) if by_room else hour, []).append(seconds)
        return {
            key: _clamp(1.5 * _p(values, 0.95), LEARNED_FLOOR * default, 2 * default)
            for key, values in buckets.items()
            if len(values) >= MIN_SAMPLES
        }

    @staticmethod
    def _bathroom_limit(
        cared: CaredMember, rows: list[tuple[int, str]], default: float, windows: list[tuple[float, float]]
    ) -> float:
        """Her usual stays: from the first movement in the bathroom to the first elsewhere."""
        stays, start = [], None
        for minute, area in rows:
            if area == cared.bathroom:
                start = minute if start is None else start
            elif start is not None:
                if not _overlaps(start * 60.0, minute * 60.0, windows):
                    stays.append((minute - start) * 60.0)
                start = None
        if len(stays) < 2 * MIN_SAMPLES:
            return default
        return _clamp(1.5 * _p(stays, 0.95), LEARNED_FLOOR * default, 2 * default)

    def day_summary(self, member: str, start: float, end: float) -> dict[str, Any]:
        rows = self.minutes(member, start, end)
        rooms: dict[str, int] = {}
        for _, area in rows:
            rooms[area] = rooms.get(area, 0) + 1
        return {"minutes": len(rows), "rooms": rooms}

    def typical_minutes(self, member: str, day: date, days: int) -> float | None:
        counts = []
        for n in range(1, days + 1):
            d = day - timedelta(days=n)
            start = datetime.combine(d, time(0), self.house.tz).timestamp()
            count = len(self.minutes(member, start, start + 86400))
            if count:
                counts.append(count)
        return statistics.mean(counts) if len(counts) >= 3 else None


def _overlaps(start: float, end: float, windows: list[tuple[float, float]]) -> bool:
    return any(start < w_end and w_start < end for w_start, w_end in windows)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60
