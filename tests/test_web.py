"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against a real
`homemind serve` process, with changes checked through the CLI and the API as well.

One server and one browser serve the whole module (starting them is most of the cost);
each test opens a fresh browser context (no shared storage) and sets up the device
states it relies on through the API first, so the tests do not depend on their order.
The demo home's owner is switched to Bo, whose language is Chinese, so that "the
dashboard follows the member's language" is something a test can see fail.
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
from playwright.sync_api import Browser, Page, expect, sync_playwright

from conftest import Server, run_cli
from homemind.app import init_data_dir

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")  # never fetch a browser of its own

ARTIFACTS = Path(__file__).parent / "artifacts"
STATIC = Path(__file__).parents[1] / "src" / "homemind" / "channels" / "web" / "static"
DESKTOP = {"width": 1280, "height": 800}  # also a landscape wall tablet
PHONE = {"width": 390, "height": 844}
# Roles a person operates; each must have a name a screen reader can say.
CONTROL_ROLES = {"button", "switch", "textbox", "slider", "combobox", "spinbutton", "checkbox", "link"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    data = tmp_path_factory.mktemp("web") / "data"
    init_data_dir(data, demo=True)
    home_file = data / "home.yaml"
    text = home_file.read_text(encoding="utf-8")
    home_file.write_text(text.replace("owner: alice", "owner: bo", 1), encoding="utf-8")
    server = Server(data)
    yield server, data
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run ./scripts/test (it installs the Debian package)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def api(home: tuple[Server, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=home[0].url, timeout=30) as client:
        yield client


@contextmanager
def _open(browser: Browser, url: str, name: str, viewport: dict[str, int], **options: Any) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
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
    return api.get(f"/api/entities/{entity_id}").json()["attributes"].get(name)


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


def test_chat_unlock_asks_yes_or_no(page: Page, api: httpx.Client) -> None:
    call(api, "lock", "lock.front_door")
    english(page)
    reply = say(page, "unlock the front door")
    expect(reply).to_contain_text("Say yes to confirm")
    expect(page.locator("#chat-code")).to_have_count(0)  # this lock has no code: yes or no
    page.get_by_role("button", name="No", exact=True).click()
    expect(page.locator(".bubble.from-hub").last).to_contain_text("won't")
    assert api.get("/api/entities/lock.front_door").json()["state"] == "locked"

    say(page, "unlock the front door")
    page.get_by_role("button", name="Yes", exact=True).click()
    expect(page.locator(".bubble.from-hub").last.locator(".action.result-ok")).to_have_count(1)
    expect(card(page, "lock.front_door").locator(".state")).to_have_text("Unlocked")
    assert api.get("/api/entities/lock.front_door").json()["state"] == "unlocked"


def test_chat_asks_for_the_code_and_does_not_show_it(page: Page, api: httpx.Client) -> None:
    call(api, "alarm_arm_away", "alarm_control_panel.home_security")
    english(page)
    reply = say(page, "disarm the alarm")
    expect(reply).to_contain_text("code")
    expect(page.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
    code = page.get_by_label("Code", exact=True)
    expect(code).to_be_focused()
    code.fill("1234")
    code.press("Enter")
    expect(page.locator(".bubble.from-hub").last.locator(".action.result-ok")).to_have_count(1)
    expect(card(page, "alarm_control_panel.home_security").locator(".state")).to_have_text("Disarmed")
    assert "1234" not in page.locator(".chat-log").inner_text()


# --- confirmations from a card --------------------------------------------------------


def test_unlock_from_the_card_needs_confirmation(page: Page, api: httpx.Client) -> None:
    call(api, "lock", "lock.front_door")
    english(page)
    door = card(page, "lock.front_door")
    door.get_by_role("button", name="Unlock").click()
    dialog = page.get_by_role("dialog", name="Unlock Front Door?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Code")).to_have_count(0)
    page.keyboard.press("Escape")  # cancelled: nothing happens
    expect(dialog).to_have_count(0)
    assert api.get("/api/entities/lock.front_door").json()["state"] == "locked"

    door.get_by_role("button", name="Unlock").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
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
