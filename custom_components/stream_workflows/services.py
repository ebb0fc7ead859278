"""The integration's generic actions: run, pause, resume, cancel, reload, list, and storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import voluptuous as vol
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.util.json import JsonValueType

from .const import (
    ATTR_DEFINITION,
    ATTR_REHEARSAL,
    ATTR_VARIABLES,
    ATTR_WAIT,
    ATTR_WORKFLOW_ID,
    DOMAIN,
    SERVICE_CANCEL,
    SERVICE_DELETE_WORKFLOW,
    SERVICE_LIST,
    SERVICE_PAUSE,
    SERVICE_RELOAD,
    SERVICE_RESUME,
    SERVICE_RUN,
    SERVICE_SAVE_WORKFLOW,
)
from .services_per_workflow import run_outcome

if TYPE_CHECKING:
    from .manager import WorkflowManager

TARGET_FIELDS: dict[Any, Any] = {
    vol.Optional(ATTR_WORKFLOW_ID): vol.Any(cv.string, [cv.string]),
    vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
}
CONTROL_SCHEMA = vol.All(
    vol.Schema(TARGET_FIELDS), cv.has_at_least_one_key(ATTR_WORKFLOW_ID, ATTR_ENTITY_ID)
)
RUN_SCHEMA = vol.All(
    vol.Schema(
        {
            **TARGET_FIELDS,
            vol.Optional(ATTR_VARIABLES, default=dict): dict,
            vol.Optional(ATTR_REHEARSAL, default=False): cv.boolean,
            vol.Optional(ATTR_WAIT, default=False): cv.boolean,
        }
    ),
    cv.has_at_least_one_key(ATTR_WORKFLOW_ID, ATTR_ENTITY_ID),
)
SAVE_SCHEMA = vol.Schema({vol.Required(ATTR_DEFINITION): dict})
DELETE_SCHEMA = vol.Schema({vol.Required(ATTR_WORKFLOW_ID): cv.string})


def core_manager(hass: HomeAssistant) -> WorkflowManager | None:
    """The manager of the loaded core entry, if any."""
    from .manager import WorkflowManager

    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        manager = getattr(entry, "runtime_data", None)
        if isinstance(manager, WorkflowManager):
            return manager
    return None


def get_manager(hass: HomeAssistant) -> WorkflowManager:
    """The loaded manager; a translated error when the integration is not set up."""
    manager = core_manager(hass)
    if manager is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_loaded")
    return manager


def _workflow_ids(hass: HomeAssistant, manager: WorkflowManager, data: dict[str, Any]) -> list[str]:
    """Workflow ids named directly, or through any of their entities."""
    ids: list[str] = []
    named = data.get(ATTR_WORKFLOW_ID)
    if named is not None:
        ids.extend([named] if isinstance(named, str) else named)
    registry = er.async_get(hass)
    for entity_id in data.get(ATTR_ENTITY_ID, []):
        entry = registry.async_get(entity_id)
        if entry is None or entry.platform != DOMAIN or entry.device_id is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_workflow_entity",
                translation_placeholders={"entity_id": entity_id},
            )
        workflow_id = next(
            (
                wid
                for wid in manager.workflows
                if entry.unique_id.startswith(f"{wid}_")
                and entry.unique_id[len(wid) + 1 :]
                in ("state", "running", "run", "pause", "resume", "cancel")
            ),
            None,
        )
        if workflow_id is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_workflow_entity",
                translation_placeholders={"entity_id": entity_id},
            )
        ids.append(workflow_id)
    for workflow_id in ids:
        manager.definition(workflow_id)  # unknown ids fail before anything starts
    return list(dict.fromkeys(ids))


def async_register_services(hass: HomeAssistant) -> None:
    """Register the generic actions (once, from `async_setup`)."""

    async def run(call: ServiceCall) -> ServiceResponse:
        manager = get_manager(hass)
        ids = _workflow_ids(hass, manager, dict(call.data))
        runs = [
            manager.start(
                workflow_id,
                dict(call.data[ATTR_VARIABLES]),
                rehearsal=call.data[ATTR_REHEARSAL],
            )
            for workflow_id in ids
        ]
        if call.data[ATTR_WAIT]:
            for started in runs:
                await started.wait()
        if not call.return_response:
            return None
        return {"runs": [run_outcome(started) for started in runs]}

    def control(method: str) -> Any:
        async def handle(call: ServiceCall) -> None:
            manager = get_manager(hass)
            for workflow_id in _workflow_ids(hass, manager, dict(call.data)):
                getattr(manager, method)(workflow_id)

        return handle

    async def reload(call: ServiceCall) -> None:
        await get_manager(hass).async_reload()

    async def list_workflows(call: ServiceCall) -> ServiceResponse:
        manager = get_manager(hass)
        workflows: list[dict[str, Any]] = []
        for source in manager.sources:
            definition = source.definition
            view = manager.views.get(definition.id) if definition else None
            workflows.append(
                {
                    "workflow_id": definition.id if definition else None,
                    "name": definition.name if definition else None,
                    "source": source.label,
                    "valid": source.valid,
                    "errors": [problem.format() for problem in source.errors],
                    "status": view.status if view else None,
                    "state": view.state if view else None,
                }
            )
        return {"workflows": cast(list[JsonValueType], workflows)}

    async def save_workflow(call: ServiceCall) -> ServiceResponse:
        workflow_id = await get_manager(hass).async_save_workflow(dict(call.data[ATTR_DEFINITION]))
        return {"workflow_id": workflow_id}

    async def delete_workflow(call: ServiceCall) -> None:
        await get_manager(hass).async_delete_workflow(call.data[ATTR_WORKFLOW_ID])

    hass.services.async_register(
        DOMAIN, SERVICE_RUN, run, schema=RUN_SCHEMA, supports_response=SupportsResponse.OPTIONAL
    )
    for name in (SERVICE_PAUSE, SERVICE_RESUME, SERVICE_CANCEL):
        hass.services.async_register(DOMAIN, name, control(name), schema=CONTROL_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_RELOAD, reload, schema=vol.Schema({}))
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST,
        list_workflows,
        schema=vol.Schema({}),
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SAVE_WORKFLOW,
        save_workflow,
        schema=SAVE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_DELETE_WORKFLOW, delete_workflow, schema=DELETE_SCHEMA
    )
