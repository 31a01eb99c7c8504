"""Who is asking: passwords, PINs and device codes (Argon2id), API tokens, web sessions, attempt limits.

argon2-cffi does the hashing (slow on purpose, salted, parameters kept in the
hash). A device's code (an alarm panel's) is hashed the same way and never kept
in the home file, which only names it. API tokens are long random secrets, so a
plain SHA-256 of them is enough at rest and keeps every authenticated request
cheap; only the token's id is ever shown again. Failed attempts live in the
store, so a script cannot reset its count by starting a new ``homemind ask``
process.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from homemind.store import Store

TOKEN_PREFIX = "hm"
SESSION_SECONDS = 12 * 3600
# Wrong PINs / passwords per member (and logins per client) in the window before refusing.
MAX_FAILURES = 5
FAILURE_WINDOW = 300.0
PIN_PATTERN = re.compile(r"^\d{4,8}$")

_hasher = PasswordHasher()
# Device codes share the credential table with members' secrets; no member id holds a colon.
_DEVICE = "device:"


class AuthError(ValueError):
    """A credential that cannot be set (a PIN that is not 4-8 digits, a short password)."""


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    if hashed is None:
        _hasher.hash(secret)  # the same work either way: no telling unknown members by timing
        return False
    try:
        return _hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    id: str
    secret: str  # shown once, never stored

    @property
    def text(self) -> str:
        return f"{TOKEN_PREFIX}_{self.id}_{self.secret}"


@dataclass(frozen=True)
class TokenGrant:
    """Who a token acts as, and how far: a read-only token never changes anything."""

    member: str
    token_id: str
    read_only: bool = False
    expires_at: float | None = None


class Auth:
    """Credentials of a data dir's members, over the store."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # --- passwords and PINs ---

    def set_password(self, member: str, password: str) -> None:
        if len(password) < 8:
            raise AuthError("a password needs at least 8 characters")
        self.store.set_credential(member, "password", hash_secret(password), self.clock())
        self.store.delete_sessions(member)  # a changed password logs out every browser

    def set_pin(self, member: str, pin: str) -> None:
        if not PIN_PATTERN.match(pin):
            raise AuthError("a PIN is 4 to 8 digits")
        self.store.set_credential(member, "pin", hash_secret(pin), self.clock())

    def has_pin(self, member: str) -> bool:
        return self.store.credential(member, "pin") is not None

    def locked_out(self, key: str, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> float | None:
        """Seconds until ``key`` may try again (``limit`` failures within ``window``), or None."""
        now = self.clock()
        recent = self.store.failures_since(key, now - window)
        if len(recent) < limit:
            return None
        return max(1.0, window - (now - recent[-limit]))

    def backoff(self, key: str, free: int, longest: float) -> float | None:
        """Seconds ``key`` must still wait under exponential backoff, or None if it may try now.

        After ``free`` failures (within a day) each further one doubles the wait, from one
        second up to ``longest``: a person who mistyped waits a moment, a script for ever.
        """
        now = self.clock()
        recent = self.store.failures_since(key, now - 86400)
        if len(recent) < free:
            return None
        wait = min(2.0 ** min(len(recent) - free, 30), longest) - (now - recent[-1])
        return wait if wait > 0 else None

    def failed(self, key: str) -> None:
        self.store.note_failure(key, self.clock())

    def check_pin(self, member: str, pin: str) -> bool:
        """Verify a member's PIN; the caller checks ``locked_out(f"pin:{member}")`` first."""
        ok = verify_secret(self.store.credential(member, "pin"), pin)
        if ok:
            self.store.clear_failures(f"pin:{member}")
        else:
            self.failed(f"pin:{member}")
        return ok

    def check_password(self, member: str, password: str) -> bool:
        """Verify a web password; the login's throttle (policy/throttle.py) counts failures."""
        return verify_secret(self.store.credential(member, "password"), password)

    # --- device codes (an alarm panel's): hashed like PINs, named by the home file ---

    def set_device_code(self, name: str, code: str) -> None:
        if not PIN_PATTERN.match(code):
            raise AuthError("a device code is 4 to 8 digits")
        self.store.set_credential(_DEVICE + name, "code", hash_secret(code), self.clock())

    def has_device_code(self, name: str) -> bool:
        return self.store.credential(_DEVICE + name, "code") is not None

    def check_device_code(self, name: str, code: str) -> bool:
        return verify_secret(self.store.credential(_DEVICE + name, "code"), code)

    # --- API tokens ---

    def issue_token(
        self, member: str, name: str = "", *, read_only: bool = False, expires_at: float | None = None
    ) -> IssuedToken:
        """A new token for ``member``; ``read_only`` ones may only read, ``expires_at`` ends it."""
        issued = IssuedToken(secrets.token_hex(6), secrets.token_urlsafe(32))
        self.store.add_token(
            issued.id,
            member,
            name,
            _sha256(issued.secret),
            self.clock(),
            read_only=read_only,
            expires_at=expires_at,
        )
        return issued

    def token_grant(self, text: str) -> TokenGrant | None:
        """What a live token grants; None for one that is unknown, wrong, revoked or expired."""
        parts = text.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        row = self.store.token(parts[1])
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(str(row["hash"]), _sha256(parts[2])):
            return None
        now = self.clock()
        if row["expires_at"] is not None and float(row["expires_at"]) <= now:
            return None
        self.store.touch_token(parts[1], now)
        expires = None if row["expires_at"] is None else float(row["expires_at"])
        return TokenGrant(str(row["member"]), parts[1], bool(row["read_only"]), expires)

    def token_member(self, text: str) -> tuple[str, str] | None:
        """(member, token id) for a live token, else None."""
        grant = self.token_grant(text)
        return None if grant is None else (grant.member, grant.token_id)

    # --- web sessions ---

    def open_session(self, member: str) -> tuple[str, str]:
        """A new session: (cookie value, CSRF token). Only the cookie's hash is stored."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        self.store.add_session(_sha256(cookie), member, csrf, self.clock() + SESSION_SECONDS)
        return cookie, csrf

    def session(self, cookie: str) -> tuple[str, str] | None:
        """(member, CSRF token) of a live session."""
        found = self.store.session(_sha256(cookie))
        if found is None:
            return None
        member, csrf, expires_at = found
        if expires_at < self.clock():
            self.store.delete_session(_sha256(cookie))
            return None
        return member, csrf

    def close_session(self, cookie: str) -> None:
        self.store.delete_session(_sha256(cookie))
