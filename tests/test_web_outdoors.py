"""The outside world on the dashboard, in Chromium against a real `homemind serve`: the weather in
the header (from the Open-Meteo fake), a typhoon warning as a banner (from the CAP feed
server, polled by the server itself), and the energy page with its server-drawn charts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server, run_cli
from outdoors_fakes import CapServer, FakeOpenMeteo, make_forecast
from test_alerts import TYPHOON, atom, embedded
from test_weather import DAYS, home_text
from test_web import _open, _with_passwords, browser, playwright  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def outdoors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    root = tmp_path_factory.mktemp("outdoors")
    weather = FakeOpenMeteo(*make_forecast(datetime.now(ZoneInfo("Asia/Shanghai")).date(), DAYS))
    feeds = root / "feeds"
    feeds.mkdir()
    (feeds / "feed.xml").write_text(atom(embedded(TYPHOON.replace("2026-06-11", "2099-06-11"))), "utf-8")
    cap = CapServer(feeds)
    data = root / "data"
    data.mkdir()
    section = f"\nwarnings:\n  feeds: [{{url: '{cap.url}/feed.xml'}}]\n  area_codes: ['440300']\n"
    (data / "home.yaml").write_text(home_text(weather.url) + section, encoding="utf-8")
    _with_passwords(data, "bo")
    server = Server(data)
    yield server, data
    server.stop()
    weather.close()
    cap.close()


def test_weather_warning_banner_and_the_energy_page(browser: Browser, outdoors: tuple[Server, Path]) -> None:  # noqa: F811
    server, data = outdoors
    assert run_cli(data, "call", "turn_on", "switch.kettle").returncode == 0
    with _open(browser, server.url, "outdoors_energy", member="bo") as page:
        header = page.locator("header.top")
        expect(header.get_by_role("status", name="室外天气")).to_contain_text("深圳")
        expect(header.get_by_role("status", name="室外天气")).to_contain_text("度")
        banner = page.get_by_role("alert", name="天气预警")
        expect(banner).to_contain_text("深圳市气象台发布台风橙色预警信号", timeout=15_000)
        expect(banner).to_contain_text("严重")
        page.get_by_role("navigation").get_by_role("link", name="用电", exact=True).click()
        expect(page.get_by_role("heading", name="用电", exact=True)).to_be_visible()
        expect(page.locator("[data-total='today']")).to_contain_text("度")
        for caption in ("今天每小时用电", "最近30天每天用电"):
            expect(page.get_by_role("img", name=caption)).to_be_visible()
        page.wait_for_function(  # both charts loaded and decoded as images: the SVG is valid
            "() => [...document.images].filter(i => i.src.includes('chart.svg'))"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        expect(banner).to_be_visible()  # on every page
