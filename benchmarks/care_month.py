"""A month in the demo home, generated: Grandma's days with noise, and a handful of planted incidents.

Used by ``benchmarks/care.py``. Everything is drawn from one seeded generator, so a
run is reproducible. The month (March 2026, Asia/Shanghai):

* **Ordinary days**: up around 06:40, moving between the kitchen, the living room,
  her room and the bathroom until bed around 21:40 (motion every few minutes while
  she is in a room), a nap after lunch (once a week a long one, over three hours), a
  night-time trip to the bathroom on some nights. Her watch is put on when she gets
  up and charged at night; it reports heart rate every 15 minutes and SpO2 every 30.
* **Noise a watch mistakes for a fall**: most days a hard sit-down the watch takes
  for a fall (she then walks off; she answers "I'm OK" about half the time), and now
  and then a fall reported by the watch lying on the nightstand.
* **Planted incidents** (each must be found): a real fall in the bathroom (no
  movement after it), a real fall in the living room (she moves a little, where she
  fell), a long bathroom stay with no fall, a fall in the shower with the watch off, a
  morning she stays in bed, an SOS button press, a spell of low blood oxygen.
* **Planted situations**: two days the watch is not worn (one all day, one until
  15:00), and a four-day holiday (``care away``) with nobody at home.

``watch_alone`` and ``three_day_rule`` are the anchors' naive rules on the same
events: a watch that alarms 60 s after any fall it reports unless told "I'm OK"
(and at once on SOS), and a fixed check that alarms after 72 hours without motion.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
DAYS = 30
START = datetime(2026, 3, 1, tzinfo=TZ)
COUNTDOWN = 60.0
HOLIDAY = (22, 25)  # days away (1-based, inclusive)
OFF_ALL_DAY, OFF_UNTIL_3PM = 2, 13
ROOMS = (("living_room", 0.45, (20, 90)), ("kitchen", 0.3, (10, 40)), ("grandma_room", 0.15, (10, 40)))


@dataclass(frozen=True)
class Ev:
    """One thing that happens: a device report, or something she says."""

    at: float
    kind: str  # motion | door | fall | sos | on_body | off_body | heart_rate | spo2 | battery | ok
    area: str | None = None
    value: float | None = None
    truth: str | None = None  # the planted incident this belongs to


@dataclass(frozen=True)
class Planted:
    id: str
    kind: str
    at: float  # when it happened
    what: str


@dataclass
class Month:
    events: list[Ev] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    holiday: tuple[float, float] = (0.0, 0.0)
    off_body: list[tuple[float, float]] = field(default_factory=list)  # planted periods

    def add(self, at: float, kind: str, **extra: object) -> None:
        self.events.append(Ev(at, kind, **extra))  # type: ignore[arg-type]


def at(day: int, hour: float) -> float:
    """Epoch of ``hour`` (fractional) on day ``day`` (1-based) of the month."""
    return (START + timedelta(days=day - 1, hours=hour)).timestamp()


def generate(seed: int = 23) -> Month:
    rng = random.Random(seed)
    month = Month()
    for day in range(1, DAYS + 1):
        if HOLIDAY[0] < day <= HOLIDAY[1]:
            continue  # away (the first day away starts with an ordinary morning)
        _day(month, rng, day)
    month.holiday = (at(HOLIDAY[0], 8.9), at(HOLIDAY[1] + 1, 10))  # from leaving to coming back
    month.add(at(HOLIDAY[0], 8.9), "door")  # leaves after breakfast on the first day away
    month.add(at(HOLIDAY[1] + 1, 10), "door")
    gone = at(HOLIDAY[0], 8.9)
    month.events = [e for e in month.events if e.kind == "door" or not gone <= e.at < at(HOLIDAY[1] + 1, 10)]
    month.events.sort(key=lambda e: e.at)
    return month


def _stay(
    month: Month, rng: random.Random, area: str, start: float, minutes: float, truth: str | None = None
) -> float:
    """Motion every few minutes while she is in a room; returns when she leaves."""
    end = start + minutes * 60
    t = start
    while t < end:
        month.add(t, "motion", area=area, truth=truth)
        t += rng.uniform(2, 8) * 60
    return end


def _day(month: Month, rng: random.Random, day: int) -> None:
    wake = 6.67 + rng.gauss(0, 0.25)
    bed = 21.67 + rng.gauss(0, 0.25)
    if day == 15:  # planted: she stays in bed, unwell, until noon
        # When she would have been up: the family's wait is counted from there.
        month.planted.append(Planted("missed-morning", "not_up", at(day, 6.67), "stayed in bed until noon"))
        for hour in (7.5, 9.0, 10.5):
            month.add(at(day, hour), "motion", area="grandma_room", truth="missed-morning")
        wake = 12.0
    if rng.random() < 0.4:  # a night-time trip to the bathroom
        night = at(day, rng.uniform(1.5, 3.5))
        month.add(night, "motion", area="grandma_room")
        _stay(month, rng, "bathroom", night + 60, rng.uniform(3, 8))
        month.add(night + 600, "motion", area="grandma_room")
    month.add(at(day, wake), "motion", area="grandma_room")
    worn_from = at(day, wake) + 180
    if day == OFF_ALL_DAY:
        worn_from = at(day, bed)  # forgot it all day
        month.off_body.append((at(day, wake), at(day, bed)))
    elif day == OFF_UNTIL_3PM:
        worn_from = at(day, 15)
        month.off_body.append((at(day, wake), at(day, 15)))
    worn_until = at(day, bed) - 300
    if worn_from < worn_until:
        month.add(worn_from, "on_body")
        month.add(worn_from + 1, "battery", value=100.0)
        month.add(worn_until, "off_body")
        _readings(month, rng, worn_from, worn_until)
    _waking_hours(month, rng, day, at(day, wake) + 120, at(day, bed))
    month.add(at(day, bed), "motion", area="grandma_room")
    _noise(month, rng, day, worn_from, worn_until, at(day, bed))
    _plant(month, rng, day)


def _readings(month: Month, rng: random.Random, start: float, end: float) -> None:
    t = start + 60
    while t < end:
        month.add(t, "heart_rate", value=round(rng.gauss(72, 6)))
        if int((t - start) // 900) % 2 == 0:
            month.add(t + 5, "spo2", value=float(min(99, max(93, round(rng.gauss(96, 1))))))
        t += 900


def _waking_hours(month: Month, rng: random.Random, day: int, start: float, end: float) -> None:
    t = start
    nap = at(day, 13.15 + rng.gauss(0, 0.15))
    long_nap = day % 7 == 3  # once a week a nap of over three hours
    nap_end = nap + (rng.uniform(3.1, 3.4) if long_nap else rng.uniform(1.2, 1.8)) * 3600
    napped = False
    while t < end:
        if not napped and t >= nap:
            month.add(t, "motion", area="grandma_room")
            t = max(t, nap_end)
            month.add(t, "motion", area="grandma_room")
            napped = True
            continue
        if rng.random() < 0.12:
            t = _stay(month, rng, "bathroom", t, min(rng.uniform(4, 18), (end - t) / 60))
            continue
        roll, acc = rng.random(), 0.0
        for area, weight, (low, high) in ROOMS:
            acc += weight / 0.9
            if roll <= acc:
                t = _stay(month, rng, area, t, min(rng.uniform(low, high), (end - t) / 60))
                break


def _noise(
    month: Month, rng: random.Random, day: int, worn_from: float, worn_until: float, bed: float
) -> None:
    """What a watch takes for a fall: a hard sit-down (worn), or the watch dropped (not worn)."""
    if worn_from < worn_until and rng.random() < 0.55:
        t = rng.uniform(worn_from + 3600, worn_until - 3600)
        month.add(t, "fall", truth="false")
        seen = [e for e in month.events if e.kind == "motion" and e.at <= t]
        here = max(seen, key=lambda e: e.at).area if seen else "grandma_room"
        # Mostly she gets up and walks off within the watch's minute; sometimes she stays put.
        rooms = [a for a in ("kitchen", "living_room", "grandma_room") if a != here]
        there = rng.choice(rooms) if rng.random() < 0.7 else here
        month.add(t + rng.uniform(15, 50), "motion", area=there)
        if rng.random() < 0.5:
            month.add(t + rng.uniform(10, 40), "ok")
    if rng.random() < 0.2:
        month.add(bed + rng.uniform(600, 3600), "fall", truth="false")  # knocked off the nightstand


def _plant(month: Month, rng: random.Random, day: int) -> None:
    planted = {
        4: ("bathroom-fall", "fall", 10.33, "fall in the bathroom, lies still"),
        20: ("living-room-fall", "fall", 11.0, "fall in the living room, moves where she fell"),
        8: ("long-bathroom", "bathroom", 8.0, "75 minutes in the bathroom, no fall"),
        11: ("shower-fall", "bathroom", 7.3, "falls in the shower with the watch off"),
        18: ("sos", "sos", 16.0, "presses SOS: dizzy"),
        27: ("low-spo2", "spo2", 15.0, "blood oxygen 86-88% for 20 minutes"),
    }
    if day not in planted:
        return
    key, kind, hour, what = planted[day]
    t = at(day, hour)
    month.planted.append(Planted(key, kind, t, what))
    # Whatever else the generator put in this stretch did not happen: she was here, like this.
    # Minutes until the family is there (or, for the long stay, until she comes out).
    quiet = {"bathroom-fall": 25, "living-room-fall": 25, "long-bathroom": 80, "shower-fall": 60}.get(key, 0)
    if quiet:
        month.events = [
            e for e in month.events if not (t - 600 <= e.at < t + quiet * 60 and e.kind == "motion")
        ]
    if key in ("shower-fall", "low-spo2"):  # the watch was off; or these were its readings then
        month.events = [
            e for e in month.events if not (t - 600 <= e.at < t + 3600 and e.kind in ("heart_rate", "spo2"))
        ]
    if key == "bathroom-fall":
        month.add(t - 120, "motion", area="bathroom", truth=key)
        month.add(t, "fall", truth=key)
    elif key == "living-room-fall":
        month.add(t - 300, "motion", area="living_room", truth=key)
        month.add(t, "fall", truth=key)
        for minutes in (3, 9, 16):
            month.add(t + minutes * 60, "motion", area="living_room", truth=key)
    elif key == "long-bathroom":
        _stay(month, rng, "bathroom", t, 75, truth=key)
    elif key == "shower-fall":
        month.add(t - 600, "off_body", truth=key)
        month.add(t - 300, "motion", area="bathroom", truth=key)
        month.add(t + 3600, "on_body", truth=key)
    elif key == "sos":
        month.add(t, "sos", truth=key)
    elif key == "low-spo2":
        for minutes in range(0, 21):
            month.add(t + minutes * 60 + 30, "spo2", value=float(rng.choice([86, 87, 88])), truth=key)
    if quiet:
        month.add(t + quiet * 60, "motion", area="kitchen")  # the family arrives


def watch_alone(month: Month) -> list[tuple[float, str | None]]:
    """(alarm time, planted id or None) for a watch that alarms after 60 s unless told "I'm OK"."""
    oks = [e.at for e in month.events if e.kind == "ok"]
    alarms = []
    for e in month.events:
        if e.kind == "sos":
            alarms.append((e.at, e.truth))
        elif e.kind == "fall" and not any(e.at <= ok <= e.at + COUNTDOWN for ok in oks):
            alarms.append((e.at + COUNTDOWN, e.truth if e.truth != "false" else None))
    return alarms


def three_day_rule(month: Month) -> list[tuple[float, str | None]]:
    """(alarm time, None) each time 72 hours pass without motion (once per quiet stretch)."""
    times = [e.at for e in month.events if e.kind == "motion"] + [at(DAYS + 1, 0)]
    return [(a + 72 * 3600, None) for a, b in itertools.pairwise(times) if b - a >= 72 * 3600]
