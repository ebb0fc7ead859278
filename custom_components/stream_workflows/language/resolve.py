"""Finding a workflow by its id or its name, as a person says it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.util import slugify

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator


def find_workflow(coordinator: WorkflowCoordinator, ref: str) -> str | None:
    """The workflow id `ref` names (an id, a name, or a name without 'workflow')."""
    if ref in coordinator.workflows:
        return ref
    wanted = slugify(ref)
    trimmed = slugify(ref.lower().removesuffix("workflow").removeprefix("the "))
    for workflow_id, definition in coordinator.workflows.items():
        names = {workflow_id, slugify(definition.name)}
        if wanted in names or trimmed in names or trimmed == slugify(workflow_id.split("_")[0]):
            return workflow_id
    return None
