"""The engine keeps its runs by workflow: a run's start (its mode's checks) and a host's look
at a workflow's runs (each entity write) read that workflow's runs only, not every run parked
in a wait elsewhere; and the index follows every way a run comes and goes."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.engine import (
    RunRejectedError,
    RunStatus,
    WorkflowDefinition,
)

from .conftest import Parts
from .helpers import build, finish, settle

WAIT = {"service": "internal", "action": "wait", "params": {"seconds": 3600}}
NOOP = {"service": "internal", "action": "noop"}


def workflow(workflow_id: str, action: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": workflow_id, "name": workflow_id, "steps": [{"id": "only", **action}], **extra}


class CountedDefinition:
    """A definition that counts how often its id is read (the filter of a scan over runs)."""

    def __init__(self, inner: WorkflowDefinition) -> None:
        self._inner = inner
        self.id_reads = 0

    def __getattr__(self, name: str) -> Any:
        if name == "id":
            self.id_reads += 1
        return getattr(self._inner, name)


async def test_a_start_reads_no_run_of_another_workflow(parts: Parts) -> None:
    engine = parts.engine
    parked = build(workflow("parked", WAIT, mode="parallel", max=100), engine.registry)
    quick = build(workflow("quick", NOOP, mode="parallel"), engine.registry)
    runs = [engine.start(parked) for _ in range(50)]
    await settle()
    counted = CountedDefinition(parked)
    for run in runs:
        run.definition = counted  # type: ignore[assignment]

    for _ in range(10):
        assert await finish(engine.start(quick)) is RunStatus.SUCCEEDED
        assert engine.active_runs("quick") == []
    assert engine.runs("quick") == []
    # Before the runs were kept by workflow, every start read all 50 parked runs.
    assert counted.id_reads == 0
    assert len(engine.active_runs("parked")) == 50


async def test_the_runs_of_each_workflow_follow_every_way_a_run_comes_and_goes(
    parts: Parts,
) -> None:
    engine = parts.engine
    queued = build(workflow("queued", WAIT, mode="queued", max=2), engine.registry)
    single = build(workflow("single", WAIT), engine.registry)

    first, second = engine.start(queued), engine.start(queued)
    with pytest.raises(RunRejectedError):
        engine.start(queued)  # rejected: not kept anywhere
    alone = engine.start(single)
    await settle()
    assert engine.runs("queued") == [first, second]  # oldest first, queued included
    assert engine.active_runs("queued") == [first]
    assert engine.runs("single") == [alone]
    assert engine.runs() == [first, second, alone]

    first.cancel()
    assert await finish(first) is RunStatus.CANCELLED
    await settle()
    assert engine.runs("queued") == [second]  # the next queued one took its place
    assert engine.active_runs("queued") == [second]

    snapshot = second.snapshot()
    await engine.shutdown()
    assert [engine.runs(), engine.runs("queued"), engine.runs("single")] == [[], [], []]
    restored = engine.restore(queued, snapshot)
    assert engine.runs("queued") == [restored]
    restored.cancel()
    assert await finish(restored) is RunStatus.CANCELLED
    assert [engine.runs("queued"), engine.runs()] == [[], []]
