"""The composition root: the one place that knows every part and wires them together.

Everything else receives what it needs as arguments, so tests build a hub on a
temporary data dir exactly as the CLI and the server do.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from homemind.care import Care
from homemind.conversation import Conversation
from homemind.conversation.fallback import Fallback
from homemind.core.backend import DeviceBackend
from homemind.core.events import Event, EventBus
from homemind.core.homefile import load_home, parse_home
from homemind.core.model import EntityState, Home, Member, Names, Role
from homemind.core.states import StateRegistry
from homemind.datadir import (
    HOME_FILE,
    LOCK_FILE,
    STORE_FILE,
    CodeMigrationError,
    make_private_dir,
    move_codes_out,
    secure,
    write_private,
)
from homemind.devices.simulated import SimulatedBackend
from homemind.household import HOUSEHOLD_CHANGED, Clock, Household, SystemClock
from homemind.household.automations import Automations
from homemind.household.scheduler import Scheduler
from homemind.library import LIBRARY_FILE, LibraryHandle
from homemind.library.answerer import DocumentsAnswerer
from homemind.nlu.learned.files import model_available
from homemind.nlu.learned.resolve import LearnedRecognizer
from homemind.nlu.templates import TemplateRecognizer
from homemind.nlu.types import Recognizer
from homemind.policy import Actor, Auth, Executor, Policy
from homemind.policy.auth import hash_secret
from homemind.skills import HandlerRegistry, default_registry
from homemind.skills import care as care_skill
from homemind.store import Store
from homemind.weather.conditions import RainCheck

if TYPE_CHECKING:
    from homemind.llm.tools import ToolBox

# The demo family's PIN for unlocking and disarming (each member can change theirs with
# `homemind member pin`), and the demo alarm's own code (`homemind device code`). Only
# `init --demo` sets them, hashed; a real home starts with neither.
DEMO_PIN = "2580"
DEMO_CODE = "1234"
CACHE_DIR = "cache"  # what can be rebuilt from the package at any time (parsed templates)


class SetupError(RuntimeError):
    """The data dir is missing, or would be overwritten; the message says what to do."""


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data DIR``, else ``$HOMEMIND_DATA``, else the per-user data dir."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get("HOMEMIND_DATA")
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_data_dir("homemind", appauthor=False))


class DataDirLock:
    """An exclusive lock on a data dir, held by the server for its lifetime.

    CLI commands share the store with a running server (SQLite handles that); what
    must not happen is a second server, or `init --force` deleting the store from
    under one. An OS file lock is released by the kernel even after kill -9.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, purpose: str) -> None:
        make_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SetupError(
                f"a homemind server is running on {self.path.parent}; stop it before you {purpose}"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def demo_home_text(broker: str | None = None) -> str:
    """The demo home; with ``broker``, its devices are reached over that MQTT broker."""
    text = resources.files("homemind.homes").joinpath("demo.yaml").read_text("utf-8")
    if broker is not None:
        text += (
            "\n# The devices are on this broker (try them with `homemind simulate --home demo`).\n"
            f"mqtt:\n  broker: {json.dumps(broker)}\n"
        )
    return text


def make_backend(home: Home) -> DeviceBackend:
    """The simulated home unless the home file names a broker; MQTT is imported only then."""
    if home.mqtt is None:
        from homemind.devices.meter import simulated_meter

        return SimulatedBackend(follow=simulated_meter(home))
    from homemind.devices.mqtt import MqttBackend

    return MqttBackend(home, home.mqtt)


def init_data_dir(directory: Path, *, demo: bool, force: bool = False, broker: str | None = None) -> Path:
    """Create the data dir with a home file; refuse to overwrite one unless forced."""
    home_file = directory / HOME_FILE
    if home_file.exists() and not force:
        raise SetupError(f"{home_file} already exists; use --force to replace it (its state is reset too)")
    if not demo:
        raise SetupError("only the demo home can be created for now: use `homemind init --demo`")
    lock = DataDirLock(directory)
    lock.acquire("replace its home")
    try:
        text = demo_home_text(broker)
        parse_home(text, str(home_file))  # a bad broker URL is refused before anything is written
        write_private(home_file, text)
        if force:
            for name in (STORE_FILE, LIBRARY_FILE):  # the documents library goes with the home
                for suffix in ("", "-wal", "-shm"):
                    (directory / f"{name}{suffix}").unlink(missing_ok=True)
        home = parse_home(text, str(home_file))
        store = Store(directory / STORE_FILE)
        try:
            hashed = hash_secret(DEMO_PIN)  # one salted hash shared: the PIN is the same
            for member in home.members.values():
                if member.role is not Role.GUEST and store.credential(member.id, "pin") is None:
                    store.set_credential(member.id, "pin", hashed, time.time())
            auth = Auth(store)
            for name in {e.secrets["code"] for e in home.entities.values() if e.secrets.get("code")}:
                auth.set_device_code(name, DEMO_CODE)
        finally:
            store.close()
        secure(directory)
    finally:
        lock.release()
    return home_file


def _require_home(directory: Path) -> Path:
    home_file = directory / HOME_FILE
    if not home_file.exists():
        raise SetupError(f"no home in {directory}: run `homemind init --demo` (or `homemind demo`) first")
    return home_file


def check_home(directory: Path) -> Home:
    """The data dir's home file, loaded: what must be there before a hub can open on it."""
    return load_home(_require_home(directory))


def settle_memory() -> None:
    """A long-running hub is ready: what start-up built lives as long as it does.

    Frozen out of the garbage collector's sight (parsed templates, indexes: hundreds
    of thousands of objects it would otherwise walk on every full collection,
    stalling a command now and then for tens of milliseconds), and the collector
    resumed if the entry point paused it for the start (channels/entry.py).
    """
    gc.freeze()
    gc.enable()


def with_added_members(home: Home, store: Store) -> Home:
    """The home file's members plus those added with `homemind member add` (kept in the store).

    A member in the home file always wins: the store cannot redefine someone's role.
    """
    added = {
        member_id: Member(member_id, Names({"en": name, "zh": name}), Role(role), language)
        for member_id, name, role, language in store.added_members()
        if member_id not in home.members
    }
    return replace(home, members={**home.members, **added}) if added else home


@dataclass
class Hub:
    data: Path
    home: Home
    bus: EventBus
    store: Store
    states: StateRegistry
    backend: DeviceBackend
    executor: Executor
    handlers: HandlerRegistry
    conversation: Conversation
    templates: TemplateRecognizer
    policy: Policy
    household: Household
    care: Care
    documents: LibraryHandle | None = None  # the library (homemind docs), opened on first use
    _store_version: int = field(default=0, repr=False)

    @classmethod
    def open(cls, directory: Path, clock: Clock | None = None) -> Hub:
        _require_home(directory)  # before touching anything: a clear error for a missing home
        secure(directory)  # every open, CLI or server: modes something else widened are repaired
        store = Store(directory / STORE_FILE)
        try:
            move_codes_out(directory / HOME_FILE, Auth(store))
            home = with_added_members(load_home(directory / HOME_FILE), store)
            policy = Policy.load(directory)
        except BaseException as exc:
            store.close()
            if isinstance(exc, CodeMigrationError):
                raise SetupError(str(exc)) from None
            raise
        cutoff = datetime.now(UTC) - timedelta(days=policy.retention_days)
        store.prune_actions(cutoff.isoformat(timespec="milliseconds"))
        bus = EventBus(defer=store.after_commit)  # events go out once what caused them is committed
        states = StateRegistry(home, bus, persist=store.save_state, on_rollback=store.on_rollback)
        states.restore(store.load_states())
        backend = make_backend(home)
        clock = clock or SystemClock()  # one clock for the hub: confirmations and schedules agree
        executor = Executor(home, states, backend, store, policy, clock=clock.now)
        household = Household(executor, bus, clock, states)
        care = Care(household)
        handlers = default_registry()
        care_skill.register(handlers, care)
        templates = TemplateRecognizer(home, handlers.intent_types, cache_dir=directory / CACHE_DIR)
        recognizers: list[Recognizer] = [templates]
        if model_available():
            recognizers.append(LearnedRecognizer(home))  # the model itself loads on first use
        if home.weather is not None:  # "if it will rain tomorrow, …": checked from the home's forecast
            household.automations.forecast = RainCheck(home.weather, store, home.timezone, clock.now)
        documents = LibraryHandle(directory, policy)
        fallbacks: list[Fallback] = [DocumentsAnswerer(documents)]  # the model tier goes after
        conversation = Conversation(
            home, states, executor, handlers, recognizers, store, household, fallbacks
        )
        if home.llm is not None:  # the model tier: last, and only with an endpoint in the home file
            from homemind.llm.tier import model_tier

            tier = model_tier(
                home, home.llm, executor, handlers, household, policy, store, clock.now, documents
            )
            conversation.history = tier.history
            conversation.fallbacks.append(tier)
        return cls(
            directory,
            home,
            bus,
            store,
            states,
            backend,
            executor,
            handlers,
            conversation,
            templates,
            policy,
            household,
            care,
            documents,
        )

    def warm_up(self, *, blocking: bool = True) -> None:
        """Pay every tier's start-up cost (templates, model) before the first command, not during it.

        ``blocking=False`` warms only the tiers that do not load a network (the server
        warms the model in a thread while it already answers: a command that needs the
        model meanwhile waits for it in its own worker thread).
        """
        for recognizer in self.conversation.recognizers:
            if not blocking and getattr(recognizer, "blocking", False):
                continue
            warm = getattr(recognizer, "warm_up", None)
            if warm is not None:
                warm()
        settle_memory()

    def warm_up_networks(self) -> None:
        """The tiers :meth:`warm_up` leaves out with ``blocking=False`` (call it from a thread)."""
        for recognizer in self.conversation.recognizers:
            warm = getattr(recognizer, "warm_up", None)
            if warm is not None and getattr(recognizer, "blocking", False):
                warm()

    def sync_from_store(self) -> None:
        """Pick up changes another process (a CLI command beside the server) committed."""
        version = self.store.data_version()
        if version != self._store_version:
            first = self._store_version == 0
            self._store_version = version
            self.states.restore(self.store.load_states(), announce=True)
            if not first:  # another process committed: household pages re-read too
                self.bus.publish(Event(HOUSEHOLD_CHANGED, {"kind": None}))

    async def start(self) -> None:
        await self.backend.start(self.states)

    async def stop(self) -> None:
        await self.automations.settle()  # a run a state change started finishes before devices go
        await self.care.close()  # signals being handled, and pushes in flight, before devices go
        await self.backend.stop()
        self.store.close()
        if self.documents is not None:
            self.documents.close()

    @cached_property
    def tools(self) -> ToolBox:
        """The hub's intents as tools, for a language model or an outside assistant (MCP)."""
        from homemind.llm.tools import ToolBox

        return ToolBox(
            self.home,
            self.states,
            self.executor,
            self.handlers,
            self.household,
            self.policy,
            self.store,
            self.documents,
        )

    @property
    def scheduler(self) -> Scheduler:
        return self.household.scheduler

    @property
    def automations(self) -> Automations:
        return self.household.automations

    @property
    def auth(self) -> Auth:
        return self.executor.auth

    def member(self, member_id: str) -> Member:
        member = self.home.members.get(member_id)
        if member is None:
            known = ", ".join(self.home.members)
            raise SetupError(f"unknown member {member_id!r} (members: {known})")
        return member

    def actor(
        self,
        member_id: str | None = None,
        channel: str = "cli",
        *,
        direct: bool = False,
        generated: bool = False,
    ) -> Actor:
        member = self.member(member_id or self.home.owner)
        return Actor(member=member, channel=channel, direct=direct, generated=generated)

    def visible_states(self, actor: Actor) -> list[EntityState]:
        """The states of the entities ``actor`` may see (a guest: shared rooms, no security), by id."""
        return [
            state
            for entity_id, state in sorted(self.states.all().items())
            if entity_id in self.home.entities
            and self.policy.sees(actor.member, self.home.entities[entity_id])
        ]

    def state_dump(self, actor: Actor | None = None) -> dict[str, Any]:
        """Entities and household data as ``actor`` may see them (the owner's view by default)."""
        actor = actor or self.actor()
        return {
            "entities": {
                s.entity_id: {"state": s.state, "attributes": s.attributes}
                for s in self.visible_states(actor)
            },
            **self.household.dump(actor),
        }
