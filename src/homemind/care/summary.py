"""The daily summary of one member: for the family and for her, in each reader's language.

Up and to-bed times, the rooms she was active in, doses taken / late / missed, the
range of her vitals, incidents and false alarms, and her activity against her last
14 days ("less active than usual"). The same data feeds ``homemind care summary``,
the API, the dashboard and "how is grandma today?".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from homemind.core import i18n
from homemind.core.caremodel import CaredMember

if TYPE_CHECKING:
    from homemind.care.activity import Activity
    from homemind.care.medication import Medication
    from homemind.care.records import Records
    from homemind.care.vitals import Vitals
    from homemind.household import Household

LESS, MORE = 0.7, 1.3
BED_FROM = time(17, 0)

i18n.register(
    {
        "care.summary.head": {"en": "{member}, {date}:", "zh": "{member}，{date}："},
        "care.summary.up": {"en": "up at {time}", "zh": "{time}起床"},
        "care.summary.not_up": {"en": "not seen up yet", "zh": "还没看到起床"},
        "care.summary.bed": {"en": "to bed at {time}", "zh": "{time}睡觉"},
        "care.summary.rooms": {"en": "active in {rooms}", "zh": "活动过的地方：{rooms}"},
        "care.summary.room": {"en": "the {area} ({minutes} min)", "zh": "{area}（{minutes}分钟）"},
        "care.summary.no_rooms": {"en": "no movement seen", "zh": "没有看到活动"},
        "care.summary.doses": {
            "en": "medicine: {taken} taken, {late} late, {missed} missed",
            "zh": "吃药：按时{taken}次，晚了{late}次，漏了{missed}次",
        },
        "care.summary.vitals": {"en": "{metric} {low}-{high}", "zh": "{metric}{low}-{high}"},
        "care.summary.incidents": {
            "en": "{count} incident(s), {false} false alarm(s)",
            "zh": "{count}次事件，其中{false}次误报",
        },
        "care.summary.no_incidents": {"en": "no incidents", "zh": "没有事件"},
        "care.summary.trend.less": {"en": "less active than usual", "zh": "比平时活动少"},
        "care.summary.trend.more": {"en": "more active than usual", "zh": "比平时活动多"},
        "care.summary.trend.usual": {"en": "about as active as usual", "zh": "活动和平时差不多"},
        "care.summary.trend.unknown": {
            "en": "not enough history to compare yet",
            "zh": "历史数据还不够，无法比较",
        },
        "care.summary.away": {"en": "away until {date}", "zh": "外出到{date}"},
        "care.summary.watch": {"en": "watch: {problem}", "zh": "手表：{problem}"},
        "care.problem.off_body": {"en": "not worn", "zh": "没戴"},
        "care.problem.battery_low": {"en": "battery low", "zh": "电量低"},
        "care.problem.silent": {"en": "no data", "zh": "没有数据"},
    }
)


@dataclass
class DaySummary:
    member: str
    date: str
    up_at: str | None
    to_bed_at: str | None
    rooms: dict[str, int]  # area -> minutes with movement
    doses: dict[str, int]
    vitals: dict[str, list[float]]
    incidents: int
    false_alarms: int
    active_minutes: int
    usual_minutes: float | None
    trend: str  # less | more | usual | unknown
    away_until: str | None
    watch: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Summaries:
    def __init__(
        self, house: Household, activity: Activity, vitals: Vitals, medication: Medication, records: Records
    ) -> None:
        self.house = house
        self.activity = activity
        self.vitals = vitals
        self.medication = medication
        self.records = records

    def day(self, cared: CaredMember, day: date) -> DaySummary:
        tz = self.house.tz
        start = datetime.combine(day, time(0), tz).timestamp()
        end = start + 86400
        now = self.house.clock.now()
        span = min(end, now) - start  # today: compare the same part of the day
        used = self.activity.day_summary(cared.member, start, end)
        usual = self._usual(cared.member, day, span)
        minutes = int(used["minutes"])
        incidents = self.records.between(cared.member, start, end)
        doses = self.medication.doses(cared.member, start, end)
        away = self.activity.away_until(cared.member, now)
        return DaySummary(
            member=cared.member,
            date=day.isoformat(),
            up_at=self.house.iso(self.activity.up_at(cared, day)),
            to_bed_at=self.house.iso(self._to_bed(cared, day, now)),
            rooms=dict(used["rooms"]),
            doses={
                state: sum(d.state == state for d in doses)
                for state in ("taken", "late", "missed", "pending")
            },
            vitals={
                k: [low, high] for k, (low, high) in self.vitals.ranges(cared.member, start, end).items()
            },
            incidents=len(incidents),
            false_alarms=sum(i.false_alarm for i in incidents),
            active_minutes=minutes,
            usual_minutes=None if usual is None else round(usual, 1),
            trend=_trend(minutes, usual),
            away_until=self.house.iso(away),
            watch=self.vitals.device(cared.member),
        )

    def _usual(self, member: str, day: date, span: float) -> float | None:
        counts = []
        for n in range(1, 15):
            start = datetime.combine(day - timedelta(days=n), time(0), self.house.tz).timestamp()
            count = len(self.activity.minutes(member, start, start + span))
            if count:
                counts.append(count)
        return sum(counts) / len(counts) if len(counts) >= 3 else None

    def _to_bed(self, cared: CaredMember, day: date, now: float) -> float | None:
        """The last movement outside her bedroom between 17:00 and 03:00, once it is over an hour old."""
        start = datetime.combine(day, BED_FROM, self.house.tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(3), self.house.tz).timestamp()
        rows = [m for m, area in self.activity.minutes(cared.member, start, end) if area != cared.bedroom]
        if not rows:
            return None
        last = rows[-1] * 60.0
        return last if now - last >= 3600 else None

    def text(self, summary: DaySummary, language: str) -> str:
        """One paragraph in the reader's language."""
        t = i18n.translate
        member = self.house.home.members[summary.member]
        parts = [
            t("care.summary.up", language, time=_hm(summary.up_at))
            if summary.up_at
            else t("care.summary.not_up", language)
        ]
        if summary.to_bed_at:
            parts.append(t("care.summary.bed", language, time=_hm(summary.to_bed_at)))
        rooms = sorted(summary.rooms.items(), key=lambda kv: -kv[1])
        if rooms:
            listed = [
                t("care.summary.room", language, area=self.house.home.areas[a], minutes=m)
                for a, m in rooms
                if a in self.house.home.areas
            ]
            parts.append(t("care.summary.rooms", language, rooms=listed))
        else:
            parts.append(t("care.summary.no_rooms", language))
        if any(summary.doses.values()):
            parts.append(t("care.summary.doses", language, **summary.doses))
        for metric, (low, high) in summary.vitals.items():
            label = t(f"care.metric.{metric}", language)
            parts.append(t("care.summary.vitals", language, metric=label, low=_n(low), high=_n(high)))
        if summary.incidents:
            parts.append(
                t("care.summary.incidents", language, count=summary.incidents, false=summary.false_alarms)
            )
        else:
            parts.append(t("care.summary.no_incidents", language))
        parts.append(t(f"care.summary.trend.{summary.trend}", language))
        if summary.away_until:
            parts.append(t("care.summary.away", language, date=summary.away_until[:10]))
        if summary.watch.get("problem"):
            problem = t(f"care.problem.{summary.watch['problem']}", language)
            parts.append(t("care.summary.watch", language, problem=problem))
        head = t("care.summary.head", language, member=member, date=summary.date)
        separator = "；" if language == "zh" else "; "
        return f"{head} {separator.join(parts)}{'。' if language == 'zh' else '.'}"


def _trend(minutes: int, usual: float | None) -> str:
    if usual is None or usual <= 0:
        return "unknown"
    ratio = minutes / usual
    return "less" if ratio < LESS else "more" if ratio > MORE else "usual"


def _hm(iso: str | None) -> str:
    return iso[11:16] if iso else ""


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
