"""Energy: a known power series integrated on a manual clock (error under 1%), an energy meter
taken as it counts (resets included), both across a restart; the tariff; the simulated meter;
the questions in both languages; the home-file section; the API and its chart."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from conftest import HubDriver, Server
from homemind.app import Hub, demo_home_text
from homemind.core.homefile import HomeFileError, parse_home
from homemind.energy.recorder import EnergyRecorder
from homemind.energy.stats import EnergyStats
from homemind.energy.tariff import cheapest_window, price_at
from homemind.household import ManualClock

TZ = ZoneInfo("Asia/Shanghai")
MIDNIGHT = datetime(2026, 6, 10, 0, 0, tzinfo=TZ).timestamp()
METER = "sensor.power_usage"
AC_METER = "sensor.ac_energy"


def energy_home_text() -> str:
    """The demo home with a kWh meter on the living room AC (a device with its own energy sensor)."""
    text = demo_home_text().replace(
        "    climate.living_room_ac: {watts: 1200}", f"    climate.living_room_ac: {{sensor: {AC_METER}}}"
    )
    sensor = (
        f"  - id: {AC_METER}\n    name: {{en: AC Energy, zh: 空调电量}}\n    device_class: energy\n"
        "    capabilities: {unit_of_measurement: kWh, state_class: total_increasing}\n"
        '    state: "100.0"\n'
    )
    return text.replace("\n# Routines:", f"\n{sensor}\n# Routines:", 1)


def power(t: float) -> float:
    """The true draw (W) t seconds after midnight: a slow wave and a load switching every 30 minutes."""
    return 800 + 400 * math.sin(2 * math.pi * t / 7200) + (300 if (t // 1800) % 2 else 0)


def true_kwh(start: float, end: float, draw: Callable[[float], float] = power) -> float:
    steps = int(end - start)  # one-second steps: far finer than the readings
    return sum(draw(start + i + 0.5) for i in range(steps)) / 3600 / 1000


def ac_count(t: float) -> float:
    """The AC's meter (kWh): 0.5 kWh an hour from 100; it was reset to 0 at 20:00."""
    hours = t / 3600
    return 100 + 0.5 * hours if hours < 20 else 0.5 * (hours - 20)


class Recording:
    def __init__(self, data: Path, clock: ManualClock) -> None:
        self.hub = Hub.open(data, clock=clock)
        asyncio.run(self.hub.start())
        self.recorder = EnergyRecorder(self.hub.home, self.hub.store, self.hub.states, clock.now)
        self.recorder.start(self.hub.bus)

    def stop(self) -> None:
        self.recorder.tick()
        asyncio.run(self.hub.stop())


def test_integration_matches_a_known_series_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "home.yaml").write_text(energy_home_text(), encoding="utf-8")
    clock = ManualClock(MIDNIGHT)
    rec = Recording(data, clock)
    end = 30 * 3600  # to 06:00 the next day
    for t in range(0, end, 60):
        if t == 13 * 3600:  # a restart: the hub is down for a minute
            rec.stop()
            clock.t = MIDNIGHT + t + 60
            rec = Recording(data, clock)
            continue
        clock.t = MIDNIGHT + t
        rec.hub.states.set(METER, f"{power(t):.1f}")
        if t % 300 == 0:
            rec.hub.states.set(AC_METER, f"{ac_count(t):.3f}")
        if t % 600 == 0:
            rec.recorder.tick()
    clock.t = MIDNIGHT + end
    rec.recorder.update("home", clock.t)
    rec.stop()

    hub = Hub.open(data, clock=clock)  # read back by a new process, as the CLI would
    stats = EnergyStats(hub.home, hub.store, clock.now())
    ids = stats.ids
    hours = {
        r["hour"]: r["uwh"] / 1e9
        for r in hub.store.read("SELECT * FROM energy_hour WHERE source = ?", (ids["home"],))
    }
    worst = 0.0
    for hour in range(30):
        start = MIDNIGHT + hour * 3600
        truth = true_kwh(start - MIDNIGHT, start - MIDNIGHT + 3600)
        worst = max(worst, abs(hours[int(start // 3600)] - truth) / truth)
    assert worst < 0.01, worst
    yesterday, today = stats.usage(["home"], "yesterday"), stats.usage(["home"], "today")
    assert abs(yesterday.kwh - true_kwh(0, 86400)) / true_kwh(0, 86400) < 0.001
    assert abs(today.kwh - true_kwh(86400, end)) / true_kwh(86400, end) < 0.01
    month = stats.usage(["home"], "this_month")
    assert month.kwh == pytest.approx(yesterday.kwh + today.kwh, rel=1e-6)
    expected_cost = sum(
        true_kwh(h * 3600, h * 3600 + 3600)
        * price_at(hub.home.energy.tariff, datetime.fromtimestamp(MIDNIGHT + h * 3600, TZ))[1]  # type: ignore[union-attr]
        for h in range(24)
    )
    assert abs(yesterday.cost - expected_cost) / expected_cost < 0.01
    # The AC's meter: 0.5 kWh an hour, counted whole across the restart and the reset at 20:00.
    ac_yesterday = stats.usage(["climate.living_room_ac"], "yesterday").kwh
    assert ac_yesterday == pytest.approx(
        0.5 * 20 - 0.5 * 5 / 60 + 2.0, abs=0.001
    )  # 5 minutes go with the reset
    hub.store.close()


def test_the_simulated_meter_follows_what_is_switched_on(hub: HubDriver) -> None:
    assert hub.state(METER) == "420"  # idle 120 W and the water heater's 300 W
    hub.call("turn_on", "switch.kettle")
    assert hub.state(METER) == "2220"
    hub.call("turn_on", "light.living_room_ceiling", brightness=255)
    assert hub.state(METER) == "2256"
    hub.call("turn_on", "light.living_room_ceiling", brightness=51)  # a fifth of its 36 W
    assert hub.state(METER) == "2227"
    hub.call("turn_off", "switch.kettle")
    hub.call("turn_off", "light.living_room_ceiling")
    assert hub.state(METER) == "420"


@pytest.fixture
def recorded(tmp_path: Path) -> Recording:
    """The demo home: the living room AC on from 9:00 to 10:00 (flat price), the kettle from
    10:00 to 11:00 (peak price), read at 12:00."""
    from homemind.app import init_data_dir

    data = tmp_path / "data"
    init_data_dir(data, demo=True)
    clock = ManualClock(datetime(2026, 6, 10, 9, 0, tzinfo=TZ).timestamp())
    rec = Recording(data, clock)
    owner = rec.hub.actor(None, "test", direct=True)

    def call(service: str, entity_id: str) -> None:
        assert asyncio.run(rec.hub.executor.execute(owner, entity_id, service, {})).result.value == "ok"

    call("turn_on", "climate.living_room_ac")
    clock.advance(3600)
    call("turn_off", "climate.living_room_ac")
    call("turn_on", "switch.kettle")
    clock.advance(3600)
    call("turn_off", "switch.kettle")
    clock.advance(3600)
    rec.recorder.tick()
    return rec


def _ask(rec: Recording, text: str) -> str:
    result = asyncio.run(rec.hub.conversation.process(text, rec.hub.actor(None, "test")))
    assert result.status.value == "answered", result.as_dict()
    return result.response


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much did the kettle cost today", "Kettle cost ¥1.85 today (1.8 kWh)."),
        ("电水壶今天的电费是多少", "电水壶今天的电费是1.85元（1.8度电）。"),
        (
            "what's using the most power",
            "Today, Kettle used the most: 1.8 kWh (¥1.85)."
            " Then Living Room AC 1.2 kWh and Water Heater 0.90 kWh.",
        ),
        (
            "哪个电器最费电",
            "今天最费电的是电水壶：1.8度电（1.85元）。其次是客厅空调1.2度电和热水器0.90度电。",
        ),
        # "The air conditioner" is both; only the living room's was on (1.2 kWh at 0.68).
        (
            "how much did the air conditioner cost this week",
            "Living Room AC and Bedroom AC cost ¥0.82 this week (1.2 kWh).",
        ),
        # The meter: 420 W for 3 hours, the AC's 1,200 W and the kettle's 1,800 W for one each;
        # 9-10 flat (1.62 kWh at 0.68), 10-12 peak (2.22 + 0.42 kWh at 1.03).
        ("how much electricity did we use today", "The home used 4.3 kWh today (¥3.82)."),
        ("今天用了多少电", "家里今天用了4.3度电（3.82元）。"),
        ("这个月电费多少", "家里本月的电费是3.82元（4.3度电）。"),
        (
            "how much electricity did the washing machine use this week",
            "Washing Machine used 0.00 kWh this week (¥0.00).",
        ),
    ],
)
def test_questions_about_energy(recorded: Recording, question: str, expected: str) -> None:
    assert _ask(recorded, question) == expected
    recorded.stop()


def test_when_electricity_is_cheapest(recorded: Recording) -> None:
    assert _ask(recorded, "when is electricity cheapest") == (
        "Electricity is cheapest from 0:00 tomorrow to 8:00 tomorrow (valley, ¥0.29 per kWh)."
    )
    recorded.hub.household.clock.t = datetime(2026, 6, 11, 3, 0, tzinfo=TZ).timestamp()  # type: ignore[attr-defined]
    assert (
        _ask(recorded, "什么时候电最便宜") == "现在就是电价最便宜的时段（谷时，每度0.29元），到今天8:00为止。"
    )
    recorded.stop()


def test_the_next_valley_period_wraps_past_midnight() -> None:
    tariff = parse_home(
        demo_home_text().replace('from: "00:00", to: "08:00"', 'from: "23:00", to: "07:00"')
    ).energy.tariff  # type: ignore[union-attr]
    assert tariff is not None
    evening = datetime(2026, 6, 10, 22, 15, tzinfo=TZ)
    window = cheapest_window(tariff, evening)
    assert (window.kind, window.start.hour, window.end - window.start) == ("valley", 23, timedelta(hours=8))
    assert price_at(tariff, datetime(2026, 6, 10, 6, 59, tzinfo=TZ)) == ("valley", 0.29)
    assert price_at(tariff, datetime(2026, 6, 10, 11, 0, tzinfo=TZ)) == ("peak", 1.03)
    assert price_at(tariff, datetime(2026, 6, 10, 9, 0, tzinfo=TZ)) == ("flat", 0.68)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("switch.kettle: {watts: 1800}", "switch.kettel: {watts: 1800}"), "unknown entity 'switch.kettel'"),
        (
            ("switch.kettle: {watts: 1800}", "switch.kettle: {}"),
            "either the device's own sensor or its watts",
        ),
        (
            ("meter: sensor.power_usage", "meter: sensor.living_room_humidity"),
            "is not a power or energy sensor",
        ),
        (('from: "10:00", to: "12:00"', 'from: "07:00", to: "12:00"'), "overlaps period 0"),
        (("price: 0.68", "price: -1"), "energy.tariff.price"),
    ],
)
def test_the_energy_section_is_checked(change: tuple[str, str], problem: str) -> None:
    with pytest.raises(HomeFileError, match=problem) as caught:
        parse_home(demo_home_text().replace(*change))
    assert "home.yaml:" in str(caught.value)


def test_the_api_and_its_chart(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as api:
        api.post("/api/services/turn_on", json={"entity_id": "switch.kettle"}).raise_for_status()
        energy = api.get("/api/energy").json()
        assert energy["currency"] == "CNY" and len(energy["days"]) == 30
        assert {"hour", "kwh"} <= set(energy["hours_today"][0])
        chart = api.get("/api/energy/chart.svg", params={"range": "30d", "lang": "zh"})
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.headers["content-security-policy"] == "default-src 'none'"
        svg = fromstring(chart.content)
        assert svg.findtext("{http://www.w3.org/2000/svg}title") == "最近30天每天用电"
        assert api.get("/api/energy/chart.svg", params={"range": "year"}).status_code == 422
        weather = api.get("/api/weather").json()
        assert weather["available"] is False  # the demo's Open-Meteo is out of reach in tests
        assert api.get("/api/alerts").json() == {"configured": False, "alerts": [], "problems": {}}
