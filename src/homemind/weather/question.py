"""What a weather question asks about, and for when: from the template tier's slots, the learned
tier's spans (``date``, ``timeofday``, ``weather_descriptor``) or the words themselves.

The template tier already gives canonical values ("umbrella", "tomorrow_morning"); the
learned tier gives the words it tagged ("明天", "this weekend", "rain"), so both go
through the same small keyword tables. Hand-written on purpose: a dozen words per
language decide it, and a parser library would not know that 带伞 means rain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WHATS = (
    "general", "temperature", "rain", "umbrella", "wind", "uv", "humidity", "air",
    "sunrise", "sunset", "colder", "warmer",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 22), "night": (18, 30)}

# Checked in order: the first table entry found in the words wins.
_WHAT_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("umbrella", ("umbrella", "伞")),
    ("colder", ("colder", "cooler", "更冷", "比昨天冷", "比今天冷", "降温")),
    ("warmer", ("warmer", "hotter", "更热", "比昨天热", "比今天热", "升温", "比昨天暖", "暖和些")),
    ("air", ("air quality", "aqi", "pm2.5", "pm 2.5", "pm25", "pollution", "smog", "haze",
             "空气", "雾霾", "污染", "霾")),
    ("uv", ("uv", "ultraviolet", "sunscreen", "sunburn", "紫外线", "防晒")),
    ("sunrise", ("sunrise", "sun rise", "sun come up", "日出", "太阳几点出来", "天亮")),
    ("sunset", ("sunset", "sun set", "sundown", "get dark", "日落", "太阳几点下山", "天黑", "落山")),
    ("wind", ("wind", "windy", "breeze", "gust", "风")),
    ("humidity", ("humid", "humidity", "muggy", "湿度", "潮湿", "闷")),
    ("rain", ("rain", "shower", "drizzle", "storm", "wet", "snow", "下雨", "雨", "降水", "下雪")),
    ("temperature", ("temperature", "degrees", "hot", "cold", "warm", "chilly", "freezing",
                     "温度", "气温", "几度", "多少度", "冷", "热", "凉")),
]  # fmt: skip

_WHEN_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("day_after", ("day after tomorrow", "后天")),
    ("tomorrow_morning", ("tomorrow morning", "明天早上", "明早", "明天上午", "明天一早")),
    ("tomorrow_afternoon", ("tomorrow afternoon", "明天下午")),
    ("tomorrow_evening", ("tomorrow evening", "明天傍晚")),
    ("tomorrow_night", ("tomorrow night", "明晚", "明天晚上", "明天夜里")),
    ("tomorrow", ("tomorrow", "明天", "明日")),
    ("tonight", ("tonight", "this evening", "今晚", "今天晚上", "今夜", "晚上")),
    ("this_morning", ("this morning", "今天早上", "今天上午", "上午", "早上")),
    ("this_afternoon", ("this afternoon", "今天下午", "下午")),
    ("this_morning", ("morning",)),
    ("this_afternoon", ("afternoon",)),
    ("tonight", ("evening", "night")),
    ("weekend", ("weekend", "周末")),
    ("yesterday", ("yesterday", "昨天")),
    ("now", ("right now", "currently", "outside", "out there", "at the moment", "现在", "外面", "外边",
             "室外", "户外", "此刻")),
    ("today", ("today", "今天", "今日")),
]  # fmt: skip

_THAN = re.compile(r"比(?:昨天|今天|明天)|than (?:yesterday|today|tomorrow)", re.IGNORECASE)
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")


@dataclass(frozen=True)
class Question:
    what: str
    when: str  # now, today, tomorrow, tomorrow_morning, weekend, saturday, ...


def _has(words: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", words) is not None
    return word in words


def what_of(words: str) -> str | None:
    folded = words.casefold()
    if folded in WHATS:
        return folded
    return next((what for what, keys in _WHAT_WORDS if any(_has(folded, k) for k in keys)), None)


def when_of(words: str) -> str | None:
    folded = words.casefold()
    if folded in {w for w, _ in _WHEN_WORDS} or folded.removeprefix("on_") in WEEKDAYS:
        return folded.removeprefix("on_")
    found = _ZH_WEEKDAY.search(folded)
    if found:
        return WEEKDAYS[_ZH_WEEKDAYS[found.group(1)]]
    for day in WEEKDAYS:
        if _has(folded, day):
            return day
    return next((when for when, keys in _WHEN_WORDS if any(_has(folded, k) for k in keys)), None)


def interpret(slots: dict[str, str], text: str) -> Question:
    """Slots first (either tier), then the whole sentence; "what's it like" is the general picture."""
    what = next((w for w in (what_of(slots.get(k, "")) for k in ("what", "descriptor")) if w), None)
    said = [slots[k] for k in ("when", "day", "timeofday") if slots.get(k)]
    # "tomorrow" + "morning" (two spans) is tomorrow morning; "明天" + "上午" is 明天上午.
    when = when_of(("" if any(not w.isascii() for w in said) else " ").join(said)) if said else None
    what = what or what_of(text) or "general"
    if what in ("colder", "warmer"):
        text = _THAN.sub("", text)  # "今天比昨天冷吗" is about today, measured against yesterday
    when = when or when_of(text)
    if when is None:
        # "is it cold?" is about now; "will it rain?" about the rest of today.
        when = "now" if what in ("general", "temperature", "humidity", "wind", "air") else "today"
    if when == "now" and what in ("sunrise", "sunset", "uv", "colder", "warmer", "umbrella", "rain"):
        when = "today"
    return Question(what, when)


@dataclass(frozen=True)
class Span:
    """A stretch of time a question is about: a whole day (``part`` False) or part of one."""

    when: str  # the message key suffix naming it: today, tomorrow_morning, saturday...
    day: date
    start: datetime
    end: datetime
    part: bool


def _whole(when: str, day: date) -> Span:
    start = datetime.combine(day, time())
    return Span(when, day, start, start + timedelta(days=1), False)


def _part(when: str, day: date, part: str) -> Span:
    first, last = PARTS[part]
    start = datetime.combine(day, time())
    return Span(when, day, start + timedelta(hours=first), start + timedelta(hours=last), True)


def spans(when: str, now: datetime) -> list[Span]:
    """The day(s) or part of a day ``when`` means, seen from ``now`` (the home's local time)."""
    today = now.date()
    tomorrow = today + timedelta(days=1)
    if when in WEEKDAYS:
        ahead = (WEEKDAYS.index(when) - today.weekday()) % 7
        return [_whole(when, today + timedelta(days=ahead))]
    if when == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        days = [today] if today.weekday() == 6 else [saturday, saturday + timedelta(days=1)]
        return [_whole(WEEKDAYS[d.weekday()], d) for d in days]
    named = {
        "yesterday": today - timedelta(days=1),
        "today": today,
        "now": today,
        "tomorrow": tomorrow,
        "day_after": today + timedelta(days=2),
    }
    if when in named:
        return [_whole(when, named[when])]
    parts = {
        "this_morning": (today, "morning"),
        "this_afternoon": (today, "afternoon"),
        "tonight": (today, "night"),
        "tomorrow_morning": (tomorrow, "morning"),
        "tomorrow_afternoon": (tomorrow, "afternoon"),
        "tomorrow_evening": (tomorrow, "evening"),
        "tomorrow_night": (tomorrow, "night"),
    }
    day, part = parts.get(when, (today, ""))
    return [_part(when, day, part)] if part else [_whole("today", today)]
