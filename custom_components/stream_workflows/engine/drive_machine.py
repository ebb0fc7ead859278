"""The state machine driver: a run goes from state to state as `routing.route` says, until a
route ends it. The position kept: the state the run is in (`state`), and the final status as
soon as it is decided (before the last state is left, so a snapshot taken then is final)."""

from __future__ import annotations

from datetime import datetime

from .drive_sequence import execute_block
from .model import Condition, Outcome, State
from .routing import ConditionTest, NoTransitionError, Route, plain_target, route
from .run_types import RunError, RunFailedError, RunStatus
from .step_executor import StepExecutor


async def drive_machine(steps: StepExecutor) -> RunStatus:
    """Drive a state machine to its end: SUCCEEDED or CANCELLED; a failure (a step nobody
    handles, no matching transition, a condition that cannot be decided) raises
    RunFailedError."""
    state = steps.state
    run = steps.run
    run_step = steps.run_step
    states = state.definition.states
    name: str = state.machine_state or state.definition.initial_state or ""
    left_at: datetime | None = None  # when the previous state was left, in this turn

    def test(condition: Condition) -> bool:
        # Conditions of the routes being decided: those of the state the run is in. Made
        # once per run, not once per transition.
        return steps.test(condition, state.machine_state or "")

    while True:
        state.machine_state = name
        current = states[name]
        step = current.step
        if run.at_boundary():
            steps.tell_left()  # the step left before this wait is told before it
            await run.boundary()
            left_at = None  # the loop ran other things meanwhile: time went on
        if step.branches:
            steps.enter(step, left_at)
            outcome = await execute_block(steps, step)
        elif current.plain_success is not None:
            passed = await run_step(step, left_at, passes=current)
            if isinstance(passed, datetime):  # left already, by rule "plain success"
                left_at = passed
                name = current.plain_success
                continue
            outcome = passed
        else:
            outcome = await run_step(step, left_at)
        target = plain_target(
            current, outcome, state.results.get(name), cancel_routed=state.cancel_routed
        )
        if target is not None:
            # Rule "plain success" decided it, as `route` would: nothing handled, no end.
            state.machine_state = target
            left_at = steps.leave(step, outcome, next_enters=True)
            name = target
            continue
        known = len(state.errors)
        decision = _route(steps, current, outcome, test)
        final = decision.final
        if final is not None:
            state.machine_state = None
            state.final = final.value
        else:
            state.machine_state = decision.target
        left_at = steps.leave(step, outcome, next_enters=final is None)
        if len(state.errors) != known:  # errors handled: heard once the step is left
            steps.announce(known)
        if final is not None:
            if final is RunStatus.FAILED:
                raise RunFailedError(state.error or steps.failure(step.id, outcome))
            return final
        assert decision.target is not None
        name = decision.target


def _route(steps: StepExecutor, current: State, outcome: Outcome, test: ConditionTest) -> Route:
    """Where the run goes after `current` (`routing.route`), recorded in the run state;
    `test` decides the conditions of `current`'s routes."""
    state = steps.state
    name = current.name
    try:
        decision = route(
            current,
            outcome,
            state.results.get(name),
            policy=state.definition.error_policy,
            cancel_routed=state.cancel_routed,
            test=test,
        )
    except NoTransitionError as err:
        error = RunError(
            name,
            "no_transition",
            f"no '{err.event}' transition of state '{name}' matched and there is no default",
        )
        state.last_error = state.error = error
        raise RunFailedError(error) from None
    if decision.cancel_routed:
        state.cancel_routed = True
        state.history.note(steps.clock.now(), "cancel_routed", name)
    if decision.handled is not None:
        steps.handled(current.step, outcome, decision.handled)
    return decision


__all__ = ["drive_machine"]
