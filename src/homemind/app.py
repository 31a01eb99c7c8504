"""The composition root: the one place that knows every part and wires them together.

Everything else receives what it needs as arguments, so tests build a hub on a
temporary data dir exactly as the CLI and the server do.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

from homemind.conversation import Conversation
from homemind.core.backend import DeviceBackend
from homemind.core.events import EventBus
from homemind.core.homefile import load_home, parse_home
from homemind.core.model import Home
from homemind.core.states import StateRegistry
from homemind.devices.simulated import SimulatedBackend
from homemind.nlu.learned.model import model_available
from homemind.nlu.learned.resolve import LearnedRecognizer
from homemind.nlu.templates import TemplateRecognizer
from homemind.nlu.types import Recognizer
from homemind.policy import Actor, Executor
from homemind.skills import HandlerRegistry, alarms, calendar, default_registry, lists, orders, timers
from homemind.skills.automations import Automations
from homemind.skills.household import Clock, Household, SystemClock
from homemind.skills.scheduler import Scheduler
from homemind.store import Store

HOME_FILE = "home.yaml"
STORE_FILE = "homemind.db"
LOCK_FILE = "homemind.lock"


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
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
        return SimulatedBackend()
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
        tmp = home_file.with_suffix(".yaml.tmp")
        text = demo_home_text(broker)
        parse_home(text, str(home_file))  # a bad broker URL is refused before anything is written
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, home_file)  # atomic: a crash leaves the old file or the new, never half
        if force:
            for suffix in ("", "-wal", "-shm"):
                (directory / f"{STORE_FILE}{suffix}").unlink(missing_ok=True)
    finally:
        lock.release()
    return home_file


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
    household: Household
    scheduler: Scheduler
    automations: Automations
    _store_version: int = field(default=0, repr=False)

    @classmethod
    def open(cls, directory: Path, clock: Clock | None = None) -> Hub:
        home_file = directory / HOME_FILE
        if not home_file.exists():
            raise SetupError(f"no home in {directory}: run `homemind init --demo` (or `homemind demo`) first")
        home = load_home(home_file)
        store = Store(directory / STORE_FILE)
        bus = EventBus()
        states = StateRegistry(home, bus, persist=store.save_state)
        states.restore(store.load_states())
        backend = make_backend(home)
        executor = Executor(home, states, backend, store)
        handlers = default_registry()
        templates = TemplateRecognizer(home, handlers.intent_types)
        recognizers: list[Recognizer] = [templates]
        if model_available():
            recognizers.append(LearnedRecognizer(home))  # the model itself loads on first use
        household = Household(home, store, bus, clock or SystemClock())
        automations = Automations(household, executor, states)
        scheduler = Scheduler(household, automations.tick)
        conversation = Conversation(home, states, executor, handlers, recognizers, store, household)
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
            household,
            scheduler,
            automations,
        )

    def warm_up(self) -> None:
        """Pay every tier's start-up cost (templates, model) before the first command, not during it."""
        for recognizer in self.conversation.recognizers:
            warm = getattr(recognizer, "warm_up", None)
            if warm is not None:
                warm()

    def sync_from_store(self) -> None:
        """Pick up changes another process (a CLI command beside the server) committed."""
        version = self.store.data_version()
        if version != self._store_version:
            self._store_version = version
            self.states.restore(self.store.load_states(), announce=True)

    async def start(self) -> None:
        await self.backend.start(self.states)

    async def stop(self) -> None:
        await self.backend.stop()
        self.store.close()

    def actor(self, member_id: str | None = None, channel: str = "cli", *, direct: bool = False) -> Actor:
        member_id = member_id or self.home.owner
        member = self.home.members.get(member_id)
        if member is None:
            known = ", ".join(self.home.members)
            raise SetupError(f"unknown member {member_id!r} (members: {known})")
        return Actor(member=member, channel=channel, direct=direct)

    def state_dump(self) -> dict[str, Any]:
        house = self.household
        return {
            "entities": {
                entity_id: {"state": s.state, "attributes": s.attributes}
                for entity_id, s in sorted(self.states.all().items())
            },
            "lists": lists.dump(house),
            "timers": timers.dump(house),
            "alarms": alarms.dump_alarms(house),
            "reminders": alarms.dump_reminders(house),
            "events": calendar.dump(house),
            "orders": orders.dump(house),
        }
