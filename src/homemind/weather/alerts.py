"""Official warnings: poll the home's CAP feeds politely, keep each alert once, tell everyone.

Polite polling: each feed is asked with the ``ETag`` / ``Last-Modified`` of its last
answer, so an unchanged feed costs a 304; a linked CAP document (they never change:
an update is a new document) is fetched once, and only from the feed's own host.
An alert counts once per (sender, identifier); an Update or Cancel changes the alerts
it references. Every member gets a notification in their own language, most severe
first, and a ``weather_warning`` event goes on the bus for whatever should react.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from homemind.core.events import WEATHER_WARNING, Event
from homemind.core.outdoors import Feed, WarningSettings
from homemind.weather.cap import SEVERITIES, Alert, CapError, parse_feed
from homemind.weather.geo import in_circle, in_polygon
from homemind.weather.hazards import hazard, headline, info_for, severity_name
from homemind.weather.service import USER_AGENT

if TYPE_CHECKING:
    from homemind.household import Household

log = logging.getLogger(__name__)

WARNING_EVENT = WEATHER_WARNING
MAX_BYTES = 1_000_000
ACTIVE = "active"


def for_home(alert: Alert, settings: WarningSettings) -> bool:
    """An area of the alert names one of the home's codes, or its polygon or circle holds the home."""
    for info in alert.infos:
        for area in info.areas:
            if any(value in settings.area_codes for _, value in area.geocodes):
                return True
            point = settings.point
            if point is not None and any(in_polygon(point, p) for p in area.polygons):
                return True
            if point is not None and any(in_circle(point, c) for c in area.circles):
                return True
    return False


@dataclass(frozen=True)
class Outcome:
    """What one alert did: nothing (seen before, not ours, a test), or a notice to give."""

    alert: Alert
    notice: str | None  # warning.issued, warning.updated, warning.cancelled
    subject: Alert | None = None  # for a cancellation: the alert that ended


class Warnings:
    def __init__(self, settings: WarningSettings, house: Household) -> None:
        self.settings = settings
        self.house = house
        self.store = house.store

    # --- polling -------------------------------------------------------------------

    async def poll(self) -> list[Outcome]:
        """Ask every feed once; problems are kept per feed (``problems()``) and logged, never raised."""
        found: list[Alert] = []
        headers = {"User-Agent": USER_AGENT, "Accept": "application/cap+xml, application/atom+xml, */*"}
        timeout = httpx.Timeout(self.settings.timeout, connect=min(3.0, self.settings.timeout))
        async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False) as client:
            for feed in self.settings.feeds:
                found += await self._poll_feed(client, feed)
        return self.ingest(found)

    async def _poll_feed(self, client: httpx.AsyncClient, feed: Feed) -> list[Alert]:
        try:
            body = await self._get(client, feed.url, conditional=True)
            if body is None:
                return []  # 304: nothing new
            items = parse_feed(body)
            alerts = list(items.alerts)
            for link in items.links:
                url = urljoin(feed.url, link)
                if urlsplit(url).netloc != urlsplit(feed.url).netloc or self._seen(url):
                    continue  # another host is not named in the home file; a CAP file never changes
                linked = await self._get(client, url, conditional=False)
                if linked is not None:
                    alerts += parse_feed(linked).alerts
            self._note(feed.url, None)
            return alerts
        except (httpx.HTTPError, CapError, _Refused) as exc:
            problem = f"{type(exc).__name__}: {exc}" if isinstance(exc, httpx.HTTPError) else str(exc)
            log.warning("warnings: %s: %s", feed.url, problem)
            self._note(feed.url, problem)
            return []

    def _seen(self, url: str) -> bool:
        return bool(self.store.read("SELECT 1 FROM warning_feed WHERE url = ? AND problem IS NULL", (url,)))

    async def _get(self, client: httpx.AsyncClient, url: str, *, conditional: bool) -> bytes | None:
        headers = {}
        rows = self.store.read("SELECT etag, last_modified FROM warning_feed WHERE url = ?", (url,))
        if conditional and rows:
            if rows[0]["etag"]:
                headers["If-None-Match"] = rows[0]["etag"]
            if rows[0]["last_modified"]:
                headers["If-Modified-Since"] = rows[0]["last_modified"]
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                self._note(url, None)
                return None
            if response.status_code != 200:
                raise _Refused(f"HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise _Refused(f"larger than {MAX_BYTES} bytes")
        self._remember(url, response.headers.get("etag"), response.headers.get("last-modified"))
        return bytes(body)

    def _remember(self, url: str, etag: str | None, modified: str | None) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO warning_feed (url, etag, last_modified, polled_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, polled_at = excluded.polled_at",
                (url, etag, modified, self.house.clock.now()),
            )

    def _note(self, url: str, problem: str | None) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO warning_feed (url, polled_at, problem) VALUES (?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET polled_at = excluded.polled_at, problem = excluded.problem",
                (url, self.house.clock.now(), problem),
            )

    def problems(self) -> dict[str, str]:
        feeds = [f.url for f in self.settings.feeds]
        rows = self.store.read("SELECT url, problem FROM warning_feed WHERE problem IS NOT NULL")
        return {r["url"]: r["problem"] for r in rows if r["url"] in feeds}

    # --- keeping alerts ------------------------------------------------------------------

    def ingest(self, alerts: list[Alert]) -> list[Outcome]:
        """Store new alerts, update what they reference, tell every member; most severe first."""
        outcomes = [self._one(a) for a in sorted(alerts, key=lambda a: (a.sent, a.msg_type != "Alert"))]
        told = sorted(
            (o for o in outcomes if o.notice),
            key=lambda o: SEVERITIES.index((o.subject or o.alert).severity),
        )
        self._tell(told)
        return outcomes

    def _one(self, alert: Alert) -> Outcome:
        if alert.status != "Actual" or alert.msg_type not in ("Alert", "Update", "Cancel"):
            return Outcome(alert, None)  # exercises, tests, drafts, acknowledgements: not for the family
        mine = for_home(alert, self.settings)
        expired = alert.expires is not None and alert.expires.timestamp() <= self.house.clock.now()
        referenced = [f"{s}|{i}" for s, i in alert.references]
        # One transaction from the check to the write: a CLI `alerts --refresh` beside the
        # server's poller cannot both take the same alert as new.
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM warning_alert WHERE key = ?", (alert.key,)).fetchone():
                return Outcome(alert, None)  # the same alert again (a feed lists it until it ends)
            ours = db.execute(
                f"SELECT key, payload FROM warning_alert WHERE key IN ({','.join('?' * len(referenced))})"
                " AND state = ?",
                (*referenced, ACTIVE),
            ).fetchall()
            if not ours and (not mine or alert.msg_type == "Cancel" or expired):
                return Outcome(alert, None)  # for another area, or the end of something we never told
            ended = alert.msg_type == "Cancel" or not mine or expired
            for key, _ in ours:
                db.execute(
                    "UPDATE warning_alert SET state = ?, replaced_by = ? WHERE key = ?",
                    ("cancelled" if ended else "updated", alert.key, key),
                )
            db.execute(
                "INSERT INTO warning_alert (key, sender, identifier, sent, msg_type, state, event_type,"
                " severity, expires, payload, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    alert.key, alert.sender, alert.identifier, alert.sent.timestamp(), alert.msg_type,
                    "ended" if ended else ACTIVE, hazard(alert), alert.severity,
                    alert.expires.timestamp() if alert.expires else None, _payload(alert),
                    self.house.clock.now(),
                ),
            )  # fmt: skip
        if ended:
            subject = _alert(json.loads(ours[0][1])) if ours else alert
            return Outcome(alert, "warning.cancelled", subject)
        return Outcome(alert, "warning.updated" if ours else "warning.issued")

    def _tell(self, outcomes: list[Outcome]) -> None:
        house = self.house
        note_ids: list[int | None] = []
        with self.store.transaction() as db:
            for outcome in outcomes:
                subject = outcome.subject or outcome.alert
                params = {
                    f"{what}_{lang}": value
                    for lang in ("en", "zh")
                    for what, value in (
                        ("headline", headline(subject, lang)),
                        ("severity", severity_name(subject.severity, lang)),
                    )
                }
                for member in house.home.members:
                    note_ids.append(
                        house.notifications.add(
                            db, member, "warning", f"{outcome.alert.key}:{member}",
                            outcome.alert.sent.timestamp(), False, str(outcome.notice), params,
                        )
                    )  # fmt: skip
        house.notifications.publish_stored(note_ids)
        for outcome in outcomes:
            subject = outcome.subject or outcome.alert
            house.bus.publish(
                Event(
                    WARNING_EVENT,
                    {
                        "key": outcome.alert.key,
                        "hazard": hazard(subject),
                        "severity": subject.severity,
                        "notice": outcome.notice,
                    },
                )
            )

    # --- reading ----------------------------------------------------------------------------

    def active(self, language: str) -> list[dict[str, Any]]:
        """Alerts in force now, most severe first, each told in ``language``."""
        now = self.house.clock.now()
        rows = self.store.read(
            "SELECT * FROM warning_alert WHERE state = ? AND (expires IS NULL OR expires > ?)", (ACTIVE, now)
        )
        views = [view(_alert(json.loads(r["payload"])), language, self.house.tz) for r in rows]
        return sorted(views, key=lambda v: (SEVERITIES.index(v["severity"]), -v["sent_epoch"]))


class _Refused(RuntimeError):
    """The feed answered, but not with something we take (an error status, too large)."""


def view(alert: Alert, language: str, tz: Any) -> dict[str, Any]:
    """An alert as the CLI, the API and the dashboard show it, in the reader's language if it has one."""
    own = info_for(alert, language)
    info = own or (alert.infos[0] if alert.infos else None)
    expires = alert.expires
    return {
        "key": alert.key,
        "hazard": hazard(alert),
        "severity": alert.severity,
        "severity_text": severity_name(alert.severity, language),
        "headline": headline(alert, language),
        "description": info.description if info else "",
        "instruction": info.instruction if info else "",
        "area": ", ".join(a.description for a in info.areas) if info else "",
        "sender": (info.sender_name if info else "") or alert.sender,
        "language": info.language if info else "",
        "translated": own is None,
        "msg_type": alert.msg_type,
        "sent": alert.sent.astimezone(tz).isoformat(timespec="seconds"),
        "sent_epoch": alert.sent.timestamp(),
        "expires": expires.astimezone(tz).isoformat(timespec="seconds") if expires else None,
    }


def _payload(alert: Alert) -> str:
    """The alert as JSON, enough to show it again and to translate its headline later."""

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return json.dumps(
        {
            "sender": alert.sender, "identifier": alert.identifier, "sent": stamp(alert.sent),
            "status": alert.status, "msg_type": alert.msg_type, "references": alert.references,
            "infos": [
                {
                    "language": i.language, "event": i.event, "severity": i.severity, "urgency": i.urgency,
                    "certainty": i.certainty, "headline": i.headline, "description": i.description,
                    "instruction": i.instruction, "sender_name": i.sender_name, "event_codes": i.event_codes,
                    "onset": stamp(i.onset), "expires": stamp(i.expires),
                    "areas": [{"description": a.description, "geocodes": a.geocodes} for a in i.areas],
                }
                for i in alert.infos
            ],
        },
        ensure_ascii=False,
    )  # fmt: skip


def _alert(data: dict[str, Any]) -> Alert:
    from homemind.weather.cap import Area, Info

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    infos = tuple(
        Info(
            i["language"], i["event"], i["severity"], i["urgency"], i["certainty"], i["headline"],
            i["description"], i["instruction"], i["sender_name"], tuple(map(tuple, i["event_codes"])),
            when(i["onset"]), when(i["expires"]),
            tuple(Area(a["description"], geocodes=tuple(map(tuple, a["geocodes"]))) for a in i["areas"]),
        )
        for i in data["infos"]
    )  # fmt: skip
    sent = when(data["sent"]) or datetime.now(UTC)
    references = tuple((str(r[0]), str(r[1])) for r in data["references"])
    return Alert(
        data["sender"], data["identifier"], sent, data["status"], data["msg_type"], references, infos
    )
