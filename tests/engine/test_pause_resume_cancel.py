"""Start, pause, resume and cancel: statuses per DESIGN §5, waits keep their remaining time."""

from __future__ import annotations

from typing import Any

from custom_components.stream_workflows.engine import Run, RunChange, RunStatus

from .conftest import Parts
from .helpers import build, ended, finish, make_engine, settle, until

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def wait(seconds: float) -> dict[str, Any]:
    return {"service": "internal", "action": "wait", "params": {"seconds": seconds}}


def machine(parts: Parts, *states: dict[str, Any], **top: Any) -> Any:
    return build(
        {"id": "sm", "initial_state": states[0]["name"], "states": list(states), **top},
        parts.engine.registry,
    )


def raid_like(parts: Parts, hold: dict[str, Any] | None = None) -> Any:
    return machine(
        parts,
        {"name": "announce", "action": peer("echo"), "transitions": {"success": "hold"}},
        {
            "name": "hold",
            "action": hold or wait(30),
            "transitions": {"success": "go", "cancel": "cleanup"},
        },
        {"name": "go", "action": peer("echo", value="go")},
        {"name": "cleanup", "action": peer("echo", value="cleanup")},
    )


async def test_pause_takes_effect_at_a_step_boundary(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
        {"name": "b", "action": NOOP, "transitions": {"success": "c"}},
        {"name": "c", "action": NOOP},
    )
    paused: list[Run] = []

    def pause_after_a(run: Run, change: RunChange, detail: Any) -> None:
        if change is RunChange.STEP_LEFT and detail == "a" and not paused:
            paused.append(run)
            assert run.pause()

    parts.recorder.hooks.append(pause_after_a)
    run = parts.engine.start(definition)
    await settle()
    assert run.status is RunStatus.PAUSED
    assert run.path == ["a"]
    assert not run.pause()  # already paused
    assert run.resume()
    assert not run.resume()
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b", "c"]
    changes = [
        c for _, c, _ in parts.recorder.changes if c in (RunChange.PAUSED, RunChange.RESUMED)
    ]
    assert changes == [RunChange.PAUSED, RunChange.RESUMED]
    events = [e["event"] for e in run.history.as_dicts()]
    assert events.index("paused") < events.index("resumed") < events.index("step_entered", 5)


async def test_pause_keeps_a_waits_remaining_time(parts: Parts) -> None:
    definition = raid_like(parts)
    run = parts.engine.start(definition)
    start = run.started_at
    seen: dict[str, Any] = {}

    def pause() -> None:
        assert run.pause()
        seen["paused_at"] = parts.clock.now()

    def look_and_resume() -> None:
        seen["remaining"] = run.active["hold"].get("wait_remaining")
        seen["ends_while_paused"] = run.wait_ends_at()
        assert run.resume()
        seen["ends_after_resume"] = run.wait_ends_at()

    parts.clock.call_later(10, pause)
    parts.clock.call_later(100, look_and_resume)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert seen["remaining"] == 20
    assert seen["ends_while_paused"] is None
    assert (ended(run) - start).total_seconds() == 120  # 10 + 90 paused + 20
    assert run.path == ["announce", "hold", "go"]
    assert run.results["hold"] == {"waited": 30}


async def test_an_external_call_in_flight_completes_before_the_pause(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "call", "action": peer("gate"), "transitions": {"success": "next"}},
        {"name": "next", "action": NOOP},
    )
    run = parts.engine.start(definition)
    await until(lambda: "call" in parts.peer.gates)
    assert run.pause()
    assert run.status is RunStatus.PAUSED
    parts.peer.gates["call"].set_result({"answer": 42})
    await settle()
    assert parts.peer.finished == ["call"]
    assert run.results["call"] == {"answer": 42}
    assert run.path == ["call"]  # the next state waits for resume
    assert run.status is RunStatus.PAUSED
    run.resume()
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["call", "next"]


async def test_cancel_routes_through_the_cancel_transition(parts: Parts) -> None:
    run = parts.engine.start(raid_like(parts))
    parts.clock.call_later(5, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["announce", "hold", "cleanup"]
    assert run.error is None
    events = [(e["event"], e.get("step")) for e in run.history.as_dicts()]
    assert ("action_cancelled", "hold") in events
    assert ("cancel_routed", "hold") in events
    left = [e for e in run.history.as_dicts() if e["event"] == "step_left" and e["step"] == "hold"]
    assert left[0]["outcome"] == "cancel"
    assert [d.step for d in parts.recorder.dispatches] == ["announce", "hold", "cleanup"]


async def test_cancel_without_route_and_second_cancel(parts: Parts) -> None:
    run = parts.engine.start(raid_like(parts))
    parts.clock.call_later(5, lambda: run.cancel(route=False))
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["announce", "hold"]
    assert not run.cancel()  # already finished

    slow_cleanup = machine(
        parts,
        {"name": "hold", "action": wait(30), "transitions": {"cancel": "cleanup"}},
        {"name": "cleanup", "action": wait(60)},
    )
    run = parts.engine.start(slow_cleanup)
    parts.clock.call_later(5, run.cancel)
    parts.clock.call_later(10, run.cancel)  # a second cancel stops the cleanup at once
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["hold", "cleanup"]
    assert (ended(run) - run.started_at).total_seconds() == 10


async def test_state_without_cancel_route_just_stops(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "hold", "action": wait(30), "transitions": {"success": "after"}},
        {"name": "after", "action": NOOP},
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(1, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["hold"]


async def test_cancelling_a_paused_run_runs_its_cleanup(parts: Parts) -> None:
    run = parts.engine.start(raid_like(parts))
    parts.clock.call_later(5, run.pause)
    parts.clock.call_later(50, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["announce", "hold", "cleanup"]


async def test_cancelling_a_run_paused_between_states(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "a", "action": NOOP, "transitions": {"success": "b", "cancel": "cleanup"}},
        {"name": "b", "action": NOOP},
        {"name": "cleanup", "action": NOOP},
    )
    parts.recorder.hooks.append(
        lambda run, change, detail: run.pause()
        if change is RunChange.STEP_LEFT and detail == "a"
        else None
    )
    run = parts.engine.start(definition)
    await settle()
    assert run.status is RunStatus.PAUSED
    assert run.cancel()
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["a"]  # between states: nothing to clean up


async def test_cancel_while_an_external_call_is_in_flight(parts: Parts) -> None:
    run = parts.engine.start(raid_like(parts, hold=peer("gate")))
    await until(lambda: "hold" in parts.peer.gates)
    assert run.cancel()
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["announce", "hold", "cleanup"]
    assert "hold" not in parts.peer.finished


async def test_cancel_during_a_retry_delay_routes_through_cancel(parts: Parts) -> None:
    definition = raid_like(
        parts, hold={**peer("fail"), "retry": {"max_attempts": 5, "interval": 10}}
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(15, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["announce", "hold", "cleanup"]
    assert [d.step for d in parts.recorder.dispatches] == ["announce", "hold", "hold", "cleanup"]


async def test_cancel_racing_with_a_timeout(parts: Parts) -> None:
    for cancel_first in (False, True):
        parts.peer.gates.clear()
        parts.peer.cancelling.clear()
        definition = raid_like(parts, hold={**peer("gate"), "timeout": 5})
        run = parts.engine.start(definition)
        await until(lambda: "hold" in parts.peer.gates)
        if cancel_first:
            assert run.cancel()
            parts.clock.advance(5)  # the timeout falls due in the same turn of the loop
        else:
            parts.clock.advance(5)
            assert run.cancel()
        assert await finish(run) is RunStatus.CANCELLED
        assert run.path == ["announce", "hold", "cleanup"]
        # the cleanup action runs in a task with no cancellation left pending
        assert parts.peer.cancelling == [0, 0, 0]


async def test_a_timeout_leaves_no_pending_cancellation(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "a", "action": {**peer("hang"), "timeout": 2}, "transitions": {"timeout": "b"}},
        {"name": "b", "action": peer("echo")},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert parts.peer.cancelling == [0, 0]


async def test_cancelled_parallel_block_starts_afresh_when_entered_again(parts: Parts) -> None:
    definition = machine(
        parts,
        {
            "name": "work",
            "parallel": [{"id": "w1", **wait(100)}, {"id": "w2", **wait(50)}],
            "transitions": {"success": "done", "cancel": "cleanup"},
        },
        {"name": "cleanup", "action": NOOP, "transitions": {"success": "work"}},
        {"name": "done"},
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(10, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED  # a cancel route ran: still cancelled
    assert run.path == ["work", "w1", "w2", "cleanup", "work", "w1", "w2", "done"]
    assert [d.step for d in parts.recorder.dispatches] == ["w1", "w2", "cleanup", "w1", "w2"]
    assert (ended(run) - run.started_at).total_seconds() == 110
    left = [(e["step"], e["outcome"]) for e in run.history.as_dicts() if e["event"] == "step_left"]
    assert left[:3] == [("w1", "cancel"), ("w2", "cancel"), ("work", "cancel")]


async def test_cancel_a_sequence(parts: Parts) -> None:
    definition = build(
        {"id": "seq", "steps": [{"id": "a", **wait(10)}, {"id": "b", **NOOP}]},
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(3, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["a"]
    assert run.active == {}


async def test_cancel_a_sequence_inside_parallel_branches(parts: Parts) -> None:
    definition = build(
        {
            "id": "seq",
            "steps": [
                {"id": "p", "parallel": [{"id": "a", **wait(10)}, {"id": "b", **peer("gate")}]},
                {"id": "c", **NOOP},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(3, run.cancel)
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["p", "a", "b"]


async def test_pause_and_resume_parallel_waits(parts: Parts) -> None:
    definition = build(
        {
            "id": "seq",
            "steps": [{"id": "p", "parallel": [{"id": "a", **wait(10)}, {"id": "b", **wait(20)}]}],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(5, run.pause)
    parts.clock.call_later(105, run.resume)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert (ended(run) - run.started_at).total_seconds() == 120


async def test_pause_and_cancel_refused_when_not_applicable(parts: Parts) -> None:
    definition = build({"id": "seq", "steps": [{"id": "a", **NOOP}]}, parts.engine.registry)
    run = parts.engine.start(definition)
    await finish(run)
    assert not run.pause()
    assert not run.resume()
    assert not run.cancel()


async def test_cancel_right_after_start(parts: Parts) -> None:
    definition = raid_like(parts)
    run = parts.engine.start(definition)
    assert run.cancel()  # before its task has taken a single step
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == []
    assert parts.engine.runs() == []


async def test_pause_right_after_start_then_resume(parts: Parts) -> None:
    run = parts.engine.start(raid_like(parts))
    assert run.pause()
    await settle()
    assert run.path == []
    assert run.resume()
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["announce", "hold", "go"]


async def test_a_listener_pausing_when_a_wait_starts_stops_that_wait(parts: Parts) -> None:
    definition = machine(parts, {"name": "hold", "action": wait(10)})
    paused: list[bool] = []

    def pause_once(run: Run, change: RunChange, detail: Any) -> None:
        if change is RunChange.WAITING and not paused:
            paused.append(run.pause())

    parts.recorder.hooks.append(pause_once)
    run = parts.engine.start(definition)
    parts.clock.call_later(100, run.resume)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert paused == [True]
    assert (ended(run) - run.started_at).total_seconds() == 110


async def test_a_loop_of_instant_states_does_not_hold_the_event_loop(parts: Parts) -> None:
    definition = machine(
        parts,
        {"name": "ping", "action": NOOP, "transitions": {"success": "pong"}},
        {"name": "pong", "transitions": {"success": "ping"}},
    )
    run = parts.engine.start(definition)
    await settle(5)  # this task gets turns although the run never waits for anything
    assert len(run.path) > 64
    assert run.cancel()
    assert await finish(run) is RunStatus.CANCELLED


async def test_cancel_from_a_listener_of_an_eager_start() -> None:
    engine, clock, recorder = make_engine(eager_start=True)
    definition = build(
        {
            "id": "eager",
            "initial_state": "hold",
            "states": [
                {"name": "hold", "action": wait(30), "transitions": {"cancel": "cleanup"}},
                {"name": "cleanup", "action": NOOP},
            ],
        }
    )
    recorder.hooks.append(
        lambda run, change, detail: run.cancel() if change is RunChange.STEP_ENTERED else None
    )
    run = engine.start(definition)
    assert run.path == ["hold"]  # eager: the first step was entered inside start()
    assert await finish(run) is RunStatus.CANCELLED
    assert run.path == ["hold", "cleanup"]
    assert ended(run) == run.started_at
    await engine.cancel_all()
    await clock.aclose()
