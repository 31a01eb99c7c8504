"""What kind of hazard a warning is about, and a headline for a language the sender did not use.

China's warnings name the hazard and a colour (台风橙色预警); others name the event in
English. Knowing the hazard lets a member who reads the other language get a headline
they can read ("Orange typhoon warning (深圳市)"), and lets automations react to
"typhoon" whatever language the feed speaks.
"""

from __future__ import annotations

from homemind.weather.cap import Alert, Info

# (type, words that name it in either language, English name, Chinese name); checked in order.
HAZARDS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("typhoon", ("typhoon", "tropical cyclone", "hurricane", "台风", "热带气旋"), "typhoon", "台风"),
    ("rainstorm", ("rainstorm", "heavy rain", "暴雨"), "rainstorm", "暴雨"),
    ("thunderstorm", ("thunderstorm", "lightning", "雷电", "雷雨"), "thunderstorm", "雷电"),
    ("heat", ("heat", "high temperature", "高温"), "heat", "高温"),
    ("cold", ("cold", "cold wave", "寒潮", "低温", "寒冷"), "cold", "寒冷"),
    ("gale", ("gale", "strong wind", "大风"), "gale", "大风"),
    ("fog", ("fog", "雾"), "fog", "大雾"),
    ("haze", ("haze", "霾"), "haze", "霾"),
    ("hail", ("hail", "冰雹"), "hail", "冰雹"),
    ("frost", ("frost", "霜冻"), "frost", "霜冻"),
    ("snow", ("snow", "blizzard", "暴雪"), "snowstorm", "暴雪"),
    ("sandstorm", ("sandstorm", "dust", "沙尘"), "sandstorm", "沙尘暴"),
    ("drought", ("drought", "干旱"), "drought", "干旱"),
    ("flood", ("flood", "洪水", "山洪"), "flood", "洪水"),
    ("landslide", ("landslide", "geological", "地质灾害"), "landslide", "地质灾害"),
    ("icing", ("road icing", "icing", "道路结冰"), "road icing", "道路结冰"),
    ("tsunami", ("tsunami", "海啸"), "tsunami", "海啸"),
)
COLOURS = (("red", "红色"), ("orange", "橙色"), ("yellow", "黄色"), ("blue", "蓝色"), ("white", "白色"))
SEVERITY_NAMES = {
    "Extreme": ("extreme", "特别严重"),
    "Severe": ("severe", "严重"),
    "Moderate": ("moderate", "较重"),
    "Minor": ("minor", "一般"),
    "Unknown": ("unknown", "未知"),
}


def _words(alert: Alert) -> str:
    return " ".join(
        f"{i.event} {i.headline} {' '.join(v for _, v in i.event_codes)}" for i in alert.infos
    ).casefold()


def hazard(alert: Alert) -> str | None:
    words = _words(alert)
    return next((kind for kind, names, _, _ in HAZARDS if any(n in words for n in names)), None)


def colour(alert: Alert) -> tuple[str, str] | None:
    words = _words(alert)
    return next(((en, zh) for en, zh in COLOURS if en in words or zh in words), None)


def info_for(alert: Alert, language: str) -> Info | None:
    """The alert's own block in ``language`` (CAP languages are RFC 3066: zh-CN, en-US)."""
    return next((i for i in alert.infos if i.language.casefold().split("-")[0] == language), None)


def headline(alert: Alert, language: str) -> str:
    own = info_for(alert, language)
    if own is not None and own.headline:
        return own.headline
    first = alert.infos[0] if alert.infos else None
    kind = hazard(alert)
    area = first.areas[0].description if first and first.areas else ""
    if kind is not None:
        _, _, en, zh = next(h for h in HAZARDS if h[0] == kind)
        found = colour(alert)
        if language == "zh":
            return f"{area}{zh}{found[1] if found else ''}预警"
        named = f"{found[0]} {en} warning" if found else f"{en} warning"
        return f"{named[:1].upper()}{named[1:]}" + (f" ({area})" if area else "")
    if first is None:
        return alert.identifier
    return first.headline or first.event or alert.identifier


def severity_name(severity: str, language: str) -> str:
    en, zh = SEVERITY_NAMES.get(severity, SEVERITY_NAMES["Unknown"])
    return zh if language == "zh" else en
