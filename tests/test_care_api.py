"""Care over the HTTP API (device tokens, who sees and answers what, bad input) and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from conftest import run_cli
from homemind.app import Hub
from homemind.channels.http import create_app

MEMBERS = ("alice", "bo", "lily", "nainai", "guest")
T = TypeVar("T")


class Api:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.hub: Hub = client.app.state.hub  # type: ignore[attr-defined]
        self.tokens = {m: self.on_loop(lambda m=m: self.hub.auth.issue_token(m).text) for m in MEMBERS}

    def on_loop(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the server's own thread: its loops (care's rounds, the scheduler)
        share the store's one connection, which two threads must not use at once."""
        assert self.client.portal is not None
        return self.client.portal.call(work)

    def as_(self, member: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[member]}"}

    def get(self, path: str, member: str, **params: Any) -> Any:
        return self.client.get(path, headers=self.as_(member), params=params)

    def post(self, path: str, member: str | None = None, body: Any = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else self.as_(member or "alice")
        return self.client.post(path, headers=headers, json=body)


@pytest.fixture
def api(data_dir: Path) -> Iterator[Api]:
    with TestClient(create_app(data_dir), base_url="http://localhost") as client:
        yield Api(client)


def test_a_device_token_reports_about_its_own_member_only(api: Api) -> None:
    watch = api.on_loop(lambda: api.hub.care.tokens.issue("nainai", "watch", 0).text)
    done = api.post("/api/care/events", body={"member": "nainai", "kind": "sos"}, token=watch)
    assert done.status_code == 201, done.text
    incident = done.json()["incident"]
    assert (incident["kind"], incident["stage"], incident["evidence"][0]["source"]) == (
        "sos",
        "escalating",
        "device",
    )
    other = api.post("/api/care/events", body={"member": "bo", "kind": "sos"}, token=watch)
    assert other.status_code == 403 and "nainai only" in other.json()["detail"]
    # It is not a member's token: it opens nothing else.
    assert api.client.get("/api/entities", headers={"Authorization": f"Bearer {watch}"}).status_code == 401
    revoked_id = watch.split("_")[1]
    assert api.on_loop(lambda: api.hub.care.tokens.revoke(revoked_id, 1))
    gone = api.post("/api/care/events", body={"member": "nainai", "kind": "sos"}, token=watch)
    assert gone.status_code == 401


def test_readings_and_bad_input(api: Api) -> None:
    ok = api.post("/api/care/events", "bo", {"member": "nainai", "kind": "heart_rate", "value": 72})
    assert ok.status_code == 201 and ok.json() == {"incident": None}
    assert api.post("/api/care/events", "bo", {"member": "nainai", "kind": "explode"}).status_code == 422
    far = api.post("/api/care/events", "bo", {"member": "nainai", "kind": "heart_rate", "value": 999})
    assert far.status_code == 400 and "outside 20-250" in far.json()["detail"]
    none = api.post("/api/care/events", "bo", {"member": "nainai", "kind": "spo2"})
    assert none.status_code == 400
    assert api.post("/api/care/events", "bo", {"member": "nobody", "kind": "sos"}).status_code == 404
    refused = api.post("/api/care/events", "lily", {"member": "nainai", "kind": "sos"})
    assert refused.status_code == 403  # a child reports only about herself
    assert api.on_loop(api.hub.care.records.recent) == []  # nothing was opened by any of that


def test_who_sees_and_answers_an_incident(api: Api) -> None:
    api.post("/api/care/events", "nainai", {"member": "nainai", "kind": "sos"})
    [incident] = api.get("/api/care/incidents", "bo").json()
    number = incident["id"]
    assert api.get("/api/care/incidents", "guest").json() == []  # guests see nothing
    assert api.get(f"/api/care/incidents/{number}", "guest").status_code == 404
    assert len(api.get("/api/care/incidents", "lily").json()) == 1  # a child is told
    assert api.post(f"/api/care/incidents/{number}/ack", "lily").status_code == 403
    assert api.post(f"/api/care/incidents/{number}/cancel", "bo").status_code == 403  # hers to cancel
    acked = api.post(f"/api/care/incidents/{number}/ack", "bo")
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    cancelled = api.post(f"/api/care/incidents/{number}/cancel", "nainai")
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["false_alarm"] is True
    again = api.post(f"/api/care/incidents/{number}/resolve", "alice", {"false_alarm": True})
    assert again.status_code == 409
    assert api.get("/api/care/incidents", "bo").json() == []
    assert len(api.get("/api/care/incidents", "bo", all="true").json()) == 1
    assert api.post("/api/care/incidents/99/ack", "bo").status_code == 404


def test_summary_members_and_away(api: Api) -> None:
    assert [m["id"] for m in api.get("/api/care/members", "bo").json()] == ["nainai"]
    assert api.get("/api/care/members", "guest").json() == []
    summary = api.get("/api/care/summary/nainai", "bo")
    assert summary.status_code == 200 and summary.json()["text"].startswith("王奶奶，")  # Bo reads Chinese
    assert api.get("/api/care/summary/nainai", "alice").json()["text"].startswith("Grandma Wang, ")
    assert api.get("/api/care/summary/nainai", "guest").status_code == 403
    assert api.get("/api/care/summary/nobody", "bo").status_code == 404
    assert api.get("/api/care/summary/nainai", "bo", date="yesterday").status_code == 422
    assert api.get("/api/care/summary/bo", "bo").status_code == 400  # nobody looks after Bo
    past = api.post("/api/care/away", "bo", {"member": "nainai", "until": "2020-01-01"})
    assert past.status_code == 400
    assert api.post("/api/care/away", "lily", {"member": "nainai", "until": "2099-01-01"}).status_code == 403
    away = api.post("/api/care/away", "bo", {"member": "nainai", "until": "2099-01-01"})
    assert away.status_code == 200 and away.json()["away_until"].startswith("2099-01-02")
    back = api.post("/api/care/away", "nainai", {"member": "nainai", "until": None})
    assert back.json()["away_until"] is None


def test_the_cli(data_dir: Path) -> None:
    opened = run_cli(data_dir, "care", "event", "nainai", "sos", "--json")
    assert opened.returncode == 0, opened.stderr
    incident = json.loads(opened.stdout)
    assert (incident["kind"], incident["state"], incident["stage"]) == ("sos", "open", "escalating")
    listed = json.loads(run_cli(data_dir, "care", "incidents", "--json").stdout)
    assert [i["id"] for i in listed] == [incident["id"]]
    assert {"evidence", "acknowledged_by", "opened_at", "stage"} <= set(listed[0])
    child = run_cli(data_dir, "care", "ack", str(incident["id"]), "--as", "lily")
    assert child.returncode == 1 and b"Lily may not acknowledge" in child.stderr
    bo = run_cli(data_dir, "care", "ack", str(incident["id"]), "--as", "bo")
    assert bo.returncode == 0 and b"acknowledged by bo" in bo.stdout
    done = run_cli(data_dir, "care", "resolve", str(incident["id"]), "--as", "bo")
    assert done.returncode == 0 and b"resolved" in done.stdout
    assert run_cli(data_dir, "care", "incidents").stdout.strip() == b"none"
    bad = run_cli(data_dir, "care", "event", "nainai", "heart_rate", "999")
    assert bad.returncode == 1 and b"outside 20-250" in bad.stderr
    assert run_cli(data_dir, "care", "event", "nobody", "sos").returncode == 2
    assert run_cli(data_dir, "care", "summary", "nainai", "--date", "someday").returncode == 2
    summary = run_cli(data_dir, "care", "summary", "nainai", "--json")
    assert json.loads(summary.stdout)["incidents"] == 1
    assert b"not enough history" in run_cli(data_dir, "care", "summary", "nainai", "--lang", "en").stdout
    token = run_cli(data_dir, "care", "token", "nainai", "--name", "watch")
    assert token.returncode == 0 and token.stdout.startswith(b"hmd_")


def test_the_policy_file_cannot_let_a_child_answer_for_the_family() -> None:
    from homemind.policy import PolicyError
    from homemind.policy.rules import parse_policy

    with pytest.raises(PolicyError, match=r"care\.acknowledge can never be given to a child or a guest"):
        parse_policy("household:\n  care:\n    acknowledge: [adult, child]\n", "policy.yaml")
    with pytest.raises(PolicyError, match="unknown operation 'approve'"):
        parse_policy("household:\n  care:\n    approve: [adult]\n", "policy.yaml")


def test_dates_far_away_are_refused_not_crashed_on(api: Api) -> None:
    assert api.get("/api/care/summary/nainai", "bo", date="0001-01-01").status_code == 400
    far = api.post("/api/care/away", "bo", {"member": "nainai", "until": "9999-12-31"})
    assert far.status_code == 400 and "9999-12-31" in far.json()["detail"]


def test_a_call_for_help_over_the_api_and_the_cli_is_the_same_incident(api: Api, data_dir: Path) -> None:
    said = api.post("/api/conversation", "nainai", {"text": "救命"})
    assert said.status_code == 200, said.text
    assert (said.json()["status"], said.json()["intent"]["tier"]) == ("done", "template")
    [incident] = api.get("/api/care/incidents", "bo").json()
    assert (incident["kind"], incident["stage"], incident["evidence"][0]["source"]) == (
        "sos",
        "escalating",
        "voice",
    )
    typed = api.post("/api/conversation", "nainai", {"text": "I've fallen", "language": "en"})
    assert typed.json()["status"] == "done"
    [same] = api.get("/api/care/incidents", "bo").json()
    assert same["id"] == incident["id"] and [e["kind"] for e in same["evidence"]] == ["sos", "fall"]


def test_a_call_for_help_typed_on_the_command_line(data_dir: Path) -> None:
    said = run_cli(data_dir, "ask", "--as", "nainai", "help me")
    assert said.returncode == 0, said.stderr
    listed = json.loads(run_cli(data_dir, "care", "incidents", "--json").stdout)
    assert [(i["member"], i["kind"], i["stage"]) for i in listed] == [("nainai", "sos", "escalating")]
