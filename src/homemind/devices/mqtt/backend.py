"""The MQTT device backend: the home's real devices, reached through a broker.

What it does, and why it is shaped this way:

- **Discovery binds, the home file names.** Devices announce themselves (Home
  Assistant discovery, Zigbee2MQTT's device list); the home file says what the
  household calls them, in which room, in which language. A discovered entity is
  bound to the home entity with the same entity id (``default_entity_id`` /
  ``object_id``, or the Zigbee2MQTT friendly name as a slug), or to the one the
  home file's ``mqtt.entities`` maps to its unique_id or friendly name. A home
  entity nothing announced is ``unavailable``; a discovered entity the home file
  does not name is listed in :attr:`MqttBackend.problems` and the log, so a new
  bulb is one line of YAML away from being usable.
- **A command is done when the device says so.** It is published at QoS 1 and
  the call returns once the device's state topic has echoed it (or, for a device
  without state topics, at once, optimistically, as Home Assistant does). Every
  call has one deadline (``mqtt.command_timeout``): waiting for the broker during
  an outage, publishing and waiting for the echo all come out of it, so a caller
  always gets an answer, never a hang. Commands are absolute (toggle is resolved
  against the known state first), so sending one again after a reconnect is safe.
- **Reconnect, then resynchronise.** The connection is retried with exponential
  backoff; after each connect the hub subscribes again (the broker re-sends
  retained discovery and state), announces itself on ``<prefix>/status`` (devices
  that follow Home Assistant's convention publish discovery and state again), and
  asks Zigbee2MQTT devices for their state. Bindings survive an outage, so a
  broker that lost its retained messages does not make the home forget devices.
- **A lost broker is not an offline device.** States are left as last known while
  the broker is away (a blip must not rewrite every state in the store, nor a CLI
  process that cannot reach the broker tell the server every device is gone);
  commands meanwhile get a clear "cannot reach the broker" reply.
- **Everything from the broker is untrusted.** Malformed, huge or hostile payloads
  are refused with a reason in :attr:`MqttBackend.problems`; nothing from the
  broker can crash the connection loop or put an impossible state in the registry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections import deque
from collections.abc import Iterable
from typing import Any

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.client import topic_matches_sub

from homemind.core import i18n
from homemind.core.model import UNAVAILABLE, EntityState, Home, MqttSettings
from homemind.core.services import ActionError, ServiceCall, check_code
from homemind.core.states import StateRegistry
from homemind.devices.mqtt import ha, z2m
from homemind.devices.mqtt.entities import DiscoveryError, MqttEntity, Outgoing, Payload
from homemind.devices.mqtt.transport import Client, ack_now, cancel
from homemind.devices.simulated import apply_call

log = logging.getLogger(__name__)

i18n.register(
    {
        "error.mqtt_broker_down": {
            "en": "I can't reach {entity}: the MQTT broker at {broker} is not answering.",
            "zh": "无法联系{entity}：MQTT 服务器 {broker} 没有响应。",
        },
        "error.mqtt_refused": {
            "en": "I can't reach {entity}: the MQTT broker at {broker} refused homemind ({reason}).",
            "zh": "无法联系{entity}：MQTT 服务器 {broker} 拒绝了连接（{reason}）。",
        },
        "error.mqtt_not_discovered": {
            "en": "{entity} has not announced itself over MQTT, so I can't reach it.",
            "zh": "{entity}还没有通过 MQTT 上线，无法控制。",
        },
        "error.mqtt_no_confirmation": {
            "en": "I sent the command to {entity}, but it has not confirmed it.",
            "zh": "已经向{entity}发送了指令，但它没有确认。",
        },
    }
)

MAX_ENTITIES = 5000
MAX_PROBLEMS = 200
_MAX_KEPT = 4096
_MAX_KEPT_BYTES = 16 * 1024
_SUBSCRIBE_BATCH = 100


class MqttBackend:
    name = "mqtt"
    # A call waits for the device's answer (up to command_timeout): see Executor._execute.
    waits = True

    def __init__(
        self,
        home: Home,
        settings: MqttSettings,
        *,
        reconnect_min: float = 0.25,
        reconnect_max: float = 30.0,
    ) -> None:
        self._home = home
        self._settings = settings
        self._reconnect = (reconnect_min, reconnect_max)
        self._states: StateRegistry | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: aiomqtt.Client | None = None
        self._generation = 0
        self._session_started = asyncio.Event()
        self._bound_changed = asyncio.Event()
        self._synced_once = asyncio.Event()
        self._attempted = asyncio.Event()
        self._entities: dict[str, MqttEntity] = {}
        self._routes: dict[str, list[MqttEntity]] = {}
        self._bound: dict[str, MqttEntity] = {}
        self._wanted: set[str] = set()
        self._subscribed: set[str] = set()
        self._outbox: deque[Outgoing] = deque()
        self._kept: dict[str, Payload] = {}
        # Devices asked for their state after the first connection, for start() to wait on.
        self._asked: list[tuple[MqttEntity, asyncio.Future[None]]] = []
        self._sync_topic = f"homemind/sync/{uuid.uuid4().hex}"
        self._marker = 0
        self._marker_back = False
        self._match = {match: entity_id for entity_id, match in settings.entities.items()}
        # Subscribed on every connection; each entity's own topics are added as it is discovered.
        # Not <zigbee2mqtt>/#: the hub would receive its own commands back, and the broker's
        # acknowledgement of the next one waits behind them (Nagle, tens of ms a command).
        self._base: list[str] = []
        if settings.discovery_prefix:
            self._base += [
                f"{settings.discovery_prefix}/+/+/config",
                f"{settings.discovery_prefix}/+/+/+/config",
            ]
        if settings.zigbee2mqtt:
            self._base += [f"{settings.zigbee2mqtt}/bridge/devices", f"{settings.zigbee2mqtt}/bridge/state"]
        self._noted: set[str] = set()
        self.problems: deque[str] = deque(maxlen=MAX_PROBLEMS)
        self.connected = False
        # Why the broker turned the last connection down (bad credentials...), until one succeeds.
        self._refused: str | None = None

    # --- DeviceBackend -------------------------------------------------------------

    async def start(self, states: StateRegistry) -> None:
        """Connect and take in what the devices say; without a broker, keep trying in the background.

        Waits at most ``command_timeout`` in all: for the first connection, the
        retained messages, and the answers of the devices asked for their state, so
        a CLI command prints current states, and still answers promptly beside a
        dead broker.
        """
        self._states = states
        self._task = asyncio.create_task(self._run(), name="homemind-mqtt")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.command_timeout
        await _wait(self._attempted, deadline)
        asked, self._asked = self._asked, []
        if asked:
            await asyncio.wait([f for _, f in asked], timeout=max(deadline - loop.time(), 0.001))
        for entity, future in asked:
            entity.forget(future)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            if not await cancel([task]):
                log.warning("MQTT: the connection did not close within 30 s; leaving it")
            elif not task.cancelled() and task.exception() is not None:
                log.warning("MQTT: the connection ended with %r", task.exception())
        self._states = None

    async def call(self, call: ServiceCall) -> None:
        if self._states is None:
            raise RuntimeError("MQTT backend used before start()")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.command_timeout
        entity = call.entity
        if self._client is None and self._refused is not None:
            raise self._broker_down(call)  # turned down (credentials?): waiting will not help
        if not await _wait(self._synced_once, deadline):
            raise self._broker_down(call)
        if self._client is None and await self._session_after(self._generation, deadline) is None:
            # Judge availability on a live connection: what arrived as the broker went
            # down (its clients' last wills) is not news about the devices.
            raise self._broker_down(call)
        target = self._bound.get(entity.entity_id)
        while target is None:
            # Discovery may still be arriving (a broker sends retained messages in no
            # promised order); wait for it within the deadline.
            if not await _wait(self._bound_changed, deadline):
                raise ActionError("error.mqtt_not_discovered", entity=entity)
            target = self._bound.get(entity.entity_id)
        current = self._states.get(entity.entity_id)
        if not target.availability.available:
            raise ActionError("error.unavailable", entity=entity)
        check_code(call)
        call = _resolve_toggle(call, current.state)
        messages = target.encode(call, current)
        expected = _expected(call, current)
        if expected is None:
            # homemind's own device model would refuse this; the real device decides.
            echo = target.expect(out.echo for out in messages if out.echo)
        elif target.optimistic or target.agrees(*expected):
            # Nothing to wait for: no state topic, or the device is already as asked
            # (a device that reports only changes would never answer).
            echo = target.expect(())
        else:
            state, attributes = expected
            changed = {k: v for k, v in attributes.items() if current.attributes.get(k) != v}
            echo = target.expect(target.state_topics, lambda: target.agrees(state, changed))
        target.context = call.context
        try:
            await self._publish(call, messages, deadline)
            if target.optimistic and expected is not None:
                target.set_reading(expected[0], **expected[1])
                self._push(target)
            remaining = deadline - loop.time()
            try:
                await asyncio.wait_for(asyncio.shield(echo), max(remaining, 0.001))
            except TimeoutError:
                raise ActionError("error.mqtt_no_confirmation", entity=entity) from None
        finally:
            target.context = None
            target.forget(echo)

    # --- commands ------------------------------------------------------------------

    def _broker_down(self, call: ServiceCall) -> ActionError:
        if self._refused is not None:
            # Wrong credentials or a client the broker does not allow: waiting will not help.
            return ActionError(
                "error.mqtt_refused", entity=call.entity, broker=self._settings.url, reason=self._refused
            )
        return ActionError("error.mqtt_broker_down", entity=call.entity, broker=self._settings.url)

    async def _publish(self, call: ServiceCall, messages: list[Outgoing], deadline: float) -> None:
        """Publish at QoS 1, waiting for the broker (within the deadline) if it is away.

        A message that fails mid-way is sent again on the next connection: every
        command is absolute, so a repeat does no harm, and a lost one would.
        """
        loop = asyncio.get_running_loop()
        generation = 0
        pending = list(messages)
        while pending:
            session = await self._session_after(generation, deadline)
            if session is None:
                raise self._broker_down(call)
            client, generation = session
            try:
                while pending:
                    out = pending[0]
                    remaining = max(deadline - loop.time(), 0.001)
                    await client.publish(out.topic, out.payload, qos=1, retain=out.retain, timeout=remaining)
                    pending.pop(0)
            except aiomqtt.MqttError as exc:
                log.info("publishing to %s failed (%s); waiting for the broker", pending[0].topic, exc)
                if loop.time() >= deadline:
                    raise self._broker_down(call) from None

    async def _session_after(self, generation: int, deadline: float) -> tuple[aiomqtt.Client, int] | None:
        """The connected client of a session newer than ``generation``; None at the deadline."""
        while self._client is None or self._generation <= generation:
            if not await _wait(self._session_started, deadline):
                return None
        return self._client, self._generation

    # --- the connection --------------------------------------------------------------

    async def _run(self) -> None:
        delay, longest = self._reconnect
        settings = self._settings
        while True:
            try:
                client = Client(
                    settings.host,
                    settings.port,
                    username=settings.username,
                    password=settings.password,
                    tls_params=aiomqtt.TLSParameters() if settings.tls else None,
                    keepalive=30,
                    timeout=max(settings.command_timeout, 5.0),
                )
                async with client:
                    delay = self._reconnect[0]
                    await self._session(client)
            except MqttConnectError as exc:
                reason = str(exc.rc) if exc.rc is not None else str(exc)
                if reason != self._refused:
                    log.warning("MQTT broker %s refused the connection: %s; retrying", settings.url, reason)
                self._refused = reason
            except aiomqtt.MqttError as exc:
                self._refused = None
                if self.connected or not self._attempted.is_set():
                    log.warning("MQTT broker %s: %s; retrying", settings.url, exc)
            except Exception:
                # A fault here must not leave the home without devices for good.
                log.exception("MQTT: the connection to %s failed; retrying", settings.url)
            finally:
                self._client = None
                self.connected = False
                self._attempted.set()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, longest)

    async def _session(self, client: aiomqtt.Client) -> None:
        self._refused = None
        self._subscribed = set()
        await client.subscribe([(topic, 0) for topic in self._base])
        await self._subscribe_wanted(client)
        self._client = client
        self.connected = True
        self._generation += 1
        started, self._session_started = self._session_started, asyncio.Event()
        started.set()
        log.info("MQTT: connected to %s", self._settings.url)
        await self._send_marker(client)
        synced = resubscribed = False
        async for message in client.messages:
            ack_now(client)  # the broker's next message must not wait for our delayed ACK
            self._on_message(message.topic.value, message.payload, retained=bool(message.retain))
            if self._wanted - self._subscribed:
                await self._subscribe_wanted(client)
                resubscribed = True
            if self._marker_back:
                self._marker_back = False
                if synced:
                    pass
                elif resubscribed:
                    resubscribed = False
                    await self._send_marker(client)  # after what the new subscriptions retained
                else:
                    synced = True
                    await client.publish(self._sync_topic, b"", qos=1, retain=True)  # leave nothing behind
                    await self._on_synced(client)
            while self._outbox:
                out = self._outbox.popleft()
                await client.publish(out.topic, out.payload, qos=1)

    async def _send_marker(self, client: aiomqtt.Client) -> None:
        """Learn when the broker has sent everything it retained for our subscriptions.

        The marker is itself a retained message, on a topic of our own, and we
        subscribe to it after the others: the broker queues a subscription's retained
        messages behind those queued before, so when the retained copy of the marker
        arrives, so has the backlog. (A plain publish is not enough: mosquitto lets a
        live message overtake retained ones queued behind a large payload.)
        """
        self._marker += 1
        await client.publish(self._sync_topic, str(self._marker), qos=1, retain=True)
        await client.subscribe(self._sync_topic, qos=0)

    async def _subscribe_wanted(self, client: aiomqtt.Client) -> None:
        todo = sorted(self._wanted - self._subscribed)
        for start in range(0, len(todo), _SUBSCRIBE_BATCH):
            batch = todo[start : start + _SUBSCRIBE_BATCH]
            await client.subscribe([(topic, 0) for topic in batch])
            self._subscribed.update(batch)

    async def _on_synced(self, client: aiomqtt.Client) -> None:
        settings = self._settings
        first = not self._synced_once.is_set()
        self._synced_once.set()
        if first:
            self._mark_undiscovered()
            for entity in list(self._bound.values()):
                self._push(entity)  # those whose availability never came are unavailable now
        if settings.birth and settings.discovery_prefix:
            await client.publish(f"{settings.discovery_prefix}/status", "online", qos=0)
        requests: dict[str, dict[str, Any]] = {}
        for entity in list(self._bound.values()):
            if not entity.availability.available:
                continue
            for out in entity.refresh():
                if first:
                    self._asked.append((entity, entity.expect(entity.state_topics)))
                # One request per device, asking for what all its entities report.
                requests.setdefault(out.topic, {}).update(json.loads(out.payload))
        # Only now may start() go on: the devices asked above are what it waits for, so a one-shot
        # `homemind ask` answers with their current readings, not the store's last ones.
        self._attempted.set()
        for topic, wanted in requests.items():
            await client.publish(topic, json.dumps(wanted), qos=1)

    def _mark_undiscovered(self) -> None:
        if self._states is None:
            return
        for entity_id in self._home.entities:
            if entity_id not in self._bound:
                self._note(f"{entity_id}: no device announced it over MQTT", level=logging.INFO)
                self._states.set(entity_id, UNAVAILABLE)

    # --- messages ---------------------------------------------------------------------

    def _on_message(self, topic: str, raw: Any, *, retained: bool = False) -> None:
        """Route one message. Nothing a device publishes may stop the loop that calls this."""
        if topic == self._sync_topic:
            # Only the retained copy counts: a live one may overtake the backlog.
            self._marker_back = retained and raw == str(self._marker).encode()
            return
        try:
            self._route(topic, Payload(raw))
        except Exception:
            log.exception("MQTT: failed on a message on %r", topic)
            self._note(f"{topic}: a message could not be handled (see the log)")

    def _route(self, topic: str, payload: Payload) -> None:
        settings = self._settings
        prefix = settings.discovery_prefix
        if prefix and topic.startswith(prefix + "/") and topic.endswith("/config"):
            self._on_discovery(topic, payload)
            return
        if settings.zigbee2mqtt and topic == f"{settings.zigbee2mqtt}/bridge/devices":
            self._on_z2m_devices(payload)
            return
        self._keep(topic, payload)
        for entity in self._routes.get(topic, ()):
            self._deliver(entity, topic, payload)

    def _keep(self, topic: str, payload: Payload) -> None:
        """Keep the last message of each Zigbee2MQTT topic, for entities created later.

        The bridge's retained messages arrive in no promised order: a device's
        availability, or the bridge's "offline", can come before the device list
        that creates the entities it is about. Bounded, and small payloads only.
        """
        base = self._settings.zigbee2mqtt
        if not base or not topic.startswith(base + "/") or len(payload.raw) > _MAX_KEPT_BYTES:
            return
        self._kept.pop(topic, None)
        self._kept[topic] = payload
        while len(self._kept) > _MAX_KEPT:
            del self._kept[next(iter(self._kept))]

    def _deliver(self, entity: MqttEntity, topic: str, payload: Payload) -> None:
        if topic in entity.availability.topics:
            was = entity.availability.available
            entity.availability.update(topic, payload)
            if entity.availability.available and not was:
                self._outbox.extend(o for o in entity.refresh() if o not in self._outbox)
        if topic in entity.state_topics:
            try:
                entity.decode(topic, payload)
            except ValueError as exc:
                self._note(f"{entity.describe()}: ignored a reading on {topic}: {exc}")
            entity.heard(topic)
        self._push(entity)

    def _on_discovery(self, topic: str, payload: Payload) -> None:
        prefix = self._settings.discovery_prefix or ""
        try:
            message = ha.read_message(prefix, topic, payload)
        except DiscoveryError as exc:
            self._note(f"{topic}: {exc}")
            return
        for key in message.removed:
            self._remove(key)
        if message.replaces_prefix:
            for key in [k for k in self._entities if k.startswith(message.replaces_prefix)]:
                if key not in message.configs:
                    self._remove(key)
        added = []
        for key, (component, config) in message.configs.items():
            try:
                entity = ha.build(component, key, config)
            except DiscoveryError as exc:
                level = logging.INFO if component not in ha.COMPONENTS else logging.WARNING
                self._note(f"{topic}: {component}: {exc}", level=level)
                self._remove(key)
                continue
            added.append(entity)
        self._add(added)

    def _on_z2m_devices(self, payload: Payload) -> None:
        base = self._settings.zigbee2mqtt or ""
        try:
            devices, problems = z2m.read_devices(base, payload)
        except DiscoveryError as exc:
            self._note(f"{base}/bridge/devices: {exc}")
            return
        for problem in problems:
            self._note(problem)
        entities = [e for device in devices for e in device.entities]
        keep = {e.key for e in entities}
        for key in [k for k in self._entities if k.startswith(z2m.SOURCE + " ") and k not in keep]:
            self._remove(key)
        self._add(entities)

    # --- the entity table -----------------------------------------------------------

    def _add(self, entities: Iterable[MqttEntity]) -> None:
        for entity in entities:
            old = self._entities.get(entity.key)
            if old is not None and old.fingerprint == entity.fingerprint:
                continue
            if old is None and len(self._entities) >= MAX_ENTITIES:
                self._note(f"{entity.describe()}: more than {MAX_ENTITIES} entities; ignored")
                continue
            if old is not None:
                _carry_over(old, entity)
                self._unbind(old)
                self._unindex(old)
            self._entities[entity.key] = entity
            self._index(entity)
            self._bind(entity)
            for topic in entity.topics:
                kept = self._kept.get(topic)
                if kept is not None:
                    self._deliver(entity, topic, kept)

    def _remove(self, key: str) -> None:
        entity = self._entities.pop(key, None)
        if entity is None:
            return
        was = entity.bound_to
        self._unbind(entity)
        self._unindex(entity)
        if was is not None and self._states is not None:
            self._note(f"{was}: its device ({entity.describe()}) was removed", level=logging.INFO)
            self._states.set(was, UNAVAILABLE)
            for other in self._entities.values():
                if other.bound_to is None and self._bind(other):
                    break

    def _index(self, entity: MqttEntity) -> None:
        for topic in entity.topics:
            self._routes.setdefault(topic, []).append(entity)
            if not any(topic_matches_sub(sub, topic) for sub in self._base):
                self._wanted.add(topic)

    def _unindex(self, entity: MqttEntity) -> None:
        for topic in entity.topics:
            routed = [e for e in self._routes.get(topic, ()) if e is not entity]
            if routed:
                self._routes[topic] = routed
            else:
                self._routes.pop(topic, None)
                self._wanted.discard(topic)

    def _bind(self, entity: MqttEntity) -> bool:
        """Bind a discovered entity to the home entity it is; True if it was bound."""
        home_id = next((self._match[n] for n in entity.match_names if n in self._match), None)
        if home_id is None:
            candidate = entity.suggested_id
            if candidate in self._home.entities and candidate not in self._settings.entities:
                home_id = candidate
        if home_id is None:
            self._note(
                f"{entity.describe()} is not in the home file: add an entity with id {entity.suggested_id},"
                f" or map one to {entity.unique_id or entity.name!r} under mqtt.entities",
                level=logging.INFO,
            )
            return False
        home_entity = self._home.entities[home_id]
        if home_entity.domain is not entity.domain:
            self._note(f"{entity.describe()}: is a {entity.domain.value}, but {home_id} is not")
            return False
        holder = self._bound.get(home_id)
        if holder is not None and holder is not entity:
            self._note(f"{entity.describe()}: {home_id} is already {holder.describe()}")
            return False
        entity.bound_to = home_id
        self._bound[home_id] = entity
        changed, self._bound_changed = self._bound_changed, asyncio.Event()
        changed.set()
        if self._synced_once.is_set() and entity.state is None:
            # Discovered after the first sync: ask it for its state, as the sync did the others.
            self._outbox.extend(o for o in entity.refresh() if o not in self._outbox)
        log.info("MQTT: %s is %s", home_id, entity.describe())
        self._push(entity)
        return True

    def _unbind(self, entity: MqttEntity) -> None:
        if entity.bound_to is not None and self._bound.get(entity.bound_to) is entity:
            del self._bound[entity.bound_to]
        entity.bound_to = None

    def _push(self, entity: MqttEntity) -> None:
        """Bring the registry in line with what the entity last said (or its being unavailable)."""
        if entity.bound_to is None or self._states is None:
            return
        if not entity.availability.available:
            if not entity.availability.known and not self._synced_once.is_set():
                # Its availability (a retained message on a topic followed only now that the
                # config is in) is on its way: no "unavailable" to the store and back.
                return
            state, attributes = UNAVAILABLE, {}
        elif entity.state is None:
            return
        else:
            state, attributes = entity.state, entity.attributes
        current = self._states.get(entity.bound_to)
        if current.state == state and all(current.attributes.get(k) == v for k, v in attributes.items()):
            return
        self._states.set(entity.bound_to, state, attributes, context=entity.context)

    def _note(self, message: str, *, level: int = logging.WARNING) -> None:
        """Record a problem once: in :attr:`problems` for diagnostics, and in the log."""
        if message in self._noted:
            return
        if len(self._noted) < 10 * MAX_PROBLEMS:
            self._noted.add(message)
        self.problems.append(message)
        log.log(level, "MQTT: %s", message)

    @property
    def bindings(self) -> dict[str, str]:
        """Home entity id -> what it was discovered as; for diagnostics and tests."""
        return {entity_id: entity.describe() for entity_id, entity in sorted(self._bound.items())}

    def status(self) -> dict[str, Any]:
        """What the hub knows of the broker and the devices on it (``homemind mqtt``).

        The discovered entities the home file does not name are the ones a person
        most needs to see: each comes with the entity id that would bind it.
        """
        unbound = sorted(
            (e for e in self._entities.values() if e.bound_to is None), key=lambda e: e.suggested_id
        )
        return {
            "broker": self._settings.url,
            "connected": self.connected,
            "bound": self.bindings,
            "not_in_home_file": [
                {"entity_id": e.suggested_id, "discovered_as": e.describe(), "unique_id": e.unique_id}
                for e in unbound
            ],
            "unavailable": sorted(
                entity_id
                for entity_id in self._home.entities
                if self._states is not None and self._states.get(entity_id).state == UNAVAILABLE
            ),
            "problems": list(self.problems),
        }


def _carry_over(old: MqttEntity, new: MqttEntity) -> None:
    """A re-announced entity keeps what it last said: its retained messages will not come again."""
    if old.domain is new.domain:
        new.state = old.state
        new.attributes = dict(old.attributes)
    seen = {source.topic: source.seen for source in old.availability.sources}
    for source in new.availability.sources:
        source.seen = seen.get(source.topic)
    new.availability._latest = old.availability._latest


def _expected(call: ServiceCall, current: EntityState) -> tuple[str, dict[str, Any]] | None:
    """What the device should report once it has done the call (homemind's device model)."""
    try:
        return apply_call(call, current.state, dict(current.attributes))
    except ActionError:
        return None


def _resolve_toggle(call: ServiceCall, state: str) -> ServiceCall:
    if call.service != "toggle":
        return call
    service = "turn_on" if state == "off" else "turn_off"
    return ServiceCall(call.entity, service, call.data, call.context)


async def _wait(event: asyncio.Event, deadline: float) -> bool:
    remaining = deadline - asyncio.get_running_loop().time()
    if event.is_set():
        return True
    if remaining <= 0:
        return False
    try:
        await asyncio.wait_for(event.wait(), remaining)
    except TimeoutError:
        return False
    return True
