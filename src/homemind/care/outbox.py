"""Pushes to phones outside the hub: an ntfy-compatible server or a webhook, over httpx.

A push is a row written in the same transaction as the incident step that caused
it, then delivered at once and, if that fails, again with a growing pause, for as
long as it takes: a push is never dropped. After a few failures the family's admins
are told (a household notification naming the recipient, the target and the
error), once per push, so a dead phone or a mistyped URL does not fail silently.
A row is leased (its next try moved on) before it is sent, so two processes never
send the same push twice.

The target itself (with its token) is never stored: the row names it by its label
and it is looked up in the home file when it is sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from sqlite3 import Connection
from typing import TYPE_CHECKING, Any

import httpx

from homemind.care.notify import both
from homemind.core.caremodel import CareSettings, Target

if TYPE_CHECKING:
    from homemind.household import Household

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
LEASE_SECONDS = 30.0
REPORT_AFTER = 3  # failed attempts before the admins are told
FIRST_RETRY = 5.0
MAX_RETRY = 300.0


class DeliveryFailed(RuntimeError):
    """The target answered with an error, or could not be reached; the message says how."""


def all_targets(settings: CareSettings) -> dict[str, Target]:
    """Every push target the home file names, by label."""
    found: list[Target] = [t for targets in settings.phones.values() for t in targets]
    for cared in settings.members.values():
        found += [t for contact in cared.contacts for t in contact.targets]
    if settings.emergency is not None:
        found += list(settings.emergency.targets)
    return {t.label: t for t in found}


def request_for(
    target: Target, payload: dict[str, Any], home: str
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(url, JSON body, headers) for one push, in the target's own protocol."""
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    if target.kind == "ntfy":
        # ntfy's JSON publishing: POST to the server's root with the topic in the body.
        body = {
            "topic": target.topic,
            "title": payload["title"],
            "message": payload["text"],
            "priority": 5 if payload.get("urgent") else 3,
            "tags": ["rotating_light" if payload.get("urgent") else "information_source"],
        }
        return target.url.rstrip("/") + "/", body, headers
    return target.url, {"source": "homemind", "home": home, **payload}, headers


class Outbox:
    def __init__(self, house: Household, client: httpx.AsyncClient | None = None) -> None:
        self.house = house
        self.targets = all_targets(house.home.care)
        self._client = client
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent: list[tuple[float, int]] = []  # (when, row id): this process's deliveries

    def add(
        self, db: Connection, incident: int | None, target: Target, recipient: str, payload: dict[str, Any]
    ) -> None:
        now = self.house.clock.now()
        db.execute(
            "INSERT INTO care_outbox (incident, target, recipient, payload, created, next_try)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (incident, target.label, recipient, json.dumps(payload, ensure_ascii=False), now, now),
        )

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
        return self._client

    def deliver_due(self) -> None:
        """Start delivering every push that is due (each in a task of its own)."""
        now = self.house.clock.now()
        rows = self.house.store.read(
            "SELECT * FROM care_outbox WHERE delivered_at IS NULL AND next_try <= ? ORDER BY id LIMIT 50",
            (now,),
        )
        for row in rows:
            with self.house.store.transaction() as db:
                leased = db.execute(
                    "UPDATE care_outbox SET next_try = ? WHERE id = ? AND next_try = ?"
                    " AND delivered_at IS NULL",
                    (now + LEASE_SECONDS, row["id"], row["next_try"]),
                ).rowcount
            if leased:
                task = asyncio.get_running_loop().create_task(self._deliver(row))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def settle(self, timeout: float = TIMEOUT_SECONDS + 1) -> None:
        """Wait (bounded) for deliveries in flight: before a command exits, and in tests."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def close(self) -> None:
        await self.settle()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _deliver(self, row: dict[str, Any]) -> None:
        target = self.targets.get(row["target"])
        try:
            if target is None:
                raise DeliveryFailed("the home file no longer names this target")
            url, body, headers = request_for(target, json.loads(row["payload"]), self.house.home.name)
            try:
                response = await self.client().post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
            if not response.is_success:
                raise DeliveryFailed(f"HTTP {response.status_code}")
        except DeliveryFailed as exc:
            self._failed(row, str(exc))
            return
        now = self.house.clock.now()
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE care_outbox SET delivered_at = ?, last_error = NULL WHERE id = ?", (now, row["id"])
            )
        self.sent.append((now, int(row["id"])))

    def _failed(self, row: dict[str, Any], error: str) -> None:
        attempts = int(row["attempts"]) + 1
        wait = min(MAX_RETRY, FIRST_RETRY * 2 ** (attempts - 1))
        now = self.house.clock.now()
        log.warning(
            "care push to %s (%s) failed: %s; retrying in %.0f s",
            row["recipient"],
            row["target"],
            error,
            wait,
        )
        report = attempts >= REPORT_AFTER and not row["reported"]
        with self.house.store.transaction() as db:
            db.execute(
                "UPDATE care_outbox SET attempts = ?, next_try = ?, last_error = ?, reported = ?"
                " WHERE id = ?",
                (attempts, now + wait, error[:300], int(bool(row["reported"]) or report), row["id"]),
            )
            notes = self._report(db, row, error) if report else []
        self.house.notifications.publish_stored(notes)

    def _report(self, db: Connection, row: dict[str, Any], error: str) -> list[int | None]:
        """Tell the admins that a push keeps failing (once per push)."""
        text = both(
            "care.delivery.failing", recipient=row["recipient"], target=row["target"], error=error[:200]
        )
        admins = [m.id for m in self.house.home.members.values() if m.role.value == "admin"]
        now = self.house.clock.now()
        return [
            self.house.notifications.add(
                db, admin, "care", f"delivery:{row['id']}", now, False, "care.text", {"text": text}
            )
            for admin in admins
        ]

    def status(self, incident: int) -> list[dict[str, Any]]:
        """Each push of one incident: to whom, where, delivered or still trying (and why)."""
        rows = self.house.store.read(
            "SELECT recipient, target, attempts, delivered_at, last_error FROM care_outbox WHERE incident = ?"
            " ORDER BY id",
            (incident,),
        )
        return [
            {
                "recipient": r["recipient"],
                "target": r["target"],
                "state": "delivered" if r["delivered_at"] else ("failing" if r["attempts"] else "pending"),
                "attempts": r["attempts"],
                "delivered_at": self.house.iso(r["delivered_at"]),
                "error": r["last_error"],
            }
            for r in rows
        ]
