"""Orders by voice: understanding what is ordered, the cart -> "yes" -> placed flow, approvals, history.

The orders themselves, the approval queue, the budget and who may do what live
in ``homemind.household.orders``; this module turns sentences into its calls.
"""

from __future__ import annotations

import re
from typing import Any

from homemind.core import i18n
from homemind.household.errors import Invalid
from homemind.household.orders import Merchant, Order, OrderLine, say_lines
from homemind.household.when import zh_digits
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Pending, Reply, Status

CONFIRM_SECONDS = 120.0
MAX_QUANTITY = 50

i18n.register(
    {
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
        "order.approved": {"en": "Approved and placed order {id}.", "zh": "已批准并下单订单{id}。"},
        "order.denied": {"en": "Denied order {id}.", "zh": "已拒绝订单{id}。"},
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


# --- understanding what is ordered ----------------------------------------------------

_EN_QTY = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a dozen": 12}  # fmt: skip
_EN_UNITS = r"(?:bottles?|packs?|packets?|bags?|boxes|box|cartons?|loaf|loaves|cans?|jars?|cases?|" \
    r"bunch(?:es)?|heads?|pieces?|tubes?|kilos?|kg|dozen)"  # fmt: skip
# Sizes and packaging are said with the product, not part of its name: "a big bag of rice", "一大袋米".
_EN_SIZES = r"(?:(?:big|large|small|little|huge|giant|mini|jumbo|family[- ]size[d]?|whole|half)\s+)*"
_EN_LINE = re.compile(
    rf"^(?:(\d+|{'|'.join(sorted(_EN_QTY, key=len, reverse=True))}|-\d+)\s+)?"
    rf"(?:{_EN_SIZES}{_EN_UNITS}\s+(?:of\s+)?|{_EN_SIZES})?(.+)$",
    re.IGNORECASE,
)
_ZH_LINE = re.compile(
    r"^(-?\d+)?\s*(?:[大小中]?(?:瓶|袋|盒|包|箱|桶|把|颗|个|份|斤|公斤|条|块|支|提|打|罐|听|只))?(?:装的|的)?(.+)$"
)


def parse_lines(text: str, language: str, merchant: Merchant) -> list[OrderLine]:
    from homemind.skills.lists import split_items

    said = zh_digits(text) if language == "zh" else text
    lines: dict[str, OrderLine] = {}
    for part in split_items(said, language):
        part = part.strip()
        match = (_ZH_LINE if language == "zh" else _EN_LINE).match(part)
        if match is None:
            raise Invalid("order.unknown_item", item=part)
        qty_word, words = match.group(1), match.group(2).strip()
        if language == "en":
            words = re.sub(r"^(?:some|the|more)\s+", "", words, flags=re.IGNORECASE)
        else:
            words = re.sub(r"^(?:点|些|一些|一点)", "", words)
        quantity = 1
        if qty_word:
            quantity = int(qty_word) if re.fullmatch(r"-?\d+", qty_word) else _EN_QTY[qty_word.casefold()]
        if not 1 <= quantity <= MAX_QUANTITY:
            raise Invalid("order.bad_quantity", quantity=quantity, limit=MAX_QUANTITY)
        item = merchant.find(words, language)
        if item is None:
            raise Invalid("order.unknown_item", item=words)
        previous = lines.get(item.id)
        lines[item.id] = OrderLine(item, quantity + (previous.quantity if previous else 0))
    return list(lines.values())


# --- conversation ---------------------------------------------------------------------


class OrderHandler(IntentHandler):
    intent_type = "HomemindOrder"
    slots = {"order": "what to order, with quantities"}

    async def handle(self, request: IntentRequest) -> Reply:
        house = request.house
        said = (request.match.text("order") or "").strip()
        if not said:
            return request.reply(Status.NOT_UNDERSTOOD, "order.nothing")
        lines = parse_lines(said, request.language, house.orders.merchant)
        order = house.orders.cart(request.actor, lines)
        reply = request.reply(
            Status.NEEDS_CONFIRMATION,
            "order.confirm",
            lines=say_lines(order.items, request.language),
            total=order.total,
        )
        reply.pending = Pending(
            # On the hub's clock, like every confirmation: the pipeline checks it against that.
            [], False, request.actor.member.id, house.clock.now() + CONFIRM_SECONDS, "", {},
            skill={"kind": "order.place", "order_id": order.id},
        )  # fmt: skip
        return reply


async def confirm_order(request: IntentRequest, payload: dict[str, Any]) -> Reply:
    """The member said yes to their cart: placed, or waiting for an adult."""
    order = request.house.orders.confirm(request.actor, int(payload["order_id"]))
    if order.status == "pending_approval":
        return request.reply(Status.DONE, "order.awaiting_approval", id=order.id, total=order.total)
    return request.reply(
        Status.DONE,
        "order.placed",
        id=order.id,
        lines=say_lines(order.items, request.language),
        total=order.total,
    )


class _Decide(IntentHandler):
    approve = True
    slots = {"order_id": "the order's number"}

    async def handle(self, request: IntentRequest) -> Reply:
        orders = request.house.orders
        said = str(request.match.value("order_id") or request.match.text("order_id") or "")
        digits = re.findall(r"\d+", zh_digits(said))
        if not digits:
            waiting = orders.pending(request.actor)
            if len(waiting) != 1 or not orders.may_approve(request.actor):
                return _list_pending(request, waiting)
            order_id = waiting[0].id
        else:
            order_id = int(digits[0])
        orders.decide(request.actor, order_id, self.approve)
        return request.reply(Status.DONE, "order.approved" if self.approve else "order.denied", id=order_id)


def _list_pending(request: IntentRequest, waiting: list[Order]) -> Reply:
    if not waiting:
        return request.reply(Status.ANSWERED, "order.no_pending")
    words = [f"#{o.id} {say_lines(o.items, request.language)} (¥{o.total})" for o in waiting]
    return request.reply(Status.ANSWERED, "order.pending_list", orders=words)


class Approve(_Decide):
    intent_type = "HomemindOrderApprove"


class Deny(_Decide):
    intent_type = "HomemindOrderDeny"
    approve = False


class History(IntentHandler):
    intent_type = "HomemindOrderHistory"

    async def handle(self, request: IntentRequest) -> Reply:
        orders = request.house.orders.mine(request.actor)
        if not orders:
            return request.reply(Status.ANSWERED, "order.none")
        words = [
            f"#{o.id} {say_lines(o.items, request.language)} ¥{o.total} ({request.t('status.' + o.status)})"
            for o in orders
        ]
        return request.reply(Status.ANSWERED, "order.history", orders=words)


def register(registry: HandlerRegistry) -> None:
    for handler in (OrderHandler(), Approve(), Deny(), History()):
        registry.register(handler)
    registry.confirmers["order.place"] = confirm_order
