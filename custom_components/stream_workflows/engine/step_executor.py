"""One step of a run: entering and leaving it, its action with retries, timeout and
rehearsal overrides, a restored action that was in flight, its `if`, and how a failure is
recorded. The drivers decide which step comes next; this runs the one they give it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, MutableMapping
from datetime import datetime
from typing import Any, overload

import voluptuous as vol

from .adapter import Adapter, humanize_invalid
from .clock import Clock
from .errors import ActionError, ActionTimeoutError, TemplateError
from .events import EventHub
from .history import note_size
from .model import ActionDef, Condition, InterruptedAction, Outcome, State, Step
from .prepared import PreparedAction
from .routing import plain_target
from .run_host import RunControl, RunHost
from .run_state import ActiveStep, RunState
from .run_types import (
    ActionDispatch,
    InvalidParamsError,
    RehearsalPlan,
    RunChange,
    RunError,
)
from .run_values import decide, resolve
from .template import render
from .waits import checked_seconds, pausable_sleep

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

    __slots__ = ("_as_is", "_left_untold", "_moment", "clock", "host", "plan", "run", "state")

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
        # those wraps it (`_wrapped`).
        self._as_is = plan is None and not state.rehearsal
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
        failure of that attempt, goes the general way (`_execute`, `_attempts`).

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
                prepared = None  # `_execute` reports why
        if (
            prepared is None
            or not prepared.plain
            or prepared.static is None
            or not self._as_is
            or step_id in state.active
        ):
            self.enter(step, at)
            return await self._execute(step, prepared)
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
            return await self._attempts(step, prepared, info, failed=(err, started))
        if passes is None:
            return self._succeeded(step, result, started)
        target = plain_target(passes, Outcome.SUCCESS, result, cancel_routed=state.cancel_routed)
        if target is None:
            return self._succeeded(step, result, started)
        # Succeeded, and left for `target` at the same moment: what `_succeeded` and then
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

    async def _execute(self, step: Step, prepared: PreparedAction | None) -> Outcome:
        """Run the action of a step entered (`run_step`'s general way); `prepared`: its
        action as `run_step` found it, None when it has none or the lookup failed."""
        action = step.action
        state = self.state
        if action is None:
            state.results[step.id] = None
            return Outcome.SUCCESS
        info = state.active.get(step.id)
        if info is None:
            info = state.active[step.id] = {"attempt": 0}
        if prepared is None:
            try:  # it failed in `run_step`: found again, to report why
                prepared = self.host.prepared(action)
            except ActionError as err:
                return self.fail(step, err)
        return await self._attempts(step, prepared, info)

    async def _attempts(
        self,
        step: Step,
        prepared: PreparedAction,
        info: ActiveStep,
        failed: tuple[BaseException, datetime] | None = None,
    ) -> Outcome:
        """The attempts of an action that `run_step` does not take as plain: restored,
        retried, timed, rehearsed or external ones. `failed`: the error of a plain first
        attempt and when it started, which this handles as it handles its own."""
        action = prepared.action
        state = self.state
        external = prepared.adapter.external and not state.rehearsal
        delay: float | None = None
        resume = False
        if info["attempt"] and failed is None:
            restored = self._restored(step, info, external=external)
            if isinstance(restored, Outcome):
                return restored
            delay, resume = restored
        context = StepContext(self, step.id)
        as_is = self._as_is and prepared.timeout is None
        attempt = info["attempt"]
        moment = self._moment
        self._moment = None
        fresh = moment is not None and moment[0] == step.id and not attempt
        while True:
            if failed is not None:
                started = failed[1]
            else:
                started = moment[1] if fresh and moment is not None else self.clock.now()
            fresh = False
            try:
                if failed is not None:
                    error, failed = failed[0], None
                    raise error
                if delay is not None:
                    info["retrying"] = True
                    await pausable_sleep(self.run, self.clock, info, step.id, delay, delay)
                    del info["retrying"]
                    delay = None
                    started = self.clock.now()
                if resume:
                    resume = False
                    params = self.params(action, prepared)
                else:
                    info["attempt"] = attempt = attempt + 1
                    # `params` itself without its call when they are static (most actions)
                    static = prepared.static
                    params = static if static is not None else self.params(action, prepared)
                    if external:
                        info["in_flight"] = True
                        await self._intent_durable(info)
                    self._dispatched(step, prepared, params, attempt, started)
                if as_is:
                    call = prepared.adapter.execute(action.action, params, context)
                else:
                    call = self._wrapped(prepared, step, action, params, context)
                try:
                    result = await call
                finally:
                    # a run stopped for a restart keeps it: restore decides
                    if external and not self.run.stopping:
                        info.pop("in_flight", None)
            except asyncio.CancelledError:
                if not self.run.claim_cancel():
                    raise
                info.pop("retrying", None)
                info.pop("in_flight", None)
                state.history.note(self.clock.now(), "action_cancelled", step.id)
                return Outcome.CANCEL
            except (TemplateError, InvalidParamsError) as err:
                return self.fail(step, err, started)
            except Exception as err:
                failure = err if isinstance(err, ActionError) else _wrap(err)
                retried = self._retry(step, action, failure, attempt, started)
                if isinstance(retried, Outcome):
                    return retried
                delay = retried
                continue
            return self._succeeded(step, result, started)

    def _succeeded(self, step: Step, result: Any, started: datetime) -> Outcome:
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

    def _restored(
        self, step: Step, info: ActiveStep, *, external: bool
    ) -> tuple[float | None, bool] | Outcome:
        """Restored after this action was dispatched: finish a retry delay, rerun (or fail)
        an external call that was in flight, or let an internal action (a wait) go on.
        Gives (the delay to finish, whether to resume), or the outcome the step ends with."""
        if info.pop("retrying", False):
            return self.state.restored_waits.pop(step.id, 0.0), False
        if external:
            info.pop("in_flight", None)
            if self.state.definition.interrupted_action is InterruptedAction.ERROR:
                return self.fail(
                    step,
                    ActionError(
                        "the action was in progress when the run was interrupted "
                        "(interrupted_action: error)",
                        error_type="interrupted",
                    ),
                )
            self.state.history.note(self.clock.now(), "action_rerun", step.id)
            return None, False
        self.state.history.note(self.clock.now(), "action_resumed", step.id)
        return None, True

    def _retry(
        self, step: Step, action: ActionDef, failure: ActionError, attempt: int, started: datetime
    ) -> float | Outcome:
        """The delay before the next attempt (recorded), or the outcome of the failed step
        when no retry is left or the delay cannot be worked out (it never rounds again)."""
        retry = action.retry
        if retry is None or attempt > retry.max_attempts:
            return self.fail(step, failure, started)
        try:
            delay = checked_seconds(retry.delay(attempt, self.host.random()))
        except (ArithmeticError, ValueError, ActionError) as delay_error:
            return self.fail(
                step,
                ActionError(
                    f"{failure} (and the retry delay cannot be computed: {delay_error})",
                    error_type=failure.error_type,
                ),
                started,
            )
        self.state.history.add(
            self.clock.now(),
            "action_retried",
            step.id,
            {"attempt": attempt, "error": str(failure), "delay": round(delay, 3)},
        )
        return delay

    def params(self, action: ActionDef, prepared: PreparedAction) -> Mapping[str, Any]:
        """An action's parameters, `${...}` substituted and validated."""
        if prepared.static is not None:
            return prepared.static
        if not action.templated:  # they did not validate when prepared: say why, here
            invalid: Mapping[str, Any] = prepared.spec.params(dict(action.params))
            return invalid
        rendered = render(action.params, self.resolve)
        try:
            validated: Mapping[str, Any] = prepared.spec.params(rendered)
        except vol.MultipleInvalid as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in invalid.path) or 'params'}: {humanize_invalid(invalid)}"
                for invalid in err.errors
            )
            raise InvalidParamsError(f"invalid parameters after substitution: {problems}") from err
        return validated

    def _dispatched(
        self,
        step: Step,
        prepared: PreparedAction,
        params: Mapping[str, Any],
        attempt: int,
        started: datetime,
    ) -> None:
        action = prepared.action
        if attempt == 1:
            details, size = prepared.first_started
            self.state.history.noted(
                started, "action_started", step.id, details, size + len(step.id)
            )
        else:
            self.state.history.note(
                started,
                "action_started",
                step.id,
                {"service": action.service, "action": action.action, "attempt": attempt},
            )
        listener = self.host.listener
        if listener is not None and (self.host.tell_dispatches or self.state.rehearsal):
            listener(
                self.run,
                RunChange.ACTION_STARTED,
                ActionDispatch(step.id, action.service, action.action, params, attempt),
            )

    async def _intent_durable(self, info: ActiveStep) -> None:
        """Before an external action is dispatched, let the host make the run durable with
        the action marked in flight: restored after a crash, the action then follows
        `interrupted_action` instead of running again as if it never started."""
        try:
            await self.run.before_dispatch()
        except asyncio.CancelledError:
            if self.run.stopping:  # stopped before it was dispatched: nothing is in flight
                info.pop("in_flight", None)
                info["attempt"] -= 1
            raise

    def _wrapped(
        self,
        prepared: PreparedAction,
        step: Step,
        action: ActionDef,
        params: Mapping[str, Any],
        context: StepContext,
    ) -> Awaitable[Any]:
        """What one attempt awaits when its call is not taken as is (`_as_is`): the
        adapter's call within its timeout, or what a rehearsal has in its place. Not a
        coroutine of its own: one frame less per action."""
        plan = self.plan
        if plan is not None and (step.id in plan.outcomes or step.id in plan.results):
            return self._planned(plan, prepared, step, action, params, context)
        return self._perform(prepared, action, params, context)

    def _perform(
        self,
        prepared: PreparedAction,
        action: ActionDef,
        params: Mapping[str, Any],
        context: StepContext,
    ) -> Awaitable[Any]:
        adapter = prepared.adapter
        if self.state.rehearsal and adapter.external:
            return _ready(prepared.spec.rehearsal(params))
        timeout = prepared.timeout
        if timeout is None:
            return adapter.execute(action.action, params, context)
        return self._with_timeout(adapter, action, params, context, timeout)

    async def _planned(
        self,
        plan: RehearsalPlan,
        prepared: PreparedAction,
        step: Step,
        action: ActionDef,
        params: Mapping[str, Any],
        context: StepContext,
    ) -> Any:
        """A rehearsal's override of one step: a forced outcome, or a result."""
        forced = plan.outcomes.get(step.id)
        if forced is Outcome.ERROR:
            raise ActionError("simulated error", error_type="simulated")
        if forced is Outcome.TIMEOUT:
            raise ActionTimeoutError("simulated timeout")
        if forced is Outcome.CANCEL:
            self.run.cancel()
            await asyncio.sleep(0)
        if step.id in plan.results:
            return plan.results[step.id]
        return await self._perform(prepared, action, params, context)

    async def _with_timeout(
        self,
        adapter: Adapter,
        action: ActionDef,
        params: Mapping[str, Any],
        context: StepContext,
        seconds: float,
    ) -> Any:
        task = asyncio.current_task()
        assert task is not None
        seconds = checked_seconds(seconds)
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        timer = self.clock.call_later(seconds, expire)
        try:
            return await adapter.execute(action.action, params, context)
        except asyncio.CancelledError:
            # Take back our own cancellation; when nobody else cancelled the task too (the
            # run's cancel, a shutdown), the action timed out.
            if expired and task.uncancel() == 0:
                raise ActionTimeoutError(f"no answer within {seconds:g} s") from None
            raise
        finally:
            timer.cancel()

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


async def _ready(value: Any) -> Any:
    return value


def _wrap(err: Exception) -> ActionError:
    _LOGGER.debug("Action raised %s", type(err).__name__, exc_info=err)
    return ActionError(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)


__all__ = ["MAX_HANDLED_ERRORS", "StepContext", "StepExecutor"]
