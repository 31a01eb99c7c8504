"""A client for any OpenAI-compatible chat-completions server with tool calling.

llama.cpp's server, Ollama, vLLM and the cloud services all speak the same two calls
(``GET /models``, ``POST /chat/completions``), so plain httpx is enough: the official
``openai`` client would bring a dozen packages for the same two requests. Everything the
server sends back is untrusted: a reply that is not the expected JSON is an
:class:`EndpointError`, never an exception from deep inside a parser.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx

from homemind.core.model import LlmSettings

# A reply larger than this is not a chat turn: refuse it before parsing.
MAX_REPLY_BYTES = 1_000_000


class EndpointError(RuntimeError):
    """The endpoint could not be used: down, slow, refused us, or answered something else.

    ``kind`` is one of ``unreachable``, ``timeout``, ``refused`` (an HTTP error status),
    ``garbage`` (not an OpenAI-shaped answer) and ``no_key``.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text as the model wrote it; parsed (and refused) by the tools


@dataclass(frozen=True)
class ModelTurn:
    """One answer of the model: text, tool calls, or both."""

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_tokens: int | None = None  # as the server counted them, when it says

    def message(self) -> dict[str, Any]:
        """The assistant message to send back with the tool results, in the server's own format."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


class Endpoint:
    """One configured endpoint; a request never outlives the seconds it is given."""

    def __init__(self, settings: LlmSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._client = client

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key_env:
            key = os.environ.get(self.settings.api_key_env)
            if not key:
                raise EndpointError("no_key", f"${self.settings.api_key_env} is not set")
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def client(self) -> httpx.AsyncClient:
        """A client for the requests of one turn (one connection, reused); close it after."""
        return httpx.AsyncClient(trust_env=False, verify=_tls())

    async def _request(
        self,
        method: str,
        path: str,
        seconds: float,
        body: Any = None,
        client: httpx.AsyncClient | None = None,
    ) -> Any:
        if seconds <= 0:
            raise EndpointError("timeout", "no time left")
        url = f"{self.settings.base_url}{path}"
        headers = self._headers()
        client = client or self._client
        try:
            # The whole exchange, not each read, must end in time: a server trickling bytes is slow too.
            if client is not None:
                exchange = self._exchange(client, method, url, body, headers, seconds)
                status, content = await asyncio.wait_for(exchange, seconds)
            else:
                async with self.client() as own:
                    exchange = self._exchange(own, method, url, body, headers, seconds)
                    status, content = await asyncio.wait_for(exchange, seconds)
        except (TimeoutError, httpx.TimeoutException):
            raise EndpointError("timeout", f"no answer from {url} within {seconds:.1f} s") from None
        except httpx.HTTPError as exc:
            raise EndpointError("unreachable", f"{url}: {type(exc).__name__}: {exc}") from None
        text = content.decode("utf-8", "replace")
        if status >= 400:
            raise EndpointError("refused", f"{url} answered HTTP {status}: {text[:200]}")
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise EndpointError("garbage", f"{url} did not answer JSON: {text[:120]!r}") from None

    @staticmethod
    async def _exchange(
        client: httpx.AsyncClient,
        method: str,
        url: str,
        body: Any,
        headers: dict[str, str],
        seconds: float,
    ) -> tuple[int, bytes]:
        async with client.stream(method, url, json=body, headers=headers, timeout=seconds) as response:
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > MAX_REPLY_BYTES:
                    raise EndpointError("garbage", f"{url} answered more than {MAX_REPLY_BYTES} bytes")
            return response.status_code, bytes(content)

    async def models(self, seconds: float) -> list[str]:
        """The model names the server offers (``GET /models``)."""
        answer = await self._request("GET", "/models", seconds)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise EndpointError("garbage", "GET /models has no data list")
        return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]

    async def chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        seconds: float,
        client: httpx.AsyncClient | None = None,
    ) -> ModelTurn:
        """One chat completion with the tools offered; deterministic (temperature 0)."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": 0,
            "stream": False,
        }
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        return parse_turn(await self._request("POST", "/chat/completions", seconds, body, client))


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every request: building one costs tens of milliseconds each time."""
    return httpx.create_ssl_context()


def parse_turn(answer: Any) -> ModelTurn:
    """An OpenAI chat completion -> a ModelTurn; anything else is an EndpointError("garbage")."""
    try:
        message = answer["choices"][0]["message"]
        content = message.get("content") or ""
        if not isinstance(content, str):
            raise TypeError("content is not text")
        calls = []
        for i, raw in enumerate(message.get("tool_calls") or []):
            function = raw["function"]
            arguments = function.get("arguments", "{}")
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments)  # some servers send an object, not its JSON text
            calls.append(ToolCall(str(raw.get("id") or f"call_{i}"), str(function["name"]), arguments))
        usage = answer.get("usage") or {}
        tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
        return ModelTurn(content, calls, tokens if isinstance(tokens, int) else None)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise EndpointError("garbage", f"not a chat completion ({type(exc).__name__}: {exc})") from None
