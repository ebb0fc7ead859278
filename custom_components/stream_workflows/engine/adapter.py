"""The one interface every service adapter implements.

An adapter declares its actions (`ActionSpec`: a parameter schema, the shape of its result and
a rehearsal result) and executes them. The engine validates parameters against the schema
before a run (static values) and again after `${...}` rendering (templated values).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import voluptuous as vol

from .errors import ActionError
from .events import EventHub

RehearsalResult = Callable[[Mapping[str, Any]], Any]


def no_result(_params: Mapping[str, Any]) -> Any:
    """Rehearsal result of an action that returns nothing."""
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionSpec:
    """What one action takes and gives."""

    name: str
    description: str
    params: vol.Schema
    result: Mapping[str, str] = field(default_factory=dict)
    rehearsal: RehearsalResult = no_result
    timeout: float | None = 30.0


class ActionContext(Protocol):
    """What a running action may use of its run."""

    @property
    def workflow_id(self) -> str: ...

    @property
    def run_id(self) -> str: ...

    @property
    def step_id(self) -> str: ...

    @property
    def rehearsal(self) -> bool: ...

    @property
    def variables(self) -> MutableMapping[str, Any]: ...

    @property
    def events(self) -> EventHub: ...

    def now(self) -> datetime:
        """The run's clock."""

    async def sleep(self, seconds: float) -> None:
        """Wait on the run's clock; pause keeps the remaining time, a restore resumes it."""

    def log(self, message: str) -> None:
        """Add a line to the run's history."""


class Adapter(ABC):
    """A service (`internal`, `obs`, `twitch`, `discord`, `homeassistant`) and its actions."""

    service: str = ""
    external: bool = True

    @abstractmethod
    def actions(self) -> Mapping[str, ActionSpec]:
        """The actions this adapter offers, by name."""

    def spec(self, action: str) -> ActionSpec | None:
        """The spec of `action`, or None when there is no such action."""
        return self.actions().get(action)

    def describe_unknown(self, action: str) -> str:
        """The message for an unknown action name."""
        known = ", ".join(sorted(self.actions())) or "none"
        return f"unknown action '{action}' for service '{self.service}' (known: {known})"

    @abstractmethod
    def execute(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Awaitable[Any]:
        """Do the action and return its result (JSON-like). Raise `ActionError` on failure.
        Usually a coroutine; an adapter may hand back its handler's awaitable instead."""


class AdapterRegistry:
    """The adapters a run can use, by service name."""

    def __init__(self, adapters: list[Adapter] | None = None) -> None:
        self._adapters: dict[str, Adapter] = {}
        self.version = 0
        """Counts the adapters added or replaced: what was worked out from them is stale."""
        for adapter in adapters or []:
            self.add(adapter)

    def add(self, adapter: Adapter) -> None:
        """Add or replace the adapter of `adapter.service`."""
        self._adapters[adapter.service] = adapter
        self.version += 1

    def get(self, service: str) -> Adapter | None:
        return self._adapters.get(service)

    def services(self) -> list[str]:
        return sorted(self._adapters)

    def spec(self, service: str, action: str) -> ActionSpec:
        """The spec of `service`.`action`; ActionError names what is unknown."""
        adapter = self._adapters.get(service)
        if adapter is None:
            raise ActionError(
                f"unknown service '{service}' (known: {', '.join(self.services())})",
                error_type="unknown_action",
            )
        spec = adapter.spec(action)
        if spec is None:
            raise ActionError(adapter.describe_unknown(action), error_type="unknown_action")
        return spec


def humanize_invalid(error: vol.Invalid) -> str:
    """A voluptuous error in plain words, without its path (callers add the location)."""
    message = error.msg
    last = error.path[-1] if error.path else None
    if message == "extra keys not allowed":
        return f"unknown key '{last}'"
    if message == "required key not provided":
        return f"missing required key '{last}'"
    if message.startswith("expected ") and error.error_type is None:
        return message
    return message
