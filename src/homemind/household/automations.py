"""Automations: the home file's (time and state triggers with conditions, switched on and
off by voice, the CLI and the API; the switch is kept in the store, the definition in the
file) and those made by talking (``spoken.py``: stored, run with their maker's permissions,
removable).

Actions run through the executor as the home's owner on the ``automation``
channel, so the action log says what an automation did and policy still applies.
Switching one is a household operation like any other: adults and admins may,
a child or a guest never (an automation acts for the whole home), and it is audited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any

from homemind.core import i18n
from homemind.core.events import STATE_CHANGED, WEATHER_WARNING, Event
from homemind.core.model import Automation, Home, Step
from homemind.core.states import StateRegistry
from homemind.household import spoken, telling
from homemind.household.errors import Conflict, NotAllowed, NotFound
from homemind.household.house import House
from homemind.household.spoken import Spoken
from homemind.policy import ActionOutcome, Actor, Executor, Result

log = logging.getLogger(__name__)

i18n.register(
    {
        "automation.no_such": {"en": "There is no automation called {id}.", "zh": "没有叫{id}的自动化。"},
        "automation.in_file": {
            "en": "{id} is in the home file: switch it off, or remove it there.",
            "zh": "{id}写在家庭配置文件里：可以停用它，或在文件里删除。",
        },
    }
)


def step_targets(home: Home, step: Step) -> list[str]:
    """The entities a step acts on: its one entity, or its domain minus the excluded."""
    if step.entity_id is not None:
        return [step.entity_id]
    return sorted(
        e.entity_id
        for e in home.entities.values()
        if e.domain.value == step.domain and e.entity_id not in step.exclude
    )


async def run_steps(
    home: Home, executor: Executor, actor: Actor, steps: tuple[Step, ...]
) -> list[ActionOutcome]:
    """Every step through the executor, as ``actor``: routines and automations alike."""
    outcomes = []
    for step in steps:
        for entity_id in step_targets(home, step):
            outcomes.append(await executor.execute(actor, entity_id, step.service, dict(step.data)))
    return outcomes


_CREATE = i18n.Message("household.action.automations.create")


def _hhmm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def in_window(now: datetime, after: str | None, before: str | None) -> bool:
    """Local time within [after, before); a window like 23:00-06:00 wraps past midnight."""
    clock = now.time().replace(second=0, microsecond=0)
    start = _hhmm(after) if after else None
    end = _hhmm(before) if before else None
    if start and end:
        return start <= clock < end if start < end else (clock >= start or clock < end)
    if start:
        return clock >= start
    if end:
        return clock < end
    return True


@dataclass(frozen=True)
class AutomationInfo:
    id: str
    name: str
    enabled: bool
    trigger: dict[str, Any]
    # Those made by talking: in both languages, who made it, what was said, when it next runs.
    names: dict[str, str] | None = None
    creator: str | None = None
    said: str | None = None
    next_fire: str | None = None
    entities: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Automations:
    def __init__(self, house: House, states: StateRegistry) -> None:
        self.house = house
        self.executor = house.executor
        self.states = states
        self.runs: list[tuple[str, list[ActionOutcome]]] = []  # this process's runs, newest last
        # Set by the composition root when the home has a forecast: "if it will rain tomorrow …".
        self.forecast: telling.ForecastCheck | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def defined(self) -> dict[str, Automation]:
        return self.house.home.automations

    def enabled(self, automation_id: str) -> bool:
        rows = self.house.store.read("SELECT enabled FROM automation_state WHERE id = ?", (automation_id,))
        return bool(rows[0]["enabled"]) if rows else self.defined[automation_id].enabled

    def set_enabled(self, actor: Actor, automation_id: str, enabled: bool) -> AutomationInfo:
        """Switch an automation on or off (not its devices), if the policy lets this member."""
        said = spoken.get(self.house.store, automation_id)
        if said is not None and self.house.may(actor, "automations", "read"):
            return self._switch_spoken(actor, said, enabled)
        if automation_id not in self.defined or not self.house.may(actor, "automations", "read"):
            raise NotFound("automation.no_such", id=automation_id)
        operation = "enable" if enabled else "disable"
        self.house.require(actor, "automations", "switch", subject=f"automation.{automation_id}")
        with self.house.store.transaction() as db:
            db.execute(
                "INSERT INTO automation_state (id, enabled) VALUES (?, ?)"
                " ON CONFLICT(id) DO UPDATE SET enabled = excluded.enabled, next_fire = NULL",
                (automation_id, int(enabled)),
            )
        self.house.audit(actor, "automations", operation, f"automation.{automation_id}", "ok")
        return self.describe(self.defined[automation_id])

    def describe(self, a: Automation) -> AutomationInfo:
        trigger: dict[str, str | None] = (
            {"at": a.trigger_at} if a.trigger_at else {"entity_id": a.trigger_entity, "to": a.trigger_to}
        )
        return AutomationInfo(a.id, a.name, self.enabled(a.id), trigger)

    def list(self, actor: Actor) -> list[AutomationInfo]:
        self.house.require(actor, "automations", "read", subject="automations")
        said = [self.describe_spoken(s) for s in spoken.all_spoken(self.house.store)]
        return [self.describe(a) for a in self.defined.values()] + said

    # --- made by talking ------------------------------------------------------------

    def describe_spoken(self, said: Spoken) -> AutomationInfo:
        home, now = self.house.home, self.house.now()
        names = {
            lang: f"{spoken.trigger_words(home, said.trigger, now, lang)}: "
            f"{spoken.action_words(home, said.steps, lang)}"
            for lang in ("en", "zh")
        }
        return AutomationInfo(
            said.id, names["en"], said.enabled, said.trigger, names, said.creator, said.said,
            self.house.iso(said.next_fire), tuple(said.entity_ids),
        )  # fmt: skip

    def create(
        self, actor: Actor, said: str, language: str, trigger: dict[str, Any], steps: Sequence[Step]
    ) -> AutomationInfo:
        """Store an automation a member asked for; each step is checked now as that member would be
        (the device can do it, the member may, with no yes or PIN needed), and again whenever it runs."""
        self.house.require(actor, "automations", "create", subject="automation")
        self.require_telling(actor, steps)
        for step in steps:
            if step.service == spoken.NOTIFY:
                continue  # telling the maker or the household: no device, nothing for the executor
            checked = self.executor.check(actor, step.entity_id or "", step.service, dict(step.data))
            if checked.result is not Result.OK:
                self.house.audit(actor, "automations", "create", "automation", "refused", decision="deny")
                error = checked.error
                if error is None:  # held for a yes or a PIN: an automation can give neither
                    raise NotAllowed("household.denied", member=actor.member, action=_CREATE)
                raise NotAllowed(error.key, **error.params)
        made = spoken.insert(
            self.house.store, actor.member.id, language, said, trigger, steps, self.house.clock.now()
        )
        self.house.audit(actor, "automations", "create", f"automation.{made.id}", "ok")
        return self.describe_spoken(made)

    def require_telling(self, actor: Actor, steps: Sequence[Step]) -> None:
        """A step that tells every member is a message to the whole household: the policy's
        ``notifications.broadcast`` (a child's automation may remind her, not message everyone)."""
        if any(s.service == spoken.NOTIFY and s.data.get("to") != "maker" for s in steps):
            self.house.require(actor, "notifications", "broadcast", subject="notifications")

    def remove(self, actor: Actor, automation_id: str) -> AutomationInfo:
        """Remove one made by talking (its maker, adults and admins); the home file's stay in the file."""
        said = spoken.get(self.house.store, automation_id)
        if said is None or not self.house.may(actor, "automations", "read"):
            if automation_id in self.defined:
                raise Conflict("automation.in_file", id=automation_id)
            raise NotFound("automation.no_such", id=automation_id)
        row = {"created_by": said.creator}
        self.house.require(actor, "automations", "remove", row, subject=f"automation.{said.id}")
        spoken.mark_removed(self.house.store, said, self.house.clock.now())
        self.house.audit(actor, "automations", "remove", f"automation.{said.id}", "ok")
        return self.describe_spoken(said)

    def _switch_spoken(self, actor: Actor, said: Spoken, enabled: bool) -> AutomationInfo:
        row = {"created_by": said.creator}
        self.house.require(actor, "automations", "switch", row, subject=f"automation.{said.id}")
        upcoming = said.next_fire
        if enabled and "at" in said.trigger:
            upcoming = spoken.next_fire(said, self.house.now())  # from now on, none missed while off
        spoken.switch(self.house.store, said, enabled, upcoming)
        self.house.audit(
            actor, "automations", "enable" if enabled else "disable", f"automation.{said.id}", "ok"
        )
        return self.describe_spoken(spoken.get(self.house.store, said.id) or said)

    def maker(self, said: Spoken) -> Actor | None:
        """Who a spoken automation runs as: its maker, as generated text (None: no longer a member)."""
        member = self.house.home.members.get(said.creator)
        if member is None:
            return None
        return Actor(member=member, channel="automation", generated=True, text=said.said, intent=said.id)

    async def _run_spoken(self, said: Spoken) -> None:
        actor = self.maker(said)
        if actor is None:
            log.warning("automation %s: its maker %s is no longer a member", said.id, said.creator)
            return
        now = self.house.now()
        if "forecast" in said.trigger:
            rain = None if self.forecast is None else await self.forecast(said.trigger["forecast"], now)
            if rain is None:
                telling.tell_unknown_forecast(self.house, said, now)
            if not rain:
                self.runs.append((said.id, []))
                return
        outcomes = await run_steps(self.house.home, self.executor, actor, said.device_steps)
        if said.notify_steps:
            telling.tell(self.house, said, outcomes, now)
        self.runs.append((said.id, outcomes))

    async def _tick_spoken(self, now_epoch: float) -> None:
        for said in spoken.due(self.house.store, now_epoch):
            upcoming = None if said.once else spoken.next_fire(said, self.house.local(now_epoch))
            if spoken.claim(self.house.store, said, upcoming, now_epoch):
                await self._run_spoken(said)

    def conditions_hold(self, a: Automation) -> bool:
        if not in_window(self.house.now(), a.after, a.before):
            return False
        return all(self.states.get(entity_id).state == state for entity_id, state in a.state_conditions)

    async def _run(self, a: Automation) -> None:
        actor = self.house_actor()
        with self.house.store.command():  # a run is one command: its steps commit together
            outcomes = await run_steps(self.house.home, self.executor, actor, a.steps)
        self.runs.append((a.id, outcomes))

    def house_actor(self) -> Actor:
        return Actor(member=self.house.home.members[self.house.home.owner], channel="automation")

    # --- triggers ------------------------------------------------------------------

    def on_state(self, event: Event) -> None:
        """The bus listener for state triggers (runs the actions as a task on the running loop)."""
        entity_id = event.data.get("entity_id")
        new = (event.data.get("new_state") or {}).get("state")
        old = (event.data.get("old_state") or {}).get("state")
        for a in self.defined.values():
            if (
                a.trigger_entity != entity_id
                or new == old
                or (a.trigger_to is not None and new != a.trigger_to)
            ):
                continue
            if self.enabled(a.id) and self.conditions_hold(a):
                self._start(self._run(a))
        for said in spoken.all_spoken(self.house.store):
            trigger = said.trigger
            if (
                said.enabled
                and entity_id == trigger.get("entity_id")
                and new != old
                and spoken.fires(trigger, old, new)
            ):
                self._start(self._run_spoken(said))

    def on_warning(self, event: Event) -> None:
        """The bus listener for warning triggers: a newly issued warning of the hazard (or any)."""
        if event.data.get("notice") != "warning.issued":
            return  # an update or a cancellation of one already acted on
        for said in spoken.all_spoken(self.house.store):
            wanted = said.trigger.get("warning")
            if said.enabled and wanted is not None and wanted in ("any", event.data.get("hazard")):
                self._start(self._run_spoken(said))

    def _start(self, run: Any) -> None:
        task = asyncio.get_running_loop().create_task(run)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def listen(self) -> None:
        self.house.bus.subscribe(self.on_state, STATE_CHANGED)
        self.house.bus.subscribe(self.on_warning, WEATHER_WARNING)

    async def settle(self) -> None:
        """Wait for runs started by state triggers (tests, and an orderly stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def tick(self, now_epoch: float) -> None:
        """Time triggers, on the scheduler's tick: each due time fires once, claimed in a transaction."""
        await self._tick_spoken(now_epoch)
        for a in self.defined.values():
            if a.trigger_at is None or not self.enabled(a.id):
                continue
            rows = self.house.store.read("SELECT next_fire FROM automation_state WHERE id = ?", (a.id,))
            due = rows[0]["next_fire"] if rows else None
            upcoming = self._next_time(a.trigger_at, now_epoch)
            if due is None:
                with self.house.store.transaction() as db:
                    db.execute(
                        "INSERT INTO automation_state (id, enabled, next_fire) VALUES (?, ?, ?)"
                        " ON CONFLICT(id) DO UPDATE SET next_fire = excluded.next_fire",
                        (a.id, int(self.enabled(a.id)), upcoming),
                    )
                continue
            if float(due) > now_epoch:
                continue
            with self.house.store.command():  # the claim and the run's steps commit together
                with self.house.store.transaction() as db:
                    claimed = db.execute(
                        "UPDATE automation_state SET next_fire = ?, last_fired = ?"
                        " WHERE id = ? AND next_fire = ?",
                        (upcoming, now_epoch, a.id, due),
                    ).rowcount
                if claimed and self.conditions_hold(a):
                    await self._run(a)

    def _next_time(self, hhmm: str, now_epoch: float) -> float:
        now = self.house.local(now_epoch)
        at = now.replace(hour=_hhmm(hhmm).hour, minute=_hhmm(hhmm).minute, second=0, microsecond=0)
        if at <= now:
            at += timedelta(days=1)
        return at.timestamp()
