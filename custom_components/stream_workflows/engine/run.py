"""One run of a workflow: its life (start, pause, resume, cancel, stop) and its public face.

Runs are asyncio tasks. Pause takes effect at a step boundary (a wait in progress keeps its
remaining time; an external call in flight completes first). Cancel interrupts the current
action and ends its state with the `cancel` outcome, so a state machine can route to cleanup.

A run is made of parts, each in its module: its typed state, which also makes and reads its
snapshot (`run_state`); one driver per shape, which decides the next step (`drive_machine`,
`drive_sequence`, `drive_dag`); and the step executor, which runs one step (`step_executor`).
The state is kept consistent at every synchronous point, so a snapshot taken from a listener
can always be restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from .clock import Clock
from .drive_dag import drive_dag
from .drive_machine import drive_machine
from .drive_sequence import drive_sequence
from .history import History
from .model import Shape, WorkflowDefinition
from .run_host import RunHost
from .run_state import SNAPSHOT_VERSION, RunState, own_variables
from .run_types import (
    ActionDispatch,
    RehearsalPlan,
    RunChange,
    RunError,
    RunFailedError,
    RunStatus,
)
from .step_executor import MAX_HANDLED_ERRORS, StepExecutor

_LOGGER = logging.getLogger(__name__)
# Steps in a row without suspending before a run yields to the event loop: 256 steps that
# finish at once hold it for about 2 ms (each yield writes the run's entities).
YIELD_EVERY = 256

RunListener = Callable[["Run", RunChange, Any], None]
type Driver = Callable[[StepExecutor], Awaitable[RunStatus]]
"""Drives a run to its end: SUCCEEDED or CANCELLED; a failure raises RunFailedError."""

DRIVERS: dict[Shape, Driver] = {
    Shape.STATE_MACHINE: drive_machine,
    Shape.SEQUENCE: drive_sequence,
    Shape.DAG: drive_dag,
}


class Run(RunState):
    """A single execution of a workflow definition: its state (`RunState`: what hosts read,
    what a snapshot holds) and its life."""

    # Slots: thousands of runs may be parked in waits; a dict per run would double their size.
    __slots__ = (
        "_cancel_requested",
        "_clock",
        "_done",
        "_main_entered",
        "_resumed",
        "_task",
        "_unyielded",
        "host",
        "pause_requested",
        "steps",
        "stopping",
        "waiters",
    )

    def __init__(
        self,
        host: RunHost[Run],
        definition: WorkflowDefinition,
        run_id: str,
        variables: dict[str, Any],
        *,
        rehearsal: bool = False,
        plan: RehearsalPlan | None = None,
        trigger: Mapping[str, Any] | None = None,
    ) -> None:
        self.host = host
        clock = host.clock
        super().__init__(
            definition,
            run_id,
            variables,
            History(host.max_history, host.redact),
            clock.now(),
            rehearsal=rehearsal,
            trigger=dict(trigger) if trigger else None,
        )
        self._clock = clock
        # The step executor reads and writes the run's state, the run itself. Let go when
        # the run finishes (`_finish`): the two refer to each other, and a finished run is
        # then freed at once instead of waiting for the garbage collector, whose passes over
        # all of Home Assistant's objects would otherwise come with every few dozen runs.
        self.steps: StepExecutor | None = StepExecutor(
            self, self, host, clock, plan if rehearsal else None
        )
        self._task: asyncio.Task[None] | None = None
        self._done: asyncio.Future[RunStatus] | None = None
        # Pause: asked for (waits stop counting, the next boundary parks) until resumed.
        self.pause_requested = False
        self._resumed: asyncio.Event | None = None
        self.waiters: set[asyncio.Future[bool]] = set()  # waits under way (a pause wakes them)
        self._cancel_requested = False
        self.stopping = False  # stopped for a restart: what is in progress stays recorded
        self._unyielded = 0
        self._main_entered = False

    # -- what the run is (read by hosts; the rest is `RunState`'s) ----------------------

    @property
    def clock(self) -> Clock:
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        """A time of the run's own (set by the engine before the run begins)."""
        self._clock = clock
        if self.steps is not None:
            self.steps.clock = clock

    @property
    def current(self) -> list[str]:
        """Ids of the steps in progress, in the order they were entered."""
        return list(self.active)

    @property
    def finished(self) -> bool:
        return self.status.finished

    def wait_remaining(self) -> float | None:
        """Seconds left of the current wait (the first that waits), now."""
        return self.wait_left(self.clock.now())

    # -- public control ---------------------------------------------------------------

    def pause(self) -> bool:
        """Pause at the next step boundary; waits stop counting at once. False if not running."""
        if self.status is not RunStatus.RUNNING:
            return False
        self.pause_requested = True
        self.status = RunStatus.PAUSED
        for waiter in list(self.waiters):
            if not waiter.done():
                waiter.set_result(True)
        self.history.note(self.clock.now(), "paused")
        self.notify(RunChange.PAUSED)
        return True

    def resume(self) -> bool:
        """Continue a paused run. False if it is not paused."""
        if self.status is not RunStatus.PAUSED:
            return False
        self.pause_requested = False
        self.status = RunStatus.RUNNING
        if self._resumed is not None:
            self._resumed.set()
            self._resumed = None
        self.history.note(self.clock.now(), "resumed")
        self.notify(RunChange.RESUMED)
        return True

    def cancel(self, *, route: bool = True) -> bool:
        """Cancel the run. A state with a `cancel` transition routes there first (once);
        a second cancel, or `route=False`, stops at once. False if already finished (or its
        end is already decided: a cancel from a listener of its last step comes too late)."""
        if self.status.finished or self.final is not None:
            return False
        if self.status is RunStatus.QUEUED:
            self._finish(RunStatus.CANCELLED)
            return True
        if not route:
            self.cancel_routed = True
        if self._cancel_requested:
            return True
        self._cancel_requested = True
        self.history.note(self.clock.now(), "cancel_requested")
        if self.status is RunStatus.PAUSED:
            # A paused run must not stay parked on its way out: its `cancel` route (cleanup)
            # runs at once, so the pause ends here.
            self.pause_requested = False
            self.status = RunStatus.RUNNING
            if self._resumed is not None:
                self._resumed.set()
                self._resumed = None
        if self._task is not None:
            self._task.cancel()
            if not self._main_entered:
                # Cancelled before its first step, the task never runs `_main`: finish now,
                # in this turn of the loop, so entities and waiters see it at once.
                self._cancel_requested = False
                self._finish(RunStatus.CANCELLED)
        return True

    async def wait(self) -> RunStatus:
        """Wait until the run has finished and return its status."""
        if self.status.finished:
            return self.status
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._done)

    # -- starting and stopping (called by the engine) -----------------------------------

    def begin(self, *, restored: bool = False, at: datetime | None = None) -> None:
        """Start the run's task; the engine calls this. `at`: the time it starts, when the
        caller has read it in this turn of the loop (a run begun as it is made)."""
        if not restored:
            self.status = RunStatus.RUNNING
            self.started_at = at if at is not None else self.clock.now()
            self.history.note(self.started_at, "run_started")
        self.notify(RunChange.STARTED)
        self._task = asyncio.Task(
            self._main(),
            loop=asyncio.get_running_loop(),
            name=f"stream_workflows run {self.definition.id} {self.run_id}",
            eager_start=self.host.eager_start,
        )
        if not self._task.done():
            self._task.add_done_callback(self._task_done)
            if self._cancel_requested:
                # asked for (by a listener) while the task ran its eager first steps, when
                # there was no task yet to cancel
                self._task.cancel()

    async def stop(self) -> None:
        """Stop the task without finishing the run (shutdown: the run is restored later)."""
        if self._task is None or self._task.done():
            return
        self.stopping = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    # -- the main task ------------------------------------------------------------------

    async def _main(self) -> None:
        self._main_entered = True
        try:
            if self.final is not None:
                status = RunStatus(self.final)
            else:
                assert self.steps is not None  # let go only when the run finishes
                status = await DRIVERS[self.definition.shape](self.steps)
        except asyncio.CancelledError:
            if self.stopping or not self._cancel_requested:
                raise
            self._cancel_requested = False
            self._uncancel()
            status = RunStatus.CANCELLED
        except RunFailedError as failure:
            self.error = failure.error
            status = RunStatus.FAILED
        except Exception as err:  # a bug must never leave a run stuck "running"
            _LOGGER.exception("Run %s of %s failed unexpectedly", self.run_id, self.definition.id)
            self.error = RunError(None, "internal_error", f"{type(err).__name__}: {err}")
            status = RunStatus.FAILED
        self._finish(status)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        """A run cancelled before its task took its first step never entered `_main`'s
        handlers: finish it here, so that nobody waits for it for ever."""
        if (
            task.cancelled()
            and self._cancel_requested
            and not self.stopping
            and not self.status.finished
        ):
            self._cancel_requested = False
            self._finish(RunStatus.CANCELLED)

    def _finish(self, status: RunStatus) -> None:
        if status is RunStatus.FAILED and self.error is None:
            self.error = self.last_error
        if status is RunStatus.CANCELLED:
            self.error = None
        self.status = status
        self.finished_at = self.clock.now()
        self.active.clear()
        self.final = status.value
        error = self.error
        if error is None:  # only names: nothing to redact or shorten
            self.history.note(self.finished_at, "run_finished", None, {"status": status.value})
        else:
            self.history.add(
                self.finished_at,
                "run_finished",
                None,
                {"status": status.value, "error": error.as_dict()},
            )
        if self._done is not None and not self._done.done():
            self._done.set_result(status)
        self.host.run_finished(self)
        self.notify(RunChange.FINISHED)
        self.steps = None  # nothing runs a step of a finished run (see `__init__`)

    def _uncancel(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()

    # -- what the run's parts call (`run_host.RunControl`) -------------------------------

    def notify(self, change: RunChange, detail: Any = None) -> None:
        """Tell the host's listener of a change."""
        listener = self.host.listener
        if listener is not None:
            listener(self, change, detail)

    def at_boundary(self) -> bool:
        """Count a step boundary: True when the run must stop there (`boundary`). Every
        `YIELD_EVERY` steps the run lets the event loop have a turn: steps that finish at
        once (noops, routing-only states) never suspend, so a loop of them would otherwise
        hold the loop (and a cancel) for ever. A plain call: no coroutine on every step."""
        self._unyielded += 1
        return self._unyielded >= YIELD_EVERY or self.pause_requested

    async def boundary(self) -> None:
        """Where a pause takes effect (and the run's turn to yield, see `at_boundary`)."""
        if self._unyielded >= YIELD_EVERY:
            self._unyielded = 0
            await asyncio.sleep(0)
        while self.pause_requested:
            if self._resumed is None:
                self._resumed = asyncio.Event()
            await self._resumed.wait()

    def claim_cancel(self) -> bool:
        """Whether a CancelledError caught by a part is the run's cancel, to end the step
        with the `cancel` outcome. Only the run's own task claims it: branch and DAG node
        tasks are cancelled by the run's task, which decides for them."""
        if not self._cancel_requested or self.stopping or asyncio.current_task() is not self._task:
            return False
        self._cancel_requested = False
        self._uncancel()
        return True

    async def before_dispatch(self) -> None:
        """Before an external action is dispatched, let the host make the run durable with
        the action marked in flight (`StepExecutor` handles a stop meanwhile)."""
        gate = self.host.before_dispatch
        if gate is not None:
            await gate(self)

    # -- snapshots ----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """What this run needs to continue elsewhere, as JSON-ready data (`RunState.to_snapshot`:
        of the variables only the run's own; secret values taken out of its texts)."""
        return self.to_snapshot(self.host.base_variables(self.definition), self.host.redact)

    def load_snapshot(self, data: Mapping[str, Any]) -> None:
        """Take over a snapshot's state (the engine calls this before `begin`)."""
        self.from_snapshot(data, self.clock.now(), self.host.max_history, self.host.redact)
        if self.status is RunStatus.PAUSED:
            self.pause_requested = True


__all__ = [
    "MAX_HANDLED_ERRORS",
    "SNAPSHOT_VERSION",
    "ActionDispatch",
    "RehearsalPlan",
    "Run",
    "RunChange",
    "RunError",
    "RunListener",
    "RunStatus",
    "own_variables",
]
