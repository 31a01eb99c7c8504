"""Clauses about the world outside: "when electricity is cheapest", "if it will rain tomorrow",
"when a typhoon warning is issued" (and 等电便宜的时候, 明天下雨的话, 发布台风预警的时候).

Each becomes a :class:`~homemind.conversation.clauses.Clause` like any time or condition,
so the command is read back for a yes and stored with the other spoken automations:

- the cheapest electricity is a one-off time: the start of the tariff's next valley period
  (``energy.tariff.cheapest_window``), ``{"at": ..., "cheapest": "valley"}``;
- a forecast is checked once at a sensible time (the evening before, or the morning of),
  ``{"at": check, "forecast": {"rain": day, "part": ...}}``, and the steps run only if rain
  is expected then;
- a warning is the warnings poller's ``weather_warning`` event, ``{"warning": hazard}``.

"remind me to …" / "tell everyone" / "提醒我…" / "通知大家" said with one of them is a step
of its own (a notification), taken off the command's words here.

A home without the section a clause needs (no tariff, no weather, no warning feeds) gets
a clause with a ``problem``: the reply says what is missing, and nothing is set up.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from homemind.conversation.clauses import Clause
from homemind.core.model import Home
from homemind.energy.tariff import cheapest_window
from homemind.household.spoken import NOTIFY
from homemind.weather.hazards import HAZARDS

_EN_CHEAP = re.compile(
    r"\b(?:when|once|whenever)\s+(?:the\s+)?(?:electricity|power|energy)(?:\s+price)?\s+is\s+(?:at\s+its\s+)?"
    r"(?:cheapest|cheap|cheaper|lowest)\b|\b(?:at|during)\s+(?:the\s+)?(?:cheapest|off-peak|valley)"
    r"(?:\s+(?:electricity|power))?\s+(?:time|hours?|period|rate|tariff)\b",
    re.IGNORECASE,
)
_ZH_CHEAP = re.compile(
    r"等?(?:到)?(?:电价?|电费)(?:最)?(?:便宜|低)(?:的)?(?:时候|时段|时)(?:再|就)?|等?(?:到)?(?:谷时|谷电|低谷)(?:电价)?(?:的)?(?:时候|时段)?(?:再|就)?"
)
_EN_RAIN = re.compile(
    r"\b(?:if|when|in case)\b(?P<cond>[^,]*?\brain(?:s|ing|y)?\b[^,]*?)"
    r"(?:,|(?=\s+(?:then\s+)?(?:remind|tell|notify|let|turn|switch|close|open|shut|set|run|start)\b)|$)",
    re.IGNORECASE,
)
_ZH_RAIN = re.compile(
    r"^(?:如果|要是|假如|万一)?(?P<cond>[^，,]{0,8}?下雨[^，,]{0,2}?)(?:的话|的时候|时)[，,]?(?:就|那就|请)?"
)
_EN_WARNING = re.compile(
    r"\b(?:when|whenever|if|once|as soon as)\b(?P<cond>[^,]*?\b(?:warning|alert)s?\b[^,]*?)"
    r"(?:,|(?=\s+(?:then\s+)?(?:remind|tell|notify|let|turn|switch|close|open|shut|set|run|start|lock)\b)|$)",
    re.IGNORECASE,
)
_ZH_WARNING = re.compile(
    r"^(?:如果|要是|一旦|每当|当)?一?(?P<cond>[^，,]*?(?:预警|警报)[^，,]{0,4}?)(?:的时候|时|以后|之后|的话|就)[，,]?(?:就|请|马上)?"
)
_EN_DAYS = (("day after tomorrow", 2, None), ("tomorrow night", 1, "night"), ("tomorrow", 1, None),
            ("tonight", 0, "night"), ("today", 0, None))  # fmt: skip
_ZH_DAYS = (("后天", 2, None), ("明晚", 1, "night"), ("明天晚上", 1, "night"), ("明天", 1, None),
            ("今晚", 0, "night"), ("今天晚上", 0, "night"), ("今天", 0, None))  # fmt: skip
_EN_TELL = re.compile(
    r"(?:^|,?\s*\b(?:and|then|and then)\b\s+|,\s*)(?:please\s+)?(?P<verb>remind|tell|notify|warn|let)\s+"
    r"(?P<who>me|us|everyone|everybody|all of us|the family|the whole family|the household)(?:\s+know)?"
    r"(?:\s+(?:to|that|about|:)\s*(?P<text>.+?))?[.!]*$",
    re.IGNORECASE,
)
_ZH_TELL = re.compile(
    r"(?:^|[，,]?\s*(?:并且|并|然后|再|和|同时|顺便)?)\s*(?:请)?(?P<verb>提醒|告诉|通知|叫)(?P<who>我们|我|大家|所有人|全家|家里人|每个人)"
    r"(?:一下|一声)?[：:，,]?(?P<text>.*?)[。！]*$"
)
_MAKER = ("me", "我")
# The hour a forecast is checked: the evening before, or the morning of the day itself.
EVENING_BEFORE = 20
MORNING_OF = 7


def find(text: str, language: str, now: datetime, home: Home) -> Clause | None:
    """A clause about electricity prices, the forecast or warnings in ``text``; None otherwise."""
    for finder in (_cheapest, _rain, _warning):
        found = finder(text, language, now, home)
        if found is not None:
            return found
    return None


# --- the cheapest electricity ------------------------------------------------------------------


def _cheapest(text: str, language: str, now: datetime, home: Home) -> Clause | None:
    found = (_ZH_CHEAP if language == "zh" else _EN_CHEAP).search(text)
    if found is None:
        return None
    said = found.group(0).strip()
    rest, steps = _tell(_cut(text, found.start(), found.end(), language), language)
    tariff = home.energy.tariff if home.energy is not None else None
    if tariff is None:
        return Clause("condition", said, rest, problem="schedule.no_tariff", steps=steps)
    window = cheapest_window(tariff, now)
    at = max(window.start, now)
    trigger = {
        "at": at.isoformat(),
        "recurrence": None,
        "cheapest": window.kind,
        "until": window.end.isoformat(),
    }
    return Clause("condition", said, rest, trigger=trigger, steps=steps)


# --- the forecast --------------------------------------------------------------------------------


def _rain(text: str, language: str, now: datetime, home: Home) -> Clause | None:
    found = (_ZH_RAIN if language == "zh" else _EN_RAIN).search(text)
    if found is None:
        return None
    said = found.group("cond").strip()
    rest, steps = _tell(_cut(text, found.start(), found.end(), language), language)
    days = _ZH_DAYS if language == "zh" else _EN_DAYS
    folded = said.casefold()
    day = next(((ahead, part) for word, ahead, part in days if word in folded), None)
    if home.weather is None:
        return Clause("condition", said, rest, problem="schedule.no_weather", steps=steps)
    if day is None:
        return Clause("condition", said, rest, problem="schedule.rain_which_day", steps=steps)
    ahead, part = day
    date = (now + timedelta(days=ahead)).date()
    trigger = {
        "at": check_time(date, now).isoformat(),
        "recurrence": None,
        "forecast": {"rain": date.isoformat(), "part": part},
    }
    return Clause("condition", said, rest, trigger=trigger, steps=steps)


def check_time(day: Any, now: datetime) -> datetime:
    """When to look at the forecast for ``day``: 20:00 the evening before, else 07:00 that
    morning, else (the day has begun) at the next quarter hour at least ten minutes away."""
    midnight = now.replace(
        year=day.year, month=day.month, day=day.day, hour=0, minute=0, second=0, microsecond=0
    )
    for candidate in (
        midnight - timedelta(hours=24 - EVENING_BEFORE),
        midnight + timedelta(hours=MORNING_OF),
    ):
        if candidate > now:
            return candidate
    soon = now + timedelta(minutes=10)
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=(15 - soon.minute % 15) % 15)


# --- warnings --------------------------------------------------------------------------------


def _warning(text: str, language: str, now: datetime, home: Home) -> Clause | None:
    found = (_ZH_WARNING if language == "zh" else _EN_WARNING).search(text)
    if found is None:
        return None
    said = found.group("cond").strip()
    folded = said.casefold()
    kind = next((h for h in HAZARDS if any(n in folded for n in h[1])), None)
    if kind is None and not re.search(r"\bwarning|预警|weather alert|气象警报", folded):
        return None  # "when the alarm's alert sounds", "警报响的时候": a device, not the weather
    rest, steps = _tell(_cut(text, found.start(), found.end(), language), language)
    if home.warnings is None:
        return Clause("condition", said, rest, problem="schedule.no_warnings", steps=steps)
    trigger: dict[str, Any] = {"warning": "any", "names": {"en": "weather", "zh": "天气"}}
    if kind is not None:
        trigger = {"warning": kind[0], "names": {"en": kind[2], "zh": kind[3]}}
    return Clause("condition", said, rest, trigger=trigger, steps=steps)


# --- telling ---------------------------------------------------------------------------------


def _tell(rest: str, language: str) -> tuple[str, tuple[dict[str, Any], ...]]:
    """The command's words without a "remind me to …" / "tell everyone" at its end, and that step."""
    found = (_ZH_TELL if language == "zh" else _EN_TELL).search(rest)
    if found is None:
        return rest, ()
    who = "maker" if found["who"].casefold() in _MAKER else "everyone"
    said = (found["text"] or "").strip(" ,，。.!")
    step = {"service": NOTIFY, "entity_id": None, "data": {"to": who, "text": said}}
    return rest[: found.start()].strip(" ,，并和再"), (step,)


def _cut(text: str, start: int, end: int, language: str) -> str:
    before, after = text[:start], text[end:]
    if language == "zh":
        return re.sub(r"\s+", "", before + after).strip("，,。 ").removeprefix("再").removeprefix("就")
    return re.sub(r"\s+", " ", f"{before} {after}").strip(" ,.")
