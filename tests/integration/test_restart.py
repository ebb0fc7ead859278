"""Runs survive a Home Assistant restart: stop mid-wait, start again with the same storage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.core import CoreState, HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.stream_workflows.const import DOMAIN, STORAGE_KEY_RUNS

from .test_coordinator_restore import start_again, stop
from .test_setup import entity_id


async def test_wait_continues_with_remaining_time(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    seed_workflows: Path,
    config_dir: Path,
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry()
    await hass.services.async_call(
        DOMAIN,
        "run",
        {
            "workflow_id": "raid_workflow",
            "variables": {"raid_target": "friend"},
            "rehearsal": True,
            "virtual_time": False,  # at real speed: it is saved while it waits
        },
        blocking=True,
    )
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await hass.async_stop()

    saved = hass_storage[STORAGE_KEY_RUNS]["data"]["runs"]
    assert len(saved) == 1
    assert saved[0]["position"]["state"] == "wait_for_raid"
    assert saved[0]["path"] == ["prepare_raid", "announce_raid", "wait_for_raid"]

    context, hass2 = await start_again(config_dir, entry)
    try:
        sensor = entity_id(hass2, "sensor", "raid_workflow_state")
        assert hass2.states.get(sensor).state == "wait_for_raid"
        freezer.tick(timedelta(seconds=15))
        async_fire_time_changed(hass2)
        await hass2.async_block_till_done()
        assert hass2.states.get(sensor).state == "wait_for_raid"  # 25 of 30 s have passed
        freezer.tick(timedelta(seconds=6))
        async_fire_time_changed(hass2)
        await hass2.async_block_till_done()
        state = hass2.states.get(sensor)
        assert state.state == "succeeded"
    finally:
        await stop(context, hass2)


async def test_runs_wait_for_home_assistant_to_finish_starting(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    seed_workflows: Path,
    config_dir: Path,
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """At boot a restored run waits for every entry (its connections) to be set up; stopping
    before that keeps it saved."""
    entry = await setup_entry()
    await hass.services.async_call(
        DOMAIN,
        "run",
        {
            "workflow_id": "raid_workflow",
            "variables": {"raid_target": "friend"},
            "rehearsal": True,
            "virtual_time": False,  # at real speed: it is saved while it waits
        },
        blocking=True,
    )
    await hass.async_block_till_done()
    await hass.async_stop()

    for _ in range(2):  # the second boot proves the first one saved the run again
        context = async_test_home_assistant(
            config_dir=str(config_dir), initial_state=CoreState.not_running
        )
        booting = await context.__aenter__()
        try:
            booting.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            MockConfigEntry(
                domain=DOMAIN,
                data=dict(entry.data),
                options=dict(entry.options),
                entry_id=entry.entry_id,
                unique_id="core",
            ).add_to_hass(booting)
            assert await booting.config_entries.async_setup(entry.entry_id)
            await booting.async_block_till_done()
            sensor = entity_id(booting, "sensor", "raid_workflow_state")
            assert booting.states.get(sensor).state == "wait_for_raid"  # the saved state
            coordinator = booting.config_entries.async_get_entry(entry.entry_id).runtime_data
            assert coordinator.engine.runs() == []  # not resumed before Home Assistant has started
        finally:
            await booting.async_stop(force=True)
            await context.__aexit__(None, None, None)
        assert len(hass_storage[STORAGE_KEY_RUNS]["data"]["runs"]) == 1

    context, started = await start_again(config_dir, entry)
    try:
        sensor = entity_id(started, "sensor", "raid_workflow_state")
        assert started.config_entries.async_get_entry(entry.entry_id).runtime_data.engine.runs()
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(started)
        await started.async_block_till_done()
        assert started.states.get(sensor).state == "succeeded"
    finally:
        await stop(context, started)
