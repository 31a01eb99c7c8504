"""The HTTP API against a real server process: contract, errors, live stream."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from conftest import Server, free_port, run_cli


def test_openapi_schema_lists_the_api(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    for path in (
        "/api/conversation",
        "/api/entities",
        "/api/entities/{entity_id}",
        "/api/services/{service}",
        "/api/events",
    ):
        assert path in schema["paths"]


def test_entities(api: httpx.Client) -> None:
    entities = api.get("/api/entities").json()
    assert len(entities) == 36  # the demo home, Grandma's watch and sensors included
    tv = api.get("/api/entities/media_player.living_room_tv").json()
    assert tv["name"] == {"en": "TV", "zh": "电视"} and tv["area"] == "living_room"
    missing = api.get("/api/entities/light.garage")
    assert missing.status_code == 404 and "no device called light.garage" in missing.json()["detail"]


def test_service_calls_and_errors(api: httpx.Client) -> None:
    ok = api.post(
        "/api/services/set_temperature",
        json={"entity_id": "climate.bedroom_ac", "data": {"temperature": 23.5}},
    )
    assert ok.status_code == 200
    assert ok.json()["state"]["attributes"]["temperature"] == 23.5
    too_hot = api.post(
        "/api/services/set_temperature",
        json={"entity_id": "climate.bedroom_ac", "data": {"temperature": 40}},
    )
    assert too_hot.status_code == 400 and "16 and 30" in too_hot.json()["detail"]
    assert api.post("/api/services/fly", json={"entity_id": "light.kitchen"}).status_code == 404
    assert api.post("/api/services/turn_on", json={"entity_id": "light.nope"}).status_code == 404
    assert api.post("/api/services/turn_on", json={"data": {}}).status_code == 422
    garbage = api.post(
        "/api/services/turn_on", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 422
    assert api.get("/api/entities/climate.bedroom_ac").json()["attributes"]["temperature"] == 23.5


def test_sensitive_service_needs_confirmation(api: httpx.Client) -> None:
    held = api.post("/api/services/unlock", json={"entity_id": "lock.front_door"})
    assert held.status_code == 409 and held.json()["result"] == "needs_confirmation"
    assert api.get("/api/entities/lock.front_door").json()["state"] == "locked"
    confirmation = held.json()["confirmation_id"]
    assert held.json()["needs"] == "pin"
    # A PIN inside the call itself never counts: only the confirmation carries it.
    inline = api.post("/api/services/unlock", json={"entity_id": "lock.front_door", "data": {"code": "2580"}})
    assert inline.status_code == 409
    done = api.post(f"/api/confirmations/{confirmation}", json={"pin": "2580"})
    assert done.status_code == 200 and done.json()["state"]["state"] == "unlocked"


def test_conversation_bad_input(api: httpx.Client) -> None:
    # The schema's limit is the pipeline's (1,000 characters, as the dashboard's box): beyond it 422.
    longest = api.post("/api/conversation", json={"text": "a" * 1000})
    assert longest.status_code == 200 and longest.json()["status"] == "not_understood"
    assert api.post("/api/conversation", json={"text": "a" * 1001}).status_code == 422
    binary = api.post("/api/conversation", json={"text": "turn on\u0000 the kettle"})
    assert binary.json()["status"] == "error"
    assert api.post("/api/conversation", json={"text": 42}).status_code == 422
    assert api.post("/api/conversation", json={}).status_code == 422
    assert api.post("/api/conversation", json={"text": "hi", "language": "fr"}).status_code == 422
    # (A body over 64 KiB gets 413 before it is read: tests/test_http_limits.py.)
    assert api.get("/api/entities/switch.kettle").json()["state"] == "off"


class EventListener:
    """Reads the server's event stream in a thread until it has seen ``count`` state changes."""

    def __init__(self, server: Server, count: int) -> None:
        self.events: list[dict] = []
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, args=(server.url, count), daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "the event stream did not open"

    def _listen(self, url: str, count: int) -> None:
        with httpx.stream("GET", f"{url}/api/events", timeout=20) as stream:
            kind = None
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind == "ready":
                    self.ready.set()
                elif line.startswith("data:") and kind == "state_changed":
                    self.events.append(json.loads(line.split(":", 1)[1]))
                    if len(self.events) == count:
                        return

    def wait(self) -> list[dict]:
        self._thread.join(10)
        return self.events


def test_live_stream_sees_changes_from_elsewhere(server: Server) -> None:
    listener = EventListener(server, 4)  # each change, and the simulated power meter following it
    with httpx.Client(base_url=server.url) as client:
        client.post("/api/conversation", json={"text": "打开电水壶"})
        client.post("/api/services/turn_on", json={"entity_id": "light.kitchen"})
    events = [e for e in listener.wait() if e["data"]["entity_id"] != "sensor.power_usage"]
    assert [e["data"]["entity_id"] for e in events] == ["switch.kettle", "light.kitchen"]
    assert events[0]["data"]["new_state"]["state"] == "on"
    assert events[0]["context"]["channel"] == "api"


def test_cli_changes_beside_the_server_show_up(server: Server, data_dir: Path) -> None:
    listener = EventListener(server, 2)  # the rice cooker, and the simulated meter following it
    assert run_cli(data_dir, "ask", "turn on the rice cooker").returncode == 0
    events = [e for e in listener.wait() if e["data"]["entity_id"] != "sensor.power_usage"]
    assert events and events[0]["data"]["entity_id"] == "switch.rice_cooker"
    assert events[0]["data"]["new_state"]["state"] == "on"
    assert events[0]["context"]["channel"] == "cli"  # who did it travels through the store
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/api/entities/switch.rice_cooker").json()["state"] == "on"
        # The server acts on the fresh state: toggling turns it off, not on again.
        client.post("/api/services/toggle", json={"entity_id": "switch.rice_cooker"})
        assert client.get("/api/entities/switch.rice_cooker").json()["state"] == "off"


def test_unreadable_text_is_a_clear_error_not_a_crash(api: httpx.Client) -> None:
    # Lone surrogates are legal JSON escapes but not text anyone can store or show.
    for path, body in [
        ("/api/services/turn_on", '{"entity_id": "light.\\ud800"}'),
        ("/api/services/turn_on", '{"entity_id": "light.floor_lamp", "data": {"color_name": "\\ud800"}}'),
        ("/api/conversation", '{"text": "turn on \\ud800 the kettle"}'),
        ("/api/conversation", '{"text": ["\\ud800"]}'),
    ]:
        response = api.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code in (200, 400, 422), (path, body, response.text)
        assert "\\ud800" not in response.text or response.status_code == 422
        if response.status_code == 200:
            assert response.json()["status"] == "error"
    assert api.get("/api/entities/switch.kettle").json()["state"] == "off"
    assert api.get("/api/entities/light.floor_lamp").json()["state"] == "off"


def test_validation_errors_do_not_echo_the_input(api: httpx.Client) -> None:
    response = api.post("/api/conversation", json={"text": "x" * 60_000})  # under the body limit
    assert response.status_code == 422
    assert len(response.text) < 1000 and "text" in response.text


def test_docs_work_offline(api: httpx.Client) -> None:
    page = api.get("/docs").text
    assert "cdn" not in page.lower()
    script = page.split('src="', 1)[1].split('"', 1)[0]
    assert api.get(script).status_code == 200


def test_dashboard_is_served_at_the_root_from_the_package(api: httpx.Client) -> None:
    page = api.get("/", follow_redirects=False)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/ui/app.js">' in page.text
    # Nothing inline and nothing foreign may run, on the page and on the files it loads.
    for response in (page, api.get("/ui/app.js"), api.get("/ui/vendor/preact.module.js")):
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    assert api.get("/ui/app.js").headers["content-type"].startswith("text/javascript")
    assert api.get("/ui/i18n/zh.json").json()["nav.home"] == "首页"
    assert api.get("/ui/../channels/http.py").status_code == 404
    assert api.get("/ui/nothing.js").status_code == 404


def test_who_am_i_and_the_areas(api: httpx.Client) -> None:
    me = api.get("/api/me").json()
    assert me == {
        "id": "alice",
        "name": {"en": "Alice", "zh": "爱丽丝"},
        "role": "admin",
        "language": "en",
        "channel": "api",
        "csrf_token": None,  # a token needs none; a web session gets its own back here
    }
    areas = api.get("/api/areas").json()
    assert [a["id"] for a in areas][:3] == ["living_room", "kitchen", "bedroom"]
    assert {"id": "bathroom", "name": {"en": "bathroom", "zh": "卫生间"}} in areas


def test_entities_say_what_they_can_do_and_whether_they_want_a_code(api: httpx.Client) -> None:
    entities = {e["entity_id"]: e for e in api.get("/api/entities").json()}
    assert entities["light.floor_lamp"]["features"] == ["brightness", "color"]
    assert entities["light.kitchen"]["features"] == []
    alarm = entities["alarm_control_panel.home_security"]
    assert alarm["code_format"] == "^[0-9]{4,8}$" and entities["lock.front_door"]["code_format"] is None
    assert "1234" not in json.dumps(alarm)  # that a code exists is said; the code never is


def test_conversation_says_when_the_answer_must_be_a_code(api: httpx.Client) -> None:
    api.post("/api/services/alarm_arm_away", json={"entity_id": "alarm_control_panel.home_security"})
    asked = api.post("/api/conversation", json={"text": "disarm the alarm"}).json()
    assert asked["status"] == "needs_confirmation" and asked["needs_code"] is True
    # A lock without a code of its own wants the member's PIN (issue 6): a code answer too.
    unlock = api.post("/api/conversation", json={"text": "unlock the front door"}).json()
    assert unlock["status"] == "needs_confirmation" and unlock["needs_code"] is True  # the member's PIN
    order = api.post("/api/conversation", json={"text": "order two bottles of soy sauce"}).json()
    assert order["status"] == "needs_confirmation" and order["needs_code"] is False  # a "yes" will do
    done = api.post("/api/conversation", json={"text": "1234", "conversation_id": asked["conversation_id"]})
    assert done.json()["status"] == "done" and done.json()["needs_code"] is False


def test_one_server_per_data_dir(server: Server, data_dir: Path) -> None:
    second = run_cli(data_dir, "serve", "--port", str(free_port()))
    assert second.returncode == 2 and b"server is running" in second.stderr
    wipe = run_cli(data_dir, "init", "--demo", "--force")
    assert wipe.returncode == 2 and b"stop it before" in wipe.stderr
    assert (data_dir / "homemind.db").exists()
