"""Care scenarios the issue names that test_care.py leaves out, on the same manual clock.

One incident gathering a watch fall, the bathroom's motion and a spoken "help"; a
heart rate outside its limits (the high side only at rest) with hysteresis; a dose
never confirmed staying "missed"; the daily summary's trend against her last 14 days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from care_driver import TZ, CareHub, at, monday_morning
from homemind.care.signals import Signal


@pytest.fixture
def h(data_dir: Path) -> Iterator[CareHub]:
    driver = monday_morning(data_dir)
    yield driver
    driver.close()


def test_a_watch_fall_the_bathrooms_motion_and_a_spoken_help_are_one_incident(h: CareHub) -> None:
    h.sense("binary_sensor.nainai_watch_on_body", "on")
    h.advance(20)
    h.motion("bathroom")
    h.advance(20)
    h.watch("fall")
    fall = h.incident()
    assert fall is not None and (fall.kind, fall.stage, fall.area) == ("fall", "asking", "bathroom")
    h.advance(10)
    result = h.ask("help", "nainai", area="bathroom")
    assert "Bo" in result.response
    incident = h.incident()
    assert incident is not None and incident.id == fall.id  # the same incident ...
    assert incident.stage == "escalating" and incident.severity == "urgent"  # ... no countdown left
    evidence = h.hub.care.describe(incident)["evidence"]
    assert [e["kind"] for e in evidence] == ["fall", "last_seen", "sos"]
    assert evidence[1]["area"] == "bathroom" and evidence[2]["source"] == "voice"
    assert [i.id for i in h.hub.care.records.recent()] == [fall.id]
    assert len(h.notes("bo")) == 1


def _moving(h: CareHub, minutes: int, heart_rate: str) -> None:
    """She walks about (motion every 3 minutes) with her heart rate read every minute."""
    for n in range(minutes):
        if n % 3 == 0:
            h.motion("kitchen" if n % 2 else "living_room")
        h.sense("sensor.nainai_watch_heart_rate", heart_rate)
        h.advance(60, step=60)


def _resting(h: CareHub, minutes: int, heart_rate: str) -> None:
    for _ in range(minutes):
        h.sense("sensor.nainai_watch_heart_rate", heart_rate)
        h.advance(60, step=60)


def test_a_high_heart_rate_counts_only_at_rest_and_clears_with_a_margin(h: CareHub) -> None:
    _moving(h, 20, "135")  # a brisk walk: 135 while moving is not an alarm
    assert h.incident() is None
    _resting(h, 9, "135")  # sitting still: the first ten minutes at rest do not count ...
    assert h.incident() is None
    _resting(h, 12, "135")  # ... nor the next ten at first: 10 minutes above 130 at rest
    incident = h.incident()
    assert incident is not None and incident.kind == "heart_rate"
    h.advance(70)
    assert any("心率" in n for n in h.notes("bo"))
    _resting(h, 15, "128")  # below 130 but inside the margin (125): not normal yet
    assert not any("恢复正常" in n for n in h.notes("bo"))
    _resting(h, 11, "80")
    assert any("心率恢复正常了" in n for n in h.notes("bo"))


def test_a_low_heart_rate_counts_moving_or_not(h: CareHub) -> None:
    _moving(h, 9, "38")
    assert h.incident() is None  # nine minutes: not yet
    _moving(h, 3, "38")
    incident = h.incident()
    assert incident is not None and incident.kind == "heart_rate"


def test_a_dose_never_confirmed_stays_missed(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 8))
    try:
        h.ask("remind grandma to take her medicine at 9 every day", "bo")
        h.busy_until(at(2, 23))
        doses = h.hub.care.medication.doses("nainai", at(2, 0), at(3, 0))
        assert [d.state for d in doses] == ["missed"]
        told = [n for n in h.notes("bo") if n.startswith("王奶奶还没确认吃药")]
        assert len(told) == 1  # the family told once, at 60 minutes
        assert "漏了1次" in h.notes("bo")[-1]  # and the evening summary counts it missed
        day = datetime.fromtimestamp(at(2, 12), TZ).date()
        assert h.hub.care.summary(h.hub.actor("bo"), "nainai", day).doses["missed"] == 1
    finally:
        h.close()


def test_the_summary_says_less_active_than_usual(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(1, 7))
    care = h.hub.care

    def day(date: int, every: int) -> None:
        for minute in range(7 * 60, 20 * 60, every):
            h.clock.t = at(date, minute // 60, minute % 60)
            area = "kitchen" if minute % 2 else "living_room"
            h.run(care.receive(Signal(None, "motion", h.clock.t, area=area)))

    try:
        for date in range(1, 8):
            day(date, every=5)  # a week of her usual days
        day(8, every=30)  # a quiet one
        h.clock.t = at(9, 8)
        bo = h.hub.actor("bo")
        quiet = care.summary(bo, "nainai", datetime.fromtimestamp(at(8, 12), TZ).date())
        usual = care.summary(bo, "nainai", datetime.fromtimestamp(at(7, 12), TZ).date())
        assert (quiet.trend, usual.trend) == ("less", "usual")
        assert "less active than usual" in care.summaries.text(quiet, "en")
        assert "比平时活动少" in care.summaries.text(quiet, "zh")
    finally:
        h.close()
