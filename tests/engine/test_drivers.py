"""One driver per shape, each driven on its own (the run's task is not involved): what it
returns, what it raises, and the position it keeps in the typed run state."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.engine import Run, RunStatus, Shape
from custom_components.stream_workflows.engine.drive_dag import drive_dag
from custom_components.stream_workflows.engine.drive_machine import drive_machine
from custom_components.stream_workflows.engine.drive_sequence import drive_sequence
from custom_components.stream_workflows.engine.run import DRIVERS
from custom_components.stream_workflows.engine.run_types import RunFailedError

from .conftest import Parts
from .helpers import build

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def unstarted(parts: Parts, document: dict[str, Any]) -> Run:
    """A run of `document` that the engine never began: its drivers are called directly."""
    definition = build({"id": "flow", **document}, parts.engine.registry)
    variables = parts.engine.prepare_variables(definition, {})
    return Run(parts.engine, definition, "r1", variables)


def test_every_shape_has_its_driver() -> None:
    assert {
        Shape.STATE_MACHINE: drive_machine,
        Shape.SEQUENCE: drive_sequence,
        Shape.DAG: drive_dag,
    } == DRIVERS


async def test_the_machine_driver_follows_routes_and_records_the_end(parts: Parts) -> None:
    run = unstarted(
        parts,
        {
            "initial_state": "a",
            "states": [
                {"name": "a", "action": peer("fail"), "transitions": {"error": "b"}},
                {"name": "b", "action": peer("echo", value=2)},
            ],
        },
    )
    assert await drive_machine(run.steps) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b"]
    assert (run.machine_state, run.final) == (None, "succeeded")
    assert [error.handled for error in run.errors] == ["route: b"]
    assert run.active == {}


async def test_the_machine_driver_starts_where_the_state_says(parts: Parts) -> None:
    run = unstarted(
        parts,
        {
            "initial_state": "a",
            "states": [
                {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
                {"name": "b", "action": NOOP},
            ],
        },
    )
    run.machine_state = "b"  # as a restore leaves it
    assert await drive_machine(run.steps) is RunStatus.SUCCEEDED
    assert run.path == ["b"]


async def test_the_machine_driver_raises_an_unhandled_failure(parts: Parts) -> None:
    run = unstarted(
        parts, {"initial_state": "a", "states": [{"name": "a", "action": peer("fail")}]}
    )
    with pytest.raises(RunFailedError) as raised:
        await drive_machine(run.steps)
    assert raised.value.error.step == "a"
    assert run.final == "failed"


async def test_the_sequence_driver_keeps_its_index(parts: Parts) -> None:
    run = unstarted(
        parts, {"steps": [{"id": "a", **NOOP}, {"id": "b", **NOOP}, {"id": "c", **NOOP}]}
    )
    run.index = 1  # as a restore leaves it
    assert await drive_sequence(run.steps) is RunStatus.SUCCEEDED
    assert run.path == ["b", "c"]
    assert run.index == 3
    assert run.progress() == (3, 3)


async def test_the_sequence_driver_stops_at_a_failure(parts: Parts) -> None:
    run = unstarted(
        parts,
        {
            "steps": [
                {"id": "a", **peer("fail"), "continue_on_error": True},
                {"id": "b", **peer("fail")},
                {"id": "c", **NOOP},
            ]
        },
    )
    with pytest.raises(RunFailedError) as raised:
        await drive_sequence(run.steps)
    assert raised.value.error.step == "b"
    assert run.path == ["a", "b"]
    assert (run.index, run.final) == (1, "failed")
    assert [error.handled for error in run.errors] == ["continued"]


async def test_a_parallel_block_leaves_its_results_and_no_progress(parts: Parts) -> None:
    run = unstarted(
        parts,
        {
            "steps": [
                {
                    "id": "fan",
                    "parallel": [
                        {"steps": [{"id": "l1", **peer("echo", value=1)}, {"id": "l2", **NOOP}]},
                        {"id": "r1", **peer("slow", seconds=2)},
                    ],
                }
            ]
        },
    )
    assert await drive_sequence(run.steps) is RunStatus.SUCCEEDED
    assert run.results["fan"] == {"l1": 1, "l2": None, "r1": {"ok": True}}
    assert run.branches == {}
    assert "branches" not in run.position


async def test_the_dag_driver_records_each_node_and_skips_below_a_failure(parts: Parts) -> None:
    run = unstarted(
        parts,
        {
            "nodes": [
                {"id": "root", **NOOP},
                {"id": "bad", **peer("fail"), "depends_on": ["root"]},
                {"id": "below", **NOOP, "depends_on": ["bad"]},
                {"id": "other", **NOOP, "depends_on": ["root"]},
            ]
        },
    )
    assert run.definition.shape is Shape.DAG
    with pytest.raises(RunFailedError) as raised:
        await drive_dag(run.steps)
    assert raised.value.error.step == "bad"
    assert run.nodes == {
        "root": "succeeded",
        "bad": "failed",
        "below": "skipped",
        "other": "succeeded",
    }
    assert run.progress() == (4, 4)


async def test_the_dag_driver_goes_on_from_the_nodes_already_done(parts: Parts) -> None:
    run = unstarted(
        parts,
        {"nodes": [{"id": "a", **NOOP}, {"id": "b", **NOOP, "depends_on": ["a"]}]},
    )
    run.nodes = {"a": "succeeded"}  # as a restore leaves it
    assert await drive_dag(run.steps) is RunStatus.SUCCEEDED
    assert run.path == ["b"]
