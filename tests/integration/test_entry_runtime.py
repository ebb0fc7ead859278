"""What each kind of entry holds, read through the typed accessors of `runtime.py`."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.connections import CONF_CONNECTION, KIND_DISCORD
from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.coordinator import WorkflowCoordinator
from custom_components.stream_workflows.data_keys import ADAPTERS
from custom_components.stream_workflows.runtime import (
    WrongEntryKindError,
    coordinator_of,
    core_coordinator,
    discord_connection_of,
    obs_link_of,
    runtime_data_of,
    twitch_link_of,
)


async def test_the_core_entry_holds_the_coordinator(hass: HomeAssistant, setup_entry: Any) -> None:
    entry = await setup_entry()
    coordinator = coordinator_of(entry)
    assert isinstance(coordinator, WorkflowCoordinator)
    assert core_coordinator(hass) is coordinator
    # Every run and every connection share the one registry kept under its typed key.
    assert hass.data[ADAPTERS] is coordinator.registry
    for accessor in (obs_link_of, twitch_link_of, discord_connection_of):
        with pytest.raises(WrongEntryKindError, match="WorkflowCoordinator"):
            accessor(entry)

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert core_coordinator(hass) is None


async def test_a_hand_edited_discord_entry_fails_setup_in_translated_words(
    hass: HomeAssistant,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Discord",
        data={CONF_CONNECTION: KIND_DISCORD, "bot_token": "", "webhook_url": ""},
        unique_id=KIND_DISCORD,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    # Nothing would make a retry succeed: an error, not "not ready".
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert entry.reason.startswith("This Discord connection cannot be used: give a bot token")
    assert runtime_data_of(entry) is None
    with pytest.raises(WrongEntryKindError, match="NoneType"):
        discord_connection_of(entry)
    # Ended as its twin in test_config_flow_connections is: the failed entry unloads cleanly,
    # and the registry writes its state change settles before Home Assistant stops.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
