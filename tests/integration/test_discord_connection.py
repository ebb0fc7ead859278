"""A Discord connection entry: validated against a local server speaking Discord's REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.stream_workflows import connections
from custom_components.stream_workflows.const import DOMAIN
from local_peers.discord_server import BOT_TOKEN, WEBHOOK_CHANNEL, DiscordPeer

ANNOUNCE = {
    "id": "announce",
    "name": "Announce",
    "steps": [
        {
            "id": "post",
            "service": "discord",
            "action": "send_channel_message",
            "params": {"channel_id": "${config.discord_channel_id}", "message": "Live now!"},
        }
    ],
}


@pytest.fixture
async def discord(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DiscordPeer]:
    async with DiscordPeer() as peer:
        monkeypatch.setattr(connections, "discord_api_base", peer.api_base)
        yield peer


async def _add_discord(hass: HomeAssistant, data: dict[str, str]) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "discord"}
    )
    assert result["step_id"] == "discord"
    return await hass.config_entries.flow.async_configure(result["flow_id"], data)


async def test_discord_flow_validates_and_workflow_posts(
    hass: HomeAssistant, discord: DiscordPeer, write_workflow: Any, setup_entry: Any
) -> None:
    write_workflow("announce.json", ANNOUNCE)
    core = await setup_entry()
    result = await _add_discord(hass, {"bot_token": "wrong", "webhook_url": ""})
    assert result["errors"] == {"bot_token": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"bot_token": "", "webhook_url": ""}
    )
    assert result["errors"] == {"base": "discord_needs_one"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"bot_token": BOT_TOKEN, "webhook_url": discord.webhook_url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    hass.config_entries.async_update_entry(
        core, options={"variables": {"config": {"discord_channel_id": WEBHOOK_CHANNEL}}}
    )
    await hass.async_block_till_done()
    response = await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": "announce", "wait": True},
        blocking=True,
        return_response=True,
    )
    outcome = response["runs"][0]
    assert outcome["status"] == "succeeded", outcome
    assert [m["content"] for m in discord.messages(WEBHOOK_CHANNEL)] == ["Live now!"]
    # Removing the connection makes Discord steps fail fast, with a reason to route on.
    discord_entry = hass.config_entries.async_entries(DOMAIN)[-1]
    assert await hass.config_entries.async_remove(discord_entry.entry_id)
    response = await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": "announce", "wait": True},
        blocking=True,
        return_response=True,
    )
    assert response["runs"][0]["error"]["type"] == "not_connected"
