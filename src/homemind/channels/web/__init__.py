"""The dashboard: static files shipped inside the package, served at ``/``.

The dashboard is one more client of the HTTP API (``static/api.js`` is its only door
to the hub), so nothing here knows about devices or members: it serves files and
the headers that keep them safe. No build step: the browser loads the ES modules in
``static/`` as they are, with Preact and htm vendored as pinned files (see
``static/vendor/README.md``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
PREFIX = "/ui"

# Everything the page needs comes from the hub itself: no inline script, no CDN, no frames.
# The hub is on loopback, but a page that cannot load foreign code cannot leak the home either.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # Served files change with the installed version, never under a running page's feet for long.
    (b"cache-control", b"no-cache"),
]


class _Hardened:
    """Adds the dashboard's security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def router() -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/")
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={k.decode(): v.decode() for k, v in _HEADERS})

    return routes


def mount(app: FastAPI) -> None:
    """Serve the dashboard at ``/`` and its files under ``/ui``; the API docs stay at ``/docs``."""
    app.include_router(router())
    app.mount(PREFIX, _Hardened(StaticFiles(directory=STATIC)), name="dashboard")
