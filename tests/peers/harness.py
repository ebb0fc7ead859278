"""Run workflows through the real engine against the local peers.

Time is a `ManualClock`: it moves only when a test calls `advance`, so a workflow's
`wait 30 s` and every action timeout fire exactly when the test says, while the network
exchange with the local peers runs in real time. Nothing really sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from custom_components.stream_workflows.adapters.discord import DiscordAdapter
from custom_components.stream_workflows.adapters.internal import InternalAdapter
from custom_components.stream_workflows.adapters.obs import ObsAdapter
from custom_components.stream_workflows.adapters.twitch import TwitchAdapter
from custom_components.stream_workflows.engine import (
    ActionContext,
    AdapterRegistry,
    Run,
    VirtualClock,
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
    load_file_or_raise,
)

WORKFLOWS = Path(__file__).parents[2] / "workflows"


class ManualClock(VirtualClock):
    """A clock whose time moves only through `advance` (real peers answer in real time)."""

    def __init__(self) -> None:
        super().__init__(auto_advance=False)


class RecordingConnection:
    """A stand-in for a service these tests do not exercise (OBS): records and succeeds."""

    def __init__(self, adapter_actions: Callable[[], Mapping[str, Any]]) -> None:
        self._actions = adapter_actions
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        self.calls.append((action, dict(params)))
        return self._actions()[action].rehearsal(params)


def make_engine(
    *, twitch: Any = None, discord: Any = None, globals_: Mapping[str, Any] | None = None
) -> tuple[WorkflowEngine, ManualClock, RecordingConnection]:
    """An engine with the internal, twitch and discord adapters and a recording OBS."""
    obs = ObsAdapter()
    recorder = RecordingConnection(obs.actions)
    obs.connection = recorder
    registry = AdapterRegistry(
        [InternalAdapter(), obs, TwitchAdapter(twitch), DiscordAdapter(discord)]
    )
    clock = ManualClock()
    engine = WorkflowEngine(registry, clock=clock, globals_=globals_)
    return engine, clock, recorder


def seed(name: str, engine: WorkflowEngine) -> WorkflowDefinition:
    """One of the repository's workflow files, loaded for `engine`'s adapters."""
    return load_file_or_raise(WORKFLOWS / name, engine.registry)


def build(document: Mapping[str, Any], engine: WorkflowEngine) -> WorkflowDefinition:
    definition, problems = load_definition(dict(document), engine.registry)
    errors = [p.format() for p in problems if p.severity == "error"]
    assert definition is not None, errors
    return definition


async def wait_until(predicate: Callable[[], bool], *, rounds: int = 2000) -> None:
    """Let the loop run (I/O included) until `predicate` holds; fail after a bounded while."""
    for _ in range(rounds):
        if predicate():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the condition did not come true")


async def finish(run: Run, clock: ManualClock, *, limit: int = 2000) -> str:
    """Let `run` go on, moving time to the end of each wait it reaches; return its status.

    Time only moves while the run waits, never while an external call is in flight, so no
    action times out unless a test means it to.
    """
    for _ in range(limit):
        if run.finished:
            return run.status.value
        ends = run.wait_ends_at()
        if ends is not None:
            clock.advance(max(0.0, (ends - clock.now()).total_seconds()))
        await asyncio.sleep(0.001)
    raise AssertionError(f"run did not finish: {run.status}, at {run.current}")
