"""Orders: a merchant interface, the built-in catalog, cart -> placed, the approval queue, the budget.

Who must wait for an approval is the policy's `order` decision for the member's
role (children and guests by default); who may approve, and who reads whose
orders, is its household table. Money is kept in fen (integer hundredths of a
yuan): no float rounding in totals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from homemind.core import i18n
from homemind.core.yamltext import safe_load
from homemind.household.errors import Conflict, Invalid, NotAllowed, NotFound, OverBudget
from homemind.household.house import House
from homemind.household.notifications import Notifications
from homemind.policy import Actor, Decision

APPROVAL_SECONDS = 24 * 3600

i18n.register(
    {
        "order.over_budget": {
            "en": "That would go over this month's budget: ¥{spent} of ¥{budget} spent,"
            " this order is ¥{total}.",
            "zh": "会超出本月预算：已花¥{spent}，预算¥{budget}，这单¥{total}。",
        },
        "order.approval_request": {
            "en": "{member} wants to order {lines} (¥{total}):"
            ' say "approve order {id}" or "deny order {id}".',
            "zh": "{member}想买{lines}（¥{total}）：说“批准订单{id}”或“拒绝订单{id}”。",
        },
        "order.was_approved": {
            "en": "Your order {id} was approved and placed.",
            "zh": "你的订单{id}已获批准并下单。",
        },
        "order.was_denied": {"en": "Your order {id} was not approved.", "zh": "你的订单{id}没有被批准。"},
        "order.no_such": {
            "en": "There is no order {id} waiting for approval.",
            "zh": "没有等待批准的订单{id}。",
        },
        "order.expired": {
            "en": "Order {id} waited too long and has expired.",
            "zh": "订单{id}等待太久，已过期。",
        },
        "order.may_not_order": {
            "en": "Sorry, {member} may not order things.",
            "zh": "抱歉，{member}不能下单。",
        },
        "order.may_not_approve": {
            "en": "Sorry, {member} may not approve orders.",
            "zh": "抱歉，{member}不能批准订单。",
        },
        "order.unknown_item": {"en": "The shop has no {item}.", "zh": "商店里没有{item}。"},
    }
)


@dataclass(frozen=True)
class CatalogItem:
    id: str
    names: dict[str, str]
    aliases: dict[str, list[str]]
    price_fen: int
    unit: str


@dataclass(frozen=True)
class OrderLine:
    item: CatalogItem
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "name": self.item.names,
            "quantity": self.quantity,
            "price": self.item.price_fen / 100,
        }


class Merchant(Protocol):
    """A shop homemind can order from. A real one (a supermarket's API) implements the same two calls."""

    id: str

    def find(self, words: str, language: str) -> CatalogItem | None: ...

    def place(self, lines: list[OrderLine], order_id: int) -> str:
        """Place the order; returns the merchant's reference for it."""
        ...


class LocalCatalogMerchant:
    """The built-in merchant: a catalog shipped as package data, orders recorded locally."""

    id = "local"

    def __init__(self, items: list[CatalogItem]) -> None:
        self.items = items
        self._names: dict[str, CatalogItem] = {}
        for item in items:
            for lang in ("en", "zh"):
                for name in [item.names.get(lang, ""), *item.aliases.get(lang, [])]:
                    if name:
                        self._names[name.casefold()] = item

    @classmethod
    @cache
    def builtin(cls) -> LocalCatalogMerchant:
        text = resources.files("homemind.household").joinpath("data/catalog.yaml").read_text("utf-8")
        data = safe_load(text)
        items = [
            CatalogItem(
                i["id"],
                i["name"],
                i.get("aliases", {}),
                round(float(i["price"]) * 100),
                i.get("unit", "piece"),
            )
            for i in data["items"]
        ]
        return cls(items)

    def find(self, words: str, language: str) -> CatalogItem | None:
        """By name or alias in either language; a plural ("eggs", "tomatoes") is its singular."""
        key = " ".join(words.casefold().split())
        for candidate in (key, key.removesuffix("s"), key.removesuffix("es"), key.removesuffix("的")):
            if candidate in self._names:
                return self._names[candidate]
        return None

    def place(self, lines: list[OrderLine], order_id: int) -> str:
        return f"local-{order_id}"


@dataclass(frozen=True)
class Order:
    id: int
    items: list[dict[str, Any]]
    total_fen: int
    status: str
    requested_by: str
    created: str | None
    expires_at: str | None
    decided_by: str | None

    @property
    def total(self) -> str:
        return yuan(self.total_fen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "items": self.items,
            "total": self.total_fen / 100,
            "status": self.status,
            "requested_by": self.requested_by,
            "created": self.created,
            "expires_at": self.expires_at,
            "decided_by": self.decided_by,
        }


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def say_lines(items: list[dict[str, Any]], language: str) -> str:
    words = [f"{i['quantity']} × {i['name'].get(language) or i['name']['en']}" for i in items]
    return i18n.join_names(words, language)


class Orders:
    def __init__(self, house: House, notifications: Notifications) -> None:
        self.house = house
        self.notifications = notifications
        self.merchant: Merchant = LocalCatalogMerchant.builtin()

    def _order(self, row: dict[str, Any]) -> Order:
        return Order(
            id=int(row["id"]),
            items=json.loads(row["items"]),
            total_fen=int(row["total_fen"]),
            status=str(row["status"]),
            requested_by=str(row["requested_by"]),
            created=self.house.iso(row["created"]),
            expires_at=self.house.iso(row["expires_at"]),
            decided_by=row["decided_by"],
        )

    def _row(self, order_id: int) -> dict[str, Any] | None:
        rows = self.house.store.read("SELECT * FROM orders WHERE id = ?", (order_id,))
        return rows[0] if rows else None

    # --- who ------------------------------------------------------------------------

    def decision(self, actor: Actor) -> Decision:
        return self.house.policy.order_decision(actor.member)

    def may_approve(self, actor: Actor) -> bool:
        return self.house.may(actor, "orders", "approve")

    # --- the flow ---------------------------------------------------------------------

    def cart(self, actor: Actor, lines: list[OrderLine]) -> Order:
        """A cart the member must still confirm; refused for a member who may not order at all."""
        if self.decision(actor) is Decision.DENY:
            self.house.audit(actor, "orders", "order", "order", "refused", decision="deny")
            raise NotAllowed("order.may_not_order", member=actor.member)
        if not lines:
            raise Invalid("order.unknown_item", item="?")
        items = [line.as_dict() for line in lines]
        total = sum(line.item.price_fen * line.quantity for line in lines)
        with self.house.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO orders (requested_by, items, total_fen, status, merchant, created)"
                " VALUES (?, ?, ?, 'cart', ?, ?)",
                (actor.member.id, json.dumps(items, ensure_ascii=False), total, self.merchant.id,
                 self.house.clock.now()),
            )  # fmt: skip
            order_id = int(cursor.lastrowid or 0)
        return self._order(self._row(order_id) or {})

    def confirm(self, actor: Actor, order_id: int) -> Order:
        """The member said yes to their cart: placed, or waiting for an adult (status says which).

        :class:`Conflict` when it would go over the month's budget (the order is kept as such).
        """
        row = self._row(order_id)
        if row is None or row["status"] != "cart" or row["requested_by"] != actor.member.id:
            raise NotFound("order.no_such", id=order_id)
        total = yuan(int(row["total_fen"]))
        if self.decision(actor) is Decision.APPROVAL:
            self._ask_for_approval(actor, row)
            self.house.audit(
                actor,
                "orders",
                "place",
                f"order.{order_id}",
                "pending_approval",
                decision="approval",
                total=total,
            )
            return self._order(self._row(order_id) or row)
        with self.house.store.transaction() as db:
            placed = self._place(db, row, actor.member.id)
            if not placed:
                db.execute("UPDATE orders SET status = 'over_budget' WHERE id = ?", (order_id,))
        self.house.audit(
            actor, "orders", "place", f"order.{order_id}", "ok" if placed else "refused", decision="confirm",
            total=total,
        )  # fmt: skip
        if not placed:
            raise self._over_budget(row)
        return self._order(self._row(order_id) or row)

    def _ask_for_approval(self, actor: Actor, row: dict[str, Any]) -> None:
        now = self.house.clock.now()
        items = json.loads(row["items"])
        notes: list[int | None] = []
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE orders SET status = 'pending_approval', expires_at = ? WHERE id = ?",
                (now + APPROVAL_SECONDS, row["id"]),
            )
            for adult in self.house.home.members.values():
                if self.house.policy.may(adult, "orders", "approve"):
                    params = {
                        "member": dict(actor.member.names.name),
                        "id": row["id"],
                        "lines": {lang: say_lines(items, lang) for lang in ("en", "zh")},
                        "total": yuan(int(row["total_fen"])),
                    }
                    notes.append(self.notifications.add(
                        db, adult.id, "approval", f"{row['id']}:{adult.id}", now, False,
                        "order.approval_request", params,
                    ))  # fmt: skip
        self.notifications.publish_stored(notes)  # the adults hear of it now, on the live stream

    def _place(self, db: Any, row: dict[str, Any], decided_by: str) -> bool:
        """Place an order inside the caller's transaction; False when over the month's budget."""
        budget = self.budget_fen()
        if budget is not None and self.month_spent() + int(row["total_fen"]) > budget:
            return False
        lines = []
        for item in json.loads(row["items"]):
            found = self.merchant.find(item["name"]["en"], "en")
            if found is None:
                raise Invalid("order.unknown_item", item=item["name"]["en"])
            lines.append(OrderLine(found, int(item["quantity"])))
        ref = self.merchant.place(lines, int(row["id"]))
        db.execute(
            "UPDATE orders SET status = 'placed', merchant_ref = ?, decided_by = ?, decided_at = ?"
            " WHERE id = ?",
            (ref, decided_by, self.house.clock.now(), row["id"]),
        )
        return True

    def _over_budget(self, row: dict[str, Any]) -> OverBudget:
        return OverBudget(
            "order.over_budget",
            spent=yuan(self.month_spent()),
            budget=yuan(self.budget_fen() or 0),
            total=yuan(int(row["total_fen"])),
        )

    def decide(self, actor: Actor, order_id: int, approve: bool) -> Order:
        """An adult's answer to a waiting order: placed (within budget) or denied; the requester is told."""
        operation = "approve" if approve else "deny"
        if not self.may_approve(actor):
            self.house.audit(actor, "orders", operation, f"order.{order_id}", "refused", decision="deny")
            raise NotAllowed("order.may_not_approve", member=actor.member)
        self.expire()
        row = self._row(order_id)
        if row is None or row["status"] != "pending_approval":
            if row is not None and row["status"] == "expired":
                raise Conflict("order.expired", id=order_id)
            raise NotFound("order.no_such", id=order_id)
        now = self.house.clock.now()
        with self.house.store.transaction() as db:
            if approve:
                if not self._place(db, row, actor.member.id):
                    raise self._over_budget(row)
                key = "order.was_approved"
            else:
                db.execute(
                    "UPDATE orders SET status = 'denied', decided_by = ?, decided_at = ? WHERE id = ?",
                    (actor.member.id, now, order_id),
                )
                key = "order.was_denied"
            note = self.notifications.add(
                db, row["requested_by"], "order", str(order_id), now, False, key, {"id": order_id}
            )
        self.notifications.publish_stored([note])
        self.house.audit(actor, "orders", operation, f"order.{order_id}", "ok")
        return self._order(self._row(order_id) or row)

    def expire(self) -> int:
        """Requests nobody answered in time expire (and their requester is told); returns how many."""
        now = self.house.clock.now()
        rows = self.house.store.read(
            "SELECT * FROM orders WHERE status = 'pending_approval' AND expires_at <= ?", (now,)
        )
        for row in rows:
            note = None
            with self.house.store.transaction() as db:
                if db.execute(
                    "UPDATE orders SET status = 'expired', decided_at = ?"
                    " WHERE id = ? AND status = 'pending_approval'",
                    (now, row["id"]),
                ).rowcount:
                    note = self.notifications.add(
                        db, row["requested_by"], "order", str(row["id"]), now, False, "order.expired",
                        {"id": row["id"]},
                    )  # fmt: skip
            self.notifications.publish_stored([note])
        return len(rows)

    # --- reading ------------------------------------------------------------------------

    def pending(self, actor: Actor) -> list[Order]:
        """The approval queue for those who may approve; anyone else sees their own waiting orders."""
        self.expire()
        rows = self.house.store.read("SELECT * FROM orders WHERE status = 'pending_approval' ORDER BY id")
        if not self.may_approve(actor):
            rows = [r for r in rows if r["requested_by"] == actor.member.id]
        return [self._order(r) for r in rows]

    def mine(self, actor: Actor, limit: int = 5) -> list[Order]:
        """The speaker's own recent orders ("what did I order"), newest first."""
        rows = self.house.store.read(
            "SELECT * FROM orders WHERE status != 'cart' AND requested_by = ? ORDER BY id DESC LIMIT ?",
            (actor.member.id, limit),
        )
        return [self._order(r) for r in rows]

    def dump(self, actor: Actor) -> list[dict[str, Any]]:
        rows = self.house.store.read("SELECT * FROM orders WHERE status != 'cart' ORDER BY id")
        return [self._order(r).as_dict() for r in self.house.readable(actor, "orders", rows)]

    def spent(self, actor: Actor) -> tuple[int, int | None]:
        """This month's placed orders, in fen, and the budget: for those who may read everyone's orders."""
        self.house.require(actor, "orders", "read", subject="orders.month")
        return self.month_spent(), self.budget_fen()

    def month_spent(self) -> int:
        start = self.house.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        rows = self.house.store.read(
            "SELECT COALESCE(SUM(total_fen), 0) AS spent FROM orders"
            " WHERE status = 'placed' AND decided_at >= ?",
            (start.timestamp(),),
        )
        return int(rows[0]["spent"])

    def budget_fen(self) -> int | None:
        budget = self.house.home.order_budget
        return None if budget is None else round(budget * 100)
