"""One step of a run: entering and leaving it, a plain action in one frame, its `if`, and
how a failure is recorded; any other action goes the general way (`attempts.py`: retries,
timeout and rehearsal overrides, a restored action that was in flight). The drivers decide
which step comes next; this runs the one they give it.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any, overload

from .attempts import execute_action, run_attempts
from .clock import Clock
from .errors import ActionError, ActionTimeoutError
from .events import EventHub
from .history import note_size
from .model import Condition, Outcome, State, Step
from .prepared import PreparedAction
from .routing import plain_target
from .run_host import RunControl, RunHost
from .run_state import ActiveStep, RunState
from .run_types import (
    ActionDispatch,
    RehearsalPlan,
    RunChange,
    RunError,
)
from .run_values import decide, resolve
from .waits import pausable_sleep

_LOGGER = logging.getLogger(__name__)
# The sizes the history counts for the entries of every transition, worked out once.
_ENTERED = note_size("step_entered", None, None)
_SUCCEEDED = note_size("action_succeeded", None, {"duration": 0.0})
_LEFT = {
    outcome: ({"outcome": outcome.value}, note_size("step_left", None, {"outcome": outcome.value}))
    for outcome in Outcome
}
MAX_HANDLED_ERRORS = 100  # a run keeps its latest handled errors (a loop may fail every turn)


class StepContext:
    """The `ActionContext` one action sees."""

    __slots__ = ("_steps", "step_id")

    def __init__(self, steps: StepExecutor, step_id: str) -> None:
        self._steps = steps
        self.step_id = step_id

    @property
    def workflow_id(self) -> str:
        return self._steps.state.definition.id

    @property
    def run_id(self) -> str:
        return self._steps.state.run_id

    @property
    def rehearsal(self) -> bool:
        return self._steps.state.rehearsal

    @property
    def variables(self) -> MutableMapping[str, Any]:
        return self._steps.state.variables

    @property
    def events(self) -> EventHub:
        return self._steps.host.events

    def now(self) -> datetime:
        return self._steps.clock.now()

    async def sleep(self, seconds: float) -> None:
        restored = self._steps.state.restored_waits.pop(self.step_id, None)
        await self._steps.pausable_sleep(
            self.step_id, seconds if restored is None else restored, total=seconds
        )

    def log(self, message: str) -> None:
        steps = self._steps
        steps.state.history.add(steps.clock.now(), "log", self.step_id, {"message": message})


class StepExecutor:
    """Runs the steps of one run, one at a time per caller (branches and DAG nodes each
    call it from their own task)."""

    __slots__ = ("_left_untold", "_moment", "as_is", "clock", "host", "plan", "run", "state")

    def __init__(
        self,
        run: RunControl,
        state: RunState,
        host: RunHost[Any],
        clock: Clock,
        plan: RehearsalPlan | None,
    ) -> None:
        self.run = run
        self.state = state
        self.host = host
        self.clock = clock
        self.plan = plan
        # Rule "as is": outside a rehearsal (its plan, its stand-in results) an action
        # without a timeout awaits the adapter's own call, with no frame around it; any of
        # those wraps it (`attempts._wrapped`).
        self.as_is = plan is None and not state.rehearsal
        # (step, time) of a step's last history entry, for the next entry of the same step
        # in the same turn (entered -> action started, action succeeded -> left): one clock
        # read instead of two on every transition.
        self._moment: tuple[str, datetime] | None = None
        # The step left whose `STEP_LEFT` the next `STEP_ENTERED` stands for (`leave`).
        self._left_untold: str | None = None

    # -- entering and leaving -----------------------------------------------------------

    def enter(self, step: Step, at: datetime | None = None) -> None:
        """Enter `step`; `at`: the time the previous step was left, when nothing ran in
        between (one transition, one moment: a clock read less on every step)."""
        state = self.state
        if step.id in state.active:
            self.tell_left()
            return  # restored mid-step: it was entered before the restart
        self._left_untold = None  # this step's `STEP_ENTERED` stands for it
        state.active[step.id] = {"attempt": 0}
        state.path.append(step.id)
        now = at if at is not None else self.clock.now()
        self._moment = (step.id, now)
        state.history.noted(now, "step_entered", step.id, None, _ENTERED + len(step.id))
        listener = self.host.listener  # not `run.notify`: one call less on every step
        if listener is not None:
            listener(self.run, RunChange.STEP_ENTERED, step.id)

    @overload
    async def run_step(self, step: Step, at: datetime | None = None) -> Outcome: ...

    @overload
    async def run_step(
        self, step: Step, at: datetime | None, *, passes: State
    ) -> Outcome | datetime: ...

    async def run_step(
        self, step: Step, at: datetime | None = None, *, passes: State | None = None
    ) -> Outcome | datetime:
        """Enter `step` (not a parallel block: its driver enters that and runs its
        branches) and run its action, retried as it says; `at` as for `enter`.

        Rule "plain action" (`PreparedAction.plain`), on the path of most transitions: the
        first attempt of such an action outside a rehearsal is the adapter's call with
        nothing around it, entered and dispatched in this one frame. Anything else, and a
        failure of that attempt, goes the general way (`attempts.py`).

        `passes`: the machine state whose step this is. When that plain attempt succeeds
        and rule "plain success" (`routing.plain_target`) sends the run on, the step is
        left here too, as `leave(..., next_enters=True)` leaves it, with the run's
        `machine_state` set to the target: the time it was left is returned instead of
        the outcome, for the next state's `at`."""
        action = step.action
        state = self.state
        step_id = step.id
        prepared: PreparedAction | None = None
        if action is not None:
            try:
                prepared = self.host.prepared(action)
            except ActionError:
                prepared = None  # `execute_action` reports why
        if (
            prepared is None
            or not prepared.plain
            or prepared.static is None
            or not self.as_is
            or step_id in state.active
        ):
            self.enter(step, at)
            return await execute_action(self, step, prepared)
        # what `enter` does, in this frame
        self._left_untold = None
        info: ActiveStep = {"attempt": 0}
        state.active[step_id] = info
        state.path.append(step_id)
        started = at if at is not None else self.clock.now()
        # Entered, and its first attempt started at the same moment: both entries at once
        # (a listener told of the step reads no history entry of it).
        details, size = prepared.first_started
        length = len(step_id)
        state.history.noted_pair(
            started,
            step_id,
            "step_entered",
            None,
            _ENTERED + length,
            "action_started",
            details,
            size + length,
        )
        host = self.host
        listener = host.listener
        run = self.run
        if listener is not None:
            listener(run, RunChange.STEP_ENTERED, step_id)
        # its first attempt: the adapter's call as it is
        assert action is not None
        info["attempt"] = 1
        params = prepared.static
        if listener is not None and host.tell_dispatches:
            listener(
                run,
                RunChange.ACTION_STARTED,
                ActionDispatch(step_id, action.service, action.action, params, 1),
            )
        try:
            result = await prepared.adapter.execute(
                action.action, params, StepContext(self, step_id)
            )
        except BaseException as err:  # handled as any attempt's failure, retries included
            return await run_attempts(self, step, prepared, info, failed=(err, started))
        if passes is None:
            return self.succeeded(step, result, started)
        target = plain_target(passes, Outcome.SUCCESS, result, cancel_routed=state.cancel_routed)
        if target is None:
            return self.succeeded(step, result, started)
        # Succeeded, and left for `target` at the same moment: what `succeeded` and then
        # `leave` do, both entries in one call.
        state.results[step_id] = result
        now = self.clock.now()
        state.machine_state = target
        del state.active[step_id]
        details, size = _LEFT[Outcome.SUCCESS]
        state.history.noted_pair(
            now,
            step_id,
            "action_succeeded",
            {"duration": (now - started).total_seconds()},
            _SUCCEEDED + length,
            "step_left",
            details,
            size + length,
        )
        if listener is not None:
            if host.tell_steps_left:
                listener(run, RunChange.STEP_LEFT, step_id)
            else:
                self._left_untold = step_id  # the next `STEP_ENTERED` stands for it
        return now

    def leave(self, step: Step, outcome: Outcome, *, next_enters: bool = False) -> datetime:
        """Leave `step`; gives the time it was left (recorded).

        `next_enters`: the caller enters the next step right after, in this turn of the
        loop. Unless the host asks for it (`tell_steps_left`), `STEP_LEFT` is then not told
        on its own: the next `STEP_ENTERED` stands for both, and `tell_left` tells it if
        the run waits in between."""
        state = self.state
        state.active.pop(step.id, None)
        moment = self._moment
        self._moment = None
        now = moment[1] if moment is not None and moment[0] == step.id else self.clock.now()
        details, size = _LEFT[outcome]
        state.history.noted(now, "step_left", step.id, details, size + len(step.id))
        host = self.host
        listener = host.listener
        if listener is not None:
            if next_enters and not host.tell_steps_left:
                self._left_untold = step.id
            else:
                listener(self.run, RunChange.STEP_LEFT, step.id)
        return now

    def tell_left(self) -> None:
        """Tell the `STEP_LEFT` that `leave` kept for the next `STEP_ENTERED`, now (the run
        is about to wait, or the next step was entered before)."""
        left = self._left_untold
        if left is not None:
            self._left_untold = None
            listener = self.host.listener
            if listener is not None:
                listener(self.run, RunChange.STEP_LEFT, left)

    def should_run(self, step: Step) -> bool:
        """Decide a step's `if`; a step that does not run is recorded as skipped."""
        if step.condition is None:
            return True
        run_it = self.test(step.condition, step.id)
        if not run_it:
            self.state.history.note(
                self.clock.now(), "step_skipped", step.id, {"reason": "condition"}
            )
        return run_it

    # -- failures -----------------------------------------------------------------------

    def failure(self, step_id: str, outcome: Outcome) -> RunError:
        """The error a failed step leaves: the latest, or one that names its outcome."""
        found = self.state.last_error
        return found or RunError(step_id, outcome.value, f"step ended in {outcome}")

    def handled(self, step: Step, outcome: Outcome, how: str) -> None:
        """Record a failed step the run got past: the run can still succeed, but says so."""
        failure = self.failure(step.id, outcome)
        self.state.errors.append(RunError(failure.step, failure.type, failure.message, how))

    def announce(self, known: int) -> None:
        """Tell listeners of the errors handled since `known`, once the step is left (its
        position saved: a snapshot taken by a listener restores after the step)."""
        errors = self.state.errors
        if len(errors) == known:
            return
        for error in errors[known:]:
            self.run.notify(RunChange.ERROR_HANDLED, error)
        if len(errors) > MAX_HANDLED_ERRORS:
            del errors[:-MAX_HANDLED_ERRORS]

    def fail(self, step: Step, err: Exception, started: datetime | None = None) -> Outcome:
        """Record `err` as the step's error, the latest (handled or fatal: its driver
        decides), and give the outcome it ends the step with."""
        error_type = err.error_type if isinstance(err, ActionError) else "action_failed"
        self.state.last_error = RunError(step.id, error_type, str(err))
        now = self.clock.now()
        details: dict[str, Any] = {"type": error_type, "message": str(err)}
        if started is not None:
            details["duration"] = round((now - started).total_seconds(), 6)
        self.state.history.add(now, "action_failed", step.id, details)
        return Outcome.TIMEOUT if isinstance(err, ActionTimeoutError) else Outcome.ERROR

    # -- one step -----------------------------------------------------------------------

    def succeeded(self, step: Step, result: Any, started: datetime) -> Outcome:
        """Record the action's result and its success (at the moment the step is left, when
        nothing runs in between)."""
        state = self.state
        state.results[step.id] = result
        now = self.clock.now()
        self._moment = (step.id, now)
        state.history.noted(
            now,
            "action_succeeded",
            step.id,
            # whole microseconds over 1e6: as `round(..., 6)` would give, without it
            {"duration": (now - started).total_seconds()},
            _SUCCEEDED + len(step.id),
        )
        return Outcome.SUCCESS

    def take_moment(self) -> tuple[str, datetime] | None:
        """The (step, time) of the last history entry in this turn, let go (`attempts`)."""
        moment = self._moment
        self._moment = None
        return moment

    def context(self, step_id: str) -> StepContext:
        """The context one action of `step_id` sees."""
        return StepContext(self, step_id)

    # -- waiting ------------------------------------------------------------------------

    async def pausable_sleep(self, step_id: str, seconds: float, *, total: float) -> None:
        """Sleep that stops counting while the run is paused and can be restored."""
        info = self.state.active.setdefault(step_id, {"attempt": 0})
        await pausable_sleep(self.run, self.clock, info, step_id, seconds, total)

    # -- values -------------------------------------------------------------------------

    def resolve(self, path: str) -> Any:
        """The value `${path}` names: a step's result, a variable, or a built-in."""
        return resolve(self.state, self.run, path)

    def test(self, condition: Condition, step_id: str) -> bool:
        """Decide a condition; one that cannot be decided fails the run (this step's error)."""
        return decide(condition, step_id, self.state, self.run, self.host.templates)


__all__ = ["MAX_HANDLED_ERRORS", "StepContext", "StepExecutor"]
