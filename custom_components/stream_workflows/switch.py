"""The switch that is on while a workflow runs: on runs it, off cancels it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import WorkflowCoordinator
from .entity import WorkflowEntity
from .runtime import StreamWorkflowsConfigEntry, coordinator_of

PARALLEL_UPDATES = 0

RUNNING_DESCRIPTION = SwitchEntityDescription(key="running", translation_key="running")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StreamWorkflowsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a switch per workflow, now and for workflows added by a reload."""
    coordinator = coordinator_of(entry)

    @callback
    def add(workflow_ids: Iterable[str]) -> None:
        async_add_entities(WorkflowSwitch(coordinator, workflow_id) for workflow_id in workflow_ids)

    add(list(coordinator.workflows))
    entry.async_on_unload(
        coordinator.async_add_workflows_listener(lambda change: add(change.added))
    )


class WorkflowSwitch(WorkflowEntity, SwitchEntity):
    """On while any run of the workflow is running or paused."""

    def __init__(self, coordinator: WorkflowCoordinator, workflow_id: str) -> None:
        super().__init__(coordinator, workflow_id, RUNNING_DESCRIPTION)

    @property
    def is_on(self) -> bool:
        return self.view.active_runs > 0

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        view = self.view
        return {
            "workflow_id": view.workflow_id,
            "last_triggered": view.last_triggered.isoformat() if view.last_triggered else None,
            "mode": view.mode,
            "current": view.active_runs,
        }

    async def async_turn_on(self, **kwargs: Any) -> None:
        self.coordinator.start(self.workflow_id)

    async def async_turn_off(self, **kwargs: Any) -> None:
        for run in self.coordinator.engine.runs(self.workflow_id):
            run.cancel()
