"""One Home Assistant action per workflow (`stream_workflows.<workflow_id>`), as scripts have.

Its fields are the workflow's inputs: the declared ones and the derived ones (names the
workflow reads with `${...}` that nothing defines, such as the seed raid's `${raid_target}`),
described so the automation editor and Assist show them. Its schema checks them before a run
starts: unknown fields, wrong types and missing required inputs are `vol.Invalid`, which every
caller gets as a validation error (the REST API as a 400). Called with a response requested,
it waits for the run and returns its outcome.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.core import (
    CALLBACK_TYPE,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers.service import async_set_service_schema

from .const import DOMAIN
from .engine import Run, WorkflowDefinition
from .engine.inputs import selector_for, type_matches
from .engine.model import InputDef
from .engine.references import DerivedInput, derived_inputs
from .run_errors import run_failure

if TYPE_CHECKING:
    from .coordinator import WorkflowCoordinator, WorkflowsChanged


@callback
def async_track_workflow_services(coordinator: WorkflowCoordinator) -> CALLBACK_TYPE:
    """Keep one action per loaded workflow: register them now, then follow every reload
    (installed workflows are registered or re-described, removed ones go). Returns the
    remover of the hook; the coordinator's stop removes the actions themselves."""
    for definition in coordinator.workflows.values():
        register_workflow_service(coordinator, definition)

    @callback
    def changed(change: WorkflowsChanged) -> None:
        for workflow_id in change.removed:
            remove_workflow_service(coordinator.hass, workflow_id)
        for workflow_id in change.installed:
            if (definition := coordinator.workflows.get(workflow_id)) is not None:
                register_workflow_service(coordinator, definition)

    return coordinator.async_add_workflows_listener(changed)


def run_outcome(coordinator: WorkflowCoordinator, run: Run) -> dict[str, Any]:
    """The service response describing a run; a rehearsal lists the calls it recorded."""
    outcome: dict[str, Any] = {
        "workflow_id": run.definition.id,
        "run_id": run.run_id,
        "status": run.status.value,
        "path": list(run.path),
        "error": run.error.as_dict() if run.error else None,
        "errors": [error.as_dict() for error in run.errors],
        "results": dict(run.results),
        "rehearsal": run.rehearsal,
        # Why it failed, for people (translated); `error` is what templates read.
        "message": str(failure)
        if (failure := run_failure(run, coordinator.secrets.redact))
        else None,
    }
    if run.rehearsal:
        outcome["calls"] = coordinator.rehearsal_calls(run)
        outcome["error"] = outcome["error"] or coordinator.rehearsal_limited(run)
    return outcome


def check_inputs(
    definition: WorkflowDefinition, shared: Iterable[str], given: Any, where: str = ""
) -> dict[str, Any]:
    """`given` as the workflow's inputs, or `vol.Invalid` naming every field with a problem.

    Known names are the declared and derived inputs, the workflow's own variables (a run may
    override them) and the shared variables of the integration's options."""
    prefix = f"{where}." if where else ""
    if not isinstance(given, Mapping):
        raise vol.Invalid(f"{where or 'data'}: expected a mapping of input names to values")
    shared = set(shared)
    derived = derived_inputs(definition, shared)
    known = {*definition.inputs, *derived, *definition.variables, *shared}
    problems: list[str] = []
    for name in given:
        if name not in known:
            listed = ", ".join(sorted({*definition.inputs, *derived})) or "none"
            problems.append(
                f"{prefix}{name}: '{definition.id}' has no input '{name}' (its inputs: {listed})"
            )
    for name, spec in definition.inputs.items():
        if name in given:
            if not type_matches(spec.type, given[name]):
                kind = f"{'an' if spec.type in ('integer', 'object') else 'a'} {spec.type}"
                problems.append(f"{prefix}{name}: must be {kind}, got {_shown(given[name])}")
        elif spec.required and not spec.has_default:
            problems.append(f"{prefix}{name}: required input is missing")
    for name in derived:
        if name not in given:
            problems.append(f"{prefix}{name}: required input is missing (the workflow uses it)")
    if problems:
        raise vol.Invalid("; ".join(problems))
    return dict(given)


def register_workflow_service(
    coordinator: WorkflowCoordinator, definition: WorkflowDefinition
) -> None:
    """Register (or re-describe) the workflow's own action."""
    hass = coordinator.hass
    workflow_id = definition.id

    async def handle(call: ServiceCall) -> ServiceResponse:
        run = coordinator.start(workflow_id, dict(call.data))
        if call.return_response:
            await run.wait()
        await coordinator.run_store.agreed([run])  # as the `run` action: the disk agrees
        return run_outcome(coordinator, run) if call.return_response else None

    if not hass.services.has_service(DOMAIN, workflow_id):
        hass.services.async_register(
            DOMAIN,
            workflow_id,
            handle,
            # compiled once (a bare `vol.All` compiles its parts at every call)
            schema=vol.Schema(_inputs_validator(coordinator, workflow_id)),
            supports_response=SupportsResponse.OPTIONAL,
        )
    shared = coordinator.engine.globals
    fields: dict[str, Any] = {name: _field(spec) for name, spec in definition.inputs.items()}
    for name, derived in derived_inputs(definition, shared).items():
        fields[name] = _derived_field(derived)
    async_set_service_schema(
        hass,
        DOMAIN,
        workflow_id,
        {
            "name": definition.name,
            "description": definition.description or f"Run the workflow {definition.name}.",
            "fields": fields,
        },
    )


def remove_workflow_service(hass: HomeAssistant, workflow_id: str) -> None:
    """Remove the workflow's own action."""
    hass.services.async_remove(DOMAIN, workflow_id)


def _inputs_validator(coordinator: WorkflowCoordinator, workflow_id: str) -> Callable[[Any], Any]:
    """Checks a call against the workflow as it is now (a reload may change its inputs)."""

    def validate(data: Any) -> Any:
        definition = coordinator.workflows.get(workflow_id)
        if definition is None:
            raise vol.Invalid(f"there is no valid workflow with the id {workflow_id}")
        return check_inputs(definition, coordinator.engine.globals, data)

    return validate


def _field(spec: InputDef) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description or "",
        "required": spec.required and not spec.has_default,
        "selector": selector_for(spec.type),
    }
    if spec.has_default:
        field["default"] = spec.default
    if spec.example is not None:
        field["example"] = spec.example
    return field


def _derived_field(derived: DerivedInput) -> dict[str, Any]:
    # The workflow's own words: the paths it reads the value by.
    uses = ", ".join(f"${{{path}}}" for path in derived.paths)
    return {
        "name": derived.name,
        "description": f"Used by the workflow as {uses}.",
        "required": True,
        "selector": {"object": {}} if derived.nested else {"text": {}},
    }


def _shown(value: Any) -> str:
    """A given value in an error message, short whatever its size (a 1 MB input included)."""
    try:
        return reprlib.Repr(maxstring=60, maxother=60, maxlong=40).repr(value)
    except ValueError:  # an integer past Python's digit limit
        return "a very long number"
