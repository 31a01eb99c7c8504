"""Lists: shopping, to-do and any list a member names; add several items at once, remove,
mark done, read back. Duplicates merge (one row per list and folded item text).

Item text is data: it is stored and read back as said, never fed to the
recogniser, so "add 'unlock the front door' to my to-do list" writes a line.
"""

from __future__ import annotations

import re

from homemind.core import i18n
from homemind.household.lists import SHOPPING, TODO
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

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
    items = [
        re.sub(r"^(?:some|a|an|the)\s+", "", p, flags=re.IGNORECASE) if language == "en" else p for p in items
    ]
    return [p for p in items if p] or [said]


def _list_of(request: IntentRequest) -> str | None:
    return request.match.text("list_name") or request.match.value("list_name")


def _items(request: IntentRequest) -> list[str]:
    return split_items(request.match.text("item"), request.language)


class AddItems(IntentHandler):
    intent_type = "HassListAddItem"
    slots = {"item": "one or more items", "list_name": "which list (shopping if not said)"}

    async def handle(self, request: IntentRequest) -> Reply:
        change = request.house.lists.add(request.actor, _list_of(request), _items(request))
        title = list_title(change.list, request.language)
        if change.changed and change.unchanged:
            return request.reply(
                Status.DONE, "list.added_some", items=change.changed, already=change.unchanged, list=title
            )
        if change.changed:
            return request.reply(Status.DONE, "list.added", items=change.changed, list=title)
        return request.reply(Status.ANSWERED, "list.already", items=change.unchanged, list=title)


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


class ReadList(IntentHandler):
    intent_type = "HomemindListRead"
    slots = {"list_name": "which list"}

    async def handle(self, request: IntentRequest) -> Reply:
        key, rows = request.house.lists.read(request.actor, _list_of(request))
        title = list_title(key, request.language)
        if not rows:
            return request.reply(Status.ANSWERED, "list.empty", list=title)
        items = [r.item if not r.done else request.t("list.done_mark", item=r.item) for r in rows]
        return request.reply(Status.ANSWERED, "list.read", items=items, list=title)


class CreateList(IntentHandler):
    intent_type = "HomemindListCreate"
    slots = {"list_name": "the new list's name"}

    async def handle(self, request: IntentRequest) -> Reply:
        key = request.house.lists.create(request.actor, _list_of(request))
        return request.reply(Status.DONE, "list.created", list=list_title(key, request.language))


def register(registry: HandlerRegistry) -> None:
    for handler in (
        AddItems(),
        ShoppingAdd(),
        RemoveItems(),
        CompleteItems(),
        ReadList(),
        CreateList(),
    ):
        registry.register(handler)
