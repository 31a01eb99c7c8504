"""Local stand-ins for the outside world, speaking real HTTP on a real socket:

* ``FakeOpenMeteo``: ``/v1/forecast`` and ``/v1/air-quality`` answer with the JSON a test
  wrote (``make_forecast`` builds it in Open-Meteo's documented shape); ``down()`` makes
  it refuse, ``answer_with()`` makes it answer something else (an error, not JSON).
* ``CapServer``: serves the files a test writes (a feed and the CAP documents it links),
  with an ETag and Last-Modified per file, answering a matching conditional GET with 304.

Both record every request (path, query, headers), so tests can check what was asked.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class _Server:
    requests: list[Request] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    owner: Any

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # http.server's name for it
        parts = urlsplit(self.path)
        self.owner.requests.append(Request(parts.path, parse_qs(parts.query), dict(self.headers.items())))
        status, headers, body = self.owner.respond(parts.path, self.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeOpenMeteo(_Server):
    def __init__(self, forecast: dict[str, Any], air: dict[str, Any]) -> None:
        super().__init__()
        self.forecast, self.air = forecast, air
        self._override: tuple[int, bytes] | None = None
        self._serve(type("H", (_Handler,), {"owner": self}))

    def answer_with(self, status: int, body: bytes) -> None:
        self._override = (status, body)

    def respond(self, path: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        if self._override is not None:
            return self._override[0], {"Content-Type": "application/json"}, self._override[1]
        data = {"/v1/forecast": self.forecast, "/v1/air-quality": self.air}.get(path)
        if data is None:
            return 404, {}, b'{"error": true, "reason": "no such endpoint"}'
        return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()


class CapServer(_Server):
    """Serves ``root``'s files; a file's ETag is its content hash, its Last-Modified its write time."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self._serve(type("H", (_Handler,), {"owner": self}))

    def respond(self, path: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        file = self.root / path.lstrip("/")
        if not file.is_file():
            return 404, {}, b"not found"
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(file.stat().st_mtime, usegmt=True)
        if headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/xml", "ETag": etag, "Last-Modified": modified}, body


# --- Open-Meteo answers ------------------------------------------------------------------------


@dataclass
class Day:
    low: float = 24.0
    high: float = 29.0
    rain: float = 10.0  # precipitation probability, %, every hour
    mm: float = 0.0  # precipitation per hour
    code: int = 2
    wind: float = 12.0  # km/h
    uv: float = 6.0
    humidity: float = 75.0
    aqi: float = 42.0
    pm25: float = 11.0


def make_forecast(
    today: date, days: dict[int, Day], now_hour: int = 9
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open-Meteo's forecast and air-quality answers for yesterday (-1) to today + 6 (past_days=1,
    forecast_days=7), local time; a day not in ``days`` is a plain ``Day()``."""
    first = today - timedelta(days=1)
    every = [first + timedelta(days=i) for i in range(8)]
    hours = [datetime.combine(d, time(h)) for d in every for h in range(24)]

    def spec(moment: datetime) -> Day:
        return days.get((moment.date() - today).days, Day())

    def temperature(moment: datetime) -> float:
        d = spec(moment)
        return round(d.low + (d.high - d.low) * (1 - abs(moment.hour - 14) / 14), 1)

    iso = [h.strftime("%Y-%m-%dT%H:%M") for h in hours]
    hourly = {
        "time": iso,
        "temperature_2m": [temperature(h) for h in hours],
        "relative_humidity_2m": [spec(h).humidity for h in hours],
        "precipitation_probability": [spec(h).rain for h in hours],
        "precipitation": [spec(h).mm for h in hours],
        "weather_code": [spec(h).code for h in hours],
        "wind_speed_10m": [spec(h).wind for h in hours],
        "uv_index": [spec(h).uv if 9 <= h.hour <= 15 else 0.0 for h in hours],
    }
    specs = [days.get((d - today).days, Day()) for d in every]
    daily = {
        "time": [d.isoformat() for d in every],
        "weather_code": [s.code for s in specs],
        "temperature_2m_max": [s.high for s in specs],
        "temperature_2m_min": [s.low for s in specs],
        "precipitation_sum": [s.mm * 24 for s in specs],
        "precipitation_probability_max": [s.rain for s in specs],
        "wind_speed_10m_max": [s.wind for s in specs],
        "uv_index_max": [s.uv for s in specs],
        "sunrise": [f"{d.isoformat()}T06:{10 + i:02d}" for i, d in enumerate(every)],
        "sunset": [f"{d.isoformat()}T18:{40 - i:02d}" for i, d in enumerate(every)],
    }
    now = datetime.combine(today, time(now_hour))
    forecast = {
        "latitude": 22.5,
        "longitude": 114.0,
        "generationtime_ms": 0.5,
        "utc_offset_seconds": 28800,
        "timezone": "Asia/Shanghai",
        "timezone_abbreviation": "GMT+8",
        "elevation": 10.0,
        "current_units": {"time": "iso8601", "temperature_2m": "°C"},
        "current": {
            "time": now.strftime("%Y-%m-%dT%H:%M"),
            "interval": 900,
            "temperature_2m": temperature(now),
            "relative_humidity_2m": spec(now).humidity,
            "weather_code": spec(now).code,
            "wind_speed_10m": spec(now).wind,
            "precipitation": spec(now).mm,
        },
        "hourly_units": {"time": "iso8601", "temperature_2m": "°C", "wind_speed_10m": "km/h"},
        "hourly": hourly,
        "daily_units": {"time": "iso8601"},
        "daily": daily,
    }
    air = {
        "latitude": 22.5,
        "longitude": 114.0,
        "current": {"time": now.strftime("%Y-%m-%dT%H:%M"), "us_aqi": spec(now).aqi, "pm2_5": spec(now).pm25},
        "hourly": {
            "time": iso,
            "us_aqi": [spec(h).aqi for h in hours],
            "pm2_5": [spec(h).pm25 for h in hours],
            "pm10": [spec(h).pm25 * 1.5 for h in hours],
        },
    }
    return forecast, air
