"""The HTTP API: conversation, entities, services, confirmations, audit, login, live events.

Every request is made by some member (:func:`current_actor`): the holder of an
API token (``Authorization: Bearer hm_...``), or of a web session cookie from
``POST /api/login`` (then every unsafe method needs the session's CSRF token in
``X-CSRF-Token``). Once any token or password exists, a request with neither is
refused (401). Before that, on a loopback-only server, requests act as the
home's owner, the same people who can read the data dir; ``homemind serve``
refuses any other address until authentication is configured.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from homemind import __version__
from homemind.app import Hub
from homemind.channels import web
from homemind.channels.docs import SecurityHeaders
from homemind.channels.http_commands import CommandPerRequest
from homemind.channels.limits import JSON_BODY_BYTES, BodyLimit
from homemind.conversation.pipeline import MAX_TEXT_CHARS
from homemind.core.events import STATE_CHANGED, Event
from homemind.core.model import EntityState
from homemind.core.services import CODE_FORMAT
from homemind.household import HOUSEHOLD_CHANGED, NOTIFICATION, HouseholdError
from homemind.policy import ActionOutcome, Actor, Result
from homemind.skills.acting import CONFIRMATION_SECONDS
from homemind.voice.audio import MAX_BYTES as MAX_AUDIO_BYTES

_STREAM_QUEUE = 1000


class ConversationRequest(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS, description="What the member said or typed.")
    language: Literal["en", "zh"] | None = Field(default=None, description="Default: detected.")
    conversation_id: str | None = Field(
        default=None, max_length=64, description="Continue a conversation (confirmations)."
    )


class IntentInfo(BaseModel):
    name: str
    slots: dict[str, Any]
    tier: str
    confidence: float


class ActionInfo(BaseModel):
    entity_id: str
    service: str
    data: dict[str, Any]
    result: str
    error: str | None = None


class ConversationResponse(BaseModel):
    status: Literal["done", "answered", "needs_confirmation", "refused", "not_understood", "error"]
    response: str
    language: str
    conversation_id: str
    intent: IntentInfo | None
    actions: list[ActionInfo]
    needs_code: bool = Field(
        default=False, description="With needs_confirmation: the answer must be the device's code."
    )
    sources: list[dict[str, Any]] = Field(
        default_factory=list,
        description="An answer from documents: title, section, text, source, score each.",
    )
    question: dict[str, Any] | None = Field(
        default=None,
        description='A question the reply asks ("which one?"): {"kind", "choices": [{"id", "label"}]}; '
        "the next turn in this conversation is read as its answer.",
    )


class EntityInfo(BaseModel):
    entity_id: str
    domain: str
    name: dict[str, str]
    area: str | None
    features: list[str] = Field(description="What the device can do beyond on/off (brightness, color...).")
    code_format: str | None = Field(
        default=None, description="Set when the unsafe direction needs a code (Home Assistant's name)."
    )
    state: str
    attributes: dict[str, Any]
    last_changed: str
    last_updated: str


class AreaInfo(BaseModel):
    id: str
    name: dict[str, str]


class MemberInfo(BaseModel):
    id: str
    name: dict[str, str]
    role: str
    language: str
    channel: str = Field(description="How this request came: api (a token), web (a session).")
    csrf_token: str | None = Field(
        default=None,
        description="With a web session: the token to send as X-CSRF-Token (the page reloads and keeps it).",
    )


class MemberSummary(BaseModel):
    id: str
    name: dict[str, str]
    role: str
    language: str
    owner: bool
    credentials: list[str] = Field(description="Which secrets are set: password, pin.")


class ServiceCallRequest(BaseModel):
    entity_id: str = Field(max_length=200)
    data: dict[str, Any] = Field(
        default_factory=dict, description="Service data; a code here is ignored: PINs go to /confirmations."
    )


class ConfirmRequest(BaseModel):
    pin: str | None = Field(
        default=None, max_length=16, description="The member's PIN (or the device's code) when asked for one."
    )


class HeldResponse(BaseModel):
    detail: str
    result: Literal["needs_confirmation"]
    confirmation_id: str
    needs: Literal["pin", "yes"]
    expires_in: float


class LoginRequest(BaseModel):
    member: str = Field(max_length=64)
    password: str = Field(max_length=1000)


class LoginResponse(BaseModel):
    member: str
    csrf_token: str


class ThrottledResponse(BaseModel):
    detail: str
    retry_after: int = Field(description="Seconds to wait (also the Retry-After header).")


class AuditEntry(BaseModel):
    id: int
    time: str
    member: str
    channel: str
    conversation_id: str | None
    text: str | None
    intent: str | None
    entity_id: str
    service: str
    data: dict[str, Any]
    action_class: str | None
    decision: str | None
    result: str
    detail: str | None


class ServiceCallResponse(BaseModel):
    entity_id: str
    service: str
    result: str
    state: EntityInfo


class ErrorResponse(BaseModel):
    detail: str
    result: str | None = None


_SYNC_SECONDS = 0.25


def _sync_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    hub.sync_from_store()  # act on what the CLI may have changed a moment ago
    return hub


# The dependencies are coroutines on purpose: FastAPI runs a plain ``def`` dependency in a
# thread pool, and the hub's one SQLite connection must not be used from a thread while
# the event loop is inside a transaction on it (concurrent requests got 500s that way).
async def _hub(request: Request) -> Hub:
    return _sync_hub(request)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for error answers, which all share one body."""
    return {code: {"model": ErrorResponse} for code in codes}


_HELD: dict[str, Any] = {"model": HeldResponse, "description": "Held: confirm at /api/confirmations/{id}."}
SESSION_COOKIE = "homemind_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unauthorized(detail: str = "Log in, or send an API token (Authorization: Bearer ...).") -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def current_actor(request: Request) -> Actor:
    """The member making this request: a token, a session (with its CSRF token), or the owner.

    Their language is kept on the request, so an error raised further down (a household
    refusal) is answered in it.
    """
    actor = _identify(request)
    request.state.language = actor.member.language
    return actor


def _identify(request: Request) -> Actor:
    hub = _sync_hub(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise _unauthorized("Use Authorization: Bearer <token>.")
        grant = hub.auth.token_grant(credentials.strip())
        if grant is None or grant.member not in hub.home.members:
            raise _unauthorized("That token is not valid (revoked, expired or unknown).")
        if grant.read_only and request.method not in _SAFE_METHODS:
            raise HTTPException(403, "This token is read-only.")
        return hub.actor(grant.member, channel="api")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        session = hub.auth.session(cookie)
        if session is None or session[0] not in hub.home.members:
            raise _unauthorized("The session has ended; log in again.")
        member, csrf = session
        if request.method not in _SAFE_METHODS and not hmac.compare_digest(
            request.headers.get("x-csrf-token", ""), csrf
        ):
            raise HTTPException(403, "Missing or wrong X-CSRF-Token for this session.")
        return hub.actor(member, channel="web")
    if request.app.state.require_auth or hub.store.has_authentication():
        raise _unauthorized()
    return hub.actor(None, channel="api")


def _admin(actor: Actor) -> None:
    if actor.member.role.value != "admin":
        raise HTTPException(
            403, f"Only an admin may do this; {actor.member.id} is {actor.member.role.value}."
        )


HubDep = Annotated[Hub, Depends(_hub)]
ActorDep = Annotated[Actor, Depends(current_actor)]


def _entity_info(hub: Hub, state: EntityState) -> EntityInfo:
    entity = hub.home.entities[state.entity_id]
    return EntityInfo(
        entity_id=state.entity_id,
        domain=entity.domain.value,
        name=dict(entity.names.name),
        area=entity.area,
        features=sorted(entity.features),
        code_format=CODE_FORMAT if entity.secrets.get("code") else None,
        state=state.state,
        attributes=state.attributes,
        last_changed=state.last_changed,
        last_updated=state.last_updated,
    )


def create_app(
    directory: Path,
    *,
    require_auth: bool = False,
    allowed_hosts: list[str] | None = None,
    trusted_proxies: list[str] | None = None,
) -> FastAPI:
    """The API app; ``require_auth`` refuses anonymous requests even before any token exists.

    ``allowed_hosts`` are the Host names it answers besides loopback's; ``trusted_proxies``
    the addresses whose X-Forwarded-For and X-Forwarded-Proto it believes (a reverse proxy
    terminating https): nobody's by default, so no client can claim another address.
    """
    from homemind.channels import outdoors_api  # imports this module's dependencies, so not at the top
    from homemind.channels.mcp import HttpEndpoint

    mcp_endpoint = HttpEndpoint()  # /mcp: outside assistants, each request with a member's token

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = Hub.open(directory)
        hub.warm_up(blocking=False)  # the templates now; the model below, while already serving
        await hub.start()
        app.state.hub = hub
        warming = asyncio.create_task(asyncio.to_thread(hub.warm_up_networks))

        async def follow_store() -> None:
            while True:
                await asyncio.sleep(_SYNC_SECONDS)
                hub.sync_from_store()

        follower = asyncio.create_task(follow_store())
        hub.automations.listen()
        hub.care.listen()
        scheduler = asyncio.create_task(hub.scheduler.run())  # timers, alarms, reminders, time triggers
        outdoors = asyncio.create_task(outdoors_api.run(hub))  # forecast, warning feeds, energy
        care = asyncio.create_task(hub.care.run())  # countdowns, rounds, inactivity, medicine
        try:
            async with mcp_endpoint.run():
                yield
        finally:
            care.cancel()
            outdoors.cancel()  # and awaited: energy is flushed before the store closes
            await asyncio.gather(outdoors, return_exceptions=True)
            scheduler.cancel()
            follower.cancel()
            await warming  # a model half loaded in a thread cannot be stopped: let it finish
            await hub.stop()

    # FastAPIOffline serves the /docs assets from the package: no CDN, as befits a local hub.
    # (No /redoc: one set of docs is enough, and ReDoc wants inline styles and workers.)
    app = FastAPIOffline(
        title="homemind",
        version=__version__,
        description="A local-first household AI hub.",
        lifespan=lifespan,
        redoc_url=None,
    )
    app.state.require_auth = require_auth

    # Innermost first: every answer gets a CSP and the frame policy (the docs too), ...
    app.add_middleware(SecurityHeaders)
    # ... and a body over its limit is refused before anything reads it.
    # The voice endpoint and the documents upload stream their bodies and keep their own limits.
    app.add_middleware(
        BodyLimit, default=JSON_BODY_BYTES, limits={"/api/voice": None, "/api/documents": None}
    )
    # Loopback alone does not stop a web page from reaching us through DNS rebinding;
    # refusing foreign Host headers does.
    hosts = ["localhost", "127.0.0.1", "[::1]", "::1", *(allowed_hosts or [])]
    app.add_middleware(CommandPerRequest)  # one commit per request, before the answer
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    if trusted_proxies:  # outermost: the client's address and scheme are set before anything
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # Not echoing the input: it may be 100 kB, or hold bytes that are not valid UTF-8.
        errors = [{k: v for k, v in error.items() if k not in ("input", "ctx")} for error in exc.errors()]
        body = json.dumps({"detail": jsonable_encoder(errors)}, ensure_ascii=True)
        return Response(body, status_code=422, media_type="application/json")

    @app.exception_handler(HouseholdError)
    async def household_error(request: Request, exc: HouseholdError) -> Response:
        """Refused, not found, invalid, conflict: the status, and why in the caller's language."""
        language = getattr(request.state, "language", "en")
        return JSONResponse({"detail": exc.message(language)}, status_code=exc.http_status)

    web.mount(app)  # the dashboard at /, a client of this API like any other
    app.router.routes.append(Route("/mcp", endpoint=mcp_endpoint, include_in_schema=False))
    from homemind.channels.docs_http import router as documents

    app.include_router(documents)  # /api/documents: the household's library
    from homemind.channels import session

    app.include_router(session.router())

    @app.get("/api/health")
    async def health(hub: HubDep) -> dict[str, Any]:
        return {"status": "ok", "home": hub.home.name, "entities": len(hub.home.entities)}

    @app.get("/api/me", response_model=MemberInfo, responses={401: {"model": ErrorResponse}})
    async def me(request: Request, hub: HubDep, actor: ActorDep) -> MemberInfo:
        """Who the server takes the caller to be: the dashboard follows their language (and role).

        A web session also gets its CSRF token back, so a reloaded page (the cookie is
        HttpOnly) can keep changing things; another site cannot read this answer.
        """
        member = actor.member
        csrf = None
        if actor.channel == "web":
            session = hub.auth.session(request.cookies.get(SESSION_COOKIE, ""))
            csrf = session[1] if session else None
        return MemberInfo(
            id=member.id,
            name=dict(member.names.name),
            role=member.role.value,
            language=member.language,
            channel=actor.channel,
            csrf_token=csrf,
        )

    @app.get("/api/members", response_model=list[MemberSummary], responses=_errors(401, 403))
    async def members(hub: HubDep, actor: ActorDep) -> list[MemberSummary]:
        """Every member, role and which secrets are set (admins only), as `homemind member list`."""
        _admin(actor)
        return [
            MemberSummary(
                id=m.id,
                name=dict(m.names.name),
                role=m.role.value,
                language=m.language,
                owner=m.id == hub.home.owner,
                credentials=hub.store.credential_kinds(m.id),
            )
            for m in hub.home.members.values()
        ]

    @app.get("/api/areas", response_model=list[AreaInfo])
    async def areas(hub: HubDep, actor: ActorDep) -> list[AreaInfo]:
        """The home's areas in the home file's order, named in every language."""
        return [AreaInfo(id=a.id, name=dict(a.names.name)) for a in hub.home.areas.values()]

    @app.post("/api/conversation", response_model=ConversationResponse)
    async def conversation(body: ConversationRequest, hub: HubDep, actor: ActorDep) -> dict[str, Any]:
        result = await hub.conversation.process(
            body.text, actor, language=body.language, conversation_id=body.conversation_id
        )
        return result.as_dict()

    voice_lock = asyncio.Lock()

    @app.post("/api/voice", responses={400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}})
    async def voice(
        request: Request,
        hub: HubDep,
        actor: ActorDep,
        conversation_id: str | None = None,
        reply_audio: bool = True,
    ) -> Any:
        """A spoken command as the WAV body: transcript, conversation result, reply as base64 WAV."""
        import base64

        from homemind.voice.audio import VoiceError, read_wav
        from homemind.voice.service import Voice

        # This route keeps its own limit (BodyLimit leaves it alone), so that the refusal is
        # said in the member's language: at once when Content-Length says so, else as soon
        # as the bytes pass it; nothing over the limit is kept.
        too_big = VoiceError("voice.too_big", size=f"> {MAX_AUDIO_BYTES}", limit=MAX_AUDIO_BYTES)
        refused = JSONResponse({"detail": too_big.message(actor.member.language)}, status_code=413)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_AUDIO_BYTES:
            return refused
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_AUDIO_BYTES:
                return refused
        try:
            audio = read_wav(bytes(body))
        except VoiceError as exc:
            return JSONResponse({"detail": exc.message(actor.member.language)}, status_code=400)
        async with voice_lock:  # one decoder: utterances take turns
            if getattr(app.state, "voice", None) is None:
                app.state.voice = await asyncio.to_thread(Voice.for_hub, hub)
            engine: Voice = app.state.voice
            outcome = await engine.listen(
                audio, replace(actor, channel="voice"), conversation_id=conversation_id, speak=False
            )
        out = outcome.as_dict()
        if reply_audio:
            spoken = await asyncio.to_thread(engine.say, outcome.result.response, outcome.result.language)
            out["reply_audio"] = base64.b64encode(spoken.wav()).decode("ascii")
        return out

    @app.get("/api/entities", response_model=list[EntityInfo])
    async def entities(hub: HubDep, actor: ActorDep) -> list[EntityInfo]:
        """Every entity the caller may see (a guest: the shared rooms, nothing of the home's security)."""
        return [_entity_info(hub, s) for s in hub.visible_states(actor)]

    @app.get(
        "/api/entities/{entity_id}",
        response_model=EntityInfo,
        responses={404: {"model": ErrorResponse}},
    )
    async def entity(entity_id: str, hub: HubDep, actor: ActorDep) -> EntityInfo:
        entity = hub.home.entities.get(entity_id)
        if entity is None or not hub.policy.sees(actor.member, entity):
            raise HTTPException(404, f"There is no device called {entity_id}.")
        return _entity_info(hub, hub.states.get(entity_id))

    @app.post(
        "/api/services/{service}",
        response_model=ServiceCallResponse,
        responses={**_errors(400, 401, 403, 404), 409: _HELD},
    )
    async def call_service(service: str, body: ServiceCallRequest, hub: HubDep, actor: ActorDep) -> Any:
        outcome = await hub.executor.execute(actor, body.entity_id, service, body.data)
        if outcome.result is Result.NEEDS_CONFIRMATION:
            return _hold(hub, actor, outcome)
        return _answer(hub, actor, outcome)

    @app.post(
        "/api/confirmations/{confirmation_id}",
        response_model=ServiceCallResponse,
        responses={**_errors(400, 401, 403, 404, 410), 409: _HELD},
    )
    async def confirm(confirmation_id: str, body: ConfirmRequest, hub: HubDep, actor: ActorDep) -> Any:
        """Confirm a held call: once, by the member it was held for, within its time."""
        taken = hub.store.take_pending(f"api:{confirmation_id}", actor.member.id)
        if taken is None:
            raise HTTPException(404, "No such confirmation waits for you (it may have been used).")
        payload, expires_at = taken
        if expires_at < hub.executor.clock():
            raise HTTPException(410, "That confirmation has expired; make the call again.")
        call = payload["calls"][0]
        held = Actor(actor.member, actor.channel, f"api:{confirmation_id}", generated=actor.generated)
        outcome = await hub.executor.execute(
            held, call["entity_id"], call["service"], call["data"], confirmed=True, pin=body.pin
        )
        if outcome.result is Result.NEEDS_CONFIRMATION:
            return _hold(hub, actor, outcome)  # a PIN was needed and not given: ask again
        return _answer(hub, actor, outcome)

    @app.get("/api/audit", response_model=list[AuditEntry], responses={401: {"model": ErrorResponse}})
    async def audit(
        hub: HubDep,
        actor: ActorDep,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        member: Annotated[str | None, Query(max_length=64)] = None,
        since: Annotated[str | None, Query(max_length=40, description="ISO time")] = None,
    ) -> list[dict[str, Any]]:
        """The audit log, newest first. Admins see everyone's; others only their own."""
        if actor.member.role.value != "admin":
            member = actor.member.id
        return hub.store.actions(limit, member=member, since=since)

    @app.get(
        "/api/audit/export",
        response_class=PlainTextResponse,
        responses={200: {"content": {"application/x-ndjson": {}}}, 401: {}, 403: {}},
    )
    async def audit_export(hub: HubDep, actor: ActorDep) -> Response:
        """Every audit entry, oldest first, one JSON object per line (admins only)."""
        _admin(actor)
        lines = [json.dumps(e, ensure_ascii=False) for e in reversed(hub.store.actions(None))]
        return Response("".join(line + "\n" for line in lines), media_type="application/x-ndjson")

    @app.get("/api/events")
    async def events(request: Request, hub: HubDep, actor: ActorDep) -> EventSourceResponse:
        """Server-sent events: one ``state_changed`` event per change, as it happens."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=_STREAM_QUEUE)

        def listener(event: Event) -> None:
            if not _may_stream(hub, actor, event):
                return
            if queue.full():  # a client that stopped reading loses the oldest, not the hub
                queue.get_nowait()
            queue.put_nowait(event)

        unsubscribers = [
            hub.bus.subscribe(listener, STATE_CHANGED),
            hub.bus.subscribe(listener, NOTIFICATION),
            hub.bus.subscribe(listener, HOUSEHOLD_CHANGED),
        ]

        def unsubscribe() -> None:
            for undo in unsubscribers:
                undo()

        async def stream() -> AsyncIterator[dict[str, str]]:
            try:
                yield {"event": "ready", "data": json.dumps({"entities": len(hub.home.entities)})}
                while True:
                    event = await queue.get()
                    yield {
                        "event": event.type,
                        "data": json.dumps(event.as_dict(), ensure_ascii=False),
                    }
            finally:
                unsubscribe()

        return EventSourceResponse(stream(), ping=15)

    from homemind.channels.http_household import router  # it imports this module's dependencies

    app.include_router(router)
    app.include_router(outdoors_api.router())  # weather, warnings, energy
    from homemind.channels.http_care import router as care_router

    app.include_router(care_router)
    _document_common_answers(app)
    return app


def _may_stream(hub: Hub, actor: Actor, event: Event) -> bool:
    """Whether ``actor`` may receive ``event``: a state they may see, a notification they may read."""
    if event.type == NOTIFICATION:
        return hub.household.may(actor, "notifications", "read", {"member": event.data.get("member")})
    if event.type == HOUSEHOLD_CHANGED:
        return True  # it names only the kind of data that changed, never the data
    entity = hub.home.entities.get(str(event.data.get("entity_id")))
    return entity is not None and hub.policy.sees(actor.member, entity)


def _document_common_answers(app: FastAPI) -> None:
    """Say in the schema what any route may answer besides its own codes.

    Every route that acts for a member answers 401 without one (and 403 to a session
    without its CSRF token on an unsafe method); every route with a body 413 when it is
    over the limit, before anything reads it.
    """
    from fastapi.routing import APIRoute

    def routes(candidates: list[Any]) -> list[APIRoute]:
        found = []
        for route in candidates:
            included = getattr(route, "original_router", None)  # an included APIRouter
            if included is not None:
                found += routes(included.routes)
            elif isinstance(route, APIRoute) and route.include_in_schema:
                found.append(route)
        return found

    for route in routes(app.routes):
        calls = {d.call for d in route.dependant.dependencies}
        if current_actor in calls:
            route.responses.setdefault(401, {"model": ErrorResponse})
            if (route.methods or set()) - _SAFE_METHODS:
                route.responses.setdefault(403, {"model": ErrorResponse})
        if route.body_field is not None or route.path == "/api/voice":
            route.responses.setdefault(413, {"model": ErrorResponse, "description": "The body is too large."})


def _hold(hub: Hub, actor: Actor, outcome: ActionOutcome) -> JSONResponse:
    """Keep a held call under a new confirmation id bound to this member; say how to confirm it."""
    confirmation_id = uuid.uuid4().hex
    payload = {
        "calls": [{"entity_id": outcome.entity_id, "service": outcome.service, "data": outcome.data}],
        "needs_code": outcome.needs == "pin",
        "done_key": "",
        "done_params": {},
    }
    expires_at = hub.executor.clock() + CONFIRMATION_SECONDS
    hub.store.put_pending(f"api:{confirmation_id}", actor.member.id, payload, expires_at)
    what = "the member's PIN" if outcome.needs == "pin" else "nothing more"
    detail = (
        f"{outcome.service} on {outcome.entity_id} is held: POST {what} to"
        f" /api/confirmations/{confirmation_id} within {CONFIRMATION_SECONDS:g} s."
    )
    body = HeldResponse(
        detail=detail,
        result="needs_confirmation",
        confirmation_id=confirmation_id,
        needs="pin" if outcome.needs == "pin" else "yes",
        expires_in=CONFIRMATION_SECONDS,
    )
    return JSONResponse(body.model_dump(), status_code=409)


def _answer(hub: Hub, actor: Actor, outcome: ActionOutcome) -> Any:
    if outcome.result is Result.OK and outcome.state is not None:
        return ServiceCallResponse(
            entity_id=outcome.entity_id,
            service=outcome.service,
            result=outcome.result.value,
            state=_entity_info(hub, outcome.state),
        )
    detail = outcome.error.message(actor.member.language) if outcome.error else "failed"
    key = outcome.error.key if outcome.error else ""
    status = 403 if outcome.result is Result.REFUSED or key.startswith("policy.") else 400
    if key in ("error.unknown_entity", "error.unknown_service"):
        status = 404
    return JSONResponse({"detail": detail, "result": outcome.result.value}, status_code=status)
