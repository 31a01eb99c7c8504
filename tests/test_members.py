"""Members and permissions through the conversation path: the role x action-class matrix, the PIN
flow (separate turn, expiry, replay, another member, generated text, lockout), the policy file,
privacy, and the audit log (fields, append-only, retention)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import HubDriver, Server
from homemind.app import Hub, init_data_dir
from homemind.channels.http import create_app
from homemind.core.model import Domain, Entity, Member, Names, Role, Step
from homemind.policy import Decision, Policy, PolicyError, classify
from homemind.policy.rules import POLICY_FILE

ROLES = {"alice": "admin", "bo": "adult", "nainai": "elder", "lily": "child", "guest": "guest"}

# One row per action class: (class, what is said, the entity, its state before, after if done).
ACTIONS = [
    ("lights (shared room)", "turn on the living room light", "light.living_room_ceiling", "on"),
    ("lights (private room)", "turn on the bedroom light", "light.bedroom", "on"),
    ("media", "turn on the tv", "media_player.living_room_tv", "idle"),
    ("climate below 20", "set the bedroom ac to 18 degrees", "climate.bedroom_ac", None),
    ("water heater above 50", "set the water heater to 60 degrees", "water_heater.bathroom", None),
    ("covers", "close the blinds", "cover.bedroom_blinds", "closed"),
    ("appliances", "turn on the kettle", "switch.kettle", "on"),
    ("secure", "lock the front door", "lock.front_door", "locked"),
    ("unsecure", "unlock the front door", "lock.front_door", None),
]

# What each role gets: done, refused or needs_confirmation (the PIN prompt).
D, R, P = "done", "refused", "needs_confirmation"
EXPECTED = {
    #                        admin adult elder child guest
    "lights (shared room)": (D, D, D, D, D),
    "lights (private room)": (D, D, D, D, R),
    "media": (D, D, D, D, D),
    "climate below 20": (D, D, D, R, R),
    "water heater above 50": (D, D, D, R, R),
    "covers": (D, D, D, D, R),
    "appliances": (D, D, D, D, R),
    "secure": (D, D, D, D, D),
    "unsecure": (P, P, P, R, R),
}
MATRIX = [(member, action, EXPECTED[action[0]][i]) for i, member in enumerate(ROLES) for action in ACTIONS]


@pytest.mark.parametrize("member", list(ROLES))
def test_role_action_matrix_conversation(hub: HubDriver, member: str) -> None:
    column = list(ROLES).index(member)
    for name, text, entity_id, after in ACTIONS:
        expected = EXPECTED[name][column]
        # Put the device in the other state first, so that "done" shows as a change.
        if name == "secure":
            hub.call("unlock", entity_id)
        elif name == "unsecure":
            hub.call("lock", entity_id)
        elif name == "covers":
            hub.call("open_cover", entity_id)
        elif after is not None:
            hub.call("turn_off", entity_id)
        before = hub.snapshot()
        result = hub.ask(text, member)
        assert result.status.value == expected, (member, text, result.response)
        assert (hub.snapshot() != before) == (expected == "done"), (member, text)
        if expected == "done" and after is not None:
            assert hub.state(entity_id) == after
        if expected == "refused":
            assert "Sorry" in result.response or "抱歉" in result.response
        # Every decision, refusals included, is in the audit log with who, what was said and why.
        entry = hub.hub.store.actions(1)[0]
        assert (entry["member"], entry["text"], entry["entity_id"]) == (member, text, entity_id)
        assert entry["intent"] and entry["decision"] and entry["channel"] == "test"
        assert entry["result"] == {"done": "ok", "refused": "refused", "needs_confirmation": P}[expected]


def test_pin_flow_separate_turn(hub: HubDriver) -> None:
    prompt = hub.ask("unlock the front door", "bo")
    assert prompt.status.value == "needs_confirmation"
    # The prompt says exactly what will happen and what is wanted.
    assert "unlock the Front Door" in prompt.response and "PIN" in prompt.response
    cid = prompt.conversation_id
    # "yes" is not a PIN: the prompt is used up and nothing happens.
    assert hub.ask("yes", "bo", conversation_id=cid).status.value != "done"
    assert hub.state("lock.front_door") == "locked"
    cid = hub.ask("unlock the front door", "bo").conversation_id
    wrong = hub.ask("1 1 1 1", "bo", conversation_id=cid)
    assert wrong.status.value == "error" and "PIN is not right" in wrong.response
    assert hub.state("lock.front_door") == "locked"
    cid = hub.ask("解锁大门", "bo").conversation_id
    assert hub.ask("二五八零", "bo", conversation_id=cid).status.value == "done"
    assert hub.state("lock.front_door") == "unlocked"
    # No PIN, right or wrong, appears in the audit log.
    for entry in hub.hub.store.actions(None):
        assert not any(pin in str(entry) for pin in ("2580", "1 1 1 1", "二五八零")), entry


def test_pin_never_from_the_same_utterance(hub: HubDriver) -> None:
    for text in (
        "unlock the front door 2580",
        "unlock the front door, my pin is 2 5 8 0",
        "2580 unlock the front door",
        "解锁大门 二五八零",
    ):
        result = hub.ask(text, "alice")
        assert result.status.value != "done", text
        logged = hub.hub.store.actions(1)[0]["text"]
        assert logged is None or not any(pin in logged for pin in ("2580", "2 5 8 0", "二五八零")), logged
    assert hub.state("lock.front_door") == "locked"


def test_pin_never_from_generated_text(hub: HubDriver) -> None:
    generated = hub.hub.actor("alice", channel="llm", generated=True)
    first = asyncio.run(hub.hub.conversation.process("unlock the front door", generated))
    answer = asyncio.run(
        hub.hub.conversation.process("2580", generated, conversation_id=first.conversation_id)
    )
    assert answer.status.value == "refused" and "PIN" in answer.response
    assert hub.state("lock.front_door") == "locked"
    # Straight at the executor, too: generated text cannot confirm even with the right PIN.
    outcome = asyncio.run(
        hub.hub.executor.execute(generated, "lock.front_door", "unlock", confirmed=True, pin="2580")
    )
    assert outcome.result.value == "refused" and hub.state("lock.front_door") == "locked"
    assert hub.hub.store.actions(1)[0]["channel"] == "llm:generated"


def test_confirmation_expiry_with_a_controlled_clock(hub: HubDriver) -> None:
    now = [1_900_000_000.0]
    hub.hub.executor.clock = lambda: now[0]
    cid = hub.ask("unlock the front door", "alice").conversation_id
    now[0] += 29
    # Still in time after 29 s ...
    assert hub.ask("2580", "alice", conversation_id=cid).status.value == "done"
    hub.call("lock", "lock.front_door")
    cid = hub.ask("unlock the front door", "alice").conversation_id
    now[0] += 31
    # ... but not after 31.
    late = hub.ask("2580", "alice", conversation_id=cid)
    assert late.status.value == "error" and "expired" in late.response
    assert hub.state("lock.front_door") == "locked"


def test_replay_and_another_members_confirmation(hub: HubDriver) -> None:
    cid = hub.ask("unlock the front door", "alice").conversation_id
    # Bo knows his own PIN, but this is Alice's confirmation.
    assert hub.ask("2580", "bo", conversation_id=cid).status.value != "done"
    assert hub.state("lock.front_door") == "locked"
    assert hub.ask("2580", "alice", conversation_id=cid).status.value == "done"
    hub.call("lock", "lock.front_door")
    # Replaying the same answer in the same conversation does nothing.
    assert hub.ask("2580", "alice", conversation_id=cid).status.value != "done"
    assert hub.state("lock.front_door") == "locked"


def test_wrong_pins_lock_out_even_across_processes(data_dir: Path) -> None:
    for _ in range(5):
        driver = HubDriver(data_dir)  # a new process each time cannot reset the count
        cid = driver.ask("unlock the front door", "bo").conversation_id
        assert "not right" in driver.ask("0000", "bo", conversation_id=cid).response
        driver.close()
    driver = HubDriver(data_dir)
    cid = driver.ask("unlock the front door", "bo").conversation_id
    blocked = driver.ask("2580", "bo", conversation_id=cid)
    assert "Too many wrong PINs" in blocked.response and driver.state("lock.front_door") == "locked"
    # Alice's PIN is her own: Bo's mistakes do not lock her out.
    cid = driver.ask("unlock the front door", "alice").conversation_id
    assert driver.ask("2580", "alice", conversation_id=cid).status.value == "done"
    driver.close()


def test_member_without_a_pin_is_told_how_to_set_one(data_dir: Path) -> None:
    hub = Hub.open(data_dir)
    hub.store.add_member("uncle", "Uncle", "adult", "en")
    hub.store.close()
    driver = HubDriver(data_dir)
    cid = driver.ask("unlock the front door", "uncle").conversation_id
    reply = driver.ask("2580", "uncle", conversation_id=cid)
    assert reply.status.value == "refused" and "homemind member pin uncle" in reply.response
    driver.hub.auth.set_pin("uncle", "97531")
    cid = driver.ask("unlock the front door", "uncle").conversation_id
    assert driver.ask("9 7 5 3 1", "uncle", conversation_id=cid).status.value == "done"
    driver.close()


def test_policy_file_overrides(data_dir: Path) -> None:
    (data_dir / POLICY_FILE).write_text(
        "members:\n"
        "  lily:\n"
        "    media: deny\n"
        "    limits: {climate_min: 24}\n"
        "  bo:\n"
        "    unsecure: allow\n"  # cannot loosen the unsafe direction past a PIN
        "roles:\n"
        "  guest:\n"
        "    default: deny\n"
        "    appliances: confirm\n",
        encoding="utf-8",
    )
    driver = HubDriver(data_dir)
    try:
        assert driver.ask("turn on the tv", "lily").status.value == "refused"
        assert driver.ask("set the living room ac to 22 degrees", "lily").status.value == "refused"
        assert driver.ask("set the living room ac to 25 degrees", "lily").status.value == "done"
        assert driver.ask("unlock the front door", "bo").status.value == "needs_confirmation"
        prompt = driver.ask("turn on the kettle", "guest")
        assert prompt.status.value == "needs_confirmation" and "Say yes" in prompt.response
        assert driver.ask("yes", "guest", conversation_id=prompt.conversation_id).status.value == "done"
        assert driver.state("switch.kettle") == "on"
        # Roles the file does not mention keep their safe defaults.
        assert driver.ask("unlock the front door", "lily").status.value == "refused"
    finally:
        driver.close()


def test_secure_direction_cannot_be_denied(data_dir: Path) -> None:
    (data_dir / POLICY_FILE).write_text("roles:\n  guest:\n    default: deny\n", encoding="utf-8")
    driver = HubDriver(data_dir)
    try:
        driver.call("unlock", "lock.front_door")
        assert driver.ask("lock the front door", "guest").status.value == "done"
        assert driver.ask("arm the alarm", "guest").status.value == "done"
    finally:
        driver.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("roles:\n  child:\n    unsecure: maybe\n", "roles.child.unsecure"),
        ("roles:\n  wizard:\n    default: allow\n", "roles.wizard"),
        ("members:\n  lily:\n    fly: allow\n", "members.lily.fly"),
        ("audit:\n  retention_days: 0\n", "audit.retention_days"),
        ("[1, 2", "not valid YAML"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_invalid_policy_file_is_a_clear_error(data_dir: Path, text: str, message: str) -> None:
    (data_dir / POLICY_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message.replace(".", r"\.")):
        Hub.open(data_dir)


def test_household_table_defaults_and_fixed_rules(tmp_path: Path) -> None:
    policy = Policy.load_default()

    def member(member_id: str, role: Role) -> Member:
        return Member(member_id, Names({"en": member_id}), role, "en")

    alice, bo, lily, guest = (
        member("alice", Role.ADMIN),
        member("bo", Role.ADULT),
        member("lily", Role.CHILD),
        member("guest", Role.GUEST),
    )
    assert policy.may(lily, "reminders", "read", owner="lily") and policy.may(
        alice, "reminders", "read", owner="lily"
    )
    assert not policy.may(bo, "reminders", "read", owner="lily")
    assert policy.may(bo, "reminders", "read", owner="lily", creator="bo")  # he set it up for her
    assert policy.may(lily, "lists", "read") and not policy.may(guest, "lists", "read")
    assert policy.may(lily, "lists", "remove", creator="lily") and not policy.may(lily, "lists", "remove")
    assert policy.may(bo, "timers", "change", owner="alice") and not policy.may(
        lily, "timers", "change", owner="bo"
    )
    assert policy.order_decision(lily) is Decision.APPROVAL
    assert policy.order_decision(bo) is Decision.ALLOW and policy.order_decision(guest) is Decision.APPROVAL
    assert policy.may(bo, "orders", "approve") and not policy.may(lily, "orders", "approve")
    assert policy.may(bo, "automations", "switch") and not policy.may(lily, "automations", "switch")
    # A file may loosen the table, but never hand a child or a guest the automations or approvals.
    (tmp_path / POLICY_FILE).write_text("household:\n  timers: {change: [self, admin, adult, child]}\n")
    assert Policy.load(tmp_path).may(lily, "timers", "change", owner="bo")
    for line in ("automations: {switch: [adult, child]}", "orders: {approve: [guest]}"):
        (tmp_path / POLICY_FILE).write_text(f"household:\n  {line}\n")
        with pytest.raises(PolicyError, match="never be given to a child or a guest"):
            Policy.load(tmp_path)
    (tmp_path / POLICY_FILE).write_text("household:\n  timers: {burn: [admin]}\n")
    with pytest.raises(PolicyError, match="unknown operation 'burn'"):
        Policy.load(tmp_path)
    # An older file's private_kinds still makes those kinds private.
    (tmp_path / POLICY_FILE).write_text("private_kinds: [timers]\n")
    assert not Policy.load(tmp_path).may(bo, "timers", "read", owner="alice")


def test_audit_is_append_only(hub: HubDriver) -> None:
    hub.ask("turn on the kettle", "bo")
    db = sqlite3.connect(hub.hub.store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE action_log SET result = 'ok'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM action_log")
    db.close()
    assert hub.hub.store.actions(1)[0]["service"] == "turn_on"


def test_audit_retention(data_dir: Path) -> None:
    (data_dir / POLICY_FILE).write_text("audit:\n  retention_days: 30\n", encoding="utf-8")
    hub = Hub.open(data_dir)
    for days in (400, 31, 29):
        when = datetime.now(UTC) - timedelta(days=days)
        hub.store.log_action(
            {
                "time": when.isoformat(timespec="milliseconds"),
                "member": "bo",
                "channel": "test",
                "entity_id": "switch.kettle",
                "service": "turn_on",
                "data": {},
                "result": "ok",
                "text": f"{days} days ago",
            }
        )
    hub.store.close()
    hub = Hub.open(data_dir)
    assert [e["text"] for e in hub.store.actions(None)] == ["29 days ago"]
    hub.store.close()


def test_owner_direct_call_is_audited_not_held(hub: HubDriver) -> None:
    outcome = hub.call("unlock", "lock.front_door")
    assert outcome.result.value == "ok" and hub.state("lock.front_door") == "unlocked"
    entry = hub.hub.store.actions(1)[0]
    assert entry["decision"] == "direct" and entry["action_class"] == "unsecure"
    assert entry["member"] == "alice"


def test_entrances_are_classified_by_direction() -> None:
    garage = Entity(
        "cover.garage", Domain.COVER, Names({"en": "Garage Door"}), "entrance", frozenset({"position"})
    )
    garage = Entity(**{**garage.__dict__, "device_class": "garage"})
    curtain = Entity("cover.c", Domain.COVER, Names({"en": "Curtain"}), "living_room", frozenset(), "curtain")
    assert classify(garage, "open_cover") == "unsecure"
    assert classify(garage, "set_cover_position", {"position": 40}) == "unsecure"
    assert classify(garage, "close_cover") == "secure"
    assert classify(garage, "set_cover_position", {"position": 0}) == "secure"
    assert classify(curtain, "open_cover") == "covers"
    policy = Policy.load_default()
    child = Member("lily", Names({"en": "Lily"}), Role.CHILD, "en")
    adult = Member("bo", Names({"en": "Bo"}), Role.ADULT, "en")
    guest = Member("guest", Names({"en": "Guest"}), Role.GUEST, "en")
    assert policy.decide(child, garage, "open_cover", {}).decision is Decision.DENY
    assert policy.decide(adult, garage, "open_cover", {}).decision is Decision.PIN
    assert policy.decide(guest, garage, "close_cover", {}).decision is Decision.ALLOW


# --- household data: every operation for every role, through the API and the CLI --------------
#
# The data belongs to "mei", an adult added to the demo family, so that every demo member
# meets someone else's data; a child's order waits for approval. Each (role, channel) pair
# starts from a fresh home. A change is "done" when the owner's view of the household changed
# (and refused when it did not, with the refusal in the audit); a read is "done" when the data
# came back.

HOUSEHOLD_ROLES = ("alice", "bo", "nainai", "lily", "guest")  # admin, adult, elder, child, guest
A, N = True, False
HOUSEHOLD_EXPECTED = {
    #                        admin adult elder child guest
    "lists.read": (A, A, A, A, N),
    "lists.add": (A, A, A, A, N),
    "lists.complete": (A, A, A, A, N),
    "lists.remove": (A, A, A, N, N),
    "timers.cancel": (A, A, N, N, N),
    "alarms.read": (A, N, N, N, N),
    "reminders.read": (A, N, N, N, N),
    "reminders.delete": (A, N, N, N, N),
    "calendar.read": (A, N, N, N, N),
    "orders.read": (A, A, N, N, N),
    "orders.approve": (A, A, N, N, N),
    "notifications.read": (A, N, N, N, N),
    "automations.switch": (A, A, N, N, N),
    "automations.create": (A, A, A, A, N),
    "automations.remove": (A, A, N, N, N),
    "devices.see_locks": (A, A, A, A, N),
    # An incident about Grandma (the elder): she cancels her own false alarm; adults answer.
    "care.read": (A, A, A, A, N),
    "care.acknowledge": (A, A, N, N, N),
    "care.resolve": (A, A, N, N, N),
    "care.cancel": (N, N, A, N, N),
}
CHANGES = {"lists.add", "lists.complete", "lists.remove", "timers.cancel", "reminders.delete"}
CHANGES |= {"orders.approve", "automations.switch", "automations.create", "automations.remove"}
CHANGES |= {"care.acknowledge", "care.resolve", "care.cancel"}


def _household_home(data: Path) -> dict[str, int]:
    """The demo home with mei's data in it; returns the ids the operations name."""
    from homemind.household.orders import OrderLine
    from homemind.household.when import When

    init_data_dir(data, demo=True)
    hub = Hub.open(data)
    try:
        hub.store.add_member("mei", "Mei", "adult", "en")
        hub = _reopen(hub, data)
        house, mei, lily = hub.household, hub.actor("mei"), hub.actor("lily")
        soon = When(house.now() + timedelta(hours=3))
        house.lists.add(mei, "shopping", ["eggs"])
        ids = {"timer": house.timers.start(mei, 600, "pasta").id, "alarm": house.alarms.set(mei, soon).id}
        ids["reminder"] = house.reminders.set(mei, mei.member, "water the plants", soon).id
        house.calendar.add(mei, "dentist", soon.at)
        milk = house.orders.merchant.find("milk", "en")
        assert milk is not None
        house.orders.confirm(mei, house.orders.cart(mei, [OrderLine(milk, 1)]).id)
        ids["order"] = house.orders.confirm(lily, house.orders.cart(lily, [OrderLine(milk, 2)]).id).id
        with hub.store.transaction() as db:
            house.notifications.add(db, "mei", "reminder", "1", 0, False, "reminder.due", {"text": "plants"})
        at = {"at": (house.now() + timedelta(hours=2)).isoformat(), "recurrence": "FREQ=DAILY"}
        steps = [Step(service="turn_on", entity_id="light.balcony")]
        house.automations.create(mei, "turn on the balcony light every day", "en", at, steps)  # said_1

        async def fall() -> int:
            await hub.start()
            try:
                incident = await hub.care.report(hub.actor("nainai"), "nainai", "fall")
                assert incident is not None
                return incident.id
            finally:
                await hub.backend.stop()

        ids["incident"] = asyncio.run(fall())
        return ids
    finally:
        hub.store.close()


def _reopen(hub: Hub, data: Path) -> Hub:
    hub.store.close()
    return Hub.open(data)


def _owner_view(data: Path) -> dict[str, object]:
    hub = Hub.open(data)
    try:
        view = hub.household.dump(hub.actor("alice"))
        view["timers"] = [(t["id"], t["state"]) for t in view["timers"]]  # time left moves on by itself
        view["automations"] = hub.household.automations.list(hub.actor("alice"))
        view["care"] = [(i.id, i.state) for i in hub.care.records.recent()]
        return view
    finally:
        hub.store.close()


def _api_op(client: TestClient, member: str, op: str, ids: dict[str, int]) -> bool:
    headers = {"Authorization": f"Bearer {client.tokens[member]}"}  # type: ignore[attr-defined]
    get, post, delete, item = client.get, client.post, client.delete, "/api/lists/shopping/items"
    switch = "/api/automations/morning_curtains"
    incident = f"/api/care/incidents/{ids['incident']}"

    def household(kind: str) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = get("/api/household", headers=headers).json()[kind]
        return rows

    calls = {
        "lists.read": lambda: "shopping" in get("/api/household", headers=headers).json()["lists"],
        "lists.add": lambda: post(item, json={"item": "milk"}, headers=headers).status_code == 201,
        "lists.complete": lambda: post(f"{item}/complete", json={"item": "eggs"}, headers=headers).is_success,
        "lists.remove": lambda: post(f"{item}/remove", json={"item": "eggs"}, headers=headers).is_success,
        "timers.cancel": lambda: post(f"/api/timers/{ids['timer']}/cancel", headers=headers).is_success,
        "alarms.read": lambda: any(a["member"] == "mei" for a in household("alarms")),
        "reminders.read": lambda: "water the plants" in get("/api/household", headers=headers).text,
        "reminders.delete": lambda: delete(f"/api/reminders/{ids['reminder']}", headers=headers).is_success,
        "calendar.read": lambda: "dentist" in get("/api/calendar.ics?member=mei", headers=headers).text,
        "orders.read": lambda: any(o["requested_by"] == "mei" for o in household("orders")),
        "orders.approve": lambda: post(f"/api/approvals/{ids['order']}/approve", headers=headers).is_success,
        "notifications.read": lambda: get("/api/notifications?member=mei", headers=headers).is_success,
        "automations.switch": lambda: post(f"{switch}/enable", headers=headers).is_success,
        "automations.create": lambda: [
            post("/api/conversation", json={"text": said, "conversation_id": "auto"}, headers=headers).json()
            for said in ("turn on the kitchen light every day at 9pm", "yes")
        ][-1]["status"] == "done",
        "automations.remove": lambda: delete("/api/automations/said_1", headers=headers).is_success,
        "devices.see_locks": lambda: "lock.front_door" in get("/api/entities", headers=headers).text,
        "care.read": lambda: '"nainai"' in get("/api/care/incidents", headers=headers).text,
        "care.acknowledge": lambda: post(f"{incident}/ack", headers=headers).is_success,
        "care.resolve": lambda: post(f"{incident}/resolve", headers=headers).is_success,
        "care.cancel": lambda: post(f"{incident}/cancel", headers=headers).is_success,
    }  # fmt: skip
    return bool(calls[op]())


def _cli_op(
    data: Path, member: str, op: str, ids: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> bool:
    from homemind.channels.cli import main

    def run(*args: str) -> tuple[int, str]:
        code = main(["--data", str(data), *args])
        return code, capsys.readouterr().out

    def ask(text: str) -> bool:
        return run("ask", "--as", member, "--json", text)[1].count('"status": "done"') == 1

    def state() -> dict[str, object]:
        code, out = run("state", "--as", member, "--json")
        return json.loads(out) if code == 0 else {}

    calls = {
        "lists.read": lambda: "eggs" in run("ask", "--as", member, "what's on the shopping list")[1],
        "lists.add": lambda: ask("add milk to the shopping list"),
        "lists.complete": lambda: ask("check off eggs on the shopping list"),
        "lists.remove": lambda: ask("remove eggs from the shopping list"),
        "timers.cancel": lambda: ask("cancel the pasta timer"),
        "alarms.read": lambda: any(a["member"] == "mei" for a in state()["alarms"]),  # type: ignore[attr-defined]
        "reminders.read": lambda: "water the plants" in json.dumps(state()),
        "reminders.delete": lambda: ask("delete the reminder to water the plants"),
        "calendar.read": lambda: "dentist" in run("calendar", "export", "--member", "mei", "--as", member)[1],
        "orders.read": lambda: any(o["requested_by"] == "mei" for o in state()["orders"]),  # type: ignore[attr-defined]
        "orders.approve": lambda: run("approvals", "approve", str(ids["order"]), "--as", member)[0] == 0,
        "notifications.read": lambda: run("notifications", "--member", "mei", "--as", member)[0] == 0,
        "automations.switch": lambda: run("automations", "enable", "morning_curtains", "--as", member)[0] < 1,
        "automations.create": lambda: [
            run("ask", "--as", member, "--json", "--conversation-id", "auto", said)
            for said in ("turn on the kitchen light every day at 9pm", "yes")
        ][-1][1].count('"status": "done"') == 1,
        "automations.remove": lambda: run("automations", "remove", "said_1", "--as", member)[0] == 0,
        "devices.see_locks": lambda: "lock.front_door" in state()["entities"],  # type: ignore[operator]
        "care.read": lambda: '"nainai"' in run("care", "incidents", "--json", "--as", member)[1],
        "care.acknowledge": lambda: run("care", "ack", str(ids["incident"]), "--as", member)[0] == 0,
        "care.resolve": lambda: run("care", "resolve", str(ids["incident"]), "--as", member)[0] == 0,
        "care.cancel": lambda: run("care", "cancel", str(ids["incident"]), "--as", member)[0] == 0,
    }  # fmt: skip
    return bool(calls[op]())


@pytest.mark.parametrize("channel", ["api", "cli"])
@pytest.mark.parametrize("member", HOUSEHOLD_ROLES)
def test_household_matrix(
    tmp_path: Path, member: str, channel: str, capsys: pytest.CaptureFixture[str]
) -> None:
    column = HOUSEHOLD_ROLES.index(member)
    for op, expected in HOUSEHOLD_EXPECTED.items():
        data = tmp_path / op
        ids = _household_home(data)
        before = _owner_view(data)
        if channel == "api":
            with TestClient(create_app(data), base_url="http://localhost") as client:
                hub: Hub = client.app.state.hub  # type: ignore[attr-defined]
                client.tokens = {member: hub.auth.issue_token(member).text}  # type: ignore[attr-defined]
                done = _api_op(client, member, op, ids)
        else:
            done = _cli_op(data, member, op, ids, capsys)
        assert done is expected[column], (member, channel, op)
        if op in CHANGES:
            assert (_owner_view(data) != before) is expected[column], (member, channel, op, "change")
            if not expected[column]:
                _assert_refusal_audited(data, member, op)


def _assert_refusal_audited(data: Path, member: str, op: str) -> None:
    """A refused change is in the audit log, by whom and what, unless nothing was even visible."""
    hub = Hub.open(data)
    try:
        entries = [e for e in hub.store.actions(20) if e["member"] == member]
        kind = op.split(".")[0]
        refused = [e for e in entries if e["result"] == "refused" and e["service"].startswith(kind)]
        invisible = member == "guest" or op in ("reminders.delete",)
        assert refused or invisible, (member, op, entries[:3])
    finally:
        hub.store.close()


def test_a_guest_sees_nothing_of_the_homes_security(data_dir: Path) -> None:
    """The guest's event stream, entity list and questions: shared rooms only, no lock, no alarm."""
    hub = Hub.open(data_dir)
    tokens = {m: {"Authorization": f"Bearer {hub.auth.issue_token(m).text}"} for m in ("alice", "guest")}
    hub.store.close()
    server = Server(data_dir)
    try:
        seen: list[str] = []
        ready = threading.Event()

        def listen() -> None:
            with httpx.stream(
                "GET", f"{server.url}/api/events", headers=tokens["guest"], timeout=20
            ) as stream:
                kind = None
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        kind = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and kind == "ready":
                        ready.set()
                    elif line.startswith("data:") and kind == "state_changed":
                        seen.append(json.loads(line.split(":", 1)[1])["data"]["entity_id"])
                        if seen[-1] == "light.living_room_ceiling":
                            return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert ready.wait(10)
        with httpx.Client(base_url=server.url, timeout=20) as api:
            for service, entity_id in (
                ("alarm_arm_away", "alarm_control_panel.home_security"),  # the home's security
                ("turn_on", "light.bedroom"),  # a private room
                ("turn_on", "light.living_room_ceiling"),  # a shared room: the one she sees
            ):
                done = api.post(
                    f"/api/services/{service}", json={"entity_id": entity_id}, headers=tokens["alice"]
                )
                assert done.status_code == 200, done.text
            thread.join(15)
            assert seen == ["light.living_room_ceiling"]  # the lock and the bedroom never reached her
            listed = {e["entity_id"] for e in api.get("/api/entities", headers=tokens["guest"]).json()}
            assert "light.living_room_ceiling" in listed and "light.bedroom" not in listed
            assert not {e for e in listed if e.startswith(("lock.", "alarm_control_panel."))}
            assert api.get("/api/entities/lock.front_door", headers=tokens["guest"]).status_code == 404
            asked = api.post(
                "/api/conversation", json={"text": "is the front door locked?"}, headers=tokens["guest"]
            )
            assert asked.json()["status"] == "refused" and "locked" not in asked.json()["response"]
    finally:
        server.stop()


def test_what_did_i_order_is_the_speakers_own(hub: HubDriver) -> None:
    cid = hub.ask("order two bottles of soy sauce", "bo").conversation_id
    assert hub.ask("yes", "bo", conversation_id=cid).status.value == "done"
    assert "No orders" in hub.ask("what did I order", "lily").response
    assert "soy sauce" in hub.ask("what did I order", "bo").response
