"""What every household skill shares: the home's clock and time zone, the store, notifications.

The clock is injected so that tests move time by hand instead of sleeping; every
skill and the scheduler read "now" from here and nowhere else.
"""

from __future__ import annotations

import json
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from sqlite3 import Connection
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from homemind.core import i18n
from homemind.core.events import Event, EventBus
from homemind.core.model import Home, Member, Role
from homemind.core.services import ActionError
from homemind.policy.rules import Policy
from homemind.store import Store

NOTIFICATION = "notification"
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
        "member.unknown": {
            "en": "There is nobody called {name} in this home.",
            "zh": "家里没有叫{name}的人。",
        },
    }
)


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


@dataclass
class ManualClock:
    """A clock tests move by hand: the scheduler behaves exactly as on the wall clock."""

    t: float = field(default_factory=time.time)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def clean_item(text: str | None) -> str:
    """Text a person asked to keep (a list item, a title): trimmed, bounded, printable.

    It is data from here on: stored as given, shown as given, never parsed for commands.
    """
    value = " ".join((text or "").split())
    if not value:
        raise ActionError("item.empty")
    if len(value) > MAX_ITEM_CHARS:
        raise ActionError("item.too_long", length=len(value), limit=MAX_ITEM_CHARS)
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in value):
        raise ActionError("item.unreadable")
    return value


@dataclass
class Household:
    home: Home
    store: Store
    bus: EventBus
    clock: Clock = field(default_factory=SystemClock)
    # Who must wait for an approval, who may give one, whose data another may read.
    policy: Policy = field(default_factory=Policy.load_default)

    def readable(self, reader: Member, rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
        """The rows of ``kind`` (reminders, calendar) that ``reader`` may see: their own, those
        they set up for someone else, and everybody's for an admin (the policy's `private_kinds`)."""
        seen = []
        for row in rows:
            owner = self.home.members.get(row["member"])
            if row.get("created_by") == reader.id or (
                self.policy.may_read(reader, owner, kind) if owner else reader.role is Role.ADMIN
            ):
                seen.append(row)
        return seen

    def audit(
        self, member: Member, channel: str, service: str, subject: str, result: str, **data: Any
    ) -> None:
        """One audit entry for a household action that never reaches a device (orders, approvals).

        The executor audits device calls; these go to the same append-only log so that
        "who ordered what, who approved it" is answered in one place.
        """
        self.store.log_action(
            {
                "time": datetime.fromtimestamp(self.clock.now(), UTC).isoformat(timespec="milliseconds"),
                "member": member.id,
                "channel": channel,
                "entity_id": subject,
                "service": service,
                "data": data,
                "action_class": "order",
                "decision": data.pop("decision", None),
                "result": result,
            }
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.home.timezone)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), self.tz)

    def local(self, epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, self.tz)

    def iso(self, epoch: float | None) -> str | None:
        """ISO 8601 with the home's offset, as the state dump promises."""
        return None if epoch is None else self.local(epoch).isoformat(timespec="seconds")

    def member(self, words: str | None, default: Member) -> Member:
        """ "me" / "我" / nothing -> the speaker; "grandma" / "奶奶" -> that member, by any of her names."""
        if not words or words.strip().casefold() in ("me", "myself", "i", "我", "我自己", "自己"):
            return default
        wanted = words.strip().casefold().removeprefix("my ").removeprefix("the ")
        for member in self.home.members.values():
            names = [n.casefold() for lang in ("en", "zh") for n in member.names.all_for(lang)]
            if wanted in names or member.id == wanted:
                return member
        raise ActionError("member.unknown", name=words.strip())

    # --- notifications ------------------------------------------------------------

    def add_notification(
        self,
        db: Connection,
        member: str,
        kind: str,
        source_id: str,
        due: float,
        late: bool,
        message: str,
        params: dict[str, Any],
    ) -> int | None:
        """Inside the caller's transaction: the new notification's id, None if this firing was
        already recorded. Publish it (``publish_stored``) once the transaction has committed."""
        cursor = db.execute(
            "INSERT OR IGNORE INTO notifications"
            " (member, kind, source_id, due, fired_at, late, message, params) VALUES (?,?,?,?,?,?,?,?)",
            (member, kind, source_id, due, self.clock.now(), int(late), message, json.dumps(params)),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def publish(self, notification: dict[str, Any]) -> None:
        self.bus.publish(Event(NOTIFICATION, notification))

    def publish_stored(self, note_ids: list[int | None]) -> None:
        """Put committed notifications on the live stream, each in its member's language."""
        for note_id in note_ids:
            if note_id is None:
                continue
            for row in self.store.read("SELECT * FROM notifications WHERE id = ?", (note_id,)):
                member = self.home.members.get(row["member"])
                self.publish(self.render(row, member.language if member else self.home.language))

    def notifications(
        self, member: str | None, language: str, *, limit: int = 50, unread: bool = False
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM notifications WHERE (? IS NULL OR member = ?)"
        if unread:
            sql += " AND read = 0"
        rows = self.store.read(sql + " ORDER BY id DESC LIMIT ?", (member, member, limit))
        return [self.render(row, language) for row in rows]

    def render(self, row: dict[str, Any], language: str) -> dict[str, Any]:
        params = json.loads(row["params"]) if isinstance(row["params"], str) else row["params"]
        text = i18n.translate(row["message"], language, **params)
        if row["late"]:
            text = i18n.translate(
                "notification.late", language, text=text, due=self.describe_time(row["due"])
            )
        return {
            "id": row["id"],
            "member": row["member"],
            "kind": row["kind"],
            "source_id": row["source_id"],
            "due": self.iso(row["due"]),
            "fired_at": self.iso(row["fired_at"]),
            "late": bool(row["late"]),
            "text": text,
            "read": bool(row["read"]),
        }

    def describe_time(self, epoch: float) -> str:
        return self.local(epoch).strftime("%H:%M")

    def mark_read(self, member: str) -> int:
        with self.store.transaction() as db:
            return db.execute(
                "UPDATE notifications SET read = 1 WHERE member = ? AND read = 0", (member,)
            ).rowcount


i18n.register(
    {
        "notification.late": {"en": "{text} (late: was due at {due})", "zh": "{text}（迟到了：原定{due}）"},
    }
)
