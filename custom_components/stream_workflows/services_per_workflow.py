"""One Home Assistant action per workflow (`stream_workflows.<workflow_id>`), as scripts have.

Its fields are the workflow's inputs, described so the automation editor and Assist show them.
Called with a response requested, it waits for the run and returns its outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers.service import async_set_service_schema

from .const import DOMAIN
from .engine import Run, WorkflowDefinition
from .engine.model import InputDef

if TYPE_CHECKING:
    from .manager import WorkflowManager

SELECTORS: dict[str, dict[str, Any]] = {
    "string": {"text": {}},
    "number": {"number": {"mode": "box"}},
    "integer": {"number": {"mode": "box", "step": 1}},
    "boolean": {"boolean": {}},
    "object": {"object": {}},
    "list": {"object": {}},
}


def run_outcome(run: Run) -> dict[str, Any]:
    """The service response describing a run."""
    return {
        "workflow_id": run.definition.id,
        "run_id": run.run_id,
        "status": run.status.value,
        "path": list(run.path),
        "error": run.error.as_dict() if run.error else None,
        "errors": [error.as_dict() for error in run.errors],
        "results": dict(run.results),
        "rehearsal": run.rehearsal,
    }


def register_workflow_service(manager: WorkflowManager, definition: WorkflowDefinition) -> None:
    """Register (or re-describe) the workflow's own action."""
    hass = manager.hass
    workflow_id = definition.id

    async def handle(call: ServiceCall) -> ServiceResponse:
        run = manager.start(workflow_id, dict(call.data))
        if not call.return_response:
            return None
        await run.wait()
        return run_outcome(run)

    if not hass.services.has_service(DOMAIN, workflow_id):
        hass.services.async_register(
            DOMAIN,
            workflow_id,
            handle,
            schema=vol.Schema(dict),
            supports_response=SupportsResponse.OPTIONAL,
        )
    async_set_service_schema(
        hass,
        DOMAIN,
        workflow_id,
        {
            "name": definition.name,
            "description": definition.description or f"Run the workflow {definition.name}.",
            "fields": {name: _field(spec) for name, spec in definition.inputs.items()},
        },
    )


def remove_workflow_service(hass: HomeAssistant, workflow_id: str) -> None:
    """Remove the workflow's own action."""
    hass.services.async_remove(DOMAIN, workflow_id)


def _field(spec: InputDef) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description or "",
        "required": spec.required and not spec.has_default,
        "selector": SELECTORS.get(spec.type or "", {"text": {}}),
    }
    if spec.has_default:
        field["default"] = spec.default
    if spec.example is not None:
        field["example"] = spec.example
    return field
