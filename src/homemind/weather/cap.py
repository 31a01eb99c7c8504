"""Common Alerting Protocol 1.2 (OASIS; the WMO's format for official warnings) and the feeds
that carry it: a CAP document itself, or an Atom / RSS feed whose entries hold or link one.

Feeds are untrusted input: they are parsed with defusedxml, which refuses DTDs and
entity declarations (so an XML bomb is an error, not gigabytes of memory), and read
field by field with ElementTree, never with a regular expression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

CAP_NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
ATOM = "http://www.w3.org/2005/Atom"
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
MAX_TEXT = 4000  # a description longer than this is cut: it is read aloud, not archived


class CapError(ValueError):
    """Not a CAP alert or feed we can read (malformed, forbidden constructs, missing fields)."""


@dataclass(frozen=True)
class Area:
    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[tuple[float, float, float], ...] = ()  # lat, lon, radius km
    geocodes: tuple[tuple[str, str], ...] = ()  # valueName, value


@dataclass(frozen=True)
class Info:
    language: str
    event: str
    severity: str
    urgency: str
    certainty: str
    headline: str
    description: str
    instruction: str
    sender_name: str
    event_codes: tuple[tuple[str, str], ...]
    onset: datetime | None
    expires: datetime | None
    areas: tuple[Area, ...]


@dataclass(frozen=True)
class Alert:
    sender: str
    identifier: str
    sent: datetime
    status: str  # Actual, Exercise, System, Test, Draft
    msg_type: str  # Alert, Update, Cancel, Ack, Error
    references: tuple[tuple[str, str], ...]  # (sender, identifier) of the alerts this one updates
    infos: tuple[Info, ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.sender}|{self.identifier}"

    @property
    def severity(self) -> str:
        found = [i.severity for i in self.infos if i.severity in SEVERITIES]
        return min(found, key=SEVERITIES.index) if found else "Unknown"

    @property
    def expires(self) -> datetime | None:
        times = [i.expires for i in self.infos if i.expires is not None]
        return max(times) if times else None


@dataclass(frozen=True)
class FeedItems:
    """What a feed held: alerts embedded in it, and links to alerts to fetch."""

    alerts: list[Alert]
    links: list[str]


def parse_xml(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapError(f"refused: {type(exc).__name__} (DTDs and entities are not allowed)") from None
    except ParseError as exc:
        raise CapError(f"malformed XML: {exc}") from None


def _local(tag: str) -> tuple[str, str]:
    namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, name


def _text(parent: Element, ns: str, name: str) -> str:
    found = parent.find(f"{{{ns}}}{name}")
    return " ".join((found.text or "").split())[:MAX_TEXT] if found is not None else ""


def _time(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CapError(f"{what}: {text!r} is not a CAP date-time") from None
    if value.tzinfo is None:
        raise CapError(f"{what}: {text!r} has no time zone")
    return value


def _optional_time(text: str, what: str) -> datetime | None:
    return _time(text, what) if text else None


def _points(text: str) -> tuple[tuple[float, float], ...]:
    points = []
    for pair in text.split():
        lat, _, lon = pair.partition(",")
        points.append((float(lat), float(lon)))
    if len(points) < 4:
        raise CapError("a polygon needs at least four points")
    return tuple(points)


def _circle(text: str) -> tuple[float, float, float]:
    centre, radius = text.split()
    lat, _, lon = centre.partition(",")
    return float(lat), float(lon), float(radius)


def _area(element: Element, ns: str) -> Area:
    try:
        polygons = tuple(_points(p.text or "") for p in element.findall(f"{{{ns}}}polygon"))
        circles = tuple(_circle(c.text or "") for c in element.findall(f"{{{ns}}}circle"))
    except ValueError as exc:
        raise CapError(f"area: {exc}") from None
    geocodes = tuple(
        (_text(g, ns, "valueName"), _text(g, ns, "value")) for g in element.findall(f"{{{ns}}}geocode")
    )
    return Area(_text(element, ns, "areaDesc"), polygons, circles, geocodes)


def _info(element: Element, ns: str) -> Info:
    return Info(
        language=_text(element, ns, "language") or "en-US",
        event=_text(element, ns, "event"),
        severity=_text(element, ns, "severity") or "Unknown",
        urgency=_text(element, ns, "urgency"),
        certainty=_text(element, ns, "certainty"),
        headline=_text(element, ns, "headline"),
        description=_text(element, ns, "description"),
        instruction=_text(element, ns, "instruction"),
        sender_name=_text(element, ns, "senderName"),
        event_codes=tuple(
            (_text(c, ns, "valueName"), _text(c, ns, "value")) for c in element.findall(f"{{{ns}}}eventCode")
        ),
        onset=_optional_time(_text(element, ns, "onset"), "onset"),
        expires=_optional_time(_text(element, ns, "expires"), "expires"),
        areas=tuple(_area(a, ns) for a in element.findall(f"{{{ns}}}area")),
    )


def _references(text: str) -> tuple[tuple[str, str], ...]:
    """CAP's ``references``: space-separated "sender,identifier,sent" triples."""
    out = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) >= 2:
            out.append((parts[0], parts[1]))
    return tuple(out)


def alert_from(element: Element) -> Alert:
    ns, name = _local(element.tag)
    if name != "alert" or ns not in CAP_NAMESPACES:
        raise CapError(f"not a CAP alert: <{name}> in {ns or 'no namespace'}")
    sender, identifier = _text(element, ns, "sender"), _text(element, ns, "identifier")
    if not sender or not identifier:
        raise CapError("an alert without sender or identifier")
    return Alert(
        sender=sender,
        identifier=identifier,
        sent=_time(_text(element, ns, "sent"), "sent"),
        status=_text(element, ns, "status"),
        msg_type=_text(element, ns, "msgType"),
        references=_references(_text(element, ns, "references")),
        infos=tuple(_info(i, ns) for i in element.findall(f"{{{ns}}}info")),
    )


def parse_feed(data: bytes) -> FeedItems:
    """A CAP document, an Atom feed or an RSS 2.0 feed; anything else is a CapError."""
    root = parse_xml(data)
    ns, name = _local(root.tag)
    if name == "alert":
        return FeedItems([alert_from(root)], [])
    if name == "feed" and ns == ATOM:
        alerts, links = [], []
        for entry in root.findall(f"{{{ATOM}}}entry"):
            embedded = [e for e in entry.iter() if _is_cap(e)]
            if embedded:
                alerts.append(alert_from(embedded[0]))
                continue
            for link in entry.findall(f"{{{ATOM}}}link"):
                if link.get("href") and link.get("rel", "alternate") in ("alternate", "related"):
                    links.append(str(link.get("href")))
                    break
        return FeedItems(alerts, links)
    if name == "rss":
        items = root.findall("./channel/item")
        return FeedItems([], [(i.findtext("link") or "").strip() for i in items if i.findtext("link")])
    raise CapError(f"not a CAP alert, an Atom feed or an RSS feed: <{name}>")


def _is_cap(element: Element) -> bool:
    ns, name = _local(element.tag)
    return name == "alert" and ns in CAP_NAMESPACES
