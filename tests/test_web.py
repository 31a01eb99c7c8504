"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against a real
`homemind serve` process, with changes checked through the CLI and the API as well.

One server and one browser serve the whole module (starting them is most of the cost);
each test opens a fresh browser context (no shared storage), logs in as a member (the
passwords are set with `homemind member passwd`, as a user would) and sets up the
states it relies on through the API first, so the tests do not depend on their order.
Most tests are Bo's, whose language is Chinese, so that "the dashboard follows the
member's language" is something a test can see fail. The test's own API client is
Alice's (admin) token.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from conftest import Server, run_cli
from homemind.app import init_data_dir
from homemind.voice.audio import Audio, add_noise
from homemind.voice.tts import PiperTTS, silence

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")  # never fetch a browser of its own

ARTIFACTS = Path(__file__).parent / "artifacts"
STATIC = Path(__file__).parents[1] / "src" / "homemind" / "channels" / "web" / "static"
DESKTOP = {"width": 1280, "height": 800}  # also a landscape wall tablet
PHONE = {"width": 390, "height": 844}
# Roles a person operates; each must have a name a screen reader can say.
CONTROL_ROLES = {"button", "switch", "textbox", "slider", "combobox", "spinbutton", "checkbox", "link"}


PASSWORDS = {"alice": "alice's long password", "bo": "bo's long password", "lily": "lily's long password"}
PIN = "2580"  # every demo member's PIN but the guest's (homemind init --demo)


def _with_passwords(data: Path, *members: str) -> None:
    for member in members or PASSWORDS:
        result = run_cli(data, "member", "passwd", member, stdin=PASSWORDS[member] + "\n")
        assert result.returncode == 0, result.stderr.decode()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    data = tmp_path_factory.mktemp("web") / "data"
    init_data_dir(data, demo=True)
    _with_passwords(data)
    server = Server(data)
    yield server, data
    server.stop()


@pytest.fixture(scope="module")
def token(home: tuple[Server, Path]) -> str:
    issued = run_cli(home[1], "member", "token", "alice", "--name", "browser tests")
    assert issued.returncode == 0, issued.stderr.decode()
    return issued.stdout.decode().strip()


def _chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run ./scripts/test (it installs the Debian package)")
    return chromium


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """One Playwright per module: the microphone tests launch browsers of their own with it."""
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=_chromium(), headless=True)
    yield launched
    launched.close()


@pytest.fixture
def api(home: tuple[Server, Path], token: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=home[0].url, timeout=30, headers=headers) as client:
        yield client


@contextmanager
def _open(
    browser: Browser,
    url: str,
    name: str,
    viewport: dict[str, int] = DESKTOP,
    member: str | None = "bo",
    **options: Any,
) -> Iterator[Page]:
    """A fresh browser context, logged in as ``member`` (through the API, sharing the cookie)."""
    context = browser.new_context(viewport=viewport, **options)
    if member is not None:
        login = context.request.post(
            f"{url}/api/login", data={"member": member, "password": PASSWORDS[member]}
        )
        assert login.status == 200, login.text()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    if member is not None:
        expect(page.locator("[data-entity='light.kitchen']")).to_be_visible()
        expect(page.locator(".live.is-live")).to_have_count(1)  # the live stream is connected
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()
    assert errors == [], errors


@pytest.fixture
def page(browser: Browser, home: tuple[Server, Path], request: pytest.FixtureRequest) -> Iterator[Page]:
    with _open(browser, home[0].url, request.node.name, DESKTOP) as opened:
        yield opened


def eventually(read: Callable[[], Any], check: Callable[[Any], bool], seconds: float = 10) -> Any:
    """Read until ``check`` holds, within a bound (the browser acts on its own time)."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if check(value) or time.monotonic() > deadline:
            assert check(value), value
            return value
        time.sleep(0.05)


def attribute(api: httpx.Client, entity_id: str, name: str) -> Any:
    response = api.get(f"/api/entities/{entity_id}")
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()["attributes"].get(name)


def english(page: Page) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def card(page: Page, entity_id: str) -> Any:
    return page.locator(f"article[data-entity='{entity_id}']")


def call(api: httpx.Client, service: str, entity_id: str, **data: Any) -> None:
    response = api.post(
        f"/api/services/{service}", json={"entity_id": entity_id, "data": data, "confirm": True}
    )
    assert response.status_code == 200, response.text


def cli_state(data: Path, entity_id: str) -> dict[str, Any]:
    result = run_cli(data, "state", "--json")
    assert result.returncode == 0, result.stderr.decode()
    entity: dict[str, Any] = json.loads(result.stdout)["entities"][entity_id]
    return entity


def say(page: Page, text: str) -> Any:
    """Type into the chat box, send with Enter, and return the hub's reply bubble."""
    replies = page.locator(".bubble.from-hub")
    before = replies.count()
    box = page.get_by_role("textbox", name=re.compile("Command|指令"))
    box.fill(text)
    box.press("Enter")
    expect(replies).to_have_count(before + 1)
    return replies.nth(before)


# --- devices --------------------------------------------------------------------------


def test_toggling_a_light_changes_it_in_the_hub(
    page: Page, home: tuple[Server, Path], api: httpx.Client
) -> None:
    call(api, "turn_off", "light.kitchen")
    english(page)
    toggle = card(page, "light.kitchen").get_by_role("switch", name="Kitchen Light power")
    expect(toggle).to_have_attribute("aria-checked", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "true")
    expect(card(page, "light.kitchen").locator(".state")).to_have_text("On")
    assert api.get("/api/entities/light.kitchen").json()["state"] == "on"
    assert cli_state(home[1], "light.kitchen")["state"] == "on"  # a new process reads it from the store
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "false")
    assert cli_state(home[1], "light.kitchen")["state"] == "off"


def test_brightness_colour_thermostat_and_cover(page: Page, api: httpx.Client) -> None:
    english(page)
    lamp = card(page, "light.floor_lamp")
    lamp.get_by_role("slider", name=re.compile("Brightness")).fill("40")
    eventually(lambda: attribute(api, "light.floor_lamp", "brightness"), lambda b: b == 102)
    expect(lamp.locator(".slider output")).to_have_text("40%")
    lamp.get_by_label("Colour of Floor Lamp").fill("#ff0000")
    eventually(lambda: attribute(api, "light.floor_lamp", "rgb_color"), lambda rgb: rgb == [255, 0, 0])

    call(api, "set_temperature", "climate.bedroom_ac", temperature=24)
    ac = card(page, "climate.bedroom_ac")
    expect(ac.locator(".stepper output")).to_have_text("24 °C")
    ac.get_by_role("button", name="Raise Target of Bedroom AC").click()
    expect(ac.locator(".stepper output")).to_have_text("24.5 °C")
    ac.get_by_role("combobox", name="Mode of Bedroom AC").select_option("heat")
    expect(ac.locator(".state")).to_have_text("Heating")
    entity = api.get("/api/entities/climate.bedroom_ac").json()
    assert entity["state"] == "heat" and entity["attributes"]["temperature"] == 24.5

    blinds = card(page, "cover.bedroom_blinds")
    blinds.get_by_role("slider", name=re.compile("Position")).fill("70")
    eventually(lambda: attribute(api, "cover.bedroom_blinds", "current_position"), lambda p: p == 70)
    # At the top of its range (16-30 °C) the AC's + button is off, also when the change came from elsewhere.
    call(api, "set_temperature", "climate.bedroom_ac", temperature=30)
    expect(ac.get_by_role("button", name="Raise Target of Bedroom AC")).to_be_disabled()


def test_a_change_made_elsewhere_appears_without_reloading(
    page: Page, home: tuple[Server, Path], api: httpx.Client
) -> None:
    call(api, "turn_off", "light.balcony")
    call(api, "close_cover", "cover.living_room_curtains")
    english(page)
    balcony = card(page, "light.balcony")
    expect(balcony.locator(".state")).to_have_text("Off")
    page.evaluate("window.__notReloaded = true")
    result = run_cli(home[1], "call", "turn_on", "light.balcony")  # another process, through the store
    assert result.returncode == 0, result.stderr.decode()
    expect(balcony.locator(".state")).to_have_text("On")
    expect(balcony.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    call(api, "set_cover_position", "cover.living_room_curtains", position=40)  # and through the API
    curtains = card(page, "cover.living_room_curtains")
    expect(curtains.get_by_role("slider")).to_have_value("40")
    expect(curtains.locator(".state")).to_have_text("Open")
    assert page.evaluate("window.__notReloaded") is True


# --- chat -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "entity_id", "says"),
    [
        ("en", "turn on the rice cooker", "switch.rice_cooker", "Rice Cooker"),
        ("zh", "打开电水壶", "switch.kettle", "电水壶"),
    ],
)
def test_chat_command(
    page: Page, api: httpx.Client, language: str, text: str, entity_id: str, says: str
) -> None:
    call(api, "turn_off", entity_id)
    reply = say(page, text)
    expect(reply.locator("p").first).to_have_attribute("lang", language)  # replies in the sentence's language
    expect(reply).to_contain_text(says)
    expect(reply.locator(f".action[data-entity='{entity_id}']")).to_have_class(re.compile("result-ok"))
    expect(card(page, entity_id).get_by_role("switch")).to_have_attribute("aria-checked", "true")
    assert api.get(f"/api/entities/{entity_id}").json()["state"] == "on"


def test_chat_unlock_asks_for_the_pin_in_a_turn_of_its_own(page: Page, api: httpx.Client) -> None:
    call(api, "lock", "lock.front_door")
    english(page)
    reply = say(page, "unlock the front door")
    expect(reply).to_contain_text("PIN")
    expect(page.get_by_role("button", name="Yes", exact=True)).to_have_count(0)  # a yes is not enough
    pin = page.get_by_label("PIN or code", exact=True)
    expect(pin).to_be_focused()
    expect(pin).to_have_attribute("type", "password")
    page.get_by_role("button", name="No", exact=True).click()  # cancelled: nothing happens
    expect(page.locator(".bubble.from-hub").last).to_contain_text("won't")
    assert api.get("/api/entities/lock.front_door").json()["state"] == "locked"

    say(page, "unlock the front door")
    pin.fill(PIN)
    pin.press("Enter")
    expect(page.locator(".bubble.from-hub").last.locator(".action.result-ok")).to_have_count(1)
    expect(card(page, "lock.front_door").locator(".state")).to_have_text("Unlocked")
    assert api.get("/api/entities/lock.front_door").json()["state"] == "unlocked"
    assert PIN not in page.locator(".chat-log").inner_text()  # never echoed
    expect(page.locator(".bubble.from-me").last).to_have_text("••••")
    entry = api.get("/api/audit", params={"limit": 1}).json()[0]
    assert (entry["member"], entry["channel"], entry["service"]) == ("bo", "web", "unlock")


def test_chat_asks_for_the_code_and_does_not_show_it(page: Page, api: httpx.Client) -> None:
    call(api, "alarm_arm_away", "alarm_control_panel.home_security")
    english(page)
    reply = say(page, "disarm the alarm")
    expect(reply).to_contain_text("code")
    expect(page.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
    code = page.get_by_label("PIN or code", exact=True)
    expect(code).to_be_focused()
    code.fill("1234")
    code.press("Enter")
    expect(page.locator(".bubble.from-hub").last.locator(".action.result-ok")).to_have_count(1)
    expect(card(page, "alarm_control_panel.home_security").locator(".state")).to_have_text("Disarmed")
    assert "1234" not in page.locator(".chat-log").inner_text()


# --- confirmations from a card --------------------------------------------------------


def test_unlock_from_the_card_needs_the_pin(page: Page, api: httpx.Client) -> None:
    call(api, "lock", "lock.front_door")
    english(page)
    door = card(page, "lock.front_door")
    door.get_by_role("button", name="Unlock").click()
    dialog = page.get_by_role("dialog", name="Unlock Front Door?")
    expect(dialog).to_be_visible()
    pin = dialog.get_by_label("Your PIN")
    expect(pin).to_be_focused()
    expect(pin).to_have_attribute("type", "password")
    page.keyboard.press("Escape")  # cancelled: nothing happens
    expect(dialog).to_have_count(0)
    assert api.get("/api/entities/lock.front_door").json()["state"] == "locked"

    door.get_by_role("button", name="Unlock").click()
    pin.fill("1111")  # wrong: the hub says so, the held call is used up, the door stays locked
    pin.press("Enter")
    expect(dialog.get_by_role("alert")).not_to_be_empty()
    assert api.get("/api/entities/lock.front_door").json()["state"] == "locked"
    pin.fill(PIN)  # the dialog asks the hub for a fresh hold, then confirms it with the PIN
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(door.locator(".state")).to_have_text("Unlocked")
    assert api.get("/api/entities/lock.front_door").json()["state"] == "unlocked"
    door.get_by_role("button", name="Lock", exact=True).click()  # locking asks nothing
    expect(door.locator(".state")).to_have_text("Locked")


def test_disarm_from_the_card_asks_for_the_code(page: Page, api: httpx.Client) -> None:
    call(api, "alarm_arm_away", "alarm_control_panel.home_security")
    english(page)
    alarm = card(page, "alarm_control_panel.home_security")
    expect(alarm.locator(".state")).to_have_text("Armed (away)")
    alarm.get_by_role("button", name="Disarm").click()
    dialog = page.get_by_role("dialog", name="Disarm Security System?")
    code = dialog.get_by_label("Code")
    expect(code).to_be_focused()
    code.fill("9999")
    code.press("Enter")
    expect(dialog.get_by_role("alert")).not_to_be_empty()  # the hub's words for a wrong code
    assert api.get("/api/entities/alarm_control_panel.home_security").json()["state"] == "armed_away"
    code.fill("1234")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(alarm.locator(".state")).to_have_text("Disarmed")
    assert api.get("/api/entities/alarm_control_panel.home_security").json()["state"] == "disarmed"


# --- language, keyboard, labels, phone -------------------------------------------------


def test_follows_the_members_language_and_switches(page: Page) -> None:
    # Bo's language is Chinese, and nothing was chosen on this device yet.
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(card(page, "light.kitchen").locator("h3")).to_have_text("厨房灯")
    expect(page.get_by_role("heading", name="厨房", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")

    english(page)
    expect(card(page, "light.kitchen").locator("h3")).to_have_text("Kitchen Light")
    expect(page.get_by_role("heading", name="kitchen", exact=True)).to_be_visible()
    expect(page.get_by_role("switch", name="Kitchen Light power")).to_be_visible()
    page.reload()  # the choice is kept on this device
    expect(card(page, "light.kitchen").locator("h3")).to_have_text("Kitchen Light")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("switch", name="厨房灯开关")).to_be_visible()
    expect(page.get_by_role("textbox", name="指令")).to_be_visible()


def _unnamed_controls(page: Page) -> tuple[int, list[str]]:
    """Ask Chromium's own accessibility tree (what a screen reader gets) for every control."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    session.detach()
    controls = [n for n in nodes if not n.get("ignored") and n.get("role", {}).get("value") in CONTROL_ROLES]
    unnamed = [
        f"{n['role']['value']} {n.get('backendDOMNodeId')}"
        for n in controls
        if not str(n.get("name", {}).get("value", "")).strip()
    ]
    return len(controls), unnamed


def test_every_control_has_an_accessible_name(
    page: Page, browser: Browser, home: tuple[Server, Path]
) -> None:
    for language in ("中文", "English"):
        page.get_by_role("button", name=language).click()
        count, unnamed = _unnamed_controls(page)
        assert count > 40 and unnamed == [], (language, unnamed)
    card(page, "lock.front_door").get_by_role("button", name=re.compile("Unlock|Lock")).click()
    if page.get_by_role("dialog").count():
        count, unnamed = _unnamed_controls(page)
        assert unnamed == [], unnamed
        page.keyboard.press("Escape")
    page.goto(home[0].url + "/#/login")
    expect(page.get_by_label("Password")).to_be_visible()
    count, unnamed = _unnamed_controls(page)
    assert count >= 3 and unnamed == [], unnamed


def _tab_to(page: Page, selector: str, limit: int = 150) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only(page: Page, api: httpx.Client) -> None:
    call(api, "turn_off", "light.grandma_room")
    call(api, "turn_on", "light.bedroom", brightness=128)
    english(page)
    page.reload()  # start from the top of the page, as a visitor does
    expect(page.locator(".live.is-live")).to_have_count(1)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the devices")).to_be_focused()
    _tab_to(page, "#chat-input")
    page.keyboard.type("turn on grandma's light")
    page.keyboard.press("Enter")
    expect(card(page, "light.grandma_room").get_by_role("switch")).to_have_attribute("aria-checked", "true")

    _tab_to(page, "[data-entity='light.grandma_room'] [role=switch]")
    page.keyboard.press("Space")
    expect(card(page, "light.grandma_room").get_by_role("switch")).to_have_attribute("aria-checked", "false")
    _tab_to(page, "[data-entity='light.bedroom'] input[type=range]")
    before = api.get("/api/entities/light.bedroom").json()["attributes"]["brightness"]
    page.keyboard.press("ArrowRight")
    eventually(lambda: attribute(api, "light.bedroom", "brightness"), lambda b: b > before)
    assert api.get("/api/entities/light.grandma_room").json()["state"] == "off"


def test_phone_layout(browser: Browser, home: tuple[Server, Path]) -> None:
    with _open(browser, home[0].url, "phone", PHONE, is_mobile=True, has_touch=True) as page:
        english(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
        chat = page.locator(".chat").bounding_box()
        first_card = page.locator(".card").first.bounding_box()
        assert chat and first_card and chat["y"] < first_card["y"]  # the chat box comes first
        toggle = card(page, "light.kitchen").get_by_role("switch").bounding_box()
        assert toggle and toggle["height"] >= 44  # a finger-sized target
        card(page, "light.kitchen").get_by_role("switch").tap()
        expect(card(page, "light.kitchen").get_by_role("switch")).to_have_attribute("aria-checked", "true")


# --- login, roles, household pages ---------------------------------------------------


def goto(page: Page, route: str, heading: str) -> None:
    """Follow the nav link to a page (as a visitor does) and wait for its heading."""
    page.get_by_role("navigation").get_by_role("link", name=heading, exact=True).click()
    expect(page).to_have_url(re.compile(f"#{re.escape(route)}$"))
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def test_login_and_logout(browser: Browser, home: tuple[Server, Path]) -> None:
    with _open(browser, home[0].url, "login", member=None) as page:
        # No session: the hub answers 401 and the login view shows.
        password = page.get_by_label(re.compile("Password|密码"))
        expect(password).to_have_attribute("type", "password")
        page.get_by_role("button", name="English").click() if page.get_by_role(
            "button", name="English"
        ).count() else None
        page.get_by_label(re.compile("Name|名字")).fill("bo")
        password.fill("not bo's password")
        password.press("Enter")
        expect(page.get_by_role("alert")).not_to_be_empty()
        expect(page.locator("[data-entity='light.kitchen']")).to_have_count(0)
        password.fill(PASSWORDS["bo"])
        password.press("Enter")
        expect(page.locator("[data-entity='light.kitchen']")).to_be_visible()
        expect(page.locator(".top .who")).to_have_text("林波")  # Bo, in his own language
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.reload()  # the session outlives a reload, and so does the CSRF token
        toggle = card(page, "switch.kettle").get_by_role("switch")
        before = toggle.get_attribute("aria-checked")
        toggle.click()
        expect(toggle).not_to_have_attribute("aria-checked", before or "")
        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_label(re.compile("Password|密码"))).to_be_visible()
        page.reload()
        expect(page.get_by_label(re.compile("Password|密码"))).to_be_visible()  # the session is gone


def test_a_session_ended_elsewhere_shows_the_login_view(page: Page, home: tuple[Server, Path]) -> None:
    url = home[0].url
    csrf = page.context.request.get(f"{url}/api/me").json()["csrf_token"]
    ended = page.context.request.post(f"{url}/api/logout", headers={"X-CSRF-Token": csrf})
    assert ended.status == 204
    card(page, "switch.kettle").get_by_role("switch").click()  # the hub answers 401 ...
    expect(page.get_by_label(re.compile("Password|密码"))).to_be_visible()  # ... and the login view shows
    expect(page.locator("[data-entity='switch.kettle']")).to_have_count(0)


def test_login_rate_limit_is_explained(browser: Browser, tmp_path: Path) -> None:
    data = tmp_path / "data"
    init_data_dir(data, demo=True)
    _with_passwords(data, "lily")  # with a password set, the hub wants a login
    server = Server(data)  # a server of its own: the lock-out is per address too
    try:
        with _open(browser, server.url, "login-rate-limit", member=None) as page:
            page.get_by_label(re.compile("Name|名字")).fill("lily")
            password = page.get_by_label(re.compile("Password|密码"))
            submit = page.locator(".login-form button[type=submit]")
            statuses: list[int] = []
            while 429 not in statuses and len(statuses) < 12:  # the waits double after three
                password.fill(f"guess number {len(statuses)}")
                expect(submit).to_be_enabled()
                with page.expect_response("**/api/login") as answer:
                    password.press("Enter")
                statuses.append(answer.value.status)
            assert statuses[:3] == [401] * 3 and statuses[-1] == 429, statuses
            # The page says how long to wait, as the hub told it.
            expect(page.get_by_role("alert")).to_contain_text(
                re.compile(r"Try again in \d+ seconds|\d+ 秒后再试")
            )
            expect(page.locator("[data-entity='light.kitchen']")).to_have_count(0)
    finally:
        server.stop()


def test_a_child_cannot_reach_the_admin_pages(browser: Browser, home: tuple[Server, Path]) -> None:
    with _open(browser, home[0].url, "child", member="lily") as page:
        nav = page.get_by_role("navigation")
        expect(nav.get_by_role("link", name="Lists", exact=True)).to_be_visible()
        for hidden in ("Members", "Audit log", "Approvals"):
            expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
        page.goto(home[0].url + "/#/admin/members")
        expect(page.get_by_text("This page is not for your account.")).to_be_visible()
        expect(page.locator("[data-member]")).to_have_count(0)
        # The hub is the real gate: the child's own session asking directly is refused.
        for path in ("/api/members", "/api/audit/export"):
            assert page.context.request.get(home[0].url + path).status == 403, path
        assert page.context.request.get(home[0].url + "/api/notifications?member=bo").status == 403
        mine = page.context.request.get(home[0].url + "/api/audit").json()
        assert all(entry["member"] == "lily" for entry in mine)


def test_admin_pages_members_and_audit(
    browser: Browser, home: tuple[Server, Path], api: httpx.Client
) -> None:
    call(api, "turn_on", "switch.kettle")
    with _open(browser, home[0].url, "admin-pages", member="alice") as page:
        english(page)
        goto(page, "/admin/members", "Members")
        expect(page.locator("[data-member]")).to_have_count(5)
        expect(page.locator("[data-member='lily']")).to_contain_text("Child")
        expect(page.locator("[data-member='bo']")).to_contain_text("password")
        goto(page, "/admin/audit", "Audit log")
        expect(page.locator(".audit tbody tr").first).to_be_visible()
        expect(page.locator(".audit")).to_contain_text("switch.kettle")
        count, unnamed = _unnamed_controls(page)
        assert count > 5 and unnamed == [], unnamed


def test_lists_page_by_keyboard_and_live(page: Page, api: httpx.Client) -> None:
    for item in api.get("/api/household").json()["lists"].get("shopping", []):
        api.post("/api/lists/shopping/items/remove", json={"item": item["item"]})
    english(page)
    goto(page, "/lists", "Lists")
    box = page.get_by_label("New item for Shopping")
    _tab_to(page, "#new-item")
    page.keyboard.type("eggs")
    page.keyboard.press("Enter")
    item = page.locator("[data-item='eggs']")
    expect(item).to_be_visible()
    expect(box).to_have_value("")
    assert {"item": "eggs", "done": False} in api.get("/api/household").json()["lists"]["shopping"]
    # Untrusted text is shown as text, and a change made elsewhere appears without a reload.
    sneaky = "<img src=x onerror=alert(1)> unlock the front door"
    assert api.post("/api/lists/shopping/items", json={"item": sneaky}).status_code == 201
    expect(page.locator(".items .item-text", has_text=sneaky)).to_be_visible()
    expect(page.locator(".items img")).to_have_count(0)

    _tab_to(page, "[data-item='eggs'] input[type=checkbox]")
    page.keyboard.press("Space")
    expect(item).to_have_class(re.compile("done"))
    eventually(
        lambda: api.get("/api/household").json()["lists"]["shopping"],
        lambda items: {"item": "eggs", "done": True} in items,
    )
    page.get_by_role("button", name=f"Remove {sneaky}").click()
    expect(page.locator(".items .item-text", has_text=sneaky)).to_have_count(0)
    assert [i["item"] for i in api.get("/api/household").json()["lists"]["shopping"]] == ["eggs"]
    count, unnamed = _unnamed_controls(page)
    assert count > 8 and unnamed == [], unnamed


def test_timers_and_calendar_pages(page: Page) -> None:
    english(page)
    assert say(page, "set a pasta timer for 10 minutes").locator("p").first.inner_text()
    say(page, "add dentist tomorrow at 3pm to my calendar")
    goto(page, "/calendar", "Calendar")
    expect(page.locator("[data-event]", has_text="dentist")).to_be_visible()
    goto(page, "/timers", "Timers & reminders")
    pasta = page.locator("[data-timer]", has_text="pasta")
    expect(pasta).to_contain_text("left")
    count, unnamed = _unnamed_controls(page)
    assert count > 8 and unnamed == [], unnamed
    _tab_to(page, "[data-timer] button")
    page.keyboard.press("Enter")
    expect(pasta).to_have_count(0)
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="计时与提醒")).to_be_visible()


def test_automations_page_switches_and_removes_one_made_by_talking(page: Page, api: httpx.Client) -> None:
    english(page)
    balcony = api.get("/api/entities/light.balcony").json()["state"]
    assert "OK?" in say(page, "every day at 7pm turn on the balcony light").inner_text()
    say(page, "yes")
    made = [a for a in api.get("/api/automations").json() if a["creator"] == "bo"]
    assert len(made) == 1 and made[0]["enabled"], made
    said = page.locator(f"[data-automation='{made[0]['id']}']")
    goto(page, "/automations", "Automations")
    expect(said).to_contain_text("Balcony Light")
    expect(said).to_contain_text("“every day at 7pm turn on the balcony light”")
    expect(said).to_contain_text(re.compile(r"next \w{3} \d{1,2} \w{3},? 19:00"))  # the home's time
    expect(page.locator("[data-automation='door_at_night']")).to_be_visible()  # the home file's
    count, unnamed = _unnamed_controls(page)
    assert count > 8 and unnamed == [], unnamed

    # The switch turns the automation off, not its devices.
    switch = said.get_by_role("switch")
    expect(switch).to_be_checked()
    switch.click()
    eventually(
        lambda: [a["enabled"] for a in api.get("/api/automations").json() if a["id"] == made[0]["id"]],
        lambda enabled: enabled == [False],
    )
    expect(switch).not_to_be_checked()
    assert api.get("/api/entities/light.balcony").json()["state"] == balcony

    said.get_by_role("button", name=re.compile("Remove the automation")).click()
    expect(said).to_have_count(0)
    assert all(a["id"] != made[0]["id"] for a in api.get("/api/automations").json())
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="自动化")).to_be_visible()


def test_a_childs_order_is_approved_by_an_adult_live(
    browser: Browser, home: tuple[Server, Path], api: httpx.Client
) -> None:
    with (
        _open(browser, home[0].url, "approvals-child", member="lily") as child,
        _open(browser, home[0].url, "approvals-adult", member="bo") as adult,
    ):
        english(adult)
        goto(adult, "/approvals", "Approvals")
        english(child)
        say(child, "order a bottle of soy sauce")
        reply = say(child, "yes")
        expect(reply).to_contain_text(re.compile("approv", re.I))
        # Bo hears of it at once (a notification on the live stream), and the queue shows it.
        expect(adult.locator(".toast")).to_contain_text(re.compile("莉莉|Lily"))
        order = adult.locator("[data-order]").last
        expect(order).to_contain_text("lily")
        order_id = order.get_attribute("data-order")
        adult.get_by_role("button", name=f"Approve order {order_id}").click()
        expect(adult.locator(f"[data-order='{order_id}']")).to_have_count(0)
        orders = {o["id"]: o for o in api.get("/api/household").json()["orders"]}
        assert orders[int(order_id or 0)]["status"] == "placed"
        expect(child.locator(".toast")).to_contain_text(re.compile("approved|批准"))


# --- the microphone ------------------------------------------------------------------
# Chromium's fake microphone plays a WAV made here with the project's own voice (piper,
# light noise, as tests/test_voice.py does) once from the start of each capture
# (`%noloop`), so a browser of its own serves each utterance. Its contexts are granted
# the microphone through Playwright; a context without the grant is refused, as when a
# member clicks "Block".

MIC = re.compile("Speak a command|说出指令")


def _utterance(folder: Path, text: str | None) -> tuple[Path, float]:
    """``text`` said by piper with light noise (None: the noise alone), as a 16 kHz 16-bit WAV."""
    speech = PiperTTS(deterministic=True).synthesize(text, "en").pcm if text else b""
    audio = add_noise(Audio(silence(0.3).pcm + speech + silence(0.6).pcm), 30, seed=7)
    wav = folder / "microphone.wav"
    wav.write_bytes(audio.wav())
    return wav, audio.seconds


@contextmanager
def _microphone(playwright: Playwright, folder: Path, text: str | None) -> Iterator[tuple[Browser, float]]:
    """A browser whose only microphone says ``text``; yields it and how long the saying lasts."""
    wav, seconds = _utterance(folder, text)
    fake = ["--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={wav}%noloop"]
    launched = playwright.chromium.launch(executable_path=_chromium(), headless=True, args=fake)
    try:
        yield launched, seconds
    finally:
        launched.close()


def speak(page: Page, seconds: float, how: str = "click") -> Any:
    """Record for as long as the fake microphone speaks, send, and return the hub's reply bubble.

    ``how``: "click" to start and again to send, "keyboard" (Enter, twice), or "hold"
    (push-to-talk: the button held down while speaking, letting go sends).
    """
    mic = page.get_by_role("button", name=MIC)
    replies = page.locator(".bubble.from-hub")
    before = replies.count()
    if how == "hold":
        mic.hover()
        page.mouse.down()
    else:
        mic.press("Enter") if how == "keyboard" else mic.click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#mic-status")).to_contain_text(re.compile("Listening|正在听"))
    page.wait_for_timeout(seconds * 1000 + 300)  # the file plays in real time from the start of the capture
    if how == "hold":
        page.mouse.up()
    else:
        mic.press("Enter") if how == "keyboard" else mic.click()
    expect(mic).to_have_attribute("aria-pressed", "false")
    # The hub's first recording also builds the home's speech model: allow for it.
    expect(replies).to_have_count(before + 1, timeout=60_000)
    return replies.nth(before)


def test_mic_command_turns_on_the_light(
    playwright: Playwright, home: tuple[Server, Path], api: httpx.Client, tmp_path: Path
) -> None:
    call(api, "turn_off", "light.kitchen")
    with (
        _microphone(playwright, tmp_path, "turn on the kitchen light") as (browser, seconds),
        _open(browser, home[0].url, "mic-command", permissions=["microphone"]) as page,
    ):
        english(page)
        reply = speak(page, seconds)
        heard = page.locator(".bubble.from-me").last
        expect(heard).to_have_class(re.compile("spoken"))
        expect(heard).to_contain_text("Spoken: turn on the kitchen light")
        expect(reply).to_contain_text("Kitchen Light")
        expect(reply.locator(".action[data-entity='light.kitchen']")).to_have_class(re.compile("result-ok"))
        expect(card(page, "light.kitchen").get_by_role("switch")).to_have_attribute("aria-checked", "true")
        assert api.get("/api/entities/light.kitchen").json()["state"] == "on"
        # The hub's spoken reply was decoded and played to its end (Web Audio reports it ended).
        expect(reply).to_have_attribute("data-audio", "played", timeout=15_000)
        expect(reply.get_by_role("button", name="Play the reply again")).to_be_enabled()
        entry = api.get("/api/audit", params={"limit": 1}).json()[0]
        assert (entry["member"], entry["channel"], entry["entity_id"]) == ("bo", "voice", "light.kitchen")
        assert _unnamed_controls(page)[1] == []


def test_mic_answers_the_pin_by_voice_from_the_keyboard(
    playwright: Playwright, home: tuple[Server, Path], api: httpx.Client, tmp_path: Path
) -> None:
    call(api, "lock", "lock.front_door")
    with (
        _microphone(playwright, tmp_path, "two five eight zero") as (browser, seconds),
        _open(browser, home[0].url, "mic-pin", permissions=["microphone"]) as page,
    ):
        english(page)
        expect(say(page, "unlock the front door")).to_contain_text("PIN")
        expect(page.get_by_label("PIN or code", exact=True)).to_be_focused()
        reply = speak(page, seconds, "keyboard")  # the typed conversation goes on by voice
        expect(reply.locator(".action[data-entity='lock.front_door']")).to_have_class(re.compile("result-ok"))
        expect(card(page, "lock.front_door").locator(".state")).to_have_text("Unlocked")
        assert api.get("/api/entities/lock.front_door").json()["state"] == "unlocked"
        expect(page.locator(".bubble.from-me").last).to_have_text("Spoken: ••••")  # the PIN is never shown
        assert not re.search("two five|2580", page.locator(".chat-log").inner_text())
        entry = api.get("/api/audit", params={"limit": 1}).json()[0]
        assert (entry["member"], entry["channel"], entry["service"]) == ("bo", "voice", "unlock")


def test_mic_nothing_heard_and_a_blocked_microphone(
    playwright: Playwright, home: tuple[Server, Path], api: httpx.Client, tmp_path: Path
) -> None:
    before = api.get("/api/entities").json()
    with _microphone(playwright, tmp_path, None) as (browser, seconds):
        with _open(browser, home[0].url, "mic-nothing", permissions=["microphone"]) as page:
            english(page)
            reply = speak(page, seconds, "hold")
            expect(page.locator(".bubble.from-me").last).to_have_text("Spoken: (nothing heard)")
            expect(reply).to_have_text(re.compile("I didn't hear anything|我没有听到说话声"))
        assert api.get("/api/entities").json() == before  # nothing was done
        with _open(browser, home[0].url, "mic-blocked") as page:  # the microphone was not allowed
            english(page)
            mic = page.get_by_role("button", name=MIC)
            if mic.is_enabled():  # the browser tells only when asked
                mic.click()
            expect(mic).to_be_disabled()
            expect(page.locator("#mic-status")).to_have_text(re.compile("microphone is blocked"))
            expect(mic).to_have_attribute("aria-pressed", "false")
            expect(page.get_by_role("textbox", name="Command")).to_be_enabled()  # typing still works


def test_mic_refused_audio_and_no_microphone(browser: Browser, home: tuple[Server, Path]) -> None:
    with _open(browser, home[0].url, "mic-none", permissions=["microphone"]) as page:
        # Audio the hub refuses: the page's own API door sends the recording as it is, with the
        # session's CSRF token, and brings back the hub's reason (the chat shows it as the reply).
        refused = page.evaluate(
            """async (size) => {
                const { api } = await import('/ui/api.js');
                const answers = [];
                for (const body of ['not a recording', new Uint8Array(size)]) {
                    try {
                        await api.voice(new Blob([body], { type: 'audio/wav' }));
                        answers.push('accepted');
                    } catch (error) {
                        answers.push([error.status, error.detail]);
                    }
                }
                return answers;
            }""",
            21 * 1024 * 1024,
        )
        assert [status for status, _ in refused] == [400, 413], refused
        assert "WAV" in refused[0][1] and "太大" in refused[1][1], refused  # Bo's language
        devices = page.evaluate(
            "navigator.mediaDevices.enumerateDevices()"
            ".then(found => found.filter(d => d.kind === 'audioinput').length)"
        )
        if devices:
            pytest.skip("this machine has a microphone of its own")
        page.get_by_role("button", name="中文").click()
        mic = page.get_by_role("button", name="说出指令")
        mic.click()
        expect(page.locator("#mic-status")).to_have_text(re.compile("没有找到麦克风"))
        expect(mic).to_be_disabled()
        english(page)
        expect(page.locator("#mic-status")).to_have_text(re.compile("No microphone was found"))


# --- catalogues -----------------------------------------------------------------------


def test_catalogues_have_the_same_keys_and_cover_the_code() -> None:
    catalogues = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (STATIC / "i18n").glob("*.json")}
    assert set(catalogues) == {"en", "zh"}
    assert catalogues["en"].keys() == catalogues["zh"].keys()
    used = set()
    for script in STATIC.glob("*.js"):
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]+)'", script.read_text(encoding="utf-8")))
    assert len(used) > 50
    assert used <= catalogues["en"].keys(), used - catalogues["en"].keys()
    for catalogue in catalogues.values():
        for key, text in catalogue.items():
            assert text.strip(), key
    # The microphone's problems are keys the recorder names and the button shows through t(problem).
    problems = set(re.findall(r"'(mic\.[a-z]+)'", (STATIC / "recorder.js").read_text(encoding="utf-8")))
    assert len(problems) >= 5 and problems <= catalogues["en"].keys(), problems - catalogues["en"].keys()


def test_every_dashboard_file_ships_in_the_package() -> None:
    """The wheel carries what `package-data` names: a file in a new folder must be named too."""
    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["homemind"]
    package = STATIC.parents[2]
    files = [p.relative_to(package).as_posix() for p in STATIC.rglob("*") if p.is_file()]
    assert len(files) > 15

    # Glob as setuptools does it: `*` stays within one folder.
    def shipped(path: PurePosixPath) -> bool:
        return any(path.match(p) and len(path.parts) == len(PurePosixPath(p).parts) for p in patterns)

    missing = [f for f in files if not shipped(PurePosixPath(f))]
    assert missing == []


def test_documents_page_upload_search_remove(
    browser: Browser, home: tuple[Server, Path], tmp_path: Path
) -> None:
    notice = tmp_path / "bins.md"
    notice.write_text(
        "# Building notices\n\n## Bins\n\nRecycling goes out on Tuesday evening, before nine o'clock.\n\n"
        "## Bicycles\n\n<img src=x onerror=alert(1)> Bicycles left in the stairwell will be removed.\n",
        "utf-8",
    )
    with _open(browser, home[0].url, "documents", member="bo") as page:
        english(page)
        goto(page, "/documents", "Documents")
        page.get_by_label("Add a document (Markdown, text, HTML, PDF)").set_input_files(str(notice))
        page.get_by_role("button", name="Add", exact=True).click()
        listed = page.locator("[data-document]", has_text="Building notices")
        expect(listed).to_be_visible(timeout=60_000)  # embedding it takes a moment on a small box
        page.get_by_label("Ask the documents").fill("when do the recycling bins go out?")
        page.get_by_role("button", name="Search", exact=True).click()
        first = page.locator("[data-result='0']")
        expect(first).to_contain_text("Tuesday evening")
        expect(first).to_contain_text("Bins")
        page.get_by_label("Ask the documents").fill("bicycles in the stairwell")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("[data-result='0']")).to_contain_text("<img src=x")  # shown as text
        expect(page.locator(".results img")).to_have_count(0)
        count, unnamed = _unnamed_controls(page)
        assert count > 5 and unnamed == [], unnamed
        page.get_by_role("button", name="Remove Building notices").click()
        expect(listed).to_have_count(0)
    # A child reads the library but gets no upload form and no remove buttons; the hub refuses anyway.
    with _open(browser, home[0].url, "documents-child", member="lily") as page:
        english(page)
        goto(page, "/documents", "Documents")
        expect(page.get_by_label("Ask the documents")).to_be_visible()
        expect(page.get_by_label("Add a document (Markdown, text, HTML, PDF)")).to_have_count(0)
        csrf = page.context.request.get(home[0].url + "/api/me").json()["csrf_token"]
        refused = page.context.request.post(
            home[0].url + "/api/documents?name=x.md",
            data="# X\n\ntext\n",
            headers={"Content-Type": "text/markdown", "X-CSRF-Token": csrf},
        )
        assert refused.status == 403 and "may not add documents" in refused.text(), refused.text()


def test_the_api_docs_render_under_their_csp_and_refuse_frames(
    browser: Browser, home: tuple[Server, Path]
) -> None:
    """The offline Swagger UI still works with a CSP that allows only its own inline script."""
    server = home[0]
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        answer = page.goto(f"{server.url}/docs")
        assert answer is not None
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "'sha256-" in csp
        assert answer.headers["x-frame-options"] == "DENY"
        expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
        assert page.locator(".opblock").count() > 20
        page.locator(".opblock-summary").first.click()  # an operation opens: the UI runs
        expect(page.locator(".opblock-body").first).to_be_visible()
        assert blocked == []
        # Another page may not frame the docs (clickjacking): the browser refuses to show them.
        page.set_content(f'<iframe id="docs" src="{server.url}/docs"></iframe>')
        page.wait_for_timeout(1000)
        frame = page.frame_locator("#docs")
        expect(frame.locator(".opblock")).to_have_count(0)
    finally:
        context.close()
