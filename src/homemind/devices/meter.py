"""The simulated home's power meter: it reads what the home would draw, idle plus every rated
device in proportion to how much it is on (``energy.readings.share_on``), so switching the
kettle on moves it by the kettle's 1,800 W, as a real meter would.
"""

from __future__ import annotations

from collections.abc import Callable

from homemind.core.model import Home
from homemind.core.states import StateRegistry
from homemind.energy.readings import share_on


def simulated_meter(home: Home) -> Callable[[StateRegistry], None] | None:
    """For a simulated home: keep the meter (a power sensor) at idle + what is switched on."""
    energy = home.energy
    if energy is None or energy.meter is None or home.entities[energy.meter].device_class != "power":
        return None
    meter = energy.meter
    rated = {e: d.watts for e, d in energy.devices.items() if d.watts is not None}

    def follow(states: StateRegistry) -> None:
        watts = energy.idle_watts
        for entity_id, rating in rated.items():
            current = states.get(entity_id)
            watts += (rating or 0.0) * share_on(home.entities[entity_id], current.state, current.attributes)
        value = f"{watts:.0f}"
        if states.get(meter).state != value:
            states.set(meter, value)

    return follow
