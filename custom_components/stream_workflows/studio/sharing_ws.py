"""The Studio's websocket commands for templates and sharing.

`stream_workflows/templates`, `create_from_template`, `template_candidates`,
`save_as_template`, `delete_template`, `obs_scenes`, `export`, `import_preview` and `import`:
thin wrappers around the pure `sharing.api` functions (run in the executor: they read the
shipped templates, inflate share strings and validate), with bounded voluptuous schemas.
Writes need an administrator. Every problem is an error with a translated message
(`sharing_invalid`: "Cannot import: workflows[0].id: ..."), its code saying which kind.
"""

from __future__ import annotations

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

from ..const import CONF_VARIABLES, DOMAIN
from ..data_keys import SHARING_COMMANDS
from ..engine.adapter import AdapterRegistry
from ..engine.definition import WORKFLOW_ID
from ..runtime import get_coordinator
from ..sharing import api
from ..sharing.live import obs_scenes
from ..sharing.preview import CHOICES, REMAP_KINDS, free_id
from ..sharing.selectors import SELECTOR_KINDS
from ..sharing.share import MAX_SHARE_CHARS, as_share_document, check_share, read_share_text
from ..sharing_here import async_here, here_of, known_secrets
from ..sharing_services import async_save_as_template
from ..sharing_store import async_get_template_store
from .ws_errors import send_error

MAX_ID = 100
MAX_TEXT = 2000
MAX_ITEMS = 100

ID = vol.All(str, vol.Length(min=1, max=MAX_ID))
SOURCE = vol.All(str, vol.Length(min=1, max=MAX_SHARE_CHARS))
INPUT_VALUE = vol.Any(
    None, bool, int, float, vol.All(str, vol.Length(max=MAX_TEXT)), [vol.Any(str, int, float)]
)


def _bounded_map(value_schema: Any) -> vol.All:
    return vol.All(
        {vol.All(str, vol.Length(min=1, max=MAX_ID)): value_schema}, vol.Length(max=MAX_ITEMS)
    )


_SOURCE_KEYS: dict[str | vol.Marker, Any] = {
    vol.Exclusive("share", "source"): SOURCE,
    vol.Exclusive("yaml", "source"): SOURCE,
}


def _problems_error(
    problems: list[dict[str, str]], what: str, code: str
) -> tuple[str, ServiceValidationError]:
    errors = [p for p in problems if p.get("severity") == "error"] or problems
    text = "; ".join(
        f"{p['path']}: {p['message']}" if p.get("path") else p["message"] for p in errors[:20]
    )
    return code, ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="sharing_invalid",
        translation_placeholders={"what": what, "errors": text},
    )


def _text(msg: dict[str, Any]) -> str:
    return str(msg.get("share") or msg.get("yaml") or "")


@websocket_command({vol.Required("type"): f"{DOMAIN}/templates"})
@async_response
async def ws_templates(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The shipped templates and the user's, each with its form fields (selectors, defaults,
    required) and its `origin`."""
    saved = (await async_get_template_store(hass)).templates
    templates = await hass.async_add_executor_job(api.list_templates, saved)
    connection.send_result(msg["id"], {"templates": templates})


@websocket_command({vol.Required("type"): f"{DOMAIN}/obs_scenes"})
@async_response
async def ws_obs_scenes(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The connected OBS's scenes (`{"connected", "scenes", "current_scene", "error"}`):
    the choices of an `obs_scene` field; `scenes` is null when no OBS answers."""
    found = await obs_scenes(get_coordinator(hass).registry)
    connection.send_result(msg["id"], found.as_dict())


@websocket_command(
    {vol.Required("type"): f"{DOMAIN}/template_candidates", vol.Required("workflow_id"): ID}
)
@async_response
async def ws_template_candidates(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The workflow's parameter values that can become a template's inputs."""
    coordinator = get_coordinator(hass)
    try:
        definition = coordinator.definition(msg["workflow_id"])
    except HomeAssistantError as err:
        send_error(connection, msg["id"], "unknown_workflow", err)
        return
    document = {**dict(definition.raw), "id": definition.id}
    made = await hass.async_add_executor_job(api.template_candidates, document)
    connection.send_result(
        msg["id"],
        {
            **made,
            "workflow_id": definition.id,
            "name": str(document.get("name") or definition.id),
            "selectors": list(SELECTOR_KINDS),
        },
    )


INPUT_CHOICE = vol.Schema(
    {
        vol.Required("name"): ID,
        vol.Optional("label"): vol.All(str, vol.Length(max=200)),
        vol.Optional("selector"): vol.All(dict, vol.Length(min=1, max=1)),
    }
)


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/save_as_template",
        vol.Required("workflow_id"): ID,
        vol.Required("name"): vol.All(str, vol.Length(min=1, max=200)),
        vol.Optional("description", default=""): vol.All(str, vol.Length(max=MAX_TEXT)),
        vol.Required("inputs"): vol.All(
            {vol.All(str, vol.Length(min=1, max=500)): vol.Any(ID, INPUT_CHOICE)},
            vol.Length(max=MAX_ITEMS),
        ),
    }
)
@require_admin
@async_response
async def ws_save_as_template(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Save the workflow as a template of the user's; `{"template_id", "template"}`."""
    try:
        made = await async_save_as_template(
            hass,
            msg["workflow_id"],
            msg["inputs"],
            name=msg["name"],
            description=msg["description"],
        )
    except HomeAssistantError as err:
        code = "unknown_workflow" if err.translation_key == "unknown_workflow" else "invalid_inputs"
        send_error(connection, msg["id"], code, err)
        return
    connection.send_result(msg["id"], made)


@websocket_command(
    {vol.Required("type"): f"{DOMAIN}/delete_template", vol.Required("template_id"): ID}
)
@require_admin
@async_response
async def ws_delete_template(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Forget a template of the user's (the shipped ones cannot be deleted)."""
    store = await async_get_template_store(hass)
    if not await store.async_remove(msg["template_id"]):
        problems = [{"path": "template_id", "message": "not one of your templates"}]
        send_error(connection, msg["id"], *_problems_error(problems, "delete", "unknown_template"))
        return
    connection.send_result(msg["id"], {"template_id": msg["template_id"]})


def _create(
    msg: dict[str, Any],
    registry: AdapterRegistry,
    wanted: str | None,
    saved: api.UserTemplates,
) -> dict[str, Any]:
    """`api.create_from_template` for a template named, given, or in a share string/YAML."""
    template: str | dict[str, Any] | None = msg.get("template")
    if template is None:
        if not _text(msg):
            missing = "name a template, or give its share string"
            return {"problems": [{"path": "template", "message": missing}]}
        document, problems = read_share_text(_text(msg))
        if document is not None:
            document, problems = as_share_document(document)
        shared = None
        if document is not None:
            shared, problems = check_share(document, registry)
        if shared is None:
            return {"problems": api.problems_data(problems)}
        if shared.template is None:
            return {"problems": [{"path": "", "message": "this holds workflows, not a template"}]}
        template = dict(shared.template.raw)
    return api.create_from_template(
        template, msg["inputs"], registry, workflow_id=wanted, saved=saved
    )


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/create_from_template",
        vol.Exclusive("template", "template"): vol.Any(ID, dict),
        vol.Exclusive("share", "template"): SOURCE,
        vol.Exclusive("yaml", "template"): SOURCE,
        vol.Optional("inputs", default=dict): _bounded_map(INPUT_VALUE),
        vol.Optional("workflow_id"): ID,
    }
)
@require_admin
@async_response
async def ws_create_from_template(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Make a workflow from a template and save it; `{"workflow_id"}`."""
    coordinator = get_coordinator(hass)
    taken = set(coordinator.workflows) | set(coordinator.stored_documents)
    wanted = msg.get("workflow_id")
    if wanted is not None and not WORKFLOW_ID.fullmatch(wanted):
        problems = [{"path": "workflow_id", "message": f"'{wanted}' is not a valid workflow id"}]
        send_error(connection, msg["id"], *_problems_error(problems, "create", "invalid_id"))
        return
    if wanted is not None and wanted in taken:
        problems = [
            {
                "path": "workflow_id",
                "message": f"id collision: a workflow '{wanted}' exists already",
            }
        ]
        send_error(connection, msg["id"], *_problems_error(problems, "create", "id_collision"))
        return
    saved = (await async_get_template_store(hass)).templates
    made = await hass.async_add_executor_job(
        lambda: _create(msg, coordinator.registry, wanted, saved)
    )
    if "problems" in made:
        send_error(
            connection, msg["id"], *_problems_error(made["problems"], "create", "invalid_inputs")
        )
        return
    document = dict(made["document"])
    if wanted is None:
        document["id"] = free_id(str(document["id"]), taken)
    try:
        workflow_id = await coordinator.async_save_workflow(document)
    except HomeAssistantError as err:
        send_error(connection, msg["id"], "invalid_definition", err)
        return
    connection.send_result(msg["id"], {"workflow_id": workflow_id, "warnings": made["warnings"]})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/export",
        vol.Required("workflow_ids"): vol.All([ID], vol.Length(min=1, max=MAX_ITEMS)),
        vol.Optional("name", default=""): vol.All(str, vol.Length(max=200)),
        vol.Optional("author", default=""): vol.All(str, vol.Length(max=200)),
        vol.Optional("description", default=""): vol.All(str, vol.Length(max=MAX_TEXT)),
    }
)
@async_response
async def ws_export(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """A share string and YAML for the workflows named (secrets removed)."""
    coordinator = get_coordinator(hass)
    documents = []
    for workflow_id in dict.fromkeys(msg["workflow_ids"]):
        try:
            definition = coordinator.definition(workflow_id)
        except HomeAssistantError as err:
            send_error(connection, msg["id"], "unknown_workflow", err)
            return
        documents.append({**dict(definition.raw), "id": definition.id})
    known = known_secrets(
        hass, coordinator.entry.options.get(CONF_VARIABLES, {}), coordinator.secrets.marked
    )
    made = await hass.async_add_executor_job(
        lambda: api.export(
            documents,
            known_secrets=known,
            name=msg["name"],
            author=msg["author"],
            description=msg["description"],
        )
    )
    connection.send_result(msg["id"], made)


@websocket_command({vol.Required("type"): f"{DOMAIN}/import_preview", **_SOURCE_KEYS})
@async_response
async def ws_import_preview(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """What importing would do here (calls, entities, what is missing); writes nothing."""
    if not _text(msg):
        send_error(connection, msg["id"], *_no_source())
        return
    coordinator = get_coordinator(hass)
    here = await async_here(hass)
    made = await hass.async_add_executor_job(
        api.import_preview, _text(msg), coordinator.registry, here
    )
    if "problems" in made:
        send_error(
            connection, msg["id"], *_problems_error(made["problems"], "import", "invalid_share")
        )
        return
    connection.send_result(msg["id"], made)


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/import",
        **_SOURCE_KEYS,
        vol.Optional("choices", default=dict): _bounded_map(vol.In(CHOICES)),
        vol.Optional("new_ids", default=dict): _bounded_map(ID),
        vol.Optional("remap", default=dict): vol.Schema(
            {vol.In(REMAP_KINDS): _bounded_map(vol.All(str, vol.Length(min=1, max=255)))}
        ),
    }
)
@require_admin
@async_response
async def ws_import(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Import the workflows (triggers off) with the choices made; `{"workflow_ids"}`."""
    if not _text(msg):
        send_error(connection, msg["id"], *_no_source())
        return
    coordinator = get_coordinator(hass)
    here = here_of(hass)  # importing needs no OBS scenes: it does not wait for OBS
    made = await hass.async_add_executor_job(
        lambda: api.import_documents(
            _text(msg),
            coordinator.registry,
            here,
            choices=msg["choices"],
            new_ids=msg["new_ids"],
            remap=msg["remap"],
        )
    )
    if "problems" in made:
        send_error(
            connection, msg["id"], *_problems_error(made["problems"], "import", "invalid_share")
        )
        return
    saved: list[str] = []
    try:
        for document in made["documents"]:
            saved.append(await coordinator.async_save_workflow(document))
    except HomeAssistantError as err:
        send_error(connection, msg["id"], "invalid_definition", err)
        return
    connection.send_result(msg["id"], {"workflow_ids": saved})


def _no_source() -> tuple[str, ServiceValidationError]:
    problems = [{"path": "share", "message": "paste a share string (sw1:...) or YAML"}]
    return _problems_error(problems, "import", "invalid_share")


@callback
def async_register_sharing_commands(hass: HomeAssistant) -> None:
    """Register the commands (once per Home Assistant run: safe to call again)."""
    if hass.data.get(SHARING_COMMANDS):
        return
    for command in (
        ws_templates,
        ws_obs_scenes,
        ws_template_candidates,
        ws_save_as_template,
        ws_delete_template,
        ws_create_from_template,
        ws_export,
        ws_import_preview,
        ws_import,
    ):
        async_register_command(hass, command)
    hass.data[SHARING_COMMANDS] = True
