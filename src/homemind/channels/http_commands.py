"""Every HTTP request is one command for the store: one commit, before the answer starts.

A request writes in several places (the token's last use, the handler's own
writes, the executor's state and audit); they join one transaction, which is
committed just before the response's first bytes go out, so a client is never
told of something a crash could still undo, and pays one commit for it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CommandPerRequest:
    """Pure ASGI middleware (no per-request task or body copying, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hub = getattr(scope["app"].state, "hub", None) if scope["type"] == "http" else None
        if hub is None:
            await self.app(scope, receive, send)
            return
        store = hub.store

        async def send_committed(message: Message) -> None:
            if message["type"] == "http.response.start":
                store.commit()
            await send(message)

        with store.command():
            await self.app(scope, receive, send_committed)
