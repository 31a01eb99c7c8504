"""`homemind llm check` and `homemind mcp`: the model tier's endpoint, and outside assistants.

Kept out of ``cli.py`` (which only registers and dispatches them): the endpoint check
and the MCP server are the only commands that import the model tier and the MCP SDK.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homemind.app import Hub

COMMANDS = ("llm", "mcp")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    llm = sub.add_parser("llm", help="the language model tier's endpoint (the home file's llm: section)")
    llm_sub = llm.add_subparsers(dest="llm_command", required=True)
    check = llm_sub.add_parser(
        "check", parents=[common], help="what the endpoint answers, and what leaves the box per turn"
    )
    check.add_argument("--as", dest="member", help="whose turn to describe (default: the owner)")
    check.add_argument("--json", action="store_true")
    sub.add_parser(
        "mcp",
        parents=[common],
        help="serve the hub's tools to an outside assistant over MCP (stdio; token in $HOMEMIND_TOKEN)",
    )


async def run(hub: Hub, args: argparse.Namespace) -> int:
    if args.command == "mcp":
        from homemind.channels.mcp import Refused, serve_stdio, stdio_token

        token = stdio_token()
        if token is None:
            return 2
        try:
            await serve_stdio(hub, token)
        except Refused as exc:
            print(f"homemind: {exc}", file=sys.stderr)
            return 2
        return 0
    return await _check(hub, args)


async def _check(hub: Hub, args: argparse.Namespace) -> int:
    from homemind.app import SetupError
    from homemind.llm.check import check, render

    settings = hub.home.llm
    if settings is None:
        raise SetupError(
            "this home has no llm section: the model tier is off"
            " (homemind init --llm URL --llm-model NAME adds one)"
        )
    report = await check(hub, settings, hub.member(args.member or hub.home.owner))
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render(report))
    return 0 if report["ok"] else 1
