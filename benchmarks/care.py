"""Benchmark: care over a simulated month against the anchors' naive rules, and how soon the family hears.

1. **The month** (``care_month.py``: Grandma's days with noise, planted incidents and
   situations) replayed through a real hub on a manual clock: device reports become
   state changes (the path MQTT messages take into the hub), her "我没事" goes through
   the conversation pipeline, and the scheduler and care are ticked every simulated
   minute and at each countdown's end. The benchmark plays the family: Bo says he is on
   his way three minutes after he is told, and closes the incident (as a false alarm
   when it was one) a little later. Reported: planted incidents found, and how long
   after the event the family first heard (simulated time); false alarms (incidents
   escalated to the family that were about nothing planted); "checks" (a fall she got
   up from: one low-priority note, no repeats); off-body days reported; anything
   raised during the holiday. Beside it, in the same run on the same events, the
   anchors' naive rules: **a watch alone** (alarm 60 s after any fall it reports unless
   told "I'm OK", at once on SOS) and **a fixed three-day inactivity check**.
2. **Live** (``--rounds``, default 30): a hub over a real mosquitto with the
   simulator's watch and its own care loop on the wall clock, countdown 1 s. For each
   round, a fall published on the simulator's control topic; from the moment the
   countdown ends to (a) Bo's notification on the hub's bus and (b) the push arriving
   at Bo's phone (a local ntfy stand-in, real HTTP). Then an SOS, from the publish to
   the phone. The broker's own floor (a publish coming back to its publisher) is
   measured in the same run.

No timing assertions: it reports. A table on stdout, JSON in
``benchmarks/results/care.json``. Needs mosquitto (``scripts/test`` installs it)::

    python benchmarks/care.py [--rounds 30] [--seed 23] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from care_live import FakePush, home_text, live
from care_month import HOLIDAY, TZ, Month, at, generate, three_day_rule, watch_alone
from conversation import percentile
from homemind.app import Hub, init_data_dir
from homemind.household import NOTIFICATION, ManualClock
from mqtt_e2e import MOSQUITTO, start_mosquitto

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "care.json"
MOTION = {
    "grandma_room": "binary_sensor.grandma_room_sensor_occupancy",
    "bathroom": "binary_sensor.bathroom_sensor_occupancy",
    "living_room": "binary_sensor.living_room_motion",
    "kitchen": "binary_sensor.kitchen_motion",
}
SENSORS = {
    "heart_rate": "sensor.nainai_watch_heart_rate",
    "spo2": "sensor.nainai_watch_spo2",
    "battery": "sensor.nainai_watch_battery",
}


# --- 1. the month ----------------------------------------------------------------------


class Family:
    """Plays the family: Bo on his way 3 minutes after he hears, the incident closed 20 minutes on."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.todo: list[tuple[float, str, int]] = []
        self.seen: set[int] = set()

    def heard(self, incident: int, now: float) -> None:
        if incident not in self.seen:
            self.seen.add(incident)
            self.todo += [(now + 180, "ack", incident), (now + 1200, "resolve", incident)]

    async def act(self, now: float, planted: set[int]) -> None:
        care, bo = self.hub.care, self.hub.actor("bo", "benchmark")
        for item in [t for t in self.todo if t[0] <= now]:
            self.todo.remove(item)
            incident = care.records.get(item[2])
            if incident is None or not incident.active:
                continue
            if item[1] == "ack" and incident.state == "open":
                await care.acknowledge(bo, incident.id)
            elif item[1] == "resolve":
                await care.resolve(bo, incident.id, false_alarm=incident.id not in planted)


async def replay(month: Month, data: Path, end: float | None = None) -> dict[str, Any]:
    """The month through the hub; what the family was told, and when (simulated seconds)."""
    clock = ManualClock(at(1, 0))
    hub = Hub.open(data, clock=clock)
    await hub.start()
    hub.care.listen()
    family = Family(hub)
    told: list[tuple[float, dict[str, Any]]] = []
    hub.bus.subscribe(lambda e: told.append((clock.now(), e.data)), NOTIFICATION)
    away_set = False

    async def tick_until(target: float) -> None:
        while clock.now() < target:
            due = hub.care.records.next_due()
            step = min(target, clock.now() + 60)
            clock.t = min(step, due) if due is not None and due > clock.now() else step
            await hub.scheduler.tick()
            await hub.care.tick()
            await hub.care.settle()
            for when, data in told[-20:]:
                source = str(data["source_id"])
                if data["member"] == "bo" and (":round1:" in source or ":informed>" in source):
                    family.heard(int(source.split(":")[0]), when)
            await family.act(clock.now(), planted_ids)

    planted_ids: set[int] = set()
    for event in month.events:
        if not away_set and event.at >= at(HOLIDAY[0], 8):
            await tick_until(at(HOLIDAY[0], 8))
            # Until the day she comes back (care away --until 2026-03-26).
            back = datetime.fromtimestamp(at(HOLIDAY[1] + 1, 12), TZ).date()
            hub.care.away(hub.actor("bo", "benchmark"), "nainai", back)
            away_set = True
        await tick_until(event.at)
        await apply(hub, event)
        if event.truth not in (None, "false"):
            active = hub.care.records.active_for("nainai")
            if active is not None:
                planted_ids.add(active.id)
    await tick_until(end or at(31, 0))
    incidents = [hub.care.describe(i) for i in reversed(hub.care.records.recent(1000))]
    await hub.stop()
    return {"incidents": incidents, "told": told}


async def apply(hub: Hub, event: Any) -> None:
    states, now = hub.states, hub.household.clock.now()
    if event.kind == "motion":
        states.set(MOTION[event.area], "on")
        states.set(MOTION[event.area], "off")
    elif event.kind == "door":
        states.set("binary_sensor.front_door_contact", "on")
        states.set("binary_sensor.front_door_contact", "off")
    elif event.kind in ("fall", "sos"):
        stamp = hub.household.local(now).isoformat(timespec="milliseconds")
        states.set("event.nainai_watch_alert", stamp, {"event_type": event.kind})
    elif event.kind in ("on_body", "off_body"):
        states.set("binary_sensor.nainai_watch_on_body", "on" if event.kind == "on_body" else "off")
    elif event.kind in SENSORS:
        states.set(SENSORS[event.kind], f"{event.value:g}")
    elif event.kind == "ok":
        await hub.conversation.process("我没事", hub.actor("nainai", "benchmark"))
    await hub.care.settle()


def score(month: Month, run: dict[str, Any]) -> dict[str, Any]:
    """Planted incidents found and how soon; false alarms and checks; the anchors on the same events."""
    incidents, told = run["incidents"], run["told"]

    def first_heard(incident: dict[str, Any]) -> float | None:
        steps = [t for t in incident["timeline"] if t["kind"] in ("notified", "informed")]
        return _epoch(steps[0]["at"]) if steps else None

    found, used = {}, set()
    for planted in month.planted:
        for incident in incidents:
            heard = first_heard(incident)
            opened = _epoch(incident["opened_at"])
            if (
                heard is not None
                and planted.at - 60 <= opened <= planted.at + 3 * 3600
                and incident["id"] not in used
            ):
                used.add(incident["id"])
                found[planted.id] = {
                    "incident": incident["kind"],
                    "heard_after_s": round(heard - planted.at, 1),
                }
                break
    others = [i for i in incidents if i["id"] not in used]
    alarms = [i for i in others if any(t["kind"] == "notified" for t in i["timeline"])]
    checks = [i for i in others if any(t["kind"] == "informed" for t in i["timeline"])]
    off_reports = [
        when
        for when, data in told
        if data["member"] == "bo" and str(data["source_id"]).startswith("device:off_body")
    ]
    holiday = [i for i in incidents if month.holiday[0] <= _epoch(i["opened_at"]) < month.holiday[1]]
    watch, three_day = watch_alone(month), three_day_rule(month)
    return {
        "planted": [p.__dict__ for p in month.planted],
        "homemind": {
            "found": found,
            "false_alarms": len(alarms),
            "false_alarm_kinds": [i["kind"] for i in alarms],
            "checks": len(checks),
            "off_body_days_reported": sum(
                any(s <= w <= e + 3600 for w in off_reports) for s, e in month.off_body
            ),
            "holiday_alerts": len(holiday),
            "heard_after_s": _stats([f["heard_after_s"] for f in found.values()]),
        },
        "watch_alone": _anchor(month, watch),
        "three_day_rule": _anchor(month, three_day),
    }


def _anchor(month: Month, alarms: list[tuple[float, str | None]]) -> dict[str, Any]:
    found = {}
    for planted in month.planted:
        hits = [a for a, truth in alarms if truth == planted.id]
        if hits:
            found[planted.id] = {"heard_after_s": round(hits[0] - planted.at, 1)}
    holiday = [a for a, _ in alarms if month.holiday[0] <= a < month.holiday[1]]
    return {
        "found": found,
        "false_alarms": sum(truth is None for _, truth in alarms),
        "holiday_alerts": len(holiday),
        "heard_after_s": _stats([f["heard_after_s"] for f in found.values()]),
    }


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None}
    return {"p50": round(percentile(values, 50), 1), "p99": round(percentile(values, 99), 1)}


# --- the report ------------------------------------------------------------------------


def print_report(report: dict[str, Any]) -> None:
    month = report["month"]
    planted = month["planted"]
    h, w, d = month["homemind"], month["watch_alone"], month["three_day_rule"]
    n = len(planted)

    def row(label: str, *cells: object) -> None:
        print(f"| {label} | " + " | ".join(str(c) for c in cells) + " |")

    print(f"\nA month ({report['config']['events']} events), planted incidents: {n}\n")
    row("", "homemind", "a watch alone", "three-day inactivity")
    print("|---|---|---|---|")
    row("planted incidents found", *(f"{len(x['found'])}/{n}" for x in (h, w, d)))
    row("false alarms (escalated to the family)", *(x["false_alarms"] for x in (h, w, d)))
    row("checks (one low-priority note)", h["checks"], "-", "-")
    row("alerts during the holiday", *(x["holiday_alerts"] for x in (h, w, d)))
    row("off-body days reported", f"{h['off_body_days_reported']}/2", "-", "-")
    row(
        "event -> first family notification p50 / p99 (simulated s)",
        f"{h['heard_after_s']['p50']} / {h['heard_after_s']['p99']}",
        f"{w['heard_after_s']['p50']} / {w['heard_after_s']['p99']}",
        "-",
    )
    print("\n| planted | what | homemind | a watch alone |")
    print("|---|---|---|---|")
    for p in planted:
        mine = h["found"].get(p["id"])
        theirs = w["found"].get(p["id"])
        cell = f"{mine['incident']} after {mine['heard_after_s']:g} s" if mine else "MISSED"
        other = f"after {theirs['heard_after_s']:g} s" if theirs else "missed"
        print(f"| {p['id']} | {p['what']} | {cell} | {other} |")
    live = report["live"]
    print(
        f"\nLive over mosquitto ({live['note_after_countdown_ms']['n']} falls, countdown 1 s), ms p50 / p99:"
    )
    for key, label in (
        ("note_after_countdown_ms", "countdown end -> Bo's notification on the hub"),
        ("push_after_countdown_ms", "countdown end -> Bo's phone (ntfy over HTTP)"),
        ("fall_publish_to_incident_ms", "fall published -> incident opened"),
        ("sos_publish_to_push_ms", "SOS published -> Bo's phone"),
        ("broker_floor_ms", "the broker's floor (publish -> back)"),
    ):
        print(f"  {label:50} {live[key]['p50']:8} / {live[key]['p99']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="live falls (and SOS presses) over mosquitto")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    month = generate(args.seed)
    push = FakePush()
    try:
        shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
        with tempfile.TemporaryDirectory(prefix="homemind-care-month-", dir=shm) as tmp:
            data = Path(tmp) / "data"
            init_data_dir(data, demo=True)
            (data / "home.yaml").write_text(home_text(push), encoding="utf-8")
            month_began = time.perf_counter()
            scored = score(month, asyncio.run(replay(month, data)))
            month_seconds = time.perf_counter() - month_began
        with tempfile.TemporaryDirectory(prefix="homemind-care-live-") as tmp:
            broker, port = start_mosquitto(Path(tmp))
            try:
                live_results = asyncio.run(live(args.rounds, Path(tmp) / "data", port, push))
            finally:
                broker.terminate()
                broker.wait(timeout=10)
    finally:
        push.close()
    report = {
        "config": {
            "seed": args.seed,
            "rounds": args.rounds,
            "events": len(month.events),
            "month_replay_seconds": round(month_seconds, 1),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "mosquitto": MOSQUITTO,
        },
        "month": scored,
        "live": live_results,
    }
    report["config"]["total_seconds"] = round(time.perf_counter() - began, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(
        f"\nTotal run time: {report['config']['total_seconds']} s (the month's replay {month_seconds:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
