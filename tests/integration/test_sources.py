"""Workflow files: duplicates, files that are not workflows, and reloading while runs go on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.stream_workflows.const import DOMAIN

from .test_setup import entity_id


def workflow(workflow_id: str, name: str, seconds: float = 0) -> dict[str, Any]:
    return {
        "id": workflow_id,
        "name": name,
        "steps": [
            {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": seconds}}
        ],
    }


async def test_duplicate_ids_raise_an_issue_until_fixed(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    workflow_folder: Path,
    setup_entry: Any,
) -> None:
    write_workflow("a_first.json", workflow("same", "First"))
    second = write_workflow(
        "b_second.yaml",
        "id: same\nname: Second\nsteps:\n  - id: x\n    service: internal\n    action: noop\n",
    )
    write_workflow("notes.txt", "not a workflow")
    write_workflow(".hidden.json", "{not even json")
    await setup_entry()
    issues = ir.async_get(hass)
    issue = issues.async_get_issue(DOMAIN, "invalid_workflow_b_second_yaml")
    assert issue is not None
    assert issue.translation_placeholders["errors"] == (
        "- id: workflow id 'same' is already used by a_first.json"
    )
    assert issues.async_get_issue(DOMAIN, "invalid_workflow_a_first_json") is None
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, "same")})
    assert device is not None
    assert device.name == "First"
    response = await hass.services.async_call(
        DOMAIN, "list", {}, blocking=True, return_response=True
    )
    # Neither the text file nor the hidden file is read as a workflow.
    assert sorted(item["source"] for item in response["workflows"]) == [
        "a_first.json",
        "b_second.yaml",
    ]
    second.rename(workflow_folder / "b_second.yaml.disabled")
    await hass.services.async_call(DOMAIN, "reload", {}, blocking=True)
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, "invalid_workflow_b_second_yaml") is None


async def test_missing_folder_loads_nothing(
    hass: HomeAssistant, workflow_folder: Path, setup_entry: Any
) -> None:
    workflow_folder.rmdir()
    entry = await setup_entry()
    assert entry.runtime_data.workflows == {}
    response = await hass.services.async_call(
        DOMAIN, "list", {}, blocking=True, return_response=True
    )
    assert response["workflows"] == []


async def test_reload_adds_removes_and_changes_workflows(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    write_workflow("keep.json", workflow("keep", "Keep", seconds=30))
    gone = write_workflow("gone.json", workflow("gone", "Gone"))
    write_workflow("change.json", workflow("change", "Change"))
    await setup_entry()
    devices, entities = dr.async_get(hass), er.async_get(hass)
    keep_sensor = entity_id(hass, "sensor", "keep_state")
    gone_sensor = entity_id(hass, "sensor", "gone_state")
    change_sensor = entity_id(hass, "sensor", "change_state")
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "keep"}, blocking=True)
    await hass.async_block_till_done()
    run_id = hass.states.get(keep_sensor).attributes["run_id"]
    assert hass.states.get(keep_sensor).state == "hold"

    gone.unlink()
    write_workflow("change.json", workflow("change", "Changed name", seconds=5))
    write_workflow("added.json", workflow("added", "Added"))
    await hass.services.async_call(DOMAIN, "reload", {}, blocking=True)
    await hass.async_block_till_done()

    # Removed: its action, device and entities are gone.
    assert not hass.services.has_service(DOMAIN, "gone")
    assert devices.async_get_device(identifiers={(DOMAIN, "gone")}) is None
    assert entities.async_get(gone_sensor) is None
    assert hass.states.get(gone_sensor) is None
    # Added: a device with its entities and its action.
    assert hass.services.has_service(DOMAIN, "added")
    added_device = devices.async_get_device(identifiers={(DOMAIN, "added")})
    assert added_device is not None
    assert added_device.name == "Added"
    assert hass.states.get(entity_id(hass, "sensor", "added_state")).state == "idle"
    # Changed: the same entities, the new definition, the device renamed.
    assert entity_id(hass, "sensor", "change_state") == change_sensor
    changed_device = devices.async_get_device(identifiers={(DOMAIN, "change")})
    assert changed_device is not None
    assert changed_device.name == "Changed name"
    assert hass.states.get(change_sensor).attributes["steps"] == 1
    # Unchanged: its run goes on, untouched.
    state = hass.states.get(keep_sensor)
    assert state.state == "hold"
    assert state.attributes["run_id"] == run_id
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = hass.states.get(keep_sensor)
    assert state.state == "succeeded"
    assert state.attributes["run_id"] == run_id
