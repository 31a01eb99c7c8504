"""Care by voice: "help" / "救命", "I'm OK" / "我没事", "I'm on my way" / "我马上来",
"I took it" / "吃过了", "how is grandma today?" / "奶奶今天怎么样？".

These sentences are in the template tier (``nlu/sentences/*.yaml``), so they are
understood by the fast tier alone, on every channel (typed, the API, the dashboard,
a voice satellite), without waiting for any model. The handlers only read the
sentence; what happens, and who may, is :mod:`homemind.care`'s (and the policy's).
"""

from __future__ import annotations

from homemind.care import Care
from homemind.care.notify import joined
from homemind.skills.base import HandlerRegistry, IntentHandler, IntentRequest, Reply, Status


class _CareHandler(IntentHandler):
    def __init__(self, care: Care) -> None:
        self.care = care


class Help(_CareHandler):
    """A call for help from whoever says it: no countdown, the family at once."""

    intent_type = "HomemindCareHelp"
    slots = {"care_kind": "fall or sos", "relation": "who she asked for (son, daughter ...)"}

    async def handle(self, request: IntentRequest) -> Reply:
        kind = "fall" if request.match.value("care_kind") == "fall" else "sos"
        relation = request.match.value("relation")
        incident = await self.care.help(request.actor, kind, str(relation) if relation else None)
        told = self.care.told(incident) if incident is not None else []
        contacts = joined(told) if told else {"en": "the family", "zh": "家人"}
        return Reply(Status.DONE, request.t("care.reply.help", contacts=contacts))


class ImOk(_CareHandler):
    """ "I'm OK" from the member an incident is about cancels it (her own false alarm)."""

    intent_type = "HomemindCareOk"

    async def handle(self, request: IntentRequest) -> Reply:
        incident = self.care.records.active_for(request.actor.member.id)
        if incident is None:
            return request.reply(Status.ANSWERED, "care.reply.ok_nothing")
        await self.care.cancel(request.actor, incident.id)
        return request.reply(Status.DONE, "care.reply.ok")


class OnMyWay(_CareHandler):
    """ "I'm on my way": acknowledges the newest open incident (adults and admins)."""

    intent_type = "HomemindCareOnMyWay"

    async def handle(self, request: IntentRequest) -> Reply:
        incident = self.care.incidents.latest_answerable(request.actor)
        if incident is None:
            return request.reply(Status.ANSWERED, "care.reply.ack_nothing")
        await self.care.acknowledge(request.actor, incident.id)
        member = request.home.members[incident.member]
        return request.reply(Status.DONE, "care.reply.ack", member=member)


class TookMedicine(_CareHandler):
    intent_type = "HomemindCareTookMedicine"

    async def handle(self, request: IntentRequest) -> Reply:
        dose = self.care.took(request.actor)
        if dose is None:
            return request.reply(Status.ANSWERED, "care.reply.took_nothing")
        return request.reply(Status.DONE, "care.reply.took", text=dose.text)


class HowIs(_CareHandler):
    """ "How is grandma today?": the daily summary, as the asker may see it."""

    intent_type = "HomemindCareSummary"
    slots = {"member": "a member's id (from their names)"}

    async def handle(self, request: IntentRequest) -> Reply:
        member = str(request.match.value("member") or request.actor.member.id)
        summary = self.care.summary(request.actor, member)
        return Reply(Status.ANSWERED, self.care.summaries.text(summary, request.language))


def register(registry: HandlerRegistry, care: Care) -> None:
    for handler in (Help, ImOk, OnMyWay, TookMedicine, HowIs):
        registry.register(handler(care))
