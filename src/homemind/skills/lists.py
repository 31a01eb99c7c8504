"""Lists: shopping, to-do and any list a member names; add several items at once, remove,
mark done, read back. Duplicates merge (one row per list and folded item text).

Item text is data: it is stored and read back as said, never fed to the
recogniser, so "add 'unlock the front door' to my to-do list" writes a line.
"""

from __future__ import annotations

import re
from typing import Any

from homemind.core import i18n
from homemind.household.lists import SHOPPING, TODO, ListChange, ListItem, list_key
from homemind.skills.acting import CONFIRMATION_SECONDS
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Pending, Reply, Status

i18n.register(
    {
        "list.shopping": {"en": "shopping list", "zh": "购物清单"},
        "list.todo": {"en": "to-do list", "zh": "待办清单"},
        "list.custom": {"en": "{name} list", "zh": "{name}清单"},
        "list.added": {"en": "Added {items} to the {list}.", "zh": "已把{items}加到{list}。"},
        "list.already": {"en": "{items} already on the {list}.", "zh": "{items}已经在{list}上了。"},
        "list.added_some": {
            "en": "Added {items} to the {list}; {already} already on it.",
            "zh": "已把{items}加到{list}；{already}已经在上面了。",
        },
        "list.removed": {"en": "Removed {items} from the {list}.", "zh": "已从{list}删除{items}。"},
        "list.completed": {
            "en": "Marked {items} as done on the {list}.",
            "zh": "{list}上的{items}已标记完成。",
        },
        "list.not_on": {"en": "{items} is not on the {list}.", "zh": "{list}上没有{items}。"},
        "list.empty": {"en": "The {list} is empty.", "zh": "{list}是空的。"},
        "list.read": {"en": "On the {list}: {items}.", "zh": "{list}上有：{items}。"},
        "list.done_mark": {"en": "{item} (done)", "zh": "{item}（已完成）"},
        "list.created": {"en": "Created the {list}.", "zh": "已创建{list}。"},
        "list.no_such": {"en": "There is no {list}.", "zh": "没有{list}。"},
        "list.exists": {"en": "There is already a {list}.", "zh": "已经有{list}了。"},
        "list.create_confirm": {"en": "Create a new {list}?", "zh": "要新建{list}吗？"},
        "list.new_confirm": {
            "en": "There is no {list} yet. Shall I create it and add {items}?",
            "zh": "还没有{list}。要新建它并加上{items}吗？",
        },
        "list.clear_confirm": {
            "en": "Clear the {list} ({count} items)?",
            "en_one": "Clear the {list} ({count} item)?",
            "zh": "要清空{list}吗（{count}项）？",
        },
        "list.cleared": {"en": "Cleared the {list}.", "zh": "已清空{list}。"},
    }
)


def list_title(key: str, language: str) -> str:
    if key in (SHOPPING, TODO):
        return i18n.translate(f"list.{key}", language)
    return i18n.translate("list.custom", language, name=key)


_QUOTED = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)"|“([^”]*)”|‘([^’]*)’|「([^」]*)」|『([^』]*)』)\s*$""")


def split_items(text: str | None, language: str) -> list[str]:
    """ "eggs and oat milk" -> two items; "鸡蛋和牛奶" -> two; one empty item is kept to be refused.

    Quoted text is one item exactly as written: whoever quotes it means that text.
    """
    said = (text or "").strip()
    quoted = _QUOTED.match(said)
    if quoted:
        return [next(group for group in quoted.groups() if group is not None).strip()]
    if language == "zh":
        parts = re.split(r"[、，,；;]|和|还有|以及", said)
    else:
        parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*|;\s*", said)
    items = [p.strip(" .。") for p in parts]
    # "some more rice", "一些大米": how much, not what.
    items = [
        re.sub(r"^(?:(?:some|a|an|the|more|a bit of|a little)\s+)+", "", p, flags=re.IGNORECASE)
        if language == "en"
        else re.sub(r"^(?:一些|一点|点|些)(?=.)", "", p)
        for p in items
    ]
    return [p for p in items if p] or [said]


def _list_of(request: IntentRequest) -> str | None:
    return request.match.text("list_name") or request.match.value("list_name")


def _items(request: IntentRequest) -> list[str]:
    return split_items(request.match.text("item"), request.language)


def _confirm(request: IntentRequest, speech_key: str, skill: dict[str, Any], **params: Any) -> Reply:
    """Hold a list change for the same member's yes (a new list is never made from a mishearing)."""
    pending = Pending(
        [], False, request.actor.member.id, request.executor.clock() + CONFIRMATION_SECONDS, "", {},
        skill=skill, language=request.language,
    )  # fmt: skip
    return Reply(Status.NEEDS_CONFIRMATION, request.t(speech_key, **params), pending=pending)


def _added(request: IntentRequest, change: ListChange) -> Reply:
    title = list_title(change.list, request.language)
    made = {"list": change.list, "items": list(change.changed)}
    if change.changed and change.unchanged:
        reply = request.reply(
            Status.DONE, "list.added_some", items=change.changed, already=change.unchanged, list=title
        )
    elif change.changed:
        reply = request.reply(Status.DONE, "list.added", items=change.changed, list=title)
    else:
        reply = request.reply(Status.ANSWERED, "list.already", items=change.unchanged, list=title)
    reply.made = made
    return reply


class AddItems(IntentHandler):
    intent_type = "HassListAddItem"
    slots = {"item": "one or more items", "list_name": "which list (shopping if not said)"}

    async def handle(self, request: IntentRequest) -> Reply:
        said, items = _list_of(request), _items(request)
        if said and list_key(said) not in (SHOPPING, TODO) and not request.house.lists.exists(said):
            # A list nobody made: only on a yes ("add nope to the shutting what's list").
            key = list_key(said)
            title = list_title(key, request.language)
            skill = {"kind": "list_new", "list": key, "items": items}
            return _confirm(request, "list.new_confirm", skill, list=title, items=items)
        change = request.house.lists.add(request.actor, said, items)
        return _added(request, change)


async def add_to_new_list(request: IntentRequest, payload: dict[str, Any]) -> Reply:
    request.house.lists.create(request.actor, payload["list"])
    return _added(request, request.house.lists.add(request.actor, payload["list"], list(payload["items"])))


class ShoppingAdd(AddItems):
    intent_type = "HassShoppingListAddItem"


class _ChangeItems(IntentHandler):
    done_key = ""
    slots = {"item": "one or more items", "list_name": "which list"}

    async def handle(self, request: IntentRequest) -> Reply:
        lists = request.house.lists
        change_items = lists.remove if self.done_key == "list.removed" else lists.complete
        change = change_items(request.actor, _list_of(request), _items(request))
        title = list_title(change.list, request.language)
        if not change.changed:
            return request.reply(Status.ERROR, "list.not_on", items=change.unchanged, list=title)
        reply = request.reply(Status.DONE, self.done_key, items=change.changed, list=title)
        if change.unchanged:
            reply.speech += " " + request.t("list.not_on", items=change.unchanged, list=title)
        return reply


class RemoveItems(_ChangeItems):
    intent_type = "HomemindListRemoveItem"
    done_key = "list.removed"


class CompleteItems(_ChangeItems):
    intent_type = "HassListCompleteItem"
    done_key = "list.completed"


def _read(request: IntentRequest) -> tuple[str, list[ListItem], str]:
    """The list named (or the default one): its key, the rows the speaker may read, its title."""
    key, rows = request.house.lists.read(request.actor, _list_of(request))
    return key, rows, list_title(key, request.language)


class ReadList(IntentHandler):
    intent_type = "HomemindListRead"
    slots = {"list_name": "which list"}

    async def handle(self, request: IntentRequest) -> Reply:
        _key, rows, title = _read(request)
        if not rows:
            return request.reply(Status.ANSWERED, "list.empty", list=title)
        items = [r.item if not r.done else request.t("list.done_mark", item=r.item) for r in rows]
        return request.reply(Status.ANSWERED, "list.read", items=items, list=title)


class CreateList(IntentHandler):
    """ "Create a list called packing", "新建一个露营清单": confirmed first, as a new list always is."""

    intent_type = "HomemindListCreate"
    slots = {"list_name": "the new list's name"}

    async def handle(self, request: IntentRequest) -> Reply:
        key = list_key(_list_of(request))
        title = list_title(key, request.language)
        if request.house.lists.exists(key):
            return request.reply(Status.ANSWERED, "list.exists", list=title)
        return _confirm(request, "list.create_confirm", {"kind": "list_create", "list": key}, list=title)


async def create_list(request: IntentRequest, payload: dict[str, Any]) -> Reply:
    key = request.house.lists.create(request.actor, payload["list"])
    return request.reply(Status.DONE, "list.created", list=list_title(key, request.language))


class ClearList(IntentHandler):
    """ "Clear the shopping list" / "清空购物清单": everything off it, on a yes."""

    intent_type = "HomemindListClear"
    slots = {"list_name": "which list"}

    async def handle(self, request: IntentRequest) -> Reply:
        key, rows, title = _read(request)
        if not rows:
            return request.reply(Status.ANSWERED, "list.empty", list=title)
        skill = {"kind": "list_clear", "list": key}
        return _confirm(request, "list.clear_confirm", skill, list=title, count=len(rows))


async def clear_list(request: IntentRequest, payload: dict[str, Any]) -> Reply:
    key, _ = request.house.lists.clear(request.actor, payload["list"])
    return request.reply(Status.DONE, "list.cleared", list=list_title(key, request.language))


def register(registry: HandlerRegistry) -> None:
    for handler in (
        AddItems(),
        ShoppingAdd(),
        RemoveItems(),
        CompleteItems(),
        ReadList(),
        CreateList(),
        ClearList(),
    ):
        registry.register(handler)
    registry.confirmers["list_new"] = add_to_new_list
    registry.confirmers["list_create"] = create_list
    registry.confirmers["list_clear"] = clear_list
