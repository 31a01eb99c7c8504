"""Lists: shopping, to-do and any list a member names; add several items at once, remove,
mark done, read back. Duplicates merge (one row per list and folded item text).

Item text is data: it is stored and read back as said, never fed to the
recogniser, so "add 'unlock the front door' to my to-do list" writes a line.
"""

from __future__ import annotations

import re
from typing import Any

from homemind.core import i18n
from homemind.core.services import ActionError
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status
from homemind.skills.household import Household, clean_item

SHOPPING, TODO = "shopping", "todo"
_ALIASES = {
    SHOPPING: ("shopping", "shopping list", "grocery", "groceries", "grocery list", "购物", "购物清单",
               "购物单",
               "购物列表", "采购清单", "买菜清单"),
    TODO: ("todo", "to-do", "to do", "todo list", "to-do list", "to do list", "待办", "待办事项", "待办清单",
           "待办列表", "任务清单"),
}  # fmt: skip

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


def list_key(said: str | None) -> str:
    """ "my Shopping List" -> "shopping"; "购物清单" -> "shopping"; "packing list" -> "packing"."""
    words = " ".join((said or "").casefold().split())
    words = re.sub(r"^(?:my|the|our)\s+", "", words)
    for key, aliases in _ALIASES.items():
        if words in aliases or words.removesuffix(" list") in aliases:
            return key
    if not words:
        return SHOPPING
    words = re.sub(r"\s+list$", "", words)
    words = re.sub(r"(清单|列表|单子)$", "", words)
    words = re.sub(r"^(?:一个|1个|个|新的)", "", words)  # the normalizer turns 一个 into 1个
    return clean_item(words)


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


def _item_key(item: str) -> str:
    return " ".join(item.casefold().split())


def _ensure_list(db: Any, key: str, now: float) -> None:
    db.execute("INSERT OR IGNORE INTO lists (name, created) VALUES (?, ?)", (key, now))


def _list_of(request: IntentRequest) -> str:
    return list_key(request.match.text("list_name") or request.match.value("list_name"))


def _said_items(request: IntentRequest) -> tuple[str, list[str]] | Reply:
    """The list and the items a sentence names, each checked; or the reply saying what is wrong."""
    try:
        key = _list_of(request)
        return key, [clean_item(i) for i in split_items(request.match.text("item"), request.language)]
    except ActionError as exc:
        return Reply(Status.ERROR, exc.message(request.language))


class AddItems(IntentHandler):
    intent_type = "HassListAddItem"
    slots = {"item": "one or more items", "list_name": "which list (shopping if not said)"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = _said_items(request)
        if isinstance(said, Reply):
            return said
        key, items = said
        added, already = [], []
        now = house.clock.now()
        with house.store.transaction() as db:
            _ensure_list(db, key, now)
            for item in items:
                row = db.execute(
                    "SELECT done FROM list_items WHERE list = ? AND item_key = ?", (key, _item_key(item))
                ).fetchone()
                if row is None:
                    db.execute(
                        "INSERT INTO list_items (list, item, item_key, added_by, added)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (key, item, _item_key(item), request.actor.member.id, now),
                    )
                    added.append(item)
                elif row[0]:
                    db.execute(
                        "UPDATE list_items SET done = 0 WHERE list = ? AND item_key = ?",
                        (key, _item_key(item)),
                    )
                    added.append(item)
                elif item not in already:
                    already.append(item)
        title = list_title(key, request.language)
        if added and already:
            return request.reply(Status.DONE, "list.added_some", items=added, already=already, list=title)
        if added:
            return request.reply(Status.DONE, "list.added", items=added, list=title)
        return request.reply(Status.ANSWERED, "list.already", items=already, list=title)


class ShoppingAdd(AddItems):
    intent_type = "HassShoppingListAddItem"


class _ChangeItems(IntentHandler):
    done_key = ""
    slots = {"item": "one or more items", "list_name": "which list"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = _said_items(request)
        if isinstance(said, Reply):
            return said
        key, items = said
        changed, missing = [], []
        with house.store.transaction() as db:
            for item in items:
                if _change(db, key, item, remove=self.done_key == "list.removed"):
                    changed.append(item)
                else:
                    missing.append(item)
        title = list_title(key, request.language)
        if not changed:
            return request.reply(Status.ERROR, "list.not_on", items=missing, list=title)
        reply = request.reply(Status.DONE, self.done_key, items=changed, list=title)
        if missing:
            reply.speech += " " + request.t("list.not_on", items=missing, list=title)
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
        try:
            key = _list_of(request)
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        rows = request.house.store.read(
            "SELECT item, done FROM list_items WHERE list = ? ORDER BY done, id", (key,)
        )
        title = list_title(key, request.language)
        if not rows:
            return request.reply(Status.ANSWERED, "list.empty", list=title)
        items = [r["item"] if not r["done"] else request.t("list.done_mark", item=r["item"]) for r in rows]
        return request.reply(Status.ANSWERED, "list.read", items=items, list=title)


class CreateList(IntentHandler):
    intent_type = "HomemindListCreate"
    slots = {"list_name": "the new list's name"}

    async def handle(self, request: IntentRequest) -> Reply:
        try:
            key = _list_of(request)
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        with request.house.store.transaction() as db:
            _ensure_list(db, key, request.house.clock.now())
        return request.reply(Status.DONE, "list.created", list=list_title(key, request.language))


def add_item(house: Household, list_name: str, item: str, member: str) -> dict[str, Any]:
    """The API's way in: one item, validated like a spoken one."""
    key = list_key(list_name)
    text = clean_item(item)
    now = house.clock.now()
    with house.store.transaction() as db:
        _ensure_list(db, key, now)
        db.execute(
            "INSERT INTO list_items (list, item, item_key, added_by, added) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(list, item_key) DO UPDATE SET done = 0",
            (key, text, _item_key(text), member, now),
        )
    return {"list": key, "item": text}


def _change(db: Any, key: str, item: str, *, remove: bool) -> bool:
    if remove:
        sql = "DELETE FROM list_items WHERE list = ? AND item_key = ?"
    else:
        sql = "UPDATE list_items SET done = 1 WHERE list = ? AND item_key = ?"
    return bool(db.execute(sql, (key, _item_key(item))).rowcount)


def change_item(house: Household, list_name: str, item: str, *, remove: bool) -> dict[str, Any] | None:
    """The API's way to mark one item done or remove it; None when it is not on the list."""
    key = list_key(list_name)
    text = clean_item(item)
    with house.store.transaction() as db:
        if not _change(db, key, text, remove=remove):
            return None
    return {"list": key, "item": text, "done": not remove, "removed": remove}


def dump(house: Household) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {
        r["name"]: [] for r in house.store.read("SELECT name FROM lists")
    }
    for row in house.store.read("SELECT list, item, done FROM list_items ORDER BY id"):
        lists.setdefault(row["list"], []).append({"item": row["item"], "done": bool(row["done"])})
    return lists


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
