"""The durability contract, in process: a maximum delay (not a trailing debounce), runs and
action intents durable before dispatch, compact snapshots, runs of removed workflows.

A "crash" here is a second Home Assistant started from what was in storage at a chosen moment
(the real SIGKILL is tests/e2e/test_crash_durability.py).
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN, STORAGE_KEY_RUNS
from custom_components.stream_workflows.engine.history import MAX_BYTES

from .test_coordinator_restore import start_again, stop
from .test_setup import entity_id
from .test_stored_workflows import deep

BUSY = {
    "id": "busy",
    "name": "Busy",
    "steps": [
        {"id": f"w{index}", "service": "internal", "action": "wait", "params": {"seconds": 0.02}}
        for index in range(200)
    ],
}
CAREFUL = {
    "id": "careful",
    "name": "Careful",
    "interrupted_action": "error",
    "initial_state": "first",
    "states": [
        {
            "name": "first",
            "action": {"service": "homeassistant", "action": "test.record"},
            "transitions": {"success": "second", "error": "recover"},
        },
        {
            "name": "second",
            "action": {"service": "homeassistant", "action": "test.record"},
            "transitions": {"success": "done", "error": "recover"},
        },
        {"name": "done", "action": {"service": "internal", "action": "noop"}},
        {"name": "recover", "action": {"service": "internal", "action": "noop"}},
    ],
}
HOLD = {
    "id": "hold",
    "name": "Hold",
    "inputs": {"who": {"type": "string", "default": "nobody"}},
    "steps": [{"id": "wait", "service": "internal", "action": "wait", "params": {"seconds": 600}}],
}


def saved_runs(hass_storage: dict[str, Any]) -> list[dict[str, Any]]:
    return list(hass_storage.get(STORAGE_KEY_RUNS, {}).get("data", {}).get("runs", []))


def manager_of(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    found = hass.config_entries.async_get_entry(entry.entry_id)
    assert found is not None
    return found.runtime_data


async def test_checkpoints_keep_coming_while_a_run_keeps_moving(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
) -> None:
    """A change is written at most `max_delay` after it happened, however busy the run:
    with a trailing debounce nothing would be written until the run stops changing."""
    write_workflow("busy.json", BUSY)
    entry = await setup_entry()
    coordinator = manager_of(hass, entry)
    coordinator.run_store.max_delay = 0.1
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "busy"}, blocking=True)
    [run] = coordinator.engine.runs("busy")
    positions: set[int] = set()
    deadline = time.monotonic() + 30  # a hang guard, not a timing assertion
    while len(positions) < 3 and not run.finished and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        for saved in saved_runs(hass_storage):
            if saved["run_id"] == run.run_id and saved["status"] == "running":
                positions.add(saved["position"].get("index", 0))
    # Several different positions were written while the run was still moving.
    assert len(positions) >= 3, positions
    assert not run.finished
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "busy"}, blocking=True)
    await hass.async_block_till_done()
    assert saved_runs(hass_storage) == []  # a finished run leaves the checkpoint


async def test_run_and_intent_are_durable_before_the_action_and_never_repeated(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    setup_entry: Any,
) -> None:
    """What storage holds when each external action is dispatched: the run, with that
    action in flight. A crash there restores the action as interrupted (here: the error
    route), and an action whose completion was saved is never dispatched again."""
    at_dispatch: list[list[dict[str, Any]]] = []
    hang = asyncio.Event()

    async def record(call: ServiceCall) -> None:
        at_dispatch.append(copy.deepcopy(saved_runs(hass_storage)))
        if len(at_dispatch) == 2:
            await hang.wait()  # the crash comes while the second action is in flight

    hass.services.async_register("test", "record", record)
    write_workflow("careful.json", CAREFUL)
    entry: MockConfigEntry = await setup_entry()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "careful"}, blocking=True)
    for _ in range(200):
        if len(at_dispatch) == 2:
            break
        await asyncio.sleep(0.01)
    [first, second] = at_dispatch
    [run] = first
    assert run["active"]["first"] == {"attempt": 1, "in_flight": True}  # durable first
    [run] = second
    assert run["path"] == ["first", "second"]  # the first action's completion is saved
    assert run["active"] == {"second": {"attempt": 1, "in_flight": True}}

    crashed = copy.deepcopy(hass_storage[STORAGE_KEY_RUNS])
    await hass.async_stop(force=True)
    hass_storage[STORAGE_KEY_RUNS] = crashed  # what a SIGKILL here would have left
    calls: list[ServiceCall] = []

    async def register(hass2: HomeAssistant) -> None:
        async def answer(call: ServiceCall) -> None:
            calls.append(call)

        hass2.services.async_register("test", "record", answer)

    context, hass2 = await start_again(config_dir, entry, register)
    try:
        state = hass2.states.get(entity_id(hass2, "sensor", "careful_state"))
        assert state.state == "succeeded"
        assert state.attributes["step"] == "recover"  # interrupted_action: error
        assert calls == []  # neither the completed action nor the interrupted one again
    finally:
        await stop(context, hass2)


async def test_snapshot_holds_the_runs_own_variables_not_the_shared_ones(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    mock_entry: MockConfigEntry,
    setup_entry: Any,
) -> None:
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry, options={"variables": {"config": {"channel": "old", "big": "x" * 5000}}}
    )
    write_workflow("hold.json", HOLD)
    entry = await setup_entry()
    await hass.services.async_call(
        DOMAIN, "run", {"workflow_id": "hold", "variables": {"who": "raider"}}, blocking=True
    )
    await manager_of(hass, entry).run_store.async_flush()
    [saved] = saved_runs(hass_storage)
    assert saved["variables"] == {"who": "raider"}
    assert "config" not in repr(saved)
    assert len(repr(saved)) < 10 * 1024
    await hass.async_stop()

    # Restored with the shared variables as they are now, not as they were.
    changed = MockConfigEntry(
        domain=DOMAIN,
        data=dict(entry.data),
        options={"variables": {"config": {"channel": "new"}}},
        entry_id=entry.entry_id,
    )
    context, hass2 = await start_again(config_dir, changed)
    try:
        [run] = manager_of(hass2, changed).engine.runs("hold")
        assert run.variables["who"] == "raider"
        assert run.variables["config"] == {"channel": "new"}
    finally:
        await stop(context, hass2)


async def test_history_is_capped_by_size(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
) -> None:
    write_workflow(
        "chatty.json",
        {
            "id": "chatty",
            "name": "Chatty",
            "steps": [
                {
                    "id": f"log{index}",
                    "service": "internal",
                    "action": "log",
                    "params": {"message": "y" * 1000},
                }
                for index in range(60)
            ]
            + [{"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 60}}],
        },
    )
    entry = await setup_entry()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chatty"}, blocking=True)
    await hass.async_block_till_done()
    [run] = manager_of(hass, entry).engine.runs("chatty")
    snapshot = run.snapshot()
    assert run.history.dropped > 0
    assert len(repr(snapshot["history"])) < 2 * MAX_BYTES
    logs = [e for e in snapshot["history"] if e["event"] == "log"]
    assert logs
    assert all(len(e["message"]) <= 300 for e in logs)  # long texts shortened
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "chatty"}, blocking=True)


@pytest.mark.parametrize(
    ("variables", "limit"),
    [
        ({"who": deep(300)}, "nested deeper than 32 levels"),
        ({"who": {"text": "x" * (1024 * 1024)}}, "larger than 64 KiB"),
    ],
)
async def test_variables_are_bounded_at_the_boundary(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
    variables: dict[str, Any],
    limit: str,
) -> None:
    write_workflow("hold.json", {**HOLD, "inputs": {"who": {"type": "object"}}})
    entry = await setup_entry()
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "run", {"workflow_id": "hold", "variables": variables}, blocking=True
        )
    assert raised.value.translation_key == "invalid_variables"
    assert limit in str(raised.value.translation_placeholders)
    assert manager_of(hass, entry).engine.runs() == []  # nothing started, nothing poisoned


async def test_runs_of_a_removed_workflow_are_cancelled_with_a_reason(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = write_workflow("hold.json", HOLD)
    write_workflow("broken.json", {**HOLD, "id": "broken", "name": "Broken"})
    entry = await setup_entry()
    coordinator = manager_of(hass, entry)
    for workflow_id in ("hold", "broken"):
        await hass.services.async_call(DOMAIN, "run", {"workflow_id": workflow_id}, blocking=True)
    hold_run = coordinator.engine.runs("hold")[0]
    broken_run = coordinator.engine.runs("broken")[0]
    path.unlink()
    write_workflow("broken.json", {"id": "broken", "name": "Broken", "steps": "nope"})
    await hass.services.async_call(DOMAIN, "reload", {}, blocking=True)
    await hass.async_block_till_done()
    for run in (hold_run, broken_run):
        assert run.status.value == "cancelled"
        assert any(
            e["event"] == "log" and "cancelled: its workflow was removed" in e["message"]
            for e in run.history.as_dicts()
        )
        assert f"Run {run.run_id} of {run.definition.id} is cancelled" in caplog.text
    assert coordinator.engine.runs() == []
    await coordinator.run_store.async_flush()
    assert saved_runs(hass_storage) == []  # nothing left to come back after a restart


async def test_a_run_that_cannot_be_encoded_never_stops_the_others(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_workflow(
        "odd.json",
        {
            "id": "odd",
            "name": "Odd",
            "steps": [
                # beyond 64 bits: Home Assistant's JSON encoder refuses it
                {
                    "id": "set",
                    "service": "internal",
                    "action": "set_variables",
                    "params": {"huge": 2**80},
                },
                {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 60}},
            ],
        },
    )
    write_workflow("hold.json", HOLD)
    entry = await setup_entry()
    for workflow_id in ("odd", "hold"):
        await hass.services.async_call(DOMAIN, "run", {"workflow_id": workflow_id}, blocking=True)
    coordinator = manager_of(hass, entry)
    await coordinator.run_store.async_flush()
    [odd] = coordinator.engine.runs("odd")
    assert [saved["workflow_id"] for saved in saved_runs(hass_storage)] == ["odd", "hold"]
    # the odd run is saved without what cannot be, and says so
    assert saved_runs(hass_storage)[0]["variables"] == {}
    assert saved_runs(hass_storage)[0]["active"]["hold"]["wait_total"] == 60
    assert f"Run {odd.run_id} of odd is saved without its variables" in caplog.text
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "odd"}, blocking=True)
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "hold"}, blocking=True)


QUICK_NOOP = {
    "id": "quick_noop",
    "name": "Quick noop",
    "steps": [{"id": "only", "service": "internal", "action": "noop"}],
}
SHORT_WAIT = {
    "id": "short_wait",
    "name": "Short wait",
    "steps": [{"id": "wait", "service": "internal", "action": "wait", "params": {"seconds": 0.05}}],
}


@pytest.mark.parametrize("action", ["run", "per_workflow"])
async def test_the_run_action_answers_once_the_disk_agrees(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
    action: str,
) -> None:
    """Told a run started, the caller finds it on disk; told it ended, not on disk as
    running; told of a run that ended before it was ever written, it is not kept waiting
    for a write."""
    write_workflow("hold.json", HOLD)
    write_workflow("short.json", SHORT_WAIT)
    write_workflow("quick.json", QUICK_NOOP)
    entry = await setup_entry()
    store = manager_of(hass, entry).run_store

    async def call(workflow_id: str, *, wait: bool) -> None:
        if action == "run":
            data = {"workflow_id": workflow_id, "wait": wait}
            await hass.services.async_call(DOMAIN, "run", data, blocking=True, return_response=wait)
        else:
            await hass.services.async_call(
                DOMAIN, workflow_id, {}, blocking=True, return_response=wait
            )

    await call("hold", wait=False)  # answered at once: the run waits ten minutes
    assert [run["workflow_id"] for run in saved_runs(hass_storage)] == ["hold"]

    # Written while it waited, answered when it ended, once it is off the disk: the write
    # that takes it off is held until the run has ended, and the answer waits for it.
    save = store.store.async_save_checked
    gate = asyncio.Event()

    async def held_save(data: Any) -> None:
        await gate.wait()
        await save(data)

    answered = hass.async_create_task(call("short_wait", wait=True))
    deadline = time.monotonic() + 20  # a hang guard, not a timing assertion
    while not any(run["workflow_id"] == "short_wait" for run in saved_runs(hass_storage)):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)
    store.store.async_save_checked = held_save
    try:
        while manager_of(hass, entry).engine.runs("short_wait"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)
        assert not answered.done()  # the run ended; the disk still says it runs
    finally:
        gate.set()
        store.store.async_save_checked = save
    await answered
    assert [run["workflow_id"] for run in saved_runs(hass_storage)] == ["hold"]

    writes = store.stats.writes
    await call("quick_noop", wait=True)  # ended in its first step: nothing on disk to fix
    assert store.stats.writes == writes
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "hold"}, blocking=True)


async def test_a_run_that_ends_in_the_turn_it_started_waits_for_the_timer(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
) -> None:
    """A run that began and ended in one turn of the loop was never on disk: a crash can
    neither lose it nor bring it back, so nothing is written at once, and its end (the
    workflow's last run) is written within `max_delay`. A run still going when the turn
    it started in ends is written then, not `max_delay` later."""
    write_workflow("quick.json", QUICK_NOOP)
    write_workflow("hold.json", HOLD)
    entry = await setup_entry()
    coordinator = manager_of(hass, entry)
    store = coordinator.run_store
    store.max_delay = 0.2
    await hass.async_block_till_done()
    writes = store.stats.writes

    quick = coordinator.start("quick_noop")
    assert quick.finished  # every step at once: in the turn it started in
    for _ in range(5):
        await asyncio.sleep(0)  # the turn's end, and more: no write was started
    assert store.stats.writes == writes
    deadline = time.monotonic() + 20  # a hang guard, not a timing assertion
    while store.stats.writes == writes:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    last = hass_storage[STORAGE_KEY_RUNS]["data"]["last"]["quick_noop"]
    assert (last["run_id"], last["status"]) == (quick.run_id, "succeeded")
    assert saved_runs(hass_storage) == []

    store.max_delay = 600.0  # a write before this is the new run's own
    held = coordinator.start("hold")
    while [run["run_id"] for run in saved_runs(hass_storage)] != [held.run_id]:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "hold"}, blocking=True)
    while saved_runs(hass_storage):  # an end the disk held as running: written at once
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)


def noop_machine(workflow_id: str, states: int) -> dict[str, Any]:
    return {
        "id": workflow_id,
        "name": workflow_id,
        "initial_state": "s0",
        "states": [
            {
                "name": f"s{index}",
                "action": {"service": "internal", "action": "noop"},
                **({"transitions": {"success": f"s{index + 1}"}} if index + 1 < states else {}),
            }
            for index in range(states)
        ],
    }


async def test_checkpoints_follow_a_machine_that_only_moves_between_states(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
) -> None:
    """A machine of noop states tells the checkpoints nothing but its transitions (no wait,
    no action outside): every write still holds where it is then, not where it was when it
    was first written (a transition of a run whose write is due is collected by it)."""
    write_workflow("long.json", noop_machine("long", 9_000))
    entry = await setup_entry()
    coordinator = manager_of(hass, entry)
    coordinator.run_store.max_delay = 0.0  # a write after every turn the run yields
    run = coordinator.start("long")
    written: list[int] = []
    deadline = time.monotonic() + 60  # a hang guard, not a timing assertion
    while not run.finished and time.monotonic() < deadline:
        await asyncio.sleep(0)
        for saved in saved_runs(hass_storage):
            if saved["run_id"] == run.run_id and saved["status"] == "running":
                index = int(saved["position"]["state"][1:])
                if not written or index != written[-1]:
                    written.append(index)
    assert run.finished
    assert len(written) >= 3, written  # several positions, each further on
    assert written == sorted(written)
    while saved_runs(hass_storage):  # its end is written at once, as the write ends
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)


async def test_runs_that_begin_and_end_in_one_turn_leave_the_store_nothing(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
) -> None:
    """A run that starts and finishes before the loop gets a turn was never written and
    never will be: the store keeps no mark of it (however many such runs come before its
    next write), and that write holds none of them."""
    write_workflow("quick.json", noop_machine("quick", 3))
    entry = await setup_entry()
    coordinator = manager_of(hass, entry)
    store = coordinator.run_store
    for _ in range(200):
        assert coordinator.start("quick").finished
    assert not store.due
    assert not store._dirty
    await store.async_flush()
    assert saved_runs(hass_storage) == []
