"""The channel-independent conversation pipeline."""

from homemind.conversation.pipeline import Conversation, ConversationResult

__all__ = ["Conversation", "ConversationResult"]
