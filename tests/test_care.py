"""Care for older members, scenario by scenario, on a manual clock through the real pipeline and store.

Each test drives the demo home (Grandma Wang, her son Bo, Alice, Lily) as a family
would meet it: a fall she answers, a fall she does not, a call for help in either
language, a restart in the middle, a watch taken off, a quiet morning, a holiday, a
missed dose, a child trying to answer for the family.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from care_driver import CareHub, at, monday_morning
from homemind.skills import Status


@pytest.fixture
def h(data_dir: Path) -> Iterator[CareHub]:
    driver = monday_morning(data_dir)
    yield driver
    driver.close()


ASK_ZH = "您还好吗？没事请说'我没事'。"


def test_a_fall_cancelled_by_wo_mei_shi(h: CareHub) -> None:
    h.motion("grandma_room")
    incident = h.event("nainai", "fall")
    assert incident is not None and (incident.state, incident.stage) == ("open", "asking")
    # Asked in her language, on her room's speaker and on her watch.
    assert h.said("notify.grandma_room_speaker") == [ASK_ZH]
    assert h.said("notify.nainai_watch") == [ASK_ZH]
    h.advance(30)
    result = h.ask("我没事", "nainai")
    assert (result.status, result.intent.tier if result.intent else None) == (Status.DONE, "template")
    assert "取消" in result.response
    closed = h.last()
    assert (closed.state, closed.false_alarm, closed.closed_by) == ("cancelled", True, "nainai")
    h.advance(600)
    assert h.notes("bo") == [] and h.notes("alice") == []  # nobody was bothered
    assert [e["kind"] for e in h.hub.care.describe(closed)["timeline"]][-1] == "cancelled"


def test_someone_else_saying_im_ok_does_not_cancel_her_alarm(h: CareHub) -> None:
    h.event("nainai", "fall")
    result = h.ask("I'm OK", "bo")
    assert result.status is Status.ANSWERED  # "good to hear": it is not his incident
    assert h.incident() is not None and h.incident().state == "open"  # type: ignore[union-attr]


def test_a_fall_with_no_answer_escalates_through_two_contacts_until_acknowledged(h: CareHub) -> None:
    h.motion("bathroom")
    h.event("nainai", "fall")
    h.advance(55)
    assert h.notes("bo") == []  # still her countdown
    h.advance(10)
    bo = h.notes("bo")
    assert len(bo) == 1 and "可能摔倒了（卫生间）" in bo[0] and "我马上来" in bo[0]
    assert h.notes("lily") == ["Grandma Wang needs help. Go and find Bo!"]
    assert any("已经通知了林波" in n for n in h.notes("nainai"))  # she hears help is coming
    assert h.notes("alice") == []
    h.advance(120)
    assert len(h.notes("bo")) == 2 and h.notes("bo")[-1].startswith("第2次提醒")
    assert h.notes("alice") == []  # two unanswered rounds before the next contact
    h.advance(120)
    assert len(h.notes("alice")) == 1 and "may have fallen in the bathroom" in h.notes("alice")[0]
    assert len(h.notes("bo")) == 3
    result = h.ask("I'm on my way", "alice")
    assert result.status is Status.DONE
    incident = h.last()
    assert (incident.state, incident.acknowledged_by) == ("acknowledged", "alice")
    assert h.notes("bo")[-1] == "爱丽丝正在赶去王奶奶那里。"
    assert h.notes("nainai")[-1] == "爱丽丝正在赶去王奶奶那里。"
    counts = (len(h.notes("bo")), len(h.notes("alice")))
    h.advance(900)
    assert (len(h.notes("bo")), len(h.notes("alice"))) == counts  # the rounds stopped
    steps = [e["kind"] for e in h.hub.care.describe(incident)["timeline"]]
    assert steps.count("notified") == 3 and steps[-1] == "acknowledged"


@pytest.mark.parametrize(
    ("text", "kind", "answer"),
    [
        ("help", "sos", "Bo"),
        ("help me", "sos", "Bo"),
        ("Help me please!", "sos", "Bo"),
        ("I've fallen", "fall", "Bo"),
        ("I've fallen and I can't get up", "fall", "Bo"),
        ("call my son", "sos", "Bo"),
        ("救命", "sos", "林波"),
        ("快来人", "sos", "林波"),
        ("快来人啊", "sos", "林波"),
        ("我摔倒了", "fall", "林波"),
        ("帮我叫儿子", "sos", "林波"),
    ],
)
def test_a_call_for_help_by_voice_skips_the_countdown(h: CareHub, text: str, kind: str, answer: str) -> None:
    result = h.ask(text, "nainai", area="kitchen")
    assert result.status is Status.DONE and result.intent is not None
    assert (result.intent.name, result.intent.tier) == ("HomemindCareHelp", "template")  # the fast tier
    assert answer in result.response
    incident = h.last()
    assert (incident.kind, incident.stage, incident.round, incident.area) == (
        kind,
        "escalating",
        1,
        "kitchen",
    )
    assert len(h.notes("bo")) == 1  # at once: no countdown to wait out


def test_call_my_daughter_in_law_tells_her_at_once_though_she_is_second(h: CareHub) -> None:
    result = h.ask("call my daughter-in-law", "nainai")
    assert result.status is Status.DONE
    assert len(h.notes("alice")) == 1 and len(h.notes("bo")) == 1
    result = h.ask("帮我叫儿子", "nainai")  # the same incident: Bo was told already
    assert result.status is Status.DONE and len(h.notes("bo")) == 1


def test_a_child_calling_for_help_reaches_the_adults(h: CareHub) -> None:
    h.ask("help", "lily")
    incident = h.last("lily")
    assert incident.stage == "escalating"
    assert len(h.notes("alice")) == 1 and "Lily is calling for help" in h.notes("alice")[0]


def test_a_restart_mid_escalation_resumes_the_same_incident_at_the_same_stage(h: CareHub) -> None:
    opened = h.event("nainai", "fall")
    assert opened is not None
    h.advance(61 + 120)
    before = h.last()
    assert (before.stage, before.round) == ("escalating", 2)
    h.restart()
    h.tick()
    assert len(h.notes("bo")) == 2  # nothing repeated by the restart itself
    h.advance(120)
    after = h.last()
    assert (after.id, after.round, after.contact_index) == (opened.id, 3, 1)
    assert len(h.notes("bo")) == 3 and len(h.notes("alice")) == 1
    result = h.ask("我马上来", "bo")
    assert result.status is Status.DONE and h.last().acknowledged_by == "bo"


def test_a_watch_taken_off_and_a_flat_battery_are_device_problems_never_silence(h: CareHub) -> None:
    h.sense("binary_sensor.nainai_watch_on_body", "off")
    h.busy(59 * 60)
    assert h.notes("bo") == []
    h.busy(3 * 60)
    assert h.notes("bo") == ["王奶奶的手表从10:00起没戴着：摔倒和体征都监测不到。"]
    assert h.notes("alice") == [
        "Grandma Wang's watch has been off since 10:00: falls and vitals are not watched."
    ]
    h.busy(3600)
    assert len(h.notes("bo")) == 1  # once per episode
    h.watch("fall")  # it fell off the table: the watch, not her
    assert h.incident() is None
    h.sense("binary_sensor.nainai_watch_on_body", "on")
    assert h.notes("bo")[-1] == "王奶奶的手表恢复正常了。"
    h.sense("sensor.nainai_watch_battery", "5")
    assert h.notes("bo")[-1] == "王奶奶的手表电量只剩5%，请充电。"
    h.sense("sensor.nainai_watch_battery", "4")
    assert len(h.notes("bo")) == 3
    assert h.hub.care.vitals.device("nainai")["problem"] == "battery_low"
    # A watch worn but silent for an hour is a problem too.
    h.sense("sensor.nainai_watch_heart_rate", "70")
    h.busy(61 * 60)
    assert "从" in h.notes("bo")[-1] and "没有数据" in h.notes("bo")[-1]


def test_a_worn_watchs_fall_is_an_incident(h: CareHub) -> None:
    h.sense("binary_sensor.nainai_watch_on_body", "on")
    h.watch("fall")
    assert h.incident() is not None and h.incident().kind == "fall"  # type: ignore[union-attr]
    h.watch("sos")
    incident = h.incident()
    assert incident is not None and incident.stage == "escalating"  # SOS joined it and skipped the countdown
    kinds = [e["kind"] for e in h.hub.care.describe(incident)["evidence"]]
    assert kinds == ["fall", "last_seen", "sos"]  # one incident: the fall, where she was, the SOS


def test_a_quiet_morning_not_up_by_half_past_nine(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 6))
    try:
        h.advance(30 * 60, step=60)
        h.motion("grandma_room")  # awake in bed: not up yet
        h.until(at(2, 9, 29))
        assert h.incident() is None
        h.until(at(2, 9, 30))
        h.advance(30)
        incident = h.incident()
        assert incident is not None and (incident.kind, incident.area) == ("not_up", "grandma_room")
        assert h.said("notify.grandma_room_speaker") == [ASK_ZH]
        h.advance(40)
        assert h.notes("bo") == ["王奶奶到09:30还没起床：今天早上卧室外没有动静。请回复'我马上来'（事件1）。"]
        h.ask("I'm on my way", "bo")
        h.motion("kitchen")
        h.until(at(2, 11))
        assert len(h.hub.care.records.recent()) == 1  # one quiet morning, one incident
    finally:
        h.close()


def test_up_in_time_no_alert(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 7))
    try:
        h.motion("kitchen")
        h.until(at(2, 9, 55))  # up at 07:00, quiet since: under three hours
        assert h.hub.care.records.recent() == []
    finally:
        h.close()


def test_a_holiday_means_no_alert(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 7))
    try:
        today = h.hub.household.now().date()
        h.hub.care.away(h.hub.actor("bo"), "nainai", today + timedelta(days=2))
        h.until(at(2, 14))
        assert h.hub.care.records.recent() == []
        summary = h.hub.care.summary(h.hub.actor("bo"), "nainai")
        assert summary.away_until is not None and summary.away_until.startswith("2026-03-05")
        h.hub.care.away(h.hub.actor("nainai"), "nainai", None)  # she is back
        h.until(at(3, 9, 31))
        assert h.incident() is not None and h.incident().kind == "not_up"  # type: ignore[union-attr]
    finally:
        h.close()


def test_gone_out_by_the_front_door_no_inactivity_alert(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 7))
    try:
        h.motion("kitchen")
        h.advance(600, step=60)
        h.sense("binary_sensor.front_door_contact", "on")
        h.sense("binary_sensor.front_door_contact", "off")
        h.until(at(2, 12))  # nothing moved at home for over three hours: she is out
        assert h.hub.care.records.recent() == []
        h.motion("living_room")  # back
        h.until(at(2, 15, 30))
        assert h.incident() is not None and h.incident().kind == "inactive"  # type: ignore[union-attr]
    finally:
        h.close()


def test_a_missed_dose_then_a_late_one_and_a_taken_one(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 8))
    try:
        set_up = h.ask("remind grandma to take her medicine at 9 every day", "bo")
        assert set_up.status is Status.DONE
        h.busy_until(at(2, 9, 1))
        assert h.notes("nainai")[-1] == "吃完药请说'吃过了'。"
        h.busy_until(at(2, 9, 16))
        assert h.notes("nainai")[-1] == "药吃了吗（take her medicine）？吃了请说'吃过了'。"
        assert h.notes("bo") == []
        h.busy_until(at(2, 10, 1))
        assert h.notes("bo") == ["王奶奶还没确认吃药：take her medicine（应在09:00吃）。"]
        h.busy_until(at(2, 12))
        assert len(h.notes("bo")) == 1  # told once
        result = h.ask("吃过了", "nainai")
        assert result.status is Status.DONE
        h.busy_until(at(3, 9, 5))
        assert h.ask("I took it", "nainai").status is Status.DONE
        doses = h.hub.care.medication.doses("nainai", at(2, 0), at(4, 0))
        assert [d.state for d in doses] == ["late", "taken"]
        summary = h.hub.care.summary(h.hub.actor("bo"), "nainai", h.hub.household.local(at(2, 12)).date())
        assert summary.doses["late"] == 1
        assert h.ask("吃过了", "nainai").status is Status.ANSWERED  # nothing waits for it now
    finally:
        h.close()


def test_a_childs_acknowledgement_is_refused_and_the_rounds_go_on(h: CareHub) -> None:
    h.ask("救命", "nainai")
    result = h.ask("I'm on my way", "lily")
    assert result.status is Status.REFUSED and "Lily may not acknowledge" in result.response
    assert h.incident() is not None and h.incident().state == "open"  # type: ignore[union-attr]
    h.advance(125)
    assert len(h.notes("bo")) == 2
    refused = [e for e in h.hub.store.actions(20) if e["member"] == "lily" and e["result"] == "refused"]
    assert refused and refused[0]["service"] == "care.acknowledge"


def test_movement_after_a_fall_downgrades_it_to_one_check(h: CareHub) -> None:
    h.motion("bathroom")
    h.event("nainai", "fall")
    h.advance(20)
    h.motion("kitchen")  # she got up and walked out
    assert h.incident().severity == "check"  # type: ignore[union-attr]
    h.advance(60)
    assert len(h.notes("bo")) == 1 and "之后有动静" in h.notes("bo")[0]
    h.advance(900)
    assert len(h.notes("bo")) == 1 and h.notes("alice") == [] and h.notes("lily") == []


def test_speech_after_a_fall_downgrades_it(h: CareHub) -> None:
    h.event("nainai", "fall")
    h.ask("turn on the kitchen light", "nainai")
    assert h.incident().severity == "check"  # type: ignore[union-attr]


def test_low_blood_oxygen_for_five_minutes_then_back_with_a_margin(h: CareHub) -> None:
    for value in ("88", "89", "88"):
        h.sense("sensor.nainai_watch_spo2", value)
        h.advance(90, step=30)
    assert h.incident() is None  # four and a half minutes: not yet
    h.sense("sensor.nainai_watch_spo2", "87")
    h.advance(60, step=30)  # five: the watch said nothing new, and 87 % still counts
    h.sense("sensor.nainai_watch_spo2", "88")
    incident = h.incident()
    assert incident is not None and incident.kind == "spo2"
    h.advance(70)
    assert "血氧已经" in h.notes("bo")[0] and "低于90%" in h.notes("bo")[0]
    for _ in range(4):
        h.sense("sensor.nainai_watch_spo2", "91")  # above 90 but inside the margin: not normal yet
        h.advance(180, step=60)
    assert not any("恢复正常" in n for n in h.notes("bo"))
    for value in ("93", "94", "93"):
        h.sense("sensor.nainai_watch_spo2", value)
        h.advance(150, step=60)
    assert any("血氧恢复正常了" in n for n in h.notes("bo"))


def test_a_long_bathroom_stay(h: CareHub) -> None:
    h.motion("bathroom")
    h.advance(44 * 60, step=60)
    assert h.incident() is None
    h.advance(2 * 60, step=60)
    incident = h.incident()
    assert incident is not None and (incident.kind, incident.area) == ("bathroom", "bathroom")
    h.advance(70)
    assert "在卫生间已经" in h.notes("bo")[0]


def test_her_own_day_is_learned_a_regular_long_nap_is_not_an_alarm(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(1, 6))
    care = h.hub.care

    def day(date: int, *, nap_until: tuple[int, int]) -> None:
        from homemind.care.signals import Signal

        times = [(6, 30, "kitchen")] + [(hour, 0, "living_room") for hour in range(7, 13)]
        times += [(13, 0, "grandma_room"), (*nap_until, "grandma_room")]
        times += [(hour, 30, "kitchen") for hour in range(nap_until[0] + 1, 21)]
        for hour, minute, area in times:
            h.clock.t = at(date, hour, minute)
            h.run(care.receive(Signal(None, "motion", h.clock.t, area=area)))

    try:
        for date in range(1, 16):  # two weeks of naps from 13:00 to 16:45
            day(date, nap_until=(16, 45))
        h.clock.t = at(16, 6)
        base = care.activity.baseline(h.hub.home.care.members["nainai"], h.clock.now())
        assert base.learned and base.up_by.strftime("%H:%M") == "07:15"
        assert base.quiet_limit("grandma_room", 13) > 4 * 3600
        h.motion("kitchen")
        h.clock.t = at(16, 13)
        h.motion("grandma_room")
        h.until(at(16, 16, 40))
        assert care.records.recent() == []  # 3 h 40 min asleep, as every afternoon
        h.until(at(16, 19, 10))  # but six hours is not her usual nap
        assert h.incident() is not None and h.incident().kind == "inactive"  # type: ignore[union-attr]
    finally:
        h.close()


def test_the_daily_summary_in_each_readers_language(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 7, 5))
    try:
        h.motion("kitchen")
        h.sense("sensor.nainai_watch_heart_rate", "64")
        h.advance(3600, step=600)
        h.motion("living_room")
        h.sense("sensor.nainai_watch_heart_rate", "81")
        en = h.ask("how is grandma today?", "alice")
        zh = h.ask("奶奶今天怎么样？", "bo")
        assert (
            en.status is Status.ANSWERED
            and "up at 07:05" in en.response
            and "heart rate 64-81" in en.response
        )
        assert "07:05起床" in zh.response and "心率64-81" in zh.response
        refused = h.ask("how is grandma today?", "guest")
        assert refused.status is Status.REFUSED
    finally:
        h.close()


def test_a_program_never_cancels_an_incident(h: CareHub) -> None:
    from dataclasses import replace

    from homemind.household import NotAllowed

    incident = h.event("nainai", "fall")
    assert incident is not None
    generated = replace(h.hub.actor("nainai"), generated=True)
    with pytest.raises(NotAllowed):
        h.run(h.hub.care.cancel(generated, incident.id))
    with pytest.raises(NotAllowed):
        h.run(h.hub.care.acknowledge(replace(h.hub.actor("bo"), generated=True), incident.id))
    assert h.incident() is not None


def test_the_evening_summary_reaches_her_and_the_family_once(data_dir: Path) -> None:
    h = CareHub(data_dir, start=at(2, 19, 50))
    try:
        h.motion("kitchen")
        h.busy(30 * 60)
        assert not any(n.startswith("王奶奶，") for n in h.notes("bo"))
        h.advance(15 * 60, step=60)  # past 20:30
        assert [n for n in h.notes("bo") if n.startswith("王奶奶，2026-03-02：")]
        assert [n for n in h.notes("alice") if n.startswith("Grandma Wang, 2026-03-02:")]
        assert [n for n in h.notes("nainai") if n.startswith("王奶奶，2026-03-02：")]
        h.advance(3600, step=60)
        assert len([n for n in h.notes("bo") if n.startswith("王奶奶，")]) == 1
    finally:
        h.close()
