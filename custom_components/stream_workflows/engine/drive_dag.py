"""The DAG driver: runs a run's nodes as their dependencies finish, skips what a failure
blocks. Each node's dependents and count of unfinished dependencies are kept, so a DAG of N
nodes and E edges costs O(N + E) to drive. The run it drives is a `DagRun`: it runs one node
(`run_node`) and says whether a cancel is its own; the driver keeps the position's `nodes`
(what each finished node became) and the `step_skipped` history entries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .clock import Clock
from .history import History
from .model import Outcome, Step, WorkflowDefinition
from .run_types import RunStatus

SKIPS = ("failed", "skipped")
"""A node that ended in one of these states skips its dependents."""


class DagRun(Protocol):
    """What the DAG driver needs of a run."""

    @property
    def definition(self) -> WorkflowDefinition: ...

    @property
    def position(self) -> dict[str, Any]: ...

    @property
    def history(self) -> History: ...

    @property
    def clock(self) -> Clock: ...

    def claim_cancel(self) -> bool:
        """Whether the CancelledError being handled is the run's own cancel (claimed)."""
        ...

    async def run_node(self, node: Step, limit: asyncio.Semaphore, done: dict[str, str]) -> Outcome:
        """Run one node within `limit`; record how it ended in `done[node.id]`."""
        ...


async def drive_dag(run: DagRun) -> RunStatus:
    """Drive `run`'s DAG to its end: SUCCEEDED, FAILED (a node failed and nothing handled
    it) or CANCELLED (the run's cancel). A node's exception (a condition that could not be
    decided, or a bug) cancels the others and is raised."""
    steps = run.definition.steps
    order = {node.id: index for index, node in enumerate(steps)}
    nodes = {node.id: node for node in steps}
    done: dict[str, str] = run.position.setdefault("nodes", {})
    dependents: dict[str, list[str]] = {name: [] for name in nodes}
    remaining: dict[str, int] = {}
    for node in steps:
        for dependency in node.depends_on:
            dependents[dependency].append(node.id)
        if node.id not in done:
            remaining[node.id] = sum(dep not in done for dep in node.depends_on)
    blocked = [
        node.id
        for node in steps
        if node.id not in done and any(done.get(dep) in SKIPS for dep in node.depends_on)
    ]
    skip_below(run, blocked, dependents, done, order)
    ready = sorted(
        (name for name, count in remaining.items() if count == 0 and name not in done),
        key=order.__getitem__,
    )
    limit = asyncio.Semaphore(run.definition.max_parallel_steps)
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
            task = loop.create_task(run.run_node(nodes[name], limit, done))
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
                requested = run.claim_cancel()
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
        skip_below(run, blocked, dependents, done, order)
        ready = sorted((name for name in set(ready) if name not in done), key=order.__getitem__)
    if any(state == "failed" for state in done.values()):
        return RunStatus.FAILED
    return RunStatus.SUCCEEDED


async def cancel_tasks(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel `tasks` and wait until each has ended."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def skip_below(
    run: DagRun,
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
    for name in sorted(found, key=order.__getitem__):
        done[name] = "skipped"
        run.history.note(run.clock.now(), "step_skipped", name, {"reason": "dependency failed"})


__all__ = ["SKIPS", "DagRun", "cancel_tasks", "drive_dag", "skip_below"]
