"""Automations made by talking: "every day at 7pm turn on the balcony light", "门开的时候打开客厅灯".

Kept in the store (``spoken_automation``) beside the home file's automations, under ids
``said_<n>``; :class:`~homemind.household.automations.Automations` lists, switches,
removes and runs both. Each remembers who made it: it runs with that member's
permissions, as generated text (nothing that needs a yes or a PIN), never the owner's.

Triggers (JSON in ``spoken_automation.trigger``):

- ``{"at": ISO time, "recurrence": RRULE | null}``: a time, repeating or once (a one-off
  scheduled action is removed once it has run);
- ``{"entity_id": ..., "to": state}``: a device reaching a state ("when the door opens");
- ``{"entity_id": ..., "above": n}`` / ``{"below": n}``: a reading crossing a value;
- ``{"at": ..., "cheapest": kind, "until": ...}``: the start of the cheapest electricity;
- ``{"at": check, "forecast": {"rain": day, "part": ...}}``: at ``check``, only if rain is
  forecast for ``day`` (the check itself is the composition root's, ``Automations.forecast``);
- ``{"warning": hazard | "any", "names": {...}}``: when such a warning is issued.

A step with the service ``notify`` (no entity) tells its maker (``to: maker``) or every member.

This module also says what an automation does, in either language: the conversation
reads a schedule back with the same words the list shows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homemind.core import i18n
from homemind.core.model import Domain, Home, Step
from homemind.household.when import describe, describe_repeat, next_occurrence
from homemind.store import Store

PREFIX = "said_"
NOTIFY = "notify"  # a step that tells someone rather than changes a device

i18n.register(
    {
        "cond.open": {"en": "when {entity} opens", "zh": "{entity}打开的时候"},
        "cond.closed": {"en": "when {entity} closes", "zh": "{entity}关上的时候"},
        "cond.on": {"en": "when {entity} turns on", "zh": "{entity}打开的时候"},
        "cond.off": {"en": "when {entity} turns off", "zh": "{entity}关闭的时候"},
        "cond.locked": {"en": "when {entity} is locked", "zh": "{entity}锁上的时候"},
        "cond.unlocked": {"en": "when {entity} is unlocked", "zh": "{entity}解锁的时候"},
        "cond.above": {
            "en": "when {entity} goes above {value}{unit}",
            "zh": "{entity}超过{value}{unit}的时候",
        },
        "cond.below": {
            "en": "when {entity} drops below {value}{unit}",
            "zh": "{entity}低于{value}{unit}的时候",
        },
        "cond.state": {"en": "when {entity} becomes {state}", "zh": "{entity}变成{state}的时候"},
        "cond.cheapest": {
            "en": "when electricity is cheapest (the {kind} period, {at})",
            "zh": "电价最便宜的时候（{kind}，{at}）",
        },
        "cond.rain": {
            "en": "if rain is forecast for {day} (I'll check the forecast {at})",
            "zh": "{day}有雨的话（{at}查看天气预报）",
        },
        "cond.warning": {"en": "when a {hazard} warning is issued", "zh": "发布{hazard}预警的时候"},
        "plan.remind_maker": {"en": "remind you to {text}", "zh": "提醒你{text}"},
        "plan.remind_maker_plain": {"en": "remind you", "zh": "提醒你"},
        "plan.tell_everyone": {"en": "tell everyone: {text}", "zh": "通知大家：{text}"},
        "plan.tell_everyone_plain": {"en": "tell everyone", "zh": "通知大家"},
        "plan.turn_on": {"en": "turn on {names}", "zh": "打开{names}"},
        "plan.turn_on_brightness": {
            "en": "set {names} to {brightness}% brightness",
            "zh": "把{names}亮度调到{brightness}%",
        },
        "plan.turn_off": {"en": "turn off {names}", "zh": "关闭{names}"},
        "plan.toggle": {"en": "switch {names}", "zh": "切换{names}"},
        "plan.open_cover": {"en": "open {names}", "zh": "打开{names}"},
        "plan.close_cover": {"en": "close {names}", "zh": "关上{names}"},
        "plan.set_cover_position": {
            "en": "set {names} to {position}% open",
            "zh": "把{names}调到{position}%",
        },
        "plan.set_temperature": {
            "en": "set {names} to {temperature} °C",
            "zh": "把{names}调到{temperature}度",
        },
        "plan.set_hvac_mode": {"en": "set {names} to {mode} mode", "zh": "把{names}调成{mode}模式"},
        "plan.lock": {"en": "lock {names}", "zh": "锁上{names}"},
        "plan.unlock": {"en": "unlock {names}", "zh": "解锁{names}"},
        "plan.volume_set": {
            "en": "set the volume of {names} to {volume}%",
            "zh": "把{names}音量调到{volume}%",
        },
        "plan.volume_mute": {"en": "mute {names}", "zh": "把{names}静音"},
        "plan.media_play": {"en": "resume {names}", "zh": "让{names}继续播放"},
        "plan.media_pause": {"en": "pause {names}", "zh": "暂停{names}"},
        "plan.start": {"en": "start {names}", "zh": "让{names}开始打扫"},
        "plan.pause": {"en": "pause {names}", "zh": "暂停{names}"},
        "plan.return_to_base": {"en": "send {names} back to its dock", "zh": "让{names}回去充电"},
        "plan.alarm_arm_home": {"en": "arm {names} in home mode", "zh": "把{names}设为在家布防"},
        "plan.alarm_arm_away": {"en": "arm {names} in away mode", "zh": "把{names}设为离家布防"},
        "plan.alarm_disarm": {"en": "disarm {names}", "zh": "给{names}撤防"},
        "plan.set_percentage": {
            "en": "set {names} to {percentage}% speed",
            "zh": "把{names}风速调到{percentage}%",
        },
    }
)


@dataclass(frozen=True)
class Spoken:
    number: int
    creator: str
    language: str
    said: str
    trigger: dict[str, Any]
    steps: tuple[Step, ...]
    enabled: bool
    next_fire: float | None

    @property
    def id(self) -> str:
        return f"{PREFIX}{self.number}"

    @property
    def once(self) -> bool:
        return "at" in self.trigger and not self.trigger.get("recurrence")

    @property
    def device_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.service != NOTIFY)

    @property
    def notify_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.service == NOTIFY)

    @property
    def entity_ids(self) -> list[str]:
        ids = [s.entity_id for s in self.steps if s.entity_id]
        return ids + ([self.trigger["entity_id"]] if "entity_id" in self.trigger else [])


def _spoken(row: dict[str, Any]) -> Spoken:
    steps = tuple(
        Step(service=s["service"], entity_id=s["entity_id"], data=dict(s.get("data") or {}))
        for s in json.loads(row["steps"])
    )
    return Spoken(
        int(row["id"]), row["creator"], row["language"], row["said"], json.loads(row["trigger"]),
        steps, bool(row["enabled"]), row["next_fire"],
    )  # fmt: skip


def insert(
    store: Store,
    creator: str,
    language: str,
    said: str,
    trigger: dict[str, Any],
    steps: Sequence[Step],
    now: float,
) -> Spoken:
    """Store a new automation; a time trigger gets its first firing now."""
    next_fire = datetime.fromisoformat(trigger["at"]).timestamp() if "at" in trigger else None
    payload = [{"service": s.service, "entity_id": s.entity_id, "data": s.data} for s in steps]
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO spoken_automation"
            " (creator, language, said, trigger, steps, enabled, next_fire, created)"
            " VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
            (creator, language, said, json.dumps(trigger), json.dumps(payload), next_fire, now),
        )
        number = int(cursor.lastrowid or 0)
    found = get(store, f"{PREFIX}{number}")
    assert found is not None
    return found


def all_spoken(store: Store) -> list[Spoken]:
    return [
        _spoken(r) for r in store.read("SELECT * FROM spoken_automation WHERE removed IS NULL ORDER BY id")
    ]


def due(store: Store, now: float) -> list[Spoken]:
    rows = store.read(
        "SELECT * FROM spoken_automation WHERE removed IS NULL AND enabled = 1 AND next_fire IS NOT NULL"
        " AND next_fire <= ? ORDER BY next_fire",
        (now,),
    )
    return [_spoken(r) for r in rows]


def get(store: Store, automation_id: str) -> Spoken | None:
    number = automation_id[len(PREFIX) :]
    if not automation_id.startswith(PREFIX) or not number.isdigit():
        return None
    rows = store.read("SELECT * FROM spoken_automation WHERE id = ? AND removed IS NULL", (int(number),))
    return _spoken(rows[0]) if rows else None


def mark_removed(store: Store, spoken: Spoken, now: float) -> None:
    with store.transaction() as db:
        db.execute("UPDATE spoken_automation SET removed = ? WHERE id = ?", (now, spoken.number))


def switch(store: Store, spoken: Spoken, enabled: bool, next_fire: float | None) -> None:
    with store.transaction() as db:
        db.execute(
            "UPDATE spoken_automation SET enabled = ?, next_fire = ? WHERE id = ?",
            (int(enabled), next_fire, spoken.number),
        )


def claim(store: Store, spoken: Spoken, upcoming: float | None, now: float) -> bool:
    """Move a due automation to its next firing (or remove a one-off): True if this process got it."""
    with store.transaction() as db:
        return bool(
            db.execute(
                "UPDATE spoken_automation SET next_fire = ?, last_fired = ?, removed = ?"
                " WHERE id = ? AND next_fire = ?",
                (upcoming, now, now if spoken.once else None, spoken.number, spoken.next_fire),
            ).rowcount
        )


def next_fire(spoken: Spoken, after: datetime) -> float | None:
    first = datetime.fromisoformat(spoken.trigger["at"])
    found = next_occurrence(first, spoken.trigger.get("recurrence"), after)
    return None if found is None else found.timestamp()


def fires(trigger: dict[str, Any], old: Any, new: Any) -> bool:
    """Whether a state change from ``old`` to ``new`` sets off a state or threshold trigger."""
    if "to" in trigger:
        return bool(new == trigger["to"])
    if "above" in trigger:
        return _crossed(old, new, float(trigger["above"]), up=True)
    return "below" in trigger and _crossed(old, new, float(trigger["below"]), up=False)


def _crossed(old: Any, new: Any, value: float, *, up: bool) -> bool:
    try:
        before, after = float(old), float(new)
    except (TypeError, ValueError):
        return False
    return before <= value < after if up else before >= value > after


# --- saying what an automation does ------------------------------------------------------


def only_time(trigger: dict[str, Any]) -> bool:
    """A plain time ("tomorrow at 7:00"), read back as one; not the cheapest hour or a forecast."""
    return "at" in trigger and not ({"cheapest", "forecast"} & trigger.keys())


def trigger_words(home: Home, trigger: dict[str, Any], now: datetime, language: str) -> str:
    """ "every day at 19:00", "tomorrow at 6:30", "when the Front Door Sensor opens"."""
    if "warning" in trigger:
        names = trigger.get("names") or {}
        return i18n.translate("cond.warning", language, hazard=names.get(language, trigger["warning"]))
    if "cheapest" in trigger or "forecast" in trigger:
        return _outdoor_words(trigger, now, language)
    if "at" in trigger:
        at = datetime.fromisoformat(trigger["at"]).astimezone(now.tzinfo)
        recurrence = trigger.get("recurrence")
        if recurrence:
            clock = f"{at.hour}:{at.minute:02d}"
            repeat = describe_repeat(recurrence, language)
            return f"{repeat} at {clock}" if language == "en" else f"{repeat}{clock}"
        return describe(at, now, language)
    entity = home.entities.get(trigger.get("entity_id", ""))
    if entity is None:
        return str(trigger.get("entity_id", "?"))
    subject = i18n.entity_names([entity], language)
    unit = entity.capabilities.get("unit_of_measurement", "")
    unit = {"°C": " °C" if language == "en" else "度", "%": "%"}.get(unit, f" {unit}" if unit else "")
    if "above" in trigger or "below" in trigger:
        key = "cond.above" if "above" in trigger else "cond.below"
        value = trigger.get("above", trigger.get("below"))
        return i18n.translate(key, language, entity=subject, value=value, unit=unit)
    to = str(trigger.get("to"))
    if entity.domain is Domain.BINARY_SENSOR:
        to = {"on": "open", "off": "closed"}.get(to, to)
    key = f"cond.{to}"
    if not i18n.known(key):
        return i18n.translate("cond.state", language, entity=subject, state=to)
    return i18n.translate(key, language, entity=subject)


def _outdoor_words(trigger: dict[str, Any], now: datetime, language: str) -> str:
    at = datetime.fromisoformat(trigger["at"]).astimezone(now.tzinfo)
    if "forecast" in trigger:
        day = datetime.fromisoformat(trigger["forecast"]["rain"]).date()
        day_said = day_words(day, now, language)
        return i18n.translate("cond.rain", language, day=day_said, at=describe(at, now, language))
    until = datetime.fromisoformat(trigger["until"]).astimezone(now.tzinfo)
    end = f"{until.hour}:{until.minute:02d}"
    if at <= now:
        span = f"now until {end}" if language == "en" else f"现在起到{end}"
    else:
        gap = " " if language == "en" else ""
        span = f"{day_words(at.date(), now, language)}{gap}{at.hour}:{at.minute:02d}–{end}"
    kind = f"energy.kind.{trigger['cheapest']}"
    named = i18n.translate(kind, language) if i18n.known(kind) else str(trigger["cheapest"])
    return i18n.translate("cond.cheapest", language, kind=named, at=span)


def day_words(day: Any, now: datetime, language: str) -> str:
    """ "tomorrow" / "明天", or the date further off."""
    ahead = (day - now.date()).days
    if language == "zh":
        return {0: "今天", 1: "明天", 2: "后天"}.get(ahead) or f"{day.month}月{day.day}日"
    return {0: "today", 1: "tomorrow"}.get(ahead) or f"{day:%A %B} {day.day}"


def action_words(home: Home, steps: Sequence[Step], language: str) -> str:
    """ "turn on the Balcony Light and set the Bedroom AC to 26 °C" / "打开阳台灯和把卧室空调调到26度"."""
    groups: dict[tuple[str, str], list[Step]] = {}
    for step in steps:
        if step.entity_id in home.entities:
            groups.setdefault((_plan_key(step), repr(sorted(step.data.items()))), []).append(step)
    phrases = []
    for (key, _), group in groups.items():
        data = group[0].data
        entities = [home.entities[s.entity_id] for s in group if s.entity_id]
        params: dict[str, Any] = {"names": i18n.entity_names(entities, language)}
        if "brightness_pct" in data:
            params["brightness"] = round(float(data["brightness_pct"]))
        if "position" in data:
            params["position"] = data["position"]
        if "temperature" in data:
            params["temperature"] = _number(data["temperature"])
        if "hvac_mode" in data:
            params["mode"] = i18n.translate(f"mode.{data['hvac_mode']}", language)
        if "volume_level" in data:
            params["volume"] = round(float(data["volume_level"]) * 100)
        if "percentage" in data:
            params["percentage"] = data["percentage"]
        phrases.append(i18n.translate(key, language, **params))
    for step in steps:
        if step.service == NOTIFY:
            whom = "maker" if step.data.get("to") == "maker" else "everyone"
            text = str(step.data.get("text") or "")
            key = f"plan.remind_{whom}" if whom == "maker" else f"plan.tell_{whom}"
            phrases.append(i18n.translate(key if text else f"{key}_plain", language, text=text))
    return i18n.join_names(phrases, language)


def _plan_key(step: Step) -> str:
    if step.service == "turn_on" and "brightness_pct" in step.data:
        return "plan.turn_on_brightness"
    key = f"plan.{step.service}"
    return key if i18n.known(key) else "plan.turn_on"


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.1f}"
