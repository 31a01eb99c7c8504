"""Household data over HTTP: lists, timers, alarms, reminders, calendar, approvals, automations,
notifications.

Every route is a thin call into ``homemind.household`` with the caller as the
actor: who may read or change what is the policy's household table, applied
there, never here. A :class:`~homemind.household.HouseholdError` becomes its HTTP
status (403, 404, 400, 409) with the message in the caller's language (the
handler is installed by ``create_app``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from homemind.channels.http import ActorDep, ErrorResponse, HubDep
from homemind.household import MAX_ITEM_CHARS

router = APIRouter()

# Row ids as SQLite can hold them: a bigger number is a 422, never an overflow inside the store.
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
ListName = Annotated[str, PathParam(min_length=1, max_length=MAX_ITEM_CHARS)]
MemberQuery = Annotated[str | None, Query(max_length=64)]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in (401, 422, *codes)}


class ListItemRequest(BaseModel):
    item: str = Field(max_length=MAX_ITEM_CHARS, description="The item's text, as it is to be kept.")


class ListItemAdded(BaseModel):
    list: str
    item: str


class ListItemChanged(BaseModel):
    list: str
    item: str
    done: bool
    removed: bool


class TimerCancelled(BaseModel):
    id: int
    state: Literal["cancelled"]


class OrderItem(BaseModel):
    id: str
    name: dict[str, str]
    quantity: int
    price: float


class OrderInfo(BaseModel):
    id: int
    items: list[OrderItem]
    total: float
    status: str
    requested_by: str
    created: str | None
    expires_at: str | None
    decided_by: str | None


class AutomationInfo(BaseModel):
    id: str
    name: str
    enabled: bool
    trigger: dict[str, Any]
    # Made by talking ("said_<n>"): what it does in each language, its maker, what was said.
    names: dict[str, str] | None = None
    creator: str | None = None
    said: str | None = None
    next_fire: str | None = None
    entities: list[str] = Field(default_factory=list)


class NotificationInfo(BaseModel):
    id: int
    member: str
    kind: str
    source_id: str
    due: str | None
    fired_at: str | None
    late: bool
    text: str
    read: bool


def _known_member(hub: Any, member: str | None) -> str | None:
    if member is not None and member not in hub.home.members:
        raise HTTPException(404, f"There is no member called {member}.")
    return member


@router.get("/api/household", responses=_errors())
async def household(hub: HubDep, actor: ActorDep) -> dict[str, Any]:
    """Lists, timers, alarms, reminders, events and orders: what the caller may read of each."""
    return hub.household.dump(actor)


@router.get("/api/notifications", response_model=list[NotificationInfo], responses=_errors(403, 404))
async def notifications(
    hub: HubDep, actor: ActorDep, member: MemberQuery = None, unread: bool = False
) -> Any:
    """Notifications the caller may read (their own; an admin's: everyone's, or one member's)."""
    _known_member(hub, member)
    found = hub.household.notifications.for_member(
        actor, member, unread=unread, language=actor.member.language
    )
    return [n.as_dict() for n in found]


@router.post(
    "/api/lists/{name}/items", status_code=201, response_model=ListItemAdded, responses=_errors(400, 403)
)
async def add_list_item(name: ListName, body: ListItemRequest, hub: HubDep, actor: ActorDep) -> Any:
    change = hub.household.lists.add(actor, name, [body.item])
    return {"list": change.list, "item": (change.changed or change.unchanged)[0]}


@router.post(
    "/api/lists/{name}/items/{change}", response_model=ListItemChanged, responses=_errors(400, 403, 404)
)
async def change_list_item(
    name: ListName,
    change: Literal["complete", "remove"],
    body: ListItemRequest,
    hub: HubDep,
    actor: ActorDep,
) -> Any:
    """Mark one item done, or remove it (the item in the body: its text may hold any character)."""
    done = hub.household.lists.change_one(actor, name, body.item, remove=change == "remove")
    return {
        "list": done.list,
        "item": done.changed[0],
        "done": change == "complete",
        "removed": change == "remove",
    }


@router.post("/api/timers/{timer_id}/cancel", response_model=TimerCancelled, responses=_errors(403, 404))
async def cancel_timer(timer_id: RowId, hub: HubDep, actor: ActorDep) -> Any:
    hub.household.timers.cancel(actor, timer_id)
    return {"id": timer_id, "state": "cancelled"}


@router.delete("/api/alarms/{alarm_id}", status_code=204, responses=_errors(403, 404))
async def delete_alarm(alarm_id: RowId, hub: HubDep, actor: ActorDep) -> Response:
    hub.household.alarms.delete(actor, alarm_id)
    return Response(status_code=204)


@router.delete("/api/reminders/{reminder_id}", status_code=204, responses=_errors(403, 404))
async def delete_reminder(reminder_id: RowId, hub: HubDep, actor: ActorDep) -> Response:
    hub.household.reminders.delete(actor, reminder_id)
    return Response(status_code=204)


@router.get(
    "/api/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **_errors(403, 404)},
)
async def calendar_ics(hub: HubDep, actor: ActorDep, member: MemberQuery = None) -> Response:
    """iCalendar export: the events the caller may read (an admin's: everyone's, or one member's)."""
    _known_member(hub, member)
    return Response(hub.household.calendar.to_ical(actor, member), media_type="text/calendar")


@router.get("/api/approvals", response_model=list[OrderInfo], responses=_errors())
async def approvals(hub: HubDep, actor: ActorDep) -> Any:
    """The queue for those who may approve; anyone else sees only their own waiting orders."""
    return [o.as_dict() for o in hub.household.orders.pending(actor)]


@router.post(
    "/api/approvals/{order_id}/{decision}", response_model=OrderInfo, responses=_errors(403, 404, 409)
)
async def decide(order_id: RowId, decision: Literal["approve", "deny"], hub: HubDep, actor: ActorDep) -> Any:
    return hub.household.orders.decide(actor, order_id, decision == "approve").as_dict()


@router.get("/api/automations", response_model=list[AutomationInfo], responses=_errors(403))
async def automations(hub: HubDep, actor: ActorDep) -> Any:
    return [a.as_dict() for a in hub.household.automations.list(actor)]


@router.post(
    "/api/automations/{automation_id}/{action}",
    response_model=AutomationInfo,
    responses=_errors(403, 404),
)
async def switch_automation(
    automation_id: Annotated[str, PathParam(max_length=64)],
    action: Literal["enable", "disable"],
    hub: HubDep,
    actor: ActorDep,
) -> Any:
    """Switch the automation itself on or off (adults and admins; never a child or a guest)."""
    return hub.household.automations.set_enabled(actor, automation_id, action == "enable").as_dict()


@router.delete(
    "/api/automations/{automation_id}", response_model=AutomationInfo, responses=_errors(403, 404, 409)
)
async def remove_automation(
    automation_id: Annotated[str, PathParam(max_length=64)], hub: HubDep, actor: ActorDep
) -> Any:
    """Remove an automation made by talking (its maker, adults and admins); the home file's: 409."""
    return hub.household.automations.remove(actor, automation_id).as_dict()
