"""Security headers for the API docs (``/docs``, its assets) and every other answer.

The dashboard has its strict Content-Security-Policy (``channels/web``); the docs page
that FastAPI writes needs one inline script (it starts Swagger UI), so its policy allows
exactly that script by its SHA-256 and nothing else inline: no foreign code, no frames
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, so no page can overlay it to
trick a click). The hashes are taken from the page as it is sent, so a FastAPI upgrade
that changes the script cannot silently break the docs or loosen the policy.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_DOCS_PAGES = ("/docs", "/docs/oauth2-redirect")
_POLICY = (
    "default-src 'self'; script-src 'self'{scripts}; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_ALWAYS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def policy(page: bytes = b"") -> str:
    """The policy for a page: its own inline scripts by hash, nothing else inline."""
    hashes = [
        base64.b64encode(hashlib.sha256(script).digest()).decode() for script in _INLINE_SCRIPT.findall(page)
    ]
    return _POLICY.format(scripts="".join(f" 'sha256-{h}'" for h in hashes))


class SecurityHeaders:
    """Adds a CSP and the frame policy to every response that has none of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in _DOCS_PAGES:
            await self._page(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _add(message.get("headers", []), policy())
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _page(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) docs page until it is complete, to hash its inline script."""
        start: Message = {}
        body = b""

        async def held(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = message
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": _add(headers, policy(body))})
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, held)


def _add(headers: list[tuple[bytes, bytes]], csp: str) -> list[tuple[bytes, bytes]]:
    have = {name.lower() for name, _ in headers}
    extra = [(b"content-security-policy", csp.encode())] if b"content-security-policy" not in have else []
    return [*headers, *extra, *((k, v) for k, v in _ALWAYS if k not in have)]
