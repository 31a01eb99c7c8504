"""Device tokens: what a wearable that speaks HTTP uses to post its events.

A device token is bound to one member and does one thing: ``POST /api/care/events``
about that member. It is not a member's API token (it cannot ask, unlock or read
anything), so a watch that is lost or sold gives nothing else away. As with API
tokens, only a SHA-256 of the secret is kept and the token is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from homemind.store import Store

PREFIX = "hmd"


@dataclass(frozen=True)
class IssuedDeviceToken:
    id: str
    member: str
    secret: str

    @property
    def text(self) -> str:
        return f"{PREFIX}_{self.id}_{self.secret}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DeviceTokens:
    def __init__(self, store: Store) -> None:
        self.store = store

    def issue(self, member: str, name: str, now: float) -> IssuedDeviceToken:
        issued = IssuedDeviceToken(secrets.token_hex(6), member, secrets.token_urlsafe(32))
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO care_device_tokens (id, member, name, hash, created_at) VALUES (?, ?, ?, ?, ?)",
                (issued.id, member, name, _sha256(issued.secret), now),
            )
        return issued

    def member_of(self, text: str) -> str | None:
        """The member a live device token speaks for, else None."""
        parts = text.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        rows = self.store.read(
            "SELECT * FROM care_device_tokens WHERE id = ? AND revoked_at IS NULL", (parts[1],)
        )
        if not rows or not hmac.compare_digest(str(rows[0]["hash"]), _sha256(parts[2])):
            return None
        return str(rows[0]["member"])

    def revoke(self, token_id: str, now: float) -> bool:
        with self.store.transaction() as db:
            return (
                db.execute(
                    "UPDATE care_device_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    (now, token_id),
                ).rowcount
                == 1
            )

    def listed(self) -> list[dict[str, Any]]:
        return self.store.read(
            "SELECT id, member, name, created_at, revoked_at FROM care_device_tokens ORDER BY created_at"
        )

    @staticmethod
    def looks_like(text: str) -> bool:
        return text.startswith(PREFIX + "_")
