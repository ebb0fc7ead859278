"""Run workflows through the real engine against the local peers.

Time is a `ManualClock`: it moves only when a test calls `advance`, so a workflow's
`wait 30 s` and every action timeout fire exactly when the test says, while the network
exchange with the local peers runs in real time. Nothing really sleeps.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
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
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
    load_file_or_raise,
)

WORKFLOWS = Path(__file__).parents[2] / "workflows"


class _Timer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock whose time moves only through `advance`."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
        self._timers: list[tuple[datetime, int, _Timer]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _Timer:
        timer = _Timer(callback)
        due = self._now + timedelta(seconds=max(0.0, seconds))
        heapq.heappush(self._timers, (due, next(self._order), timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        timer = self.call_later(seconds, wake)
        try:
            await future
        finally:
            timer.cancel()

    def pending(self) -> list[float]:
        """Seconds until each live timer fires."""
        return sorted(
            (due - self._now).total_seconds() for due, _, t in self._timers if not t.cancelled
        )

    def advance(self, seconds: float) -> None:
        """Move time forward, firing the timers that fall due."""
        target = self._now + timedelta(seconds=seconds)
        while self._timers and self._timers[0][0] <= target:
            due, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, due)
            if not timer.cancelled:
                timer.callback()
        self._now = target


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
