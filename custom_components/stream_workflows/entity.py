"""The base of every workflow entity: one device per workflow, pushed updates, no polling."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN
from .coordinator import WorkflowCoordinator, device_model
from .live_views import WorkflowView


class WorkflowEntity(Entity):
    """An entity of one workflow; its state comes from the coordinator's `WorkflowView`."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    # Buttons show nothing of a run, so they need no update on each transition.
    _follows_runs = True

    def __init__(
        self, coordinator: WorkflowCoordinator, workflow_id: str, description: EntityDescription
    ) -> None:
        self.coordinator = coordinator
        self.workflow_id = workflow_id
        self.entity_description = description
        self._attr_unique_id = f"{workflow_id}_{description.key}"
        view = coordinator.views[workflow_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, workflow_id)},
            name=view.name,
            manufacturer="Stream Workflows",
            model=device_model(coordinator.workflows[workflow_id]),
            entry_type=DeviceEntryType.SERVICE,
        )

    @property
    def view(self) -> WorkflowView:
        return self.coordinator.views[self.workflow_id]

    @property
    def available(self) -> bool:
        return self.workflow_id in self.coordinator.views

    async def async_added_to_hass(self) -> None:
        if not self._follows_runs:
            return
        self.async_on_remove(
            self.coordinator.async_add_view_listener(self.workflow_id, self.async_write_ha_state)
        )
