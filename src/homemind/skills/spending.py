""" "How much have we spent this month?" / "这个月花了多少钱": placed orders against the budget."""

from __future__ import annotations

from homemind.core import i18n
from homemind.household.orders import yuan
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status

i18n.register(
    {
        "spent.month": {
            "en": "This month's orders came to ¥{spent}.",
            "zh": "这个月的订单一共花了¥{spent}。",
        },
        "spent.month_budget": {
            "en": "This month's orders came to ¥{spent} of the ¥{budget} budget; ¥{left} is left.",
            "zh": "这个月的订单一共花了¥{spent}，预算¥{budget}，还剩¥{left}。",
        },
    }
)


class MonthSpent(IntentHandler):
    intent_type = "HomemindOrderSpent"

    async def handle(self, request: IntentRequest) -> Reply:
        spent, budget = request.house.orders.spent(request.actor)
        if budget is None:
            return request.reply(Status.ANSWERED, "spent.month", spent=yuan(spent))
        left = max(0, budget - spent)
        return request.reply(
            Status.ANSWERED, "spent.month_budget", spent=yuan(spent), budget=yuan(budget), left=yuan(left)
        )


def register(registry: HandlerRegistry) -> None:
    registry.register(MonthSpent())
