"""Authentication and permissions over HTTP: tokens, sessions with CSRF, the login limit, the role x
action matrix through the API, confirmations by id, and the audit API. The app runs in-process with
its real store and simulated home (Starlette's TestClient runs the lifespan)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from homemind.app import Hub
from homemind.channels.http import create_app
from homemind.policy import Actor
from test_members import EXPECTED, ROLES

MEMBERS = ("alice", "bo", "nainai", "lily", "guest")


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    hub = Hub.open(data_dir)
    try:
        return {m: hub.auth.issue_token(m, f"{m}'s test token").text for m in MEMBERS}
    finally:
        hub.store.close()


@pytest.fixture
def client(data_dir: Path, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(data_dir), base_url="http://localhost") as test_client:
        yield test_client


def _as(tokens: dict[str, str], member: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[member]}"}


def _hub(client: TestClient) -> Hub:
    hub: Hub = client.app.state.hub  # type: ignore[attr-defined]
    return hub


# (class, service, entity, data, state before (set by the owner), state after if done)
API_ACTIONS = [
    ("lights (shared room)", "turn_on", "light.living_room_ceiling", {}, ("turn_off", "off"), "on"),
    ("lights (private room)", "turn_on", "light.bedroom", {}, ("turn_off", "off"), "on"),
    ("media", "turn_on", "media_player.living_room_tv", {}, ("turn_off", "off"), "idle"),
    ("climate below 20", "set_temperature", "climate.bedroom_ac", {"temperature": 18}, None, None),
    ("water heater above 50", "set_temperature", "water_heater.bathroom", {"temperature": 60}, None, None),
    ("covers", "close_cover", "cover.bedroom_blinds", {}, ("open_cover", "open"), "closed"),
    ("appliances", "turn_on", "switch.kettle", {}, ("turn_off", "off"), "on"),
    ("secure", "lock", "lock.front_door", {}, ("unlock", "unlocked"), "locked"),
    ("unsecure", "unlock", "lock.front_door", {}, ("lock", "locked"), None),
]
STATUS = {"done": 200, "refused": 403, "needs_confirmation": 409}


@pytest.mark.parametrize("member", MEMBERS)
def test_role_action_matrix_api(client: TestClient, tokens: dict[str, str], member: str) -> None:
    column = list(ROLES).index(member)
    hub = _hub(client)
    owner = Actor(hub.home.members["alice"], "test", direct=True)
    for name, service, entity_id, data, before, after in API_ACTIONS:
        if before is not None:
            asyncio.run(hub.executor.execute(owner, entity_id, before[0]))
            assert hub.states.get(entity_id).state == before[1]
        expected = EXPECTED[name][column]
        snapshot = hub.state_dump()
        response = client.post(
            f"/api/services/{service}",
            json={"entity_id": entity_id, "data": data},
            headers=_as(tokens, member),
        )
        assert response.status_code == STATUS[expected], (member, name, response.text)
        assert (hub.state_dump() != snapshot) == (expected == "done"), (member, name)
        if after is not None and expected == "done":
            assert response.json()["state"]["state"] == after
        entry = hub.store.actions(1)[0]
        assert (entry["member"], entry["channel"], entry["service"]) == (member, "api", service)


def test_unauthenticated_and_bad_tokens(client: TestClient, tokens: dict[str, str]) -> None:
    for method, path in (
        ("GET", "/api/entities"),
        ("POST", "/api/conversation"),
        ("GET", "/api/audit"),
        ("GET", "/api/me"),
        ("GET", "/api/events"),
        ("GET", "/api/audit/export"),
        ("POST", "/api/confirmations/abc"),
        ("POST", "/api/logout"),
    ):
        response = client.request(method, path, json={"text": "turn on the kettle"})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
    for header in ("Bearer nonsense", "Bearer hm_abc_def", "Basic YWxpY2U6eA==", "Bearer "):
        assert client.get("/api/entities", headers={"Authorization": header}).status_code == 401, header
    # A real token's id with a wrong secret is refused too.
    token_id = tokens["alice"].split("_")[1]
    forged = f"hm_{token_id}_{'x' * 43}"
    assert client.get("/api/entities", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert _hub(client).states.get("switch.kettle").state == "off"
    me = client.get("/api/me", headers=_as(tokens, "lily")).json()
    assert (me["id"], me["role"], me["channel"]) == ("lily", "child", "api")


def test_token_revocation(client: TestClient, tokens: dict[str, str]) -> None:
    headers = _as(tokens, "bo")
    assert client.get("/api/entities", headers=headers).status_code == 200
    hub = _hub(client)
    token_id = tokens["bo"].split("_")[1]
    assert hub.store.revoke_token(token_id, hub.executor.clock())
    assert client.get("/api/entities", headers=headers).status_code == 401
    assert not hub.store.revoke_token(token_id, hub.executor.clock())  # once only
    # Tokens are stored hashed: the secret is nowhere in the database file.
    secret = tokens["bo"].split("_", 2)[2]
    assert secret.encode() not in hub.store.path.read_bytes()


def test_api_pin_confirmation(client: TestClient, tokens: dict[str, str]) -> None:
    hub = _hub(client)
    held = client.post(
        "/api/services/unlock", json={"entity_id": "lock.front_door"}, headers=_as(tokens, "bo")
    )
    assert held.status_code == 409 and held.json()["needs"] == "pin"
    cid = held.json()["confirmation_id"]
    # Another member cannot use Bo's confirmation, even with a right PIN of their own ...
    other = client.post(f"/api/confirmations/{cid}", json={"pin": "2580"}, headers=_as(tokens, "alice"))
    assert other.status_code == 404
    # ... a wrong PIN fails and uses the confirmation up ...
    wrong = client.post(f"/api/confirmations/{cid}", json={"pin": "1111"}, headers=_as(tokens, "bo"))
    assert wrong.status_code == 403 and hub.states.get("lock.front_door").state == "locked"
    assert (
        client.post(f"/api/confirmations/{cid}", json={"pin": "2580"}, headers=_as(tokens, "bo")).status_code
        == 404
    )
    # ... a fresh one with the right PIN works, once.
    cid = client.post(
        "/api/services/unlock", json={"entity_id": "lock.front_door"}, headers=_as(tokens, "bo")
    ).json()["confirmation_id"]
    done = client.post(f"/api/confirmations/{cid}", json={"pin": "2580"}, headers=_as(tokens, "bo"))
    assert done.status_code == 200 and done.json()["state"]["state"] == "unlocked"
    replay = client.post(f"/api/confirmations/{cid}", json={"pin": "2580"}, headers=_as(tokens, "bo"))
    assert replay.status_code == 404
    # Without a PIN, it is asked for again under a new id.
    cid = client.post(
        "/api/services/alarm_disarm",
        json={"entity_id": "alarm_control_panel.home_security"},
        headers=_as(tokens, "bo"),
    ).json()["confirmation_id"]
    again = client.post(f"/api/confirmations/{cid}", json={}, headers=_as(tokens, "bo"))
    assert again.status_code == 409 and again.json()["confirmation_id"] != cid


def test_api_confirmation_expires(client: TestClient, tokens: dict[str, str]) -> None:
    hub = _hub(client)
    now = [hub.executor.clock()]
    hub.executor.clock = lambda: now[0]
    cid = client.post(
        "/api/services/unlock", json={"entity_id": "lock.front_door"}, headers=_as(tokens, "bo")
    ).json()["confirmation_id"]
    now[0] += 31
    late = client.post(f"/api/confirmations/{cid}", json={"pin": "2580"}, headers=_as(tokens, "bo"))
    assert late.status_code == 410 and hub.states.get("lock.front_door").state == "locked"


def test_conversation_as_the_token_member(client: TestClient, tokens: dict[str, str]) -> None:
    reply = client.post(
        "/api/conversation", json={"text": "unlock the front door"}, headers=_as(tokens, "lily")
    ).json()
    assert reply["status"] == "refused" and "Lily" in reply["response"]
    prompt = client.post(
        "/api/conversation", json={"text": "unlock the front door"}, headers=_as(tokens, "nainai")
    ).json()
    assert prompt["status"] == "needs_confirmation"
    cid = prompt["conversation_id"]
    # Lily cannot answer Grandma's prompt, even knowing the PIN.
    stolen = client.post(
        "/api/conversation", json={"text": "2580", "conversation_id": cid}, headers=_as(tokens, "lily")
    ).json()
    assert stolen["status"] != "done"
    done = client.post(
        "/api/conversation", json={"text": "二五八零", "conversation_id": cid}, headers=_as(tokens, "nainai")
    ).json()
    assert done["status"] == "done" and _hub(client).states.get("lock.front_door").state == "unlocked"


def test_login_session_csrf_and_logout(client: TestClient, tokens: dict[str, str]) -> None:
    _hub(client).auth.set_password("bo", "correct horse battery")
    bad = client.post("/api/login", json={"member": "bo", "password": "wrong password"})
    assert bad.status_code == 401 and "homemind_session" not in bad.cookies
    login = client.post("/api/login", json={"member": "bo", "password": "correct horse battery"})
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    csrf = login.json()["csrf_token"]
    # Reading needs no CSRF token; the session is Bo's, over the web channel.
    me = client.get("/api/me").json()
    assert (me["id"], me["role"], me["channel"]) == ("bo", "adult", "web")
    assert me["csrf_token"] == csrf  # a reloaded page gets it back (the cookie is HttpOnly)
    assert client.get("/api/me", headers=_as(tokens, "bo")).json()["csrf_token"] is None
    # Changing anything without the CSRF token is refused, and nothing happens.
    forged = client.post("/api/services/turn_on", json={"entity_id": "switch.kettle"})
    assert forged.status_code == 403 and _hub(client).states.get("switch.kettle").state == "off"
    wrong = client.post(
        "/api/services/turn_on", json={"entity_id": "switch.kettle"}, headers={"X-CSRF-Token": "x" * 32}
    )
    assert wrong.status_code == 403
    ok = client.post(
        "/api/services/turn_on", json={"entity_id": "switch.kettle"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 200
    assert _hub(client).store.actions(1)[0]["channel"] == "web"
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    client.cookies.set("homemind_session", cookie.split(";")[0].split("=", 1)[1])
    assert client.get("/api/me").status_code == 401  # the old cookie is dead on the server too


def test_login_is_rate_limited(client: TestClient) -> None:
    hub = _hub(client)
    hub.auth.set_password("alice", "the right password")
    for _ in range(3):  # a few typos cost nothing ...
        assert client.post("/api/login", json={"member": "alice", "password": "guess"}).status_code == 401
    # ... then each failure makes the next try wait; even the right password waits, so a
    # guesser cannot tell which guess was right.
    limited = client.post("/api/login", json={"member": "alice", "password": "the right password"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert limited.json()["retry_after"] == int(limited.headers["retry-after"])
    now = [hub.executor.clock() + 2]
    hub.executor.clock = lambda: now[0]
    assert (
        client.post("/api/login", json={"member": "alice", "password": "the right password"}).status_code
        == 200
    )
    # Unknown members fail the same way (and count against the client).
    assert client.post("/api/login", json={"member": "mallory", "password": "x"}).status_code == 401


def test_audit_api(client: TestClient, tokens: dict[str, str]) -> None:
    client.post("/api/conversation", json={"text": "turn on the kettle"}, headers=_as(tokens, "bo"))
    client.post("/api/conversation", json={"text": "unlock the front door"}, headers=_as(tokens, "lily"))
    everyone = client.get("/api/audit", headers=_as(tokens, "alice")).json()
    assert {e["member"] for e in everyone} == {"bo", "lily"}
    refusal = next(e for e in everyone if e["member"] == "lily")
    assert refusal["text"] == "unlock the front door" and refusal["intent"] in (
        "HassTurnOff",
        "HomemindUnlock",
    )
    assert refusal["decision"] == "deny" and refusal["result"] == "refused" and refusal["channel"] == "api"
    # Non-admins see only their own entries, whatever they ask for.
    own = client.get("/api/audit", params={"member": "bo"}, headers=_as(tokens, "lily")).json()
    assert {e["member"] for e in own} == {"lily"}
    assert client.get("/api/audit/export", headers=_as(tokens, "lily")).status_code == 403
    export = client.get("/api/audit/export", headers=_as(tokens, "alice"))
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert [e["member"] for e in lines] == ["bo", "lily"]  # oldest first


def _say(client: TestClient, tokens: dict[str, str], member: str, text: str) -> None:
    reply = client.post("/api/conversation", json={"text": text}, headers=_as(tokens, member)).json()
    assert reply["status"] == "done", reply


def test_private_data_is_read_by_its_owner_and_admins_only(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """Reminders, calendar and notifications: a non-admin reads their own; asking for another's is 403."""
    _say(client, tokens, "nainai", "remind me to take my medicine in 5 minutes")
    _say(client, tokens, "bo", "remind me to call mum in 5 minutes")
    _say(client, tokens, "nainai", "add tea with friends tomorrow at 3pm to my calendar")
    _say(client, tokens, "bo", "add dentist tomorrow at 4pm to my calendar")
    hub = _hub(client)
    with hub.store.transaction() as db:  # due now: the scheduler fires a notification for each
        db.execute("UPDATE reminders SET next_fire = ?", (hub.executor.clock() - 1,))
    asyncio.run(_hub(client).scheduler.tick())
    _say(client, tokens, "nainai", "remind me to water the plants tomorrow at 8 am")

    def get(path: str, caller: str, **params: str) -> tuple[int, str]:
        response = client.get(path, params=params, headers=_as(tokens, caller))
        return response.status_code, response.text

    # Bo (an adult) reads his own, never grandma's; Alice (admin) reads anyone's.
    status, text = get("/api/notifications", "bo")
    assert status == 200 and "call mum" in text and "medicine" not in text
    assert get("/api/notifications", "bo", member="nainai")[0] == 403
    assert get("/api/notifications", "lily", member="bo")[0] == 403
    assert get("/api/notifications", "bo", member="nobody")[0] == 404
    status, text = get("/api/notifications", "alice", member="nainai")
    assert status == 200 and "medicine" in text and "call mum" not in text
    status, text = get("/api/calendar.ics", "bo")
    assert status == 200 and "dentist" in text and "tea with friends" not in text
    assert get("/api/calendar.ics", "bo", member="nainai")[0] == 403
    assert get("/api/calendar.ics", "nainai", member="nainai")[0] == 200
    status, text = get("/api/calendar.ics", "alice")
    assert "dentist" in text and "tea with friends" in text
    # The dashboard's household view: the same rule for reminders and events.
    household = client.get("/api/household", headers=_as(tokens, "bo")).json()
    assert {e["member"] for e in household["events"]} == {"bo"}
    assert all(r["member"] == "bo" for r in household["reminders"])
    everyone = client.get("/api/household", headers=_as(tokens, "alice")).json()
    assert {e["member"] for e in everyone["events"]} == {"bo", "nainai"}
    assert any(r["member"] == "nainai" for r in everyone["reminders"])
    # Deleting a reminder: only its owner (or an admin); to anyone else it does not exist.
    plants = next(r for r in everyone["reminders"] if "plants" in r["text"])
    path = f"/api/reminders/{plants['id']}"
    assert client.delete(path, headers=_as(tokens, "bo")).status_code == 404
    assert client.delete(path, headers=_as(tokens, "nainai")).status_code == 204
    assert client.delete(path, headers=_as(tokens, "nainai")).status_code == 404


def test_list_items_timers_alarms_and_members_over_the_api(
    client: TestClient, tokens: dict[str, str]
) -> None:
    bo = _as(tokens, "bo")
    for item in ("eggs", "oat milk / 燕麦奶"):
        assert client.post("/api/lists/shopping/items", json={"item": item}, headers=bo).status_code == 201
    done = client.post("/api/lists/shopping/items/complete", json={"item": "EGGS"}, headers=bo)
    assert done.status_code == 200 and done.json()["done"] is True
    gone = client.post("/api/lists/shopping/items/remove", json={"item": "oat milk / 燕麦奶"}, headers=bo)
    assert gone.status_code == 200
    assert (
        client.post("/api/lists/shopping/items/remove", json={"item": "bread"}, headers=bo).status_code == 404
    )
    assert client.post("/api/lists/shopping/items/remove", json={"item": ""}, headers=bo).status_code == 400
    assert client.post("/api/lists/shopping/items/burn", json={"item": "eggs"}, headers=bo).status_code == 422
    lists = client.get("/api/household", headers=bo).json()["lists"]
    assert lists["shopping"] == [{"item": "eggs", "done": True}]

    _say(client, tokens, "bo", "set a timer for 10 minutes")
    timer = client.get("/api/household", headers=bo).json()["timers"][0]
    # A guest sees only her own timers; a child sees bo's but may not cancel it.
    assert client.post(f"/api/timers/{timer['id']}/cancel", headers=_as(tokens, "guest")).status_code == 404
    assert client.post(f"/api/timers/{timer['id']}/cancel", headers=_as(tokens, "lily")).status_code == 403
    assert client.post(f"/api/timers/{timer['id']}/cancel", headers=bo).status_code == 200
    assert client.get("/api/household", headers=bo).json()["timers"] == []
    assert client.post(f"/api/timers/{timer['id']}/cancel", headers=bo).status_code == 404
    for bad in ("0", "-1", str(2**64), "x"):  # impossible ids: a clear 422, never a 500
        assert client.post(f"/api/timers/{bad}/cancel", headers=bo).status_code == 422, bad
        assert client.delete(f"/api/alarms/{bad}", headers=bo).status_code == 422, bad

    _say(client, tokens, "bo", "set an alarm for 6:30 tomorrow")
    alarm = client.get("/api/household", headers=bo).json()["alarms"][0]
    # Someone else's alarm is private: to a child it does not exist.
    assert client.delete(f"/api/alarms/{alarm['id']}", headers=_as(tokens, "lily")).status_code == 404
    assert client.delete(f"/api/alarms/{alarm['id']}", headers=bo).status_code == 204
    assert client.get("/api/household", headers=bo).json()["alarms"] == []

    # The members list is for admins: a child's (or an adult's) request is refused.
    assert client.get("/api/members", headers=_as(tokens, "lily")).status_code == 403
    assert client.get("/api/members", headers=bo).status_code == 403
    members = client.get("/api/members", headers=_as(tokens, "alice")).json()
    assert [m["id"] for m in members] == ["alice", "bo", "lily", "nainai", "guest"]
    assert next(m for m in members if m["id"] == "bo")["credentials"] == ["pin"]


def test_the_approval_queue_is_for_those_who_approve(client: TestClient, tokens: dict[str, str]) -> None:
    """Lily's waiting order: adults see the queue; Lily sees her own order; nobody else's."""
    lily = _as(tokens, "lily")
    asked = client.post("/api/conversation", json={"text": "order two bottles of soy sauce"}, headers=lily)
    assert asked.json()["status"] == "needs_confirmation"
    said = {"text": "yes", "conversation_id": asked.json()["conversation_id"]}
    assert client.post("/api/conversation", json=said, headers=lily).json()["status"] == "done"

    def queue(caller: str) -> list[str]:
        response = client.get("/api/approvals", headers=_as(tokens, caller))
        assert response.status_code == 200
        return [o["requested_by"] for o in response.json()]

    assert queue("bo") == ["lily"] and queue("alice") == ["lily"]
    assert queue("lily") == ["lily"]
    assert queue("nainai") == []  # an elder may not approve, and it is not her order
