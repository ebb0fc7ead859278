"""Diagnostics: workflows, their validity and the active runs, with secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .connections import KIND_CORE, KIND_TWITCH, TwitchLink, entry_kind
from .hass_setup import StreamWorkflowsConfigEntry

# Keys whose values never leave Home Assistant: tokens, passwords, webhook addresses.
TO_REDACT = {
    "password",
    "token",
    "access_token",
    "refresh_token",
    "client_secret",
    "app_secret",
    "bot_token",
    "webhook_url",
    "api_key",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: StreamWorkflowsConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for the config entry."""
    if entry_kind(entry) != KIND_CORE:
        return async_redact_data(_connection_diagnostics(entry), TO_REDACT)
    manager = entry.runtime_data
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "workflows": [
                {
                    "source": source.label,
                    "workflow_id": source.definition.id if source.definition else None,
                    "valid": source.valid,
                    "problems": [problem.format() for problem in source.problems],
                }
                for source in manager.sources
            ],
            "views": {wid: view.summary() for wid, view in manager.views.items()},
            "runs": [run.snapshot() for run in manager.engine.runs()],
            # Whether each service can act now: an external one needs its connection.
            "connections": {
                service: getattr(manager.registry.get(service), "connection", True) is not None
                for service in manager.registry.services()
            },
        },
        TO_REDACT,
    )


def _connection_diagnostics(entry: StreamWorkflowsConfigEntry) -> dict[str, Any]:
    """A connection entry: its settings (secrets redacted) and what its connection reports."""
    found: dict[str, Any] = {"entry": {"data": dict(entry.data), "options": dict(entry.options)}}
    link = getattr(entry, "runtime_data", None)
    if entry_kind(entry) == KIND_TWITCH and isinstance(link, TwitchLink):
        connection = link.connection
        found["connection"] = {
            "login": connection.login,
            "authorized": connection.connected,
            "eventsub_connected": connection.eventsub_connected,
            "scopes": list(connection.scopes),
            "missing_scopes": connection.missing_scopes,
            "events": sorted(connection.subscribed),
            "unavailable_events": dict(connection.failed_events),
        }
    return found
