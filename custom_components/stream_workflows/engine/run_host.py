"""The seams a run depends on: what its host (the engine) gives it, and what a run's parts
(drivers, the step executor) need of the run they belong to.

A run never imports the engine: it is handed a `RunHost`, which `WorkflowEngine` is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from .built_ins import RunFacts
from .clock import Clock
from .conditions import TemplateEvaluator
from .events import EventHub
from .history import Redact
from .model import ActionDef, WorkflowDefinition
from .prepared import PreparedAction
from .run_types import RunChange


class StepHost(Protocol):
    """What one step needs of the host: the services it calls and shared helpers."""

    @property
    def events(self) -> EventHub: ...
    @property
    def templates(self) -> TemplateEvaluator | None: ...

    def prepared(self, action: ActionDef) -> PreparedAction:
        """`action` ready to call; ActionError (`unknown_action`) when nothing offers it."""

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
    def tell_dispatches(self) -> bool:
        """Whether the listener hears `ACTION_STARTED` of runs that are not rehearsals."""

    @property
    def tell_steps_left(self) -> bool:
        """Whether the listener hears `STEP_LEFT` of a machine's step when the next step's
        `STEP_ENTERED` follows in the same turn of the loop."""

    @property
    def before_dispatch(self) -> Callable[[R], Awaitable[None]] | None: ...

    def base_variables(self, definition: WorkflowDefinition) -> Mapping[str, Any]:
        """What every run of `definition` starts from (a snapshot keeps only the rest)."""

    def run_finished(self, run: R) -> None:
        """`run` ended (a queued one too): forget it, start the next queued run."""


class RunControl(RunFacts, Protocol):
    """What a run's parts (its drivers and step executor) need of the run that owns them:
    its facts for the built-ins, its pause and cancel, and its listener and dispatch gate."""

    @property
    def pause_requested(self) -> bool:
        """A pause is asked for: waits stop counting, the next boundary parks."""

    @property
    def stopping(self) -> bool:
        """The run is being stopped for a restart: what is in progress stays recorded."""

    @property
    def waiters(self) -> set[asyncio.Future[bool]]:
        """The waits under way: a pause wakes each with True (so it stops counting)."""

    def notify(self, change: RunChange, detail: Any = None) -> None: ...

    async def before_dispatch(self) -> None:
        """Let the host make the run durable before an external action is dispatched."""

    def at_boundary(self) -> bool:
        """Count a step boundary; True when `boundary` must be awaited there."""

    async def boundary(self) -> None:
        """Where a pause takes effect and the run yields now and then."""

    def claim_cancel(self) -> bool:
        """Whether the CancelledError being handled is the run's own cancel (claimed)."""

    def cancel(self, *, route: bool = True) -> bool:
        """Cancel the run (a rehearsal's forced `cancel` outcome)."""
