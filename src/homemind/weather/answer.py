"""A weather question answered from a forecast, in the asker's language and the home's units.

Every sentence is a message key with parameters (``replies.yaml``); numbers are rounded
the way people say them. A stale forecast (the service could not be reached) is used,
and the answer starts with its age.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from homemind.core import i18n
from homemind.core.outdoors import WeatherSettings
from homemind.weather.forecast import Forecast
from homemind.weather.question import Question, Span, spans
from homemind.weather.service import Snapshot

_SKY = [
    ((0,), "clear"), ((1,), "mostly_clear"), ((2,), "partly_cloudy"), ((3,), "overcast"),
    ((45, 48), "fog"), ((51, 53, 55), "drizzle"), ((56, 57, 66, 67), "freezing_rain"),
    ((61,), "light_rain"), ((63,), "rain"), ((65,), "heavy_rain"), ((71, 73, 75, 77, 85, 86), "snow"),
    ((80,), "showers"), ((81, 82), "heavy_showers"), ((95,), "thunderstorm"), ((96, 99), "hail"),
]  # fmt: skip
_BEAUFORT_KMH = (1, 6, 12, 20, 29, 39, 50, 62, 75, 89, 103, 118)
_BEAUFORT_EN = (
    "calm", "light air", "light breeze", "gentle breeze", "moderate breeze", "fresh breeze",
    "strong breeze", "near gale", "gale", "strong gale", "storm", "violent storm", "hurricane force",
)  # fmt: skip
_TO_KMH = {"kmh": 1.0, "ms": 3.6, "mph": 1.609344, "kn": 1.852}
_WIND_UNITS = {
    "kmh": ("km/h", "公里/小时"), "ms": ("m/s", "米/秒"), "mph": ("mph", "英里/小时"), "kn": ("kn", "节"),
}  # fmt: skip
_UV = ((3, "low"), (6, "moderate"), (8, "high"), (11, "very_high"))
_AQI = ((51, "good"), (101, "moderate"), (151, "sensitive"), (201, "unhealthy"), (301, "very_unhealthy"))


def _band(value: float, bands: tuple[tuple[int, str], ...], last: str) -> str:
    return next((name for limit, name in bands if value < limit), last)


class Answerer:
    """Turns (snapshot, question) into a sentence, seen from ``now`` (epoch seconds) in ``tz``."""

    def __init__(self, settings: WeatherSettings, language: str, now: float, tz: tzinfo) -> None:
        self.settings = settings
        self.language = language
        self.tz = tz
        self.now = self.local(now)  # naive local time, as Open-Meteo's series are

    def local(self, epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, self.tz).replace(tzinfo=None)

    def t(self, key: str, **params: Any) -> str:
        return i18n.translate(key, self.language, **params)

    # --- units ---------------------------------------------------------------------

    def temp(self, value: float) -> str:
        number = round(value)
        if self.language == "zh":
            return f"{number}度" if self.settings.temperature_unit == "celsius" else f"华氏{number}度"
        return f"{number} °C" if self.settings.temperature_unit == "celsius" else f"{number} °F"

    def wind(self, value: float) -> str:
        en, zh = _WIND_UNITS[self.settings.wind_speed_unit]
        return f"{round(value)}{zh}" if self.language == "zh" else f"{round(value)} {en}"

    def clock(self, when: datetime) -> str:
        return f"{when.hour}:{when.minute:02d}"

    def sky(self, code: float | None) -> str:
        group = next((name for codes, name in _SKY if code is not None and int(code) in codes), "unknown")
        return self.t(f"weather.sky.{group}")

    def when(self, span: Span) -> str:
        return self.t(f"weather.when.{span.when}")

    # --- the answer ------------------------------------------------------------------

    def answer(self, snapshot: Snapshot, question: Question) -> str:
        forecast = snapshot.forecast
        if forecast is None:
            return self.t("weather.unreachable")
        if question.when == "now" and snapshot.stale:
            question = Question(question.what, "today")  # "current" is as old as the forecast
        asked = spans(question.when, self.now)
        if not all(forecast.covers(s.start, s.end) for s in asked):
            return self.t("weather.no_day", when=self.t(f"weather.when.{asked[0].when}"))
        compose: Callable[[Forecast, Snapshot, Span, str], str] = getattr(self, f"_{question.what}")
        parts = [compose(forecast, snapshot, span, question.when) for span in asked]
        text = " ".join(_capital(p) if self.language == "en" else p for p in parts)
        if snapshot.stale and snapshot.fetched_at is not None:
            text = self.t("weather.as_of", time=self._age(self.local(snapshot.fetched_at)), text=text)
        return _capital(text) if self.language == "en" else text

    def _age(self, fetched: datetime) -> str:
        if fetched.date() == self.now.date():
            return self.clock(fetched)
        if self.language == "zh":
            return f"{fetched.month}月{fetched.day}日{self.clock(fetched)}"
        return f"{fetched:%a} {self.clock(fetched)}"

    def _window(self, span: Span, when: str) -> tuple[datetime, datetime]:
        """What is left of the span: "will it rain today" at 3 pm is about the rest of the day."""
        start = span.start
        if when in ("now", "today") or span.day == self.now.date():
            start = max(span.start, self.now.replace(minute=0, second=0, microsecond=0))
        return start, max(span.end, start + timedelta(hours=1))

    def _hourly(self, forecast: Forecast, name: str, span: Span, when: str) -> list[float]:
        return forecast.hourly_values(name, *self._window(span, when))

    def _general(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        if when == "now":
            current = forecast.current
            if current["temperature_2m"] is not None:
                return self.t(
                    "weather.now",
                    temp=self.temp(current["temperature_2m"]),
                    sky=self.sky(current["weather_code"]),
                    humidity=round(current["relative_humidity_2m"] or 0),
                )
        low, high = self._range(forecast, span)
        chance = self._chance(forecast, span, when)
        return self.t(
            "weather.day",
            when=self.when(span),
            sky=self.sky(self._code(forecast, span)),
            low=self.temp(low),
            high=self.temp(high),
            chance=round(chance),
        )

    def _temperature(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        if when == "now" and forecast.current["temperature_2m"] is not None:
            return self.t("weather.temp_now", temp=self.temp(forecast.current["temperature_2m"]))
        low, high = self._range(forecast, span)
        return self.t("weather.temp_range", when=self.when(span), low=self.temp(low), high=self.temp(high))

    def _range(self, forecast: Forecast, span: Span) -> tuple[float, float]:
        if not span.part:
            low = forecast.daily_value("temperature_2m_min", span.day)
            high = forecast.daily_value("temperature_2m_max", span.day)
            if low is not None and high is not None:
                return low, high
        values = forecast.hourly_values("temperature_2m", span.start, span.end) or [0.0]
        return min(values), max(values)

    def _code(self, forecast: Forecast, span: Span) -> float | None:
        if not span.part:
            return forecast.daily_value("weather_code", span.day)
        codes = forecast.hourly_values("weather_code", span.start, span.end)
        return Counter(codes).most_common(1)[0][0] if codes else None

    def _chance(self, forecast: Forecast, span: Span, when: str) -> float:
        hourly = self._hourly(forecast, "precipitation_probability", span, when)
        if hourly:
            return max(hourly)
        return forecast.daily_value("precipitation_probability_max", span.day) or 0.0

    def _amount(self, forecast: Forecast, span: Span, when: str) -> str:
        total = sum(self._hourly(forecast, "precipitation", span, when))
        return f"{total:.0f}" if total >= 1 else f"{total:.1f}"

    def _rain(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        chance = self._chance(forecast, span, when)
        key = "rain_likely" if chance >= 60 else "rain_maybe" if chance >= 30 else "rain_unlikely"
        amount = self._amount(forecast, span, when)
        return self.t(f"weather.{key}", when=self.when(span), chance=round(chance), amount=amount)

    def _umbrella(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        chance = self._chance(forecast, span, when)
        amount = self._amount(forecast, span, when)
        key = (
            "umbrella_yes"
            if chance >= 50 or float(amount) >= 1
            else "umbrella_maybe"
            if chance >= 30
            else "umbrella_no"
        )
        return self.t(f"weather.{key}", when=self.when(span), chance=round(chance), amount=amount)

    def _wind(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        speeds = self._hourly(forecast, "wind_speed_10m", span, when)
        speed = max(speeds) if speeds else forecast.daily_value("wind_speed_10m_max", span.day) or 0.0
        kmh = speed * _TO_KMH[self.settings.wind_speed_unit]
        level = next((i for i, limit in enumerate(_BEAUFORT_KMH) if kmh < limit), 12)
        return self.t(
            "weather.wind",
            when=self.when(span),
            speed=self.wind(speed),
            name=_BEAUFORT_EN[level],
            level=level,
        )

    def _uv(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        values = forecast.hourly_values("uv_index", span.start, span.end)
        uv = forecast.daily_value("uv_index_max", span.day) if not span.part else None
        uv = uv if uv is not None else max(values, default=0.0)
        level = self.t(f"weather.uv.{_band(uv, _UV, 'extreme')}")
        return self.t("weather.uv", when=self.when(span), uv=round(uv), level=level)

    def _humidity(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        value = forecast.current["relative_humidity_2m"] if when == "now" else None
        if value is None:
            values = self._hourly(forecast, "relative_humidity_2m", span, when) or [0.0]
            value = sum(values) / len(values)
        return self.t("weather.humidity", when=self.when(span), value=round(value))

    def _air(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        air = snapshot.air
        aqi = pm25 = None
        if air is not None and when == "now":
            aqi, pm25 = air.current["us_aqi"], air.current["pm2_5"]
        if air is not None and aqi is None:
            start, end = self._window(span, when)
            aqis, pms = air.hourly_values("us_aqi", start, end), air.hourly_values("pm2_5", start, end)
            aqi = max(aqis) if aqis else None
            pm25 = sum(pms) / len(pms) if pms else None
        if aqi is None:
            return self.t("weather.no_air", when=self.when(span))
        level = self.t(f"weather.air.{_band(aqi, _AQI, 'hazardous')}")
        return self.t("weather.air", when=self.when(span), aqi=round(aqi), level=level, pm25=round(pm25 or 0))

    def _sunrise(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        at = forecast.daily_value("sunrise", span.day)
        return self.t("weather.sunrise", when=self.when(span), time=self.clock(at) if at else "?")

    def _sunset(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        at = forecast.daily_value("sunset", span.day)
        return self.t("weather.sunset", when=self.when(span), time=self.clock(at) if at else "?")

    def _colder(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        return self._compare(forecast, span, colder=True)

    def _warmer(self, forecast: Forecast, snapshot: Snapshot, span: Span, when: str) -> str:
        return self._compare(forecast, span, colder=False)

    def _compare(self, forecast: Forecast, span: Span, *, colder: bool) -> str:
        before = span.day - timedelta(days=1)
        high = forecast.daily_value("temperature_2m_max", span.day)
        than_high = forecast.daily_value("temperature_2m_max", before)
        than = self.t(f"weather.when.{_name_of(before, self.now.date())}")
        if high is None or than_high is None:
            return self.t("weather.no_day", when=than)
        difference = high - than_high
        found = "colder" if difference <= -1 else "warmer" if difference >= 1 else "same"
        text = self.t(
            f"weather.{found}",
            when=self.when(span),
            than=than,
            high=self.temp(high),
            than_high=self.temp(than_high),
        )
        agrees = found == ("colder" if colder else "warmer")
        return self.t("weather.yes" if agrees else "weather.no", text=text)


def _name_of(day: date, today: date) -> str:
    names = {today - timedelta(days=1): "yesterday", today: "today", today + timedelta(days=1): "tomorrow"}
    return (
        names.get(day)
        or ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[day.weekday()]
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
