"""Who is told what, and through which door: the member's speakers and watch, the family's
notifications, outside contacts' phones.

A message is a key and parameters rendered in *both* languages at once
(:func:`both`) and kept that way, so a household notification shows in each
reader's language and an outbound push goes out in its recipient's. Speakers and
the watch are devices: they are reached through ``Executor.execute`` like any
other action (as the home's owner, on the ``care`` channel, audited).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from sqlite3 import Connection
from typing import TYPE_CHECKING, Any

from homemind.core import i18n
from homemind.core.caremodel import Contact, Target
from homemind.core.model import Domain, Member, Role
from homemind.policy import Actor

if TYPE_CHECKING:
    from homemind.care.outbox import Outbox
    from homemind.household import Household

log = logging.getLogger(__name__)

i18n.register({"care.text": {"en": "{text}", "zh": "{text}"}})
NOTE_KIND = "care"
LANGUAGES = ("en", "zh")


def both(key: str, **params: Any) -> dict[str, str]:
    """A message in every language the hub speaks: stored as it is, shown in the reader's."""
    return {language: i18n.translate(key, language, **params) for language in LANGUAGES}


def names_of(member: Member) -> dict[str, str]:
    return {language: member.names.display(language) for language in LANGUAGES}


def joined(names: list[dict[str, str]]) -> dict[str, str]:
    """ "Bo and Alice" / "林波和爱丽丝"."""
    return {language: i18n.join_names([n[language] for n in names], language) for language in LANGUAGES}


@dataclass(frozen=True)
class Recipient:
    """One contact as the hub reaches them: a member id (notifications) and/or push targets."""

    member: str | None
    name: dict[str, str]
    language: str
    targets: tuple[Target, ...]
    phone: str | None = None


class Messenger:
    """Sends care's messages; every write happens inside the caller's transaction."""

    def __init__(self, house: Household, outbox: Outbox) -> None:
        self.house = house
        self.outbox = outbox
        self.settings = house.home.care

    # --- who --------------------------------------------------------------------------

    def contacts(self, member: str) -> list[Recipient]:
        """The member's contacts in order; for someone without a care section, the adults."""
        cared = self.settings.members.get(member)
        if cared is not None and cared.contacts:
            return [self.recipient(c) for c in cared.contacts]
        home = self.house.home
        adults = [m for m in home.members.values() if m.role in (Role.ADMIN, Role.ADULT) and m.id != member]
        return [self.member_recipient(m.id) for m in adults]

    def recipient(self, contact: Contact) -> Recipient:
        if contact.member is not None:
            found = self.member_recipient(contact.member)
            return Recipient(found.member, found.name, found.language, found.targets + contact.targets)
        return Recipient(None, contact.name, contact.language, contact.targets, contact.phone)

    def member_recipient(self, member_id: str) -> Recipient:
        member = self.house.home.members[member_id]
        return Recipient(
            member.id, names_of(member), member.language, self.settings.phones.get(member.id, ())
        )

    def children(self) -> list[Member]:
        return [m for m in self.house.home.members.values() if m.role is Role.CHILD]

    def name(self, member_id: str) -> dict[str, str]:
        member = self.house.home.members.get(member_id)
        return names_of(member) if member else {language: member_id for language in LANGUAGES}

    # --- how ----------------------------------------------------------------------------

    def tell(
        self,
        db: Connection,
        recipient: Recipient,
        text: dict[str, str],
        *,
        source: str,
        incident: int | None,
        urgent: bool = True,
        kind: str = "incident",
        member: str | None = None,
    ) -> int | None:
        """A household notification for a member, and a push to each of their targets.

        Returns the notification's id (publish it once the transaction has committed).
        """
        note_id = None
        if recipient.member is not None:
            # One notification per recipient: the store keeps one per (kind, source, time).
            note_id = self.house.notifications.add(
                db,
                recipient.member,
                NOTE_KIND,
                f"{source}>{recipient.member}",
                self.house.clock.now(),
                False,
                "care.text",
                {"text": text},
            )
        language = recipient.language if recipient.language in LANGUAGES else "en"
        for target in recipient.targets:
            payload = {
                "text": text[language],
                "title": i18n.translate("care.title", language),
                "language": language,
                "urgent": urgent,
                "incident": incident,
                "kind": kind,
                "member": member,
            }
            self.outbox.add(db, incident, target, recipient.name["en"], payload)
        return note_id

    async def say(self, member_id: str, area: str | None, text: dict[str, str]) -> list[str]:
        """Say it on the speakers of ``area`` and show it on the member's watch; the devices reached.

        A speaker that is offline is logged and skipped: the family's notifications do not
        depend on it.
        """
        member = self.house.home.members[member_id]
        message = text[member.language if member.language in LANGUAGES else "en"]
        targets = [
            e.entity_id
            for e in self.house.home.entities.values()
            if e.domain is Domain.NOTIFY and area is not None and e.area == area
        ]
        cared = self.settings.members.get(member_id)
        if cared is not None and cared.wearable.display and cared.wearable.display not in targets:
            targets.append(cared.wearable.display)
        reached = []
        actor = Actor(member=self.house.home.members[self.house.home.owner], channel="care")
        for entity_id in targets:
            outcome = await self.house.executor.execute(
                actor, entity_id, "send_message", {"message": message}
            )
            if outcome.error is None:
                reached.append(entity_id)
            else:
                log.warning("care could not reach %s: %s", entity_id, outcome.error.message("en"))
        return reached


i18n.register({"care.title": {"en": "homemind: care", "zh": "homemind：看护"}})
