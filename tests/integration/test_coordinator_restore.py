"""Restoring runs after a restart: changed or removed workflows, paused runs, interrupted calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.core import HomeAssistant, ServiceCall
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.stream_workflows.const import DOMAIN, STORAGE_KEY_RUNS

from .test_setup import entity_id

HOLD = {
    "id": "hold",
    "name": "Hold",
    "steps": [
        {"id": "first", "service": "internal", "action": "wait", "params": {"seconds": 30}},
        {"id": "second", "service": "internal", "action": "noop"},
    ],
}
INTERRUPTED = {
    "id": "careful",
    "name": "Careful",
    "interrupted_action": "error",
    "initial_state": "call",
    "states": [
        {
            "name": "call",
            "action": {"service": "homeassistant", "action": "test.hang"},
            "transitions": {"success": "done", "error": "recover"},
        },
        {"name": "done", "action": {"service": "internal", "action": "noop"}},
        {"name": "recover", "action": {"service": "internal", "action": "noop"}},
    ],
}

type BeforeSetup = Callable[[HomeAssistant], Awaitable[None]]


async def start_again(
    config_dir: Path, entry: MockConfigEntry, before_setup: BeforeSetup | None = None
) -> tuple[Any, HomeAssistant]:
    """A second Home Assistant with the same configuration and storage."""
    context = async_test_home_assistant(config_dir=str(config_dir))
    hass2 = await context.__aenter__()
    hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    if before_setup is not None:
        await before_setup(hass2)
    new_entry = MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        data=dict(entry.data),
        options=dict(entry.options),
        entry_id=entry.entry_id,
    )
    new_entry.add_to_hass(hass2)
    assert await hass2.config_entries.async_setup(new_entry.entry_id)
    await hass2.async_block_till_done()
    return context, hass2


async def stop(context: Any, hass2: HomeAssistant) -> None:
    await hass2.async_stop(force=True)
    await context.__aexit__(None, None, None)


async def start_hold(hass: HomeAssistant, setup_entry: Any) -> MockConfigEntry:
    entry: MockConfigEntry = await setup_entry()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "hold"}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, "sensor", "hold_state")).state == "first"
    return entry


async def test_run_of_a_changed_workflow_fails_on_restore(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    setup_entry: Any,
) -> None:
    write_workflow("hold.json", HOLD)
    entry = await start_hold(hass, setup_entry)
    await hass.async_stop()
    assert len(hass_storage[STORAGE_KEY_RUNS]["data"]["runs"]) == 1
    write_workflow("hold.json", {**HOLD, "name": "Hold on"})
    context, hass2 = await start_again(config_dir, entry)
    try:
        state = hass2.states.get(entity_id(hass2, "sensor", "hold_state"))
        assert state.state == "failed"
        assert state.attributes["last_error"]["type"] == "workflow_changed"
        assert hass2.states.get(entity_id(hass2, "switch", "hold_running")).state == "off"
        # Nothing runs: the workflow can be started afresh.
        await hass2.services.async_call(DOMAIN, "run", {"workflow_id": "hold"}, blocking=True)
        await hass2.async_block_till_done()
        assert hass2.states.get(entity_id(hass2, "sensor", "hold_state")).state == "first"
    finally:
        await stop(context, hass2)


async def test_run_of_a_removed_workflow_is_dropped(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    setup_entry: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = write_workflow("hold.json", HOLD)
    write_workflow("other.json", {**HOLD, "id": "other", "name": "Other"})
    entry = await start_hold(hass, setup_entry)
    await hass.async_stop()
    path.unlink()
    context, hass2 = await start_again(config_dir, entry)
    try:
        assert "could not be restored: the workflow no longer exists" in caplog.text
        coordinator = hass2.config_entries.async_get_entry(entry.entry_id).runtime_data
        assert list(coordinator.engine.runs()) == []
        assert set(coordinator.workflows) == {"other"}
    finally:
        await stop(context, hass2)


async def test_paused_run_stays_paused_after_restart(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    setup_entry: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    write_workflow("hold.json", HOLD)
    entry = await start_hold(hass, setup_entry)
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await hass.services.async_call(DOMAIN, "pause", {"workflow_id": "hold"}, blocking=True)
    await hass.async_stop()
    context, hass2 = await start_again(config_dir, entry)
    try:
        sensor = entity_id(hass2, "sensor", "hold_state")
        assert hass2.states.get(sensor).state == "paused"
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass2)
        await hass2.async_block_till_done()
        assert hass2.states.get(sensor).state == "paused"  # paused: time does not count
        await hass2.services.async_call(DOMAIN, "resume", {"workflow_id": "hold"}, blocking=True)
        await hass2.async_block_till_done()
        assert hass2.states.get(sensor).state == "first"
        freezer.tick(timedelta(seconds=15))
        async_fire_time_changed(hass2)
        await hass2.async_block_till_done()
        assert hass2.states.get(sensor).state == "first"  # 25 of 30 s
        freezer.tick(timedelta(seconds=6))
        async_fire_time_changed(hass2)
        await hass2.async_block_till_done()
        state = hass2.states.get(sensor)
        assert state.state == "succeeded"
        assert state.attributes["step"] == "second"
    finally:
        await stop(context, hass2)


async def test_action_in_flight_at_shutdown_takes_the_error_route(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    setup_entry: Any,
) -> None:
    called = asyncio.Event()

    async def hang(call: ServiceCall) -> None:
        called.set()
        await asyncio.Event().wait()  # until Home Assistant stops

    hass.services.async_register("test", "hang", hang)
    write_workflow("careful.json", INTERRUPTED)
    entry: MockConfigEntry = await setup_entry()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "careful"}, blocking=True)
    await asyncio.wait_for(called.wait(), 5)
    assert hass.states.get(entity_id(hass, "sensor", "careful_state")).state == "call"
    await hass.async_stop()

    answered: list[ServiceCall] = []

    async def register_answer(hass2: HomeAssistant) -> None:
        # Were the action run again, it would now succeed and the run would end in "done".
        async def answer(call: ServiceCall) -> None:
            answered.append(call)

        hass2.services.async_register("test", "hang", answer)

    context, hass2 = await start_again(config_dir, entry, register_answer)
    try:
        state = hass2.states.get(entity_id(hass2, "sensor", "careful_state"))
        assert state.state == "succeeded"
        assert state.attributes["step"] == "recover"
        assert answered == []
    finally:
        await stop(context, hass2)
