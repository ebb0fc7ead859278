"""Helpers for engine tests: build definitions from dicts and run them on virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import voluptuous as vol

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    ActionContext,
    ActionDispatch,
    ActionError,
    ActionSpec,
    Adapter,
    AdapterRegistry,
    Run,
    RunChange,
    RunStatus,
    VirtualClock,
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
)

T = TypeVar("T")


def build(
    document: Mapping[str, Any], registry: AdapterRegistry | None = None
) -> WorkflowDefinition:
    """A valid definition, or an AssertionError listing the problems."""
    definition, problems = load_definition(dict(document), registry or default_registry())
    errors = [p for p in problems if p.severity == "error"]
    assert definition is not None, "\n".join(p.format() for p in errors)
    return definition


def problems_of(document: Any, registry: AdapterRegistry | None = None) -> list[str]:
    """Every problem as `PATH: message` (warnings marked)."""
    _, problems = load_definition(document, registry or default_registry())
    return [problem.format() for problem in problems]


class Recorder:
    """A listener that records what runs did."""

    def __init__(self) -> None:
        self.dispatches: list[ActionDispatch] = []
        self.changes: list[tuple[str, RunChange, Any]] = []
        self.hooks: list[Callable[[Run, RunChange, Any], object]] = []

    def __call__(self, run: Run, change: RunChange, detail: Any) -> None:
        self.changes.append((run.run_id, change, detail))
        if change is RunChange.ACTION_STARTED:
            self.dispatches.append(detail)
        for hook in list(self.hooks):
            hook(run, change, detail)

    def steps(self) -> list[str]:
        return [dispatch.step for dispatch in self.dispatches]

    def of(self, change: RunChange) -> list[Any]:
        return [detail for _, kind, detail in self.changes if kind is change]


class Peer(Adapter):
    """A test peer: an external service, recorded, whose calls complete on the engine's clock.

    Actions (params are free-form):
    - `echo`: returns `params["value"]` (or `{"ok": true}`).
    - `slow`: takes `params["seconds"]` of clock time (not pausable: an external call).
    - `flaky`: fails `params["fails"]` times per step, then returns `{"attempts": n}`.
    - `fail`: always raises `ActionError` (`error_type` from `params["type"]`).
    - `hang`: never answers (until cancelled or timed out).
    - `gate`: waits until the test opens `peer.gates[step]`.
    """

    service = "peer"
    external = True

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self.clock = clock
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.finished: list[str] = []
        self.attempts: dict[str, int] = {}
        self.gates: dict[str, asyncio.Future[Any]] = {}
        self.cancelling: list[int] = []  # the calling task's pending cancellations, per call
        self._specs = {
            name: ActionSpec(
                name=name,
                description=f"test peer {name}",
                params=vol.Schema({str: object}),
                rehearsal=lambda params: params.get("value", {"rehearsed": True}),
                timeout=None,
            )
            for name in ("echo", "slow", "flaky", "fail", "hang", "gate")
        }

    def actions(self) -> Mapping[str, ActionSpec]:
        return self._specs

    async def execute(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        self.calls.append((ctx.step_id, action, dict(params)))
        task = asyncio.current_task()
        self.cancelling.append(task.cancelling() if task is not None else 0)
        if action == "slow":
            assert self.clock is not None
            await self.clock.sleep(float(params.get("seconds", 1)))
        elif action == "flaky":
            count = self.attempts[ctx.step_id] = self.attempts.get(ctx.step_id, 0) + 1
            if count <= int(params.get("fails", 1)):
                raise ActionError(f"flaky failure {count}", error_type="flaky")
            self.finished.append(ctx.step_id)
            return {"attempts": count}
        elif action == "fail":
            raise ActionError("peer refused", error_type=str(params.get("type", "refused")))
        elif action == "hang":
            await asyncio.get_running_loop().create_future()
        elif action == "gate":
            gate = self.gates.setdefault(ctx.step_id, asyncio.get_running_loop().create_future())
            value = await gate
            self.finished.append(ctx.step_id)
            return value
        self.finished.append(ctx.step_id)
        return params.get("value", {"ok": True})


def registry_with_peer(clock: VirtualClock | None = None) -> tuple[AdapterRegistry, Peer]:
    registry = default_registry()
    peer = Peer(clock)
    registry.add(peer)
    return registry, peer


def make_engine(
    registry: AdapterRegistry | None = None, **kwargs: Any
) -> tuple[WorkflowEngine, VirtualClock, Recorder]:
    clock = kwargs.pop("clock", None) or VirtualClock()
    recorder = Recorder()
    engine = WorkflowEngine(
        registry or default_registry(), clock=clock, listener=recorder, **kwargs
    )
    return engine, clock, recorder


async def settle(rounds: int = 50) -> None:
    """Let ready tasks run (the virtual clock does not move while this task spins)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def until(condition: Callable[[], bool], rounds: int = 20_000) -> None:
    """Turn the loop until `condition` holds (virtual time moves meanwhile)."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def ended(run: Run) -> datetime:
    """When a finished run finished."""
    assert run.finished_at is not None, f"run {run.run_id} has not finished"
    return run.finished_at


async def finish(run: Run) -> RunStatus:
    """Wait for the run to end (virtual time: instant)."""
    return await asyncio.wait_for(run.wait(), timeout=30)


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a fresh event loop (for hypothesis and CLI tests, which are sync)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(factory())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
