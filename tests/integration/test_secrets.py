"""Secrets stay in Home Assistant: diagnostics redact by pattern, and shared variables marked
secret are redacted everywhere (diagnostics, run histories, checkpoints, logs)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN, STORAGE_KEY_RUNS
from custom_components.stream_workflows.diagnostics import async_get_config_entry_diagnostics
from custom_components.stream_workflows.redaction import REDACTED, Secrets

SECRETS = {
    "discord_webhook_url": "https://discord.example/api/webhooks/1/hook-secret-value",
    "obs_password": "obs-password-value",
    "stream_key": "live_123456_streamkey",
    "twitch_client_secret": "twitch-client-secret-value",
    "channel_pin": "pin-8842-marked",  # secret only because the options mark it
}
SHARED = {"config": {**SECRETS, "channel": "public-channel"}}
LEAKY = {
    "id": "leaky",
    "name": "Leaky",
    "steps": [
        {
            "id": "say",
            "service": "internal",
            "action": "log",
            "params": {
                "level": "warning",
                "message": "pin ${config.channel_pin} key ${config.stream_key} "
                "hook ${config.discord_webhook_url} in ${config.channel}",
            },
        },
        {
            "id": "fail",
            "service": "homeassistant",
            "action": "test.explode",
            "continue_on_error": True,
            "params": {"data": {"password": "${config.obs_password}"}},
        },
        {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 600}},
    ],
}


def leaked(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


@pytest.fixture
async def leaky_run(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    mock_entry: MockConfigEntry,
    setup_entry: Any,
) -> MockConfigEntry:
    async def explode(call: Any) -> None:
        raise ValueError(f"refused {call.data['password']}")

    hass.services.async_register("test", "explode", explode)
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry, options={"variables": SHARED, "secret_variables": ["config.channel_pin"]}
    )
    write_workflow("leaky.json", LEAKY)
    entry: MockConfigEntry = await setup_entry()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "leaky"}, blocking=True)
    await hass.async_block_till_done()
    return entry


async def test_diagnostics_redact_by_pattern_and_marked_secrets(
    hass: HomeAssistant, leaky_run: MockConfigEntry
) -> None:
    found = await async_get_config_entry_diagnostics(hass, leaky_run)
    assert leaked(repr(found)) == []
    config = found["entry"]["options"]["variables"]["config"]
    assert config["channel"] == "public-channel"
    assert {key for key, value in config.items() if value == REDACTED} == set(SECRETS)
    [run] = found["runs"]
    assert "public-channel" in repr(run["history"])  # only the secrets are taken out
    assert REDACTED in repr(run["history"])


async def test_history_and_checkpoint_hold_no_secret(
    hass: HomeAssistant, hass_storage: dict[str, Any], leaky_run: MockConfigEntry
) -> None:
    coordinator = leaky_run.runtime_data
    [run] = coordinator.engine.runs("leaky")
    history = repr(run.history.as_dicts())
    assert leaked(history) == []
    assert "in public-channel" in history
    await coordinator.run_store.async_flush()
    saved = repr(hass_storage[STORAGE_KEY_RUNS])
    assert leaked(saved) == []
    assert "config" not in repr(hass_storage[STORAGE_KEY_RUNS]["data"]["runs"][0]["variables"])
    # The run itself still sees the real values (only what leaves it is redacted).
    assert run.variables["config"]["channel_pin"] == SECRETS["channel_pin"]


async def test_logs_hold_no_secret(
    hass: HomeAssistant, leaky_run: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("custom_components.stream_workflows.coordinator").error(
        "a message with %s", SECRETS["obs_password"]
    )
    # the run logged while the fixture set it up
    records = caplog.get_records("setup") + caplog.get_records("call")
    ours = [r.getMessage() for r in records if r.name.startswith("custom_components")]
    assert any("in public-channel" in message for message in ours)  # the log action's
    assert any("a message with" in message for message in ours)
    assert any("step fail failed" in message or "refused" in message for message in ours)
    assert leaked("\n".join(ours)) == []


async def test_connection_entries_redact_their_fields(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="OBS Studio (127.0.0.1:4455)",
        data={"connection": "obs", "host": "127.0.0.1", "port": 4455, "password": "obs-pw-1"},
    )
    entry.add_to_hass(hass)
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found["entry"]["data"] == {
        "connection": "obs",
        "host": "127.0.0.1",
        "port": 4455,
        "password": REDACTED,
    }


async def test_options_mark_shared_variables_secret(hass: HomeAssistant, setup_entry: Any) -> None:
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"variables": {"config": {"room": "pin-0000-9999"}}, "secret_variables": ["config.room"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["secret_variables"] == ["config.room"]
    coordinator = entry.runtime_data
    assert coordinator.secrets.redact("the room is pin-0000-9999") == f"the room is {REDACTED}"
    # The form offers the shared variables' dotted names to pick from.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"].schema
    [secret_field] = [key for key in schema if str(key) == "secret_variables"]
    assert schema[secret_field].config["options"] == ["config.room"]


def test_redact_data_by_key_pattern() -> None:
    secrets = Secrets()
    secrets.update({"config": {"apiKey": "k-123456789"}}, [])
    data = {
        "Authorization": "Bearer x",
        "nested": [{"refresh_token": "r", "note": "uses k-123456789"}],
        "keep": 1,
    }
    assert secrets.redact_data(data) == {
        "Authorization": REDACTED,
        "nested": [{"refresh_token": REDACTED, "note": f"uses {REDACTED}"}],
        "keep": 1,
    }


def test_a_frozen_copy_keeps_the_secrets_of_its_time() -> None:
    """A finished run's record is redacted later with the secrets it ended under: one copy
    serves every run until the secrets change, and a change makes a new one."""
    secrets = Secrets()
    secrets.update({"config": {"apiKey": "first-secret"}}, [])
    before = secrets.frozen()
    assert secrets.frozen() is before
    secrets.update({"config": {"apiKey": "second-secret"}}, [])
    after = secrets.frozen()
    assert after is not before
    assert before.redact("first-secret second-secret") == f"{REDACTED} second-secret"
    assert after.redact("first-secret second-secret") == f"first-secret {REDACTED}"
    assert after.frozen() is after


async def test_sensor_and_events_hold_no_secret(hass: HomeAssistant, leaky_run: Any) -> None:
    """The failed step's message quotes the OBS password: the sensor's attributes (kept by
    the state machine and the recorder) and the bus events show it redacted."""
    from homeassistant.core import Event, callback

    events: list[Event] = []

    @callback
    def record(event: Event) -> None:
        events.append(event)

    hass.bus.async_listen(f"{DOMAIN}_run_finished", record)
    state = next(s for s in hass.states.async_all("sensor") if s.entity_id.endswith("leaky_state"))
    attributes = str(dict(state.attributes))
    assert state.attributes["handled_errors"] == 1
    assert REDACTED in str(state.attributes["last_handled_error"])
    assert leaked(attributes) == []
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "leaky"}, blocking=True)
    await hass.async_block_till_done()
    assert events
    assert REDACTED in str(events[-1].data["errors"])
    assert leaked(str(events[-1].data)) == []
