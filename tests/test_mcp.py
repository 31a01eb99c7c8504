"""The MCP server, driven by the official SDK's own client over stdio and streamable HTTP.

`homemind mcp` runs as a real process (stdio) and `homemind serve` as a real server
(HTTP at /mcp); each connection is a member's API token, and what the member may do is
what the token may do: the tools listed, the entities shown, what is refused, and the
audit entries with channel `mcp`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from conftest import Server
from homemind.app import Hub

Session = Callable[[Client], Awaitable[Any]]


def _tokens(data_dir: Path, **specs: dict[str, Any]) -> dict[str, str]:
    """Issue tokens (name -> issue_token keyword arguments, with ``member``) before the hub serves."""
    hub = Hub.open(data_dir)
    try:
        out = {}
        for name, spec in specs.items():
            spec = dict(spec)
            member = spec.pop("member")
            out[name] = hub.auth.issue_token(member, name, **spec).text
        return out
    finally:
        hub.store.close()


def _stdio(data_dir: Path, token: str | None) -> StdioServerParameters:
    env = {"HOMEMIND_DATA": str(data_dir), "PYTHONIOENCODING": "utf-8"}
    if token is not None:
        env["HOMEMIND_TOKEN"] = token
    return StdioServerParameters(command=sys.executable, args=["-m", "homemind", "mcp"], env=env)


def _run(server: Any, session: Session) -> Any:
    async def go() -> Any:
        async with Client(server, read_timeout_seconds=30) as client:
            return await session(client)

    return asyncio.run(go())


def _http(url: str, token: str) -> Any:
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return streamable_http_client(f"{url}/mcp", http_client=client)


def _data(result: Any) -> dict[str, Any]:
    return json.loads(result.content[0].text)


def _state(data_dir: Path, entity_id: str) -> str:
    hub = Hub.open(data_dir)
    try:
        return hub.states.get(entity_id).state
    finally:
        hub.store.close()


def _audit(data_dir: Path) -> list[dict[str, Any]]:
    hub = Hub.open(data_dir)
    try:
        return list(reversed(hub.store.actions(None)))
    finally:
        hub.store.close()


async def _tour(client: Client) -> dict[str, Any]:
    """What one member sees and gets: tools, the entities resource, a call, an unlock."""
    tools = await client.list_tools()
    entities = await client.read_resource("homemind://entities")
    found = await client.call_tool("find_entities", {"query": "kitchen light"})
    switched = await client.call_tool("turn_on", {"entity_id": "light.kitchen"})
    unlock = await client.call_tool("unlock", {"entity_id": "lock.front_door"})
    return {
        "tools": {t.name: t for t in tools.tools},
        "entities": [e["entity_id"] for e in json.loads(entities.contents[0].text)],
        "found": _data(found),
        "switched": _data(switched),
        "unlock": _data(unlock),
    }


def test_stdio_acts_as_the_tokens_member(data_dir: Path) -> None:
    tokens = _tokens(data_dir, adult={"member": "bo"}, child={"member": "lily"})
    bo = _run(_stdio(data_dir, tokens["adult"]), _tour)
    assert {"find_entities", "get_state", "turn_on", "unlock", "read_list", "add_to_list"} <= set(bo["tools"])
    assert bo["tools"]["get_state"].annotations.read_only_hint is True
    assert bo["tools"]["unlock"].input_schema["properties"] == {"entity_id": {"type": "string"}}
    assert next(iter(bo["found"])) == "light.kitchen"
    assert bo["switched"]["status"] == "done" and _state(data_dir, "light.kitchen") == "on"
    # An unlock is held for bo's own PIN, which cannot be given over MCP: nothing opens.
    assert bo["unlock"]["status"] == "needs_confirmation" and "on the hub itself" in bo["unlock"]["note"]
    assert _state(data_dir, "lock.front_door") == "locked"

    lily = _run(_stdio(data_dir, tokens["child"]), _tour)
    assert "unlock" not in lily["tools"] and "lock" in lily["tools"]
    assert lily["unlock"]["status"] == "refused"  # not offered, and refused by the executor too
    assert _state(data_dir, "lock.front_door") == "locked"

    entries = _audit(data_dir)
    mcp = [e for e in entries if e["channel"].startswith("mcp")]
    assert {e["channel"] for e in mcp} == {"mcp:generated"}
    by = {(e["member"], e["service"], e["result"]) for e in mcp}
    assert ("bo", "turn_on", "ok") in by and ("bo", "unlock", "needs_confirmation") in by
    assert ("lily", "unlock", "refused") in by
    # Reads are audited too: the entities resource and find_entities.
    assert ("bo", "mcp.read", "ok") in by and ("lily", "find_entities", "ok") in by
    denied = next(e for e in mcp if e["member"] == "lily" and e["service"] == "unlock")
    assert denied["decision"] == "deny" and denied["intent"] == "HomemindUnlock"


def test_a_guest_sees_only_the_shared_rooms(data_dir: Path) -> None:
    tokens = _tokens(data_dir, guest={"member": "guest"})

    async def session(client: Client) -> Any:
        tools = await client.list_tools()
        entities = await client.read_resource("homemind://entities")
        listed = await client.call_tool("add_to_list", {"item": "beer"})
        bedroom = await client.call_tool("turn_on", {"entity_id": "light.bedroom"})
        return (
            {t.name for t in tools.tools},
            json.loads(entities.contents[0].text),
            _data(listed),
            _data(bedroom),
        )

    tools, entities, listed, bedroom = _run(_stdio(data_dir, tokens["guest"]), session)
    assert not tools & {"unlock", "lock", "arm_alarm", "add_to_list", "read_list", "set_temperature"}
    assert {"turn_on", "set_light", "start_timer"} <= tools  # lights, and a timer of her own
    assert {e["area"] for e in entities} <= {"living_room", "kitchen", "bathroom", "entrance", "balcony"}
    assert "light.bedroom" not in {e["entity_id"] for e in entities}
    assert listed["error"] == "guest may not use lists (add)"
    assert bedroom["status"] == "refused" and _state(data_dir, "light.bedroom") == "off"


def test_stdio_refuses_a_missing_or_revoked_token(data_dir: Path, tmp_path: Path) -> None:
    tokens = _tokens(data_dir, old={"member": "bo"})
    hub = Hub.open(data_dir)
    hub.store.revoke_token(tokens["old"].split("_")[1], 0)
    hub.store.close()
    env = {**os.environ, "HOMEMIND_DATA": str(data_dir)}
    env.pop("HOMEMIND_TOKEN", None)
    import subprocess

    missing = subprocess.run(
        [sys.executable, "-m", "homemind", "mcp"], env=env, capture_output=True, timeout=60
    )
    assert missing.returncode == 2 and b"HOMEMIND_TOKEN" in missing.stderr
    revoked = subprocess.run(
        [sys.executable, "-m", "homemind", "mcp"],
        env={**env, "HOMEMIND_TOKEN": tokens["old"]},
        capture_output=True,
        timeout=60,
    )
    assert revoked.returncode == 2 and b"not valid" in revoked.stderr
    assert revoked.stdout == b""  # nothing on the protocol stream


def test_http_at_mcp_on_the_server(data_dir: Path) -> None:
    tokens = _tokens(
        data_dir,
        full={"member": "alice"},
        reader={"member": "alice", "read_only": True},
        child={"member": "lily"},
        gone={"member": "alice", "expires_at": 1.0},
    )
    server = Server(data_dir)
    try:
        alice = _run(_http(server.url, tokens["full"]), _tour)
        assert alice["switched"]["status"] == "done"
        assert "unlock" in alice["tools"] and "alarm_control_panel.home_security" in alice["entities"]

        async def reader(client: Client) -> Any:
            tools = await client.list_tools()
            state = await client.call_tool("get_state", {"entity_id": "light.kitchen"})
            change = await client.call_tool("turn_off", {"entity_id": "light.kitchen"})
            return {t.name for t in tools.tools}, _data(state), change

        tools, state, change = _run(_http(server.url, tokens["reader"]), reader)
        assert tools == {"find_entities", "get_state", "get_temperature", "read_list", "timer_status",
                         "list_reminders", "list_events"}  # fmt: skip
        assert state["said"] == "The Kitchen Light is on."
        assert change.is_error and "may only read" in _data(change)["error"]

        async def child(client: Client) -> Any:
            return _data(
                await client.call_tool("disarm_alarm", {"entity_id": "alarm_control_panel.home_security"})
            )

        assert _run(_http(server.url, tokens["child"]), child)["status"] == "refused"
        # Without a token, with an expired one: 401 before any MCP message is read.
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        for headers in (
            {},
            {"Authorization": f"Bearer {tokens['gone']}"},
            {"Authorization": "Bearer hm_x_y"},
        ):
            refused = httpx.post(f"{server.url}/mcp", json=body, headers=headers, timeout=30)
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        # The read-only token on the REST API: reads yes, changes no.
        api = {"Authorization": f"Bearer {tokens['reader']}"}
        assert httpx.get(f"{server.url}/api/entities", headers=api, timeout=30).status_code == 200
        assert (
            httpx.post(
                f"{server.url}/api/services/turn_off", json={"entity_id": "light.kitchen"}, headers=api
            ).status_code
            == 403
        )
    finally:
        server.stop()
    assert _state(data_dir, "light.kitchen") == "on"
    entries = [e for e in _audit(data_dir) if e["channel"].startswith("mcp")]
    assert ("alice", "turn_off", "refused") in {(e["member"], e["service"], e["result"]) for e in entries}
    assert ("lily", "alarm_disarm", "refused") in {(e["member"], e["service"], e["result"]) for e in entries}


@pytest.mark.parametrize("flag", [["--read-only"], ["--expires", "0.5"]])
def test_member_token_scopes_from_the_cli(data_dir: Path, flag: list[str]) -> None:
    from conftest import run_cli

    issued = run_cli(data_dir, "member", "token", "bo", "--name", "claude", *flag)
    assert issued.returncode == 0
    listed = run_cli(data_dir, "member", "token", "--list").stdout.decode()
    assert ("read-only" in listed) == (flag == ["--read-only"]) and "claude" in listed
    bad = run_cli(data_dir, "member", "token", "bo", "--expires", "-1")
    assert bad.returncode == 2 and b"a number of days" in bad.stderr


def test_documents_search_over_mcp_reads_what_the_member_may(data_dir: Path, tmp_path: Path) -> None:
    """search_documents is the library's search as the token's member: Bo's private note is his."""
    hub = Hub.open(data_dir)
    try:
        library = hub.documents.get(create=True) if hub.documents else None
        assert library is not None
        note = tmp_path / "checkup.md"
        note.write_text("# Bo's health check\n\n## Results\n\nCholesterol is a little high.\n", "utf-8")
        manual = tmp_path / "manual.md"
        manual.write_text(
            "# Washing machine manual\n\n## Filter\n\nClean the drain filter monthly.\n", "utf-8"
        )
        library.add(note, hub.home.members["bo"], private=True)
        library.add(manual, hub.home.members["alice"])
    finally:
        hub.store.close()
        if hub.documents:
            hub.documents.close()
    tokens = _tokens(data_dir, bo={"member": "bo", "read_only": True}, guest={"member": "guest"})

    async def search(client: Client) -> Any:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        found = await client.call_tool("search_documents", {"query": "cholesterol", "k": 5})
        return tools, _data(found)

    server = Server(data_dir)
    try:
        bo_tools, bo_found = _run(_http(server.url, tokens["bo"]), search)
        guest_tools, guest_found = _run(_http(server.url, tokens["guest"]), search)
    finally:
        server.stop()
    assert bo_tools["search_documents"].annotations.read_only_hint is True  # a read-only token gets it
    assert bo_tools["search_documents"].input_schema["required"] == ["query"]
    assert bo_found["passages"][0]["title"] == "Bo's health check"
    assert bo_found["passages"][0]["citation"] == "《Bo's health check》“Results”"  # in Bo's language
    assert "search_documents" in guest_tools
    assert [p["title"] for p in guest_found["passages"]] == ["Washing machine manual"]
    assert "holesterol" not in json.dumps(guest_found)
    searched = {(e["member"], e["service"], e["entity_id"], e["result"]) for e in _audit(data_dir)}
    assert {
        ("bo", "search_documents", "cholesterol", "ok"),
        ("guest", "search_documents", "cholesterol", "ok"),
    } <= searched
