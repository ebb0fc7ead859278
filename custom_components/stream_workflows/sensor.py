"""The sensor mirroring where a workflow's engine is: a state or step name, or a status."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .connections import KIND_OBS, entry_kind
from .const import STATUSES
from .entity import WorkflowEntity
from .hass_setup import StreamWorkflowsConfigEntry
from .manager import WorkflowManager
from .obs_entity import ObsEntity

PARALLEL_UPDATES = 0

STATE_DESCRIPTION = SensorEntityDescription(
    key="state",
    translation_key="workflow_state",
    device_class=SensorDeviceClass.ENUM,
)

SCENE_DESCRIPTION = SensorEntityDescription(key="scene", translation_key="obs_scene")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StreamWorkflowsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a state sensor per workflow (core entry), or OBS's scene sensor (OBS entry)."""
    if entry_kind(entry) == KIND_OBS:
        async_add_entities([ObsSceneSensor(entry, entry.runtime_data, SCENE_DESCRIPTION)])
        return
    manager = entry.runtime_data

    @callback
    def add(workflow_ids: list[str]) -> None:
        async_add_entities(
            WorkflowStateSensor(manager, workflow_id) for workflow_id in workflow_ids
        )

    add(list(manager.workflows))
    entry.async_on_unload(manager.async_add_workflows_listener(add))


class WorkflowStateSensor(WorkflowEntity, SensorEntity):
    """`idle`, a state/step name while running, or `paused`/`succeeded`/`failed`/`cancelled`."""

    def __init__(self, manager: WorkflowManager, workflow_id: str) -> None:
        super().__init__(manager, workflow_id, STATE_DESCRIPTION)

    @property
    def options(self) -> list[str]:
        definition = self.manager.workflows.get(self.workflow_id)
        steps = list(definition.all_steps()) if definition else []
        return [*STATUSES, *(step for step in steps if step not in STATUSES)]

    @property
    def native_value(self) -> str:
        return self.view.state

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        view = self.view
        attributes: dict[str, Any] = {
            "workflow_id": view.workflow_id,
            "status": view.status,
            "run_id": view.run_id,
            "step": view.step,
            "step_index": view.step_index,
            "steps": view.steps,
            "last_error": view.last_error,
            "started_at": view.started_at.isoformat() if view.started_at else None,
            "inputs": view.inputs,
        }
        if view.wait_ends_at is not None:
            attributes["wait_ends_at"] = view.wait_ends_at.isoformat()
            attributes["wait_total"] = view.wait_total
        return attributes


class ObsSceneSensor(ObsEntity, SensorEntity):
    """The scene OBS has on program."""

    @property
    def available(self) -> bool:
        return self.link.snapshot.connected

    @property
    def native_value(self) -> str | None:
        return self.link.snapshot.scene_name
