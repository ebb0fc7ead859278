"""Set-up, entities and a first run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.stream_workflows.const import DOMAIN


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


async def test_seed_workflows_become_devices_and_entities(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    await setup_entry()
    devices = dr.async_get(hass)
    device = devices.async_get_device(identifiers={(DOMAIN, "raid_workflow")})
    assert device is not None
    assert device.name == "Channel Raid Workflow"
    sensor = entity_id(hass, "sensor", "raid_workflow_state")
    assert hass.states.get(sensor).state == "idle"
    switch = entity_id(hass, "switch", "raid_workflow_running")
    assert hass.states.get(switch).state == "off"
    for key in ("run", "pause", "resume", "cancel"):
        entity_id(hass, "button", f"raid_workflow_{key}")
    assert hass.services.has_service(DOMAIN, "raid_workflow")


async def test_run_waits_and_finishes(
    hass: HomeAssistant,
    seed_workflows: Any,
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry()
    events: list[Any] = []
    hass.bus.async_listen("stream_workflows_run_finished", events.append)
    await hass.services.async_call(
        DOMAIN,
        "run",
        {
            "workflow_id": "raid_workflow",
            "variables": {"raid_target": "friend"},
            "rehearsal": True,
            "virtual_time": False,  # at real speed: the test watches it wait
        },
        blocking=True,
    )
    await hass.async_block_till_done()
    sensor = entity_id(hass, "sensor", "raid_workflow_state")
    state = hass.states.get(sensor)
    assert state.state == "wait_for_raid"
    assert state.attributes["status"] == "running"
    assert "wait_ends_at" in state.attributes
    assert hass.states.get(entity_id(hass, "switch", "raid_workflow_running")).state == "on"
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "succeeded"
    assert events
    assert events[-1].data["status"] == "succeeded"
