"""Fixtures for the sharing tests that run Home Assistant (real core, in process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import CONF_FOLDER, DOMAIN

SHARED = {"config": {"discord_channel_id": "123456789012345678", "door_pin": "pin-7731-x"}}


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "stream_workflows").mkdir()
    return tmp_path


@pytest.fixture
def core_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Stream Workflows",
        data={CONF_FOLDER: "stream_workflows"},
        options={"variables": SHARED, "secret_variables": ["config.door_pin"]},
        entry_id="stream_workflows_entry",
        unique_id="core",
    )


@pytest.fixture
async def setup_core(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    config_dir: Path,
    core_entry: MockConfigEntry,
) -> Callable[[], Any]:
    async def setup() -> MockConfigEntry:
        core_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(core_entry.entry_id)
        await hass.async_block_till_done()
        return core_entry

    return setup


@pytest.fixture
async def ws_send(hass: HomeAssistant, setup_core: Callable[[], Any], hass_ws_client: Any) -> Any:
    """The core entry set up and the sharing commands registered; `await send(type, **data)`."""
    from homeassistant.setup import async_setup_component

    from custom_components.stream_workflows.studio.sharing_ws import (
        async_register_sharing_commands,
    )
    from tests.studio.ws_client import sender

    await setup_core()
    assert await async_setup_component(hass, "websocket_api", {})
    async_register_sharing_commands(hass)
    return sender(await hass_ws_client(hass))
