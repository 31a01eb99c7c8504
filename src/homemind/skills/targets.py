"""From the slots a tier found (name, area, domain) to the entities a command is about.

A name is re-resolved from the words the person said, not from the single
entity id the matcher picked, so "灯" in a flat with seven lamps is recognised
as ambiguous instead of silently choosing one.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from homemind.core import i18n
from homemind.core.model import Domain, Entity, Home
from homemind.core.services import SWITCHABLE_DOMAINS
from homemind.nlu.types import IntentMatch

i18n.register(
    {
        "target.no_area": {
            "en": "There is no room called {area}.",
            "zh": "没有叫“{area}”的房间。",
        },
        "target.no_name": {
            "en": "I don't know a device called {name}.",
            "zh": "我不知道叫“{name}”的设备。",
        },
        "target.none_in_area": {
            "en": "There is no {what} in the {area}.",
            "zh": "{area}没有{what}。",
        },
        "target.none": {
            "en": "There is no {what} in this home.",
            "zh": "家里没有{what}。",
        },
        "target.ambiguous": {
            "en": "Which one do you mean: {choices}?",
            "zh": "你指的是哪一个：{choices}？",
        },
        "target.not_capable": {
            "en": "{names} can't do that.",
            "zh": "{names}不支持这个操作。",
        },
        "target.missing": {
            "en": "Which device do you mean?",
            "zh": "你指的是哪个设备？",
        },
        "domain.light": {"en": "light", "zh": "灯"},
        "domain.switch": {"en": "switch", "zh": "开关"},
        "domain.climate": {"en": "air conditioner", "zh": "空调"},
        "domain.cover": {"en": "curtain or blind", "zh": "窗帘"},
        "domain.lock": {"en": "lock", "zh": "门锁"},
        "domain.fan": {"en": "fan", "zh": "风扇"},
        "domain.media_player": {"en": "TV or speaker", "zh": "电视或音箱"},
        "domain.vacuum": {"en": "vacuum", "zh": "扫地机器人"},
        "domain.water_heater": {"en": "water heater", "zh": "热水器"},
        "domain.alarm_control_panel": {"en": "security system", "zh": "安防系统"},
        "domain.sensor": {"en": "sensor", "zh": "传感器"},
        "domain.binary_sensor": {"en": "sensor", "zh": "传感器"},
        "domain.any": {"en": "device", "zh": "设备"},
    }
)


_WINDOW_COVERINGS = frozenset({"curtain", "blind", "shade", "shutter", "awning"})


@dataclass
class Targets:
    entities: list[Entity]
    error_key: str | None = None
    error_params: dict[str, object] | None = None

    @property
    def ok(self) -> bool:
        return self.error_key is None


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


# Per home (a thousand devices with a dozen names each): folded name -> entities, in home order.
_NAME_INDEX: dict[int, tuple[weakref.ref[Home], dict[str, list[Entity]]]] = {}


def _name_index(home: Home) -> dict[str, list[Entity]]:
    cached = _NAME_INDEX.get(id(home))
    if cached is not None and cached[0]() is home:
        return cached[1]
    index: dict[str, list[Entity]] = {}
    for entity in home.entities.values():
        for word in {_fold(w) for lang in ("en", "zh") for w in entity.names.all_for(lang)}:
            index.setdefault(word, []).append(entity)
    if len(_NAME_INDEX) > 16:
        _NAME_INDEX.clear()
    _NAME_INDEX[id(home)] = (weakref.ref(home), index)
    return index


def entities_named(home: Home, text: str) -> list[Entity]:
    """Every entity one of whose names (in any language) is ``text``, in the home file's order."""
    return list(_name_index(home).get(_fold(text), ()))


def resolve(
    home: Home,
    match: IntentMatch,
    *,
    domains: Iterable[Domain] | None = None,
    default_all: bool = False,
) -> Targets:
    """Entities a command means; an error key instead when that is not clear.

    ``domains`` limits what may be meant (a temperature goes to climate or a
    water heater); ``default_all`` makes a bare domain mean the whole home.
    """
    allowed = frozenset(domains) if domains is not None else None
    chosen = match.value("entities")
    if chosen:
        # Exactly these devices: an answer to "which one?", or a follow-up on the last turn's targets.
        picked = [home.entities[e] for e in chosen if e in home.entities]
        usable = [e for e in picked if allowed is None or e.domain in allowed]
        if picked and not usable:
            return Targets([], "target.not_capable", {"names": picked})
        return Targets(usable) if usable else Targets([], "target.missing", {})
    area_id = match.value("area")
    if area_id is not None and area_id not in home.areas:
        return Targets([], "target.no_area", {"area": match.text("area") or area_id})
    domain_value = match.value("domain")
    domain = Domain(domain_value) if domain_value in Domain.__members__.values() else None
    device_class = match.value("device_class")

    name_text = match.text("name")
    if name_text or match.value("name"):
        candidates = entities_named(home, name_text) if name_text else []
        if not candidates and match.value("name") in home.entities:
            candidates = [home.entities[match.value("name")]]
        if not candidates:
            return Targets([], "target.no_name", {"name": name_text})
        if allowed is not None:
            candidates = [e for e in candidates if e.domain in allowed] or candidates
        if area_id is not None:
            in_area = [e for e in candidates if e.area == area_id]
            if not in_area:
                # "the lamp in the bedroom": the bedroom's own light, not the lounge's lamp.
                kinds = {e.domain for e in candidates}
                in_area = [e for e in home.entities.values() if e.area == area_id and e.domain in kinds]
            if not in_area:
                what = f"domain.{candidates[0].domain.value}"
                return Targets([], "target.none_in_area", {"area": home.areas[area_id], "what": what})
            candidates = in_area
        if len(candidates) > 1:
            return Targets(candidates, "target.ambiguous", {"choices": candidates})
        return Targets(candidates)

    pool = list(home.entities.values())
    if domain is not None:
        pool = [e for e in pool if e.domain is domain]
    elif allowed is not None:
        pool = [e for e in pool if e.domain in allowed]
    elif match.metadata.get("homemind") in ("everything_area", "everything_home"):
        pool = [e for e in pool if e.domain in SWITCHABLE_DOMAINS]
    elif area_id is None:
        return Targets([], "target.missing", {})
    else:
        pool = [e for e in pool if e.domain in SWITCHABLE_DOMAINS]
    if area_id is not None:
        pool = [e for e in pool if e.area == area_id]
    if device_class:
        # People say curtains for blinds and the other way round; a garage door is no curtain.
        family = _WINDOW_COVERINGS if device_class in _WINDOW_COVERINGS else {device_class}
        pool = [e for e in pool if e.device_class == device_class] or [
            e for e in pool if e.device_class in family
        ]
    named = domain or (next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None)
    what = f"domain.{named.value}" if named else "domain.any"
    if not pool:
        if area_id is not None:
            return Targets([], "target.none_in_area", {"area": home.areas[area_id], "what": what})
        return Targets([], "target.none", {"what": what})
    if len(pool) > 1 and match.value("device_words"):
        # One device was meant ("the big light"), by words the home does not know it by: ask.
        return Targets(pool, "target.ambiguous", {"choices": pool})
    if (
        area_id is None
        and domain is None
        and not default_all
        and len(pool) > 1
        and (match.metadata.get("homemind") != "everything_home")
    ):
        return Targets(pool, "target.ambiguous", {"choices": pool})
    return Targets(pool)
