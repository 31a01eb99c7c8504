"""Request limits: bodies over the limit are refused before parsing, slow clients are cut off,
and the OpenAPI schema says the limits the handlers keep.

The 413s are checked on a real server over a raw socket: the body is announced and never
sent, so an answer at all proves nothing waited to read it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from conftest import Server, free_port
from homemind.channels.http import create_app
from homemind.channels.limits import JSON_BODY_BYTES, GuardedH11Protocol, server_options
from homemind.conversation.pipeline import MAX_TEXT_CHARS
from homemind.household import MAX_ITEM_CHARS
from homemind.voice.audio import MAX_BYTES as MAX_AUDIO_BYTES


def _announce(url: str, path: str, length: int, extra: str = "") -> bytes:
    """Send only the headers of a POST whose body would be ``length`` bytes; return the answer."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n"
        )
        sock.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_oversized_bodies_get_413_before_anything_reads_them(server: Server) -> None:
    # Unauthenticated: the login is where an attacker with nothing starts.
    answer = _announce(server.url, "/api/login", 80 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"detail"' in answer and str(JSON_BODY_BYTES).encode() in answer
    assert _announce(server.url, "/api/conversation", JSON_BODY_BYTES + 1).startswith(b"HTTP/1.1 413")
    assert _announce(server.url, "/api/voice", MAX_AUDIO_BYTES + 1).startswith(b"HTTP/1.1 413")

    # A body without a length (chunked) is refused as soon as it passes the limit; the rest
    # is discarded as it arrives, never kept.
    def chunks() -> Iterator[bytes]:
        for _ in range(200):  # 12.5 MB
            yield b" " * 65536

    chunked = httpx.post(f"{server.url}/api/login", content=chunks(), timeout=60)
    assert chunked.status_code == 413 and str(JSON_BODY_BYTES) in chunked.json()["detail"]
    # Within the limits everything works as before.
    within = httpx.post(f"{server.url}/api/login", json={"member": "bo", "password": "x" * 900}, timeout=30)
    assert within.status_code == 401


@pytest.fixture
def tiny_server() -> Iterator[str]:
    """uvicorn with the hub's guarded protocol and short deadlines, in this process."""

    class Quick(GuardedH11Protocol):
        header_seconds = 0.5
        body_idle_seconds = 0.5

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body") or message["type"] == "http.disconnect":
                break
        answer = b"got %d" % len(body)
        headers = [(b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    port = free_port()
    options = {**server_options(), "http": Quick}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _closed_by_server(address: str, sent: bytes) -> bool:
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(sent)
        try:
            return sock.recv(1024) == b""  # closed without an answer
        except TimeoutError:
            return False  # still open after 20 s: nobody cut it off


def test_slow_headers_and_stalled_bodies_are_cut_off(tiny_server: str) -> None:
    assert _closed_by_server(tiny_server, b"")  # connects, says nothing
    assert _closed_by_server(tiny_server, b"GET / HTTP/1.1\r\nHost: x\r\n")  # headers never end
    stalled = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"a" * 10
    assert _closed_by_server(tiny_server, stalled)
    # A request that arrives in time is answered, and the connection is kept alive for the next.
    host, port = tiny_server.split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        for _ in range(2):
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            answer = b""
            while not answer.endswith(b"got 5"):
                chunk = sock.recv(1024)
                assert chunk, answer
                answer += chunk
            time.sleep(0.3)  # a pause shorter than the deadlines: the connection stays


def test_serve_uses_the_guarded_protocol() -> None:
    options = server_options()
    assert options["http"] is GuardedH11Protocol and options["proxy_headers"] is False
    assert options["h11_max_incomplete_event_size"] <= 16 * 1024


def test_the_schema_says_the_limits_the_handlers_keep(data_dir: Path) -> None:
    with TestClient(create_app(data_dir), base_url="http://localhost") as client:
        schema = client.get("/openapi.json").json()
    models = schema["components"]["schemas"]
    assert models["ListItemRequest"]["properties"]["item"]["maxLength"] == MAX_ITEM_CHARS
    assert models["ConversationRequest"]["properties"]["text"]["maxLength"] == MAX_TEXT_CHARS
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
            if path not in ("/api/health", "/api/login"):
                assert "401" in operation["responses"], (method, path)


def test_a_list_item_the_schema_allows_is_one_the_hub_takes(data_dir: Path) -> None:
    with TestClient(create_app(data_dir), base_url="http://localhost") as client:
        longest = client.post("/api/lists/shopping/items", json={"item": "x" * MAX_ITEM_CHARS})
        assert longest.status_code == 201
        over = client.post("/api/lists/shopping/items", json={"item": "x" * (MAX_ITEM_CHARS + 1)})
        assert over.status_code == 422  # refused by the schema's own limit, as documented


@pytest.mark.parametrize("path", ["/", "/docs", "/openapi.json", "/ui/app.js", "/api/health"])
def test_the_same_host_check_everywhere(data_dir: Path, path: str) -> None:
    names = ["vm.local", "192.168.1.20"]
    with TestClient(create_app(data_dir, allowed_hosts=names), base_url="http://localhost") as client:
        for host in ("localhost", "127.0.0.1", *names):
            assert client.get(path, headers={"Host": host}).status_code == 200, host
        assert client.get(path, headers={"Host": "rebound.example"}).status_code == 400
