"""The one place an entity's live state is kept and changed.

Backends report what a device is doing through :meth:`StateRegistry.set`; the
registry writes it through to the store *before* it changes memory, and tells
anyone only once the store has committed it (the bus waits for the commit), so a
crash can lose a change nobody saw, never one somebody was told of. If the
commit fails, memory goes back to what the store has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from homemind.core.events import STATE_CHANGED, Context, Event, EventBus
from homemind.core.model import EntityState, Home
from homemind.store import StateRow

Persist = Callable[[EntityState], None]
# The store's on_rollback: run a callback if the write it follows is undone instead of committed.
OnRollback = Callable[[Callable[[], None]], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class UnknownEntityError(KeyError):
    pass


class StateRegistry:
    def __init__(
        self, home: Home, bus: EventBus, persist: Persist | None = None, on_rollback: OnRollback | None = None
    ) -> None:
        self._home = home
        self._bus = bus
        self._persist = persist
        self._on_rollback = on_rollback
        self._states: dict[str, EntityState] = {}
        now = _now()
        for entity_id, (state, attributes) in home.initial_states.items():
            self._states[entity_id] = EntityState(
                entity_id, state, self._with_capabilities(entity_id, attributes), now, now
            )

    def _with_capabilities(self, entity_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        # Capabilities come from the home file, so an edited max_temp wins over a stored one.
        entity = self._home.entities[entity_id]
        merged = dict(attributes)
        merged.update(entity.capabilities)
        merged["friendly_name"] = entity.names.display(self._home.language)
        if entity.device_class:
            merged["device_class"] = entity.device_class
        return merged

    def restore(self, saved: Mapping[str, StateRow], *, announce: bool = False) -> None:
        """Take states saved by an earlier run, or by another process, for entities the home has.

        With ``announce`` each difference is published as a state change, so a
        command run from the CLI while the server runs shows up in its live stream.
        """
        for entity_id, saved_state in saved.items():
            old = self._states.get(entity_id)
            if old is None:
                continue
            new = EntityState(
                entity_id,
                saved_state.state,
                self._with_capabilities(entity_id, saved_state.attributes),
                saved_state.last_changed,
                saved_state.last_updated,
                saved_state.context,
            )
            if new == old:
                continue
            self._states[entity_id] = new
            if announce:
                self._bus.publish(
                    Event(
                        STATE_CHANGED,
                        {"entity_id": entity_id, "old_state": old.as_dict(), "new_state": new.as_dict()},
                        context=Context.from_dict(new.context),
                    )
                )

    def _put_back(self, old: EntityState, new: EntityState) -> None:
        """The write of ``new`` never reached the disk: memory goes back to ``old`` (unless changed since)."""
        if self._states.get(old.entity_id) is new:
            self._states[old.entity_id] = old

    def get(self, entity_id: str) -> EntityState:
        try:
            return self._states[entity_id]
        except KeyError:
            raise UnknownEntityError(entity_id) from None

    def all(self) -> dict[str, EntityState]:
        return dict(self._states)

    def set(
        self,
        entity_id: str,
        state: str,
        attributes: Mapping[str, Any] | None = None,
        context: Context | None = None,
    ) -> EntityState:
        """Record a new state; attributes given are merged over the current ones."""
        old = self.get(entity_id)
        merged = dict(old.attributes)
        if attributes:
            merged.update(attributes)
        merged = self._with_capabilities(entity_id, merged)
        if old.state == state and old.attributes == merged:
            return old
        now = _now()
        changed = now if old.state != state else old.last_changed
        new = EntityState(entity_id, state, merged, changed, now, context.as_dict() if context else None)
        if self._persist is not None:
            self._persist(new)
            if self._on_rollback is not None:
                self._on_rollback(lambda: self._put_back(old, new))
        self._states[entity_id] = new
        if self._bus.listens(STATE_CHANGED):  # a fan-out to a thousand devices nobody watches builds none
            self._bus.publish(
                Event(
                    STATE_CHANGED,
                    {"entity_id": entity_id, "old_state": old.as_dict(), "new_state": new.as_dict()},
                    context=context,
                )
            )
        return new
