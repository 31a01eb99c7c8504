"""The HTTP API: conversation, entities, services, and a live stream of state changes.

Every request is made by some member (:func:`current_actor`). Until the
members-and-permissions work adds tokens, that member is the home's owner and
the server only binds to loopback, so "whoever can reach the port" is "whoever
is logged in on this machine", the same people who can read the data dir.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from homemind import __version__
from homemind.app import Hub
from homemind.core.events import STATE_CHANGED, Event
from homemind.core.model import EntityState
from homemind.policy import Actor, Result

_STREAM_QUEUE = 1000


class ConversationRequest(BaseModel):
    text: str = Field(max_length=100_000, description="What the member said or typed.")
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


class EntityInfo(BaseModel):
    entity_id: str
    domain: str
    name: dict[str, str]
    area: str | None
    state: str
    attributes: dict[str, Any]
    last_changed: str
    last_updated: str


class ServiceCallRequest(BaseModel):
    entity_id: str = Field(max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)
    confirm: bool = Field(
        default=False,
        description="The caller has asked the member to confirm a sensitive action (unlock, disarm).",
    )


class ServiceCallResponse(BaseModel):
    entity_id: str
    service: str
    result: str
    state: EntityInfo


class ErrorResponse(BaseModel):
    detail: str
    result: str | None = None


_SYNC_SECONDS = 0.25


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    hub.sync_from_store()  # act on what the CLI may have changed a moment ago
    return hub


def current_actor(request: Request) -> Actor:
    """The member making this request; token authentication plugs in here."""
    return _hub(request).actor(None, channel="api")


HubDep = Annotated[Hub, Depends(_hub)]
ActorDep = Annotated[Actor, Depends(current_actor)]


def _entity_info(hub: Hub, state: EntityState) -> EntityInfo:
    entity = hub.home.entities[state.entity_id]
    return EntityInfo(
        entity_id=state.entity_id,
        domain=entity.domain.value,
        name=dict(entity.names.name),
        area=entity.area,
        state=state.state,
        attributes=state.attributes,
        last_changed=state.last_changed,
        last_updated=state.last_updated,
    )


def create_app(directory: Path) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = Hub.open(directory)
        hub.warm_up()
        await hub.start()
        app.state.hub = hub

        async def follow_store() -> None:
            while True:
                await asyncio.sleep(_SYNC_SECONDS)
                hub.sync_from_store()

        follower = asyncio.create_task(follow_store())
        try:
            yield
        finally:
            follower.cancel()
            await hub.stop()

    # FastAPIOffline serves the /docs assets from the package: no CDN, as befits a local hub.
    app = FastAPIOffline(
        title="homemind",
        version=__version__,
        description="A local-first household AI hub.",
        lifespan=lifespan,
    )

    # Loopback alone does not stop a web page from reaching us through DNS rebinding;
    # refusing foreign Host headers does.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["localhost", "127.0.0.1", "[::1]", "::1"])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # Not echoing the input: it may be 100 kB, or hold bytes that are not valid UTF-8.
        errors = [{k: v for k, v in error.items() if k not in ("input", "ctx")} for error in exc.errors()]
        body = json.dumps({"detail": jsonable_encoder(errors)}, ensure_ascii=True)
        return Response(body, status_code=422, media_type="application/json")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        # The dashboard arrives with the web issue; until then the API docs are the front page.
        return RedirectResponse("/docs")

    @app.get("/api/health")
    async def health(hub: HubDep) -> dict[str, Any]:
        return {"status": "ok", "home": hub.home.name, "entities": len(hub.home.entities)}

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

        from homemind.voice.audio import MAX_BYTES, VoiceError, read_wav
        from homemind.voice.service import Voice

        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BYTES:
                error = VoiceError("voice.too_big", size=f"> {MAX_BYTES}", limit=MAX_BYTES)
                return JSONResponse({"detail": error.message(actor.member.language)}, status_code=413)
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
        return [_entity_info(hub, s) for _, s in sorted(hub.states.all().items())]

    @app.get(
        "/api/entities/{entity_id}",
        response_model=EntityInfo,
        responses={404: {"model": ErrorResponse}},
    )
    async def entity(entity_id: str, hub: HubDep, actor: ActorDep) -> EntityInfo:
        if entity_id not in hub.home.entities:
            raise HTTPException(404, f"There is no device called {entity_id}.")
        return _entity_info(hub, hub.states.get(entity_id))

    @app.post(
        "/api/services/{service}",
        response_model=ServiceCallResponse,
        responses={
            400: {"model": ErrorResponse},
            403: {"model": ErrorResponse},
            404: {"model": ErrorResponse},
            409: {"model": ErrorResponse},
        },
    )
    async def call_service(service: str, body: ServiceCallRequest, hub: HubDep, actor: ActorDep) -> Any:
        outcome = await hub.executor.execute(
            actor, body.entity_id, service, body.data, confirmed=body.confirm
        )
        language = actor.member.language
        if outcome.result is Result.OK and outcome.state is not None:
            return ServiceCallResponse(
                entity_id=body.entity_id,
                service=service,
                result=outcome.result.value,
                state=_entity_info(hub, outcome.state),
            )
        if outcome.result is Result.NEEDS_CONFIRMATION:
            detail = f"{service} on {body.entity_id} needs confirmation: send it again with confirm=true."
            return JSONResponse({"detail": detail, "result": outcome.result.value}, status_code=409)
        detail = outcome.error.message(language) if outcome.error else "failed"
        key = outcome.error.key if outcome.error else ""
        status = 403 if outcome.result is Result.REFUSED else 400
        if key in ("error.unknown_entity", "error.unknown_service"):
            status = 404
        return JSONResponse({"detail": detail, "result": outcome.result.value}, status_code=status)

    @app.get("/api/events")
    async def events(request: Request, hub: HubDep, actor: ActorDep) -> EventSourceResponse:
        """Server-sent events: one ``state_changed`` event per change, as it happens."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=_STREAM_QUEUE)

        def listener(event: Event) -> None:
            if queue.full():  # a client that stopped reading loses the oldest, not the hub
                queue.get_nowait()
            queue.put_nowait(event)

        unsubscribe = hub.bus.subscribe(listener, STATE_CHANGED)

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

    return app
