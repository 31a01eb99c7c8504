"""What a spoken automation says when it runs: "remind me to …", "tell everyone", and the
forecast check that decides whether it runs at all.

A notification is stored as a message key with its parameters in both languages, so each
member reads it in their own (``notifications.py``); the text the maker said ("bring the
laundry in") is kept as they said it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from homemind.core import i18n
from homemind.household import spoken
from homemind.household.house import House
from homemind.household.notifications import Notifications
from homemind.household.spoken import Spoken
from homemind.policy import ActionOutcome, Result

# Whether rain is forecast for a trigger's day, seen at a moment (None: the forecast cannot say).
ForecastCheck = Callable[[dict[str, Any], datetime], Awaitable[bool | None]]

i18n.register(
    {
        "automation.reminder": {"en": "Reminder ({why_en}): {text}", "zh": "提醒（{why_zh}）：{text}"},
        "automation.told": {
            "en": "{maker_en}'s automation ({why_en}): {done_en}.",
            "zh": "{maker_zh}设置的自动化（{why_zh}）：{done_zh}。",
        },
        "automation.told_text": {
            "en": "{maker_en}'s automation ({why_en}): {text}",
            "zh": "{maker_zh}设置的自动化（{why_zh}）：{text}",
        },
        "automation.done_nothing": {"en": "nothing to do", "zh": "没有要做的"},
        "automation.not_done": {"en": "{done}; could not {failed}", "zh": "{done}；未能{failed}"},
        "automation.forecast_unknown": {
            "en": "I couldn't read the forecast for {day_en}, so I didn't do what you asked: {action_en}.",
            "zh": "没能读到{day_zh}的天气预报，所以没有执行：{action_zh}。",
        },
        "why.rain": {"en": "rain is forecast for {day}", "zh": "{day}有雨"},
        "why.warning": {"en": "a {hazard} warning was issued", "zh": "已发布{hazard}预警"},
        "why.cheapest": {"en": "electricity is cheapest now", "zh": "现在电价最便宜"},
        "why.time": {"en": "as scheduled", "zh": "定时"},
    }
)


def why(said: Spoken, now: datetime, language: str) -> str:
    """Why it runs now, in a few words: "rain is forecast for tomorrow", "a typhoon warning was issued"."""
    trigger = said.trigger
    if "forecast" in trigger:
        day = datetime.fromisoformat(trigger["forecast"]["rain"]).date()
        return i18n.translate("why.rain", language, day=spoken.day_words(day, now, language))
    if "warning" in trigger:
        names = trigger.get("names") or {}
        return i18n.translate("why.warning", language, hazard=names.get(language, trigger["warning"]))
    return i18n.translate("why.cheapest" if "cheapest" in trigger else "why.time", language)


def tell(house: House, said: Spoken, outcomes: Sequence[ActionOutcome], now: datetime) -> None:
    """Each ``notify`` step of a run: to its maker or to every member, with what was done."""
    home = house.home
    maker = home.members.get(said.creator)
    ok = {o.entity_id for o in outcomes if o.result is Result.OK}
    done = [s for s in said.device_steps if s.entity_id in ok]
    failed = [s for s in said.device_steps if s.entity_id not in ok]
    params: dict[str, Any] = {}
    for lang in ("en", "zh"):
        params[f"why_{lang}"] = why(said, now, lang)
        params[f"maker_{lang}"] = maker.names.display(lang) if maker else said.creator
        words = spoken.action_words(home, done, lang) or i18n.translate("automation.done_nothing", lang)
        if failed:
            words = i18n.translate(
                "automation.not_done", lang, done=words, failed=spoken.action_words(home, failed, lang)
            )
        params[f"done_{lang}"] = words
    notifications = Notifications(house)
    ids: list[int | None] = []
    with house.store.transaction() as db:
        for index, step in enumerate(said.notify_steps):
            text = str(step.data.get("text") or "")
            to_maker = step.data.get("to") == "maker"
            key = "automation.reminder" if to_maker else "automation.told_text" if text else "automation.told"
            members = [said.creator] if to_maker else list(home.members)
            for member in members:
                source = f"{said.id}:{index}:{member}"
                ids.append(notifications.add(db, member, "automation", source, now.timestamp(), False, key,
                                             {**params, "text": text}))  # fmt: skip
    notifications.publish_stored(ids)


def tell_unknown_forecast(house: House, said: Spoken, now: datetime) -> None:
    """The forecast could not be read: the maker hears that nothing was done, never a guess."""
    day = datetime.fromisoformat(said.trigger["forecast"]["rain"]).date()
    params = {
        **{f"day_{lang}": spoken.day_words(day, now, lang) for lang in ("en", "zh")},
        **{f"action_{lang}": spoken.action_words(house.home, said.steps, lang) for lang in ("en", "zh")},
    }
    notifications = Notifications(house)
    with house.store.transaction() as db:
        note = notifications.add(db, said.creator, "automation", f"{said.id}:unknown", now.timestamp(),
                                 False, "automation.forecast_unknown", params)  # fmt: skip
    notifications.publish_stored([note])
