"""Run, pause, resume and cancel buttons for phone dashboards."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import WorkflowCoordinator
from .entity import WorkflowEntity
from .runtime import StreamWorkflowsConfigEntry, coordinator_of

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WorkflowButtonDescription(ButtonEntityDescription):
    """A button and what pressing it does."""

    press: Callable[[WorkflowCoordinator, str], object]


BUTTONS: tuple[WorkflowButtonDescription, ...] = (
    WorkflowButtonDescription(
        key="run", translation_key="run", press=lambda coordinator, wid: coordinator.start(wid)
    ),
    WorkflowButtonDescription(
        key="pause", translation_key="pause", press=lambda coordinator, wid: coordinator.pause(wid)
    ),
    WorkflowButtonDescription(
        key="resume",
        translation_key="resume",
        press=lambda coordinator, wid: coordinator.resume(wid),
    ),
    WorkflowButtonDescription(
        key="cancel",
        translation_key="cancel",
        press=lambda coordinator, wid: coordinator.cancel(wid),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StreamWorkflowsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the four buttons per workflow, now and for workflows added by a reload."""
    coordinator = coordinator_of(entry)

    @callback
    def add(workflow_ids: Iterable[str]) -> None:
        async_add_entities(
            WorkflowButton(coordinator, workflow_id, description)
            for workflow_id in workflow_ids
            for description in BUTTONS
        )

    add(list(coordinator.workflows))
    entry.async_on_unload(
        coordinator.async_add_workflows_listener(lambda change: add(change.added))
    )


class WorkflowButton(WorkflowEntity, ButtonEntity):
    """One control of a workflow."""

    entity_description: WorkflowButtonDescription
    _follows_runs = False

    def __init__(
        self,
        coordinator: WorkflowCoordinator,
        workflow_id: str,
        description: WorkflowButtonDescription,
    ) -> None:
        super().__init__(coordinator, workflow_id, description)

    async def async_press(self) -> None:
        self.entity_description.press(self.coordinator, self.workflow_id)
