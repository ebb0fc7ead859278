"""What a step's action needs at run time, worked out once per action and registry: its
adapter, spec, timeout and (without `${...}`) its validated parameters. A transition then
costs one dictionary lookup instead of a registry search and a validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .adapter import ActionSpec, Adapter, AdapterRegistry
from .history import note_size
from .model import ActionDef

MAX_PREPARED = 4_096
"""Actions kept at most; past that the cache starts again (reloaded definitions leave theirs)."""


@dataclass(frozen=True, slots=True)
class PreparedAction:
    """One action, ready to call."""

    action: ActionDef
    adapter: Adapter
    spec: ActionSpec
    timeout: float | None
    # The validated parameters of an action without `${...}`; None when they must be
    # rendered each time, or when they do not validate (the call reports it, as a failure).
    static: Mapping[str, Any] | None
    # The details of its first `action_started` history entry and their size, without the
    # step's id (shared by every run: never changed).
    first_started: tuple[dict[str, Any], int]
    # Rule "plain action": an internal action (no outside service, so no durable intent
    # before it) with static parameters and no timeout. Its first attempt outside a
    # rehearsal is the adapter's call with nothing around it (`StepExecutor.execute`).
    plain: bool = False


class PreparedActions:
    """Prepared actions by action; an adapter added to the registry starts them again."""

    __slots__ = ("_cache", "_registry", "_version")

    def __init__(self, registry: AdapterRegistry) -> None:
        self._registry = registry
        self._version = registry.version
        self._cache: dict[int, tuple[ActionDef, PreparedAction]] = {}

    @property
    def registry(self) -> AdapterRegistry:
        return self._registry

    def get(self, action: ActionDef) -> PreparedAction:
        """`action` prepared; ActionError (`unknown_action`) when no adapter has it."""
        cached = self._cache.get(id(action))
        if cached is not None and cached[0] is action and self._version == self._registry.version:
            return cached[1]
        return self._prepare(action)

    def _prepare(self, action: ActionDef) -> PreparedAction:
        registry = self._registry
        if self._version != registry.version or len(self._cache) >= MAX_PREPARED:
            self._cache.clear()
            self._version = registry.version
        spec = registry.spec(action.service, action.action)
        adapter = registry.get(action.service)
        assert adapter is not None  # `spec` found it
        static: Mapping[str, Any] | None = None
        if not action.templated:
            try:
                static = spec.params(dict(action.params))
            except Exception:  # reported by the call itself, inside its retries
                static = None
        timeout = action.timeout if action.timeout is not None else spec.timeout
        started: dict[str, str | int | float] = {
            "service": action.service,
            "action": action.action,
            "attempt": 1,
        }
        first_started = (started, note_size("action_started", None, started))
        plain = static is not None and timeout is None and not adapter.external
        prepared = PreparedAction(action, adapter, spec, timeout, static, first_started, plain)
        self._cache[id(action)] = (action, prepared)
        return prepared


__all__ = ["MAX_PREPARED", "PreparedAction", "PreparedActions"]
