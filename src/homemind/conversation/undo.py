"""Undo and redo: "undo that", "put it back", "撤销", "do that again", "再来一次".

Before a device command runs, the states of the devices it may touch are noted; after
it, the devices it changed give the calls that put them back (``Undo.back``) and the
calls that did it (``Undo.again``). Both go through the executor like any command: an
undo that would unlock a door asks for the PIN, as unlocking always does.
"""

from __future__ import annotations

import re
from typing import Any

from homemind.conversation.dialogue import Undo, UndoCall
from homemind.core.model import Domain, Entity, EntityState, Home
from homemind.policy import ActionOutcome, Result

_UNDO = re.compile(
    r"^(?:please\s+)?(?:undo|revert|reverse)(?:\s+(?:that|it|this|the last (?:thing|one|change|command)))?"
    r"|^(?:put|change|set|turn) (?:it|that|them|everything) back(?: (?:again|how it was|as it was))?"
    r"|^take (?:that|it) back|^go back|^never ?mind,? (?:put|change) it back"
    r"|^撤销|^撤回|^还原|^恢复原样|^改回去|^恢复(?:一下|刚才的)?$|^变回去|^弄回去"
    r"|^(?:还是|算了[,，]?)?(?:别|不要|不用)(?:加|买|定|记)了?$|^don'?t add (?:it|them|that)(?: after all)?"
    r"|^(?:actually,?\s*)?(?:never ?mind,?\s*)?take (?:it|them|that) off(?: the list)?",
    re.IGNORECASE,
)
_REDO = re.compile(
    r"^(?:please\s+)?(?:redo(?: that| it)?|do (?:that|it) again|same again|once more)"
    r"|^再来一次|^重做|^再做一次|^再执行一次",
    re.IGNORECASE,
)
_END = re.compile(r"[\s.!?。！？]*(?:please|吧|一下|了)?[\s.!?。！？]*$", re.IGNORECASE)


def wants(text: str) -> str | None:
    """ "back" for an undo, "again" for a redo, None for anything else."""
    folded = _END.sub("", text.strip().casefold())
    if _UNDO.fullmatch(folded) or (_UNDO.match(folded) and len(folded) <= 24):
        return "back"
    if _REDO.fullmatch(folded) or (_REDO.match(folded) and len(folded) <= 20):
        return "again"
    return None


def undo_of(
    home: Home, before: dict[str, EntityState], actions: list[ActionOutcome], language: str
) -> Undo | None:
    """How to reverse what ``actions`` changed, from the states noted before them."""
    back: list[UndoCall] = []
    again: list[UndoCall] = []
    restored: set[str] = set()  # a set, not a scan of ``back``: "all the lights" of a big home is hundreds
    for outcome in actions:
        if outcome.result is not Result.OK or outcome.entity_id not in home.entities:
            continue
        again.append(UndoCall(outcome.entity_id, outcome.service, dict(outcome.data)))
        old = before.get(outcome.entity_id)
        if old is not None and outcome.entity_id not in restored:
            restored.add(outcome.entity_id)
            back += restore(home.entities[outcome.entity_id], old)
    return Undo(back, again, language) if back else None


def restore(entity: Entity, old: EntityState) -> list[UndoCall]:
    """The calls that bring ``entity`` back to ``old``."""
    state, attrs, eid = old.state, old.attributes, entity.entity_id
    domain = entity.domain
    if domain is Domain.LIGHT:
        if state != "on":
            return [UndoCall(eid, "turn_off")]
        data: dict[str, Any] = {}
        if entity.supports("brightness") and attrs.get("brightness") is not None:
            data["brightness"] = int(attrs["brightness"])
        if entity.supports("color") and attrs.get("rgb_color"):
            data["rgb_color"] = list(attrs["rgb_color"])
        elif entity.supports("color_temp") and attrs.get("color_temp_kelvin"):
            data["color_temp_kelvin"] = int(attrs["color_temp_kelvin"])
        return [UndoCall(eid, "turn_on", data)]
    if domain in (Domain.SWITCH, Domain.FAN):
        return [UndoCall(eid, "turn_on" if state == "on" else "turn_off")]
    if domain is Domain.CLIMATE:
        calls = [UndoCall(eid, "set_hvac_mode", {"hvac_mode": state})]
        if attrs.get("temperature") is not None and state != "off":
            calls.append(UndoCall(eid, "set_temperature", {"temperature": float(attrs["temperature"])}))
        return calls
    if domain is Domain.WATER_HEATER and attrs.get("temperature") is not None:
        return [UndoCall(eid, "set_temperature", {"temperature": float(attrs["temperature"])})]
    if domain is Domain.COVER:
        if entity.supports("position") and attrs.get("current_position") is not None:
            return [UndoCall(eid, "set_cover_position", {"position": int(attrs["current_position"])})]
        return [UndoCall(eid, "open_cover" if state == "open" else "close_cover")]
    if domain is Domain.MEDIA_PLAYER:
        if state == "off":
            return [UndoCall(eid, "turn_off")]
        calls = [UndoCall(eid, "turn_on")]
        if attrs.get("volume_level") is not None and entity.supports("volume_set"):
            calls.append(UndoCall(eid, "volume_set", {"volume_level": float(attrs["volume_level"])}))
        if attrs.get("is_volume_muted") is not None and entity.supports("volume_mute"):
            calls.append(UndoCall(eid, "volume_mute", {"is_volume_muted": bool(attrs["is_volume_muted"])}))
        if state == "paused":
            calls.append(UndoCall(eid, "media_pause"))
        return calls
    if domain is Domain.LOCK:
        return [UndoCall(eid, "lock" if state == "locked" else "unlock")]
    if domain is Domain.VACUUM:
        service = {"cleaning": "start", "paused": "pause"}.get(state, "return_to_base")
        return [UndoCall(eid, service)]
    if domain is Domain.ALARM_CONTROL_PANEL:
        service = {"armed_home": "alarm_arm_home", "armed_away": "alarm_arm_away"}.get(state, "alarm_disarm")
        return [UndoCall(eid, service)]
    return []
