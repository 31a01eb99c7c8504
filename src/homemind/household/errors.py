"""What can go wrong with a household operation, as a small hierarchy channels map once.

Each error carries a message key and parameters (it is an ``ActionError``), so the
reply is rendered in the reader's language; its class says what kind of failure it
is, so the API answers 403 / 404 / 400 / 409 and the conversation refused / error
without looking at the key.
"""

from __future__ import annotations

from typing import Any

from homemind.core.services import ActionError


class HouseholdError(ActionError):
    """A household operation that could not be done; the message says why."""

    http_status = 400
    # A rule said no (the conversation answers "refused"), rather than something being wrong.
    refusal = False


class NotAllowed(HouseholdError):
    """The policy's household table does not let this member do this (audited)."""

    http_status = 403
    refusal = True


class NotFound(HouseholdError):
    """No such timer, item, order, automation ... (or none this member may see)."""

    http_status = 404


class Invalid(HouseholdError):
    """The request itself is wrong: empty or too long text, a time in the past, a bad length."""

    http_status = 400


class Conflict(HouseholdError):
    """Valid, but not now: an order already decided or expired, over the month's budget."""

    http_status = 409


class OverBudget(Conflict):
    """Placing it would go over the household's monthly budget."""

    refusal = True


class Ambiguous(HouseholdError):
    """Several things match; ``choices`` are what the member can pick from."""

    http_status = 409

    def __init__(self, key: str, choices: list[Any], **params: Any) -> None:
        super().__init__(key, **params)
        self.choices = choices
