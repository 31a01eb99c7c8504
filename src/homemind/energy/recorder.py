"""Energy statistics: power integrated over time, energy meters taken as they count, into hourly,
daily and monthly totals (and their cost at the tariff of the moment) per device and for the home.

A power reading holds until the next one (a sensor reports when its value changes, so
the left Riemann sum is exact for it, as Home Assistant's ``left`` method); each stretch
is cut at hour, tariff and local-day boundaries and credited to its buckets. Totals are
buffered and written in one transaction per ``flush`` (the server flushes every minute).
After a restart the time since the last flush is credited at the last reading if it is
short (a restart); a long gap is unknown and left out. An energy meter (kWh) keeps counting
while the hub is down, so its whole difference is spread over the gap: nothing is lost.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homemind.core.events import STATE_CHANGED, Event, EventBus
from homemind.core.model import Home
from homemind.core.states import StateRegistry
from homemind.energy.readings import POWER, Reading, read, watched
from homemind.energy.tariff import next_change, price_at
from homemind.store import Store

# A gap (hub stopped) up to this long is credited at the last power reading.
MAX_GAP_SECONDS = 300.0
_TABLES = ("energy_hour", "energy_day", "energy_month")


def day_key(local: datetime) -> int:
    return local.year * 10000 + local.month * 100 + local.day


def month_key(local: datetime) -> int:
    return local.year * 100 + local.month


def source_ids(store: Store, keys: list[str]) -> dict[str, int]:
    """The store's id for each source key, created on first use."""
    with store.transaction() as db:
        for key in keys:
            db.execute("INSERT OR IGNORE INTO energy_source (key) VALUES (?)", (key,))
    rows = store.read("SELECT id, key FROM energy_source")
    return {r["key"]: int(r["id"]) for r in rows if r["key"] in keys}


class EnergyRecorder:
    def __init__(self, home: Home, store: Store, states: StateRegistry, now: Any) -> None:
        if home.energy is None:
            raise ValueError("the home has no energy section")
        self.home = home
        self.settings = home.energy
        self.store = store
        self.states = states
        self._now = now  # the hub's clock (epoch seconds)
        self.tz = ZoneInfo(home.timezone)
        self.keys = (["home"] if self.settings.meter else []) + list(self.settings.devices)
        self.ids = source_ids(store, self.keys)
        self._watched = watched(home)
        self._last: dict[str, tuple[float, Reading] | None] = dict.fromkeys(self.keys)
        self._buffer: dict[tuple[str, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])

    # --- life cycle ---------------------------------------------------------------------

    def start(self, bus: EventBus | None = None) -> None:
        """Take up from the store (crediting a short gap), read every source now, follow changes."""
        now = self._now()
        saved = {r["key"]: r for r in self.store.read("SELECT * FROM energy_source")}
        for key in self.keys:
            row = saved.get(key)
            if row and row["last_time"] is not None and row["last_value"] is not None:
                kind = self._kind(key)
                self._last[key] = (float(row["last_time"]), Reading(kind, float(row["last_value"])))
                if kind == POWER and now - float(row["last_time"]) > MAX_GAP_SECONDS:
                    self._last[key] = None  # unknown: the hub was off
            self.update(key, now)
        self.flush()
        if bus is not None:
            bus.subscribe(self.on_state, STATE_CHANGED)

    def _kind(self, key: str) -> str:
        reading = read(self.home, self.states, key)
        return reading.kind if reading else POWER

    def on_state(self, event: Event) -> None:
        for key in self._watched.get(str(event.data.get("entity_id")), ()):
            self.update(key, self._now())

    def tick(self) -> None:
        """Credit every power source up to now (nothing changed, time passed) and write the totals."""
        now = self._now()
        for key, last in self._last.items():
            if last is not None and last[1].kind == POWER:
                self._credit(key, last[0], now, last[1].value)
                self._last[key] = (now, last[1])
        self.flush()

    # --- crediting --------------------------------------------------------------------------

    def update(self, key: str, now: float) -> None:
        """A source's reading may have changed: close the stretch since the last one."""
        reading = read(self.home, self.states, key)
        last = self._last[key]
        if last is not None and now > last[0]:
            since, before = last
            if before.kind == POWER:
                self._credit(key, since, now, before.value)
            elif reading is not None and reading.kind == before.kind:
                delta = reading.value - before.value
                delta = delta if delta >= 0 else reading.value  # the meter was reset
                self._credit(key, since, now, delta * 1000 * 3600 / (now - since))
        if reading is None:
            self._last[key] = None  # unavailable: a gap, not zero
        elif last is None or now > last[0] or reading.kind == POWER:
            self._last[key] = (now, reading)  # a meter's earlier count stays the base until time passes

    def _credit(self, key: str, start: float, end: float, watts: float) -> None:
        if watts <= 0 or end <= start or math.isnan(watts):
            return
        tariff = self.settings.tariff
        at = start
        while at < end:
            local = datetime.fromtimestamp(at, self.tz)
            hour_end = (math.floor(at / 3600) + 1) * 3600
            change = next_change(tariff, local) if tariff else _midnight_after(local)
            cut = min(end, hour_end, change.timestamp())
            if cut <= at:  # a clock change folded the boundary back: the hour still ends
                cut = min(end, hour_end)
            wh = watts * (cut - at) / 3600
            price = price_at(tariff, local)[1] if tariff else 0.0
            for table, bucket in zip(
                _TABLES, (math.floor(at / 3600), day_key(local), month_key(local)), strict=True
            ):
                totals = self._buffer[(table, self.ids[key], bucket)]
                totals[0] += wh * 1e6
                totals[1] += wh / 1000 * price * 1e6
            at = cut

    def flush(self) -> None:
        """Write the buffered totals and each source's last reading, in one transaction."""
        buffered, self._buffer = self._buffer, defaultdict(lambda: [0.0, 0.0])
        column = {"energy_hour": "hour", "energy_day": "day", "energy_month": "month"}
        with self.store.transaction() as db:
            for (table, source, bucket), (uwh, ucost) in buffered.items():
                db.execute(
                    f"INSERT INTO {table} (source, {column[table]}, uwh, ucost) VALUES (?, ?, ?, ?)"
                    f" ON CONFLICT(source, {column[table]}) DO UPDATE SET uwh = uwh + excluded.uwh,"
                    " ucost = ucost + excluded.ucost",
                    (source, bucket, round(uwh), round(ucost)),
                )
            for key, last in self._last.items():
                db.execute(
                    "UPDATE energy_source SET last_time = ?, last_value = ? WHERE key = ?",
                    (last[0] if last else None, last[1].value if last else None, key),
                )


def _midnight_after(local: datetime) -> datetime:
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
