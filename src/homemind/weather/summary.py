"""The forecast as data for the CLI, the API and the dashboard's header: now, and the next days."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from homemind.core.outdoors import WeatherSettings
from homemind.weather.answer import Answerer
from homemind.weather.service import Snapshot


def summary(
    snapshot: Snapshot, settings: WeatherSettings, language: str, now: float, tz: tzinfo
) -> dict[str, Any]:
    """``available`` False (and ``problem``) when there is no forecast at all; else current
    conditions (from the forecast's hour when it is stale) and each day from today on."""
    forecast = snapshot.forecast
    fetched = (
        datetime.fromtimestamp(snapshot.fetched_at, tz).isoformat(timespec="seconds")
        if snapshot.fetched_at
        else None
    )
    out: dict[str, Any] = {
        "available": forecast is not None,
        "fetched_at": fetched,
        "stale": snapshot.stale,
        "problem": snapshot.problem,
        "units": {"temperature": settings.temperature_unit, "wind_speed": settings.wind_speed_unit},
        "place": settings.place.get(language, ""),
    }
    if forecast is None:
        return out
    say = Answerer(settings, language, now, tz)
    hour = say.now.replace(minute=0, second=0, microsecond=0)
    index = forecast.hours.index(hour) if hour in forecast.hours else None
    current = dict(forecast.current)
    if snapshot.stale or current["temperature_2m"] is None:
        current = {
            name: (forecast.hourly[name][index] if index is not None else None)
            for name in current
            if name in forecast.hourly
        }
    temperature = current.get("temperature_2m")
    out["now"] = {
        "temperature": temperature,
        "humidity": current.get("relative_humidity_2m"),
        "wind_speed": current.get("wind_speed_10m"),
        "weather_code": current.get("weather_code"),
        "sky": say.sky(current.get("weather_code")),
        "text": say.temp(temperature) if temperature is not None else "",
    }
    daily = forecast.daily

    def clock(value: datetime | None) -> str | None:
        return value.strftime("%H:%M") if value else None

    out["days"] = [
        {
            "date": day.isoformat(),
            "sky": say.sky(daily["weather_code"][i]),
            "weather_code": daily["weather_code"][i],
            "low": daily["temperature_2m_min"][i],
            "high": daily["temperature_2m_max"][i],
            "rain_chance": daily["precipitation_probability_max"][i],
            "sunrise": clock(daily["sunrise"][i]),
            "sunset": clock(daily["sunset"][i]),
        }
        for i, day in enumerate(forecast.days)
        if day >= say.now.date()
    ]
    return out
