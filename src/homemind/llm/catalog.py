"""The tools a language model may be offered: one entry per intent, with what it may touch.

Kept apart from the tool box that runs them (``tools.py``): adding a tool is one entry
here, and its JSON schema comes from the handler's slots, never from this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from homemind.core.model import Domain
from homemind.core.services import SWITCHABLE_DOMAINS

# What "on" and "off" reach: the switchable domains, curtains and vacuums (in Domain's order).
_SWITCH_DOMAINS = tuple(d for d in Domain if d in SWITCHABLE_DOMAINS or d in (Domain.COVER, Domain.VACUUM))
# Locks and alarm panels have tools of their own: a plain "turn off" must never mean "unlock".
SECURITY_DOMAINS = frozenset({Domain.LOCK, Domain.ALARM_CONTROL_PANEL})


@dataclass(frozen=True)
class ToolDef:
    """One tool: the intent it runs, whether it changes anything, and what it may touch."""

    name: str
    description: str
    intent: str | None  # None: find_entities or search_documents, answered by the tool box itself
    writes: bool = False
    domains: tuple[Domain, ...] = ()  # the devices it acts on (its tool is listed only if one is usable)
    services: tuple[str, ...] = ()
    # Household data (kind, operation): offered only if the policy's household table allows it.
    household: tuple[str, str] | None = None
    untrusted: bool = False  # its answer carries text other people wrote (list items, titles)
    required: tuple[str, ...] = ()
    # The handler's slots the model is offered (None: all): each one costs prompt tokens.
    offer: tuple[str, ...] | None = None
    # Offered only for a question: a command seldom needs it, and every tool costs tokens.
    questions_only: bool = False
    # For a command, offered only when the words touch its subject (lists, timers...): a
    # household tool a command does not need would cost a small model ~80 tokens each.
    cue: str | None = None
    # Whether a model needs the description (an outside assistant always gets it): most
    # names say it all, and the description would only cost tokens.
    explain: bool = False


_ID = ("entity_id",)
CATALOG: tuple[ToolDef, ...] = (
    ToolDef("find_entities", "Find devices and sensors: their entity_ids.", None, explain=True),
    ToolDef("get_state", "Read devices' states.", "HassGetState"),
    ToolDef(
        "get_temperature",
        "Read a room's temperature.",
        "HassClimateGetTemperature",
        offer=(*_ID, "area"),
        questions_only=True,
    ),
    ToolDef(
        "turn_on",
        "Switch on, open a curtain, start a vacuum.",
        "HassTurnOn",
        writes=True,
        domains=_SWITCH_DOMAINS,
        services=("turn_on", "open_cover", "start"),
        explain=True,
    ),
    ToolDef(
        "turn_off",
        "Switch off, close a curtain, dock a vacuum.",
        "HassTurnOff",
        writes=True,
        domains=_SWITCH_DOMAINS,
        services=("turn_off", "close_cover", "return_to_base"),
        explain=True,
    ),
    ToolDef(
        "set_light",
        "Set a light's brightness or colour.",
        "HassLightSet",
        writes=True,
        domains=(Domain.LIGHT,),
        services=("turn_on",),
    ),
    ToolDef(
        "set_temperature",
        "Set an AC's or water heater's temperature.",
        "HassClimateSetTemperature",
        writes=True,
        domains=(Domain.CLIMATE, Domain.WATER_HEATER),
        services=("set_temperature",),
        required=("temperature",),
    ),
    ToolDef(
        "set_hvac_mode",
        "Set an AC's mode.",
        "HomemindSetHvacMode",
        writes=True,
        domains=(Domain.CLIMATE,),
        services=("set_hvac_mode",),
        offer=(*_ID, "hvac_mode"),
    ),
    ToolDef(
        "set_cover_position",
        "Open a curtain or blind part way.",
        "HassSetPosition",
        writes=True,
        domains=(Domain.COVER,),
        services=("set_cover_position",),
        offer=(*_ID, "position"),
        explain=True,
    ),
    ToolDef(
        "set_volume",
        "Set a TV's or speaker's volume.",
        "HassSetVolume",
        writes=True,
        domains=(Domain.MEDIA_PLAYER,),
        services=("volume_set",),
        offer=(*_ID, "volume_level"),
    ),
    ToolDef(
        "lock",
        "Lock a door.",
        "HomemindLock",
        writes=True,
        domains=(Domain.LOCK,),
        services=("lock",),
        offer=_ID,
    ),
    ToolDef(
        "unlock",
        "Unlock a door (the person then gives their PIN).",
        "HomemindUnlock",
        writes=True,
        domains=(Domain.LOCK,),
        services=("unlock",),
        offer=_ID,
        explain=True,
    ),
    ToolDef(
        "arm_alarm",
        "Arm the alarm.",
        "HomemindAlarmArm",
        writes=True,
        domains=(Domain.ALARM_CONTROL_PANEL,),
        services=("alarm_arm_home", "alarm_arm_away"),
        offer=(*_ID, "alarm_mode"),
    ),
    ToolDef(
        "disarm_alarm",
        "Disarm the alarm (the person then gives their PIN).",
        "HomemindAlarmDisarm",
        writes=True,
        domains=(Domain.ALARM_CONTROL_PANEL,),
        services=("alarm_disarm",),
        offer=_ID,
        explain=True,
    ),
    ToolDef(
        "read_list",
        "Read a list.",
        "HomemindListRead",
        household=("lists", "read"),
        untrusted=True,
        questions_only=True,
    ),
    ToolDef(
        "add_to_list",
        "Add items to a list.",
        "HassListAddItem",
        writes=True,
        household=("lists", "add"),
        required=("item",),
        cue=r"list|buy|shop|need|out of|run out|ran out|清单|买|没了|没有了|用完|喝完|吃完",
    ),
    ToolDef(
        "start_timer",
        "Start a timer.",
        "HassStartTimer",
        writes=True,
        household=("timers", "start"),
        required=("duration",),
        cue=r"timer|minute|second|hour|计时|分钟|秒|小时",
    ),
    ToolDef(
        "timer_status",
        "Read the timers.",
        "HassTimerStatus",
        household=("timers", "read"),
        questions_only=True,
    ),
    ToolDef(
        "set_reminder",
        "Set a reminder.",
        "HomemindReminderSet",
        writes=True,
        household=("reminders", "set"),
        required=("task",),
        cue=r"remind|forget|remember|提醒|别忘|记得",
    ),
    ToolDef(
        "list_reminders",
        "Read the reminders.",
        "HomemindReminderList",
        household=("reminders", "read"),
        untrusted=True,
        questions_only=True,
    ),
    ToolDef(
        "add_event",
        "Add a calendar event.",
        "HomemindCalendarAdd",
        writes=True,
        household=("calendar", "add"),
        required=("event",),
        cue=r"calendar|appointment|schedule|meeting|dentist|doctor|日历|日程|安排|预约",
    ),
    ToolDef(
        "list_events",
        "Read a day's calendar.",
        "HomemindCalendarQuery",
        household=("calendar", "read"),
        untrusted=True,
        questions_only=True,
    ),
    # Offered only when the data dir has a library; the passages are the member's to read
    # (Library.search asks the policy), and other people's words: quoted data, never orders.
    ToolDef(
        "search_documents",
        "Search the household's documents and laws: passages with their citations.",
        None,
        untrusted=True,
        questions_only=True,
        explain=True,
    ),
)
TOOLS = {tool.name: tool for tool in CATALOG}
