"""Pushes to phones outside the hub: ntfy and webhooks over real HTTP, retried, reported, never dropped.

The receiver is tests/fake_push.py, a real HTTP server on a local socket standing in
for an ntfy server and a webhook (services outside the home that cannot run here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from care_driver import CareHub, at, care_home
from fake_push import FakePush
from homemind.core.homefile import HomeFileError, parse_home


@pytest.fixture
def push() -> Iterator[FakePush]:
    fake = FakePush()
    yield fake
    fake.close()


def _home(push: FakePush, *, emergency: bool = False) -> str:
    contacts = f"""      contacts:
        - {{member: bo, relation: son}}
        - {{member: alice, relation: daughter_in_law}}
        - name: {{en: Auntie Mei, zh: 梅阿姨}}
          relation: neighbour
          phone: "+86 138 0013 8000"
          language: zh
          webhook: {{url: "{push.url}/hook/mei", token: mei-secret}}
"""
    extra = f"""  phones:
    bo: {{ntfy: {{url: "{push.url}", topic: lin-bo}}}}
"""
    if emergency:
        extra += f"""  emergency_services: {{enabled: true, webhook: {{url: "{push.url}/hook/120"}}}}
"""
    return care_home(contacts, extra)


def test_escalation_reaches_phones_and_outside_contacts_and_emergency_services_when_opted_in(
    data_dir: Path, push: FakePush
) -> None:
    h = CareHub(data_dir, start=at(2, 9, 55), home=_home(push, emergency=True))
    try:
        h.motion("kitchen")
        h.ask("救命", "nainai")
        [first] = push.messages("lin-bo")
        assert first["priority"] == 5 and "王奶奶在呼救" in first["message"]  # Bo's language
        h.advance(4 * 120 + 5, step=5)  # two rounds each for Bo and Alice
        hooks = [r for r in push.received if r["path"] == "/hook/mei"]
        assert len(hooks) == 1 and hooks[0]["authorization"] == "Bearer mei-secret"
        assert hooks[0]["json"]["member"] == "nainai" and "王奶奶在呼救" in hooks[0]["json"]["text"]
        assert [r for r in push.received if r["path"] == "/hook/120"] == []  # not yet: Mei's turn
        h.advance(2 * 120, step=5)
        [emergency] = [r["json"] for r in push.received if r["path"] == "/hook/120"]
        assert "The Lin family's flat" in emergency["text"] and emergency["urgent"] is True
        incident = h.last()
        assert incident.stage == "emergency"
        deliveries = h.hub.care.describe(incident)["deliveries"]
        assert deliveries and all(d["state"] == "delivered" for d in deliveries)
    finally:
        h.close()


def test_without_opting_in_emergency_services_are_never_told(data_dir: Path, push: FakePush) -> None:
    h = CareHub(data_dir, start=at(2, 9, 55), home=_home(push))
    try:
        h.motion("kitchen")
        h.ask("help", "nainai")
        h.advance(20 * 120, step=30)
        assert h.last().stage == "escalating"
        assert [r for r in push.received if r["path"] == "/hook/120"] == []
    finally:
        h.close()


def test_a_failing_push_is_retried_reported_and_delivered_never_dropped(
    data_dir: Path, push: FakePush
) -> None:
    h = CareHub(data_dir, start=at(2, 9, 55), home=_home(push))
    try:
        h.motion("kitchen")
        push.failures = 4  # the phone's server is down for a while
        h.ask("help", "nainai")
        assert push.messages("lin-bo") == []
        assert h.notes("alice") == []  # one failure is not yet worth bothering anyone
        h.advance(20, step=1)  # retried after 5 s, 10 s ...
        failing = [n for n in h.notes("alice") if "Could not reach Bo" in n]
        assert len(failing) == 1 and "HTTP 500" in failing[0] and "Still trying" in failing[0]
        deliveries = h.hub.care.describe(h.last())["deliveries"]
        assert deliveries[0]["state"] == "failing" and deliveries[0]["attempts"] >= 3
        h.advance(60, step=1)
        assert len(push.messages("lin-bo")) == 1  # it got through in the end
        assert h.hub.care.describe(h.last())["deliveries"][0]["state"] == "delivered"
        assert len([n for n in h.notes("alice") if "Could not reach Bo" in n]) == 1  # reported once
    finally:
        h.close()


def test_a_push_waiting_survives_a_restart(data_dir: Path, push: FakePush) -> None:
    h = CareHub(data_dir, start=at(2, 9, 55), home=_home(push))
    try:
        h.motion("kitchen")
        push.failures = 1
        h.ask("help", "nainai")
        assert push.messages("lin-bo") == []
        h.restart()
        h.advance(10, step=1)
        assert len(push.messages("lin-bo")) == 1
    finally:
        h.close()


@pytest.mark.parametrize(
    ("contact", "words"),
    [
        ("- {member: boo}", "unknown member 'boo'"),
        ("- {name: {en: Mei}}", "cannot ring a phone"),
        ("- {member: bo, name: {en: Bo}}", "either a member"),
        ("- {name: {en: Mei}, ntfy: {url: 'ftp://x', topic: t}}", "not an http:// or https:// URL"),
        ("- {name: {en: Mei}, ntfy: {url: 'http://x', topic: 'a b'}}", "topic"),
        ("- {member: nainai}", "not her own contact"),
    ],
)
def test_care_section_errors_name_the_line(contact: str, words: str) -> None:
    text = care_home(f"      contacts:\n        {contact}\n")
    with pytest.raises(HomeFileError) as caught:
        parse_home(text)
    assert words in str(caught.value) and "care.members.nainai.contacts" in str(caught.value)
    line = int(str(caught.value).split("home.yaml:")[1].split(":")[0])
    assert text.splitlines()[line - 1].strip().startswith("- ")


def test_care_section_refers_to_what_the_home_has() -> None:
    bad = (
        care_home()
        .replace("bedroom: grandma_room", "bedroom: attic")
        .replace("display: notify.nainai_watch", "display: light.kitchen")
    )
    with pytest.raises(HomeFileError) as caught:
        parse_home(bad)
    assert "unknown area 'attic'" in str(caught.value)
    assert "light.kitchen is not a notify entity" in str(caught.value)
