"""Weather and warnings questions: "what's the weather tomorrow", "明天要带伞吗", "有预警吗".

The forecast comes from the home's weather service (cached in the store; fetched when
stale); warnings from what the server's poller has kept. Both tiers route here: the
template tier with canonical slots, the learned tier's ``weather_query`` with its spans.
"""

from __future__ import annotations

from homemind.core import i18n
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status
from homemind.weather.answer import Answerer
from homemind.weather.question import interpret
from homemind.weather.service import WeatherService

i18n.register(
    {
        "warnings.none": {
            "en": "There are no weather warnings for home right now.",
            "zh": "现在家这边没有天气预警。",
        },
        "warnings.not_set_up": {
            "en": "No warning feeds are set up for this home (add a warnings section to the home file).",
            "zh": "这个家还没有设置预警来源（在家庭文件里加上 warnings 部分）。",
        },
        "warnings.some": {
            "en": "Warnings in force ({count}): {list}.",
            "zh": "现在有{count}条预警：{list}。",
        },
        "warnings.one": {"en": "[{severity}] {headline}", "zh": "【{severity}】{headline}"},
        "warnings.unchecked": {
            "en": " (The feeds could not be read lately: {problem}.)",
            "zh": "（最近读取预警来源失败：{problem}。）",
        },
    }
)

_HERE = ("here", "home", "outside", "this city", "town", "这里", "家里", "外面", "本地", "我们这")


def weather_service(request: IntentRequest) -> WeatherService | None:
    settings = request.home.weather
    if settings is None:
        return None
    house = request.house
    return WeatherService(settings, house.store, request.home.timezone, house.clock.now)


class Weather(IntentHandler):
    intent_type = "HomemindWeather"
    slots = {
        "what": "temperature, rain, umbrella, wind, uv, humidity, air, sunrise, sunset, colder, warmer",
        "when": "now, today, tonight, tomorrow[_morning...], day_after, weekend, a weekday",
        "day": "the learned tier's date span",
        "timeofday": "the learned tier's time-of-day span",
        "descriptor": "the learned tier's weather word (rain, cold...)",
        "place": "a town, if named",
    }

    async def handle(self, request: IntentRequest) -> Reply:
        service = weather_service(request)
        if service is None:
            return request.reply(Status.ANSWERED, "weather.not_set_up")
        place = request.match.text("place")
        if place and not self._is_home(place, service.settings.place):
            here = service.settings.place.get(request.language, "")
            here = (f"（{here}）" if request.language == "zh" else f" in {here}") if here else ""
            return request.reply(Status.ANSWERED, "weather.elsewhere", place=place, here=here)
        words = {name: str(slot.value or slot.text or "") for name, slot in request.match.slots.items()}
        question = interpret(words, request.actor.text or "")
        snapshot = await service.get()
        answerer = Answerer(service.settings, request.language, request.house.clock.now(), request.house.tz)
        return Reply(Status.ANSWERED, answerer.answer(snapshot, question))

    @staticmethod
    def _is_home(place: str, names: dict[str, str]) -> bool:
        folded = place.casefold().strip()
        return folded in _HERE or any(
            n.casefold() in folded or folded in n.casefold() for n in names.values()
        )


class WeatherWarnings(IntentHandler):
    intent_type = "HomemindWeatherWarnings"

    async def handle(self, request: IntentRequest) -> Reply:
        from homemind.weather.alerts import Warnings

        settings = request.home.warnings
        if settings is None:
            return request.reply(Status.ANSWERED, "warnings.not_set_up")
        warnings = Warnings(settings, request.house)
        active = warnings.active(request.language)
        problems = warnings.problems()
        suffix = request.t("warnings.unchecked", problem=next(iter(problems.values()))) if problems else ""
        if not active:
            return Reply(Status.ANSWERED, request.t("warnings.none") + suffix)
        told = [
            request.t("warnings.one", severity=a["severity_text"], headline=a["headline"]) for a in active
        ]
        separator = "；" if request.language == "zh" else "; "
        text = request.t("warnings.some", count=len(told), list=separator.join(told))
        return Reply(Status.ANSWERED, text + suffix)


def register(registry: HandlerRegistry) -> None:
    registry.register(Weather())
    registry.register(WeatherWarnings())
