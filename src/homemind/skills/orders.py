"""Orders: a merchant connector interface, the built-in local catalog merchant, the cart ->
confirmation -> placed flow, a monthly household budget, order history, and the
approval queue for orders by a child or a guest.

The approval queue is deliberately small and callable from outside the
conversation: :func:`needs_approval` says who must wait, :func:`decide` is what
an adult's "approve order 3" (conversation, CLI ``homemind approvals``, API)
runs, and :func:`expire` ends requests nobody answered. The policy layer can
call the same functions once it has its policy file.

Money is kept in fen (integer hundredths of a yuan): no float rounding in totals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Protocol

import yaml

from homemind.core import i18n
from homemind.core.model import Member
from homemind.core.services import ActionError
from homemind.policy.rules import Decision
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Pending, Reply, Status
from homemind.skills.household import Household
from homemind.skills.when import zh_digits

APPROVAL_SECONDS = 24 * 3600
CONFIRM_SECONDS = 120.0
MAX_QUANTITY = 50

i18n.register(
    {
        "order.unknown_item": {
            "en": "The shop has no {item}.",
            "zh": "商店里没有{item}。",
        },
        "order.nothing": {"en": "What would you like to order?", "zh": "要买什么？"},
        "order.bad_quantity": {
            "en": "I can order between 1 and {limit} of something, not {quantity}.",
            "zh": "每样只能买1到{limit}件，不能是{quantity}。",
        },
        "order.confirm": {
            "en": "Your cart: {lines}. Total ¥{total}. Shall I place the order?",
            "zh": "购物车：{lines}。合计¥{total}。确认下单吗？",
        },
        "order.placed": {
            "en": "Order {id} placed: {lines}, ¥{total}.",
            "zh": "订单{id}已下单：{lines}，共¥{total}。",
        },
        "order.awaiting_approval": {
            "en": "Order {id} (¥{total}) is waiting for a grown-up to approve it.",
            "zh": "订单{id}（¥{total}）需要大人批准。",
        },
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
        "order.approved": {"en": "Approved and placed order {id}.", "zh": "已批准并下单订单{id}。"},
        "order.denied": {"en": "Denied order {id}.", "zh": "已拒绝订单{id}。"},
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
        "order.none": {"en": "No orders yet.", "zh": "还没有订单。"},
        "order.history": {"en": "Recent orders: {orders}.", "zh": "最近的订单：{orders}。"},
        "order.pending_list": {"en": "Waiting for approval: {orders}.", "zh": "等待批准：{orders}。"},
        "order.no_pending": {"en": "No orders are waiting for approval.", "zh": "没有等待批准的订单。"},
        "status.placed": {"en": "placed", "zh": "已下单"},
        "status.pending_approval": {"en": "waiting for approval", "zh": "等待批准"},
        "status.denied": {"en": "denied", "zh": "已拒绝"},
        "status.expired": {"en": "expired", "zh": "已过期"},
        "status.cart": {"en": "not confirmed", "zh": "未确认"},
        "status.over_budget": {"en": "over budget", "zh": "超出预算"},
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
        text = resources.files("homemind.skills").joinpath("data/catalog.yaml").read_text("utf-8")
        data = yaml.safe_load(text)
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
        key = " ".join(words.casefold().split())
        if key in self._names:
            return self._names[key]
        if key.endswith("s") and key[:-1] in self._names:
            return self._names[key[:-1]]
        return None

    def place(self, lines: list[OrderLine], order_id: int) -> str:
        return f"local-{order_id}"


# --- understanding what is ordered ----------------------------------------------------

_EN_QTY = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a dozen": 12}  # fmt: skip
_EN_UNITS = r"(?:bottles?|packs?|packets?|bags?|boxes|box|cartons?|loaf|loaves|cans?|jars?|cases?|" \
    r"bunch(?:es)?|heads?|pieces?|tubes?|kilos?|kg|dozen)"  # fmt: skip
_EN_LINE = re.compile(
    rf"^(?:(\d+|{'|'.join(sorted(_EN_QTY, key=len, reverse=True))}|-\d+)\s+)?"
    rf"(?:{_EN_UNITS}\s+(?:of\s+)?)?(.+)$",
    re.IGNORECASE,
)
_ZH_LINE = re.compile(r"^(-?\d+)?\s*(?:瓶|袋|盒|包|箱|桶|把|颗|个|份|斤|公斤|条|块|支|提|打|罐|听|只)?(.+)$")


def parse_lines(text: str, language: str, merchant: Merchant) -> list[OrderLine]:
    from homemind.skills.lists import split_items

    said = zh_digits(text) if language == "zh" else text
    lines: dict[str, OrderLine] = {}
    for part in split_items(said, language):
        part = part.strip()
        match = (_ZH_LINE if language == "zh" else _EN_LINE).match(part)
        if match is None:
            raise ActionError("order.unknown_item", item=part)
        qty_word, words = match.group(1), match.group(2).strip()
        if language == "en":
            words = re.sub(r"^(?:some|the)\s+", "", words, flags=re.IGNORECASE)
        quantity = 1
        if qty_word:
            quantity = int(qty_word) if re.fullmatch(r"-?\d+", qty_word) else _EN_QTY[qty_word.casefold()]
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ActionError("order.bad_quantity", quantity=quantity, limit=MAX_QUANTITY)
        item = merchant.find(words, language)
        if item is None:
            raise ActionError("order.unknown_item", item=words)
        previous = lines.get(item.id)
        lines[item.id] = OrderLine(item, quantity + (previous.quantity if previous else 0))
    return list(lines.values())


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _say_lines(items: list[dict[str, Any]], language: str) -> str:
    words = [f"{i['quantity']} × {i['name'].get(language) or i['name']['en']}" for i in items]
    return i18n.join_names(words, language)


# --- the queue and the budget -------------------------------------------------------


def needs_approval(house: Household, member: Member) -> bool:
    """Whose orders wait for an adult: the policy file's `order` decision (children, guests)."""
    return house.policy.order_decision(member) is Decision.APPROVAL


def may_order(house: Household, member: Member) -> bool:
    return house.policy.order_decision(member) is not Decision.DENY


def may_approve(house: Household, member: Member) -> bool:
    return house.policy.may_approve(member)


def month_spent(house: Household, now: datetime) -> int:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = house.store.read(
        "SELECT COALESCE(SUM(total_fen), 0) AS spent FROM orders WHERE status = 'placed' AND decided_at >= ?",
        (start.timestamp(),),
    )
    return int(rows[0]["spent"])


def _budget_fen(house: Household) -> int | None:
    budget = house.home.order_budget
    return None if budget is None else round(budget * 100)


def _place(house: Household, db: Any, order: dict[str, Any], decided_by: str) -> str:
    """Place an order inside the caller's transaction; returns 'placed' or 'over_budget'."""
    budget = _budget_fen(house)
    now = house.now()
    if budget is not None and month_spent(house, now) + int(order["total_fen"]) > budget:
        return "over_budget"
    merchant = LocalCatalogMerchant.builtin()
    lines = [
        OrderLine(merchant.find(i["name"]["en"], "en") or _missing(i["name"]["en"]), int(i["quantity"]))
        for i in json.loads(order["items"])
    ]
    ref = merchant.place(lines, int(order["id"]))
    db.execute(
        "UPDATE orders SET status = 'placed', merchant_ref = ?, decided_by = ?, decided_at = ? WHERE id = ?",
        (ref, decided_by, house.clock.now(), order["id"]),
    )
    return "placed"


def _missing(name: str) -> CatalogItem:
    raise ActionError("order.unknown_item", item=name)


def _order(house: Household, order_id: int) -> dict[str, Any] | None:
    rows = house.store.read("SELECT * FROM orders WHERE id = ?", (order_id,))
    return rows[0] if rows else None


def expire(house: Household) -> int:
    """Requests nobody answered in time expire (and their requester is told); returns how many."""
    now = house.clock.now()
    rows = house.store.read(
        "SELECT * FROM orders WHERE status = 'pending_approval' AND expires_at <= ?", (now,)
    )
    for row in rows:
        note = None
        with house.store.transaction() as db:
            if db.execute(
                "UPDATE orders SET status = 'expired', decided_at = ?"
                " WHERE id = ? AND status = 'pending_approval'",
                (now, row["id"]),
            ).rowcount:
                note = house.add_notification(
                    db,
                    row["requested_by"],
                    "order",
                    str(row["id"]),
                    now,
                    False,
                    "order.expired",
                    {"id": row["id"]},
                )
        house.publish_stored([note])
    return len(rows)


def decide(
    house: Household, order_id: int, approver: Member, approve: bool, channel: str = "api"
) -> ActionError | dict[str, Any]:
    """An adult's answer to a waiting order: placed (within budget) or denied; the requester is told."""
    service = "approve" if approve else "deny"
    if not may_approve(house, approver):
        house.audit(approver, channel, service, f"order.{order_id}", "refused", decision="deny")
        return ActionError("order.may_not_approve", member=approver)
    expire(house)
    order = _order(house, order_id)
    if order is None or order["status"] != "pending_approval":
        if order is not None and order["status"] == "expired":
            return ActionError("order.expired", id=order_id)
        return ActionError("order.no_such", id=order_id)
    now = house.clock.now()
    with house.store.transaction() as db:
        if approve:
            outcome = _place(house, db, order, approver.id)
            if outcome == "over_budget":
                spent = month_spent(house, house.now())
                return ActionError(
                    "order.over_budget",
                    spent=_yuan(spent),
                    budget=_yuan(_budget_fen(house) or 0),
                    total=_yuan(int(order["total_fen"])),
                )
            key = "order.was_approved"
        else:
            db.execute(
                "UPDATE orders SET status = 'denied', decided_by = ?, decided_at = ? WHERE id = ?",
                (approver.id, now, order_id),
            )
            key = "order.was_denied"
        note = house.add_notification(
            db, order["requested_by"], "order", str(order_id), now, False, key, {"id": order_id}
        )
    house.publish_stored([note])
    house.audit(approver, channel, service, f"order.{order_id}", "ok", decision="allow")
    return _order(house, order_id) or {}


def pending_approvals(house: Household) -> list[dict[str, Any]]:
    expire(house)
    return [order_view(house, r) for r in house.store.read(
        "SELECT * FROM orders WHERE status = 'pending_approval' ORDER BY id"
    )]  # fmt: skip


def order_view(house: Household, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "items": json.loads(row["items"]),
        "total": int(row["total_fen"]) / 100,
        "status": row["status"],
        "requested_by": row["requested_by"],
        "created": house.iso(row["created"]),
        "expires_at": house.iso(row["expires_at"]),
        "decided_by": row["decided_by"],
    }


# --- conversation ---------------------------------------------------------------------


class Order(IntentHandler):
    intent_type = "HomemindOrder"
    slots = {"order": "what to order, with quantities"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = (request.match.text("order") or "").strip()
        if not said:
            return request.reply(Status.NOT_UNDERSTOOD, "order.nothing")
        member = request.actor.member
        if not may_order(house, member):
            house.audit(member, request.actor.channel, "order", "order", "refused", decision="deny")
            name = member.names.display(request.language)
            return request.reply(Status.REFUSED, "order.may_not_order", member=name)
        try:
            lines = parse_lines(said, request.language, LocalCatalogMerchant.builtin())
        except ActionError as exc:
            return Reply(Status.ERROR, exc.message(request.language))
        items = [line.as_dict() for line in lines]
        total = sum(line.item.price_fen * line.quantity for line in lines)
        with house.store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO orders (requested_by, items, total_fen, status, merchant, created)"
                " VALUES (?, ?, ?, 'cart', ?, ?)",
                (
                    request.actor.member.id,
                    json.dumps(items, ensure_ascii=False),
                    total,
                    "local",
                    house.clock.now(),
                ),
            )
            order_id = int(cursor.lastrowid or 0)
        reply = request.reply(
            Status.NEEDS_CONFIRMATION,
            "order.confirm",
            lines=_say_lines(items, request.language),
            total=_yuan(total),
        )
        reply.pending = Pending(
            # On the hub's clock, like every confirmation: the pipeline checks it against that.
            [], False, request.actor.member.id, house.clock.now() + CONFIRM_SECONDS, "", {},
            skill={"kind": "order.place", "order_id": order_id},
        )  # fmt: skip
        return reply


async def confirm_order(request: IntentRequest, payload: dict[str, Any]) -> Reply:
    """The member said yes to their cart: place it, or queue it for an adult."""
    house = request.house
    order = _order(house, int(payload["order_id"]))
    if order is None or order["status"] != "cart":
        return request.reply(Status.ERROR, "order.no_such", id=payload["order_id"])
    member = request.actor.member
    items = json.loads(order["items"])
    total = _yuan(int(order["total_fen"]))
    now = house.clock.now()
    if needs_approval(house, member):
        house.audit(
            member, request.actor.channel, "place", f"order.{order['id']}", "pending_approval",
            decision="approval", total=total,
        )  # fmt: skip
        notes: list[int | None] = []
        with house.store.transaction() as db:
            db.execute(
                "UPDATE orders SET status = 'pending_approval', expires_at = ? WHERE id = ?",
                (now + APPROVAL_SECONDS, order["id"]),
            )
            for adult in house.home.members.values():
                if may_approve(house, adult):
                    notes.append(house.add_notification(
                        db, adult.id, "approval", f"{order['id']}:{adult.id}", now, False,
                        "order.approval_request",
                        {"member": member.names.display(adult.language), "id": order["id"],
                         "lines": _say_lines(items, adult.language), "total": total},
                    ))  # fmt: skip
        house.publish_stored(notes)  # the adults hear of it now, on the live stream
        return request.reply(Status.DONE, "order.awaiting_approval", id=order["id"], total=total)
    with house.store.transaction() as db:
        outcome = _place(house, db, order, member.id)
        if outcome == "over_budget":
            db.execute("UPDATE orders SET status = 'over_budget' WHERE id = ?", (order["id"],))
    house.audit(
        member, request.actor.channel, "place", f"order.{order['id']}",
        "refused" if outcome == "over_budget" else "ok", decision="confirm", total=total,
    )  # fmt: skip
    if outcome == "over_budget":
        return request.reply(
            Status.REFUSED,
            "order.over_budget",
            spent=_yuan(month_spent(house, house.now())),
            budget=_yuan(_budget_fen(house) or 0),
            total=total,
        )
    return request.reply(
        Status.DONE, "order.placed", id=order["id"], lines=_say_lines(items, request.language), total=total
    )


class _Decide(IntentHandler):
    approve = True
    slots = {"order_id": "the order's number"}

    async def handle(self, request: IntentRequest) -> Reply:
        said = str(request.match.value("order_id") or request.match.text("order_id") or "")
        digits = re.findall(r"\d+", zh_digits(said))
        if not digits:
            waiting = pending_approvals(request.house)
            if len(waiting) != 1:
                return _list_pending(request, waiting)
            order_id = int(waiting[0]["id"])
        else:
            order_id = int(digits[0])
        result = decide(request.house, order_id, request.actor.member, self.approve, request.actor.channel)
        if isinstance(result, ActionError):
            status = Status.REFUSED if result.key == "order.may_not_approve" else Status.ERROR
            return Reply(status, result.message(request.language))
        return request.reply(Status.DONE, "order.approved" if self.approve else "order.denied", id=order_id)


def _list_pending(request: IntentRequest, waiting: list[dict[str, Any]]) -> Reply:
    if not waiting:
        return request.reply(Status.ANSWERED, "order.no_pending")
    words = [f"#{o['id']} {_say_lines(o['items'], request.language)} (¥{o['total']:.2f})" for o in waiting]
    return request.reply(Status.ANSWERED, "order.pending_list", orders=words)


class Approve(_Decide):
    intent_type = "HomemindOrderApprove"


class Deny(_Decide):
    intent_type = "HomemindOrderDeny"
    approve = False


class History(IntentHandler):
    intent_type = "HomemindOrderHistory"

    async def handle(self, request: IntentRequest) -> Reply:
        rows = request.house.store.read(
            "SELECT * FROM orders WHERE status != 'cart' ORDER BY id DESC LIMIT 5"
        )
        if not rows:
            return request.reply(Status.ANSWERED, "order.none")
        words = [
            f"#{r['id']} {_say_lines(json.loads(r['items']), request.language)} ¥{_yuan(int(r['total_fen']))}"
            f" ({request.t('status.' + r['status'])})"
            for r in rows
        ]
        return request.reply(Status.ANSWERED, "order.history", orders=words)


def dump(house: Household) -> list[dict[str, Any]]:
    rows = house.store.read("SELECT * FROM orders WHERE status != 'cart' ORDER BY id")
    return [
        {
            "id": r["id"],
            "items": json.loads(r["items"]),
            "total": int(r["total_fen"]) / 100,
            "status": r["status"],
            "requested_by": r["requested_by"],
        }
        for r in rows
    ]


def register(registry: HandlerRegistry) -> None:
    for handler in (Order(), Approve(), Deny(), History()):
        registry.register(handler)
    registry.confirmers["order.place"] = confirm_order
