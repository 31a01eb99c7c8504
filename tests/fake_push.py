"""A local stand-in for an ntfy server and a webhook receiver: real HTTP on a real socket.

Push services outside the home cannot run in the tests, so this one plays their part:
it takes ntfy's JSON publishing (``POST /`` with ``{"topic", "message", ...}``) and
any webhook ``POST``, records what arrived, and can be told to fail the next N
requests (HTTP 500) to show that the hub retries and reports.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakePush:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.failures = 0  # answer the next N requests with HTTP 500
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with owner._lock:
                    failing = owner.failures > 0
                    if failing:
                        owner.failures -= 1
                    else:
                        owner.received.append(
                            {
                                "path": self.path,
                                "json": json.loads(body or b"null"),
                                "authorization": self.headers.get("authorization"),
                                "at": time.monotonic(),
                                "wall": time.time(),
                            }
                        )
                self.send_response(500 if failing else 200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "x"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def messages(self, topic: str | None = None) -> list[dict[str, Any]]:
        """What arrived (an ntfy topic's messages, or everything), as parsed JSON bodies."""
        with self._lock:
            return [r["json"] for r in self.received if topic is None or r["json"].get("topic") == topic]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
