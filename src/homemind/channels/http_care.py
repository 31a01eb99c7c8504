"""Care over HTTP: incidents, acknowledging and closing them, summaries, holidays, and events
from wearables (``POST /api/care/events`` with a device token).

Thin calls into :mod:`homemind.care` with the caller as the actor; who may do what
is the policy's ``care`` table, applied there. A device token (``hmd_...``, from
``homemind care token``) is accepted by the events route only, and only about its
own member.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from homemind.care import EVENT_KINDS
from homemind.channels.http import ActorDep, ErrorResponse, HubDep, current_actor
from homemind.policy import Actor

router = APIRouter()

IncidentId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
MemberId = Annotated[str, PathParam(max_length=64)]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in (401, 422, *codes)}


class IncidentInfo(BaseModel):
    id: int
    member: str
    name: dict[str, str]
    kind: str = Field(description="fall, sos, not_up, bathroom, inactive, spo2, heart_rate")
    severity: Literal["urgent", "check"]
    state: Literal["open", "acknowledged", "resolved", "cancelled"]
    stage: Literal["asking", "escalating", "emergency", "informed", "closed"]
    round: int
    contact: int
    contacts: list[dict[str, str]]
    area: str | None
    opened_at: str | None
    next_at: str | None
    acknowledged_by: str | None
    acknowledged_name: dict[str, str] | None
    acknowledged_at: str | None
    closed_by: str | None
    closed_at: str | None
    false_alarm: bool
    text: dict[str, str]
    evidence: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


class CloseRequest(BaseModel):
    false_alarm: bool = Field(default=False, description="resolve only: it was a false alarm")


class AwayRequest(BaseModel):
    member: str = Field(max_length=64)
    until: date | None = Field(description="the last day away; null: home again")


class EventRequest(BaseModel):
    member: str = Field(max_length=64)
    kind: Literal["fall", "sos", "heart_rate", "spo2", "off_body", "on_body", "battery"]
    value: float | None = Field(default=None, description="heart_rate, spo2, battery: the reading")


class EventResponse(BaseModel):
    incident: IncidentInfo | None


class CaredInfo(BaseModel):
    id: str
    name: dict[str, str]
    away_until: str | None
    watch: dict[str, Any]


def _member(hub: Any, member: str) -> None:
    if member not in hub.home.members:
        raise HTTPException(404, f"There is no member called {member}.")


@router.get("/api/care/incidents", response_model=list[IncidentInfo], responses=_errors())
async def incidents(hub: HubDep, actor: ActorDep, all: bool = False) -> Any:
    """Open incidents the caller may see (``all``: the recent closed ones too, newest first)."""
    return [hub.care.describe(i) for i in hub.care.incidents.visible(actor, active_only=not all)]


@router.get("/api/care/incidents/{incident_id}", response_model=IncidentInfo, responses=_errors(404))
async def incident(incident_id: IncidentId, hub: HubDep, actor: ActorDep) -> Any:
    return hub.care.describe(hub.care.incidents.get(actor, incident_id))


@router.post(
    "/api/care/incidents/{incident_id}/{action}",
    response_model=IncidentInfo,
    responses=_errors(403, 404, 409),
)
async def answer(
    incident_id: IncidentId,
    action: Literal["ack", "resolve", "cancel"],
    hub: HubDep,
    actor: ActorDep,
    body: CloseRequest | None = None,
) -> Any:
    """ack: on my way (adults, admins); resolve: close it; cancel: her own false alarm (only she)."""
    if action == "ack":
        done = await hub.care.acknowledge(actor, incident_id)
    elif action == "resolve":
        done = await hub.care.resolve(actor, incident_id, false_alarm=bool(body and body.false_alarm))
    else:
        done = await hub.care.cancel(actor, incident_id)
    return hub.care.describe(done)


@router.get("/api/care/members", response_model=list[CaredInfo], responses=_errors())
async def cared(hub: HubDep, actor: ActorDep) -> Any:
    """The members the hub looks after that the caller may see, with their watch and holiday."""
    now = hub.household.clock.now()
    return [
        {
            "id": member,
            "name": dict(hub.home.members[member].names.name),
            "away_until": hub.household.iso(hub.care.activity.away_until(member, now)),
            "watch": hub.care.vitals.device(member),
        }
        for member in hub.home.care.members
        if hub.household.may(actor, "care", "read", {"member": member})
    ]


@router.get("/api/care/summary/{member}", responses=_errors(400, 403, 404))
async def summary(
    member: MemberId, hub: HubDep, actor: ActorDep, day: Annotated[date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    """The member's day (default today), and as a paragraph in the caller's language."""
    _member(hub, member)
    found = hub.care.summary(actor, member, day)
    return {**found.as_dict(), "text": hub.care.summaries.text(found, actor.member.language)}


@router.post("/api/care/away", responses=_errors(400, 403, 404))
async def away(body: AwayRequest, hub: HubDep, actor: ActorDep) -> dict[str, Any]:
    """A holiday: no inactivity alerts for the member until the end of ``until`` (null: back)."""
    _member(hub, body.member)
    end = hub.care.away(actor, body.member, body.until)
    return {"member": body.member, "away_until": hub.household.iso(end)}


async def _reporter(request: Request, hub: HubDep) -> tuple[Actor, str | None]:
    """The caller of the events route: a wearable's device token (bound to one member), or a member."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and hub.care.tokens.looks_like(credentials.strip()):
        owner = hub.care.tokens.member_of(credentials.strip())
        if owner is None or owner not in hub.home.members:
            raise HTTPException(401, "That device token is not valid (revoked or unknown).")
        request.state.language = hub.home.members[owner].language
        return hub.actor(owner, channel="device"), owner
    return await current_actor(request), None


@router.post(
    "/api/care/events", status_code=201, response_model=EventResponse, responses=_errors(400, 403, 404)
)
async def event(body: EventRequest, request: Request, hub: HubDep) -> Any:
    """An event from a wearable that speaks HTTP (or a member): the same path as MQTT's.

    A device token may report only about its own member (403 otherwise).
    """
    actor, device_member = await _reporter(request, hub)
    _member(hub, body.member)
    if device_member is not None and body.member != device_member:
        raise HTTPException(403, f"This device token reports about {device_member} only.")
    if body.kind not in EVENT_KINDS:  # the schema already says so; kept for the type checker
        raise HTTPException(400, f"unknown kind {body.kind}")
    source = "device" if device_member is not None else "api"
    opened = await hub.care.report(actor, body.member, body.kind, body.value, source=source)
    return {"incident": hub.care.describe(opened) if opened is not None else None}
