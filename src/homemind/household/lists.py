"""Lists: shopping, to-do and any list a member names. One row per list and folded item text.

Item text is data: stored and read back as given, never fed to the recogniser, so
"add 'unlock the front door' to my to-do list" writes a line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from homemind.core import i18n
from homemind.household.errors import NotFound
from homemind.household.house import House
from homemind.household.text import clean_item
from homemind.policy import Actor

SHOPPING, TODO = "shopping", "todo"
_ALIASES = {
    SHOPPING: ("shopping", "shopping list", "grocery", "groceries", "grocery list", "购物", "购物清单",
               "购物单", "购物列表", "采购清单", "买菜清单"),
    TODO: ("todo", "to-do", "to do", "todo list", "to-do list", "to do list", "待办", "待办事项", "待办清单",
           "待办列表", "任务清单"),
}  # fmt: skip

_DEFAULT = frozenset({"list", "清单", "单子", "列表"})

i18n.register({"list.no_item": {"en": "That item is not on that list.", "zh": "清单上没有这一项。"}})


@dataclass(frozen=True)
class ListItem:
    item: str
    done: bool


@dataclass(frozen=True)
class ListChange:
    """What an add, a check-off or a removal did: the items changed, and those left as they were."""

    list: str
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_key(said: str | None) -> str:
    """ "my Shopping List" -> "shopping"; "购物清单" -> "shopping"; "packing list" -> "packing"."""
    words = " ".join((said or "").casefold().split())
    words = re.sub(r"^(?:my|the|our)\s+", "", words)
    words = re.sub(r"(?<=\S)(?:里面|里|上)$", "", words)  # "购物清单里", "清单上": where, not the name
    if words in _DEFAULT:
        return SHOPPING  # "the list", "清单": the one everybody means
    for key, aliases in _ALIASES.items():
        if words in aliases or words.removesuffix(" list") in aliases:
            return key
    if not words:
        return SHOPPING
    words = re.sub(r"\s+list$", "", words)
    words = re.sub(r"(清单|列表|单子)$", "", words)
    words = re.sub(r"^(?:一个|1个|个|新的)", "", words)  # the normalizer turns 一个 into 1个
    return clean_item(words)


def _item_key(item: str) -> str:
    return " ".join(item.casefold().split())


class Lists:
    def __init__(self, house: House) -> None:
        self.house = house

    def add(self, actor: Actor, list_name: str | None, items: list[str]) -> ListChange:
        """Add items (a done one comes back undone); those already on the list are left."""
        self.house.require(actor, "lists", "add", subject=f"list.{list_name}")
        key, texts = list_key(list_name), [clean_item(i) for i in items]
        added: list[str] = []
        already: list[str] = []
        now = self.house.clock.now()
        with self.house.store.transaction() as db:
            db.execute("INSERT OR IGNORE INTO lists (name, created) VALUES (?, ?)", (key, now))
            for item in texts:
                row = db.execute(
                    "SELECT done FROM list_items WHERE list = ? AND item_key = ?", (key, _item_key(item))
                ).fetchone()
                if row is None:
                    db.execute(
                        "INSERT INTO list_items (list, item, item_key, added_by, added)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (key, item, _item_key(item), actor.member.id, now),
                    )
                elif row[0]:
                    db.execute(
                        "UPDATE list_items SET done = 0 WHERE list = ? AND item_key = ?",
                        (key, _item_key(item)),
                    )
                elif item not in already:
                    already.append(item)
                    continue
                added.append(item)
        if added:
            self.house.audit(actor, "lists", "add", f"list.{key}", "ok", items=added)
        return ListChange(key, tuple(added), tuple(already))

    def complete(self, actor: Actor, list_name: str | None, items: list[str]) -> ListChange:
        return self._change(actor, list_name, items, "complete")

    def remove(self, actor: Actor, list_name: str | None, items: list[str]) -> ListChange:
        return self._change(actor, list_name, items, "remove")

    def _change(self, actor: Actor, list_name: str | None, items: list[str], operation: str) -> ListChange:
        """Check off or remove; every item is checked before any changes (all or nothing)."""
        key, texts = list_key(list_name), [clean_item(i) for i in items]
        self.house.require(actor, "lists", "read", subject=f"list.{key}")
        rows = {
            r["item_key"]: r for r in self.house.store.read("SELECT * FROM list_items WHERE list = ?", (key,))
        }
        found = [rows[_item_key(t)] for t in texts if _item_key(t) in rows]
        for row in found:
            self.house.require(actor, "lists", operation, row, subject=f"list.{key}")
        if operation == "remove":
            sql = "DELETE FROM list_items WHERE id = ?"
        else:
            sql = "UPDATE list_items SET done = 1 WHERE id = ?"
        with self.house.store.transaction() as db:
            for row in found:
                db.execute(sql, (row["id"],))
        changed = [str(r["item"]) for r in found]
        missing = [t for t in texts if _item_key(t) not in rows]
        if changed:
            self.house.audit(actor, "lists", operation, f"list.{key}", "ok", items=changed)
        return ListChange(key, tuple(changed), tuple(missing))

    def change_one(self, actor: Actor, list_name: str, item: str, *, remove: bool) -> ListChange:
        """The API's one item: :class:`NotFound` when it is not on the list."""
        change = self._change(actor, list_name, [item], "remove" if remove else "complete")
        if not change.changed:
            raise NotFound("list.no_item")
        return change

    def read(self, actor: Actor, list_name: str | None) -> tuple[str, list[ListItem]]:
        key = list_key(list_name)
        self.house.require(actor, "lists", "read", subject=f"list.{key}")
        rows = self.house.store.read(
            "SELECT item, done FROM list_items WHERE list = ? ORDER BY done, id", (key,)
        )
        return key, [ListItem(r["item"], bool(r["done"])) for r in rows]

    def create(self, actor: Actor, list_name: str | None) -> str:
        key = list_key(list_name)
        self.house.require(actor, "lists", "create", subject=f"list.{key}")
        with self.house.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO lists (name, created) VALUES (?, ?)", (key, self.house.clock.now())
            )
        self.house.audit(actor, "lists", "create", f"list.{key}", "ok")
        return key

    def clear(self, actor: Actor, list_name: str | None) -> tuple[str, int]:
        """Empty a list (it stays, with nothing on it); returns how many items went."""
        key = list_key(list_name)
        self.house.require(actor, "lists", "clear", subject=f"list.{key}")
        with self.house.store.transaction() as db:
            count = db.execute("DELETE FROM list_items WHERE list = ?", (key,)).rowcount
        self.house.audit(actor, "lists", "clear", f"list.{key}", "ok", count=count)
        return key, count

    def seen(self, item: str) -> bool:
        """Whether this item is on any list now (done or not): the voice path reads back new words."""
        rows = self.house.store.read(
            "SELECT 1 FROM list_items WHERE item_key = ? LIMIT 1", (_item_key(item),)
        )
        return bool(rows)

    def exists(self, list_name: str | None) -> bool:
        return bool(self.house.store.read("SELECT 1 FROM lists WHERE name = ?", (list_key(list_name),)))

    def dump(self, actor: Actor) -> dict[str, list[dict[str, Any]]]:
        """Every list with its items, if this member may read lists (else none)."""
        if not self.house.may(actor, "lists", "read"):
            return {}
        lists: dict[str, list[dict[str, Any]]] = {
            r["name"]: [] for r in self.house.store.read("SELECT name FROM lists")
        }
        for row in self.house.store.read("SELECT list, item, done FROM list_items ORDER BY id"):
            lists.setdefault(row["list"], []).append({"item": row["item"], "done": bool(row["done"])})
        return lists
