"""How `homemind serve` listens: answers leave at once (no Nagle), and the server answers while
the model is still loading."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx

from conftest import Server, free_port
from homemind.channels.cli import _listen


def test_connections_to_the_server_send_at_once() -> None:
    """A keep-alive answer written in two parts must not wait for the client's delayed ACK."""
    sock = _listen("127.0.0.1", free_port())
    seen: list[int] = []

    async def main() -> None:
        def accepted() -> asyncio.Protocol:
            class Probe(asyncio.Protocol):
                def connection_made(self, transport: asyncio.BaseTransport) -> None:
                    raw = transport.get_extra_info("socket")
                    seen.append(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                    transport.close()

            return Probe()

        server = await asyncio.get_running_loop().create_server(accepted, sock=sock)
        reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        await reader.read()
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    assert seen and seen[0] != 0


def test_the_server_answers_while_its_model_loads(data_dir: Path) -> None:
    """Templates are warm when it starts answering; the learned tier joins when its model is in."""
    server = Server(data_dir)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as api:
            done = api.post("/api/conversation", json={"text": "turn on the kettle"}).json()
            learned = api.post("/api/conversation", json={"text": "it's way too dark in the kitchen"}).json()
    finally:
        server.stop()
    assert done["status"] == "done" and done["intent"]["tier"] == "template"
    assert learned["status"] == "done" and learned["intent"]["tier"] == "learned"
