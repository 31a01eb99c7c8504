"""`homemind weather`, `homemind alerts` and `homemind energy`: the outside world from the command line.

Registered in ``cli.py`` with one line each for the parser and the dispatch; the JSON
shapes are the same as the HTTP API's (``outdoors_api.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from homemind.app import Hub, SetupError

COMMANDS = ("weather", "alerts", "energy")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    weather = sub.add_parser("weather", parents=[common], help="the forecast for home (Open-Meteo)")
    weather.add_argument(
        "--refresh", action="store_true", help="fetch now, even if the cached forecast is fresh"
    )
    alerts = sub.add_parser("alerts", parents=[common], help="official weather warnings in force (CAP feeds)")
    alerts.add_argument(
        "--refresh", action="store_true", help="poll the feeds now (the server polls them itself)"
    )
    energy = sub.add_parser(
        "energy", parents=[common], help="electricity used today and this month, and by what"
    )
    for parser in (weather, alerts, energy):
        parser.add_argument("--lang", choices=["en", "zh"], help="language (default: the owner's)")
        parser.add_argument("--json", action="store_true")


async def run(hub: Hub, args: argparse.Namespace) -> int:
    language = args.lang or hub.home.members[hub.home.owner].language
    if args.command == "weather":
        return await _weather(hub, args, language)
    if args.command == "alerts":
        return await _alerts(hub, args, language)
    return _energy(hub, args, language)


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


async def _weather(hub: Hub, args: argparse.Namespace, language: str) -> int:
    from homemind.weather.service import WeatherService
    from homemind.weather.summary import summary

    settings = hub.home.weather
    if settings is None:
        raise SetupError("this home has no weather section (see README: the home file)")
    house = hub.household
    service = WeatherService(settings, hub.store, hub.home.timezone, house.clock.now)
    if args.refresh:
        await service.refresh()
    data = summary(await service.get(), settings, language, house.clock.now(), house.tz)
    if args.json:
        _print(data)
        return 0 if data["available"] else 1
    if not data["available"]:
        print(
            f"homemind: no forecast: {data['problem'] or 'the weather service could not be reached'}",
            file=sys.stderr,
        )
        return 1
    if data["stale"]:
        print(f"(as of {data['fetched_at']}; {data['problem'] or 'not refreshed since'})")
    now = data["now"]
    print(f"now: {now['text']} {now['sky']}, humidity {now['humidity']}%")
    for day in data["days"]:
        print(
            f"{day['date']}  {day['sky']:16} {day['low']}..{day['high']}  rain {day['rain_chance']}%"
            f"  sunrise {day['sunrise']} sunset {day['sunset']}"
        )
    print("Weather data by Open-Meteo.com (CC BY 4.0)")
    return 0


async def _alerts(hub: Hub, args: argparse.Namespace, language: str) -> int:
    from homemind.weather.alerts import Warnings

    settings = hub.home.warnings
    if settings is None:
        raise SetupError("this home has no warnings section (see README: the home file)")
    warnings = Warnings(settings, hub.household)
    if args.refresh:
        await warnings.poll()
    active = warnings.active(language)
    problems = warnings.problems()
    for url, problem in problems.items():
        print(f"homemind: {url}: {problem}", file=sys.stderr)
    if args.json:
        _print(active)
        return 0
    if not active:
        print("no warnings in force")
    for alert in active:
        print(f"[{alert['severity_text']}] {alert['headline']}  (until {alert['expires'] or '?'})")
        for line in (alert["description"], alert["instruction"]):
            if line:
                print(f"    {line}")
    return 0


def _energy(hub: Hub, args: argparse.Namespace, language: str) -> int:
    from homemind.energy.stats import EnergyStats

    if hub.home.energy is None:
        raise SetupError("this home has no energy section (see README: the home file)")
    data = EnergyStats(hub.home, hub.store, hub.household.clock.now()).summary()
    if args.json:
        _print(data)
        return 0
    currency = data["currency"]
    for label, key in (("today", "today"), ("this month", "this_month")):
        print(f"{label:12} {data[key]['kwh']:9.3f} kWh  {data[key]['cost']:9.2f} {currency}")
    for device in data["devices_today"]:
        name = hub.home.entities[device["entity_id"]].names.display(language)
        print(f"  {name:24} {device['kwh']:9.3f} kWh  {device['cost']:9.2f} {currency}")
    return 0
