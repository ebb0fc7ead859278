"""Diagnostics: workflows, runs and connections, with every secret redacted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.diagnostics import async_get_config_entry_diagnostics

HOLD = {
    "id": "hold",
    "name": "Hold",
    "inputs": {"password": {"type": "string"}},  # unknown inputs are refused
    "steps": [
        {
            "id": "wait",
            "service": "internal",
            "action": "wait",
            "params": {"seconds": 60},
        }
    ],
}


async def test_core_diagnostics_redact_secrets(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    mock_entry: MockConfigEntry,
    setup_entry: Any,
) -> None:
    write_workflow("hold.json", HOLD)
    write_workflow("broken.yaml", "id: broken\nsteps: [\n")
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry,
        options={"variables": {"config": {"channel": "42", "api_key": "sk-very-secret"}}},
    )
    entry = await setup_entry()
    await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": "hold", "variables": {"password": "hunter2"}},
        blocking=True,
    )
    await hass.async_block_till_done()
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found["entry"]["options"]["variables"]["config"] == {
        "channel": "42",
        "api_key": REDACTED,
    }
    by_source = {item["source"]: item for item in found["workflows"]}
    assert by_source["hold.json"] == {
        "source": "hold.json",
        "workflow_id": "hold",
        "valid": True,
        "problems": [],
    }
    assert by_source["broken.yaml"]["valid"] is False
    assert by_source["broken.yaml"]["problems"]
    assert found["views"]["hold"]["state"] == "wait"
    [run] = found["runs"]
    assert run["workflow_id"] == "hold"
    assert run["variables"]["password"] == REDACTED
    # No OBS, Twitch or Discord entry: only Home Assistant's own and internal actions work.
    assert found["connections"] == {
        "discord": False,
        "homeassistant": True,
        "internal": True,
        "obs": False,
        "twitch": False,
    }
    assert "hunter2" not in repr(found)
    assert "sk-very-secret" not in repr(found)
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "hold"}, blocking=True)
    await hass.async_block_till_done()


async def test_connection_diagnostics_redact_tokens(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Discord",
        data={
            "connection": "discord",
            "bot_token": "bot-secret",
            "webhook_url": "https://discord.example/api/webhooks/1/secret",
        },
    )
    entry.add_to_hass(hass)
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found == {
        "entry": {
            "data": {"connection": "discord", "bot_token": REDACTED, "webhook_url": REDACTED},
            "options": {},
        }
    }
