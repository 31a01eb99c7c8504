"""Household commands of the CLI: notifications, approvals, automations, the calendar export.

Each runs as a member (``--as``, the home's owner by default, the person who can
read the data dir) and calls ``homemind.household`` exactly as the API and the
conversation do, so a child refused by the API is refused here too. A refusal
or a missing thing is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from homemind.household import HouseholdError

if TYPE_CHECKING:
    from homemind.app import Hub

COMMANDS = ("notifications", "approvals", "automations", "calendar")
_AS_HELP = "the member acting (default: the home's owner)"


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    notes = sub.add_parser(
        "notifications", parents=[common], help="fired timers, alarms, reminders, approvals"
    )
    notes.add_argument("--member", help="whose (default: every one you may read)")
    notes.add_argument("--as", dest="actor", help=_AS_HELP)
    notes.add_argument("--unread", action="store_true", help="only those not yet read")
    notes.add_argument("--lang", choices=["en", "zh"], help="language of the texts (default: each member's)")
    notes.add_argument("--json", action="store_true")

    approvals = sub.add_parser("approvals", parents=[common], help="orders waiting for an adult's approval")
    approvals.add_argument("action", nargs="?", choices=["list", "approve", "deny"], default="list")
    approvals.add_argument("order_id", nargs="?", type=int)
    approvals.add_argument("--as", dest="actor", help=_AS_HELP)
    approvals.add_argument("--json", action="store_true")

    autos = sub.add_parser(
        "automations", parents=[common], help="list, enable, disable or remove automations"
    )
    autos.add_argument("action", nargs="?", choices=["list", "enable", "disable", "remove"], default="list")
    autos.add_argument("automation_id", nargs="?")
    autos.add_argument("--as", dest="actor", help=_AS_HELP)
    autos.add_argument("--json", action="store_true")

    cal = sub.add_parser("calendar", parents=[common], help="export the calendar as iCalendar (.ics)")
    cal.add_argument("action", choices=["export"])
    cal.add_argument("--member", help="one member's events (default: every one you may read)")
    cal.add_argument("--as", dest="actor", help=_AS_HELP)


def run(hub: Hub, args: argparse.Namespace) -> int:
    actor = hub.actor(args.actor, channel="cli")
    try:
        if args.command == "notifications":
            return _notifications(hub, args, actor)
        if args.command == "approvals":
            return _approvals(hub, args, actor)
        if args.command == "automations":
            return _automations(hub, args, actor)
        if getattr(args, "member", None) is not None:
            hub.member(args.member)  # an unknown member is a set-up error, not an empty calendar
        sys.stdout.write(hub.household.calendar.to_ical(actor, args.member).decode("utf-8"))
        return 0
    except HouseholdError as exc:
        print(f"homemind: {exc.message(actor.member.language)}", file=sys.stderr)
        return 1


def _print(rows: list[dict[str, Any]], as_json: bool, line: Any) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print("none")
    for row in [] if as_json else rows:
        print(line(row))


def _notifications(hub: Hub, args: argparse.Namespace, actor: Any) -> int:
    member = hub.member(args.member).id if args.member else None
    found = hub.household.notifications.for_member(actor, member, unread=args.unread, language=args.lang)
    _print([n.as_dict() for n in found], args.json, lambda n: f"{n['fired_at']}  {n['member']:8} {n['text']}")
    return 0


def _approvals(hub: Hub, args: argparse.Namespace, actor: Any) -> int:
    from homemind.app import SetupError

    orders = hub.household.orders
    if args.action == "list":
        waiting = [o.as_dict() for o in orders.pending(actor)]

        def line(o: dict[str, Any]) -> str:
            items = ", ".join(f"{i['quantity']} x {i['name']['en']}" for i in o["items"])
            return (
                f"#{o['id']}  {o['requested_by']:8} {items}  CNY {o['total']:.2f}  expires {o['expires_at']}"
            )

        _print(waiting, args.json, line)
        return 0
    if args.order_id is None:
        raise SetupError(f"approvals {args.action} needs an order id")
    order = orders.decide(actor, args.order_id, args.action == "approve")
    print(
        json.dumps(order.as_dict(), ensure_ascii=False) if args.json else f"order {order.id}: {order.status}"
    )
    return 0


def _automations(hub: Hub, args: argparse.Namespace, actor: Any) -> int:
    from homemind.app import SetupError

    automations = hub.household.automations
    if args.action != "list" and not args.automation_id:
        raise SetupError(f"automations {args.action} needs an automation id")
    if args.action in ("enable", "disable"):
        automations.set_enabled(actor, args.automation_id, args.action == "enable")
    if args.action == "remove":
        automations.remove(actor, args.automation_id)  # one made by talking; the file's are 409
    listed = [a.as_dict() for a in automations.list(actor)]
    _print(listed, args.json, lambda a: f"{a['id']:24} {'on ' if a['enabled'] else 'off'}  {a['name']}")
    return 0
