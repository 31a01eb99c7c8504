"""The dashboard's care: the banner on every page while an incident is open, live; the care page.

A real `homemind serve` and Debian's Chromium, as in tests/test_web.py (whose browser
helpers this module uses); incidents are opened through the API as a wearable would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from conftest import Server, run_cli
from homemind.app import init_data_dir
from test_web import PASSWORDS, _open, _with_passwords, browser, eventually, playwright  # noqa: F401

PASSWORDS.update({"nainai": "nainai's long password", "guest": "the guest's long password"})


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    data = tmp_path_factory.mktemp("care-web") / "data"
    init_data_dir(data, demo=True)
    _with_passwords(data, *PASSWORDS)
    server = Server(data)
    yield server, data
    server.stop()


@pytest.fixture
def api(home: tuple[Server, Path]) -> Iterator[httpx.Client]:
    issued = run_cli(home[1], "member", "token", "alice", "--name", "care browser tests")
    headers = {"Authorization": f"Bearer {issued.stdout.decode().strip()}"}
    with httpx.Client(base_url=home[0].url, timeout=30, headers=headers) as client:
        for incident in client.get("/api/care/incidents").json():  # each test starts with none open
            assert client.post(f"/api/care/incidents/{incident['id']}/resolve").status_code == 200
        yield client


def sos(api: httpx.Client) -> int:
    done = api.post("/api/care/events", json={"member": "nainai", "kind": "sos"})
    assert done.status_code == 201, done.text
    return int(done.json()["incident"]["id"])


def test_the_banner_is_on_every_page_live_and_an_adult_answers_it(
    browser: Browser,  # noqa: F811
    home: tuple[Server, Path],
    api: httpx.Client,
) -> None:
    url = home[0].url
    with _open(browser, url, "care-banner-bo", member="bo") as page:
        banner = page.locator(".care-banner")
        expect(banner).to_have_count(0)
        number = sos(api)
        expect(banner).to_be_visible()  # without reloading
        expect(banner).to_contain_text("王奶奶：")  # Bo reads Chinese
        expect(banner).to_contain_text("还没有人赶过去")
        page.goto(f"{url}/#/lists")
        expect(banner).to_be_visible()  # on every page
        banner.get_by_role("button", name="我马上来（事件").click()
        eventually(
            lambda: api.get(f"/api/care/incidents/{number}").json(),
            lambda incident: incident["state"] == "acknowledged" and incident["acknowledged_by"] == "bo",
        )
        expect(banner).to_contain_text("林波正在赶过去")
        api.post(f"/api/care/incidents/{number}/resolve")
        expect(banner).to_have_count(0)


def test_a_child_is_told_with_nothing_to_press_and_a_guest_sees_nothing(
    browser: Browser,  # noqa: F811
    home: tuple[Server, Path],
    api: httpx.Client,
) -> None:
    url = home[0].url
    sos(api)
    with _open(browser, url, "care-banner-lily", member="lily") as page:
        banner = page.locator(".care-banner")
        expect(banner).to_contain_text("Grandma Wang")
        expect(banner).to_contain_text("Go and find a grown-up!")
        expect(banner.get_by_role("button")).to_have_count(0)
    with _open(browser, url, "care-banner-guest", member="guest") as page:
        page.wait_for_timeout(500)  # the banner reads the hub at once; nothing comes for a guest
        expect(page.locator(".care-banner")).to_have_count(0)
        expect(page.get_by_role("link", name="Care")).to_have_count(0)


def test_the_care_page_lists_incidents_and_her_day_and_she_cancels_her_own(
    browser: Browser,  # noqa: F811
    home: tuple[Server, Path],
    api: httpx.Client,
) -> None:
    url = home[0].url
    number = sos(api)
    with _open(browser, url, "care-page-nainai", member="nainai") as page:
        page.goto(f"{url}/#/care")
        card = page.locator(f"li.care-incident[data-incident='{number}']")
        expect(card).to_contain_text("王奶奶在呼救")
        expect(card.locator(".care-timeline li")).not_to_have_count(0)
        expect(page.locator(".care-day[data-member='nainai']")).to_contain_text("王奶奶，")
        card.get_by_role("button", name="我没事：取消事件").click()
        eventually(
            lambda: api.get(f"/api/care/incidents/{number}").json()["state"],
            lambda state: state == "cancelled",
        )
        expect(page.locator(".care-banner")).to_have_count(0)
