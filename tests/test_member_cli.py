"""`homemind member`, `audit` and `policy`, and `serve` refusing other addresses without authentication."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import free_port, run_cli


def test_member_add_list_token_passwd_pin(data_dir: Path) -> None:
    added = run_cli(data_dir, "member", "add", "uncle", "--name", "Uncle Wei", "--role", "adult")
    assert added.returncode == 0, added.stderr
    again = run_cli(data_dir, "member", "add", "uncle", "--role", "adult")
    assert again.returncode == 2 and b"already exists" in again.stderr
    assert run_cli(data_dir, "member", "add", "Bad Id", "--role", "adult").returncode == 2
    assert run_cli(data_dir, "member", "add", "x", "--role", "wizard").returncode == 2
    assert run_cli(data_dir, "member", "add", "y", "--role", "adult", "--name", "a\x07b").returncode == 2
    binary = run_cli(data_dir, "member", "passwd", "bo", stdin=b"\xff\xfe long password\n")
    assert binary.returncode == 2 and b"not readable text" in binary.stderr

    short = run_cli(data_dir, "member", "passwd", "uncle", stdin="short\n")
    assert short.returncode == 2 and b"at least 8" in short.stderr
    assert run_cli(data_dir, "member", "passwd", "uncle", stdin="a long password\n").returncode == 0
    bad_pin = run_cli(data_dir, "member", "pin", "uncle", stdin="12ab\n")
    assert bad_pin.returncode == 2 and b"4 to 8 digits" in bad_pin.stderr
    assert run_cli(data_dir, "member", "pin", "uncle", stdin="864200\n").returncode == 0
    assert run_cli(data_dir, "member", "pin", "mallory", stdin="1234\n").returncode == 2

    token = run_cli(data_dir, "member", "token", "uncle", "--name", "phone")
    assert token.returncode == 0 and token.stdout.decode().startswith("hm_")
    token_id = token.stdout.decode().split("_")[1]
    listed = json.loads(run_cli(data_dir, "member", "list", "--json").stdout)
    uncle = next(m for m in listed if m["id"] == "uncle")
    assert uncle == {
        "id": "uncle",
        "name": "Uncle Wei",
        "role": "adult",
        "language": "en",
        "owner": False,
        "credentials": ["password", "pin"],
        "tokens": 1,
    }
    assert next(m for m in listed if m["id"] == "alice")["owner"] is True
    tokens = run_cli(data_dir, "member", "token", "--list").stdout.decode()
    assert token_id in tokens and "live" in tokens
    assert run_cli(data_dir, "member", "token", "--revoke", token_id).returncode == 0
    assert "revoked" in run_cli(data_dir, "member", "token", "--list", "uncle").stdout.decode()
    assert run_cli(data_dir, "member", "token", "--revoke", token_id).returncode == 2

    # The new member speaks with their own policy and PIN, through separate asks.
    first = run_cli(
        data_dir, "ask", "--as", "uncle", "--json", "--conversation-id", "u1", "unlock the front door"
    )
    assert json.loads(first.stdout)["status"] == "needs_confirmation"
    wrong = run_cli(data_dir, "ask", "--as", "uncle", "--json", "--conversation-id", "u1", "2580")
    assert json.loads(wrong.stdout)["status"] == "error"
    run_cli(data_dir, "ask", "--as", "uncle", "--conversation-id", "u2", "unlock the front door")
    right = run_cli(data_dir, "ask", "--as", "uncle", "--json", "--conversation-id", "u2", "8 6 4 2 0 0")
    assert json.loads(right.stdout)["status"] == "done"


def test_audit_command_and_export(data_dir: Path, tmp_path: Path) -> None:
    run_cli(data_dir, "ask", "--as", "lily", "unlock the front door")
    run_cli(data_dir, "ask", "--as", "bo", "turn on the kettle")
    run_cli(data_dir, "call", "turn_off", "switch.kettle")
    text = run_cli(data_dir, "audit").stdout.decode()
    assert 'lily@cli "unlock the front door": unlock lock.front_door [unsecure/deny] -> refused' in text
    lines = [
        json.loads(line)
        for line in run_cli(data_dir, "audit", "--json", "--member", "bo").stdout.splitlines()
    ]
    assert [(e["member"], e["service"], e["result"]) for e in lines] == [("bo", "turn_on", "ok")]
    export = tmp_path / "audit.jsonl"
    done = run_cli(data_dir, "audit", "--export", str(export))
    assert done.returncode == 0 and b"wrote 3 entries" in done.stdout
    exported = [json.loads(line) for line in export.read_text("utf-8").splitlines()]
    assert [e["member"] for e in exported] == ["lily", "bo", "alice"]  # oldest first
    assert exported[2]["decision"] == "direct"
    assert run_cli(data_dir, "audit", "--since", "2999-01-01").stdout == b""


def test_policy_command(data_dir: Path) -> None:
    assert b"default: valid" in run_cli(data_dir, "policy", "--check").stdout
    created = run_cli(data_dir, "policy", "--init")
    assert created.returncode == 0 and (data_dir / "policy.yaml").exists()
    assert run_cli(data_dir, "policy", "--init").returncode == 2
    (data_dir / "policy.yaml").write_text("roles:\n  child:\n    lights: sometimes\n", encoding="utf-8")
    broken = run_cli(data_dir, "policy", "--check")
    assert broken.returncode == 2 and b"roles.child.lights" in broken.stderr
    (data_dir / "policy.yaml").write_bytes(b"roles: \xff\xfe")
    assert b"not UTF-8" in run_cli(data_dir, "policy", "--check").stderr
    (data_dir / "policy.yaml").write_text("roles:\n  child:\n    lights: sometimes\n", encoding="utf-8")
    # A broken policy stops the hub rather than running with guessed rules.
    assert run_cli(data_dir, "ask", "turn on the kettle").returncode == 2


def test_serve_off_loopback_needs_authentication(data_dir: Path) -> None:
    refused = run_cli(data_dir, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert refused.returncode == 2 and b"no authentication is configured" in refused.stderr
    token = run_cli(data_dir, "member", "token", "alice").stdout.decode().strip()
    port = free_port()
    env = {"HOMEMIND_DATA": str(data_dir), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "-m", "homemind", "serve", "--host", "0.0.0.0", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"{url}/api/entities", timeout=5).status_code == 401
        # The same Host check as on loopback: a rebound name is refused, the machine's own is not.
        rebound = httpx.get(f"{url}/api/health", headers={"Host": "rebound.example"}, timeout=5)
        assert rebound.status_code == 400
        own = httpx.get(f"{url}/api/health", headers={"Host": socket.gethostname()}, timeout=5)
        assert own.status_code == 200
        ok = httpx.get(f"{url}/api/entities", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert ok.status_code == 200
        # Revoking every token does not fall back to "anyone is the owner" on an open address.
        run_cli(data_dir, "member", "token", "--revoke", token.split("_")[1])
        assert httpx.get(f"{url}/api/entities", timeout=5).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
