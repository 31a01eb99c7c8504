"""Forecast conditions an automation can test ("if it will rain tomorrow, remind me to bring the
laundry in"): plain functions of a forecast, so a scheduled action (issue 21) needs only call one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from homemind.core.outdoors import WeatherSettings
from homemind.store import Store
from homemind.weather.forecast import Forecast
from homemind.weather.question import spans
from homemind.weather.service import WeatherService

# A day counts as rainy from this chance of rain (percent), or this much rain (mm).
RAIN_CHANCE = 50.0
RAIN_MM = 1.0


def will_rain(forecast: Forecast, when: str, now: datetime) -> bool | None:
    """Whether rain is expected ``when`` ("tomorrow", "tonight", "saturday"...), seen from ``now``
    (the home's naive local time); None when the forecast does not cover it."""
    asked = spans(when, now)
    if not all(forecast.covers(s.start, s.end) for s in asked):
        return None
    for span in asked:
        start = max(span.start, now) if span.day == now.date() else span.start
        chances = forecast.hourly_values("precipitation_probability", start, span.end)
        amount = sum(forecast.hourly_values("precipitation", start, span.end))
        if max(chances, default=0.0) >= RAIN_CHANCE or amount >= RAIN_MM:
            return True
    return False


def temperature_below(forecast: Forecast, when: str, now: datetime, limit: float) -> bool | None:
    """Whether the lowest temperature ``when`` is under ``limit`` (a cold night: close the windows)."""
    asked = spans(when, now)
    values = [v for s in asked for v in forecast.hourly_values("temperature_2m", s.start, s.end)]
    return None if not values else min(values) < limit


class RainCheck:
    """The forecast condition of a spoken automation (``household.telling.ForecastCheck``):
    whether rain is forecast for its day, seen at the moment of the check."""

    def __init__(self, settings: WeatherSettings, store: Store, timezone: str, now: Any) -> None:
        self.service = WeatherService(settings, store, timezone, now)

    async def __call__(self, condition: dict[str, Any], now: datetime) -> bool | None:
        snapshot = await self.service.get()
        if snapshot.forecast is None:
            return None
        local = now.replace(tzinfo=None)
        day = date.fromisoformat(condition["rain"])
        words = {local.date(): "today", local.date() + timedelta(days=1): "tomorrow"}
        when = words.get(day)
        if when is None:
            return None  # checked on the evening before or the day itself: never further off
        if condition.get("part") == "night":
            when = "tonight" if when == "today" else "tomorrow_night"
        return will_rain(snapshot.forecast, when, local)
