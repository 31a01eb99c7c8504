"""Weather, warnings and energy over HTTP, and the server's background work for them.

``router()`` is included by ``create_app``; ``run(hub)`` is started by its lifespan:
it keeps the forecast fresh, polls the warning feeds and records energy, each on its
own schedule and each failure logged and retried, never stopping the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from homemind.app import Hub
from homemind.channels.http import ActorDep, HubDep
from homemind.energy.chart import bar_chart
from homemind.energy.stats import EnergyStats
from homemind.weather.alerts import Warnings
from homemind.weather.service import WeatherService
from homemind.weather.summary import summary

log = logging.getLogger(__name__)
ENERGY_FLUSH_SECONDS = 60.0
_SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"}
Language = Annotated[Literal["en", "zh"] | None, Query(description="Default: the caller's language.")]


def _weather(hub: Hub) -> WeatherService:
    settings = hub.home.weather
    if settings is None:
        raise HTTPException(404, "This home has no weather section.")
    return WeatherService(settings, hub.store, hub.home.timezone, hub.household.clock.now)


def _stats(hub: Hub) -> EnergyStats:
    if hub.home.energy is None:
        raise HTTPException(404, "This home has no energy section.")
    return EnergyStats(hub.home, hub.store, hub.household.clock.now())


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/api/weather", responses={404: {}})
    async def weather(hub: HubDep, actor: ActorDep, lang: Language = None) -> dict[str, Any]:
        """The forecast: now and the coming days; ``available`` false (and ``problem``) if none was had."""
        service = _weather(hub)
        house = hub.household
        return summary(
            service.cached(), service.settings, lang or actor.member.language, house.clock.now(), house.tz
        )

    @routes.get("/api/alerts")
    async def alerts(hub: HubDep, actor: ActorDep, lang: Language = None) -> dict[str, Any]:
        """Official warnings in force for the home, most severe first, in the caller's language."""
        settings = hub.home.warnings
        if settings is None:
            return {"configured": False, "alerts": [], "problems": {}}
        warnings = Warnings(settings, hub.household)
        return {
            "configured": True,
            "alerts": warnings.active(lang or actor.member.language),
            "problems": warnings.problems(),
        }

    @routes.get("/api/energy", responses={404: {}})
    async def energy(hub: HubDep, actor: ActorDep) -> dict[str, Any]:
        """Today and this month for the home, today's devices, today by hour and the last 30 days."""
        stats = _stats(hub)
        out = stats.summary()
        out["hours_today"] = [{"hour": h, "kwh": round(v, 4)} for h, v in stats.hours_today()]
        out["days"] = [
            {"date": d.isoformat(), "kwh": round(u.kwh, 3), "cost": round(u.cost, 2)}
            for d, u in stats.days(30)
        ]
        return out

    @routes.get("/api/energy/chart.svg", response_class=Response, responses={404: {}})
    async def chart(
        hub: HubDep, actor: ActorDep, range: Literal["today", "30d"] = "today", lang: Language = None
    ) -> Response:
        """The home's use as a bar chart: today by hour, or the last 30 days by day (server-drawn SVG)."""
        stats = _stats(hub)
        zh = (lang or actor.member.language) == "zh"
        if range == "today":
            bars = [(f"{h}", v) for h, v in stats.hours_today()]
            title = "今天每小时用电" if zh else "Today, by hour"
        else:
            bars = [(f"{d.month}/{d.day}", u.kwh) for d, u in stats.days(30)]
            title = "最近30天每天用电" if zh else "The last 30 days"
        total = sum(v for _, v in bars)
        description = f"{'合计' if zh else 'Total'} {total:.2f} kWh: " + ", ".join(
            f"{k} {v:.2f}" for k, v in bars
        )
        svg = bar_chart(bars, title, "kWh", description)
        return Response(svg, media_type="image/svg+xml", headers=_SVG_HEADERS)

    return routes


async def _every(seconds: float, job: Callable[[], Awaitable[Any]], what: str) -> None:
    while True:
        try:
            await job()
        except Exception:  # one failed round must not end the loop
            log.exception("%s failed", what)
        await asyncio.sleep(seconds)


async def run(hub: Hub) -> None:
    """The server's background work for the outside world, until cancelled."""
    jobs = []
    home = hub.home
    if home.weather is not None:
        service = WeatherService(home.weather, hub.store, home.timezone, hub.household.clock.now)
        jobs.append(_every(60.0, service.get, "weather refresh"))  # get() fetches only when stale
    if home.warnings is not None:
        warnings = Warnings(home.warnings, hub.household)
        jobs.append(_every(home.warnings.poll_seconds, warnings.poll, "warning poll"))
    if home.energy is not None:
        from homemind.energy.recorder import EnergyRecorder

        recorder = EnergyRecorder(home, hub.store, hub.states, hub.household.clock.now)
        recorder.start(hub.bus)

        async def flush() -> None:
            recorder.tick()

        jobs.append(_every(ENERGY_FLUSH_SECONDS, flush, "energy recording"))
    if not jobs:
        return
    try:
        await asyncio.gather(*jobs)
    finally:
        if home.energy is not None:
            recorder.tick()  # what was measured up to the stop is kept
