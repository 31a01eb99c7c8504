"""Open-Meteo's forecast and air-quality APIs, fetched over httpx and cached in the store.

The cache is the store's ``weather_cache`` table, so every process on the data dir
shares it: the server refreshes it in the background and a `homemind ask` beside it
answers at once. When the service cannot be reached the last forecast is used and its
age said; after a failure the hub waits a little before trying again, so a home without
internet answers quickly instead of waiting for a time-out on every question.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homemind import __version__
from homemind.core.outdoors import WeatherSettings
from homemind.store import Store
from homemind.weather.forecast import AIR, CURRENT, DAILY, HOURLY, Air, Forecast, ForecastError

if TYPE_CHECKING:  # httpx (and the rich it brings) loads with the first fetch: `homemind ask` starts faster
    import httpx

log = logging.getLogger(__name__)

# After a failed fetch, questions use the cache (or say "unreachable") for this long.
RETRY_SECONDS = 120.0
MAX_BYTES = 2_000_000
USER_AGENT = f"homemind/{__version__} (a local household hub)"


_PARSED: dict[tuple[str, str, float], Any] = {}


class FetchError(RuntimeError):
    """The service could not be reached, or answered with an error or something unreadable."""


@dataclass(frozen=True)
class Snapshot:
    """What the hub knows: the forecast (None if never fetched), when it was fetched, and
    whether it is older than it should be because the service could not be reached."""

    forecast: Forecast | None
    air: Air | None
    fetched_at: float | None
    stale: bool
    problem: str | None = None


def _where(settings: WeatherSettings, timezone: str) -> dict[str, str]:
    """Both APIs: the home's point, its time zone (so days are the home's days), and yesterday too."""
    return {
        "latitude": f"{settings.latitude:.4f}",
        "longitude": f"{settings.longitude:.4f}",
        "timezone": timezone,
        "past_days": "1",
    }


def forecast_params(settings: WeatherSettings, timezone: str) -> dict[str, str]:
    return {
        **_where(settings, timezone),
        "forecast_days": "7",
        "current": ",".join(CURRENT),
        "hourly": ",".join(HOURLY),
        "daily": ",".join(DAILY),
        "temperature_unit": settings.temperature_unit,
        "wind_speed_unit": settings.wind_speed_unit,
    }


def air_params(settings: WeatherSettings, timezone: str) -> dict[str, str]:
    fields = ",".join(AIR)
    return {**_where(settings, timezone), "forecast_days": "5", "current": fields, "hourly": fields}


async def get_json(client: httpx.AsyncClient, url: str, params: dict[str, str]) -> Any:
    """One GET, bounded in time and size; every failure is a FetchError saying why."""
    import httpx

    try:
        async with client.stream("GET", url, params=params) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise FetchError(f"{url}: the answer is larger than {MAX_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}".rstrip(": ")) from None
    try:
        data = json.loads(bytes(body))
    except (ValueError, UnicodeDecodeError):
        raise FetchError(f"{url}: HTTP {response.status_code}, not JSON") from None
    if response.status_code != 200:
        reason = data.get("reason") if isinstance(data, dict) else None
        raise FetchError(f"{url}: HTTP {response.status_code}: {reason or 'error'}")
    return data


class WeatherService:
    """The home's forecast: from the cache while it is fresh, else from Open-Meteo."""

    def __init__(self, settings: WeatherSettings, store: Store, timezone: str, now: Any) -> None:
        self.settings = settings
        self.store = store
        self.timezone = timezone
        self._now = now  # the hub's clock: tests move it instead of sleeping

    def _row(self, kind: str) -> dict[str, Any] | None:
        rows = self.store.read("SELECT * FROM weather_cache WHERE kind = ?", (kind,))
        return rows[0] if rows else None

    def _parsed(self, row: dict[str, Any] | None, parse: Any) -> Any:
        """The row's payload parsed, once per process and fetch (a question reads it again and again)."""
        if not row or not row["payload"]:
            return None
        key = (str(self.store.path), row["kind"], float(row["fetched_at"]))
        if key not in _PARSED:
            try:
                value = parse(json.loads(row["payload"]))
            except (ForecastError, ValueError):
                return None
            if len(_PARSED) > 16:
                _PARSED.clear()
            _PARSED[key] = value
        return _PARSED[key]

    def cached(self) -> Snapshot:
        """The last forecast kept, without asking the service."""
        row = self._row("forecast")
        forecast: Forecast | None = self._parsed(row, Forecast.parse)
        air: Air | None = self._parsed(self._row("air"), Air.parse)
        fetched_at = float(row["fetched_at"]) if forecast is not None and row else None
        problem = None
        if row and row["failed_at"] and (fetched_at is None or row["failed_at"] > fetched_at):
            problem = row["problem"] or "the weather service could not be reached"
        stale = fetched_at is None or self._now() - fetched_at >= self.settings.refresh_seconds
        return Snapshot(forecast, air, fetched_at, stale, problem)

    async def get(self) -> Snapshot:
        """Fresh from the cache, else fetched; on failure the cache as it is, stale and with the reason."""
        snapshot = self.cached()
        if not snapshot.stale:
            return snapshot
        row = self._row("forecast")
        failed_at = row["failed_at"] if row else None
        if failed_at is not None and self._now() - float(failed_at) < RETRY_SECONDS:
            return snapshot  # it failed a moment ago: do not make every question wait for a time-out
        await self.refresh()
        return self.cached()

    async def refresh(self) -> bool:
        """Fetch the forecast and the air quality now; True if the forecast was stored."""
        import httpx

        timeout = httpx.Timeout(self.settings.timeout, connect=min(3.0, self.settings.timeout))
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False) as client:
            ok = await self._fetch(
                client,
                "forecast",
                f"{self.settings.base_url}/v1/forecast",
                forecast_params(self.settings, self.timezone),
                Forecast.parse,
            )
            if ok:  # no forecast, no point asking the other host for the air
                await self._fetch(
                    client,
                    "air",
                    f"{self.settings.air_quality_url}/v1/air-quality",
                    air_params(self.settings, self.timezone),
                    Air.parse,
                )
        return ok

    async def _fetch(
        self, client: httpx.AsyncClient, kind: str, url: str, params: dict[str, str], parse: Any
    ) -> bool:
        now = self._now()
        self.store.commit()  # a command waiting on the network holds no lock on the store meanwhile
        try:
            data = await get_json(client, url, params)
            parse(data)  # only a readable answer replaces what we had
        except (FetchError, ForecastError) as exc:
            log.info("weather: %s: %s", kind, exc)
            self._save(kind, None, now, str(exc))
            return False
        self._save(kind, json.dumps(data, separators=(",", ":")), now, None)
        return True

    def _save(self, kind: str, payload: str | None, now: float, problem: str | None) -> None:
        with self.store.transaction() as db:
            if payload is not None:
                db.execute(
                    "INSERT INTO weather_cache (kind, fetched_at, payload) VALUES (?, ?, ?)"
                    " ON CONFLICT(kind) DO UPDATE SET fetched_at = excluded.fetched_at,"
                    " payload = excluded.payload, failed_at = NULL, problem = NULL",
                    (kind, now, payload),
                )
            else:
                db.execute(
                    "INSERT INTO weather_cache (kind, failed_at, problem) VALUES (?, ?, ?)"
                    " ON CONFLICT(kind) DO UPDATE SET failed_at = excluded.failed_at,"
                    " problem = excluded.problem",
                    (kind, now, problem),
                )
