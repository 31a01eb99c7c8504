"""The one executor every action passes: who may do what, confirmations, the action log."""

from homemind.policy.executor import ActionOutcome, Actor, Executor

__all__ = ["ActionOutcome", "Actor", "Executor"]
