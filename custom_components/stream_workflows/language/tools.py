"""The Stream Workflows tools (DESIGN §11): read, draft, rehearse, apply, control."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.core import HomeAssistant

from ..engine import RehearsalPlan
from ..engine.rehearse import rehearse
from .applying import async_apply_draft
from .checking import async_check, parse_definition, problem
from .describe import capabilities, describe_graph
from .drafts import draft_store
from .operations import OPS, OperationError, apply_operations
from .resolve import find_workflow
from .tool_base import WorkflowTool

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator

REF = vol.All(str, vol.Length(min=1, max=200))
MAX_OPERATIONS = 50


def _unknown(ref: str) -> dict[str, Any]:
    return {"problems": [problem("workflow_id", f"no workflow named '{ref}'")]}


class ListWorkflows(WorkflowTool):
    name = "list_workflows"
    description = "List the Stream Workflows workflows: id, name, shape and what each is doing."
    parameters = vol.Schema({})

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "workflows": [
                {
                    "workflow_id": wid,
                    "name": d.name,
                    "description": d.description,
                    "shape": d.shape.value,
                    "state": coordinator.views[wid].state if wid in coordinator.views else None,
                    "editable": wid in coordinator.stored_documents,
                }
                for wid, d in coordinator.workflows.items()
            ]
        }


class GetWorkflow(WorkflowTool):
    name = "get_workflow"
    description = "Get one workflow's definition and a short description of its graph."
    parameters = vol.Schema({vol.Required("workflow_id", description="id or name"): REF})

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        wid = find_workflow(coordinator, args["workflow_id"])
        if wid is None:
            return _unknown(args["workflow_id"])
        definition = coordinator.workflows[wid]
        return {
            "workflow_id": wid,
            "definition": dict(definition.raw),
            "graph": describe_graph(definition),
            "editable": wid in coordinator.stored_documents,
        }


class DescribeCapabilities(WorkflowTool):
    name = "describe_capabilities"
    description = (
        "What workflows can do: every service's actions with parameters and results, live OBS "
        "scene and input names, Discord channels, and the Home Assistant entities exposed to "
        "the assistant, plus how a definition is written. Call this before drafting."
    )
    parameters = vol.Schema(
        {vol.Optional("service"): vol.In(["internal", "homeassistant", "obs", "twitch", "discord"])}
    )

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        return await capabilities(hass, coordinator, args.get("service"))


async def _draft_result(
    hass: HomeAssistant,
    coordinator: WorkflowCoordinator,
    document: dict[str, Any],
    based_on: str | None,
    origin: str = "conversation",
) -> dict[str, Any]:
    definition, problems = await async_check(hass, coordinator, document)
    graph = describe_graph(definition) if definition is not None else ""
    wid = document.get("id") if isinstance(document.get("id"), str) else None
    draft = draft_store(hass).add(
        document, problems, workflow_id=wid, based_on=based_on, origin=origin, description=graph
    )
    result: dict[str, Any] = {
        "draft_id": draft.draft_id,
        "valid": draft.valid,
        "problems": problems,
    }
    if graph:
        result["graph"] = graph
        result["replaces_existing"] = wid in coordinator.workflows
    return result


async def async_draft(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, value: Any, origin: str
) -> dict[str, Any]:
    """A draft from a definition (object or text), or the problems: for tools and actions."""
    document, problems = parse_definition(value)
    if document is None:
        return {"valid": False, "problems": problems}
    return await _draft_result(hass, coordinator, document, None, origin)


class DraftWorkflow(WorkflowTool):
    name = "draft_workflow"
    description = (
        "Check a whole workflow definition and keep it as a draft. Returns a draft_id and the "
        "graph, or located problems {path, message} to repair and draft again. Nothing is saved."
    )
    parameters = vol.Schema(
        {
            vol.Required(
                "definition", description="the workflow definition object (or JSON/YAML text)"
            ): vol.Any(dict, str)
        }
    )

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        return await async_draft(hass, coordinator, args["definition"], "conversation")


OPERATION = vol.Schema(
    {
        vol.Required("op", description="set | remove | append | rename_state"): vol.In(OPS),
        vol.Optional(
            "path", description="dotted path, e.g. states.pause.action.params.seconds or steps[2]"
        ): vol.All(str, vol.Length(max=300)),
        vol.Optional("value"): object,
        vol.Optional("position"): int,
        vol.Optional("old"): str,
        vol.Optional("new"): str,
    }
)


class ChangeWorkflow(WorkflowTool):
    name = "change_workflow"
    description = (
        "Change an existing workflow (or a draft) with small operations: set a value (a parameter, "
        "a transition, mode, trigger, inputs), remove one, append a state or step, rename a state. "
        "Lists are addressed by index or by a state's name / step's id. Returns a new draft or "
        "located problems. Nothing is saved."
    )
    parameters = vol.Schema(
        {
            vol.Optional("workflow_id", description="id or name of the workflow to change"): REF,
            vol.Optional("draft_id"): REF,
            vol.Required("operations"): vol.All([OPERATION], vol.Length(min=1, max=MAX_OPERATIONS)),
        }
    )

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        if "draft_id" in args:
            draft = draft_store(hass).get(args["draft_id"])
            if draft is None:
                return {"problems": [problem("draft_id", "no such draft (it may have expired)")]}
            base, based_on = draft.definition, draft.draft_id
        elif "workflow_id" in args:
            wid = find_workflow(coordinator, args["workflow_id"])
            if wid is None:
                return _unknown(args["workflow_id"])
            base = coordinator.stored_documents.get(wid) or dict(coordinator.workflows[wid].raw)
            base, based_on = dict(base), wid
        else:
            return {"problems": [problem("workflow_id", "give workflow_id or draft_id")]}
        try:
            changed = apply_operations(base, args["operations"])
        except OperationError as err:
            return {"problems": [problem(err.path, str(err))]}
        document, problems = parse_definition(changed)
        if document is None:
            return {"valid": False, "problems": problems}
        return await _draft_result(hass, coordinator, document, based_on)


class Rehearse(WorkflowTool):
    name = "rehearse"
    description = (
        "Rehearse a draft or a workflow on virtual time: nothing external happens. Returns the "
        "status, the path of states/steps entered and the actions it would take."
    )
    parameters = vol.Schema(
        {
            vol.Optional("draft_id"): REF,
            vol.Optional("workflow_id"): REF,
            vol.Optional("variables", default=dict): dict,
        }
    )

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        if "draft_id" in args:
            draft = draft_store(hass).get(args["draft_id"])
            if draft is None:
                return {"problems": [problem("draft_id", "no such draft (it may have expired)")]}
            definition, problems = await async_check(hass, coordinator, draft.definition)
            if definition is None:
                return {"problems": problems}
        elif "workflow_id" in args:
            wid = find_workflow(coordinator, args["workflow_id"])
            if wid is None:
                return _unknown(args["workflow_id"])
            definition = coordinator.workflows[wid]
        else:
            return {"problems": [problem("draft_id", "give draft_id or workflow_id")]}
        try:
            outcome = await rehearse(
                definition, coordinator.registry, args["variables"], RehearsalPlan()
            )
        except ValueError as err:  # InputError: bad variables
            return {"problems": [problem("variables", str(err))]}
        return coordinator.secrets.redact_data(outcome.as_json())  # type: ignore[no-any-return]


class ApplyDraft(WorkflowTool):
    name = "apply_draft"
    description = (
        "Save a valid draft as a workflow. ONLY after you showed the user a summary of the draft "
        "and the user said yes in this conversation; pass confirmed: true. The previous version "
        "stays restorable."
    )
    parameters = vol.Schema({vol.Required("draft_id"): REF, vol.Required("confirmed"): bool})

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        return await async_apply_draft(
            hass, coordinator, args["draft_id"], confirmed=args["confirmed"]
        )


class _Control(WorkflowTool):
    parameters = vol.Schema({vol.Required("workflow_id", description="id or name"): REF})

    def act(
        self, coordinator: WorkflowCoordinator, wid: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        wid = find_workflow(coordinator, args["workflow_id"])
        if wid is None:
            return _unknown(args["workflow_id"])
        return self.act(coordinator, wid, args)


def _status(coordinator: WorkflowCoordinator, wid: str) -> dict[str, Any]:
    view = coordinator.views.get(wid)
    return {"workflow_id": wid, **(view.summary() if view else {})}


class RunWorkflow(_Control):
    name = "run"
    description = "Start a workflow now (for real), with optional variables (its inputs)."
    parameters = vol.Schema(
        {
            vol.Required("workflow_id", description="id or name"): REF,
            vol.Optional("variables", default=dict): dict,
        }
    )

    def act(
        self, coordinator: WorkflowCoordinator, wid: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        run = coordinator.start(wid, args["variables"], trigger={"kind": "assistant"})
        return {"workflow_id": wid, "run_id": run.run_id, "started": True}


class Pause(_Control):
    name = "pause"
    description = "Pause a running workflow (at its next step boundary)."

    def act(
        self, coordinator: WorkflowCoordinator, wid: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        coordinator.pause(wid)
        return _status(coordinator, wid)


class Resume(_Control):
    name = "resume"
    description = "Resume a paused workflow."

    def act(
        self, coordinator: WorkflowCoordinator, wid: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        coordinator.resume(wid)
        return _status(coordinator, wid)


class Cancel(_Control):
    name = "cancel"
    description = "Cancel a workflow's runs."

    def act(
        self, coordinator: WorkflowCoordinator, wid: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        coordinator.cancel(wid)
        return _status(coordinator, wid)


class Status(_Control):
    name = "status"
    description = "What a workflow is doing: its state, run, progress and last error."

    def act(
        self, coordinator: WorkflowCoordinator, wid: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        return _status(coordinator, wid)


TOOLS: tuple[type[WorkflowTool], ...] = (
    ListWorkflows,
    GetWorkflow,
    DescribeCapabilities,
    DraftWorkflow,
    ChangeWorkflow,
    Rehearse,
    ApplyDraft,
    RunWorkflow,
    Pause,
    Resume,
    Cancel,
    Status,
)
