"""The typed run state: its position by shape, and its snapshot round trip (checkpoints of
the engine before the state was typed included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.engine import RunStatus
from custom_components.stream_workflows.engine.history import History
from custom_components.stream_workflows.engine.run_state import (
    SNAPSHOT_VERSION,
    RunState,
    own_variables,
)
from custom_components.stream_workflows.engine.run_types import RunError

from .helpers import build

AT = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
NOOP = {"service": "internal", "action": "noop"}
CASES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "checkpoints_v2.json").read_text(encoding="utf-8")
)


def fresh(document: dict[str, Any] | None = None, **variables: Any) -> RunState:
    definition = build(
        document or {"id": "flow", "steps": [{"id": "a", **NOOP}, {"id": "b", **NOOP}]}
    )
    return RunState(definition, "r1", dict(variables), History(), AT, trigger={"type": "manual"})


def restored(snapshot: dict[str, Any], at: datetime = AT) -> RunState:
    state = fresh()
    state.from_snapshot(json.loads(json.dumps(snapshot)), at, 100, None)
    return state


def test_a_new_state_has_no_position() -> None:
    state = fresh()
    assert state.status is RunStatus.QUEUED
    assert state.position == {}


def test_a_state_machine_position_round_trips() -> None:
    state = fresh()
    state.machine_state = "hold"
    state.cancel_routed = True
    assert state.position == {"state": "hold"}
    back = restored(state.to_snapshot({}, None))
    assert back.machine_state == "hold"
    assert back.cancel_routed is True
    assert (back.index, back.nodes, back.final) == (None, None, None)


def test_a_sequence_position_with_a_parallel_block_round_trips() -> None:
    state = fresh()
    state.index = 1
    saved = state.block("p", 2)
    saved["next"][0] = 2
    saved["outcome"][0] = "success"
    assert state.block("p", 2) is saved  # entered again after a restore: the same progress
    snapshot = state.to_snapshot({}, None)
    assert snapshot["position"] == {
        "index": 1,
        "branches": {"p": {"next": [2, 0], "outcome": ["success", None]}},
    }
    saved["next"][1] = 5  # the snapshot is a copy
    assert snapshot["position"]["branches"]["p"]["next"] == [2, 0]
    back = restored(snapshot)
    assert back.index == 1
    assert back.branches == {"p": {"next": [2, 0], "outcome": ["success", None]}}
    back.end_block("p")
    assert back.position == {"index": 1}  # a finished block leaves nothing behind


def test_a_dag_position_and_the_final_status_round_trip() -> None:
    state = fresh()
    state.nodes = {"root": "succeeded", "bad": "failed", "below": "skipped"}
    state.final = RunStatus.FAILED.value
    back = restored(state.to_snapshot({}, None))
    assert back.nodes == state.nodes
    assert back.nodes is not state.nodes
    assert back.final == "failed"


def test_everything_else_a_snapshot_holds_round_trips() -> None:
    state = fresh(None, target="someone", shared={"a": 1, "b": 2})
    state.status = RunStatus.PAUSED
    state.results = {"a": {"n": 1}}
    state.path = ["a", "b"]
    state.active = {"b": {"attempt": 2, "wait_remaining": 12.5, "wait_total": 30.0}}
    state.error = RunError("b", "oops", "it broke")
    state.errors = [RunError("a", "timeout", "slow", "continued")]
    state.last_error = state.errors[0]
    state.history.note(AT, "run_started")
    snapshot = state.to_snapshot({"shared": {"a": 1, "b": 2}}, None)
    assert snapshot["version"] == SNAPSHOT_VERSION
    assert snapshot["variables"] == {"target": "someone"}  # only the run's own
    back = restored(snapshot, AT + timedelta(seconds=5))
    assert back.status is RunStatus.PAUSED
    assert back.results == state.results
    assert back.path == state.path
    assert back.active == {"b": {"attempt": 2}}
    assert back.restored_waits == {"b": 12.5}  # a paused wait keeps what was left
    assert (back.error, back.errors, back.last_error) == (
        state.error,
        state.errors,
        state.last_error,
    )
    events = [entry["event"] for entry in back.history.as_dicts()]
    assert events == ["run_started", "run_restored"]
    again = back.to_snapshot({"shared": {"a": 1, "b": 2}}, None)
    for key in ("position", "results", "path", "error", "errors", "last_error", "status"):
        assert again[key] == snapshot[key], key


def test_a_running_wait_restores_with_the_time_left_at_restore() -> None:
    state = fresh()
    state.active = {"hold": {"attempt": 1, "wait_ends_at": AT + timedelta(seconds=30)}}
    snapshot = state.to_snapshot({}, None)
    assert snapshot["active"]["hold"]["wait_ends_at"] == "2026-03-01T20:00:30+00:00"
    assert restored(snapshot, AT + timedelta(seconds=10)).restored_waits == {"hold": 20.0}
    assert restored(snapshot, AT + timedelta(minutes=5)).restored_waits == {"hold": 0.0}


def test_redact_takes_secrets_out_of_the_snapshot_only() -> None:
    state = fresh()
    state.results = {"a": {"token": "s3cret"}}
    state.error = RunError("a", "oops", "bad token s3cret")
    snapshot = state.to_snapshot({}, lambda text: text.replace("s3cret", "***"))
    assert snapshot["results"] == {"a": {"token": "***"}}
    assert snapshot["error"]["message"] == "bad token ***"
    assert state.results == {"a": {"token": "s3cret"}}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_stored_checkpoint_position_reads_into_the_typed_state(name: str) -> None:
    saved = CASES[name]["snapshot"]
    state = restored(saved)
    # What the engine before the typed state wrote, read back and written again: the same
    # mapping, without keys that held nothing (a state of None, no blocks under way).
    expected = {key: value for key, value in saved["position"].items() if value not in (None, {})}
    assert state.position == expected
    assert set(state.active) == set(saved["active"])
    assert state.status is RunStatus(saved["status"])


def test_own_variables_keeps_what_differs_from_the_base() -> None:
    base = {"shared": {"a": 1, "b": 2}, "same": 3, "gone": 1}
    values = {"shared": {"a": 1, "b": 5}, "same": 3, "new": [1]}
    assert own_variables(base, values) == {"shared": {"b": 5}, "new": [1]}
