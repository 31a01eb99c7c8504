"""TCP settings that keep a command's round trip in milliseconds, not tens of them.

A command is a small message someone is waiting on, and two TCP defaults conspire
against it: Nagle's algorithm holds a small segment back while an earlier one is
unacknowledged, and the receiving kernel delays its acknowledgement by up to 40 ms.
With mosquitto's defaults (no ``set_tcp_nodelay``) the broker's PUBACK for a
command is followed by the device's state message, which then waits for the
PUBACK's delayed acknowledgement. So the hub (and the simulator) turn Nagle off
on their own sockets and ask for a quick acknowledgement once a publish is
acknowledged. Both are plain socket options; where one is missing, nothing changes.
"""

from __future__ import annotations

import socket
from contextlib import suppress

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
