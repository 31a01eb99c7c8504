"""Answerers asked when no understanding tier took a sentence, before "not understood".

A fallback is for what is not a home command: a question about the household's
documents, or (last) a language model that may only act through the executor.
Keeping them behind one small protocol means the pipeline does not learn about
each of them, and the fast tiers always run first.
"""

from __future__ import annotations

from typing import Protocol

from homemind.policy import Actor
from homemind.skills.base import Reply


class Fallback(Protocol):
    """Asked in order when no tier understood a sentence; ``None`` passes to the next."""

    # Shown as ``intent.tier`` in the result ("documents", "llm", ...).
    name: str

    async def answer(self, text: str, actor: Actor, language: str, conversation_id: str) -> Reply | None: ...
