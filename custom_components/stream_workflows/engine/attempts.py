"""The general way of a step's action, for what `StepExecutor.run_step` does not take as
plain: its attempts restored after a restart, retried, within a timeout, rehearsed, or made
durable before an external call, each recorded in the run's history. Functions of the step
executor (`AttemptSteps`), as the drivers are: the step executor imports this, never the
other way round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import Any, Protocol

import voluptuous as vol

from .adapter import ActionContext, Adapter, humanize_invalid
from .clock import Clock
from .errors import ActionError, ActionTimeoutError, TemplateError
from .model import ActionDef, InterruptedAction, Outcome, Step
from .prepared import PreparedAction
from .run_host import RunControl, RunHost
from .run_state import ActiveStep, RunState
from .run_types import ActionDispatch, InvalidParamsError, RehearsalPlan, RunChange
from .template import render
from .waits import checked_seconds, pausable_sleep

_LOGGER = logging.getLogger(__name__)


class AttemptSteps(Protocol):
    """What the attempts need of the step executor."""

    @property
    def state(self) -> RunState: ...
    @property
    def host(self) -> RunHost[Any]: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def plan(self) -> RehearsalPlan | None: ...
    @property
    def run(self) -> RunControl: ...
    @property
    def as_is(self) -> bool:
        """Outside a rehearsal: an action without a timeout is the adapter's call as is."""

    def take_moment(self) -> tuple[str, datetime] | None:
        """The (step, time) of the step's last history entry in this turn, let go."""

    def context(self, step_id: str) -> ActionContext:
        """The context one action of `step_id` sees."""

    def fail(self, step: Step, err: Exception, started: datetime | None = None) -> Outcome:
        """Record `err` as the step's error; the outcome it ends the step with."""

    def succeeded(self, step: Step, result: Any, started: datetime) -> Outcome:
        """Record the action's result and its success."""

    def resolve(self, path: str) -> Any:
        """The value `${path}` names."""


async def execute_action(
    steps: AttemptSteps, step: Step, prepared: PreparedAction | None
) -> Outcome:
    """Run the action of a step entered (`run_step`'s general way); `prepared`: its
    action as `run_step` found it, None when it has none or the lookup failed."""
    action = step.action
    state = steps.state
    if action is None:
        state.results[step.id] = None
        return Outcome.SUCCESS
    info = state.active.get(step.id)
    if info is None:
        info = state.active[step.id] = {"attempt": 0}
    if prepared is None:
        try:  # it failed in `run_step`: found again, to report why
            prepared = steps.host.prepared(action)
        except ActionError as err:
            return steps.fail(step, err)
    return await run_attempts(steps, step, prepared, info)


async def run_attempts(
    steps: AttemptSteps,
    step: Step,
    prepared: PreparedAction,
    info: ActiveStep,
    failed: tuple[BaseException, datetime] | None = None,
) -> Outcome:
    """The attempts of an action that `run_step` does not take as plain: restored,
    retried, timed, rehearsed or external ones. `failed`: the error of a plain first
    attempt and when it started, which this handles as it handles its own."""
    action = prepared.action
    state = steps.state
    external = prepared.adapter.external and not state.rehearsal
    delay: float | None = None
    resume = False
    if info["attempt"] and failed is None:
        restored = _restored(steps, step, info, external=external)
        if isinstance(restored, Outcome):
            return restored
        delay, resume = restored
    context = steps.context(step.id)
    as_is = steps.as_is and prepared.timeout is None
    attempt = info["attempt"]
    moment = steps.take_moment()
    fresh = moment is not None and moment[0] == step.id and not attempt
    while True:
        if failed is not None:
            started = failed[1]
        else:
            started = moment[1] if fresh and moment is not None else steps.clock.now()
        fresh = False
        try:
            if failed is not None:
                error, failed = failed[0], None
                raise error
            if delay is not None:
                info["retrying"] = True
                await pausable_sleep(steps.run, steps.clock, info, step.id, delay, delay)
                del info["retrying"]
                delay = None
                started = steps.clock.now()
            if resume:
                resume = False
                params = rendered_params(steps, action, prepared)
            else:
                info["attempt"] = attempt = attempt + 1
                # `params` itself without its call when they are static (most actions)
                static = prepared.static
                params = static if static is not None else rendered_params(steps, action, prepared)
                if external:
                    info["in_flight"] = True
                    await _intent_durable(steps, info)
                _dispatched(steps, step, prepared, params, attempt, started)
            if as_is:
                call = prepared.adapter.execute(action.action, params, context)
            else:
                call = _wrapped(steps, prepared, step, action, params, context)
            try:
                result = await call
            finally:
                # a run stopped for a restart keeps it: restore decides
                if external and not steps.run.stopping:
                    info.pop("in_flight", None)
        except asyncio.CancelledError:
            if not steps.run.claim_cancel():
                raise
            info.pop("retrying", None)
            info.pop("in_flight", None)
            state.history.note(steps.clock.now(), "action_cancelled", step.id)
            return Outcome.CANCEL
        except (TemplateError, InvalidParamsError) as err:
            return steps.fail(step, err, started)
        except Exception as err:
            failure = err if isinstance(err, ActionError) else _wrap(err)
            retried = _retry(steps, step, action, failure, attempt, started)
            if isinstance(retried, Outcome):
                return retried
            delay = retried
            continue
        return steps.succeeded(step, result, started)


def _restored(
    steps: AttemptSteps, step: Step, info: ActiveStep, *, external: bool
) -> tuple[float | None, bool] | Outcome:
    """Restored after this action was dispatched: finish a retry delay, rerun (or fail)
    an external call that was in flight, or let an internal action (a wait) go on.
    Gives (the delay to finish, whether to resume), or the outcome the step ends with."""
    if info.pop("retrying", False):
        return steps.state.restored_waits.pop(step.id, 0.0), False
    if external:
        info.pop("in_flight", None)
        if steps.state.definition.interrupted_action is InterruptedAction.ERROR:
            return steps.fail(
                step,
                ActionError(
                    "the action was in progress when the run was interrupted "
                    "(interrupted_action: error)",
                    error_type="interrupted",
                ),
            )
        steps.state.history.note(steps.clock.now(), "action_rerun", step.id)
        return None, False
    steps.state.history.note(steps.clock.now(), "action_resumed", step.id)
    return None, True


def _retry(
    steps: AttemptSteps,
    step: Step,
    action: ActionDef,
    failure: ActionError,
    attempt: int,
    started: datetime,
) -> float | Outcome:
    """The delay before the next attempt (recorded), or the outcome of the failed step
    when no retry is left or the delay cannot be worked out (it never rounds again)."""
    retry = action.retry
    if retry is None or attempt > retry.max_attempts:
        return steps.fail(step, failure, started)
    try:
        delay = checked_seconds(retry.delay(attempt, steps.host.random()))
    except (ArithmeticError, ValueError, ActionError) as delay_error:
        return steps.fail(
            step,
            ActionError(
                f"{failure} (and the retry delay cannot be computed: {delay_error})",
                error_type=failure.error_type,
            ),
            started,
        )
    steps.state.history.add(
        steps.clock.now(),
        "action_retried",
        step.id,
        {"attempt": attempt, "error": str(failure), "delay": round(delay, 3)},
    )
    return delay


def rendered_params(
    steps: AttemptSteps, action: ActionDef, prepared: PreparedAction
) -> Mapping[str, Any]:
    """An action's parameters, `${...}` substituted and validated."""
    if prepared.static is not None:
        return prepared.static
    if not action.templated:  # they did not validate when prepared: say why, here
        invalid: Mapping[str, Any] = prepared.spec.params(dict(action.params))
        return invalid
    rendered = render(action.params, steps.resolve)
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
    steps: AttemptSteps,
    step: Step,
    prepared: PreparedAction,
    params: Mapping[str, Any],
    attempt: int,
    started: datetime,
) -> None:
    action = prepared.action
    if attempt == 1:
        details, size = prepared.first_started
        steps.state.history.noted(started, "action_started", step.id, details, size + len(step.id))
    else:
        steps.state.history.note(
            started,
            "action_started",
            step.id,
            {"service": action.service, "action": action.action, "attempt": attempt},
        )
    listener = steps.host.listener
    if listener is not None and (steps.host.tell_dispatches or steps.state.rehearsal):
        listener(
            steps.run,
            RunChange.ACTION_STARTED,
            ActionDispatch(step.id, action.service, action.action, params, attempt),
        )


async def _intent_durable(steps: AttemptSteps, info: ActiveStep) -> None:
    """Before an external action is dispatched, let the host make the run durable with
    the action marked in flight: restored after a crash, the action then follows
    `interrupted_action` instead of running again as if it never started."""
    try:
        await steps.run.before_dispatch()
    except asyncio.CancelledError:
        if steps.run.stopping:  # stopped before it was dispatched: nothing is in flight
            info.pop("in_flight", None)
            info["attempt"] -= 1
        raise


def _wrapped(
    steps: AttemptSteps,
    prepared: PreparedAction,
    step: Step,
    action: ActionDef,
    params: Mapping[str, Any],
    context: ActionContext,
) -> Awaitable[Any]:
    """What one attempt awaits when its call is not taken as is (`as_is`): the
    adapter's call within its timeout, or what a rehearsal has in its place. Not a
    coroutine of its own: one frame less per action."""
    plan = steps.plan
    if plan is not None and (step.id in plan.outcomes or step.id in plan.results):
        return _planned(steps, plan, prepared, step, action, params, context)
    return _perform(steps, prepared, action, params, context)


def _perform(
    steps: AttemptSteps,
    prepared: PreparedAction,
    action: ActionDef,
    params: Mapping[str, Any],
    context: ActionContext,
) -> Awaitable[Any]:
    adapter = prepared.adapter
    if steps.state.rehearsal and adapter.external:
        return _ready(prepared.spec.rehearsal(params))
    timeout = prepared.timeout
    if timeout is None:
        return adapter.execute(action.action, params, context)
    return _with_timeout(steps, adapter, action, params, context, timeout)


async def _planned(
    steps: AttemptSteps,
    plan: RehearsalPlan,
    prepared: PreparedAction,
    step: Step,
    action: ActionDef,
    params: Mapping[str, Any],
    context: ActionContext,
) -> Any:
    """A rehearsal's override of one step: a forced outcome, or a result."""
    forced = plan.outcomes.get(step.id)
    if forced is Outcome.ERROR:
        raise ActionError("simulated error", error_type="simulated")
    if forced is Outcome.TIMEOUT:
        raise ActionTimeoutError("simulated timeout")
    if forced is Outcome.CANCEL:
        steps.run.cancel()
        await asyncio.sleep(0)
    if step.id in plan.results:
        return plan.results[step.id]
    return await _perform(steps, prepared, action, params, context)


async def _with_timeout(
    steps: AttemptSteps,
    adapter: Adapter,
    action: ActionDef,
    params: Mapping[str, Any],
    context: ActionContext,
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

    timer = steps.clock.call_later(seconds, expire)
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


async def _ready(value: Any) -> Any:
    return value


def _wrap(err: Exception) -> ActionError:
    _LOGGER.debug("Action raised %s", type(err).__name__, exc_info=err)
    return ActionError(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)


__all__ = ["AttemptSteps", "execute_action", "rendered_params", "run_attempts"]
