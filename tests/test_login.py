"""Login throttling that cannot be turned against a member, and cookies fit for https.

The app runs in-process (its real store); the addresses are varied with X-Forwarded-For
from a proxy the app is told to trust (the test client's own address), which is also how
a household behind a reverse proxy looks to the hub.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from homemind.app import Hub
from homemind.channels.http import create_app

PASSWORDS = {"bo": "bo's long password", "alice": "alice's long password", "lily": "lily's long password"}


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    hub = Hub.open(data_dir)
    for member, password in PASSWORDS.items():
        hub.auth.set_password(member, password)
    hub.store.close()
    app = create_app(data_dir, trusted_proxies=["testclient"])
    with TestClient(app, base_url="http://localhost") as test_client:
        yield test_client


def _login(client: TestClient, member: str, password: str, address: str, **cookies: str) -> int:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value, path="/api/login")
    answer = client.post(
        "/api/login", json={"member": member, "password": password}, headers={"X-Forwarded-For": address}
    )
    return answer.status_code


def _advance(client: TestClient, seconds: float) -> None:
    hub: Hub = client.app.state.hub  # type: ignore[attr-defined]
    now = hub.executor.clock() + seconds
    hub.executor.clock = lambda: now


def test_backoff_doubles_per_member_and_address(client: TestClient) -> None:
    attacker = "203.0.113.9"
    assert [_login(client, "bo", "guess", attacker) for _ in range(3)] == [401, 401, 401]
    waits = []
    for _ in range(4):
        refused = client.post(
            "/api/login",
            json={"member": "bo", "password": PASSWORDS["bo"]},
            headers={"X-Forwarded-For": attacker},
        )
        assert refused.status_code == 429  # even the right password waits
        waits.append(refused.json()["retry_after"])
        _advance(client, waits[-1] + 0.1)
        assert _login(client, "bo", "guess", attacker) == 401
    assert waits == [1, 2, 4, 8]
    assert (
        "try again in 16 seconds"
        in client.post(
            "/api/login", json={"member": "bo", "password": "x"}, headers={"X-Forwarded-For": attacker}
        ).json()["detail"]
    )


def test_someone_elses_failures_never_lock_a_member_out(client: TestClient) -> None:
    for _ in range(12):
        _login(client, "bo", "guess", "203.0.113.9")  # an attacker, far away
    assert _login(client, "bo", PASSWORDS["bo"], "192.168.1.20") == 200  # bo, at home


def test_an_address_cap_spares_the_devices_that_signed_in_before(client: TestClient) -> None:
    nat = "198.51.100.7"  # the whole household, and the attacker, behind one address
    client.cookies.clear()
    first = client.post(
        "/api/login", json={"member": "bo", "password": PASSWORDS["bo"]}, headers={"X-Forwarded-For": nat}
    )
    assert first.status_code == 200
    known = first.cookies.get("homemind_device_bo")
    assert known and "HttpOnly" in first.headers.get_list("set-cookie")[1]
    # The attacker tries a few passwords of every member, and names no member twice in a row.
    for n in range(25):
        _login(client, ("alice", "lily", "nainai", "mallory", "bo")[n % 5], f"guess {n}", nat)
        _advance(client, 20)  # slowly, to stay under each member's backoff
    assert _login(client, "alice", PASSWORDS["alice"], nat) == 429  # a new browser here waits ...
    assert _login(client, "bo", PASSWORDS["bo"], nat, homemind_device_bo=known) == 200  # ... bo's does not
    # A forged or foreign known-device cookie is no way around the cap.
    assert _login(client, "bo", PASSWORDS["bo"], nat, homemind_device_bo=known[:-2] + "00") == 429
    assert _login(client, "alice", PASSWORDS["alice"], nat, homemind_device_alice=known) == 429


def test_a_known_device_has_its_own_backoff(client: TestClient) -> None:
    client.cookies.clear()
    known = client.post("/api/login", json={"member": "lily", "password": PASSWORDS["lily"]}).cookies.get(
        "homemind_device_lily"
    )
    assert known
    statuses = [_login(client, "lily", "typo", "10.0.0.5", homemind_device_lily=known) for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _login(client, "lily", PASSWORDS["lily"], "10.0.0.6") == 200  # her failures were her device's


def test_forwarded_headers_count_only_from_trusted_proxies(data_dir: Path) -> None:
    hub = Hub.open(data_dir)
    hub.auth.set_password("bo", PASSWORDS["bo"])
    hub.store.close()
    with TestClient(create_app(data_dir), base_url="http://localhost") as client:
        # Without a trusted proxy, a client cannot dodge its backoff by claiming other addresses.
        statuses = [_login(client, "bo", "guess", f"203.0.113.{n}") for n in range(4)]
        assert statuses == [401, 401, 401, 429]
        # Nor make its cookie look as if it came over https.
        _advance(client, 10)
        answer = client.post(
            "/api/login",
            json={"member": "bo", "password": PASSWORDS["bo"]},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert answer.status_code == 200 and "Secure" not in answer.headers["set-cookie"]


@pytest.mark.parametrize("how", ["direct", "proxy"])
def test_cookies_are_secure_over_https(data_dir: Path, how: str) -> None:
    hub = Hub.open(data_dir)
    hub.auth.set_password("bo", PASSWORDS["bo"])
    hub.store.close()
    base = "https://localhost" if how == "direct" else "http://localhost"
    app = create_app(data_dir, trusted_proxies=["testclient"] if how == "proxy" else None)
    with TestClient(app, base_url=base) as client:
        headers = {"X-Forwarded-Proto": "https"} if how == "proxy" else {}
        answer = client.post(
            "/api/login", json={"member": "bo", "password": PASSWORDS["bo"]}, headers=headers
        )
        assert answer.status_code == 200
        cookies = answer.headers.get_list("set-cookie")
        assert len(cookies) == 2 and all("Secure" in c and "HttpOnly" in c for c in cookies), cookies
