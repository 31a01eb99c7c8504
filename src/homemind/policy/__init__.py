"""The one executor every action passes: who may do what, confirmations, the action log."""

from homemind.policy.executor import ActionOutcome, Actor, Executor, Result, is_clean_text

__all__ = ["ActionOutcome", "Actor", "Executor", "Result", "is_clean_text"]
