"""``homemind care``: incidents, acknowledging, resolving, summaries, holidays, events, device tokens.

Each runs as a member (``--as``, the home's owner by default) and calls
``homemind.care`` as the API and the conversation do, so a child refused there is
refused here. A refusal or a bad value is one line on stderr and exit status 1; an
unknown member or a date that is not a date is a usage problem (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from homemind.care import EVENT_KINDS
from homemind.household import HouseholdError

if TYPE_CHECKING:
    from homemind.app import Hub
    from homemind.care.records import Incident

_AS_HELP = "the member acting (default: the home's owner)"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    care = sub.add_parser("care", help="care for older members: incidents, summaries, events (README: Care)")
    commands = care.add_subparsers(dest="care_command", required=True)
    acting = argparse.ArgumentParser(add_help=False, parents=[common])
    acting.add_argument("--as", dest="actor", help=_AS_HELP)

    listing = commands.add_parser(
        "incidents", parents=[acting], help="open incidents (--all: recent ones too)"
    )
    listing.add_argument("--all", action="store_true", help="closed ones too (the last 50)")
    listing.add_argument("--json", action="store_true")

    for name, what in (
        ("ack", "say you are on your way"),
        ("resolve", "close an incident"),
        ("cancel", "cancel your own false alarm"),
    ):
        one = commands.add_parser(name, parents=[acting], help=what)
        one.add_argument("incident_id", type=int)
        one.add_argument("--json", action="store_true")
        if name == "resolve":
            one.add_argument("--false-alarm", action="store_true", help="it was a false alarm")

    summary = commands.add_parser("summary", parents=[acting], help="a member's day")
    summary.add_argument("member")
    summary.add_argument("--date", type=_date, help="YYYY-MM-DD (default: today)")
    summary.add_argument("--lang", choices=["en", "zh"], help="language (default: the reader's)")
    summary.add_argument("--json", action="store_true")

    away = commands.add_parser("away", parents=[acting], help="a holiday: no inactivity alerts until a date")
    away.add_argument("member")
    until = away.add_mutually_exclusive_group(required=True)
    until.add_argument("--until", type=_date, help="the last day away (YYYY-MM-DD)")
    until.add_argument("--back", action="store_true", help="home again")

    event = commands.add_parser("event", parents=[acting], help="report an event about a member")
    event.add_argument("member")
    event.add_argument("kind", choices=EVENT_KINDS)
    event.add_argument("value", nargs="?", help="for heart_rate, spo2, battery: the reading")
    event.add_argument("--json", action="store_true")

    token = commands.add_parser(
        "token", parents=[common], help="device tokens for wearables that post events"
    )
    token.add_argument("member", nargs="?")
    token.add_argument("--name", default="", help="a label, e.g. 'watch'")
    token.add_argument("--list", action="store_true")
    token.add_argument("--revoke", metavar="TOKEN_ID")


async def run(hub: Hub, args: argparse.Namespace) -> int:
    if args.care_command == "token":
        return _token(hub, args)
    actor = hub.actor(args.actor, channel="cli")
    care = hub.care
    try:
        command = args.care_command
        if command == "incidents":
            found = care.incidents.visible(actor, active_only=not args.all)
            _print_incidents(hub, found, args.json)
            return 0
        if command in ("ack", "resolve", "cancel"):
            if command == "ack":
                incident = await care.acknowledge(actor, args.incident_id)
            elif command == "resolve":
                incident = await care.resolve(actor, args.incident_id, false_alarm=args.false_alarm)
            else:
                incident = await care.cancel(actor, args.incident_id)
            _print_one(hub, incident, args.json)
            return 0
        if command in ("summary", "away", "event"):
            hub.member(args.member)  # an unknown member is a set-up error (exit 2)
        if command == "summary":
            found_summary = care.summary(actor, args.member, args.date)
            if args.json:
                print(json.dumps(found_summary.as_dict(), ensure_ascii=False, indent=2))
            else:
                print(care.summaries.text(found_summary, args.lang or actor.member.language))
            return 0
        if command == "away":
            end = care.away(actor, args.member, None if args.back else args.until)
            print(f"{args.member}: away until {hub.household.iso(end)}" if end else f"{args.member}: home")
            return 0
        opened = await care.report(actor, args.member, args.kind, args.value, source="cli")
        if opened is None:
            print("recorded" if not args.json else json.dumps({"incident": None}))
        else:
            _print_one(hub, opened, args.json)
        return 0
    except HouseholdError as exc:
        print(f"homemind: {exc.message(actor.member.language)}", file=sys.stderr)
        return 1


def _print_one(hub: Hub, incident: Incident, as_json: bool) -> None:
    if as_json:
        print(json.dumps(hub.care.describe(incident), ensure_ascii=False, indent=2))
    else:
        print(_line(hub, hub.care.describe(incident)))


def _print_incidents(hub: Hub, found: list[Incident], as_json: bool) -> None:
    described = [hub.care.describe(i) for i in found]
    if as_json:
        print(json.dumps(described, ensure_ascii=False, indent=2))
    elif not described:
        print("none")
    for item in [] if as_json else described:
        print(_line(hub, item))


def _line(hub: Hub, item: dict[str, Any]) -> str:
    evidence = ", ".join(dict.fromkeys(e["kind"] for e in item["evidence"])) or "-"
    ack = f"  acknowledged by {item['acknowledged_by']}" if item["acknowledged_by"] else ""
    return (
        f"#{item['id']}  {item['member']:8} {item['kind']:10} {item['state']:12} {item['stage']:10}"
        f" round {item['round']}  opened {item['opened_at']}  evidence: {evidence}{ack}"
    )


def _token(hub: Hub, args: argparse.Namespace) -> int:
    from homemind.app import SetupError

    tokens, now = hub.care.tokens, hub.household.clock.now()
    if args.revoke:
        if not tokens.revoke(args.revoke, now):
            raise SetupError(f"no live device token with id {args.revoke!r}")
        print(f"revoked device token {args.revoke}")
        return 0
    if args.list:
        for t in tokens.listed():
            status = "revoked" if t["revoked_at"] is not None else "live"
            print(f"{t['id']}  {t['member']:12} {status:8} {t['name']}")
        return 0
    if not args.member:
        raise SetupError("name the member the wearable belongs to: homemind care token MEMBER")
    member = hub.member(args.member)
    issued = tokens.issue(member.id, args.name, now)
    print(issued.text)
    print(
        f"device token {issued.id} for {member.id}'s wearable: it can only post /api/care/events;"
        f" shown once (revoke with `homemind care token --revoke {issued.id}`)",
        file=sys.stderr,
    )
    return 0
