"""Benchmark: the cost of a weather answer (cached and not) and of an energy question over a
year of hourly history for 50 devices.

What it measures, in one run, warm and in-process, through the whole pipeline
(``hub.conversation.process``: language detection, the template tier, the handler, the reply):

1. Weather questions (English and Chinese) answered from the store's forecast cache.
2. The same questions with the cache emptied before each one, so each answer includes
   fetching the forecast and the air quality from a local Open-Meteo fake (the tests'
   ``outdoors_fakes.FakeOpenMeteo``: real HTTP on a loopback socket, no internet).
3. Energy questions ("how much electricity did we use this month", "这个月电费多少",
   "哪个电器最费电", a device's cost this week...) on a home of 50 metered devices with a
   year of hourly, daily and monthly totals in the store (target p50 <= 20 ms).
4. Peers, in the same run: a question about a device's state through the same pipeline
   (what the pipeline costs with no outside data), and the energy questions' figures
   computed the naive way, by summing the hourly table (what the daily and monthly totals save).

Also reported: the store's size with that year of statistics. No timing assertions.
Results are printed as a table and written as JSON (default ``benchmarks/results/outdoors.json``).

Run from the repo root with the venv active::

    python benchmarks/outdoors.py [--rounds 30] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homemind.app import Hub, demo_home_text
from homemind.energy.recorder import day_key, month_key, source_ids
from homemind.energy.stats import EnergyStats
from homemind.household import ManualClock
from latency import latency_stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from outdoors_fakes import Day, FakeOpenMeteo, make_forecast  # the tests' fake, not a copy

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "outdoors.json"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=TZ)
DEVICES = 50
WEATHER = ["what's the weather tomorrow", "do I need an umbrella tomorrow", "明天要带伞吗", "今天紫外线强吗"]
ENERGY = [
    "how much electricity did we use this month",
    "how much did device 7 cost this week",
    "what's using the most power this month",
    "这个月电费多少",
    "今天用了多少电",
    "哪个电器最费电",
]
PEER = "is the kitchen light on"


def _home(url: str) -> str:
    """The demo home, its forecast from the fake, and 50 more metered devices in place of its own."""
    text = demo_home_text().replace(
        "base_url: https://api.open-meteo.com", f"base_url: {url}\n  air_quality_url: {url}"
    )
    entities = "".join(
        f"  - id: switch.device_{i}\n    name: {{en: Device {i}, zh: 设备{i}}}\n    state: 'off'\n"
        for i in range(DEVICES)
    )
    text = text.replace("\n# Routines:", f"\n{entities}\n# Routines:", 1)
    head, _, tail = text.partition("  devices:\n")
    rest = tail.split("  currency:", 1)[1]
    devices = "".join(f"    switch.device_{i}: {{watts: {100 + 20 * i}}}\n" for i in range(DEVICES))
    return f"{head}  devices:\n{devices}  currency:{rest}"


def seed_year(hub: Hub) -> int:
    """A year of hourly totals (and their days and months) for the home and every device."""
    keys = ["home", *(f"switch.device_{i}" for i in range(DEVICES))]
    ids = source_ids(hub.store, keys)
    rng = random.Random(7)
    start = NOW - timedelta(days=365)
    first_hour = int(start.timestamp() // 3600)
    last_hour = int(NOW.timestamp() // 3600)
    hours, days, months = [], {}, {}
    for source in ids.values():
        for hour in range(first_hour, last_hour):
            uwh = rng.randrange(0, 400_000_000)
            ucost = uwh * 68 // 100_000
            hours.append((source, hour, uwh, ucost))
            local = datetime.fromtimestamp(hour * 3600, TZ)
            for table, key in ((days, (source, day_key(local))), (months, (source, month_key(local)))):
                total = table.setdefault(key, [0, 0])
                total[0] += uwh
                total[1] += ucost
    with hub.store.transaction() as db:
        db.executemany("INSERT INTO energy_hour VALUES (?, ?, ?, ?)", hours)
        db.executemany("INSERT INTO energy_day VALUES (?, ?, ?, ?)", [(*k, *v) for k, v in days.items()])
        db.executemany("INSERT INTO energy_month VALUES (?, ?, ?, ?)", [(*k, *v) for k, v in months.items()])
    db_path = hub.store.path
    hub.store.read("PRAGMA wal_checkpoint(TRUNCATE)")
    return db_path.stat().st_size


def naive_answers(hub: Hub) -> None:
    """The peer: this month's total and ranking from the hourly table alone."""
    first = int(NOW.replace(day=1, hour=0).timestamp() // 3600)
    hub.store.read(
        "SELECT source, SUM(uwh), SUM(ucost) FROM energy_hour WHERE hour >= ?"
        " GROUP BY source ORDER BY 2 DESC",
        (first,),
    )


def timed(rounds: int, run: Callable[[], Any], before: Callable[[], Any] | None = None) -> list[float]:
    times = []
    for _ in range(rounds):
        if before is not None:
            before()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    today = NOW.date()
    fake = FakeOpenMeteo(*make_forecast(today, {1: Day(rain=80, mm=2.0, code=61)}))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "home.yaml").write_text(_home(fake.url), encoding="utf-8")
        hub = Hub.open(data, clock=ManualClock(NOW.timestamp()))
        loop = asyncio.new_event_loop()
        loop.run_until_complete(hub.start())
        actor = hub.actor(None, "bench")

        def ask(text: str) -> Callable[[], Any]:
            def run() -> Any:
                result = loop.run_until_complete(hub.conversation.process(text, actor))
                assert result.status.value == "answered", (text, result.as_dict())
                return result

            return run

        def forget() -> None:
            with hub.store.transaction() as db:
                db.execute("DELETE FROM weather_cache")

        for text in [*WEATHER, *ENERGY, PEER]:
            ask(text)()  # warm: templates built, forecast cached
        rows: dict[str, list[float]] = {"weather, cached": [], "weather, fetched": [], "energy question": []}
        rows.update({"peer: device state question": [], "peer: energy figures from hourly rows": []})
        rows["energy figures (stats only)"] = []
        size = seed_year(hub)
        stats_calls = [
            lambda: EnergyStats(hub.home, hub.store, NOW.timestamp()).usage(["home"], "this_month"),
            lambda: EnergyStats(hub.home, hub.store, NOW.timestamp()).ranking("this_month"),
        ]
        for _ in range(args.rounds):  # interleaved, so a busy moment costs every row alike
            for text in WEATHER:
                rows["weather, cached"] += timed(1, ask(text))
                rows["weather, fetched"] += timed(1, ask(text), forget)
            for text in ENERGY:
                rows["energy question"] += timed(1, ask(text))
            rows["peer: device state question"] += timed(1, ask(PEER))
            rows["peer: energy figures from hourly rows"] += timed(1, lambda: naive_answers(hub))
            for call in stats_calls:
                rows["energy figures (stats only)"] += timed(1, call)
        answers = {text: ask(text)().response for text in [WEATHER[0], WEATHER[2], *ENERGY[:4]]}
        loop.run_until_complete(hub.stop())
        loop.close()
    fake.close()
    results["latency"] = {name: latency_stats(values) for name, values in rows.items()}
    results["store_bytes_with_a_year_for_51_sources"] = size
    results["answers"] = answers
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
    }
    results["rounds"] = args.rounds
    print(f"{'':40} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9}")
    for name, row in results["latency"].items():
        print(f"{name:40} {row['n']:>5} {row['p50_ms']:>9.2f} {row['p99_ms']:>9.2f} {row['mean_ms']:>9.2f}")
    print(f"\nstore with a year of hourly, daily and monthly totals for 51 sources: {size / 1e6:.1f} MB")
    for text, answer in answers.items():
        print(f"  {text!r} -> {answer}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
