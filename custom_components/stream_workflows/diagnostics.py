"""Diagnostics: workflows, their validity and the active runs, with secrets redacted.

Redaction is by pattern: every value whose key contains password, secret, token, key,
webhook or auth, every field of a connection entry (but its kind, host and port), the shared
variables marked secret in the options, and those values wherever they appear in a text.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.core import HomeAssistant

from .connections import CONF_CONNECTION, KIND_CORE, TwitchLink, entry_kind
from .const import CONF_VARIABLES
from .redaction import REDACTED, Secrets
from .runtime import StreamWorkflowsConfigEntry, coordinator_of, runtime_data_of

# Connection entry fields that say which peer, not how to get in: shown as they are.
SHOWN_CONNECTION_FIELDS = frozenset({CONF_CONNECTION, "host", "port", "auth_implementation"})


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: StreamWorkflowsConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for the config entry."""
    if entry_kind(entry) != KIND_CORE:
        found: dict[str, Any] = Secrets().redact_data(_connection_diagnostics(entry))
        return found
    coordinator = coordinator_of(entry)
    secrets = coordinator.secrets
    options = dict(entry.options)
    if CONF_VARIABLES in options:
        options[CONF_VARIABLES] = secrets.redact_data(options[CONF_VARIABLES], variables_path="")
    redacted: dict[str, Any] = secrets.redact_data(
        {
            "entry": {"data": dict(entry.data), "options": options},
            "workflows": [
                {
                    "source": source.label,
                    "workflow_id": source.definition.id if source.definition else None,
                    "valid": source.valid,
                    "problems": [problem.format() for problem in source.problems],
                }
                for source in coordinator.sources
            ],
            "views": {wid: view.summary() for wid, view in coordinator.views.items()},
            "runs": [run.snapshot() for run in coordinator.engine.runs()],
            "checkpoints": asdict(coordinator.run_store.stats),
            # Whether each service can act now: an external one needs its connection.
            "connections": {
                service: getattr(coordinator.registry.get(service), "connection", True) is not None
                for service in coordinator.registry.services()
            },
        }
    )
    return redacted


def _entry_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if key in SHOWN_CONNECTION_FIELDS or value in (None, "") else REDACTED
        for key, value in data.items()
    }


def _connection_diagnostics(entry: StreamWorkflowsConfigEntry) -> dict[str, Any]:
    """A connection entry: its settings (secrets redacted) and what its connection reports."""
    found: dict[str, Any] = {
        "entry": {"data": _entry_fields(dict(entry.data)), "options": dict(entry.options)}
    }
    # A connection whose setup failed holds nothing: its settings are all there is to show.
    if isinstance(link := runtime_data_of(entry), TwitchLink):
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
