"""The DAG driver: runs a run's nodes as their dependencies finish, skips what a failure
blocks. Each node's dependents and count of unfinished dependencies are kept, so a DAG of N
nodes and E edges costs O(N + E) to drive. The position kept: what each finished node became
(`nodes`); skipped nodes are recorded in the history (`step_skipped`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from .drive_sequence import execute_block
from .model import Outcome, Step
from .routing import continues
from .run_types import RunFailedError, RunStatus
from .step_executor import StepExecutor

SKIPS = ("failed", "skipped")
"""A node that ended in one of these states skips its dependents."""


async def drive_dag(steps: StepExecutor) -> RunStatus:
    """Drive the DAG to its end: SUCCEEDED or CANCELLED (the run's cancel); a node that
    failed and that nothing handled raises RunFailedError once the others have ended. A
    node's exception (a condition that could not be decided, or a bug) cancels the others
    and is raised."""
    state = steps.state
    definition = state.definition
    order = {node.id: index for index, node in enumerate(definition.steps)}
    nodes = {node.id: node for node in definition.steps}
    done = state.nodes
    if done is None:
        done = state.nodes = {}
    dependents: dict[str, list[str]] = {name: [] for name in nodes}
    remaining: dict[str, int] = {}
    for node in definition.steps:
        for dependency in node.depends_on:
            dependents[dependency].append(node.id)
        if node.id not in done:
            remaining[node.id] = sum(dep not in done for dep in node.depends_on)
    blocked = [
        node.id
        for node in definition.steps
        if node.id not in done and any(done.get(dep) in SKIPS for dep in node.depends_on)
    ]
    skip_below(steps, blocked, dependents, done, order)
    ready = sorted(
        (name for name, count in remaining.items() if count == 0 and name not in done),
        key=order.__getitem__,
    )
    limit = asyncio.Semaphore(definition.max_parallel_steps)
    running: dict[asyncio.Task[Outcome], str] = {}
    finished: list[asyncio.Task[Outcome]] = []
    loop = asyncio.get_running_loop()
    wake: asyncio.Future[None] | None = None

    def on_done(task: asyncio.Task[Outcome]) -> None:
        finished.append(task)
        if wake is not None and not wake.done():
            wake.set_result(None)

    while True:
        for name in ready:
            task = loop.create_task(run_node(steps, nodes[name], limit, done))
            task.add_done_callback(on_done)
            running[task] = name
        ready = []
        if not running:
            break
        if not finished:
            wake = loop.create_future()
            try:
                await wake
            except asyncio.CancelledError:
                requested = steps.run.claim_cancel()
                await cancel_tasks(running)
                if not requested:
                    raise
                return RunStatus.CANCELLED
            finally:
                wake = None
        failure: BaseException | None = None
        settled: list[str] = []
        while finished:
            task = finished.pop()
            name = running.pop(task)
            if failure is None and not task.cancelled():
                failure = task.exception()
            settled.append(name)
        if failure is not None:  # a condition that could not be decided, or a bug
            await cancel_tasks(running)
            raise failure
        blocked = []
        for name in settled:
            skips = done.get(name) in SKIPS
            for dependent in dependents[name]:
                if dependent in done:
                    continue
                remaining[dependent] -= 1
                if skips:
                    blocked.append(dependent)
                elif remaining[dependent] == 0:
                    ready.append(dependent)
        skip_below(steps, blocked, dependents, done, order)
        ready = sorted((name for name in set(ready) if name not in done), key=order.__getitem__)
    if any(ended == "failed" for ended in done.values()):
        raise RunFailedError(state.error or steps.failure("", Outcome.ERROR))
    return RunStatus.SUCCEEDED


async def run_node(
    steps: StepExecutor, node: Step, limit: asyncio.Semaphore, done: dict[str, str]
) -> Outcome:
    """Run one node within `limit`; record how it ended in `done[node.id]`."""
    async with limit:
        state = steps.state
        if steps.run.at_boundary():
            await steps.run.boundary()
        if node.id not in state.active and not steps.should_run(node):
            done[node.id] = "bypassed"
            return Outcome.SUCCESS
        if node.branches:
            steps.enter(node)
            outcome = await execute_block(steps, node)
        else:
            outcome = await steps.run_step(node)
        known = len(state.errors)
        if outcome is Outcome.SUCCESS:
            done[node.id] = "succeeded"
        elif continues(node, state.definition.error_policy):
            # continue_on_error / error_policy continue: recorded, dependents still run
            done[node.id] = "failed_continued"
            steps.handled(node, outcome, "continued")
        else:
            done[node.id] = "failed"
            if state.error is None:
                state.error = steps.failure(node.id, outcome)
        steps.leave(node, outcome)
        steps.announce(known)
        return outcome


async def cancel_tasks(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel `tasks` and wait until each has ended."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def skip_below(
    steps: StepExecutor,
    blocked: list[str],
    dependents: Mapping[str, list[str]],
    done: dict[str, str],
    order: Mapping[str, int],
) -> None:
    """Mark `blocked` (nodes with a failed or skipped dependency) and every node below
    them as skipped, in definition order; each node is visited once."""
    if not blocked:
        return
    found: set[str] = set()
    stack = [name for name in blocked if name not in done]
    while stack:
        name = stack.pop()
        if name in found or name in done:
            continue
        found.add(name)
        stack.extend(dependents[name])
    note = steps.state.history.note
    for name in sorted(found, key=order.__getitem__):
        done[name] = "skipped"
        note(steps.clock.now(), "step_skipped", name, {"reason": "dependency failed"})


__all__ = ["SKIPS", "cancel_tasks", "drive_dag", "run_node", "skip_below"]
