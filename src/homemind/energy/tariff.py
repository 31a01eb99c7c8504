"""Time-of-use electricity prices: which period a moment falls in, and when the cheapest comes next.

Periods are local wall-clock times (as a Shenzhen bill states them: valley 00:00-08:00,
peak 10:00-12:00 and 14:00-19:00, flat otherwise), so a day is cut at the period
boundaries in the home's time zone. ``cheapest_window`` is what "run the washing
machine when electricity is cheapest" will schedule on (issue 21's scheduled actions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homemind.core.outdoors import Tariff

_DAY = 1440


@dataclass(frozen=True)
class Window:
    kind: str
    start: datetime
    end: datetime
    price: float


def _minute(when: datetime) -> int:
    return when.hour * 60 + when.minute


def _inside(minute: int, start: int, end: int) -> bool:
    return start <= minute < end if start < end else (minute >= start or minute < end)


def price_at(tariff: Tariff, when: datetime) -> tuple[str, float]:
    """The period kind ("peak", "flat", "valley") and price per kWh at a local time."""
    minute = _minute(when)
    for period in tariff.periods:
        if _inside(minute, period.start, period.end):
            return period.kind, period.price
    return "flat", tariff.price


def _boundaries(tariff: Tariff) -> list[int]:
    return sorted({p.start for p in tariff.periods} | {p.end for p in tariff.periods} | {0})


def next_change(tariff: Tariff, when: datetime) -> datetime:
    """The next local time after ``when`` at which the price may change (at most a day ahead)."""
    minute = _minute(when)
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    for boundary in _boundaries(tariff):
        if boundary > minute:
            return midnight + timedelta(minutes=boundary)
    return midnight + timedelta(days=1)


def cheapest_window(tariff: Tariff, now: datetime) -> Window:
    """The next stretch at the lowest price: now's own if it is already cheapest.

    ``now`` is an aware local datetime; the window's start and end are too.
    """
    cheapest = min([tariff.price, *(p.price for p in tariff.periods)])
    at = now
    for _ in range(2 * len(_boundaries(tariff)) + 2):  # two days of boundaries always reach it
        kind, price = price_at(tariff, at)
        if price == cheapest:
            start = at
            end = next_change(tariff, at)
            while price_at(tariff, end)[1] == cheapest and end - start < timedelta(days=1):
                end = next_change(tariff, end)
            return Window(kind, start, end, price)
        at = next_change(tariff, at)
    return Window("flat", now, now + timedelta(days=1), tariff.price)  # one price all day
