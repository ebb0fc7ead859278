"""Sequences: steps in order, error policies, continue_on_error, `if`, parallel branches."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.engine import RunStatus

from .conftest import Parts
from .helpers import build, finish

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def sequence(parts: Parts, *steps: dict[str, Any], **top: Any) -> Any:
    return build({"id": "seq", "steps": list(steps), **top}, parts.engine.registry)


async def test_steps_run_in_order_and_pass_results_on(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "one", **peer("echo", value={"url": "https://clip"})},
        {"id": "two", **peer("echo", value="Clip: ${one.url}")},
        {"id": "three", "service": "internal", "action": "wait", "params": {"seconds": 2}},
    )
    run = parts.engine.start(definition)
    assert run.progress() == (0, 3)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["one", "two", "three"]
    assert [call[2] for call in parts.peer.calls] == [
        {"value": {"url": "https://clip"}},
        {"value": "Clip: https://clip"},
    ]
    assert run.progress() == (3, 3)


async def test_stop_on_error_stops_at_the_failed_step(parts: Parts) -> None:
    definition = sequence(
        parts, {"id": "a", **NOOP}, {"id": "b", **peer("fail")}, {"id": "c", **NOOP}
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.path == ["a", "b"]
    assert run.error is not None
    assert run.error.as_dict() == {"step": "b", "type": "refused", "message": "peer refused"}
    assert [d.step for d in parts.recorder.dispatches] == ["a", "b"]


async def test_error_policy_continue_records_and_goes_on(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "a", **peer("fail", type="first")},
        {"id": "b", **peer("fail", type="second")},
        {"id": "c", **NOOP},
        error_policy="continue",
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b", "c"]
    assert [(e.step, e.type) for e in run.errors] == [("a", "first"), ("b", "second")]
    assert run.error is None
    failed = [e["step"] for e in run.history.as_dicts() if e["event"] == "action_failed"]
    assert failed == ["a", "b"]


async def test_continue_on_error_for_one_step(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "a", **peer("fail"), "continue_on_error": True},
        {"id": "b", **peer("fail")},
        {"id": "c", **NOOP},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.path == ["a", "b"]
    assert run.error is not None
    assert run.error.step == "b"
    assert [e.step for e in run.errors] == ["a"]


async def test_if_on_steps(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "a", **peer("echo", value={"live": False})},
        {"id": "b", **NOOP, "if": {"path": "a.live"}},
        {"id": "c", **NOOP, "if": {"path": "a.live", "truthy": False}},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "c"]


async def test_parallel_branches_in_a_sequence(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "first", **NOOP},
        {
            "id": "fan_out",
            "parallel": [
                {
                    "steps": [
                        {"id": "l1", **peer("slow", seconds=3)},
                        {"id": "l2", **peer("echo", value="${l1.ok}")},
                    ]
                },
                {
                    "steps": [
                        {"id": "r1", **peer("slow", seconds=1)},
                        {"id": "r2", **NOOP, "if": {"path": "skip_r2", "truthy": False}},
                    ]
                },
                {"id": "solo", **peer("echo", value="solo")},
            ],
        },
        {"id": "last", **peer("echo", value="${fan_out.l2} ${fan_out.solo}")},
    )
    run = parts.engine.start(definition, {"skip_r2": True})
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path[:2] == ["first", "fan_out"]
    assert run.path[-1] == "last"
    assert set(run.path[2:-1]) == {"l1", "l2", "r1", "solo"}
    assert run.results["fan_out"] == {
        "l1": {"ok": True},
        "l2": True,
        "r1": {"ok": True},
        "r2": None,
        "solo": "solo",
    }
    assert parts.peer.calls[-1][2] == {"value": "true solo"}
    assert (parts.clock.now() - run.started_at).total_seconds() == 3  # branches overlapped


async def test_a_failed_branch_fails_the_sequence_after_the_others_finish(parts: Parts) -> None:
    definition = sequence(
        parts,
        {
            "id": "fan_out",
            "parallel": [
                {"steps": [{"id": "bad", **peer("fail")}, {"id": "after_bad", **NOOP}]},
                {"id": "slow", **peer("slow", seconds=4)},
            ],
        },
        {"id": "never", **NOOP},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.step == "bad"
    assert "slow" in parts.peer.finished
    assert "after_bad" not in run.path
    assert "never" not in run.path


async def test_branch_continue_on_error(parts: Parts) -> None:
    definition = sequence(
        parts,
        {
            "id": "fan_out",
            "parallel": [
                {
                    "steps": [
                        {"id": "bad", **peer("fail"), "continue_on_error": True},
                        {"id": "after_bad", **NOOP},
                    ]
                },
                {"id": "ok", **NOOP},
            ],
        },
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert "after_bad" in run.path


async def test_a_condition_error_inside_a_branch_fails_the_run_cleanly(parts: Parts) -> None:
    definition = sequence(
        parts,
        {
            "id": "fan_out",
            "parallel": [
                {"id": "odd", **NOOP, "if": {"path": "n", "gt": 1}},
                {"id": "ok", **NOOP},
            ],
        },
    )
    run = parts.engine.start(definition, {"n": "text"})
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "condition_error"
    assert run.error.step == "odd"


async def test_inputs_defaults_required_and_types(parts: Parts) -> None:
    definition = build(
        {
            "id": "inputs",
            "inputs": {
                "target": {"required": True, "type": "string"},
                "seconds": {"default": 30, "type": "number"},
                "loud": {"default": False, "type": "boolean"},
            },
            "variables": {"greeting": "hi", "config": {"a": 1, "b": 2}},
            "steps": [{"id": "a", **NOOP}],
        },
        parts.engine.registry,
    )
    from custom_components.stream_workflows.engine import InputError

    parts.engine.globals.update({"config": {"a": 0, "c": 3}})
    run = parts.engine.start(definition, {"target": "x", "config": {"b": 5}})
    assert run.variables == {
        "config": {"a": 1, "b": 5, "c": 3},
        "greeting": "hi",
        "target": "x",
        "seconds": 30,
        "loud": False,
    }
    await finish(run)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "input 'target' is required"),
        ({"target": 5}, "input 'target' must be a string, got 5"),
        ({"target": "x", "seconds": "10"}, "input 'seconds' must be a number, got '10'"),
        ({"target": "x", "loud": 1}, "input 'loud' must be a boolean, got 1"),
    ]
    for given, message in cases:
        with pytest.raises(InputError) as caught:
            parts.engine.start(definition, given)
        assert str(caught.value) == message
