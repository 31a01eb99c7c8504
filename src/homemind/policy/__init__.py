"""The one executor every action passes: who may do what, confirmations, PINs, the audit log."""

from homemind.policy.auth import Auth, AuthError
from homemind.policy.executor import ActionOutcome, Actor, Executor, Result, is_clean_text, redact_pins
from homemind.policy.rules import Decision, Policy, PolicyError, classify

__all__ = [
    "ActionOutcome",
    "Actor",
    "Auth",
    "AuthError",
    "Decision",
    "Executor",
    "Policy",
    "PolicyError",
    "Result",
    "classify",
    "is_clean_text",
    "redact_pins",
]
