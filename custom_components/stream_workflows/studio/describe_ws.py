"""The Describe box's websocket commands: a sentence → a draft (the same `draft_from_text` code
as the action), the drafts a conversation or the box made, and saving one.

`describe/status` says whether AI Task can write drafts here (the panel shows the box only
then). Every command needs an administrator: a draft can become a saved workflow. Errors are
the translated messages of `draft_from_text` (`ai_task_missing`, `ai_task_failed`, ...).
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
from homeassistant.exceptions import HomeAssistantError

from ..const import DOMAIN
from ..coordinator import WorkflowCoordinator
from ..language.applying import async_apply_draft
from ..language.checking import async_check
from ..language.drafts import Draft, draft_store
from ..language.from_text import MAX_TEXT, async_draft_from_text, availability
from ..runtime import get_coordinator
from .graph import build_graph
from .ws_errors import send_error

DRAFT_ID = vol.All(str, vol.Length(min=1, max=100))


def _send_error(connection: ActiveConnection, msg_id: int, err: HomeAssistantError) -> None:
    """An error's own translation key is its code here."""
    send_error(connection, msg_id, err.translation_key or "home_assistant_error", err)


async def _graph(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, draft: Draft
) -> dict[str, Any] | None:
    """The flowchart's GRAPH of a valid draft (checked again: a workflow may have changed)."""
    if not draft.valid:
        return None
    definition, _ = await async_check(hass, coordinator, draft.definition)
    return build_graph(definition) if definition is not None else None


async def _shown(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, draft: Draft
) -> dict[str, Any]:
    return {
        **coordinator.secrets.redact_data(draft.as_dict()),
        "graph": await _graph(hass, coordinator, draft),
        "replaces_existing": draft.workflow_id in coordinator.workflows,
    }


@websocket_command({vol.Required("type"): f"{DOMAIN}/describe/status"})
@require_admin
@callback
def ws_describe_status(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """{"available", "reason", "entities"}: whether the Describe box can work here."""
    connection.send_result(msg["id"], availability(hass))


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/describe",
        vol.Required("text"): vol.All(str, vol.Length(min=1, max=MAX_TEXT)),
        vol.Optional("entity_id"): vol.All(str, vol.Length(max=255)),
    }
)
@require_admin
@async_response
async def ws_describe(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """A draft from a sentence: the draft (definition, problems) and its flowchart."""
    try:
        coordinator = get_coordinator(hass)
        result = await async_draft_from_text(
            hass, coordinator, msg["text"], entity_id=msg.get("entity_id")
        )
    except HomeAssistantError as err:
        _send_error(connection, msg["id"], err)
        return
    draft = draft_store(hass).get(result.get("draft_id") or "")
    answer: dict[str, Any] = {**result, "graph": None, "replaces_existing": False}
    if draft is not None:
        answer.update(await _shown(hass, coordinator, draft))
        answer["summary"] = result.get("summary", "")
    connection.send_result(msg["id"], answer)


@websocket_command({vol.Required("type"): f"{DOMAIN}/drafts"})
@require_admin
@callback
def ws_drafts(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The live drafts (by voice, AI Task or this box), newest first, without definitions."""
    connection.send_result(
        msg["id"], {"drafts": [draft.summary() for draft in draft_store(hass).drafts()]}
    )


@websocket_command({vol.Required("type"): f"{DOMAIN}/draft", vol.Required("draft_id"): DRAFT_ID})
@require_admin
@async_response
async def ws_draft(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """One draft with its definition, problems and flowchart."""
    draft = draft_store(hass).get(msg["draft_id"])
    if draft is None:
        connection.send_error(msg["id"], "unknown_draft", "no such draft (it may have expired)")
        return
    try:
        coordinator = get_coordinator(hass)
    except HomeAssistantError as err:
        _send_error(connection, msg["id"], err)
        return
    connection.send_result(msg["id"], await _shown(hass, coordinator, draft))


@websocket_command(
    {vol.Required("type"): f"{DOMAIN}/draft/save", vol.Required("draft_id"): DRAFT_ID}
)
@require_admin
@async_response
async def ws_draft_save(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Save a draft (the click is the confirmation): {"saved", "workflow_id"} or
    {"saved": false, "problems"}; the previous version stays restorable."""
    try:
        result = await async_apply_draft(
            hass, get_coordinator(hass), msg["draft_id"], confirmed=True
        )
    except HomeAssistantError as err:
        _send_error(connection, msg["id"], err)
        return
    connection.send_result(msg["id"], result)


def async_register_describe_commands(hass: HomeAssistant) -> None:
    for command in (ws_describe_status, ws_describe, ws_drafts, ws_draft, ws_draft_save):
        async_register_command(hass, command)
