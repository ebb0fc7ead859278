"""Repairs: a stored workflow that cannot load can be deleted from its Repairs issue.

A file can be fixed in an editor; a workflow stored through `save_workflow` lives in Home
Assistant's storage, so its issue offers the fix itself: confirm, and it is deleted.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult

from .runtime import get_coordinator


class DeleteStoredWorkflowFlow(ConfirmRepairFlow):
    """Confirm, then delete the stored workflow the issue names."""

    def __init__(self, workflow_id: str) -> None:
        super().__init__()
        self.workflow_id = workflow_id

    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> FlowResult:
        if user_input is not None:
            coordinator = get_coordinator(self.hass)
            if self.workflow_id in coordinator.stored_documents:
                await coordinator.async_delete_workflow(self.workflow_id)
            return self.async_create_entry(data={})
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix of an `invalid_stored_workflow` issue."""
    return DeleteStoredWorkflowFlow(str((data or {}).get("workflow_id", "")))
