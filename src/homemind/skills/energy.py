"""Energy questions: "how much electricity did we use today", "这个月电费多少", "哪个电器最费电",
"how much did the air conditioner cost this week", "when is electricity cheapest".

Answered from the statistics the server records (``energy/``); nothing here changes a device.
"""

from __future__ import annotations

import re
from datetime import datetime

from homemind.core import i18n
from homemind.energy.stats import PERIODS, EnergyStats, Usage
from homemind.energy.tariff import cheapest_window
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

i18n.register(
    {
        "energy.not_set_up": {
            "en": "I don't keep energy statistics for this home (add an energy section to the home file).",
            "zh": "这个家还没有用电统计（在家庭文件里加上 energy 部分）。",
        },
        "energy.used": {"en": "{who} used {kwh} {when}{cost}.", "zh": "{who}{when}用了{kwh}{cost}。"},
        "energy.cost": {
            "en": "{who} cost {cost} {when} ({kwh}).",
            "zh": "{who}{when}的电费是{cost}（{kwh}）。",
        },
        "energy.no_tariff": {
            "en": "I have no tariff for this home, so no cost; {who} used {kwh} {when}.",
            "zh": "这个家没有设置电价，算不出电费；{who}{when}用了{kwh}。",
        },
        "energy.top": {
            "en": "{when}, {first} used the most: {kwh}{cost}.{rest}",
            "zh": "{when}最费电的是{first}：{kwh}{cost}。{rest}",
        },
        "energy.top_rest": {"en": " Then {rest}.", "zh": "其次是{rest}。"},
        "energy.top_none": {
            "en": "Nothing has been recorded per device {when} yet.",
            "zh": "{when}还没有记录到各电器的用电。",
        },
        "energy.unknown_device": {
            "en": "I have no energy figures for {name}.",
            "zh": "没有{name}的用电数据。",
        },
        "energy.cheapest_now": {
            "en": "Electricity is at its cheapest now ({kind}, {price} per kWh), until {end}.",
            "zh": "现在就是电价最便宜的时段（{kind}，每度{price}），到{end}为止。",
        },
        "energy.cheapest_next": {
            "en": "Electricity is cheapest from {start} to {end} ({kind}, {price} per kWh).",
            "zh": "电价最便宜的时段是{start}到{end}（{kind}，每度{price}）。",
        },
        "energy.no_tariff_cheapest": {
            "en": "I don't know this home's tariff (add one to the energy section of the home file).",
            "zh": "我不知道这个家的电价（在家庭文件的 energy 部分加上 tariff）。",
        },
        "energy.home": {"en": "the home", "zh": "家里"},
        "energy.when.today": {"en": "today", "zh": "今天"},
        "energy.when.yesterday": {"en": "yesterday", "zh": "昨天"},
        "energy.when.this_week": {"en": "this week", "zh": "本周"},
        "energy.when.last_week": {"en": "last week", "zh": "上周"},
        "energy.when.this_month": {"en": "this month", "zh": "本月"},
        "energy.when.last_month": {"en": "last month", "zh": "上个月"},
        "energy.when.last_30_days": {"en": "in the last 30 days", "zh": "最近30天"},
        "energy.kind.valley": {"en": "valley", "zh": "谷时"},
        "energy.kind.flat": {"en": "flat", "zh": "平时"},
        "energy.kind.peak": {"en": "peak", "zh": "峰时"},
    }
)

_PERIOD_WORDS = [
    (
        "last_30_days",
        ("last 30 days", "past 30 days", "last month or so", "最近30天", "近30天", "最近一个月"),
    ),
    ("last_month", ("last month", "上个月", "上月")),
    ("this_month", ("this month", "month", "这个月", "本月", "这月")),
    ("last_week", ("last week", "上周", "上个星期", "上星期", "上礼拜")),
    ("this_week", ("this week", "week", "这周", "本周", "这个星期", "这星期", "这礼拜")),
    ("yesterday", ("yesterday", "昨天")),
    ("today", ("today", "so far", "今天", "今日")),
]
_COST_WORDS = ("cost", "bill", "spend", "spent", "pay", "price", "money", "电费", "多少钱", "花了")


def period_of(words: str, default: str) -> str:
    folded = words.casefold()
    if folded in PERIODS:
        return folded
    for period, keys in _PERIOD_WORDS:
        for key in keys:
            found = (
                re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", folded) if key.isascii() else key in folded
            )
            if found:
                return period
    return default


def asks_cost(words: str) -> bool:
    folded = words.casefold()
    return any(w in folded for w in _COST_WORDS)


class _Energy(IntentHandler):
    def stats(self, request: IntentRequest) -> EnergyStats | None:
        if request.home.energy is None:
            return None
        return EnergyStats(request.home, request.house.store, request.house.clock.now())

    @staticmethod
    def kwh(value: float, language: str) -> str:
        number = f"{value:.2f}" if value < 1 else f"{value:.1f}"
        return f"{number}度电" if language == "zh" else f"{number} kWh"

    @staticmethod
    def money(value: float, currency: str, language: str) -> str:
        if currency == "CNY":
            return f"{value:.2f}元" if language == "zh" else f"¥{value:.2f}"
        return f"{value:.2f} {currency}"

    def period(self, request: IntentRequest, default: str) -> str:
        said = str(request.match.value("period") or "")
        return period_of(said, "") or period_of(request.actor.text or "", default)


class EnergyUsage(_Energy):
    intent_type = "HomemindEnergyUsage"
    slots = {"period": "today, this_week, this_month...", "name": "a device", "measure": "energy or cost"}

    async def handle(self, request: IntentRequest) -> Reply:
        stats = self.stats(request)
        if stats is None:
            return request.reply(Status.ANSWERED, "energy.not_set_up")
        text = request.actor.text or ""
        cost = request.match.value("measure") == "cost" or asks_cost(text)
        period = self.period(request, "this_month" if cost else "today")
        name = request.match.text("name")
        if name:
            keys = self.devices(request, name, request.match.value("name"))
            if not keys:
                return request.reply(Status.ANSWERED, "energy.unknown_device", name=name)
            entities = [request.home.entities[k] for k in keys]
            who = i18n.join_names([e.names.display(request.language) for e in entities], request.language)
        else:
            keys, who = stats.home_keys(), request.t("energy.home")
        usage = stats.usage(keys, period)
        return self.say(request, stats, usage, who, period, cost)

    def say(
        self, request: IntentRequest, stats: EnergyStats, usage: Usage, who: str, period: str, cost: bool
    ) -> Reply:
        language = request.language
        params = {
            "who": who,
            "kwh": self.kwh(usage.kwh, language),
            "when": request.t(f"energy.when.{period}"),
        }
        tariff = stats.settings.tariff
        money = self.money(usage.cost, stats.settings.currency, language)
        if cost and tariff is None:
            return request.reply(Status.ANSWERED, "energy.no_tariff", **params)
        if cost:
            text = request.t("energy.cost", cost=money, **params)
        else:
            extra = "" if tariff is None else (f"（{money}）" if language == "zh" else f" ({money})")
            text = request.t("energy.used", cost=extra, **params)
        return Reply(Status.ANSWERED, text[:1].upper() + text[1:] if language == "en" else text)

    @staticmethod
    def devices(request: IntentRequest, words: str, value: object) -> list[str]:
        """Every recorded device the words name ("the air conditioner": both of them)."""
        recorded = request.home.energy.devices if request.home.energy else {}
        wanted = words.casefold().removeprefix("the ").strip()
        found = [
            entity_id
            for entity_id in recorded
            if any(
                wanted == n.casefold()
                for lang in ("en", "zh")
                for n in request.home.entities[entity_id].names.all_for(lang)
            )
        ]
        return found or ([str(value)] if value in recorded else [])


class EnergyTop(_Energy):
    intent_type = "HomemindEnergyTop"
    slots = {"period": "today, this_week, this_month..."}

    async def handle(self, request: IntentRequest) -> Reply:
        stats = self.stats(request)
        if stats is None:
            return request.reply(Status.ANSWERED, "energy.not_set_up")
        period = self.period(request, "today")
        when = request.t(f"energy.when.{period}")
        ranked = stats.ranking(period)
        if not ranked:
            return request.reply(Status.ANSWERED, "energy.top_none", when=when)
        language, currency = request.language, stats.settings.currency
        tariff = stats.settings.tariff is not None

        def name(key: str) -> str:
            return request.home.entities[key].names.display(language)

        def cost(usage: Usage) -> str:
            money = self.money(usage.cost, currency, language)
            return "" if not tariff else (f"（{money}）" if language == "zh" else f" ({money})")

        first, usage = ranked[0]
        gap = "" if language == "zh" else " "
        others = [f"{name(k)}{gap}{self.kwh(u.kwh, language)}" for k, u in ranked[1:3]]
        rest = request.t("energy.top_rest", rest=i18n.join_names(others, language)) if others else ""
        text = request.t(
            "energy.top",
            when=when,
            first=name(first),
            kwh=self.kwh(usage.kwh, language),
            cost=cost(usage),
            rest=rest,
        )
        return Reply(Status.ANSWERED, text[:1].upper() + text[1:] if language == "en" else text)


class EnergyCheapest(_Energy):
    """ "When is electricity cheapest": the next valley period, from the home file's tariff."""

    intent_type = "HomemindEnergyCheapest"

    async def handle(self, request: IntentRequest) -> Reply:
        energy = request.home.energy
        if energy is None:
            return request.reply(Status.ANSWERED, "energy.not_set_up")
        if energy.tariff is None:
            return request.reply(Status.ANSWERED, "energy.no_tariff_cheapest")
        now = request.house.now()
        window = cheapest_window(energy.tariff, now)
        params = {
            "kind": request.t(f"energy.kind.{window.kind}"),
            "price": self.money(window.price, energy.currency, request.language),
            "start": _clock(window.start, now, request.language),
            "end": _clock(window.end, now, request.language),
        }
        key = "energy.cheapest_now" if window.start <= now else "energy.cheapest_next"
        return request.reply(Status.ANSWERED, key, **params)


def _clock(when: datetime, now: datetime, language: str) -> str:
    text = f"{when.hour}:{when.minute:02d}"
    if when.date() == now.date():
        return f"今天{text}" if language == "zh" else text
    return f"明天{text}" if language == "zh" else f"{text} tomorrow"


def register(registry: HandlerRegistry) -> None:
    for handler in (EnergyUsage(), EnergyTop(), EnergyCheapest()):
        registry.register(handler)
