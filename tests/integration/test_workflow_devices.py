"""Actions targeted at entities find the workflow through the registries, not the unique id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.workflow_devices import device_identifier, entity_workflow

from .test_setup import entity_id

SEEDS = {"raid_workflow", "stream_end_processing", "stream_start_sequence"}


async def test_every_workflow_entity_resolves_to_its_workflow(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    entry = await setup_entry()
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    found: dict[str, set[str]] = {}
    for registered in entities:
        workflow_id = entity_workflow(hass, registered.entity_id, SEEDS)
        assert workflow_id is not None, registered.entity_id
        assert device_identifier(hass, registered.device_id) == workflow_id
        found.setdefault(workflow_id, set()).add(registered.domain)
    assert found == {seed: {"sensor", "switch", "button"} for seed in SEEDS}
    assert entity_workflow(hass, "sun.sun", SEEDS) is None
    assert entity_workflow(hass, "sensor.nothing_here", SEEDS) is None


async def test_a_renamed_entity_still_targets_its_workflow(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    await setup_entry()
    registry = er.async_get(hass)
    registry.async_update_entity(
        entity_id(hass, "sensor", "raid_workflow_state"), new_entity_id="sensor.my_raid"
    )
    await hass.async_block_till_done()
    # Found: the coordinator then says the workflow is not running (not "not a workflow's").
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "cancel", {"entity_id": ["sensor.my_raid"]}, blocking=True
        )


async def test_an_entity_on_another_device_is_refused_whatever_its_unique_id(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    entry = await setup_entry()
    # A connection's device (as OBS and Twitch have), holding an entity whose unique id
    # reads like a workflow's: only its device says whose it is.
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "01CONNECTIONENTRY")}
    )
    other = er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, "raid_workflow_run", device_id=device.id, config_entry=entry
    )
    assert entity_workflow(hass, other.entity_id, SEEDS) is None
    with pytest.raises(vol.Invalid, match="is not an entity of a Stream Workflows workflow"):
        await hass.services.async_call(
            DOMAIN, "cancel", {"entity_id": [other.entity_id]}, blocking=True
        )
