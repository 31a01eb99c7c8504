"""A forecast as the hub reads it: Open-Meteo's hourly and daily arrays, checked once.

Open-Meteo answers with parallel arrays (``hourly.time``, ``hourly.temperature_2m``,
...) in the home's local time when asked with ``timezone=``. Parsing checks the shape
once, so the answer code can index without guarding every value; a missing number
stays None and the answer leaves that part out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

HOURLY = (
    "temperature_2m",
    "relative_humidity_2m",
    "precipitation_probability",
    "precipitation",
    "weather_code",
    "wind_speed_10m",
    "uv_index",
)
DAILY = (
    "weather_code",
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_sum",
    "precipitation_probability_max",
    "wind_speed_10m_max",
    "uv_index_max",
    "sunrise",
    "sunset",
)
CURRENT = ("temperature_2m", "relative_humidity_2m", "weather_code", "wind_speed_10m", "precipitation")
AIR = ("us_aqi", "pm2_5", "pm10")
_MAX_POINTS = 24 * 40  # 16 forecast days and more: anything longer is not an answer to our request


class ForecastError(ValueError):
    """The service answered, but not with a forecast we can read."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _series(block: dict[str, Any], names: tuple[str, ...], length: int) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name in names:
        values = block.get(name)
        if values is None:
            out[name] = [None] * length
            continue
        if not isinstance(values, list) or len(values) != length:
            raise ForecastError(f"{name}: expected {length} values")
        out[name] = values
    return out


def _times(block: dict[str, Any], parse: Any) -> list[Any]:
    times = block.get("time")
    if not isinstance(times, list) or not times or len(times) > _MAX_POINTS:
        raise ForecastError("no time axis")
    try:
        return [parse(t) for t in times]
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"bad time: {exc}") from None


def _within(hours: list[datetime], values: list[Any], start: datetime, end: datetime) -> list[float]:
    numbers = (_number(v) for v in values)
    return [n for when, n in zip(hours, numbers, strict=True) if start <= when < end and n is not None]


def _block(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _local(text: Any) -> datetime:
    return datetime.fromisoformat(str(text)).replace(tzinfo=None)


def _day(text: Any) -> date:
    return date.fromisoformat(str(text))


@dataclass(frozen=True)
class Forecast:
    """Hourly and daily series in the home's local (naive) time, and the current conditions."""

    hours: list[datetime]
    hourly: dict[str, list[Any]]
    days: list[date]
    daily: dict[str, list[Any]]
    current: dict[str, float | None]
    current_time: datetime | None
    units: dict[str, str]

    @classmethod
    def parse(cls, data: Any) -> Forecast:
        if not isinstance(data, dict) or not isinstance(data.get("hourly"), dict):
            raise ForecastError("no hourly block")
        if not isinstance(data.get("daily"), dict):
            raise ForecastError("no daily block")
        hours = _times(data["hourly"], _local)
        days = _times(data["daily"], _day)
        daily = _series(data["daily"], DAILY, len(days))
        for name in ("sunrise", "sunset"):
            daily[name] = [_local(v) if isinstance(v, str) else None for v in daily[name]]
        current_block = _block(data, "current")
        current_time = None
        if current_block.get("time"):
            try:
                current_time = _local(current_block["time"])
            except ValueError:
                raise ForecastError("bad current time") from None
        units = _block(data, "hourly_units")
        return cls(
            hours,
            _series(data["hourly"], HOURLY, len(hours)),
            days,
            daily,
            {name: _number(current_block.get(name)) for name in CURRENT},
            current_time,
            {k: str(v) for k, v in units.items()},
        )

    def day_index(self, day: date) -> int | None:
        return self.days.index(day) if day in self.days else None

    def daily_value(self, name: str, day: date) -> Any:
        index = self.day_index(day)
        if index is None:
            return None
        value = self.daily[name][index]
        return value if name in ("sunrise", "sunset") else _number(value)

    def hourly_values(self, name: str, start: datetime, end: datetime) -> list[float]:
        """The numbers of ``name`` for hours in [start, end), missing ones left out."""
        return _within(self.hours, self.hourly[name], start, end)

    def covers(self, start: datetime, end: datetime) -> bool:
        return any(start <= when < end for when in self.hours)


@dataclass(frozen=True)
class Air:
    """Air quality: the US AQI scale (0-500, the same bands as China's HJ 633) and PM2.5 / PM10."""

    hours: list[datetime]
    hourly: dict[str, list[Any]]
    current: dict[str, float | None]

    @classmethod
    def parse(cls, data: Any) -> Air:
        if not isinstance(data, dict) or not isinstance(data.get("hourly"), dict):
            raise ForecastError("no hourly air-quality block")
        hours = _times(data["hourly"], _local)
        current_block = _block(data, "current")
        return cls(
            hours,
            _series(data["hourly"], AIR, len(hours)),
            {name: _number(current_block.get(name)) for name in AIR},
        )

    def hourly_values(self, name: str, start: datetime, end: datetime) -> list[float]:
        return _within(self.hours, self.hourly[name], start, end)
