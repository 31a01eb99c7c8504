"""Automations on the world outside, in both languages, on a manual clock, with the local
Open-Meteo and CAP fakes (real HTTP): "when electricity is cheapest", "if it will rain
tomorrow, remind me …", "when a typhoon warning is issued, close the curtains and tell everyone".

Each scenario checks that nothing happens when it is said or confirmed, that it happens
exactly once at the right time or event, as the member who asked, and that a home
without the section it needs gets a clear reply and nothing stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homemind.app import Hub, demo_home_text
from homemind.household import ManualClock
from homemind.weather.alerts import Warnings
from outdoors_fakes import CapServer, Day, FakeOpenMeteo, make_forecast
from test_alerts import CANCEL, TYPHOON, UPDATE, atom, linked

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 10)
MORNING = datetime(2026, 6, 10, 9, 0, tzinfo=TZ).timestamp()
WASHER = "switch.washing_machine"
CURTAINS = "cover.living_room_curtains"


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 6, day, hour, minute, tzinfo=TZ).timestamp()


class Home:
    """A hub on (a variant of) the demo home, its clock at 09:00 on Wednesday 10 June 2026."""

    def __init__(self, directory: Path, text: str, policy: str | None = None) -> None:
        directory.mkdir(parents=True)
        (directory / "home.yaml").write_text(text, encoding="utf-8")
        if policy is not None:
            (directory / "policy.yaml").write_text(policy, encoding="utf-8")
        self.clock = ManualClock(MORNING)
        self.hub = Hub.open(directory, clock=self.clock)

    async def say(self, text: str, member: str | None = None, conversation: str = "c") -> tuple[str, str]:
        result = await self.hub.conversation.process(
            text, self.hub.actor(member, "test"), conversation_id=conversation
        )
        return result.status.value, result.response

    async def tick_at(self, epoch: float) -> None:
        self.clock.t = epoch
        await self.hub.scheduler.tick()

    def state(self, entity_id: str) -> str:
        return self.hub.states.get(entity_id).state

    def spoken(self) -> list[dict]:
        listed = self.hub.automations.list(self.hub.actor())
        return [a.as_dict() for a in listed if a.id.startswith("said_")]

    def ran(self, entity_id: str) -> list[dict]:
        """The automation channel's entries for one device: (member, result), oldest first."""
        entries = [e for e in self.hub.store.actions() if e["channel"] == "automation:generated"]
        return [e for e in reversed(entries) if e["entity_id"] == entity_id]

    def told(self, member: str) -> list[str]:
        actor = self.hub.actor(member, "test")
        notes = self.hub.household.notifications.for_member(actor, member)
        return [n.text for n in notes if n.kind == "automation"]


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


# --- when electricity is cheapest ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "said", "readback", "saved"),
    [
        (
            "alice",
            "run the washing machine when electricity is cheapest",
            "When electricity is cheapest (the valley period, tomorrow 0:00–8:00),"
            " I'll turn on the Washing Machine. OK?",
            "Saved. When electricity is cheapest",
        ),
        (
            "bo",
            "等电便宜的时候再洗衣服",
            "电价最便宜的时候（谷时，明天0:00–8:00）打开洗衣机，可以吗？",
            "好的，已保存",
        ),
    ],
)
def test_the_washing_machine_runs_once_when_electricity_is_cheapest(
    tmp_path: Path, member: str, said: str, readback: str, saved: str
) -> None:
    home = Home(tmp_path / "data", demo_home_text())

    async def scenario() -> None:
        await home.hub.start()
        assert await home.say(said, member) == ("needs_confirmation", readback)
        status, answer = await home.say("好的" if member == "bo" else "yes", member)
        assert status == "done" and answer.startswith(saved), answer
        assert home.state(WASHER) == "off"  # nothing at once
        await home.tick_at(at(10, 23, 59))
        assert home.state(WASHER) == "off"
        await home.tick_at(at(11, 0, 0) + 30)
        assert home.state(WASHER) == "on"
        [entry] = home.ran(WASHER)
        assert entry["member"] == member and entry["result"] == "ok"  # as its maker
        await home.hub.executor.execute(home.hub.actor(), WASHER, "turn_off", {})  # the wash is done
        await home.tick_at(at(12, 0, 0) + 30)
        assert home.state(WASHER) == "off" and len(home.ran(WASHER)) == 1  # once, then gone
        assert home.spoken() == []
        await home.hub.stop()

    run(scenario)


def test_said_in_the_valley_period_it_runs_at_the_next_tick_after_the_yes(tmp_path: Path) -> None:
    home = Home(tmp_path / "data", demo_home_text())
    home.clock.t = at(10, 1, 0)

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say("turn on the washing machine when power is cheapest", "alice")
        assert status == "needs_confirmation" and "now until 8:00" in answer, answer
        assert home.state(WASHER) == "off"
        await home.hub.scheduler.tick()
        assert home.state(WASHER) == "off"  # not before the yes
        await home.say("yes", "alice")
        await home.tick_at(at(10, 1, 1))
        assert home.state(WASHER) == "on" and len(home.ran(WASHER)) == 1
        await home.hub.stop()

    run(scenario)


@pytest.mark.parametrize(
    ("cut", "said", "reply"),
    [
        ("  tariff:", "run the washing machine when electricity is cheapest", "electricity tariff"),
        ("  tariff:", "等电便宜的时候再洗衣服", "我不知道这个家的电价"),
        ("energy:", "run the washing machine when electricity is cheapest", "add a tariff"),
    ],
)
def test_without_a_tariff_it_says_so_and_sets_nothing_up(
    tmp_path: Path, cut: str, said: str, reply: str
) -> None:
    text = demo_home_text()
    head, _, tail = text.partition("\n" + cut)
    # Drop the section (or only its tariff) up to the next top-level key or the end.
    rest = tail.split("\n", 1)[1] if "\n" in tail else ""
    lines = rest.splitlines()
    keep = next((i for i, line in enumerate(lines) if line and not line.startswith(" ")), len(lines))
    if cut.startswith(" "):
        keep = next((i for i, line in enumerate(lines) if line and not line.startswith("    ")), len(lines))
    home = Home(tmp_path / "data", head + "\n" + "\n".join(lines[keep:]) + "\n")
    assert (home.hub.home.energy is None) == (cut == "energy:")

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say(said, "alice")
        assert status != "needs_confirmation" and reply in answer, answer
        assert (await home.say("yes", "alice"))[0] != "done"
        assert home.spoken() == []
        await home.tick_at(at(11, 1))
        assert home.state(WASHER) == "off"
        await home.hub.stop()

    run(scenario)


# --- if it will rain tomorrow ------------------------------------------------------------------


def weather_home(directory: Path, url: str) -> Home:
    text = demo_home_text().replace(
        "base_url: https://api.open-meteo.com", f"base_url: {url}\n  air_quality_url: {url}"
    )
    return Home(directory, text)


@pytest.fixture
def rainy() -> FakeOpenMeteo:
    forecast, air = make_forecast(TODAY, {1: Day(rain=80, mm=2.0, code=61)})
    return FakeOpenMeteo(forecast, air)


@pytest.mark.parametrize(
    ("member", "said", "readback", "reminder"),
    [
        (
            "alice",
            "if it will rain tomorrow, remind me to bring the laundry in",
            "If rain is forecast for tomorrow (I'll check the forecast today at 20:00),"
            " I'll remind you to bring the laundry in. OK?",
            "Reminder (rain is forecast for tomorrow): bring the laundry in",
        ),
        (
            "bo",
            "明天下雨的话提醒我收衣服",
            "明天有雨的话（今天20:00查看天气预报）提醒你收衣服，可以吗？",
            "提醒（明天有雨）：收衣服",
        ),
    ],
)
def test_a_rain_forecast_reminds_its_maker_once_the_evening_before(
    tmp_path: Path, rainy: FakeOpenMeteo, member: str, said: str, readback: str, reminder: str
) -> None:
    home = weather_home(tmp_path / "data", rainy.url)

    async def scenario() -> None:
        await home.hub.start()
        assert await home.say(said, member) == ("needs_confirmation", readback)
        assert (await home.say("yes" if member == "alice" else "可以", member))[0] == "done"
        assert home.told(member) == [] and rainy.requests == []  # nothing at once, not even a fetch
        await home.tick_at(at(10, 19, 59))
        assert home.told(member) == []
        await home.tick_at(at(10, 20, 0) + 20)
        assert home.told(member) == [reminder]
        others = [m for m in home.hub.home.members if m != member]
        assert all(home.told(m) == [] for m in others)  # "remind me": its maker only
        await home.tick_at(at(11, 7, 0) + 20)
        assert home.told(member) == [reminder] and home.spoken() == []
        await home.hub.stop()

    run(scenario)
    rainy.close()


def test_a_dry_forecast_tells_nothing_and_the_morning_of_is_used_late_in_the_evening(
    tmp_path: Path,
) -> None:
    forecast, air = make_forecast(TODAY, {1: Day(rain=5)})
    fake = FakeOpenMeteo(forecast, air)
    home = weather_home(tmp_path / "data", fake.url)
    home.clock.t = at(10, 21, 0)

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say(
            "if it's going to rain tomorrow, remind me to take an umbrella", "alice"
        )
        assert status == "needs_confirmation" and "check the forecast tomorrow at 7:00" in answer, answer
        await home.say("yes", "alice")
        await home.tick_at(at(11, 7, 0) + 20)
        assert [r.path for r in fake.requests if r.path == "/v1/forecast"]  # it was checked …
        assert home.told("alice") == [] and home.spoken() == []  # … and it stays dry: nothing said
        await home.hub.stop()

    run(scenario)
    fake.close()


def test_an_unreadable_forecast_is_said_not_guessed(tmp_path: Path) -> None:
    forecast, air = make_forecast(TODAY, {})
    fake = FakeOpenMeteo(forecast, air)
    fake.answer_with(500, b"{}")
    home = weather_home(tmp_path / "data", fake.url)

    async def scenario() -> None:
        await home.hub.start()
        await home.say("明天下雨的话提醒我收衣服", "bo")
        await home.say("好", "bo")
        await home.tick_at(at(10, 20, 0) + 20)
        assert home.told("bo") == ["没能读到明天的天气预报，所以没有执行：提醒你收衣服。"]
        await home.hub.stop()

    run(scenario)
    fake.close()


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("if it will rain tomorrow, remind me to bring the laundry in", "no weather forecast set up"),
        ("明天下雨的话提醒我收衣服", "还没有设置天气预报"),
    ],
)
def test_without_a_forecast_it_says_so(tmp_path: Path, said: str, reply: str) -> None:
    text = demo_home_text()
    head, _, tail = text.partition("\nweather:")
    lines = tail.split("\n")[1:]
    keep = next(i for i, line in enumerate(lines) if line and not line.startswith(" "))
    home = Home(tmp_path / "data", head + "\n" + "\n".join(lines[keep:]))
    assert home.hub.home.weather is None

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say(said, "alice")
        assert status != "needs_confirmation" and reply in answer, answer
        assert home.spoken() == []
        await home.hub.stop()

    run(scenario)


def test_rain_without_a_day_is_asked_about(tmp_path: Path, rainy: FakeOpenMeteo) -> None:
    home = weather_home(tmp_path / "data", rainy.url)

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say("if it rains, remind me to close the windows", "alice")
        assert status != "needs_confirmation" and "today or tomorrow" in answer, answer
        assert home.spoken() == []
        await home.hub.stop()

    run(scenario)
    rainy.close()


# --- when a typhoon warning is issued ----------------------------------------------------------


class Warned(Home):
    def __init__(self, root: Path, policy: str | None = None) -> None:
        self.files = root / "feeds"
        self.files.mkdir(parents=True)
        for name, text in (("typhoon-1.xml", TYPHOON), ("typhoon-2.xml", UPDATE), ("typhoon-3.xml", CANCEL)):
            (self.files / name).write_text(text, encoding="utf-8")
        self.feed()
        self.server = CapServer(self.files)
        section = (
            f"\nwarnings:\n  feeds:\n    - {{url: {self.server.url}/feed.xml}}\n  area_codes: ['440300']\n"
        )
        super().__init__(root / "data", demo_home_text() + section, policy)
        self.hub.automations.listen()  # as `homemind serve` does
        assert self.hub.home.warnings is not None
        self.warnings = Warnings(self.hub.home.warnings, self.hub.household)

    def feed(self, *names: str) -> None:
        (self.files / "feed.xml").write_text(atom(*(linked(n) for n in names)), encoding="utf-8")

    async def poll(self, *names: str) -> list[str | None]:
        self.feed(*names)
        notices = [o.notice for o in await self.warnings.poll()]
        await self.hub.automations.settle()
        return notices


@pytest.mark.parametrize(
    ("member", "said", "readback", "alice_told", "bo_told"),
    [
        (
            "alice",
            "when a typhoon warning is issued, close the curtains and tell everyone",
            "When a typhoon warning is issued, I'll close the Curtains and tell everyone. OK?",
            "Alice's automation (a typhoon warning was issued): close the Curtains.",
            "爱丽丝设置的自动化（已发布台风预警）：关上窗帘。",
        ),
        (
            "bo",
            "发布台风预警的时候关上窗帘，通知大家",
            "发布台风预警的时候关上窗帘和通知大家，可以吗？",
            "Bo's automation (a typhoon warning was issued): close the Curtains.",
            "林波设置的自动化（已发布台风预警）：关上窗帘。",
        ),
    ],
)
def test_a_typhoon_warning_closes_the_curtains_once_and_tells_everyone(
    tmp_path: Path, member: str, said: str, readback: str, alice_told: str, bo_told: str
) -> None:
    home = Warned(tmp_path)

    async def scenario() -> None:
        await home.hub.start()
        await home.hub.executor.execute(home.hub.actor(), CURTAINS, "open_cover", {})
        assert await home.say(said, member) == ("needs_confirmation", readback)
        assert (await home.say("yes" if member == "alice" else "好的", member))[0] == "done"
        assert home.state(CURTAINS) == "open"  # nothing at once
        assert await home.poll() == []
        assert home.state(CURTAINS) == "open"
        assert await home.poll("typhoon-1.xml") == ["warning.issued"]
        assert home.state(CURTAINS) == "closed"
        [entry] = home.ran(CURTAINS)
        assert entry["member"] == member and entry["result"] == "ok"
        assert home.told("alice") == [alice_told]  # each in their own language
        assert home.told("bo") == [bo_told]
        assert all(len(home.told(m)) == 1 for m in home.hub.home.members)
        await home.hub.executor.execute(home.hub.actor(), CURTAINS, "open_cover", {})
        assert await home.poll("typhoon-1.xml", "typhoon-2.xml") == ["warning.updated"]
        assert await home.poll("typhoon-1.xml", "typhoon-2.xml", "typhoon-3.xml") == ["warning.cancelled"]
        assert home.state(CURTAINS) == "open" and len(home.ran(CURTAINS)) == 1  # exactly once
        assert len(home.spoken()) == 1  # it stays for the next typhoon
        home.server.close()
        await home.hub.stop()

    run(scenario)


def test_a_child_the_policy_keeps_from_the_curtains_cannot_set_it_up(tmp_path: Path) -> None:
    home = Warned(tmp_path, policy="roles:\n  child:\n    default: allow\n    covers: deny\n")

    async def scenario() -> None:
        await home.hub.start()
        status, _ = await home.say("when a typhoon warning is issued, close the curtains", "lily")
        assert status == "refused"
        status, _ = await home.say("发布台风预警的时候打开窗帘", "lily")
        assert status == "refused"
        assert (await home.say("yes", "lily"))[0] != "done"
        assert home.spoken() == []
        await home.poll("typhoon-1.xml")
        assert home.ran(CURTAINS) == []
        home.server.close()
        await home.hub.stop()

    run(scenario)


def test_a_child_may_not_set_up_a_message_to_everyone(tmp_path: Path) -> None:
    """Telling every member is the policy's notifications.broadcast: refused when said, nothing stored."""
    home = Warned(tmp_path)

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say("when a typhoon warning is issued, tell everyone", "lily")
        assert status == "refused", answer
        status, answer = await home.say("发布台风预警的时候通知大家", "lily")
        assert status == "refused" and "通知全家" in answer, answer
        assert (await home.say("yes", "lily"))[0] != "done"
        assert home.spoken() == []
        await home.poll("typhoon-1.xml")
        assert all(home.told(m) == [] for m in home.hub.home.members)
        home.server.close()
        await home.hub.stop()

    run(scenario)


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        (
            "when a typhoon warning is issued, close the curtains and tell everyone",
            "no weather warning feeds",
        ),
        ("发布台风预警的时候关上窗帘，通知大家", "还没有订阅天气预警"),
    ],
)
def test_without_warning_feeds_it_says_so(tmp_path: Path, said: str, reply: str) -> None:
    home = Home(tmp_path / "data", demo_home_text())

    async def scenario() -> None:
        await home.hub.start()
        status, answer = await home.say(said, "alice")
        assert status != "needs_confirmation" and reply in answer, answer
        assert home.spoken() == []
        await home.hub.stop()

    run(scenario)


@pytest.mark.parametrize(
    "said", ["警报响的时候打开客厅灯", "when the alarm alert sounds, turn on the living room light"]
)
def test_an_alarm_is_not_a_weather_warning(tmp_path: Path, said: str) -> None:
    home = Home(tmp_path / "data", demo_home_text())

    async def scenario() -> None:
        await home.hub.start()
        _, answer = await home.say(said, "alice")
        assert "预警" not in answer and "warning" not in answer, answer
        assert home.state("light.living_room_ceiling") == "off"
        await home.hub.stop()

    run(scenario)
