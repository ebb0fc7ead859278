"""Run modes, as Home Assistant scripts: single, restart, queued, parallel (with max)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.engine import RunRejectedError, RunStatus

from .conftest import Parts
from .helpers import build, ended, finish


def waiting(parts: Parts, mode: str, **top: Any) -> Any:
    return build(
        {
            "id": "moded",
            "mode": mode,
            **top,
            "steps": [
                {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 10}},
                {"id": "after", "service": "peer", "action": "echo", "params": {"value": "${tag}"}},
            ],
        },
        parts.engine.registry,
    )


async def test_single_refuses_a_second_run(parts: Parts) -> None:
    definition = waiting(parts, "single")
    first = parts.engine.start(definition, {"tag": 1})
    with pytest.raises(RunRejectedError, match="'moded' is already running \\(mode: single\\)"):
        parts.engine.start(definition, {"tag": 2})
    assert await finish(first) is RunStatus.SUCCEEDED
    second = parts.engine.start(definition, {"tag": 3})
    assert await finish(second) is RunStatus.SUCCEEDED
    assert [call[2]["value"] for call in parts.peer.calls] == [1, 3]


async def test_single_refuses_while_paused(parts: Parts) -> None:
    definition = waiting(parts, "single")
    first = parts.engine.start(definition, {"tag": 1})
    first.pause()
    with pytest.raises(RunRejectedError):
        parts.engine.start(definition, {"tag": 2})


async def test_restart_cancels_the_running_one(parts: Parts) -> None:
    definition = waiting(parts, "restart")
    first = parts.engine.start(definition, {"tag": 1})
    parts.clock.call_later(5, lambda: parts.engine.start(definition, {"tag": 2}))
    assert await finish(first) is RunStatus.CANCELLED
    await parts.clock.sleep(20)
    assert [call[2]["value"] for call in parts.peer.calls] == [2]
    assert parts.engine.runs() == []


async def test_queued_runs_one_after_the_other(parts: Parts) -> None:
    definition = waiting(parts, "queued", max=3)
    first = parts.engine.start(definition, {"tag": 1})
    second = parts.engine.start(definition, {"tag": 2})
    third = parts.engine.start(definition, {"tag": 3})
    assert second.status is RunStatus.QUEUED
    assert [run.run_id for run in parts.engine.runs("moded")] == [
        first.run_id,
        second.run_id,
        third.run_id,
    ]
    with pytest.raises(RunRejectedError, match="already has 1 running and 2 waiting"):
        parts.engine.start(definition, {"tag": 4})
    assert third.cancel()  # a queued run can be cancelled before it starts
    assert third.status is RunStatus.CANCELLED
    assert await finish(second) is RunStatus.SUCCEEDED
    assert first.status is RunStatus.SUCCEEDED
    assert [call[2]["value"] for call in parts.peer.calls] == [1, 2]
    assert (ended(second) - first.started_at).total_seconds() == 20
    assert second.history.as_dicts()[0]["event"] == "run_queued"


async def test_parallel_runs_together_up_to_max(parts: Parts) -> None:
    definition = waiting(parts, "parallel", max=2)
    first = parts.engine.start(definition, {"tag": 1})
    second = parts.engine.start(definition, {"tag": 2})
    with pytest.raises(RunRejectedError, match="already has 2 runs \\(mode: parallel, max: 2\\)"):
        parts.engine.start(definition, {"tag": 3})
    assert await finish(first) is RunStatus.SUCCEEDED
    assert await finish(second) is RunStatus.SUCCEEDED
    assert first.finished_at == second.finished_at
    assert sorted(call[2]["value"] for call in parts.peer.calls) == [1, 2]


async def test_different_workflows_do_not_interfere(parts: Parts) -> None:
    one = waiting(parts, "single")
    other = build(
        {"id": "other", "steps": [{"id": "x", "service": "internal", "action": "noop"}]},
        parts.engine.registry,
    )
    first = parts.engine.start(one, {"tag": 1})
    second = parts.engine.start(other)
    assert await finish(second) is RunStatus.SUCCEEDED
    assert parts.engine.active_runs("moded") == [first]


async def test_cancel_all_and_explicit_run_ids(parts: Parts) -> None:
    definition = waiting(parts, "parallel", max=5)
    runs = [parts.engine.start(definition, {"tag": n}, run_id=f"r{n}") for n in range(3)]
    assert parts.engine.get("r1") is runs[1]
    await parts.engine.cancel_all()
    assert [run.status for run in runs] == [RunStatus.CANCELLED] * 3
    assert parts.engine.runs() == []
