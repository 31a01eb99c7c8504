"""Untrusted text a person asked to keep (a list item, a title, a reminder): bounded data.

It is stored as given and shown as given, never parsed for commands, whichever
channel it came through.
"""

from __future__ import annotations

import unicodedata

from homemind.core import i18n
from homemind.household.errors import Invalid

# Longest text kept for an item, a reminder or an event title: a sentence, not a document.
MAX_ITEM_CHARS = 200

i18n.register(
    {
        "item.empty": {"en": "What should I write down? The item is empty.", "zh": "要记什么？内容是空的。"},
        "item.too_long": {
            "en": "That is too long to keep ({length} characters; the limit is {limit}).",
            "zh": "内容太长（{length} 个字符），上限是 {limit}。",
        },
        "item.unreadable": {"en": "That is not readable text.", "zh": "这不是可读的文字。"},
    }
)


def clean_item(text: str | None) -> str:
    """Trimmed, at most ``MAX_ITEM_CHARS``, printable; else :class:`Invalid` saying why."""
    value = " ".join((text or "").split())
    if not value:
        raise Invalid("item.empty")
    if len(value) > MAX_ITEM_CHARS:
        raise Invalid("item.too_long", length=len(value), limit=MAX_ITEM_CHARS)
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in value):
        raise Invalid("item.unreadable")
    return value
