"""Login throttling that an attacker cannot turn against a member.

An attack found that five wrong passwords for bo, from anywhere, locked bo out for
everyone for five minutes, and locked out every member behind the attacker's address
(a NAT, a reverse proxy). So failures are counted where they come from:

- per (member, address): exponential backoff once a few have failed (a typo costs
  nothing, a script waits twice as long after each guess, up to 15 minutes);
- per address, across members: a cap (20 failures in 15 minutes), so one address
  cannot guess its way through every member;
- a browser that has signed in as that member before shows a signed *known device*
  cookie, and is then counted on its own: nobody else's failures, from the same NAT
  or anywhere, can refuse it the right password.

While a wait lasts even the right password is refused, so a guesser cannot tell which
guess was right. Failures live in the store (shared by every process).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from homemind.policy.auth import Auth

PAIR_FREE_FAILURES = 3
PAIR_LONGEST_WAIT = 900.0
ADDRESS_FAILURES = 20
ADDRESS_WINDOW = 900.0
KNOWN_DEVICE_SECONDS = 180 * 86400
KNOWN_DEVICE_COOKIE = "homemind_device_"  # + the member's id: one per member on a shared tablet
_KEY_OWNER, _KEY_KIND = "#hub", "known_device_key"  # no member id holds a '#'


@dataclass(frozen=True)
class Attempt:
    """One login: who it is for, where it came from, and the known-device id it showed (if valid)."""

    member: str
    address: str
    device: str | None = None


@dataclass(frozen=True)
class Refusal:
    seconds: float
    reason: str  # "member": this name from here (or this device); "address": everyone from here


class LoginThrottle:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    def _own_key(self, attempt: Attempt) -> str:
        if attempt.device is not None:
            return f"login-device:{attempt.member}:{attempt.device}"
        return f"login:{attempt.member}@{attempt.address}"

    def wait(self, attempt: Attempt) -> Refusal | None:
        """Why and how long this attempt must wait, or None if it may be checked now."""
        own = self.auth.backoff(self._own_key(attempt), PAIR_FREE_FAILURES, PAIR_LONGEST_WAIT)
        if own is not None:
            return Refusal(own, "member")
        if attempt.device is None:
            shared = self.auth.locked_out(f"login-ip:{attempt.address}", ADDRESS_FAILURES, ADDRESS_WINDOW)
            if shared is not None:
                return Refusal(shared, "address")
        return None

    def failed(self, attempt: Attempt) -> None:
        self.auth.failed(self._own_key(attempt))
        if attempt.device is None:
            self.auth.failed(f"login-ip:{attempt.address}")

    def succeeded(self, attempt: Attempt) -> None:
        self.auth.store.clear_failures(self._own_key(attempt))

    # --- known devices: a signed cookie, so nothing more is stored per browser ---

    def _key(self) -> bytes:
        store = self.auth.store
        key = store.credential(_KEY_OWNER, _KEY_KIND)
        if key is None:
            store.set_credential(_KEY_OWNER, _KEY_KIND, secrets.token_hex(32), self.auth.clock())
            key = store.credential(_KEY_OWNER, _KEY_KIND)
        assert key is not None
        return bytes.fromhex(key)

    def _sign(self, member: str, device: str, expires: int) -> str:
        message = f"{member}:{device}:{expires}".encode()
        return hmac.new(self._key(), message, hashlib.sha256).hexdigest()

    def known_device(self, member: str, value: str | None) -> str | None:
        """The device id in a known-device cookie, if it is genuine, unexpired and for ``member``."""
        parts = (value or "").split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        device, expires, signature = parts[0], int(parts[1]), parts[2]
        if expires < self.auth.clock():
            return None
        if not hmac.compare_digest(signature, self._sign(member, device, expires)):
            return None
        return device

    def remember_device(self, member: str, device: str | None) -> str:
        """A known-device cookie value for ``member`` (the same device id again, renewed)."""
        device = device or secrets.token_urlsafe(12)  # no "." in it: the separator
        expires = int(self.auth.clock() + KNOWN_DEVICE_SECONDS)
        return f"{device}.{expires}.{self._sign(member, device, expires)}"
