"""Automations by voice: saving a read-back schedule on "yes", listing, switching, removing.

"enable the morning curtains automation" switches the automation, never its devices;
"stop the balcony light one" / "删掉阳台灯的自动化" removes one made by talking (the home
file's are only switched off: the file is where they live). Who may do which is the
policy's household table, asked by ``homemind.household`` (``automations.*``).
"""

from __future__ import annotations

import re
from typing import Any

from homemind.core import i18n
from homemind.core.model import Step
from homemind.household.automations import AutomationInfo
from homemind.household.errors import Conflict
from homemind.household.spoken import action_words, only_time, trigger_words
from homemind.skills.asking import Ask, Choice
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

i18n.register(
    {
        "schedule.readback_time": {"en": "{when} I'll {action}. OK?", "zh": "{when}{action}，可以吗？"},
        "schedule.readback_condition": {"en": "{when}, I'll {action}. OK?", "zh": "{when}{action}，可以吗？"},
        "automation.saved": {
            "en": "Saved. {when_cap} I'll {action}.",
            "zh": "好的，已保存：{when}{action}。",
        },
        "automation.saved_condition": {
            "en": "Saved. {when_cap}, I'll {action}.",
            "zh": "好的，已保存：{when}{action}。",
        },
        "automation.none": {"en": "There are no automations.", "zh": "还没有自动化。"},
        "automation.list": {"en": "Automations: {items}.", "zh": "自动化：{items}。"},
        "automation.item_on": {"en": "{name} (on)", "zh": "{name}（开）"},
        "automation.item_off": {"en": "{name} (off)", "zh": "{name}（关）"},
        "automation.enabled": {"en": "Switched on the automation “{name}”.", "zh": "已启用自动化“{name}”。"},
        "automation.disabled": {
            "en": "Switched off the automation “{name}”.",
            "zh": "已停用自动化“{name}”。",
        },
        "automation.removed": {"en": "Removed the automation “{name}”.", "zh": "已删除自动化“{name}”。"},
        "automation.from_file": {
            "en": "“{name}” is in the home file, so I switched it off; remove it there to delete it.",
            "zh": "“{name}”写在家庭配置文件里，所以只是停用了；要删除请改配置文件。",
        },
        "automation.no_such_named": {
            "en": "There is no automation called {name}.",
            "zh": "没有叫“{name}”的自动化。",
        },
        "automation.which": {"en": "Which automation: {choices}?", "zh": "哪一个自动化：{choices}？"},
    }
)

_EN_FILLER = frozenset(
    {
        "the", "a", "an", "automation", "automations", "one", "schedule", "rule", "my", "our", "that",
        "this", "please", "for", "of",
    }
)  # fmt: skip
_ZH_FILLER = re.compile(r"的|自动化|那个|这个|定时|规则|一下|把|吧|了|请")


def _name(info: AutomationInfo, language: str) -> str:
    return (info.names or {}).get(language) or info.name


def _words(request: IntentRequest, info: AutomationInfo) -> str:
    """Every word that may name an automation: its id, name(s), what was said, its devices and rooms."""
    home = request.home
    words = [info.id.replace("_", " "), info.name, info.said or "", *(info.names or {}).values()]
    for entity_id in info.entities:
        entity = home.entities.get(entity_id)
        if entity is None:
            continue
        words += [w for lang in ("en", "zh") for w in entity.names.all_for(lang)]
        if entity.area in home.areas:
            words += [w for lang in ("en", "zh") for w in home.areas[entity.area].names.all_for(lang)]
    return " ".join(words).casefold()


def _chosen(request: IntentRequest) -> list[AutomationInfo]:
    """The automations the words (or the answer to "which one?") name."""
    listed = request.house.automations.list(request.actor)
    wanted_id = request.match.value("automation_id")
    if wanted_id:
        return [a for a in listed if a.id == wanted_id]
    said = (request.match.text("automation") or "").casefold()
    words = [w for w in re.findall(r"[a-z0-9:']+", said) if w not in _EN_FILLER]
    chunks = [c for c in re.split(r"\s+", _ZH_FILLER.sub(" ", re.sub(r"[a-z0-9:' ]+", " ", said))) if c]
    if not words and not chunks:
        return []
    found = []
    for info in listed:
        haystack = _words(request, info)
        if all(re.search(rf"\b{re.escape(w)}\b", haystack) for w in words) and all(
            c in haystack for c in chunks
        ):
            found.append(info)
    return found


def _pick(request: IntentRequest) -> AutomationInfo | Reply:
    chosen = _chosen(request)
    if not chosen:
        said = request.match.text("automation") or "?"
        return request.reply(Status.ERROR, "automation.no_such_named", name=said)
    if len(chosen) > 1:
        names = [_name(a, request.language) for a in chosen]
        reply = request.reply(Status.NOT_UNDERSTOOD, "automation.which", choices=names)
        reply.ask = Ask(
            "which",
            "automation_id",
            tuple(Choice(a.id, (*(a.names or {}).values(), a.name, a.id)) for a in chosen),
        )
        return reply
    return chosen[0]


class ListAutomations(IntentHandler):
    intent_type = "HomemindAutomationList"

    async def handle(self, request: IntentRequest) -> Reply:
        listed = request.house.automations.list(request.actor)
        if not listed:
            return request.reply(Status.ANSWERED, "automation.none")
        items = [
            request.t(
                "automation.item_on" if a.enabled else "automation.item_off", name=_name(a, request.language)
            )
            for a in listed
        ]
        separator = "；" if request.language == "zh" else "; "
        return request.reply(Status.ANSWERED, "automation.list", items=separator.join(items))


class SwitchAutomation(IntentHandler):
    """ "Enable the morning curtains automation": the automation, never its devices."""

    intent_type = "HomemindAutomationSwitch"
    slots = {"automation": "which, in words", "enabled": "on or off"}

    async def handle(self, request: IntentRequest) -> Reply:
        chosen = _pick(request)
        if isinstance(chosen, Reply):
            return chosen
        enabled = request.match.value("enabled") != "off"
        info = request.house.automations.set_enabled(request.actor, chosen.id, enabled)
        key = "automation.enabled" if enabled else "automation.disabled"
        return request.reply(Status.DONE, key, name=_name(info, request.language))


class RemoveAutomation(IntentHandler):
    intent_type = "HomemindAutomationRemove"
    slots = {"automation": "which, in words"}

    async def handle(self, request: IntentRequest) -> Reply:
        chosen = _pick(request)
        if isinstance(chosen, Reply):
            return chosen
        automations = request.house.automations
        try:
            info = automations.remove(request.actor, chosen.id)
        except Conflict:
            # The home file's: switched off here, removed only in the file.
            info = automations.set_enabled(request.actor, chosen.id, False)
            return request.reply(Status.DONE, "automation.from_file", name=_name(info, request.language))
        return request.reply(Status.DONE, "automation.removed", name=_name(info, request.language))


async def save_automation(request: IntentRequest, payload: dict[str, Any]) -> Reply:
    """The "yes" to a read-back schedule: store it, to run with the maker's permissions."""
    steps = [
        Step(service=s["service"], entity_id=s.get("entity_id"), data=dict(s.get("data") or {}))
        for s in payload["steps"]
    ]
    language = request.language
    info = request.house.automations.create(
        request.actor, payload["said"], payload.get("language", language), payload["trigger"], steps
    )
    when = trigger_words(request.home, info.trigger, request.house.now(), language)
    action = action_words(request.home, steps, language)
    key = "automation.saved" if only_time(info.trigger) else "automation.saved_condition"
    return request.reply(Status.DONE, key, when=when, when_cap=when[:1].upper() + when[1:], action=action)


def register(registry: HandlerRegistry) -> None:
    for handler in (ListAutomations(), SwitchAutomation(), RemoveAutomation()):
        registry.register(handler)
    registry.confirmers["automation"] = save_automation
