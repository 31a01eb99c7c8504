"""Text -> intent + slots, in tiers. This issue's tier: templates (hassil)."""

from homemind.nlu.types import IntentMatch, Slot

__all__ = ["IntentMatch", "Slot"]
