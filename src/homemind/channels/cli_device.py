"""`homemind device code ENTITY_ID`: set a lock's or alarm panel's code, kept only as a hash.

The home file names the code (``code: {credential: NAME}``); this command reads the code
from the terminal or stdin (never from the command line, where `ps` and the shell's history
would keep it), hashes it into the store and audits that it changed. Only an admin (the
owner is one) may set it.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

from homemind.app import Hub, SetupError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    device = sub.add_parser("device", help="devices' own secrets: a lock's or alarm panel's code")
    device_sub = device.add_subparsers(dest="device_command", required=True)
    code = device_sub.add_parser(
        "code", parents=[common], help="set a device's code (4-8 digits, read from stdin), kept hashed"
    )
    code.add_argument("entity_id", help="e.g. alarm_control_panel.home_security")
    code.add_argument("--as", dest="member", help="the admin setting it (default: the owner)")


def run(hub: Hub, args: argparse.Namespace) -> int:
    from homemind.channels.cli import _read_secret

    member = hub.actor(args.member).member
    entity = hub.home.entities.get(args.entity_id)
    if entity is None:
        raise SetupError(f"there is no device called {args.entity_id!r} in the home file")
    name = entity.secrets.get("code")
    if name is None:
        raise SetupError(
            f"{entity.entity_id} takes no code: add `code: {{credential: {entity.entity_id}}}` to it in the"
            " home file (locks and alarm panels only), then run this again"
        )
    if member.role.value != "admin":
        print(
            f"homemind: only an admin may set a device's code; {member.id} is {member.role.value}",
            file=sys.stderr,
        )
        return 1
    hub.auth.set_device_code(name, _read_secret(f"Code for {entity.entity_id}: "))
    hub.store.clear_failures(f"code:{entity.entity_id}")
    hub.store.log_action(
        {
            "time": datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds"),
            "member": member.id,
            "channel": "cli",
            "entity_id": entity.entity_id,
            "service": "set_code",
            "data": {"code": "***"},
            "decision": "direct",
            "result": "ok",
        }
    )
    print(f"code set for {entity.entity_id} (kept hashed; the home file names it {name!r})")
    return 0
