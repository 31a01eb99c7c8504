"""Multi-turn conversations on the demo home, read from ``tests/dialogues/*.yaml`` and checked turn by turn.

The scenarios are data, written apart from the code that answers them. Each runs on a
fresh demo home, at a fixed moment (Saturday 9 May 2026, 20:00 in Shanghai) on a
clock the scenario moves by hand, in one conversation. After every turn:

- the reply's status, language and (``says``) words, and (``asks``) the kind of question;
- every entity's state is what the scenario expects: what it was, plus every ``expect``
  so far. Anything else that changed is a wrong action, whatever the reply said;
- ``changed`` keys (``entity_id@attribute``) differ from before the turn;
- household data: spoken automations (``automations``: how many), home-file automations'
  switches (``automation_enabled``), timers by name (``timers``), reminders (``reminders``),
  what is on a list (``lists``: name -> items not done, or null for no such list), calendar
  event titles (``events``).

``benchmarks/conversation.py`` reads the same format for its multi-turn set.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from homemind.app import Hub, init_data_dir
from homemind.household import ManualClock

START = datetime(2026, 5, 9, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
DIALOGUES = Path(__file__).resolve().parent / "dialogues"
# Readings move with what is switched on (the demo's meter): never a wrong action of their own.
READINGS = ("sensor.",)


@dataclass
class Turn:
    say: str | None
    status: str | None = None
    member: str | None = None  # who says this turn (default: the scenario's member)
    language: str | None = None
    says: str = ""
    asks: str | None = None
    tier: str | None = None
    expect: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    wait: float = 0
    household: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    id: str
    language: str
    turns: list[Turn]
    member: str | None = None
    area: str | None = None
    before: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""


_HOUSEHOLD = ("automations", "automation_enabled", "timers", "reminders", "lists", "events")


def load(language: str | None = None, directory: Path = DIALOGUES) -> list[Scenario]:
    scenarios = []
    for path in sorted(directory.glob("*.yaml")):
        lang = path.stem.split("_")[0]
        if language is not None and lang != language:
            continue
        for raw in yaml.safe_load(path.read_text("utf-8")):
            turns = []
            said_in = raw.get("language", lang)
            for t in raw["turns"]:
                household = {k: t.pop(k) for k in _HOUSEHOLD if k in t}
                if t.get("say") is not None:
                    t.setdefault("language", said_in)  # every reply's language is checked
                turns.append(Turn(**t, household=household))
            scenarios.append(
                Scenario(
                    raw["id"],
                    raw.get("language", lang),
                    turns,
                    raw.get("member"),
                    raw.get("area"),
                    [tuple(b) for b in raw.get("before", [])],
                    path.name,
                )
            )
    return scenarios


def read(snapshot: dict[str, Any], key: str) -> Any:
    entity_id, _, attribute = key.partition("@")
    item = snapshot[entity_id]
    return item["attributes"].get(attribute) if attribute else item["state"]


@dataclass
class TurnResult:
    turn: Turn
    result: dict[str, Any]
    problems: list[str]
    unwanted: list[str]  # state that changed when the scenario did not want it: a wrong action


class Runner:
    """One scenario on a fresh hub in ``directory``."""

    def __init__(self, scenario: Scenario, directory: Path) -> None:
        self.scenario = scenario
        init_data_dir(directory, demo=True)
        self.clock = ManualClock(START)
        self.hub = Hub.open(directory, clock=self.clock)

    async def run(self) -> list[TurnResult]:
        hub, scenario = self.hub, self.scenario
        await hub.start()
        try:
            owner = hub.actor(None, "test", direct=True)
            for service, entity_id in scenario.before:
                await hub.executor.execute(owner, entity_id, service, {})
            model = {e: s["state"] for e, s in self._entities().items()}
            spoken = 0
            results = []
            for turn in scenario.turns:
                result, problems, unwanted = await self._turn(turn, model, spoken)
                spoken = int(turn.household.get("automations", spoken))
                results.append(TurnResult(turn, result, problems, unwanted))
            return results
        finally:
            await hub.stop()

    async def _turn(
        self, turn: Turn, model: dict[str, Any], spoken: int
    ) -> tuple[dict, list[str], list[str]]:
        hub, scenario = self.hub, self.scenario
        if turn.wait:
            self.clock.advance(turn.wait)
            await hub.scheduler.tick()
            await hub.automations.settle()
        before = self._entities()
        result: dict[str, Any] = {}
        problems: list[str] = []
        if turn.say is not None:
            actor = hub.actor(turn.member or scenario.member, "test")
            if scenario.area:
                from dataclasses import replace

                actor = replace(actor, area=scenario.area)
            outcome = await hub.conversation.process(turn.say, actor, conversation_id=scenario.id)
            await hub.automations.settle()
            result = json.loads(json.dumps(outcome.as_dict()))
            problems += self._reply_problems(turn, result)
        after = self._entities()
        for key, value in turn.expect.items():
            if "@" not in key:
                model[key] = value
            if read(after, key) != value:
                problems.append(f"{key} is {read(after, key)!r}, expected {value!r}")
        for key in turn.changed:
            if read(after, key) == read(before, key):
                problems.append(f"{key} did not change")
        unwanted = [
            f"{entity_id} became {item['state']!r} (expected {model[entity_id]!r})"
            for entity_id, item in after.items()
            if item["state"] != model.get(entity_id) and not entity_id.startswith(READINGS)
        ]
        made = len(
            [
                a
                for a in [a.as_dict() for a in self.hub.automations.list(self.hub.actor())]
                if a["id"].startswith("said_")
            ]
        )
        if made > int(turn.household.get("automations", spoken)):
            unwanted.append(f"{made} automations made by talking")  # stored without being asked to
        problems += unwanted
        problems += self._household_problems(turn, spoken)
        return result, problems, unwanted

    @staticmethod
    def _reply_problems(turn: Turn, result: dict[str, Any]) -> list[str]:
        problems = []
        said = f"({result['status']}: {result['response']})"
        if turn.status is not None and result["status"] != turn.status:
            problems.append(f"status {result['status']}, expected {turn.status} {said}")
        if turn.language is not None and result["language"] != turn.language:
            problems.append(f"reply in {result['language']}, expected {turn.language} {said}")
        if turn.says and str(turn.says).casefold() not in result["response"].casefold():
            problems.append(f"reply lacks {turn.says!r} {said}")
        question = result.get("question")
        if turn.asks is not None and (question is None or question["kind"] != turn.asks):
            problems.append(f"expected a {turn.asks!r} question, got {question} {said}")
        tier = (result.get("intent") or {}).get("tier")
        if turn.tier is not None and tier != turn.tier:
            problems.append(f"tier {tier}, expected {turn.tier} {said}")
        return problems

    def _household_problems(self, turn: Turn, spoken: int) -> list[str]:
        problems = []
        listed = [a.as_dict() for a in self.hub.automations.list(self.hub.actor())]
        made = [a for a in listed if a["id"].startswith("said_")]
        expected = int(turn.household.get("automations", spoken))
        if len(made) != expected:
            problems.append(f"{len(made)} automations made by talking, expected {expected}: {made}")
        for automation_id, enabled in (turn.household.get("automation_enabled") or {}).items():
            found = next((a for a in listed if a["id"] == automation_id), None)
            if found is None or found["enabled"] != enabled:
                problems.append(
                    f"automation {automation_id} enabled={found and found['enabled']}, expected {enabled}"
                )
        dump = self.hub.state_dump()
        for name, state in (turn.household.get("timers") or {}).items():
            found = next((t for t in dump["timers"] if t["name"] == name), None)
            if (found and found["state"]) != state:
                problems.append(f"timer {name} is {found and found['state']}, expected {state}")
        for name, items in (turn.household.get("lists") or {}).items():
            have = dump["lists"].get(name)
            on_it = None if have is None else sorted(i["item"] for i in have if not i["done"])
            if on_it != (None if items is None else sorted(items)):
                problems.append(f"list {name} holds {on_it}, expected {items}")
        for title in turn.household.get("events") or []:
            if not any(e["title"] == title for e in dump["events"]):
                problems.append(f"no event {title!r} in {dump['events']}")
        for wanted in turn.household.get("reminders") or []:
            if not any(
                r["text"] == wanted["text"] and r["member"] == wanted["member"] for r in dump["reminders"]
            ):
                problems.append(f"no reminder {wanted} in {dump['reminders']}")
        return problems

    def _entities(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.hub.state_dump()["entities"]))


def run_scenario(scenario: Scenario, directory: Path) -> list[TurnResult]:
    return asyncio.run(Runner(scenario, directory).run())
