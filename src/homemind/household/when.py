"""Times, dates, durations and repeats in spoken English and Chinese.

Written here rather than delegated to dateparser: measured on dateparser 1.5.0,
it understood none of 明天早上七点 / 下周五下午三点 / 五分钟后 / 每天早上九点, and it
rolled "at noon" said at 10:00 to tomorrow. What is hand-written is only the
*finding* of the phrase in a sentence (so "remind me to call mum at 6" keeps
"call mum" as the task); numerals go through cn2an, calendar arithmetic through
the standard library, and repeats through python-dateutil's RFC 5545 rrule.

Rules, the same in both languages:
- a time without a day is the next time it comes round ("at 7" at 22:00 is tomorrow);
- a time without am/pm is the nearer of the two upcoming ("at 3" at 10:00 is 15:00);
- "12 am" is midnight, "12 pm" noon; 25:00 or 7:61 is refused, not wrapped;
- a time on a named day that has already gone ("today at 7" at 10:00) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homemind.core import i18n
from homemind.household.errors import Invalid

i18n.register(
    {
        "time.impossible": {"en": "{time} is not a time of day.", "zh": "{time}不是一个有效的时间。"},
        "time.impossible_date": {"en": "{date} is not a date.", "zh": "{date}不是有效的日期。"},
        "time.in_past": {"en": "That time has already passed.", "zh": "那个时间已经过去了。"},
        "time.not_positive": {"en": "That is not a time to come.", "zh": "这不是将来的时间。"},
        "time.too_far": {"en": "That is more than a year away.", "zh": "那已经超过一年了。"},
    }
)

WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ZH_DAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_ZH_DAY.update({str(i + 1): i for i in range(7)})


class WhenError(Invalid):
    """A time that cannot be: 25:00, -5 minutes, a reminder in the past."""


@dataclass(frozen=True)
class When:
    at: datetime  # aware, in the home's time zone
    recurrence: str | None = None  # an RFC 5545 RRULE body, e.g. "FREQ=WEEKLY;BYDAY=MO,TU"
    relative: bool = False  # said as a duration ("in 5 minutes")

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after ``moment`` (None: a one-off that has passed)."""
        return next_occurrence(self.at, self.recurrence, moment)


def next_occurrence(first: datetime, recurrence: str | None, moment: datetime) -> datetime | None:
    if recurrence is None:
        return first if first > moment else None
    from dateutil.rrule import rrulestr  # type: ignore[import-untyped]  # only repeats need it

    rule = rrulestr(recurrence, dtstart=first)
    found: datetime | None = rule.after(moment)
    return found


# --- numbers ------------------------------------------------------------------------

_EN_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "half an": 0.5,
    "a couple of": 2, "a few": 3,
}  # fmt: skip
_EN_NUMBER = r"(?:-?\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, _EN_NUM), key=len, reverse=True)) + ")"


def _en_number(word: str) -> float:
    word = word.strip().casefold()
    return float(word) if re.fullmatch(r"-?\d+(?:\.\d+)?", word) else float(_EN_NUM[word])


def zh_digits(text: str) -> str:
    """ "一个半小时后提醒我" -> "1小时30分钟后提醒我": Chinese numerals as digits, via cn2an."""
    text = re.sub(r"([零一二两三四五六七八九十\d]+)个半(小时|钟头)", r"\1\2三十分钟", text)
    text = re.sub(r"半(个)?(小时|钟头)", "三十分钟", text)
    text = re.sub(r"(\d|[一二两三四五六七八九十])点半", r"\1点三十分", text)
    text = re.sub(r"(\d|[一二两三四五六七八九十])点一刻", r"\1点十五分", text)
    text = re.sub(r"(\d|[一二两三四五六七八九十])点三刻", r"\1点四十五分", text)
    # Weekday numbers stay words ("周五"), and each run of numerals is converted on its own:
    # cn2an.transform reads "八点三十" as the decimal 8.30 and gives up.
    return re.sub(r"(?<![周期拜])[零〇一二两三四五六七八九十百千]+", _numeral, text)


def _numeral(match: re.Match[str]) -> str:
    import cn2an  # 0.45 s to import: paid by the sentences with a Chinese numeral, not by every command

    try:
        return str(cn2an.cn2an(match.group(0), "smart"))
    except (ValueError, KeyError):
        return match.group(0)


_HOUR_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
_MINUTE_WORDS = {"oh five": 5, "o five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
                 "forty": 40, "forty five": 45, "forty-five": 45, "fifty": 50}  # fmt: skip
_EN_CLOCK_WORDS = re.compile(
    rf"\bat ({'|'.join(_HOUR_WORDS)})(?: ({'|'.join(sorted(_MINUTE_WORDS, key=len, reverse=True))}))?\b",
    re.IGNORECASE,
)


def en_clock_words(text: str) -> str:
    """ "at six thirty" -> "at 6:30": only right after "at", so a task's own numbers stay words."""

    def digits(match: re.Match[str]) -> str:
        hour = _HOUR_WORDS.index(match.group(1).casefold()) + 1
        minute = _MINUTE_WORDS[match.group(2).casefold()] if match.group(2) else 0
        return f"at {hour}:{minute:02d}"

    return _EN_CLOCK_WORDS.sub(digits, text)


# --- durations ------------------------------------------------------------------------

_EN_UNIT = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600}
_EN_UNIT.update({"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60})
_EN_UNIT.update({"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1})
_EN_DURATION_PART = rf"({_EN_NUMBER})\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b"
_EN_DURATION = re.compile(
    rf"{_EN_DURATION_PART}(?:\s*(?:and\s+)?{_EN_DURATION_PART})?(?:\s+and\s+a\s+half)?", re.IGNORECASE
)
_ZH_UNIT = {"小时": 3600, "钟头": 3600, "分钟": 60, "分": 60, "秒钟": 1, "秒": 1}
_ZH_DURATION = re.compile(r"(-?\d+(?:\.\d+)?)\s*个?\s*(小时|钟头|分钟|分|秒钟|秒)")


def parse_duration(text: str, language: str) -> float | None:
    """Seconds in "5 minutes", "an hour and a half", "1小时30分钟"; None if no duration is said."""
    if language == "zh":
        parts = _ZH_DURATION.findall(zh_digits(text))
        if not parts:
            return None
        return sum(float(n) * _ZH_UNIT[unit] for n, unit in parts)
    match = _EN_DURATION.search(text)
    if match is None:
        return None
    total = _en_number(match.group(1)) * _EN_UNIT[match.group(2).casefold()]
    if match.group(3):
        total += _en_number(match.group(3)) * _EN_UNIT[match.group(4).casefold()]
    if match.group(0).casefold().endswith("and a half"):
        total += 0.5 * _EN_UNIT[(match.group(4) or match.group(2)).casefold()]
    return total


# --- finding the time phrase ----------------------------------------------------------

_EN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("repeat", re.compile(
        r"\b(?:every\s*day|everyday|daily|each day|every (?:morning|evening|night)|"
        r"(?:every|on) weekdays?|weekdays|every weekend|on weekends|weekends|every week|weekly|"
        r"(?:every|each) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?|"
        r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s)\b", re.IGNORECASE)),
    ("in", re.compile(rf"\b(?:in|after)\s+{_EN_DURATION.pattern}(?:\s+from now)?", re.IGNORECASE)),
    ("half", re.compile(r"\bin\s+half\s+an?\s+hour\b", re.IGNORECASE)),
    ("day", re.compile(
        r"\b(?:the day after tomorrow|yesterday|today|tonight|"
        r"tomorrow(?: (?:morning|afternoon|evening|night))?|"
        r"(?:(?:on|this|next)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
        r"(?: (?:morning|afternoon|evening|night))?)\b", re.IGNORECASE)),
    ("clock", re.compile(
        r"(?:\bat\s+|\bfor\s+|\bby\s+)?(?:\b(-?\d{1,3})(?::(\d{1,3}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])|"
        r"\b(-?\d{1,3}):(\d{1,3})\b|\bat\s+(-?\d{1,3})\b(?!\s*(?:minutes?|hours?|%))|"
        r"\b(noon|midday|midnight)\b)(?:\s+o'clock)?", re.IGNORECASE)),
    ("part", re.compile(r"\b(?:in the (morning|afternoon|evening)|at night)\b", re.IGNORECASE)),
]  # fmt: skip

_ZH_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("repeat", re.compile(
        r"每天|每日|天天|每个?工作日|工作日|每逢?周末|周末|每个?(?:星期|礼拜|周)[一二三四五六日天1-7]|每周|每星期")),
    ("in", re.compile(r"(?:-?\d+(?:\.\d+)?\s*个?\s*(?:小时|钟头|分钟|分|秒钟|秒))+\s*(?:后|以后|之后)")),
    ("day", re.compile(
        r"大后天|后天|昨天|前天|明天|明早|明晚|今天|今晚|今早|"
        r"(?:下个?|这个?|本)?(?:周|星期|礼拜)[一二三四五六日天1-7]|\d{1,2}月\d{1,2}[日号]")),
    ("part", re.compile(r"凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜")),
    ("clock", re.compile(r"(-?\d{1,3})\s*[点:：]\s*(?:(\d{1,3})\s*分?)?")),
]  # fmt: skip


@dataclass
class _Found:
    kind: str
    match: re.Match[str]


def _find(text: str, language: str) -> tuple[list[_Found], str]:
    """The time phrases in ``text`` and the text without them."""
    patterns = _ZH_PATTERNS if language == "zh" else _EN_PATTERNS
    found: list[_Found] = []
    spans: list[tuple[int, int]] = []
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in spans):
                continue
            found.append(_Found(kind, match))
            spans.append(match.span())
    rest = text
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return found, rest


def _clean_rest(rest: str, language: str) -> str:
    if language == "zh":
        rest = re.sub(r"\s+", "", rest)
        return rest.strip("，,。的在")
    rest = re.sub(r"\s+", " ", rest).strip(" ,.")
    return re.sub(r"\s+(?:at|on|for|by|in)$", "", rest)


def _repeat_rule(phrase: str, language: str) -> str:
    """The RRULE body of "every weekday", "每周一"..."""
    p = phrase.casefold()
    if language == "zh":
        if "工作日" in p:
            return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
        if "周末" in p:
            return "FREQ=WEEKLY;BYDAY=SA,SU"
        day = re.search(r"[一二三四五六日天1-7]$", p)
        if day and ("周" in p or "星期" in p or "礼拜" in p):
            wd = _ZH_DAY[day.group(0)]
            return f"FREQ=WEEKLY;BYDAY={RRULE_DAYS[wd]}"
        if p in ("每周", "每星期"):
            return "FREQ=WEEKLY"
        return "FREQ=DAILY"
    if "weekday" in p:
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if "weekend" in p:
        return "FREQ=WEEKLY;BYDAY=SA,SU"
    for i, name in enumerate(WEEKDAYS_EN):
        if name in p:
            return f"FREQ=WEEKLY;BYDAY={RRULE_DAYS[i]}"
    if "week" in p:
        return "FREQ=WEEKLY"
    return "FREQ=DAILY"


def _day_offset(phrase: str, language: str, now: datetime) -> tuple[int, str | None]:
    """Days from today the phrase names, and the part of day it implies (morning/evening)."""
    p = phrase.casefold()
    if language == "zh":
        simple = {
            "昨天": -1,
            "前天": -2,
            "今天": 0,
            "今晚": 0,
            "今早": 0,
            "明天": 1,
            "明早": 1,
            "明晚": 1,
            "后天": 2,
            "大后天": 3,
        }
        if p in simple:
            part = "evening" if p.endswith("晚") else ("morning" if p.endswith("早") else None)
            return simple[p], part
        date = re.fullmatch(r"(\d{1,2})月(\d{1,2})[日号]", p)
        if date:
            return _date_offset(int(date.group(1)), int(date.group(2)), now), None
        wd = _ZH_DAY[p[-1]]
        if p.startswith("下"):
            return 7 - now.weekday() + wd, None
        if p.startswith(("这", "本")):
            return wd - now.weekday(), None
        return (wd - now.weekday()) % 7, None
    if p == "tonight":
        return 0, "evening"
    part = None
    for word in ("morning", "afternoon", "evening", "night"):
        if p.endswith(" " + word):
            part = word
            p = p[: -len(word)].strip()
    if p == "the day after tomorrow":
        return 2, part
    if p == "today":
        return 0, part
    if p == "yesterday":
        return -1, part
    if p == "tomorrow":
        return 1, part
    word = p.split()[-1]
    wd = WEEKDAYS_EN.index(word)
    if p.startswith("next"):
        return 7 - now.weekday() + wd, part
    return (wd - now.weekday()) % 7, part


def _date_offset(month: int, day: int, now: datetime) -> int:
    try:
        target = now.replace(month=month, day=day)
    except ValueError:
        raise WhenError("time.impossible_date", date=f"{month}/{day}") from None
    if target.date() < now.date():
        target = target.replace(year=now.year + 1)
    return (target.date() - now.date()).days


_ZH_PARTS = {
    "凌晨": "night", "半夜": "night", "早上": "morning", "早晨": "morning", "上午": "morning",
    "中午": "noon", "下午": "afternoon", "傍晚": "evening", "晚上": "evening", "夜里": "evening",
}  # fmt: skip


def _clock(found: _Found, language: str) -> tuple[int, int, str | None]:
    """Hour, minute and am/pm ('am', 'pm' or None) of a clock phrase; impossible times refused."""
    g = found.match.groups()
    if language == "zh":
        hour, minute, meridiem = int(g[0]), int(g[1] or 0), None
    else:
        word = (g[6] or "").casefold()
        if word in ("noon", "midday"):
            return 12, 0, "pm"
        if word == "midnight":
            return 0, 0, "am"
        if g[0] is not None:
            hour, minute = int(g[0]), int(g[1] or 0)
            meridiem = "am" if g[2].casefold().startswith("a") else "pm"
        elif g[3] is not None:
            hour, minute, meridiem = int(g[3]), int(g[4]), None
        else:
            hour, minute, meridiem = int(g[5]), 0, None
    shown = f"{hour}:{minute:02d}"
    if hour < 0 or hour > 24 or minute < 0 or minute > 59 or (hour == 24 and minute):
        raise WhenError("time.impossible", time=shown)
    if meridiem is not None and not 1 <= hour <= 12:
        raise WhenError("time.impossible", time=shown + (" " + meridiem))
    if hour == 24:
        hour = 0
    return hour, minute, meridiem


def _apply_part(hour: int, meridiem: str | None, part: str | None) -> tuple[int, bool]:
    """24-hour clock hour, and whether it is still ambiguous (no am/pm, no part of day)."""
    if meridiem == "am":
        return (0 if hour == 12 else hour), False
    if meridiem == "pm":
        return (12 if hour == 12 else hour + 12), False
    if hour >= 13 or hour == 0:
        return hour, False
    if part in ("afternoon", "evening") or (part == "night" and hour >= 6):
        return (hour if hour == 12 else hour + 12), False
    if part == "noon":
        return (hour + 12 if hour <= 3 else hour), False
    if part in ("morning", "night"):
        return (0 if hour == 12 else hour), False
    return hour, True


# A weekday said on its own ("saturday", "on friday", "周六"), not "this saturday" / "今天".
_BARE_WEEKDAY = re.compile(
    r"(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:\s+(?:morning|afternoon|evening|night))?"
    r"|(?:周|星期|礼拜)[一二三四五六日天1-7]",
    re.IGNORECASE,
)


def extract(text: str, language: str, now: datetime) -> tuple[When | None, str]:
    """The time a sentence names (None if it names none) and the sentence without it.

    ``now`` must be aware and in the home's zone; the result is in the same zone.
    """
    text = zh_digits(text) if language == "zh" else en_clock_words(text)
    found, rest = _find(text, language)
    rest = _clean_rest(rest, language)
    if not found:
        return None, rest
    kinds = {f.kind: f for f in found}
    if "in" in kinds or "half" in kinds:
        in_words = kinds["in"].match.group(0) if "in" in kinds else ""
        seconds = 1800.0 if "half" in kinds else (parse_duration(in_words, language) or 0.0)
        if seconds <= 0:
            raise WhenError("time.not_positive")
        if seconds > 366 * 86400:
            raise WhenError("time.too_far")
        return When(now + timedelta(seconds=seconds), None, relative=True), rest
    recurrence = None
    if "repeat" in kinds:
        recurrence = _repeat_rule(kinds["repeat"].match.group(0), language)
    day_offset, part = (None, None)
    if "day" in kinds:
        day_offset, part = _day_offset(kinds["day"].match.group(0), language, now)
        if day_offset < 0:
            raise WhenError("time.in_past")
    if "part" in kinds:
        said = kinds["part"].match.group(0)
        part = _ZH_PARTS.get(said) if language == "zh" else (kinds["part"].match.group(1) or "night")
    if recurrence is not None and kinds["repeat"].match.group(0).casefold().endswith(
        ("morning", "evening", "night")
    ):
        part = part or kinds["repeat"].match.group(0).split()[-1].casefold()
    if "clock" in kinds:
        hour, minute, meridiem = _clock(kinds["clock"], language)
    elif part is not None or day_offset is not None or recurrence is not None:
        # "tomorrow morning", "every evening": a sensible default hour for the part of the day.
        defaults = {"morning": 8, "noon": 12, "afternoon": 15, "evening": 19, "night": 21, None: 9}
        hour, minute, meridiem = defaults[part], 0, None
        part = part or "morning"
    else:
        return None, rest
    hour24, ambiguous = _apply_part(hour, meridiem, part)
    base = now.replace(second=0, microsecond=0)
    if recurrence is not None:
        # Said with a repeat, "at 7" means 7:00: a daily 19:00 alarm is not what "every day at 7" asks.
        start = base.replace(hour=hour24, minute=minute) + timedelta(days=day_offset or 0)
        first = next_occurrence(start, recurrence, now)
        if first is None:
            raise WhenError("time.in_past")
        return When(first, recurrence), rest
    candidates = [hour24] + ([hour24 + 12] if ambiguous and hour24 < 12 else [])
    choices = []
    # "On Saturday at 10am" said on a Saturday evening: next Saturday, not "already passed".
    weekday_only = "day" in kinds and _BARE_WEEKDAY.fullmatch(kinds["day"].match.group(0).strip()) is not None
    for h in candidates:
        at = base.replace(hour=h, minute=minute) + timedelta(days=day_offset or 0)
        if day_offset is None and at <= now:
            at += timedelta(days=1)  # a time with no day: the next time it comes round
        elif weekday_only and day_offset == 0 and at <= now:
            at += timedelta(days=7)
        choices.append(at)
    upcoming = [c for c in choices if c > now]
    if not upcoming:
        raise WhenError("time.in_past")
    at = min(upcoming)
    return When(at, recurrence), rest


def describe(at: datetime, now: datetime, language: str) -> str:
    """ "tomorrow at 7:00" / "明天7:00": how a reply names a moment."""
    days = (at.date() - now.date()).days
    clock = f"{at.hour}:{at.minute:02d}"
    if language == "zh":
        day = {0: "今天", 1: "明天", 2: "后天"}.get(days) or f"{at.month}月{at.day}日"
        return f"{day}{clock}"
    day = {0: "today", 1: "tomorrow"}.get(days) or at.strftime("%A %B ") + str(at.day)
    return f"{day} at {clock}"


def describe_when(at: datetime, recurrence: str | None, now: datetime, language: str) -> str:
    """A one-off says its day ("tomorrow at 7:00"); a repeat only its time, the repeat says the days."""
    if recurrence:
        clock = f"{at.hour}:{at.minute:02d}"
        return f"at {clock}" if language == "en" else clock
    return describe(at, now, language)


def describe_repeat(recurrence: str | None, language: str) -> str:
    if not recurrence:
        return ""
    rule: dict[str, Any] = dict(part.split("=", 1) for part in recurrence.split(";"))
    days = rule.get("BYDAY", "")
    if language == "zh":
        if days == "MO,TU,WE,TH,FR":
            return "每个工作日"
        if days == "SA,SU":
            return "每个周末"
        if days:
            return "每周" + "".join("一二三四五六日"[RRULE_DAYS.index(d)] for d in days.split(","))
        return "每周" if rule.get("FREQ") == "WEEKLY" else "每天"
    if days == "MO,TU,WE,TH,FR":
        return "every weekday"
    if days == "SA,SU":
        return "every weekend"
    if days:
        return "every " + ", ".join(WEEKDAYS_EN[RRULE_DAYS.index(d)].title() for d in days.split(","))
    return "every week" if rule.get("FREQ") == "WEEKLY" else "every day"


def parse_day(text: str, language: str, now: datetime) -> datetime | None:
    """Midnight of the day a question names ("what's on tomorrow", "下周五有什么安排"), or None."""
    if language == "zh":
        text = zh_digits(text)
    found, _ = _find(text, language)
    for item in found:
        if item.kind == "day":
            offset, _part = _day_offset(item.match.group(0), language, now)
            return (now + timedelta(days=offset)).replace(hour=0, minute=0, second=0, microsecond=0)
    return None


def say_duration(seconds: float, language: str) -> str:
    """ "1 hour 30 minutes" / "1小时30分钟": whole seconds, largest units first."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if language == "zh":
        parts = [
            f"{hours}小时" if hours else "",
            f"{minutes}分钟" if minutes else "",
            f"{secs}秒" if secs else "",
        ]
        return "".join(parts) or "0秒"
    words = []
    for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")):
        if value:
            words.append(f"{value} {unit}{'s' if value != 1 else ''}")
    return " ".join(words) or "0 seconds"
