"""State machines: routing on outcomes, custom events and conditions; statuses per DESIGN §3."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.engine import Run, RunChange, RunStatus
from custom_components.stream_workflows.engine.run import YIELD_EVERY

from .conftest import Parts
from .helpers import build, ended, finish, settle

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def machine(parts: Parts, *states: dict[str, Any], **top: Any) -> Any:
    return build(
        {"id": "sm", "initial_state": states[0]["name"], "states": list(states), **top},
        parts.engine.registry,
    )


async def test_success_path_history_and_listener(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "a", "action": peer("echo", value={"n": 1}), "transitions": {"success": "b"}},
        {
            "name": "b",
            "action": {"service": "internal", "action": "wait", "params": {"seconds": 5}},
            "transitions": {"success": "c"},
        },
        {"name": "c"},
    )
    run = parts.engine.start(definition)
    assert run.status is RunStatus.RUNNING
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b", "c"]
    assert run.results == {"a": {"n": 1}, "b": {"waited": 5}, "c": None}
    assert run.error is None
    assert run.finished_at is not None
    assert (ended(run) - run.started_at).total_seconds() == 5
    events = [(e["event"], e.get("step")) for e in run.history.as_dicts()]
    assert events == [
        ("run_started", None),
        ("step_entered", "a"),
        ("action_started", "a"),
        ("action_succeeded", "a"),
        ("step_left", "a"),
        ("step_entered", "b"),
        ("action_started", "b"),
        ("action_succeeded", "b"),
        ("step_left", "b"),
        ("step_entered", "c"),
        ("step_left", "c"),
        ("run_finished", None),
    ]
    changes = [change for _, change, _ in parts.recorder.changes]
    assert changes == [
        RunChange.STARTED,
        RunChange.STEP_ENTERED,
        RunChange.ACTION_STARTED,
        RunChange.STEP_LEFT,
        RunChange.STEP_ENTERED,
        RunChange.ACTION_STARTED,
        RunChange.WAITING,
        RunChange.STEP_LEFT,
        RunChange.STEP_ENTERED,
        RunChange.STEP_LEFT,
        RunChange.FINISHED,
    ]
    assert parts.engine.get(run.run_id) is None  # finished runs are forgotten
    assert run.progress() == (3, 3)


async def test_error_routes_and_error_without_route_fails(parts: Parts) -> None:
    routed = machine(
        parts,
        {
            "name": "a",
            "action": peer("fail", type="boom"),
            "transitions": {"success": "b", "error": "c"},
        },
        {"name": "b"},
        {"name": "c", "action": NOOP},
    )
    run = parts.engine.start(routed)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "c"]
    assert run.error is None
    unrouted = machine(
        parts,
        {"name": "a", "action": peer("fail", type="boom"), "transitions": {"success": "b"}},
        {"name": "b"},
    )
    run = parts.engine.start(unrouted)
    assert await finish(run) is RunStatus.FAILED
    assert run.path == ["a"]
    assert run.error is not None
    assert run.error.as_dict() == {"step": "a", "type": "boom", "message": "peer refused"}
    finished = run.history.as_dicts()[-1]
    assert finished["event"] == "run_finished"
    assert finished["status"] == "failed"
    assert finished["error"] == {"step": "a", "type": "boom", "message": "peer refused"}


async def test_terminal_state_failure_fails_the_run(parts: Parts) -> None:
    definition = machine(parts, {"name": "a", "action": peer("fail")})
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.step == "a"


async def test_timeout_routes_to_timeout_then_error(parts: Parts) -> None:
    both = machine(
        parts,
        {
            "name": "a",
            "action": {**peer("hang"), "timeout": 3},
            "transitions": {"timeout": "t", "error": "e"},
        },
        {"name": "t"},
        {"name": "e"},
    )
    run = parts.engine.start(both)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "t"]
    only_error = machine(
        parts,
        {"name": "a", "action": {**peer("hang"), "timeout": 3}, "transitions": {"error": "e"}},
        {"name": "e"},
    )
    run = parts.engine.start(only_error)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "e"]
    failed = [e for e in run.history.as_dicts() if e["event"] == "action_failed"]
    assert failed[0]["type"] == "timeout"
    assert failed[0]["message"] == "no answer within 3 s"
    assert failed[0]["duration"] == 3


async def test_custom_events_from_results(parts: Parts) -> None:
    states = (
        {
            "name": "a",
            "action": peer("echo", value={"event": "big"}),
            "transitions": {"big": "b", "success": "c"},
        },
        {"name": "b"},
        {"name": "c"},
    )
    run = parts.engine.start(machine(parts, *states))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b"]
    fallback = (
        {
            "name": "a",
            "action": peer("echo", value={"event": "other"}),
            "transitions": {"big": "b", "success": "c"},
        },
        {"name": "b"},
        {"name": "c"},
    )
    run = parts.engine.start(machine(parts, *fallback))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "c"]


@pytest.mark.parametrize(
    ("viewers", "target"),
    [(500, "huge"), (150, "big"), (100, "big"), (99, "small"), (0, "small")],
)
async def test_conditional_transitions_first_match_wins(
    parts: Parts, viewers: int, target: str
) -> None:
    definition = machine(
        parts,
        {
            "name": "a",
            "action": peer("echo", value={"viewers": viewers}),
            "transitions": {
                "success": [
                    {"if": {"path": "a.viewers", "gte": 300}, "target": "huge"},
                    {"if": {"path": "a.viewers", "gte": 100}, "target": "big"},
                    {"if": {"path": "a.viewers", "gte": 50}, "target": "huge"},
                    {"target": "small"},
                ]
            },
        },
        {"name": "huge"},
        {"name": "big"},
        {"name": "small"},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    if viewers >= 50 and viewers < 100:
        target = "huge"
    assert run.path == ["a", target]


async def test_conditional_transition_on_variables(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "a",
            "action": NOOP,
            "transitions": {
                "success": [
                    {"if": {"path": "mode", "equals": "loud"}, "target": "loud"},
                    {"target": "quiet"},
                ]
            },
        },
        {"name": "loud"},
        {"name": "quiet"},
    )
    run = parts.engine.start(definition, {"mode": "loud"})
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "loud"]


async def test_no_matching_condition_and_no_default_fails(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "a",
            "action": NOOP,
            "transitions": {
                "success": [{"if": {"path": "mode", "equals": "loud"}, "target": "loud"}]
            },
        },
        {"name": "loud"},
    )
    run = parts.engine.start(definition, {"mode": "soft"})
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.as_dict() == {
        "step": "a",
        "type": "no_transition",
        "message": "no 'success' transition of state 'a' matched and there is no default",
    }


async def test_error_policy_continue_follows_success(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "a", "action": peer("fail"), "transitions": {"success": "b"}},
        {"name": "b", "action": peer("fail")},
        error_policy="continue",
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b"]
    assert [error.step for error in run.errors] == ["a", "b"]


async def test_success_without_success_route_ends_the_run(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "a", "action": NOOP, "transitions": {"error": "b"}},
        {"name": "b"},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a"]


async def test_loops_re_enter_states(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "check",
            "action": peer("flaky", fails=2),
            "transitions": {"success": "done", "error": "later"},
        },
        {
            "name": "later",
            "action": {"service": "internal", "action": "wait", "params": {"seconds": 60}},
            "transitions": {"success": "check"},
        },
        {"name": "done"},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["check", "later", "check", "later", "check", "done"]
    assert run.results["check"] == {"attempts": 3}
    assert (parts.clock.now() - run.started_at).total_seconds() == 120


async def test_parallel_branches_in_a_state(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "both",
            "parallel": [
                {
                    "steps": [
                        {"id": "slow", **peer("slow", seconds=10)},
                        {"id": "after_slow", **peer("echo", value=1)},
                    ]
                },
                {"id": "quick", **peer("echo", value=2)},
            ],
            "transitions": {"success": "done", "error": "oops"},
        },
        {"name": "done"},
        {"name": "oops"},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path[0] == "both"
    assert set(run.path[1:4]) == {"slow", "quick", "after_slow"}
    assert run.path[-1] == "done"
    assert run.results["both"] == {"slow": {"ok": True}, "after_slow": 1, "quick": 2}
    assert parts.peer.finished.index("quick") < parts.peer.finished.index("slow")
    assert "branches" not in run.position or not run.position["branches"]


async def test_a_failed_branch_fails_the_block(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "both",
            "parallel": [
                {"steps": [{"id": "bad", **peer("fail")}, {"id": "never", **NOOP}]},
                {"id": "good", **peer("slow", seconds=5)},
            ],
            "transitions": {"success": "done", "error": "oops"},
        },
        {"name": "done"},
        {"name": "oops"},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert "never" not in run.path
    assert "good" in parts.peer.finished  # the other branch still finished
    assert run.path[-1] == "oops"


async def test_state_with_no_action_only_routes(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "start",
            "transitions": {"success": [{"if": {"path": "go"}, "target": "b"}, {"target": "c"}]},
        },
        {"name": "b"},
        {"name": "c"},
    )
    run = parts.engine.start(definition, {"go": True})
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["start", "b"]
    assert parts.recorder.dispatches == []


async def test_a_host_that_asks_for_no_step_left_hears_one_change_per_transition(
    parts: Parts,
) -> None:
    """`tell_steps_left` off: the next state's `STEP_ENTERED` stands for the `STEP_LEFT`
    before it; the last state's is still told, and the history keeps every step left."""
    parts.engine.tell_steps_left = False
    definition = machine(
        parts,
        {"name": "a", "action": peer("echo", value=1), "transitions": {"success": "b"}},
        {
            "name": "b",
            "action": {"service": "internal", "action": "wait", "params": {"seconds": 5}},
            "transitions": {"success": "c"},
        },
        {"name": "c"},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert [
        (change, detail)
        for _, change, detail in parts.recorder.changes
        if change
        in (
            RunChange.STEP_ENTERED,
            RunChange.STEP_LEFT,
        )
    ] == [
        (RunChange.STEP_ENTERED, "a"),
        (RunChange.STEP_ENTERED, "b"),
        (RunChange.STEP_ENTERED, "c"),
        (RunChange.STEP_LEFT, "c"),
    ]
    left = [e.get("step") for e in run.history.as_dicts() if e["event"] == "step_left"]
    assert left == ["a", "b", "c"]


async def test_a_step_left_before_the_run_waits_at_a_boundary_is_told_first(
    parts: Parts,
) -> None:
    """A pause parks the run between two states: whoever listens hears the state left
    before the run parks (a checkpoint taken then must not hold it as in flight)."""
    parts.engine.tell_steps_left = False
    definition = machine(
        parts,
        {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
        {"name": "b", "action": NOOP, "transitions": {"success": "c"}},
        {"name": "c", "action": NOOP},
    )

    def pause_in_a(run: Run, change: RunChange, detail: Any) -> None:
        if change is RunChange.STEP_ENTERED and detail == "a":
            assert run.pause()

    parts.recorder.hooks.append(pause_in_a)
    run = parts.engine.start(definition)
    await settle()
    assert run.status is RunStatus.PAUSED
    assert run.path == ["a"]  # parked between a and b
    assert not run.active
    assert parts.recorder.changes[-1][1:] == (RunChange.STEP_LEFT, "a")
    assert run.resume()
    assert await finish(run) is RunStatus.SUCCEEDED
    told = [detail for _, change, detail in parts.recorder.changes if change is RunChange.STEP_LEFT]
    assert told == ["a", "c"]


async def test_a_step_left_before_the_run_yields_the_loop_is_told_first(parts: Parts) -> None:
    parts.engine.tell_steps_left = False
    length = YIELD_EVERY + 20
    definition = machine(
        parts,
        *(
            {
                "name": f"s{index}",
                "action": NOOP,
                **({"transitions": {"success": f"s{index + 1}"}} if index + 1 < length else {}),
            }
            for index in range(length)
        ),
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    told = [detail for _, change, detail in parts.recorder.changes if change is RunChange.STEP_LEFT]
    # the run yields before it enters its YIELD_EVERY-th state, and the last state ends it
    assert told == [f"s{YIELD_EVERY - 2}", f"s{length - 1}"]
