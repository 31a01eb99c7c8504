"""The seam between the hub and real or simulated devices.

A backend carries out validated service calls and reports what devices do by
writing to the :class:`~homemind.core.states.StateRegistry`. It never learns
who asked or through which channel beyond the call's context, so the simulated
home, MQTT, and whatever comes next are interchangeable.
"""

from __future__ import annotations

from typing import Protocol

from homemind.core.services import ServiceCall
from homemind.core.states import StateRegistry


class DeviceBackend(Protocol):
    name: str
    # Optional ``waits = True``: a call waits on a real device (the network), so the executor
    # commits a command's writes before it, rather than holding the store locked meanwhile.

    async def start(self, states: StateRegistry) -> None:
        """Connect, and bring the registry up to date with the devices."""

    async def call(self, call: ServiceCall) -> None:
        """Carry out the call; raise ActionError if the device refuses or fails."""

    async def stop(self) -> None:
        """Disconnect; the registry keeps the last known states."""
