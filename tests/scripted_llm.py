"""A scripted OpenAI-compatible chat server: a real HTTP server on a loopback port.

No language model can run here, so the tests (and ``benchmarks/llm.py``) talk to this
stand-in over the same wire protocol a llama.cpp server, Ollama or vLLM speaks
(``GET /v1/models``, ``POST /v1/chat/completions``). Each request is answered by the
next queued step, or by ``default`` when none is queued: a tool call, text, a body that
is not JSON, a slow answer, or a function of the request (a model that obeys whatever it
reads, for the injection tests). Every request body is kept for the test to inspect.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Step:
    """One answer: an HTTP status, a body (bytes, sent as they are), after ``delay`` seconds."""

    body: bytes
    status: int = 200
    delay: float = 0.0


Script = Step | Callable[[dict[str, Any]], Step]


def _completion(message: dict[str, Any], prompt_tokens: int = 0) -> Step:
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 1, "total_tokens": prompt_tokens + 1},
    }
    return Step(json.dumps(body).encode())


def text(content: str) -> Step:
    return _completion({"role": "assistant", "content": content})


def tool_call(tool: str, /, **arguments: Any) -> Step:
    return tool_calls((tool, arguments))


def tool_calls(*calls: tuple[str, dict[str, Any]], call_id: str = "call") -> Step:
    return _completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"{call_id}_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
                for i, (name, args) in enumerate(calls)
            ],
        }
    )


def garbage() -> Step:
    return Step(b"<html>this is not the endpoint you are looking for", status=200)


def slow(seconds: float, then: Step | None = None) -> Step:
    base = then or text("too late")
    return Step(base.body, base.status, seconds)


class ScriptedLLM:
    """The server; ``url`` is its OpenAI base URL (``http://127.0.0.1:PORT/v1``)."""

    def __init__(self, default: Script | None = None, models: tuple[str, ...] = ("scripted",)) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: deque[Script] = deque()
        self.default = default or text("I don't know.")
        self.models = models
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/") != "/v1/models":
                    self._send(Step(b'{"error": "not found"}', 404))
                    return
                data = {"object": "list", "data": [{"id": m, "object": "model"} for m in server.models]}
                self._send(Step(json.dumps(data).encode()))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(request)
                    script = server.queue.popleft() if server.queue else server.default
                step = script(request) if callable(script) else script
                self._send(step)

            def _send(self, step: Step) -> None:
                if step.delay:
                    time.sleep(step.delay)
                try:
                    self.send_response(step.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(step.body)))
                    self.end_headers()
                    self.wfile.write(step.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the hub gave up waiting: that is what a slow step tests

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, *steps: Script) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self.queue.extend(steps)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def llm_section(url: str, timeout_s: float = 10, **extra: Any) -> str:
    """The home file's ``llm:`` section for a test hub."""
    lines = ["llm:", f"  base_url: {json.dumps(url)}", "  model: scripted", f"  timeout_s: {timeout_s}"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in extra.items()]
    return "\n" + "\n".join(lines) + "\n"


def said_to_model(request: dict[str, Any]) -> str:
    """Everything a request sent, as one text: to check what left the box."""
    return json.dumps(request, ensure_ascii=False)
