"""The sequence driver: a run's steps in order, each `if` decided, a failure stopping the run
unless the step continues on error; and parallel blocks, whose branches are sequences each in
their own task (state machines and DAGs run a block's branches here too). The position kept:
the next top-level step (`index`) and each block's progress (`branches`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .model import Outcome, Step
from .routing import continues
from .run_state import BlockProgress
from .run_types import RunFailedError, RunStatus
from .step_executor import StepExecutor


async def drive_sequence(steps: StepExecutor) -> RunStatus:
    """Drive a sequence to its end: SUCCEEDED or CANCELLED; a failure raises RunFailedError."""
    state = steps.state

    def save(index: int) -> None:
        state.index = index

    outcome = await run_steps(steps, state.definition.steps, state.index or 0, save, top_level=True)
    if outcome is Outcome.CANCEL:
        return RunStatus.CANCELLED
    if outcome is not Outcome.SUCCESS:
        raise RunFailedError(steps.failure("", outcome))
    return RunStatus.SUCCEEDED


async def run_steps(
    steps: StepExecutor,
    sequence: tuple[Step, ...],
    start: int,
    save: Callable[[int], None],
    *,
    top_level: bool = False,
) -> Outcome:
    """Run `sequence` from `start`, telling `save` the index to go on from after each step.
    Ends with the outcome of a step that stops it (cancel, or a failure not continued), or
    SUCCESS."""
    state = steps.state
    run = steps.run
    policy = state.definition.error_policy
    for index in range(start, len(sequence)):
        save(index)
        step = sequence[index]
        if run.at_boundary():
            await run.boundary()
        if step.id not in state.active and not steps.should_run(step):
            continue
        if step.branches:
            steps.enter(step)
            outcome = await execute_block(steps, step)
        else:
            outcome = await steps.run_step(step)
        known = len(state.errors)
        stops = outcome is Outcome.CANCEL or (
            outcome is not Outcome.SUCCESS and not continues(step, policy)
        )
        save(index if stops else index + 1)
        if stops and outcome is not Outcome.CANCEL and top_level:
            state.final = RunStatus.FAILED.value
            state.error = steps.failure(step.id, outcome)
        elif not stops and outcome is not Outcome.SUCCESS:
            steps.handled(step, outcome, "continued")
        steps.leave(step, outcome)
        if len(state.errors) != known:  # errors handled: heard once the step is left
            steps.announce(known)
        if stops:
            return outcome
    save(len(sequence))
    return Outcome.SUCCESS


async def execute_block(steps: StepExecutor, block: Step) -> Outcome:
    """Run a parallel block's branches (those not finished before a restore) side by side.
    Its result maps each branch step to its result; it fails if a branch failed."""
    state = steps.state
    saved = state.block(block.id, len(block.branches))
    tasks: list[asyncio.Task[Outcome]] = []
    loop = asyncio.get_running_loop()
    for index, branch in enumerate(block.branches):
        if saved["outcome"][index] is not None:
            continue
        tasks.append(loop.create_task(_run_branch(steps, branch, index, saved)))
    if tasks:
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            requested = steps.run.claim_cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if not requested:
                raise
            _abandon_block(steps, block)
            return Outcome.CANCEL
        for task in tasks:
            failure = task.exception()
            if failure is not None:  # a condition that could not be decided, or a bug
                raise failure
    outcomes = [Outcome(str(value)) for value in saved["outcome"]]  # each branch has ended
    state.end_block(block.id)
    state.results[block.id] = {
        step.id: state.results.get(step.id) for branch in block.branches for step in branch
    }
    if Outcome.CANCEL in outcomes:
        return Outcome.CANCEL
    if any(outcome is not Outcome.SUCCESS for outcome in outcomes):
        return Outcome.ERROR
    return Outcome.SUCCESS


def _abandon_block(steps: StepExecutor, block: Step) -> None:
    """Forget a cancelled parallel block's progress: its branch steps end with `cancel`,
    and entering the block again (a loop) starts its branches afresh."""
    steps.state.end_block(block.id)
    active = steps.state.active
    for branch in block.branches:
        for step in branch:
            if step.id in active:
                steps.leave(step, Outcome.CANCEL)


async def _run_branch(
    steps: StepExecutor, branch: tuple[Step, ...], index: int, saved: BlockProgress
) -> Outcome:
    def save(position: int) -> None:
        saved["next"][index] = position

    outcome = await run_steps(steps, branch, saved["next"][index], save)
    saved["outcome"][index] = outcome.value
    return outcome


__all__ = ["drive_sequence", "execute_block", "run_steps"]
