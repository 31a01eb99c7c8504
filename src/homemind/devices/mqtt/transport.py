"""TCP settings that keep a command's round trip in milliseconds, not tens of them.

A command is a small message someone is waiting on, and two TCP defaults conspire
against it: Nagle's algorithm holds a small segment back while an earlier one is
unacknowledged, and the receiving kernel delays its acknowledgement by up to 40 ms.
With mosquitto's defaults (no ``set_tcp_nodelay``) the broker's PUBACK for a
command is followed by the device's state message, which then waits for the
PUBACK's delayed acknowledgement (and at start-up every round of "subscribe, take
the retained messages" waits the same way). So the hub and the simulator turn
Nagle off on their own sockets and ask for a quick acknowledgement after each
message they receive and each publish acknowledged. Both are plain socket
options; where one is missing, nothing changes.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

import aiomqtt

NO_DELAY = ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


def ack_now(client: aiomqtt.Client) -> None:
    """Acknowledge at once what the broker has sent (Linux TCP_QUICKACK; elsewhere a no-op)."""
    if _QUICKACK is None:
        return
    paho = getattr(client, "_client", None)  # aiomqtt 2.5 keeps its paho client here
    sock = paho.socket() if paho is not None else None
    if isinstance(sock, socket.socket):
        with suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)


class Client(aiomqtt.Client):
    """aiomqtt's client without Nagle, acknowledging at once after each acknowledged call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("socket_options", NO_DELAY)
        super().__init__(*args, **kwargs)

    async def publish(self, *args: Any, **kwargs: Any) -> None:
        await super().publish(*args, **kwargs)
        ack_now(self)

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        granted = await super().subscribe(*args, **kwargs)
        ack_now(self)
        return granted

    def _on_socket_register_write(self, client: Any, userdata: Any, sock: Any) -> None:
        """aiomqtt's, minus a race: paho asks (maybe from another thread) to watch the socket
        for writing, and by the time the loop gets to it a broker that went away has closed
        it; registering the dead descriptor then raises EBADF inside the event loop."""
        fileno = sock.fileno()

        def write() -> None:
            try:
                client.loop_write()
            except Exception as exc:  # a broken pipe: the connection is gone, as in aiomqtt
                if not self._disconnected.done():
                    self._disconnected.set_exception(exc)

        def register() -> None:
            if fileno < 0 or sock.fileno() != fileno:
                return  # closed since paho asked
            with suppress(OSError, ValueError):
                self._loop.add_writer(fileno, write)

        self._loop.call_soon_threadsafe(register)


async def cancel(tasks: Iterable[asyncio.Task[Any]], *, tries: int = 120, interval: float = 0.25) -> bool:
    """Cancel tasks until they end (True), or give up after ``tries`` rounds (False).

    Once is not enough: on Python 3.11 a cancellation that arrives just as an awaited
    PUBACK or SUBACK does is swallowed by ``asyncio.wait_for`` inside the client, and
    the task carries on as if nothing had happened. Thirty seconds in all: on a busy box
    a task left running would touch its socket after the event loop has closed.
    """
    pending = {t for t in tasks if not t.done()}
    for _ in range(tries):
        if not pending:
            return True
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=interval)
    return not pending
