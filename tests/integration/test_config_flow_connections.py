"""Connection flows against real peers: OBS (a real headless OBS Studio) and a local Discord.

Adding OBS with a wrong password or an address where nothing listens, reauthentication when
OBS's password changed, reconfiguration of OBS's address, and Discord's reauth and reconfigure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows import connections
from custom_components.stream_workflows.const import DOMAIN
from local_peers.discord_server import BOT_TOKEN, DiscordPeer
from local_peers.obs_headless import HeadlessObs, free_port
from tests.adapters.obs_fixture import obs_server, rtmp_url  # noqa: F401


@pytest.fixture
async def discord(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DiscordPeer]:
    async with DiscordPeer() as peer:
        monkeypatch.setattr(connections, "discord_api_base", peer.api_base)
        yield peer


@pytest.fixture
def core_entry(hass: HomeAssistant, mock_entry: MockConfigEntry) -> MockConfigEntry:
    """The core entry exists (not set up), so adding the integration offers connections."""
    mock_entry.add_to_hass(hass)
    return mock_entry


async def obs_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "obs"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "obs"
    return dict(result)


def obs_entry(port: int, password: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"OBS Studio (127.0.0.1:{port})",
        data={"connection": "obs", "host": "127.0.0.1", "port": port, "password": password},
        unique_id=f"obs_127.0.0.1_{port}",
    )


async def test_obs_nothing_listening_is_cannot_connect(
    hass: HomeAssistant, core_entry: MockConfigEntry, socket_enabled: None
) -> None:
    result = await obs_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": free_port(), "password": "x"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_obs_flow_checks_the_password(
    hass: HomeAssistant,
    core_entry: MockConfigEntry,
    obs_server: HeadlessObs,  # noqa: F811
    socket_enabled: None,
) -> None:
    result = await obs_form(hass)
    settings = {"host": "127.0.0.1", "port": obs_server.port}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**settings, "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**settings, "password": obs_server.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"OBS Studio (127.0.0.1:{obs_server.port})"
    assert result["data"] == {"connection": "obs", **settings, "password": obs_server.password}
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    # The same OBS again is refused before anything is checked.
    result = await obs_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**settings, "password": "whatever"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_obs_password_changed_starts_reauth(
    hass: HomeAssistant,
    obs_server: HeadlessObs,  # noqa: F811
    socket_enabled: None,
) -> None:
    entry = obs_entry(obs_server.port, "an old password")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == config_entries.SOURCE_REAUTH
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": "still wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": obs_server.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["password"] == obs_server.password
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_obs_reconfigure_moves_the_address(
    hass: HomeAssistant,
    obs_server: HeadlessObs,  # noqa: F811
    socket_enabled: None,
) -> None:
    old_port = free_port()
    entry = obs_entry(old_port, obs_server.password)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_obs"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": "127.0.0.1", "port": old_port, "password": obs_server.password},
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": "127.0.0.1", "port": obs_server.port, "password": obs_server.password},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["port"] == obs_server.port
    assert entry.unique_id == f"obs_127.0.0.1_{obs_server.port}"
    assert entry.title == f"OBS Studio (127.0.0.1:{obs_server.port})"
    assert entry.state is ConfigEntryState.LOADED
    connection = entry.runtime_data.connection
    assert connection.connected
    # Home Assistant stops with the connection open: it closes on the way out.
    await hass.async_stop()
    assert not connection.connected


def discord_entry(**data: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Discord",
        data={"connection": "discord", "bot_token": "", "webhook_url": "", **data},
        unique_id="discord",
    )


async def test_discord_reauth(hass: HomeAssistant, discord: DiscordPeer) -> None:
    entry = discord_entry(bot_token="revoked")
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"bot_token": "still revoked", "webhook_url": ""}
    )
    assert result["errors"] == {"bot_token": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"bot_token": BOT_TOKEN, "webhook_url": ""}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["bot_token"] == BOT_TOKEN
    assert entry.state is ConfigEntryState.LOADED


async def test_discord_reconfigure(hass: HomeAssistant, discord: DiscordPeer) -> None:
    entry = discord_entry(bot_token=BOT_TOKEN)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_discord"
    bad_webhook = discord.webhook_url.rsplit("/", 1)[0] + "/not-the-token"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"bot_token": "", "webhook_url": bad_webhook}
    )
    assert result["errors"] == {"webhook_url": "invalid_webhook"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"bot_token": "", "webhook_url": discord.webhook_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data == {
        "connection": "discord",
        "bot_token": "",
        "webhook_url": discord.webhook_url,
    }
    assert entry.state is ConfigEntryState.LOADED


async def test_discord_entry_without_credentials_fails_setup(hass: HomeAssistant) -> None:
    entry = discord_entry()
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR  # a retry cannot help
    assert await hass.config_entries.async_unload(entry.entry_id)
