"""The Studio's websocket commands (STUDIO.md): list, get, validate, rehearse, save, delete,
duplicate, versions, restore, runs, run_detail, catalog and subscribe.

Writes need an administrator. Every error is a translated message with a code of its own
(`invalid_definition`, `unknown_workflow`, ...). Documents are measured before any work
(`refuse_oversized`) and validated in the executor, as the coordinator's save does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import voluptuous as vol
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import (
    async_response,
    require_admin,
    websocket_command,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..const import DOMAIN
from ..coordinator import WorkflowCoordinator
from ..engine import RehearsalPlan
from ..engine.rehearse import Rehearsal, rehearse
from ..engine.run import Run, RunChange
from ..runtime import get_coordinator
from ..sharing.share import to_yaml
from ..sources import WorkflowSource
from ..stored_workflows import check_document, refuse_oversized
from .catalog import build_catalog
from .data import STUDIO, StudioData, live_of
from .graph import build_graph
from .run_record import record_of, summary_of
from .ws_errors import send_error

MAX_ID = 100
ID = vol.All(str, vol.Length(min=1, max=MAX_ID))


def _error(connection: ActiveConnection, msg_id: int, key: str, **placeholders: str) -> None:
    send_error(
        connection,
        msg_id,
        key,
        ServiceValidationError(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
        ),
    )


def _code(err: HomeAssistantError) -> str:
    return err.translation_key or "home_assistant_error"


def _source(coordinator: WorkflowCoordinator, workflow_id: str) -> WorkflowSource | None:
    for source in coordinator.sources:
        if _source_id(source) == workflow_id:
            return source
    return None


def _source_id(source: WorkflowSource) -> str:
    if source.definition is not None:
        return source.definition.id
    return source.label


def _problems(source_problems: list[Any], redact: Any) -> list[dict[str, str]]:
    return [
        {"path": problem.path, "message": redact(problem.message)}
        for problem in source_problems
        if problem.severity == "error"
    ]


def _file_ids(coordinator: WorkflowCoordinator) -> set[str]:
    return {
        source.definition.id
        for source in coordinator.sources
        if not source.stored and source.definition is not None
    }


def _list_entry(
    coordinator: WorkflowCoordinator, studio: StudioData, source: WorkflowSource
) -> dict[str, Any]:
    workflow_id = _source_id(source)
    definition = source.definition
    redact = coordinator.secrets.redact
    entry: dict[str, Any] = {
        "workflow_id": workflow_id,
        "name": definition.name if definition else workflow_id,
        "description": definition.description if definition else None,
        "shape": definition.shape.value if definition else None,
        "source": "stored" if source.stored else "file",
        "editable": source.stored,
        "valid": source.valid,
        "problems": _problems(source.problems, redact),
        "trigger": _trigger_text(source),
        **_triggers_enabled(source),
        "status": "idle",
        "state": "idle",
        "current": [],
        "progress": [0, 0],
        "wait_ends_at": None,
    }
    if not source.stored:
        entry["path"] = source.label
    active = (
        coordinator.engine.active_runs(workflow_id) if workflow_id in coordinator.workflows else []
    )
    if active:
        live = live_of(active[-1])
        entry.update(
            {key: live[key] for key in ("status", "state", "current", "progress", "wait_ends_at")}
        )
    elif (view := coordinator.views.get(workflow_id)) is not None:
        entry["status"], entry["state"] = view.status, view.state
    runs = studio.history.summaries(workflow_id)
    entry["last_run"] = (
        {key: runs[0].get(key) for key in ("run_id", "status", "started_at", "finished_at")}
        | {"outcome": runs[0].get("status")}
        if runs
        else None
    )
    return entry


def _triggers_enabled(source: WorkflowSource) -> dict[str, Any]:
    """`enabled`: whether any trigger starts the workflow (None: it has none; imported
    workflows' triggers start off, `enabled: false`), and `triggers`: [on, all]."""
    triggers = source.definition.triggers if source.definition is not None else ()
    on = sum(1 for trigger in triggers if trigger.config.get("enabled", True) is not False)
    return {"enabled": on > 0 if triggers else None, "triggers": [on, len(triggers)]}


def _trigger_text(source: WorkflowSource) -> str | None:
    if source.definition is None or not source.definition.triggers:
        return None
    config = source.definition.triggers[0].config
    kind = config.get("trigger") or config.get("platform")
    if kind == "stream_event":
        return f"stream event {config.get('event')}"
    text = str(kind) if kind else "trigger"
    more = len(source.definition.triggers) - 1
    return f"{text} (+{more})" if more else text


@websocket_command({vol.Required("type"): f"{DOMAIN}/list"})
@callback
def ws_list(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Every workflow, files and stored, valid or not, with its live state."""
    coordinator = get_coordinator(hass)
    studio = hass.data[STUDIO]
    workflows = [_list_entry(coordinator, studio, source) for source in coordinator.sources]
    connection.send_result(msg["id"], {"workflows": workflows})


@websocket_command({vol.Required("type"): f"{DOMAIN}/get", vol.Required("workflow_id"): ID})
@async_response
async def ws_get(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """One workflow's document, YAML and graph."""
    coordinator = get_coordinator(hass)
    source = _source(coordinator, msg["workflow_id"])
    if source is None:
        _error(connection, msg["id"], "unknown_workflow", workflow_id=msg["workflow_id"])
        return
    if source.stored:
        document = coordinator.stored_documents.get(msg["workflow_id"], {})
    else:
        document = dict(source.definition.raw) if source.definition else {}
    text = await hass.async_add_executor_job(to_yaml, document)
    connection.send_result(
        msg["id"],
        {
            "definition": document,
            "source": "stored" if source.stored else "file",
            "editable": source.stored,
            "graph": build_graph(source.definition) if source.definition else None,
            "yaml": text,
        },
    )


def _refused(connection: ActiveConnection, msg: dict[str, Any]) -> bool:
    """An oversized definition is refused before any work."""
    try:
        refuse_oversized(msg["definition"])
    except ServiceValidationError as err:
        send_error(connection, msg["id"], _code(err), err)
        return True
    return False


@websocket_command({vol.Required("type"): f"{DOMAIN}/validate", vol.Required("definition"): dict})
@async_response
async def ws_validate(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Problems of a definition, located, and its graph when it loads."""
    if _refused(connection, msg):
        return
    coordinator = get_coordinator(hass)
    ids = _file_ids(coordinator)
    definition, problems = await hass.async_add_executor_job(
        check_document, msg["definition"], coordinator.registry, ids
    )
    redact = coordinator.secrets.redact
    connection.send_result(
        msg["id"],
        {
            "valid": definition is not None and not problems,
            "problems": _problems(problems, redact),
            "graph": build_graph(definition) if definition is not None else None,
        },
    )


REHEARSAL_SECONDS = 10  # wall-clock cap on a draft's rehearsal (its waits take no real time)


def _rehearsal_answer(outcome: Rehearsal) -> dict[str, Any]:
    """The fields the editor reads: status, path, calls, error (and handled errors)."""
    done = outcome.as_json()
    return {
        "valid": True,
        "problems": [],
        "status": done["status"],
        "path": done["path"],
        "calls": done["actions"],
        "error": done["error"],
        "errors": done["errors"],
    }


def _not_rehearsed(problems: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "valid": False,
        "problems": problems,
        "status": "invalid",
        "path": [],
        "calls": [],
        "error": None,
        "errors": [],
    }


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/rehearse",
        vol.Required("definition"): dict,
        vol.Optional("variables", default=dict): dict,
    }
)
@async_response
async def ws_rehearse(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Rehearse an unsaved draft on virtual time: validated as `validate` does, external
    actions recorded and never made, nothing stored. Changes nothing, so readers may."""
    if _refused(connection, msg):
        return
    coordinator = get_coordinator(hass)
    redact = coordinator.secrets.redact
    definition, problems = await hass.async_add_executor_job(
        check_document, msg["definition"], coordinator.registry, _file_ids(coordinator)
    )
    if definition is None or problems:
        connection.send_result(msg["id"], _not_rehearsed(_problems(problems, redact)))
        return
    variables = {**coordinator.engine.globals, **msg["variables"]}
    try:
        async with asyncio.timeout(REHEARSAL_SECONDS):
            outcome = await rehearse(definition, coordinator.registry, variables, RehearsalPlan())
    except ValueError as err:  # InputError: the variables do not fit the inputs
        answer = _not_rehearsed([{"path": "variables", "message": redact(str(err))}])
    except TimeoutError:
        answer = _not_rehearsed([])
        answer["status"] = "cancelled"
        answer["error"] = {
            "type": "rehearsal_timeout",
            "message": f"the rehearsal did not end within {REHEARSAL_SECONDS} s; "
            "it may wait for an event that never comes in a rehearsal",
        }
    else:
        answer = _rehearsal_answer(outcome)
    connection.send_result(msg["id"], coordinator.secrets.redact_data(answer))


async def _save(
    hass: HomeAssistant, connection: ActiveConnection, msg_id: int, document: dict[str, Any]
) -> str | None:
    """Save through the coordinator (the Studio's document watcher keeps the version it
    replaces); None on an error sent."""
    coordinator = get_coordinator(hass)
    try:
        workflow_id = await coordinator.async_save_workflow(document)
    except HomeAssistantError as err:
        send_error(connection, msg_id, _code(err), err)
        return None
    hass.data[STUDIO].workflows_changed()
    return workflow_id


@websocket_command({vol.Required("type"): f"{DOMAIN}/save", vol.Required("definition"): dict})
@require_admin
@async_response
async def ws_save(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Store a definition (validated as a file is); the version it replaces is kept."""
    if _refused(connection, msg):
        return
    coordinator = get_coordinator(hass)
    workflow_id = str(msg["definition"].get("id"))
    if workflow_id in _file_ids(coordinator):
        _error(connection, msg["id"], "not_editable", workflow_id=workflow_id)
        return
    if (saved := await _save(hass, connection, msg["id"], msg["definition"])) is not None:
        connection.send_result(msg["id"], {"workflow_id": saved})


@websocket_command({vol.Required("type"): f"{DOMAIN}/delete", vol.Required("workflow_id"): ID})
@require_admin
@async_response
async def ws_delete(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Delete a stored workflow (its last document is kept as a version)."""
    coordinator = get_coordinator(hass)
    workflow_id = msg["workflow_id"]
    if workflow_id in _file_ids(coordinator):
        _error(connection, msg["id"], "not_editable", workflow_id=workflow_id)
        return
    try:
        await coordinator.async_delete_workflow(workflow_id)
    except HomeAssistantError as err:
        send_error(connection, msg["id"], _code(err), err)
        return
    hass.data[STUDIO].workflows_changed()
    connection.send_result(msg["id"], {})


def _free_id(taken: set[str], base: str) -> str:
    candidate, number = f"{base}_copy", 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_copy_{number}"
    return candidate


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/duplicate",
        vol.Required("workflow_id"): ID,
        vol.Optional("new_id"): ID,
    }
)
@require_admin
@async_response
async def ws_duplicate(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Copy a file or stored workflow to a new stored (editable) one."""
    coordinator = get_coordinator(hass)
    source = _source(coordinator, msg["workflow_id"])
    if source is None:
        _error(connection, msg["id"], "unknown_workflow", workflow_id=msg["workflow_id"])
        return
    if source.stored:
        document = dict(coordinator.stored_documents.get(msg["workflow_id"], {}))
    else:
        document = dict(source.definition.raw) if source.definition else {}
    taken = {_source_id(other) for other in coordinator.sources}
    new_id = msg.get("new_id") or _free_id(taken, msg["workflow_id"][: MAX_ID - 10])
    if new_id in taken:
        _error(connection, msg["id"], "workflow_exists", workflow_id=new_id)
        return
    document["id"] = new_id
    if isinstance(document.get("name"), str):
        document["name"] = f"{document['name']} (copy)"
    if (saved := await _save(hass, connection, msg["id"], document)) is not None:
        connection.send_result(msg["id"], {"workflow_id": saved})


@websocket_command({vol.Required("type"): f"{DOMAIN}/versions", vol.Required("workflow_id"): ID})
@callback
def ws_versions(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """A stored workflow's earlier versions, newest first."""
    versions = hass.data[STUDIO].versions.versions(msg["workflow_id"])
    connection.send_result(msg["id"], {"versions": versions})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/restore",
        vol.Required("workflow_id"): ID,
        vol.Required("version"): vol.All(int, vol.Range(min=1)),
    }
)
@require_admin
@async_response
async def ws_restore(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Save an earlier version again (the one it replaces becomes a version too)."""
    workflow_id = msg["workflow_id"]
    document = hass.data[STUDIO].versions.document(workflow_id, msg["version"])
    if document is None:
        _error(
            connection,
            msg["id"],
            "unknown_version",
            workflow_id=workflow_id,
            version=str(msg["version"]),
        )
        return
    if workflow_id in _file_ids(get_coordinator(hass)):
        _error(connection, msg["id"], "not_editable", workflow_id=workflow_id)
        return
    if (saved := await _save(hass, connection, msg["id"], document)) is not None:
        connection.send_result(msg["id"], {"workflow_id": saved})


@websocket_command({vol.Required("type"): f"{DOMAIN}/runs", vol.Required("workflow_id"): ID})
@callback
def ws_runs(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The last runs of a workflow (active ones first), newest first."""
    coordinator = get_coordinator(hass)
    workflow_id = msg["workflow_id"]
    redact = coordinator.secrets.redact_data
    runs: list[dict[str, Any]] = []
    if workflow_id in coordinator.workflows:
        for run in reversed(coordinator.engine.active_runs(workflow_id)):
            runs.append(summary_of(record_of(run, coordinator.rehearsal_calls(run), redact)))
    seen = {run["run_id"] for run in runs}
    runs.extend(
        summary
        for summary in hass.data[STUDIO].history.summaries(workflow_id)
        if summary["run_id"] not in seen
    )
    connection.send_result(msg["id"], {"runs": runs})


@websocket_command({vol.Required("type"): f"{DOMAIN}/run_detail", vol.Required("run_id"): ID})
@callback
def ws_run_detail(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """One run's steps: rendered parameters, results, durations, retries, errors."""
    coordinator = get_coordinator(hass)
    studio = hass.data[STUDIO]
    record = studio.history.get(msg["run_id"])
    if record is None and (run := coordinator.engine.get(msg["run_id"])) is not None:
        record = record_of(run, coordinator.rehearsal_calls(run), coordinator.secrets.redact_data)
    if record is None:
        _error(connection, msg["id"], "unknown_run", run_id=msg["run_id"])
        return
    connection.send_result(msg["id"], record)


@websocket_command({vol.Required("type"): f"{DOMAIN}/catalog"})
@callback
def ws_catalog(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The adapters' actions with their parameter forms, and the input types."""
    connection.send_result(msg["id"], build_catalog(get_coordinator(hass).registry))


@websocket_command({vol.Required("type"): f"{DOMAIN}/subscribe", vol.Optional("workflow_id"): ID})
@callback
def ws_subscribe(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Run changes (of one workflow, or all) and changes to the set of workflows."""
    studio = hass.data[STUDIO]
    wanted = msg.get("workflow_id")
    msg_id = msg["id"]

    @callback
    def run_changed(run: Run, change: RunChange, error: dict[str, Any] | None) -> None:
        if wanted is not None and run.definition.id != wanted:
            return
        told = {RunChange.STARTED: "started", RunChange.FINISHED: "finished"}.get(change, "state")
        payload = {**live_of(run), "change": told, "error": error}
        connection.send_message({"id": msg_id, "type": "event", "event": payload})

    @callback
    def workflows_changed() -> None:
        connection.send_message({"id": msg_id, "type": "event", "event": {"change": "workflows"}})

    stop_watching = studio.watch_runs(run_changed)
    studio.workflow_listeners.add(workflows_changed)

    @callback
    def unsubscribe() -> None:
        stop_watching()
        studio.workflow_listeners.discard(workflows_changed)

    connection.subscriptions[msg_id] = unsubscribe
    connection.send_result(msg_id)


COMMANDS = (
    ws_list,
    ws_get,
    ws_validate,
    ws_rehearse,
    ws_save,
    ws_delete,
    ws_duplicate,
    ws_versions,
    ws_restore,
    ws_runs,
    ws_run_detail,
    ws_catalog,
    ws_subscribe,
)


def async_register_commands(hass: HomeAssistant) -> None:
    for command in COMMANDS:
        async_register_command(hass, command)
