"""The embedded default: a simulated home whose devices behave like real ones.

Bounds and features are already checked by the core; what is left here is what
a device does with a valid command: a lamp that turns on at its last
brightness, a curtain that opens to 100, an alarm that wants its code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from homemind.core.events import Context
from homemind.core.model import Domain
from homemind.core.services import COLOR_NAMES, ActionError, ServiceCall, check_available, check_code
from homemind.core.states import StateRegistry


class SimulatedBackend:
    name = "simulated"

    def __init__(
        self,
        return_seconds: float = 20.0,
        tick_seconds: float = 1.0,
        follow: Callable[[StateRegistry], None] | None = None,
    ) -> None:
        self._states: StateRegistry | None = None
        self._return_seconds = return_seconds
        self._tick_seconds = tick_seconds
        self._ticker: asyncio.Task[None] | None = None
        # What other simulated readings do after a change (the power meter follows what is on).
        self._follow = follow

    async def start(self, states: StateRegistry) -> None:
        self._states = states
        self._settle()
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._states = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._tick_seconds)
            self._settle()

    def _settle(self) -> None:
        """Finish what takes time: a vacuum sent home docks once it has had time to get there.

        Judged by the state's own age, so it holds whichever process sent it home and
        however long the hub was stopped, and merely reading the state changes nothing.
        """
        if self._states is None:
            return
        now = datetime.now(UTC)
        for entity_id, state in self._states.all().items():
            if state.state != "returning":
                continue
            since = datetime.fromisoformat(state.last_changed)
            if (now - since).total_seconds() >= self._return_seconds:
                self._states.set(entity_id, "docked", context=Context.from_dict(state.context))
        if self._follow is not None:
            self._follow(self._states)

    async def call(self, call: ServiceCall) -> None:
        if self._states is None:
            raise RuntimeError("simulated backend used before start()")
        current = self._states.get(call.entity.entity_id)
        check_available(call.entity, current.state)
        state, attributes = apply_call(call, current.state, dict(current.attributes))
        self._states.set(call.entity.entity_id, state, attributes, context=call.context)
        if self._follow is not None:
            self._follow(self._states)


def apply_call(call: ServiceCall, state: str, attrs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What a device does with a valid command: shared by the in-process home and the MQTT simulator."""
    entity, service, data = call.entity, call.service, call.data
    domain = entity.domain

    if service == "toggle":
        off = state == "off"
        service = "turn_on" if off else "turn_off"

    if domain is Domain.LIGHT:
        if service == "turn_off":
            return "off", {}
        if entity.supports("brightness"):
            if "brightness_pct" in data:
                pct = data["brightness_pct"]
                if pct == 0:
                    return "off", {}
                attrs["brightness"] = max(1, round(pct * 255 / 100))
            elif "brightness" in data:
                if data["brightness"] == 0:
                    return "off", {}
                attrs["brightness"] = data["brightness"]
            elif not attrs.get("brightness"):
                attrs["brightness"] = 255
        if "color_name" in data:
            attrs["rgb_color"] = list(COLOR_NAMES[data["color_name"].lower()])
        if "rgb_color" in data:
            attrs["rgb_color"] = list(data["rgb_color"])
        if "color_temp_kelvin" in data:
            attrs["color_temp_kelvin"] = data["color_temp_kelvin"]
        return "on", attrs

    if domain is Domain.FAN and service == "set_percentage":
        attrs["percentage"] = data["percentage"]
        return ("on" if data["percentage"] > 0 else "off"), attrs

    if domain in (Domain.SWITCH, Domain.FAN):
        return ("on" if service == "turn_on" else "off"), {}

    if domain is Domain.CLIMATE:
        if service == "turn_off":
            return "off", {}
        if service == "turn_on":
            return attrs.get("last_hvac_mode") or "cool", {}
        if service == "set_hvac_mode":
            mode = data["hvac_mode"]
            extra = {"last_hvac_mode": mode} if mode != "off" else {}
            return mode, extra
        if service == "set_temperature":
            attrs["temperature"] = data["temperature"]
            mode = data.get("hvac_mode") or (
                state if state != "off" else attrs.get("last_hvac_mode") or "cool"
            )
            if mode != "off":
                attrs["last_hvac_mode"] = mode
            return mode, attrs

    if domain is Domain.WATER_HEATER:
        if service == "turn_off":
            return "off", {}
        if service == "turn_on":
            return "electric", {}
        if service == "set_temperature":
            attrs["temperature"] = data["temperature"]
            return (state if state != "off" else "electric"), attrs

    if domain is Domain.COVER:
        position = {"open_cover": 100, "close_cover": 0}.get(service, data.get("position"))
        if position is None:
            raise ActionError("error.service_not_for_domain", entity=entity, service=service)
        return ("open" if position > 0 else "closed"), {"current_position": position}

    if domain is Domain.LOCK:
        check_code(call)
        return ("locked" if service == "lock" else "unlocked"), {}

    if domain is Domain.MEDIA_PLAYER:
        if service == "turn_off":
            return "off", {}
        if service == "turn_on":
            return "idle", {}
        # A real TV in standby wakes for play but ignores volume changes.
        if state == "off" and service in ("volume_set", "volume_mute", "media_pause"):
            raise ActionError("error.device_off", entity=entity)
        if service == "volume_set":
            return state, {"volume_level": round(data["volume_level"], 2)}
        if service == "volume_mute":
            return state, {"is_volume_muted": data["is_volume_muted"]}
        if service == "media_play":
            return "playing", {}
        if service == "media_pause":
            return "paused", {}

    if domain is Domain.VACUUM:
        if service == "start":
            return "cleaning", {}
        if service == "pause":
            if state not in ("cleaning", "returning"):
                raise ActionError("error.vacuum_not_moving", entity=entity)
            return "paused", {}
        return ("docked" if state == "docked" else "returning"), {}

    if domain is Domain.ALARM_CONTROL_PANEL:
        check_code(call)
        return {
            "alarm_arm_home": "armed_home",
            "alarm_arm_away": "armed_away",
            "alarm_disarm": "disarmed",
        }[service], {}

    if domain is Domain.NOTIFY and service == "send_message":
        # As Home Assistant's notify entity: its state is when it last got a message.
        return datetime.now(UTC).isoformat(timespec="milliseconds"), {}

    raise ActionError("error.service_not_for_domain", entity=entity, service=service)
