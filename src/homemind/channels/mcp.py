"""The MCP server: the hub's tools and read-only resources for outside assistants.

Built on the official ``mcp`` SDK's low-level server, because what is offered depends
on who asks: every request authenticates with a member's API token
(``homemind member token``), the member's role limits the tools and the entities, a
read-only token gets only the read-only tools, and an expired or revoked token is
refused on its next request. Tools are those of the model tier (``llm/tools.py``): each
call runs as that member with ``Actor.generated`` set (channel ``mcp``), so the
executor's rules hold and an unlock or disarm can only be held, never confirmed from
outside: the person gives their PIN to the hub itself. Every call is audited.

Two transports: ``homemind mcp`` speaks stdio (the token in ``$HOMEMIND_TOKEN``), and
``homemind serve`` answers streamable HTTP at ``/mcp`` (``Authorization: Bearer``),
stateless, so no session outlives the request that authenticated it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from homemind import __version__
from homemind.core.model import Member
from homemind.llm.catalog import TOOLS
from homemind.llm.tools import ToolResult, audit_read
from homemind.policy import Actor

if TYPE_CHECKING:
    from homemind.app import Hub

TOKEN_ENV = "HOMEMIND_TOKEN"
_TOKEN = "homemind.token"  # the request's token, kept in its ASGI scope for the handlers


class Refused(Exception):
    """The caller's token does not let it in (any more)."""


@dataclass(frozen=True)
class Caller:
    """Who an MCP request acts as, on which hub."""

    hub: Hub
    member: Member
    read_only: bool

    def actor(self, tool: str | None = None) -> Actor:
        intent = TOOLS[tool].intent if tool in TOOLS else None
        return Actor(self.member, "mcp", generated=True, intent=intent)


def caller_for(hub: Hub, token: str) -> Caller:
    """The member a token acts as; checked on every request, so revoking or expiry takes effect."""
    grant = hub.auth.token_grant(token)
    if grant is None or grant.member not in hub.home.members:
        raise Refused("that token is not valid (revoked, expired or unknown)")
    return Caller(hub, hub.home.members[grant.member], grant.read_only)


def build_server(caller_of: Callable[[ServerRequestContext[Any, Any]], Caller]) -> Server[Any]:
    """The MCP server; ``caller_of`` says who each request is (from its transport)."""

    def who(ctx: ServerRequestContext[Any, Any]) -> Caller:
        """The caller, on a hub that has caught up with what other processes committed."""
        try:
            caller = caller_of(ctx)
        except Refused as exc:
            raise MCPError(code=-32001, message=str(exc)) from None
        caller.hub.sync_from_store()
        return caller

    async def list_tools(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListToolsResult:
        caller = who(ctx)
        tools = caller.hub.tools
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=tool.name,
                    description=tool.description,
                    input_schema=tools.schema(tool),
                    annotations=types.ToolAnnotations(
                        read_only_hint=not tool.writes, destructive_hint=tool.writes
                    ),
                )
                for tool in tools.available(caller.member, read_only=caller.read_only, questions=True)
            ]
        )

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        caller = who(ctx)
        actor = caller.actor(params.name)
        # A tool the member was not offered (a child's unlock) still goes to the executor,
        # which refuses it and audits the refusal, exactly as for a spoken command.
        arguments = params.arguments or {}
        result = await caller.hub.tools.call(
            params.name, arguments, actor, caller.member.language, read_only=caller.read_only
        )
        if result.reply is not None and result.reply.pending is not None:
            result.data["note"] = f"held: only {caller.member.id} can confirm it, on the hub itself"
        _audit(caller, actor, params.name, result, arguments)
        return _result(result)

    async def list_resources(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListResourcesResult:
        who(ctx)
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    name="areas", uri="homemind://areas", mime_type="application/json", description="rooms"
                ),
                types.Resource(
                    name="entities",
                    uri="homemind://entities",
                    mime_type="application/json",
                    description="the devices and sensors this member may use, with their state",
                ),
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        caller = who(ctx)
        hub = caller.hub
        if params.uri == "homemind://areas":
            data: Any = [{"id": a.id, "name": dict(a.names.name)} for a in hub.home.areas.values()]
        elif params.uri == "homemind://entities":
            data = hub.tools.entities(caller.member, caller.member.language)
        else:
            raise MCPError(code=-32002, message=f"no resource {params.uri}")
        audit_read(hub.store, caller.actor(), "mcp.read", params.uri, hub.executor.clock())
        text = json.dumps(data, ensure_ascii=False)
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=params.uri, mime_type="application/json", text=text)]
        )

    return Server(
        "homemind",
        version=__version__,
        instructions=(
            "A household hub: find devices with find_entities, then act on their entity_ids;"
            " search_documents gives the household's documents' passages, with citations."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def _audit(caller: Caller, actor: Actor, name: str, result: ToolResult, arguments: dict[str, Any]) -> None:
    """The executor audits every device action; every other call gets one entry here."""
    if result.reply is not None and result.reply.actions:
        return
    target = arguments.get("name") or arguments.get("area") or arguments.get("query") or ""
    outcome = "error" if "error" in result.data else "ok"
    if outcome == "error" and "may only read" in str(result.data["error"]):
        outcome = "refused"
    hub = caller.hub
    audit_read(hub.store, actor, name, str(target)[:200], hub.executor.clock(), outcome)


def _result(result: ToolResult) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=result.content())],
        structured_content=result.data,
        is_error="error" in result.data,
    )


# --- transports ---------------------------------------------------------------------------


async def serve_stdio(hub: Hub, token: str) -> None:
    """``homemind mcp``: one client on stdin/stdout, as the token's member."""
    from mcp.server.stdio import stdio_server

    caller_for(hub, token)  # a bad token stops here, before the client is told anything
    server = build_server(lambda ctx: caller_for(hub, token))
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


class HttpEndpoint:
    """``/mcp`` on the HTTP server: streamable HTTP, a member's token on every request."""

    def __init__(self) -> None:
        self.server = build_server(self._caller)
        self.manager = StreamableHTTPSessionManager(app=self.server, stateless=True, json_response=True)

    def run(self) -> AbstractAsyncContextManager[None]:
        """The session manager's task group: entered by the HTTP server's lifespan."""
        return self.manager.run()

    @staticmethod
    def _caller(ctx: ServerRequestContext[Any, Any]) -> Caller:
        request = ctx.request
        if not isinstance(request, Request) or _TOKEN not in request.scope:
            raise Refused("no token")
        return caller_for(request.app.state.hub, request.scope[_TOKEN])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        hub: Hub = request.app.state.hub
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        grant = hub.auth.token_grant(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant.member not in hub.home.members:
            response = JSONResponse(
                {"detail": "Send a member's API token: Authorization: Bearer hm_..."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        scope = {**scope, _TOKEN: token.strip()}
        await self.manager.handle_request(scope, receive, send)


def stdio_token() -> str | None:
    import os

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(
            f"homemind: set ${TOKEN_ENV} to a member's API token (homemind member token MEMBER)",
            file=sys.stderr,
        )
        return None
    return token
