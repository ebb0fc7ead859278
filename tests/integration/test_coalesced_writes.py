"""Entity writes are coalesced within one turn of the event loop; bus events carry every state.

A chain of noop states runs without the event loop getting a turn in between, so nobody can
see its intermediate states: the sensor is written once they are done, not at every one,
while `stream_workflows_state_changed` still fires for each state in order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.engine import Run
from custom_components.stream_workflows.studio.run_history import MAX_RUNS

from .test_setup import entity_id

CHAIN = 40


def chain(states: int, *, wait_at: int | None = None) -> dict[str, Any]:
    def action(index: int) -> dict[str, Any]:
        if index == wait_at:
            return {"service": "internal", "action": "wait", "params": {"seconds": 30}}
        return {"service": "internal", "action": "noop"}

    return {
        "id": "chain",
        "name": "Chain",
        "initial_state": "s0",
        "states": [
            {
                "name": f"s{index}",
                "action": action(index),
                "transitions": {"success": f"s{index + 1}"} if index + 1 < states else {},
            }
            for index in range(states)
        ],
    }


async def test_noop_chain_writes_the_sensor_once_and_fires_every_state(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("chain.json", chain(CHAIN))
    await setup_entry()
    sensor = entity_id(hass, "sensor", "chain_state")
    writes: list[str] = []
    entered: list[str] = []

    @callback
    def on_state(event: Event) -> None:
        if event.data["entity_id"] == sensor:
            writes.append(event.data["new_state"].state)

    @callback
    def on_step(event: Event) -> None:
        entered.append(event.data["state"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
    hass.bus.async_listen(f"{DOMAIN}_state_changed", on_step)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()

    assert entered == [f"s{index}" for index in range(CHAIN)]  # every state, in order
    assert hass.states.get(sensor).state == "succeeded"
    # The run's 40 states pass without the loop getting a turn (it yields every 64 steps):
    # the sensor is written for the start and the end, not 40 times.
    assert writes[-1] == "succeeded"
    assert len(writes) <= 3, writes


async def test_sensor_shows_the_current_state_when_the_run_waits(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("chain.json", chain(10, wait_at=6))
    await setup_entry()
    sensor = entity_id(hass, "sensor", "chain_state")
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    # No `async_block_till_done`: the call returned, so the entities already show where the
    # run is, waiting in s6.
    assert hass.states.get(sensor).state == "s6"
    assert hass.states.get(sensor).attributes["step_index"] == 7
    await hass.services.async_call(DOMAIN, "pause", {"workflow_id": "chain"}, blocking=True)
    assert hass.states.get(sensor).state == "paused"
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "cancelled"


async def test_finished_runs_leave_no_cycle_for_the_garbage_collector(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    """Mirrored by the entities, the events, the checkpoints and the Studio, a finished run
    is freed by reference counting: the collector's passes walk every object of Home
    Assistant, and runs that left cycles behind would bring one every few dozen runs."""
    write_workflow("chain.json", chain(5))
    await setup_entry()
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    await coordinator.start("chain").wait()
    await hass.async_block_till_done()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        # More than the Studio keeps (the records it lets go must be freed too).
        for _ in range(MAX_RUNS + 40):
            await coordinator.start("chain").wait()
        await hass.async_block_till_done()
        gc.collect()
        left = [item for item in gc.garbage if isinstance(item, Run)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []


def waiting_machine(workflow_id: str, *, fails: bool = False) -> dict[str, Any]:
    """s0 → s1 (a short wait, so two runs' events interleave) → s2 → s3; with `fails`, s2's
    step fails and its error route goes on to s3 (an error the run got past)."""
    failing = {"service": "internal", "action": "log", "params": {"message": "${missing.x}"}}
    noop = {"service": "internal", "action": "noop"}
    wait = {"service": "internal", "action": "wait", "params": {"seconds": 0.02}}
    return {
        "id": workflow_id,
        "name": workflow_id,
        "initial_state": "s0",
        "states": [
            {"name": "s0", "action": noop, "transitions": {"success": "s1"}},
            {"name": "s1", "action": wait, "transitions": {"success": "s2"}},
            {
                "name": "s2",
                "action": failing if fails else noop,
                "transitions": {"success": "s3", "error": "s3"},
            },
            {"name": "s3", "action": noop},
        ],
    }


async def test_each_state_event_carries_its_own_runs_fields(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    """Two runs' state events interleave: each names its own workflow, run and rehearsal,
    each has data of its own, and a run's handled error shows in its events after it."""
    write_workflow("first.json", waiting_machine("first"))
    write_workflow("second.json", waiting_machine("second", fails=True))
    await setup_entry()
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    events: list[dict[str, Any]] = []

    @callback
    def on_step(event: Event) -> None:
        events.append(event.data)

    hass.bus.async_listen(f"{DOMAIN}_state_changed", on_step)
    first = coordinator.start("first", rehearsal=True, virtual_time=False)
    second = coordinator.start("second")
    await first.wait()
    await second.wait()
    await hass.async_block_till_done()

    runs = {"first": first, "second": second}
    seen = [(data["workflow_id"], data["state"]) for data in events]
    assert seen[:4] == [("first", "s0"), ("first", "s1"), ("second", "s0"), ("second", "s1")]
    for data in events:
        run = runs[data["workflow_id"]]
        assert data["run_id"] == run.run_id
        assert data["rehearsal"] is run.rehearsal
        assert data["status"] == "running"
    assert sorted(seen) == sorted((w, f"s{i}") for w in runs for i in range(4))
    assert len({id(data) for data in events}) == len(events)
    assert len({id(data["errors"]) for data in events}) == len(events)
    second_events = [data for data in events if data["workflow_id"] == "second"]
    assert [len(data["errors"]) for data in second_events] == [0, 0, 0, 1]
    assert second_events[-1]["errors"][0]["step"] == "s2"
    assert all(not data["errors"] for data in events if data["workflow_id"] == "first")
