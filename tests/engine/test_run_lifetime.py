"""A finished run is freed as soon as nothing holds it: no reference cycle keeps it (or its
history) for the garbage collector, whose passes inside Home Assistant walk every object of
the process. Each shape, each way a run ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from custom_components.stream_workflows.engine import Run, RunStatus

from .conftest import Parts
from .helpers import build, finish

NOOP = {"service": "internal", "action": "noop"}
WAIT = {"service": "internal", "action": "wait", "params": {"seconds": 1}}

DOCUMENTS: dict[str, dict[str, Any]] = {
    "machine": {
        "initial_state": "a",
        "states": [
            {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
            {"name": "b", "action": WAIT, "transitions": {"success": "c"}},
            {"name": "c"},
        ],
    },
    "sequence": {
        "steps": [
            {"id": "a", **NOOP},
            {
                "id": "fork",
                "parallel": [{"steps": [{"id": "b", **WAIT}]}, {"steps": [{"id": "c", **NOOP}]}],
            },
        ]
    },
    "dag": {
        "nodes": [
            {"id": "a", **NOOP},
            {"id": "b", **WAIT, "depends_on": ["a"]},
            {"id": "c", **NOOP, "depends_on": ["a"]},
        ]
    },
}


@pytest.fixture
def cyclic_garbage() -> Iterator[list[Any]]:
    """What the collector finds unreachable from here on (kept in the list, not freed)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("shape", sorted(DOCUMENTS))
@pytest.mark.parametrize("ending", ["succeeded", "cancelled"])
async def test_a_finished_run_leaves_no_cycle(
    parts: Parts, cyclic_garbage: list[Any], shape: str, ending: str
) -> None:
    definition = build({"id": shape, **DOCUMENTS[shape]}, parts.engine.registry)
    run = parts.engine.start(definition)
    if ending == "cancelled":
        run.cancel()
    assert await finish(run) is RunStatus(ending)
    assert run.clock is parts.clock  # still read after the end (hosts compare clocks)
    del run
    gc.collect()
    assert [item for item in cyclic_garbage if isinstance(item, Run)] == []
