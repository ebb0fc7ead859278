"""The integration's generic actions: run, pause, resume, cancel, reload, list, and storage.

What a call's schema can know is checked by the schema, so that every caller gets a
validation error naming the field (the REST API a 400, not a 500 with a traceback): unknown
workflow ids, entities that are not a workflow's, `workflow_id` together with `entity_id`, and
the run's variables against the workflow's inputs. What depends on state (pausing a workflow
that is not running) is a translated `ServiceValidationError` raised by the coordinator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import voluptuous as vol
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
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
from .language.draft_action import async_register_draft_action
from .run_errors import run_failure
from .runtime import core_coordinator, get_coordinator
from .services_per_workflow import check_inputs, run_outcome
from .workflow_devices import entity_workflow

if TYPE_CHECKING:
    from .coordinator import WorkflowCoordinator

ATTR_VIRTUAL_TIME = "virtual_time"
TARGET_FIELDS: dict[Any, Any] = {
    vol.Optional(ATTR_WORKFLOW_ID): vol.Any(cv.string, [cv.string]),
    vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
}
ATTR_SOURCE = "source"
RUN_SOURCES = ("deck", "dashboard", "panel", "automation", "voice")  # run history's trigger
RUN_FIELDS: dict[Any, Any] = {
    **TARGET_FIELDS,
    vol.Optional(ATTR_VARIABLES, default=dict): dict,
    vol.Optional(ATTR_REHEARSAL, default=False): cv.boolean,
    vol.Optional(ATTR_VIRTUAL_TIME, default=True): cv.boolean,
    vol.Optional(ATTR_WAIT, default=False): cv.boolean,
    vol.Optional(ATTR_SOURCE): vol.In(RUN_SOURCES),
}
ONE_TARGET = (
    cv.has_at_least_one_key(ATTR_WORKFLOW_ID, ATTR_ENTITY_ID),
    cv.has_at_most_one_key(ATTR_WORKFLOW_ID, ATTR_ENTITY_ID),
)
SAVE_SCHEMA = vol.Schema({vol.Required(ATTR_DEFINITION): dict})
DELETE_SCHEMA = vol.Schema({vol.Required(ATTR_WORKFLOW_ID): cv.string})


def _workflow_ids(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, data: dict[str, Any]
) -> list[str]:
    """Workflow ids named directly, or through any of their entities; `vol.Invalid` naming
    the field for an unknown id or an entity that is not a workflow's."""
    ids: list[str] = []
    named = data.get(ATTR_WORKFLOW_ID)
    if named is not None:
        for workflow_id in [named] if isinstance(named, str) else named:
            if workflow_id not in coordinator.workflows:
                known = ", ".join(sorted(coordinator.workflows)) or "none"
                raise vol.Invalid(
                    f"there is no valid workflow with the id {workflow_id} (workflows: {known})",
                    path=[ATTR_WORKFLOW_ID],
                )
            ids.append(workflow_id)
    for entity_id in data.get(ATTR_ENTITY_ID, []):
        workflow_id = entity_workflow(hass, entity_id, coordinator.workflows)
        if workflow_id is None:
            raise vol.Invalid(
                f"{entity_id} is not an entity of a Stream Workflows workflow",
                path=[ATTR_ENTITY_ID],
            )
        ids.append(workflow_id)
    return list(dict.fromkeys(ids))


def _targets_validator(hass: HomeAssistant, *, variables: bool) -> Callable[[Any], Any]:
    """Checks the targets (and a run's variables) against the workflows loaded now."""

    def validate(data: dict[str, Any]) -> dict[str, Any]:
        coordinator = core_coordinator(hass)
        if coordinator is None:
            return data  # the action says "not set up" (a translated error)
        for workflow_id in _workflow_ids(hass, coordinator, data):
            if variables:
                check_inputs(
                    coordinator.workflows[workflow_id],
                    coordinator.engine.globals,
                    data[ATTR_VARIABLES],
                    ATTR_VARIABLES,
                )
        return data

    return validate


# Each schema is a `vol.Schema` around its `vol.All`: a bare `All`, called as a schema,
# compiles every part again at each call (voluptuous 0.15); inside a `Schema` it is compiled
# once (a sixth of an action's cost, measured through `stream_workflows.run`).


def control_schema(hass: HomeAssistant) -> vol.Schema:
    """pause / resume / cancel: one workflow (or several), by id or by entity."""
    return vol.Schema(
        vol.All(vol.Schema(TARGET_FIELDS), *ONE_TARGET, _targets_validator(hass, variables=False))
    )


def run_schema(hass: HomeAssistant) -> vol.Schema:
    """run: the targets, and variables that are the workflow's inputs."""
    return vol.Schema(
        vol.All(vol.Schema(RUN_FIELDS), *ONE_TARGET, _targets_validator(hass, variables=True))
    )


def async_register_services(hass: HomeAssistant) -> None:
    """Register the generic actions (once, from `async_setup`)."""

    async def run(call: ServiceCall) -> ServiceResponse:
        coordinator = get_coordinator(hass)
        ids = _workflow_ids(hass, coordinator, dict(call.data))
        runs = [
            coordinator.start(
                workflow_id,
                dict(call.data[ATTR_VARIABLES]),
                rehearsal=call.data[ATTR_REHEARSAL],
                virtual_time=call.data[ATTR_VIRTUAL_TIME],
                trigger={"source": call.data[ATTR_SOURCE]} if ATTR_SOURCE in call.data else None,
            )
            for workflow_id in ids
        ]
        if call.data[ATTR_WAIT]:
            for started in runs:
                await started.wait()
        # Answered once the disk agrees: a crash right after the answer can neither lose a
        # run the caller was told had started nor bring back one it was told had ended.
        await coordinator.run_store.agreed(runs)
        if not call.return_response:
            # A script that waited fails as its run did: nothing else would tell it.
            for started in runs if call.data[ATTR_WAIT] else ():
                if (failure := run_failure(started, coordinator.secrets.redact)) is not None:
                    raise failure
            return None
        return {"runs": [run_outcome(coordinator, started) for started in runs]}

    def control(method: str) -> Any:
        async def handle(call: ServiceCall) -> None:
            coordinator = get_coordinator(hass)
            for workflow_id in _workflow_ids(hass, coordinator, dict(call.data)):
                getattr(coordinator, method)(workflow_id)

        return handle

    async def reload(call: ServiceCall) -> None:
        await get_coordinator(hass).async_reload()

    async def list_workflows(call: ServiceCall) -> ServiceResponse:
        coordinator = get_coordinator(hass)
        workflows: list[dict[str, Any]] = []
        for source in coordinator.sources:
            definition = source.definition
            view = coordinator.views.get(definition.id) if definition else None
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
        workflow_id = await get_coordinator(hass).async_save_workflow(
            dict(call.data[ATTR_DEFINITION])
        )
        return {"workflow_id": workflow_id}

    async def delete_workflow(call: ServiceCall) -> None:
        await get_coordinator(hass).async_delete_workflow(call.data[ATTR_WORKFLOW_ID])

    hass.services.async_register(
        DOMAIN,
        SERVICE_RUN,
        run,
        schema=run_schema(hass),
        supports_response=SupportsResponse.OPTIONAL,
    )
    for name in (SERVICE_PAUSE, SERVICE_RESUME, SERVICE_CANCEL):
        hass.services.async_register(DOMAIN, name, control(name), schema=control_schema(hass))
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
    async_register_draft_action(hass)  # language/: a sentence → a draft (AI Task)
