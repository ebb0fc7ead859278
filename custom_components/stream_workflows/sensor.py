"""The sensor mirroring where a workflow's engine is: a state or step name, or a status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .bounded import bound_attribute
from .connections import KIND_OBS, entry_kind
from .const import STATUSES
from .coordinator import WorkflowCoordinator
from .engine import WorkflowDefinition
from .entity import WorkflowEntity
from .obs_entity import ObsEntity
from .runtime import StreamWorkflowsConfigEntry, coordinator_of, obs_link_of

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
        async_add_entities([ObsSceneSensor(entry, obs_link_of(entry), SCENE_DESCRIPTION)])
        return
    coordinator = coordinator_of(entry)

    @callback
    def add(workflow_ids: Iterable[str]) -> None:
        async_add_entities(
            WorkflowStateSensor(coordinator, workflow_id) for workflow_id in workflow_ids
        )

    add(list(coordinator.workflows))
    entry.async_on_unload(
        coordinator.async_add_workflows_listener(lambda change: add(change.added))
    )


class WorkflowStateSensor(WorkflowEntity, SensorEntity):
    """`idle`, a state/step name while running, or `paused`/`succeeded`/`failed`/`cancelled`."""

    def __init__(self, coordinator: WorkflowCoordinator, workflow_id: str) -> None:
        super().__init__(coordinator, workflow_id, STATE_DESCRIPTION)
        self._options: list[str] = []
        self._options_for: WorkflowDefinition | None = None

    @property
    def options(self) -> list[str]:
        # Read at every write (Home Assistant checks the state against it): computed once per
        # definition, so a transition costs the same whatever the workflow's size.
        definition = self.coordinator.workflows.get(self.workflow_id)
        if definition is not self._options_for or not self._options:
            steps = list(definition.all_steps()) if definition else []
            self._options = [*STATUSES, *(step for step in steps if step not in STATUSES)]
            self._options_for = definition
        return self._options

    @property
    def native_value(self) -> str:
        return self.view.state

    def _shown(self, value: Any) -> Any:
        """What an attribute may hold of a run's value: secrets redacted, long values
        shortened (the state machine and the recorder keep every attribute; the run's
        history keeps the whole value)."""
        if value is None or value == {}:
            # Most runs have no error and most workflows no inputs: nothing to walk (every
            # run's write). A new empty mapping: the attribute shares nothing with the view.
            return None if value is None else {}
        return bound_attribute(self.coordinator.secrets.redact_data(value))

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        view = self.view
        last_error, last_handled = view.last_error, view.last_handled_error
        attributes: dict[str, Any] = {
            "workflow_id": view.workflow_id,
            "status": view.status,
            "run_id": view.run_id,
            "step": view.step,
            "step_index": view.step_index,
            "steps": view.steps,
            # most runs have no error: no call to show none (every run's write)
            "last_error": None if last_error is None else self._shown(last_error),
            "handled_errors": view.handled_errors,
            "last_handled_error": None if last_handled is None else self._shown(last_handled),
            "rehearsal": view.rehearsal,
            "started_at": view.started_at.isoformat() if view.started_at else None,
            "finished_at": view.finished_at.isoformat() if view.finished_at else None,
            "inputs": self._shown(view.inputs),
        }
        if view.wait_ends_at is not None:
            attributes["wait_ends_at"] = view.wait_ends_at.isoformat()
            attributes["wait_total"] = view.wait_total
        elif view.wait_remaining is not None:
            attributes["wait_remaining"] = round(view.wait_remaining, 1)
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
