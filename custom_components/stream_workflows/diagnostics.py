"""Diagnostics: workflows, their validity and the active runs, with secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from . import StreamWorkflowsConfigEntry

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
            "connections": {
                service: manager.registry.get(service) is not None
                for service in manager.registry.services()
            },
        },
        TO_REDACT,
    )
