"""Saving a draft: the one path for the `apply_draft` tool and the Studio's Describe box."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

from .drafts import draft_store

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator


async def async_apply_draft(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, draft_id: str, *, confirmed: bool
) -> dict[str, Any]:
    """Save a confirmed, valid draft (the previous document kept restorable), or the problems."""
    store = draft_store(hass)
    draft, problems = store.ready_to_apply(draft_id, confirmed=confirmed)
    if draft is None:
        return {"saved": False, "problems": problems}
    previous = coordinator.stored_documents.get(draft.workflow_id or "")
    workflow_id = await coordinator.async_save_workflow(draft.definition)
    store.mark_applied(draft, previous)
    return {
        "workflow_id": workflow_id,
        "saved": True,
        "previous_version_kept": previous is not None,
        "service": f"stream_workflows.{workflow_id}",
    }
