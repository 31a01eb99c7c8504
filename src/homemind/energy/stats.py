"""Reading the energy statistics: totals and costs for a period, the devices that used most, and
the series the dashboard draws (today by hour, the last 30 days by day).

Each question reads only the coarsest table that answers it (a month is one row per
source, a week seven), so a year of history costs nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homemind.core.model import Home
from homemind.energy.recorder import day_key, month_key
from homemind.store import Store

PERIODS = ("today", "yesterday", "this_week", "last_week", "this_month", "last_month", "last_30_days")


@dataclass(frozen=True)
class Usage:
    kwh: float
    cost: float


def _days(start: date, count: int) -> list[int]:
    return [day_key(datetime.combine(start + timedelta(days=i), datetime.min.time())) for i in range(count)]


class EnergyStats:
    def __init__(self, home: Home, store: Store, now: float) -> None:
        if home.energy is None:
            raise ValueError("the home has no energy section")
        self.home = home
        self.settings = home.energy
        self.store = store
        self.tz = ZoneInfo(home.timezone)
        self.now = datetime.fromtimestamp(now, self.tz)
        rows = store.read("SELECT id, key FROM energy_source")
        self.ids = {r["key"]: int(r["id"]) for r in rows}

    def home_keys(self) -> list[str]:
        """The whole home: its meter, or the sum of the devices when it has none."""
        return ["home"] if self.settings.meter else list(self.settings.devices)

    def _where(self, period: str) -> tuple[str, str, list[int]]:
        today = self.now.date()
        if period in ("this_month", "last_month"):
            first = today.replace(day=1)
            month = first if period == "this_month" else (first - timedelta(days=1)).replace(day=1)
            return "energy_month", "month", [month_key(datetime.combine(month, datetime.min.time()))]
        monday = today - timedelta(days=today.weekday())
        spans = {
            "today": (today, 1),
            "yesterday": (today - timedelta(days=1), 1),
            "this_week": (monday, today.weekday() + 1),
            "last_week": (monday - timedelta(days=7), 7),
            "last_30_days": (today - timedelta(days=29), 30),
        }
        start, count = spans[period]
        return "energy_day", "day", _days(start, count)

    def usage(self, keys: list[str], period: str) -> Usage:
        per = self.by_source(keys, period)
        return Usage(sum(u.kwh for u in per.values()), sum(u.cost for u in per.values()))

    def by_source(self, keys: list[str], period: str) -> dict[str, Usage]:
        table, column, buckets = self._where(period)
        ids = {self.ids[k]: k for k in keys if k in self.ids}
        if not ids or not buckets:
            return {k: Usage(0.0, 0.0) for k in keys}
        rows = self.store.read(
            f"SELECT source, SUM(uwh) AS uwh, SUM(ucost) AS ucost FROM {table}"
            f" WHERE source IN ({','.join('?' * len(ids))}) AND {column} BETWEEN ? AND ?"
            f" AND {column} IN ({','.join('?' * len(buckets))}) GROUP BY source",
            (*ids, min(buckets), max(buckets), *buckets),
        )
        out = {k: Usage(0.0, 0.0) for k in keys}
        for row in rows:
            out[ids[row["source"]]] = Usage(row["uwh"] / 1e9, row["ucost"] / 1e6)
        return out

    def ranking(self, period: str) -> list[tuple[str, Usage]]:
        """Devices by what they used in the period, most first; those that used nothing left out."""
        per = self.by_source(list(self.settings.devices), period)
        ranked = sorted(per.items(), key=lambda item: -item[1].kwh)
        return [(key, usage) for key, usage in ranked if usage.kwh > 0]

    def hours_today(self) -> list[tuple[int, float]]:
        """(local hour, kWh) for each hour of today so far, the whole home."""
        midnight = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        first = int(midnight.timestamp() // 3600)
        last = int(self.now.timestamp() // 3600)
        ids = [self.ids[k] for k in self.home_keys() if k in self.ids]
        totals: dict[int, float] = dict.fromkeys(range(first, last + 1), 0.0)
        if ids:
            rows = self.store.read(
                f"SELECT hour, SUM(uwh) AS uwh FROM energy_hour WHERE source IN ({','.join('?' * len(ids))})"
                " AND hour BETWEEN ? AND ? GROUP BY hour",
                (*ids, first, last),
            )
            for row in rows:
                totals[row["hour"]] = row["uwh"] / 1e9
        return [(datetime.fromtimestamp(h * 3600, self.tz).hour, kwh) for h, kwh in sorted(totals.items())]

    def days(self, count: int = 30) -> list[tuple[date, Usage]]:
        """The whole home's use and cost for each of the last ``count`` days, oldest first."""
        today = self.now.date()
        keys = _days(today - timedelta(days=count - 1), count)
        ids = [self.ids[k] for k in self.home_keys() if k in self.ids]
        found: dict[int, Usage] = {}
        if ids:
            rows = self.store.read(
                f"SELECT day, SUM(uwh) AS uwh, SUM(ucost) AS ucost FROM energy_day"
                f" WHERE source IN ({','.join('?' * len(ids))}) AND day BETWEEN ? AND ? GROUP BY day",
                (*ids, keys[0], keys[-1]),
            )
            found = {r["day"]: Usage(r["uwh"] / 1e9, r["ucost"] / 1e6) for r in rows}
        return [
            (today - timedelta(days=count - 1 - i), found.get(k, Usage(0.0, 0.0))) for i, k in enumerate(keys)
        ]

    def summary(self) -> dict[str, Any]:
        """What the CLI and the API show: today and this month for the home, today's top devices."""
        home = self.home_keys()
        today, month = self.usage(home, "today"), self.usage(home, "this_month")
        return {
            "currency": self.settings.currency,
            "today": {"kwh": round(today.kwh, 3), "cost": round(today.cost, 2)},
            "this_month": {"kwh": round(month.kwh, 3), "cost": round(month.cost, 2)},
            "devices_today": [
                {"entity_id": k, "kwh": round(u.kwh, 3), "cost": round(u.cost, 2)}
                for k, u in self.ranking("today")
            ],
        }
