"""Weather: the home file's section, questions in both languages from a local Open-Meteo fake
(real HTTP), the cache, answers when the service is down, forecast conditions, the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import run_cli
from homemind.app import Hub, demo_home_text
from homemind.core.homefile import HomeFileError, parse_home
from homemind.household import ManualClock
from homemind.weather.conditions import temperature_below, will_rain
from homemind.weather.forecast import Forecast
from homemind.weather.question import interpret
from outdoors_fakes import Day, FakeOpenMeteo, make_forecast

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 10)  # a Wednesday
DAYS = {
    -1: Day(low=25, high=31),
    0: Day(low=24, high=29, rain=10, code=2, uv=9, aqi=42, pm25=11),
    1: Day(low=22, high=27, rain=80, mm=2.0, code=61, wind=45, aqi=120, pm25=60),
    3: Day(low=20, high=26, rain=0, code=0),  # Saturday
    4: Day(low=21, high=27, rain=40, code=80),  # Sunday
}


@pytest.fixture
def fake() -> Iterator[FakeOpenMeteo]:
    forecast, air = make_forecast(TODAY, DAYS)
    server = FakeOpenMeteo(forecast, air)
    yield server
    server.close()


def home_text(url: str) -> str:
    return demo_home_text().replace(
        "base_url: https://api.open-meteo.com", f"base_url: {url}\n  air_quality_url: {url}"
    )


class Home:
    """A hub on the demo home, its forecast from the fake, its clock at 09:00 on TODAY."""

    def __init__(self, directory: Path, url: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "home.yaml").write_text(home_text(url), encoding="utf-8")
        self.directory = directory
        self.clock = ManualClock(datetime(2026, 6, 10, 9, 0, tzinfo=TZ).timestamp())
        self.hub = Hub.open(directory, clock=self.clock)

    def ask(self, text: str, member: str | None = None) -> str:
        result = asyncio.run(self.hub.conversation.process(text, self.hub.actor(member, "test")))
        assert result.status.value == "answered", result.as_dict()
        return result.response

    def close(self) -> None:
        asyncio.run(self.hub.stop())


@pytest.fixture
def home(tmp_path: Path, fake: FakeOpenMeteo) -> Iterator[Home]:
    opened = Home(tmp_path / "data", fake.url)
    yield opened
    opened.close()


def test_the_weather_section_is_checked_with_its_line() -> None:
    text = demo_home_text().replace("latitude: 22.54", "latitude: 122.54")
    with pytest.raises(HomeFileError, match=r"home\.yaml:\d+: weather\.latitude"):
        parse_home(text)
    text = demo_home_text().replace("base_url: https://api.open-meteo.com", "base_url: ftp://example.org")
    with pytest.raises(HomeFileError, match="not an http:// or https:// URL"):
        parse_home(text)
    assert parse_home(demo_home_text()).weather is not None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what's the weather tomorrow", ["Tomorrow: light rain, 22 °C to 27 °C, 80% chance of rain."]),
        ("明天天气怎么样", ["明天小雨，22度到27度，降水概率80%。"]),
        ("do I need an umbrella tomorrow", ["Yes, take an umbrella", "80%"]),
        ("明天要带伞吗", ["要带伞", "80%"]),
        ("will it rain today", ["Probably not", "10%"]),
        ("今天会下雨吗", ["应该不会", "10%"]),
        ("外面冷吗", ["外面现在"]),
        ("what's it like outside", ["outside, humidity 75%"]),
        ("how windy will it be tomorrow", ["45 km/h", "strong breeze"]),
        ("明天风大吗", ["45公里/小时", "6级"]),
        ("what's the uv index today", ["UV index 9", "very high"]),
        ("今天紫外线强吗", ["紫外线指数9", "很强"]),
        ("what's the air quality like", ["42", "good", "PM2.5 11"]),
        ("明天空气质量怎么样", ["120", "轻度污染"]),
        ("what time is sunset", ["sunset at 18:39"]),
        ("明天几点日出", ["6:12"]),
        ("is it colder than yesterday", ["Yes, today is colder than yesterday", "29 °C against 31 °C"]),
        ("今天比昨天热吗", ["不是", "今天比昨天冷"]),
        ("will it rain this weekend", ["Saturday", "Sunday", "40%"]),
        ("这周末天气如何", ["周六晴", "周日阵雨"]),
        ("how humid will it be tomorrow", ["humidity around 75%"]),
    ],
)
def test_questions_in_both_languages(home: Home, question: str, expected: list[str]) -> None:
    answer = home.ask(question)
    for part in expected:
        assert part in answer, answer


def test_the_homes_units_are_asked_for_and_said(tmp_path: Path, fake: FakeOpenMeteo) -> None:
    data = tmp_path / "imperial"
    data.mkdir()
    text = home_text(fake.url).replace(
        "  latitude: 22.54\n", "  latitude: 22.54\n  temperature_unit: fahrenheit\n  wind_speed_unit: ms\n"
    )
    (data / "home.yaml").write_text(text, encoding="utf-8")
    clock = ManualClock(datetime(2026, 6, 10, 9, 0, tzinfo=TZ).timestamp())
    hub = Hub.open(data, clock=clock)
    try:
        said = [
            asyncio.run(hub.conversation.process(q, hub.actor(None, "test"))).response
            for q in ("how hot will it be tomorrow", "how windy will it be tomorrow", "明天多少度")
        ]
        assert "°F" in said[0] and "45 m/s" in said[1] and "华氏" in said[2]  # the fake does not convert
        assert fake.requests[0].query["temperature_unit"] == ["fahrenheit"]
        assert fake.requests[0].query["wind_speed_unit"] == ["ms"]
    finally:
        asyncio.run(hub.stop())


def test_a_forecast_is_fetched_once_then_read_from_the_cache(home: Home, fake: FakeOpenMeteo) -> None:
    home.ask("what's the weather tomorrow")
    assert fake.paths() == ["/v1/forecast", "/v1/air-quality"]
    query = fake.requests[0].query
    assert query["latitude"] == ["22.5400"] and query["timezone"] == ["Asia/Shanghai"]
    assert "precipitation_probability" in query["hourly"][0] and "sunrise" in query["daily"][0]
    assert "us_aqi" in fake.requests[1].query["hourly"][0]
    home.ask("明天要带伞吗")
    assert len(fake.requests) == 2  # fresh: from the cache, no request
    home.clock.advance(31 * 60)
    home.ask("明天要带伞吗")
    assert len(fake.requests) == 4  # stale after 30 minutes: fetched again


def test_offline_the_last_forecast_is_used_and_its_age_said(home: Home, fake: FakeOpenMeteo) -> None:
    home.ask("what's the weather tomorrow")
    fake.close()  # the internet is gone
    home.clock.advance(3 * 3600)
    english = home.ask("what's the weather tomorrow")
    assert english.startswith("As of 9:00 (the weather service can't be reached now): Tomorrow: light rain")
    chinese = home.ask("明天要带伞吗")
    assert chinese.startswith("（9:00的预报，现在连不上天气服务）要带伞")


def test_with_no_forecast_at_all_the_answer_says_so(tmp_path: Path) -> None:
    home = Home(tmp_path / "data", "http://127.0.0.1:9")  # nothing listens there
    try:
        assert home.ask("what's the weather tomorrow") == (
            "I can't reach the weather service right now, and I have no earlier forecast."
        )
        assert home.ask("明天要带伞吗") == "现在连不上天气服务，也没有之前的预报。"
    finally:
        home.close()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b'{"error": true, "reason": "Cannot initialize WeatherCode"}'),
        (200, b"<html>captive portal</html>"),
        (200, b'{"hourly": {"time": ["2026-06-10T00:00"], "temperature_2m": [1, 2]}, "daily": {}}'),
    ],
)
def test_a_bad_answer_keeps_the_good_forecast(
    home: Home, fake: FakeOpenMeteo, status: int, body: bytes
) -> None:
    home.ask("what's the weather tomorrow")
    fake.answer_with(status, body)
    home.clock.advance(3600)
    assert home.ask("what's the weather tomorrow").startswith("As of 9:00")
    problem = home.hub.store.read("SELECT problem FROM weather_cache WHERE kind = 'forecast'")[0]["problem"]
    assert problem  # kept for `homemind weather` to show


def test_a_day_beyond_the_forecast_is_said_plainly(home: Home) -> None:
    home.clock.advance(6 * 86400)
    assert "I have no forecast for" in home.ask("what's the weather the day after tomorrow")


def test_another_town_is_not_guessed(home: Home, fake: FakeOpenMeteo) -> None:
    from homemind.nlu.types import IntentMatch, Slot
    from homemind.skills.base import IntentRequest
    from homemind.skills.weather import Weather

    match = IntentMatch("HomemindWeather", {"place": Slot("Beijing", "Beijing")}, "learned", "en")
    request = IntentRequest(match, home.hub.actor(None, "test"), "en", home.hub.home, home.hub.states,
                            home.hub.executor, home.hub.household)  # fmt: skip
    reply = asyncio.run(Weather().handle(request))
    assert reply.speech == "I only know the weather at home in Shenzhen, not in Beijing."
    assert fake.requests == []


def test_the_learned_tiers_spans_mean_the_same_as_the_templates_slots() -> None:
    assert interpret({"day": "tomorrow", "timeofday": "afternoon", "descriptor": "rain"}, "").when in (
        "tomorrow",
        "tomorrow_afternoon",
    )
    assert interpret({"day": "明天", "descriptor": "下雨"}, "") == interpret(
        {"when": "tomorrow", "what": "rain"}, ""
    )
    assert interpret({}, "明天下午会下雨吗").when == "tomorrow_afternoon"
    assert interpret({}, "is it colder than yesterday").when == "today"
    assert interpret({}, "周六热不热").when == "saturday"


def test_forecast_conditions_for_automations() -> None:
    forecast = Forecast.parse(make_forecast(TODAY, DAYS)[0])
    morning = datetime(2026, 6, 10, 9, 0)
    assert will_rain(forecast, "tomorrow", morning) is True
    assert will_rain(forecast, "today", morning) is False
    assert will_rain(forecast, "saturday", morning) is False
    assert will_rain(forecast, "tomorrow", datetime(2026, 6, 20, 9, 0)) is None  # beyond the forecast
    assert temperature_below(forecast, "tonight", morning, 25.0) is True
    assert temperature_below(forecast, "tonight", morning, 20.0) is False


def test_cli_weather_json_and_its_attribution(tmp_path: Path) -> None:
    fake = FakeOpenMeteo(*make_forecast(datetime.now(TZ).date(), DAYS))  # the CLI runs on the wall clock
    data = tmp_path / "data"
    data.mkdir()
    (data / "home.yaml").write_text(home_text(fake.url), encoding="utf-8")
    result = run_cli(data, "weather", "--json")
    fake.close()
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["available"] is True and out["place"] == "Shenzhen"
    assert out["days"] and {"date", "low", "high", "rain_chance", "sunrise"} <= set(out["days"][0])
    text = run_cli(data, "weather", "--lang", "zh")
    assert "Open-Meteo.com" in text.stdout.decode()
    offline_data = tmp_path / "offline"
    offline_data.mkdir()
    (offline_data / "home.yaml").write_text(home_text("http://127.0.0.1:9"), encoding="utf-8")
    offline = run_cli(offline_data, "weather")
    assert offline.returncode == 1 and b"Traceback" not in offline.stderr
    assert b"no forecast" in offline.stderr
