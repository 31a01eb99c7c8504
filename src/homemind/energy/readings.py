"""What a source of energy figures reads right now: a sensor's watts or kWh, or a device's rating
while it is on (a light in proportion to its brightness).

A device without a meter of its own is estimated from its state, as Home Assistant's
"virtual power" helpers do: a kettle rated 1,800 W that is on draws 1,800 W.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homemind.core.model import Domain, Entity, Home
from homemind.core.states import StateRegistry

POWER, ENERGY = "power", "energy"
_OFF = frozenset({"off", "unavailable", "unknown", "docked", "paused", "standby"})
_POWER_UNITS = {"W": 1.0, "kW": 1000.0}
_ENERGY_UNITS = {"Wh": 0.001, "kWh": 1.0, "MWh": 1000.0}


@dataclass(frozen=True)
class Reading:
    kind: str  # power (W, integrated over time) or energy (kWh, a running total)
    value: float


def share_on(entity: Entity, state: str, attributes: dict[str, Any]) -> float:
    """How much of its rating a device draws in this state: 0 when off, a light by brightness."""
    if state in _OFF:
        return 0.0
    if entity.domain is Domain.LIGHT and entity.supports("brightness"):
        brightness = attributes.get("brightness")
        if isinstance(brightness, int | float) and not isinstance(brightness, bool):
            return max(0.0, min(1.0, brightness / 255))
    return 1.0


def sensor_reading(entity: Entity, state: str, attributes: dict[str, Any]) -> Reading | None:
    """A power or energy sensor's value in W or kWh; None while it has none (unavailable)."""
    try:
        value = float(state)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    unit = str(attributes.get("unit_of_measurement") or entity.capabilities.get("unit_of_measurement") or "")
    if entity.device_class == "energy":
        return Reading(ENERGY, value * _ENERGY_UNITS.get(unit, 1.0))
    return Reading(POWER, value * _POWER_UNITS.get(unit, 1.0))


def read(home: Home, states: StateRegistry, key: str) -> Reading | None:
    """The reading of a source: ``home`` (the meter), or a device by its entity id."""
    energy = home.energy
    if energy is None:
        return None
    sensor = energy.meter if key == "home" else energy.devices[key].sensor
    if sensor is not None:
        current = states.get(sensor)
        return sensor_reading(home.entities[sensor], current.state, current.attributes)
    current = states.get(key)
    watts = energy.devices[key].watts or 0.0
    return Reading(POWER, watts * share_on(home.entities[key], current.state, current.attributes))


def watched(home: Home) -> dict[str, list[str]]:
    """Entity id -> the sources whose reading changes with it."""
    out: dict[str, list[str]] = {}
    energy = home.energy
    if energy is None:
        return out
    if energy.meter is not None:
        out.setdefault(energy.meter, []).append("home")
    for entity_id, device in energy.devices.items():
        out.setdefault(device.sensor or entity_id, []).append(entity_id)
    return out
