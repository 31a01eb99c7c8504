"""Request limits: how big a body may be, and how long a client may take to send its request.

An attack on a running hub sent four 80 MB login bodies, unauthenticated, and the hub
grew from 312 MB to 557 MB and kept it. Two guards stop that kind of thing:

- :class:`BodyLimit`, an ASGI middleware, refuses a body over the limit (64 KiB of JSON)
  with 413 before anything reads or parses it: at once when ``Content-Length`` says so,
  else as soon as the bytes received pass it. The voice endpoint keeps its own audio
  limit the same way, in the member's language.
  Starlette has a body limit of its own, but it answers in plain text without saying the
  limit; every other error here is JSON with a ``detail``, and so is this one.
- :class:`GuardedH11Protocol`, uvicorn's h11 connection with deadlines uvicorn lacks: the
  request line and headers must arrive within ``HEADER_SECONDS`` of the connection (or of
  its first byte, on a kept-alive connection), and a body may not pause for more than
  ``BODY_IDLE_SECONDS`` between chunks. uvicorn's own ``timeout_keep_alive`` only covers
  the time *between* requests, so without these a client trickling a byte at a time holds
  a connection for ever (slowloris). ``h11_max_incomplete_event_size`` bounds the headers'
  size.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Any

import h11
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

JSON_BODY_BYTES = 64 * 1024
HEADER_SECONDS = 10.0
BODY_IDLE_SECONDS = 15.0
KEEP_ALIVE_SECONDS = 5
MAX_HEADER_BYTES = 16 * 1024
MAX_CONNECTIONS = 200  # then 503: an event stream per open dashboard is far fewer


def too_large(limit: int) -> str:
    return f"The request body is larger than this endpoint takes ({limit} bytes)."


class BodyLimit:
    """Refuse request bodies over the limit of their path (``limits``) or ``default``.

    A path whose limit is None keeps its own (the voice endpoint: it streams the audio,
    stops at its limit, and says so in the member's language).
    """

    def __init__(
        self, app: ASGIApp, default: int = JSON_BODY_BYTES, limits: dict[str, int | None] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)  # nothing of the body is read
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException, so FastAPI's body parsing passes it on untouched
                    # and the app's own handler answers 413 in JSON.
                    raise HTTPException(413, too_large(limit))
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _refuse(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large(limit)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    # Connection: close, since the rest of the body may still be on its way.
    await send(
        {"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]}
    )
    await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the headers and a limit on idle body time."""

    header_seconds = HEADER_SECONDS
    body_idle_seconds = BODY_IDLE_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._guard: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm(self.header_seconds)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm(self.body_idle_seconds)  # every chunk restarts it: pauses are bounded
        elif state is h11.IDLE:
            if self._guard is None:  # the next request on a kept-alive connection has begun
                self._arm(self.header_seconds)
        else:
            self._disarm()  # the whole request is in: the answer may take as long as it takes

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._guard = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None

    def _too_slow(self) -> None:
        self._guard = None
        if not self.transport.is_closing():
            self.logger.info("closing a connection that was too slow to send its request")
            self.transport.close()


def server_options() -> dict[str, Any]:
    """uvicorn settings for `homemind serve` beside the protocol class."""
    return {
        "http": GuardedH11Protocol,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "limit_concurrency": MAX_CONNECTIONS,
        # X-Forwarded-* are read by the app itself, and only from the proxies it trusts.
        "proxy_headers": False,
    }


def host_names(host: str) -> list[str]:
    """The Host header values a server bound to ``host`` answers (besides loopback's).

    The same check on every address: a page cannot reach the hub through DNS rebinding
    (its Host is the attacker's name), whether it listens on loopback or the LAN. Off
    loopback that is the bound address and this machine's names and addresses; a name
    the machine cannot know (a reverse proxy's) is added with ``serve --allowed-host``.
    """
    names = {host} if host not in ("0.0.0.0", "::", "") else set()
    hostname = socket.gethostname()
    names |= {hostname, f"{hostname}.local", socket.getfqdn()}
    with contextlib.suppress(OSError):
        names |= {str(info[4][0]) for info in socket.getaddrinfo(hostname, None)}
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only asks for the outgoing address
        names.add(str(probe.getsockname()[0]))
    return sorted({f"[{n}]" for n in names if ":" in n} | {n for n in names if n})
