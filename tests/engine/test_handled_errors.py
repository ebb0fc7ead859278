"""Handled errors: a run that got past a failed step (an error or timeout route,
continue_on_error, error_policy continue) still succeeds, but records each error it survived
and how, and tells listeners at once; the command line shows them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.cli import run as cli_run
from custom_components.stream_workflows.engine import RunChange, RunError, RunStatus
from custom_components.stream_workflows.engine.run import MAX_HANDLED_ERRORS

from .conftest import Parts
from .helpers import build, finish

RAID = str(Path(__file__).parents[2] / "workflows" / "raid_workflow.json")
NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


async def test_error_route_is_recorded_with_its_target(parts: Parts) -> None:
    definition = build(
        {
            "id": "machine",
            "initial_state": "announce",
            "states": [
                {
                    "name": "announce",
                    "action": peer("fail", type="not_connected"),
                    "transitions": {"success": "done", "error": "cleanup"},
                },
                {"name": "cleanup", "action": NOOP},
                {"name": "done", "action": NOOP},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.error is None
    assert [error.as_dict() for error in run.errors] == [
        {
            "step": "announce",
            "type": "not_connected",
            "message": "peer refused",
            "handled": "route: cleanup",
        }
    ]
    # listeners hear of it as the step is left, its position saved
    changes = [(change, detail) for _, change, detail in parts.recorder.changes]
    handled = changes.index((RunChange.ERROR_HANDLED, run.errors[0]))
    assert changes[handled - 1] == (RunChange.STEP_LEFT, "announce")
    assert changes[handled + 1] == (RunChange.STEP_ENTERED, "cleanup")


async def test_timeout_routed_on_error_is_recorded(parts: Parts) -> None:
    definition = build(
        {
            "id": "machine",
            "initial_state": "ask",
            "states": [
                {
                    "name": "ask",
                    "action": {**peer("hang"), "timeout": 2},
                    "transitions": {"error": "fallback"},
                },
                {"name": "fallback", "action": NOOP},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert [(e.step, e.type, e.handled) for e in run.errors] == [
        ("ask", "timeout", "route: fallback")
    ]


async def test_continued_steps_in_sequences_and_dags(parts: Parts) -> None:
    sequence = build(
        {
            "id": "seq",
            "steps": [
                {"id": "a", **peer("fail"), "continue_on_error": True},
                {"id": "b", **NOOP},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(sequence)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert [(e.step, e.handled) for e in run.errors] == [("a", "continued")]
    dag = build(
        {
            "id": "dag",
            "error_policy": "continue",
            "nodes": [
                {"id": "bad", **peer("fail")},
                {"id": "after", **NOOP, "depends_on": ["bad"]},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(dag)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert [(e.step, e.handled) for e in run.errors] == [("bad", "continued")]


async def test_the_error_that_fails_a_run_is_not_a_handled_one(parts: Parts) -> None:
    definition = build(
        {
            "id": "machine",
            "initial_state": "first",
            "states": [
                {"name": "first", "action": peer("fail"), "transitions": {"error": "last"}},
                {"name": "last", "action": peer("fail", type="second")},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.as_dict() == {"step": "last", "type": "second", "message": "peer refused"}
    assert [(e.step, e.handled) for e in run.errors] == [("first", "route: last")]


async def test_handled_errors_survive_a_snapshot(parts: Parts) -> None:
    definition = build(
        {
            "id": "seq",
            "steps": [
                {"id": "a", **peer("fail"), "continue_on_error": True},
                {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 5}},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    for _ in range(100):
        if run.errors:
            break
        await parts.clock.sleep(0.1)
    snapshot = json.loads(json.dumps(run.snapshot()))
    assert snapshot["errors"][0]["handled"] == "continued"
    run.cancel(route=False)
    await finish(run)
    restored = parts.engine.restore(definition, {**snapshot, "run_id": "again"})
    assert restored.errors == [RunError("a", "refused", "peer refused", "continued")]
    assert await finish(restored) is RunStatus.SUCCEEDED


def test_simulate_lists_handled_errors(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", RAID, "--set", "raid_target=x", "--outcome", "announce_raid=error"]
    assert cli_run([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded"
    assert result["path"] == ["prepare_raid", "announce_raid", "end_stream"]
    assert result["error"] is None
    assert result["errors"] == [
        {
            "step": "announce_raid",
            "type": "simulated",
            "message": "simulated error",
            "handled": "route: end_stream",
        }
    ]
    assert cli_run(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    status = next(index for index, line in enumerate(lines) if line.startswith("Status:"))
    assert lines[status].startswith("Status: succeeded")
    assert lines[status + 1] == (
        "Handled error: announce_raid: simulated error (simulated; route: end_stream)"
    )


async def test_a_snapshot_taken_when_an_error_is_handled_restores_after_it(parts: Parts) -> None:
    definition = build(
        {
            "id": "machine",
            "initial_state": "announce",
            "states": [
                {"name": "announce", "action": peer("fail"), "transitions": {"error": "after"}},
                {"name": "after", "action": peer("echo")},
            ],
        },
        parts.engine.registry,
    )
    snapshots: list[dict[str, Any]] = []

    def snapshot(run: Any, change: RunChange, _detail: Any) -> None:
        if change is RunChange.ERROR_HANDLED:
            snapshots.append(json.loads(json.dumps(run.snapshot())))
            run.cancel(route=False)

    parts.recorder.hooks.append(snapshot)
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.CANCELLED
    parts.recorder.hooks.clear()
    (saved,) = snapshots
    before = len(parts.peer.calls)
    restored = parts.engine.restore(definition, saved)
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert restored.path == ["announce", "after"]
    assert [(e.step, e.handled) for e in restored.errors] == [("announce", "route: after")]
    # it goes on after the failed state: that action is not called again
    assert [step for step, _, _ in parts.peer.calls[before:]] == ["after"]


async def test_a_loop_keeps_its_latest_handled_errors(parts: Parts) -> None:
    definition = build(
        {
            "id": "machine",
            "initial_state": "try",
            "states": [
                {"name": "try", "action": peer("fail"), "transitions": {"error": "try"}},
            ],
        },
        parts.engine.registry,
    )
    announced: list[Any] = []
    parts.recorder.hooks.append(
        lambda run, change, detail: (
            announced.append(detail) if change is RunChange.ERROR_HANDLED else None,
            run.cancel(route=False) if len(announced) == MAX_HANDLED_ERRORS + 20 else None,
        )
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.CANCELLED
    # (the cancel lands where the run next yields, a few turns later)
    assert len(announced) >= MAX_HANDLED_ERRORS + 20  # every one was told
    assert len(run.errors) == MAX_HANDLED_ERRORS  # the latest are kept
    assert run.errors[-1] is announced[-1]
