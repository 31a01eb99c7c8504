"""The home file's ``weather:``, ``warnings:`` and ``energy:`` sections, and what they become.

Kept apart from ``homefile.py`` so that the sections the outside world feeds (a
forecast service, official warning feeds, the electricity tariff) read as one idea.
The pydantic specs check what a person typed; ``build_*`` turn them into the frozen
settings the rest of the hub reads, reporting problems through homefile's ``fail``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homemind.core.model import Domain, Entity

_HHMM = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
Fail = Callable[[tuple[str | int, ...], str], None]


def http_url(value: str) -> str:
    """An http(s) URL with a host and nothing secret in it; anything else is a clear error."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    if parts.username or parts.password:
        raise ValueError(f"{value!r}: no user name or password in the URL")
    return value.rstrip("/") if not parts.query else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Place(_Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class WeatherSection(_Place):
    """``weather:``: where the home is and which forecast service to ask (Open-Meteo, no key)."""

    provider: Literal["open-meteo"] = "open-meteo"
    place: dict[Literal["en", "zh"], str] = Field(
        default_factory=dict, description="the town, as people say it"
    )
    base_url: str = "https://api.open-meteo.com"
    air_quality_url: str = "https://air-quality-api.open-meteo.com"
    temperature_unit: Literal["celsius", "fahrenheit"] = "celsius"
    wind_speed_unit: Literal["kmh", "ms", "mph", "kn"] = "kmh"
    refresh_minutes: float = Field(default=30, ge=5, le=24 * 60)
    timeout: float = Field(default=6.0, gt=0, le=60)

    @field_validator("base_url", "air_quality_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return http_url(value)


class FeedSpec(_Strict):
    url: str
    name: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)


class WarningsSection(_Strict):
    """``warnings:``: official CAP 1.2 feeds and how to tell which alerts are for this home."""

    feeds: list[FeedSpec] = Field(min_length=1)
    area_codes: list[str] = Field(default_factory=list)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    poll_minutes: float = Field(default=5, ge=1, le=24 * 60)
    timeout: float = Field(default=10.0, gt=0, le=120)

    @field_validator("area_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        if any(not str(code).strip() for code in value):
            raise ValueError("an area code is empty")
        return [str(code).strip() for code in value]


class PeriodSpec(_Strict):
    kind: Literal["peak", "flat", "valley"]
    start: str = Field(alias="from", pattern=_HHMM)
    end: str = Field(alias="to", pattern=_HHMM)
    price: float = Field(ge=0, le=1000)


class TariffSpec(_Strict):
    price: float = Field(ge=0, le=1000, description="per kWh whenever no period applies")
    periods: list[PeriodSpec] = Field(default_factory=list)


class DeviceEnergySpec(_Strict):
    sensor: str | None = None
    watts: float | None = Field(default=None, ge=0, le=100_000)


class EnergySection(_Strict):
    """``energy:``: which sensor measures the whole home, what each device draws, the tariff."""

    meter: str | None = None
    devices: dict[str, DeviceEnergySpec] = Field(default_factory=dict)
    idle_watts: float = Field(default=0, ge=0, le=100_000)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    tariff: TariffSpec | None = None


# --- what the hub reads ----------------------------------------------------------------


@dataclass(frozen=True)
class WeatherSettings:
    latitude: float
    longitude: float
    base_url: str = "https://api.open-meteo.com"
    air_quality_url: str = "https://air-quality-api.open-meteo.com"
    temperature_unit: str = "celsius"
    wind_speed_unit: str = "kmh"
    refresh_seconds: float = 1800.0
    timeout: float = 6.0
    place: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Feed:
    url: str
    name: str


@dataclass(frozen=True)
class WarningSettings:
    feeds: tuple[Feed, ...]
    area_codes: frozenset[str] = frozenset()
    # The home's point, for alerts given as polygons or circles (default: the weather's).
    point: tuple[float, float] | None = None
    poll_seconds: float = 300.0
    timeout: float = 10.0


@dataclass(frozen=True)
class Period:
    """A time-of-use period in local minutes since midnight; ``end <= start`` wraps past midnight."""

    kind: str
    start: int
    end: int
    price: float


@dataclass(frozen=True)
class Tariff:
    price: float  # outside every period
    periods: tuple[Period, ...] = ()


@dataclass(frozen=True)
class DeviceEnergy:
    """How a device's use is known: its own sensor (W or kWh), or its rating while it is on."""

    entity_id: str
    sensor: str | None = None
    watts: float | None = None


@dataclass(frozen=True)
class EnergySettings:
    meter: str | None = None
    devices: dict[str, DeviceEnergy] = field(default_factory=dict)
    idle_watts: float = 0.0
    currency: str = "CNY"
    tariff: Tariff | None = None


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def _covered(period: Period) -> set[int]:
    start, end = period.start, period.end if period.end > period.start else period.end + 1440
    return {m % 1440 for m in range(start, end)}


def build_weather(section: WeatherSection | None) -> WeatherSettings | None:
    if section is None:
        return None
    return WeatherSettings(
        section.latitude,
        section.longitude,
        section.base_url,
        section.air_quality_url,
        section.temperature_unit,
        section.wind_speed_unit,
        section.refresh_minutes * 60,
        section.timeout,
        {k: v.strip() for k, v in section.place.items() if v.strip()},
    )


def build_warnings(
    section: WarningsSection | None, weather: WeatherSettings | None, fail: Fail
) -> WarningSettings | None:
    if section is None:
        return None
    point = None
    if section.latitude is not None and section.longitude is not None:
        point = (section.latitude, section.longitude)
    elif weather is not None:
        point = (weather.latitude, weather.longitude)
    if (section.latitude is None) != (section.longitude is None):
        fail(("warnings",), "give both latitude and longitude, or neither")
    if point is None and not section.area_codes:
        fail(("warnings",), "no way to tell which alerts are for this home: give area_codes or a location")
    feeds = tuple(Feed(f.url, f.name or urlsplit(f.url).hostname or f.url) for f in section.feeds)
    return WarningSettings(
        feeds, frozenset(section.area_codes), point, section.poll_minutes * 60, section.timeout
    )


def build_energy(
    section: EnergySection | None, entities: dict[str, Entity], fail: Fail
) -> EnergySettings | None:
    if section is None:
        return None
    where = ("energy",)
    if section.meter is not None:
        _check_sensor(section.meter, entities, (*where, "meter"), fail)
    devices: dict[str, DeviceEnergy] = {}
    for entity_id, spec in section.devices.items():
        here = (*where, "devices", entity_id)
        if entity_id not in entities:
            fail(here, f"unknown entity {entity_id!r}")
        if (spec.sensor is None) == (spec.watts is None):
            fail(here, "give either the device's own sensor or its watts while on")
        if spec.sensor is not None:
            _check_sensor(spec.sensor, entities, (*here, "sensor"), fail)
        devices[entity_id] = DeviceEnergy(entity_id, spec.sensor, spec.watts)
    return EnergySettings(
        section.meter,
        devices,
        section.idle_watts,
        section.currency,
        _tariff(section.tariff, fail) if section.tariff else None,
    )


def _check_sensor(
    entity_id: str, entities: dict[str, Entity], here: tuple[str | int, ...], fail: Fail
) -> None:
    entity = entities.get(entity_id)
    if entity is None:
        fail(here, f"unknown entity {entity_id!r}")
    elif entity.domain is not Domain.SENSOR or entity.device_class not in ("power", "energy"):
        fail(here, f"{entity_id} is not a power or energy sensor (device_class power or energy)")


def _tariff(spec: TariffSpec, fail: Fail) -> Tariff:
    periods: list[Period] = []
    taken: dict[int, int] = {}
    for i, p in enumerate(spec.periods):
        here = ("energy", "tariff", "periods", i)
        period = Period(p.kind, _minutes(p.start) % 1440, _minutes(p.end) % 1440, p.price)
        if period.start == period.end:
            fail(here, "a period needs a length: from and to are the same time")
            continue
        clash = {taken[m] for m in _covered(period) if m in taken}
        if clash:
            fail(here, f"overlaps period {min(clash)}")
        taken.update(dict.fromkeys(_covered(period), i))
        periods.append(period)
    return Tariff(spec.price, tuple(periods))
