"""Named events that `fire_event` sends and `wait_for_event` waits for.

The engine uses this small interface; Home Assistant supplies one backed by its event bus,
the command line and tests use the in-memory hub below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

EventCallback = Callable[[Mapping[str, Any]], None]


class EventHub(Protocol):
    """Fire named events and listen for them."""

    def fire(self, event: str, data: Mapping[str, Any]) -> None:
        """Deliver `data` to every listener of `event`."""

    def listen(self, event: str, callback: EventCallback) -> Callable[[], None]:
        """Call `callback` for each `event` until the returned function is called."""


class LocalEventHub:
    """An in-process hub; callbacks run synchronously in the caller's turn of the loop."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[EventCallback]] = {}

    def fire(self, event: str, data: Mapping[str, Any]) -> None:
        for callback in list(self._listeners.get(event, ())):
            callback(data)

    def listen(self, event: str, callback: EventCallback) -> Callable[[], None]:
        self._listeners.setdefault(event, []).append(callback)

        def remove() -> None:
            listeners = self._listeners.get(event, [])
            if callback in listeners:
                listeners.remove(callback)

        return remove
