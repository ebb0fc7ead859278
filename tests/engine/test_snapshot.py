"""Snapshots: JSON-ready, restorable; history append-only and capped."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from custom_components.stream_workflows.engine import (
    Run,
    RunChange,
    RunStatus,
    VirtualClock,
    WorkflowDefinition,
)

from .conftest import Parts
from .helpers import build, ended, finish, make_engine, registry_with_peer, settle, until

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def wait(seconds: float) -> dict[str, Any]:
    return {"service": "internal", "action": "wait", "params": {"seconds": seconds}}


class Fresh:
    """A second engine, as after a restart, on its own virtual clock."""

    def __init__(self, at: datetime) -> None:
        self.clock = VirtualClock(at)
        registry, self.peer = registry_with_peer(self.clock)
        self.engine, _, self.recorder = make_engine(registry, clock=self.clock)

    def restore(self, definition: WorkflowDefinition, snapshot: dict[str, Any]) -> Run:
        # what was saved goes through JSON, as it does through Home Assistant's storage
        return self.engine.restore(definition, json.loads(json.dumps(snapshot)))

    async def close(self) -> None:
        await self.engine.cancel_all()
        await self.clock.aclose()


@pytest.fixture
async def fresh_engines() -> AsyncIterator[list[Fresh]]:
    made: list[Fresh] = []
    yield made
    for fresh in made:
        await fresh.close()


async def snapshot_at(parts: Parts, run: Run, seconds: float) -> dict[str, Any]:
    """The run's snapshot after `seconds` of virtual time; then the first engine shuts down."""
    taken: dict[str, Any] = {}
    parts.clock.call_later(seconds, lambda: taken.update(run.snapshot()))
    await until(lambda: bool(taken))
    await parts.engine.shutdown()
    return taken


def raid(parts: Parts, hold: dict[str, Any] | None = None, **top: Any) -> WorkflowDefinition:
    return build(
        {
            "id": "raid",
            "initial_state": "announce",
            **top,
            "states": [
                {
                    "name": "announce",
                    "action": peer("echo", value={"n": 1}),
                    "transitions": {"success": "hold"},
                },
                {
                    "name": "hold",
                    "action": hold or wait(30),
                    "transitions": {"success": "go", "error": "oops", "cancel": "cleanup"},
                },
                {"name": "go", "action": peer("echo", value="${announce.n}")},
                {"name": "oops", "action": peer("echo", value="oops")},
                {"name": "cleanup", "action": peer("echo", value="cleanup")},
            ],
        },
        parts.engine.registry,
    )


async def test_snapshot_is_json_with_the_documented_fields(parts: Parts) -> None:
    run = parts.engine.start(raid(parts), {"target": "someone", "when": None})
    snapshots: list[str] = []
    parts.recorder.hooks.append(lambda r, c, d: snapshots.append(json.dumps(r.snapshot())))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert len(snapshots) == len(parts.recorder.changes) - 1  # all but STARTED
    data = json.loads(snapshots[-1])
    assert set(data) == {
        "version",
        "workflow_id",
        "fingerprint",
        "run_id",
        "status",
        "rehearsal",
        "trigger",
        "variables",
        "results",
        "path",
        "position",
        "active",
        "cancel_routed",
        "started_at",
        "finished_at",
        "error",
        "errors",
        "last_error",
        "history",
        "history_dropped",
    }
    assert data["status"] == "succeeded"
    assert data["variables"] == {"target": "someone", "when": None}
    assert data["history"][0]["event"] == "run_started"


async def test_restored_wait_continues_with_its_remaining_time(
    parts: Parts, fresh_engines: list[Fresh]
) -> None:
    definition = raid(parts)
    run = parts.engine.start(definition)
    snapshot = await snapshot_at(parts, run, 10)
    assert run.status is RunStatus.RUNNING  # shut down, not finished
    assert snapshot["active"]["hold"]["wait_total"] == 30
    for delay, expected in ((0, 20), (5, 15), (100, 0)):
        at = datetime.fromisoformat(snapshot["active"]["hold"]["wait_ends_at"]) - timedelta(
            seconds=20
        )
        fresh = Fresh(at + timedelta(seconds=delay))
        fresh_engines.append(fresh)
        restored = fresh.restore(definition, snapshot)
        assert restored.run_id == run.run_id
        assert await finish(restored) is RunStatus.SUCCEEDED
        assert (ended(restored) - (at + timedelta(seconds=delay))).total_seconds() == expected
        assert restored.path == ["announce", "hold", "go"]
        # the wait was not dispatched again; only what came after it was
        assert [d.step for d in fresh.recorder.dispatches] == ["go"]
        assert fresh.peer.calls == [("go", "echo", {"value": 1})]
        events = [e["event"] for e in restored.history.as_dicts()]
        assert "run_restored" in events
        assert "action_resumed" in events


async def test_a_paused_run_stays_paused_after_restore(
    parts: Parts, fresh_engines: list[Fresh]
) -> None:
    definition = raid(parts)
    run = parts.engine.start(definition)
    parts.clock.call_later(12, run.pause)
    snapshot = await snapshot_at(parts, run, 50)
    assert snapshot["status"] == "paused"
    assert snapshot["active"]["hold"]["wait_remaining"] == 18
    fresh = Fresh(parts.clock.now() + timedelta(hours=3))
    fresh_engines.append(fresh)
    restored = fresh.restore(definition, snapshot)
    await fresh.clock.sleep(1000)
    assert restored.status is RunStatus.PAUSED
    assert restored.path == ["announce", "hold"]
    resumed_at = fresh.clock.now()
    assert restored.resume()
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert (ended(restored) - resumed_at).total_seconds() == 18


async def test_interrupted_external_action_is_rerun(
    parts: Parts, fresh_engines: list[Fresh]
) -> None:
    definition = raid(parts, hold=peer("gate"))
    run = parts.engine.start(definition)
    await until(lambda: "hold" in parts.peer.gates)
    snapshot = run.snapshot()
    await parts.engine.shutdown()
    assert snapshot["active"]["hold"] == {"attempt": 1, "in_flight": True}
    fresh = Fresh(parts.clock.now())
    fresh_engines.append(fresh)
    restored = fresh.restore(definition, snapshot)
    await until(lambda: "hold" in fresh.peer.gates)
    fresh.peer.gates["hold"].set_result("done")
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert restored.path == ["announce", "hold", "go"]
    assert [(d.step, d.attempt) for d in fresh.recorder.dispatches] == [("hold", 2), ("go", 1)]
    assert "action_rerun" in [e["event"] for e in restored.history.as_dicts()]


async def test_interrupted_external_action_can_be_an_error(
    parts: Parts, fresh_engines: list[Fresh]
) -> None:
    definition = raid(parts, hold=peer("gate"), interrupted_action="error")
    run = parts.engine.start(definition)
    await until(lambda: "hold" in parts.peer.gates)
    await parts.engine.shutdown()
    snapshot = run.snapshot()  # a snapshot after the shutdown keeps the call in flight too
    assert snapshot["active"]["hold"]["in_flight"] is True
    fresh = Fresh(parts.clock.now())
    fresh_engines.append(fresh)
    restored = fresh.restore(definition, snapshot)
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert restored.path == ["announce", "hold", "oops"]
    assert fresh.peer.calls == [("oops", "echo", {"value": "oops"})]
    failed = [e for e in restored.history.as_dicts() if e["event"] == "action_failed"]
    assert failed[-1]["type"] == "interrupted"


async def test_restore_during_a_retry_delay(parts: Parts, fresh_engines: list[Fresh]) -> None:
    definition = raid(
        parts, hold={**peer("flaky", fails=1), "retry": {"max_attempts": 2, "interval": 40}}
    )
    run = parts.engine.start(definition)
    snapshot = await snapshot_at(parts, run, 10)
    assert snapshot["active"]["hold"]["retrying"] is True
    fresh = Fresh(parts.clock.now())
    fresh_engines.append(fresh)
    fresh.peer.attempts["hold"] = 1  # the peer remembers the first, failed call
    restored = fresh.restore(definition, snapshot)
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert (ended(restored) - parts.clock.now()).total_seconds() == 30
    assert [(d.step, d.attempt) for d in fresh.recorder.dispatches] == [("hold", 2), ("go", 1)]


async def test_restore_a_sequence_a_dag_and_parallel_branches(
    parts: Parts, fresh_engines: list[Fresh]
) -> None:
    definition = build(
        {
            "id": "mixed",
            "mode": "parallel",
            "steps": [
                {"id": "a", **peer("echo")},
                {
                    "id": "p",
                    "parallel": [
                        {"steps": [{"id": "b1", **wait(5)}, {"id": "b2", **peer("echo")}]},
                        {"steps": [{"id": "c1", **wait(50)}, {"id": "c2", **peer("echo")}]},
                    ],
                },
                {"id": "d", **peer("echo")},
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    snapshot = await snapshot_at(parts, run, 20)
    assert snapshot["position"]["branches"]["p"] == {"next": [2, 0], "outcome": ["success", None]}
    fresh = Fresh(parts.clock.now())
    fresh_engines.append(fresh)
    restored = fresh.restore(definition, snapshot)
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert [d.step for d in fresh.recorder.dispatches] == ["c2", "d"]
    assert restored.path == ["a", "p", "b1", "c1", "b2", "c2", "d"]
    assert (ended(restored) - parts.clock.now()).total_seconds() == 30

    dag = build(
        {
            "id": "graph",
            "nodes": [
                {"id": "root", **peer("echo")},
                {"id": "quick", **peer("echo"), "depends_on": ["root"]},
                {"id": "slow", **wait(60), "depends_on": ["root"]},
                {"id": "last", **peer("echo"), "depends_on": ["quick", "slow"]},
            ],
        },
        parts.engine.registry,
    )
    second = Fresh(parts.clock.now())
    fresh_engines.append(second)
    run = second.engine.start(dag)
    taken: dict[str, Any] = {}
    second.clock.call_later(30, lambda: taken.update(run.snapshot()))
    await until(lambda: bool(taken))
    await second.engine.shutdown()
    assert taken["position"]["nodes"] == {"root": "succeeded", "quick": "succeeded"}
    third = Fresh(second.clock.now())
    fresh_engines.append(third)
    restored = third.restore(dag, taken)
    assert await finish(restored) is RunStatus.SUCCEEDED
    assert [d.step for d in third.recorder.dispatches] == ["last"]


async def test_restore_a_finished_and_a_queued_run(
    parts: Parts, fresh_engines: list[Fresh]
) -> None:
    definition = raid(parts, mode="queued")
    first = parts.engine.start(definition)
    queued = parts.engine.start(definition)
    queued_snapshot = queued.snapshot()
    assert queued_snapshot["status"] == "queued"
    assert await finish(first) is RunStatus.SUCCEEDED
    finished = first.snapshot()
    await parts.engine.cancel_all()
    fresh = Fresh(parts.clock.now())
    fresh_engines.append(fresh)
    again = fresh.restore(definition, finished)
    assert again.status is RunStatus.SUCCEEDED
    assert again.finished_at == first.finished_at
    assert fresh.engine.runs() == []
    assert fresh.recorder.dispatches == []
    waiting = fresh.restore(definition, queued_snapshot)
    assert waiting.status is RunStatus.QUEUED
    assert fresh.engine.runs("raid") == [waiting]


async def test_history_is_append_only_and_capped() -> None:
    engine, clock, recorder = make_engine(max_history=12)
    definition = build(
        {
            "id": "long",
            "steps": [{"id": f"s{index}", **wait(1)} for index in range(10)],
        }
    )
    seen: list[list[dict[str, Any]]] = []
    recorder.hooks.append(lambda run, change, detail: seen.append(run.history.as_dicts()))
    run = engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert len(run.history) == 12
    total = 1 + 10 * 4 + 1
    assert run.history.dropped == total - 12
    snapshot = run.snapshot()
    assert snapshot["history_dropped"] == total - 12
    assert len(snapshot["history"]) == 12
    for earlier, later in itertools.pairwise(seen):
        # every later history is the earlier one with entries added (and old ones dropped)
        overlap = [entry for entry in earlier if entry in later]
        assert later[: len(overlap)] == overlap
    times = [datetime.fromisoformat(e["at"]) for e in snapshot["history"]]
    assert times == sorted(times)
    await clock.aclose()


async def test_shutdown_keeps_runs_unfinished(parts: Parts) -> None:
    run = parts.engine.start(raid(parts))
    await settle()
    await parts.engine.shutdown()
    assert run.status is RunStatus.RUNNING
    assert not run.finished
    assert parts.engine.runs() == []


async def test_restore_listener_sees_a_started_change(fresh_engines: list[Fresh]) -> None:
    fresh = Fresh(datetime(2026, 1, 1, 21, 0).astimezone())
    fresh_engines.append(fresh)
    definition = build({"id": "one", "steps": [{"id": "a", **wait(5)}]}, fresh.engine.registry)
    run = fresh.engine.start(definition)
    await until(lambda: run.wait_ends_at() is not None)
    snapshot = run.snapshot()
    await fresh.engine.shutdown()
    other = Fresh(fresh.clock.now())
    fresh_engines.append(other)
    restored = other.restore(definition, snapshot)
    assert other.recorder.changes[0][1] is RunChange.STARTED
    assert await finish(restored) is RunStatus.SUCCEEDED
