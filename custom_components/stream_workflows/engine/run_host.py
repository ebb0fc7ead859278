"""The seams a run depends on: what its host (the engine) gives it, and what a run's parts
(drivers, the step executor) tell the run they belong to.

A run never imports the engine: it is handed a `RunHost`, which `WorkflowEngine` is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from .adapter import ActionSpec, AdapterRegistry
from .clock import Clock
from .conditions import TemplateEvaluator
from .events import EventHub
from .history import Redact
from .model import ActionDef, WorkflowDefinition
from .run_types import RunChange


class StepHost(Protocol):
    """What one step needs of the host: the services it calls and shared helpers."""

    @property
    def registry(self) -> AdapterRegistry: ...
    @property
    def events(self) -> EventHub: ...
    @property
    def templates(self) -> TemplateEvaluator | None: ...

    def static_params(self, action: ActionDef, spec: ActionSpec) -> Mapping[str, Any]:
        """Validated parameters of an action without `${...}` (worked out once)."""

    def random(self) -> float:
        """A fraction in [0, 1) for retry jitter."""


class RunHost[R](StepHost, Protocol):
    """What a run (of type `R`) needs of the engine that owns it."""

    @property
    def clock(self) -> Clock: ...
    @property
    def max_history(self) -> int: ...
    @property
    def eager_start(self) -> bool: ...
    @property
    def redact(self) -> Redact | None: ...
    @property
    def listener(self) -> Callable[[R, RunChange, Any], None] | None: ...
    @property
    def before_dispatch(self) -> Callable[[R], Awaitable[None]] | None: ...

    def base_variables(self, definition: WorkflowDefinition) -> Mapping[str, Any]:
        """What every run of `definition` starts from (a snapshot keeps only the rest)."""

    def run_finished(self, run: R) -> None:
        """`run` ended (a queued one too): forget it, start the next queued run."""


class RunSignals(Protocol):
    """What a run's parts tell the run: changes for its listener, and a dispatch ahead."""

    @property
    def listening(self) -> bool:
        """Whether anyone hears changes (a detail costly to build is built only then)."""

    def notify(self, change: RunChange, detail: Any = None) -> None: ...

    async def before_dispatch(self) -> None:
        """Let the host make the run durable before an external action is dispatched."""
