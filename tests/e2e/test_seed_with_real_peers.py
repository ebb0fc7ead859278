"""The seed's workflows, loaded unchanged, run in Home Assistant against a real OBS and a local
Discord; the test checks what each peer received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import obsws_python
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.stream_workflows import connections
from custom_components.stream_workflows.const import DOMAIN, EVENT_STREAM
from local_peers.discord_server import BOT_TOKEN, WEBHOOK_CHANNEL, DiscordPeer
from local_peers.obs_headless import HeadlessObs
from tests.adapters.obs_fixture import ObsEventWatcher
from tests.integration.test_setup import entity_id


@pytest.fixture
async def discord(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DiscordPeer]:
    async with DiscordPeer() as peer:
        monkeypatch.setattr(connections, "discord_api_base", peer.api_base)
        yield peer


async def until(hass: HomeAssistant, check: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for real peers to answer."""
    for _ in range(200):
        await hass.async_block_till_done()
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def set_scene(obs: HeadlessObs, scene: str) -> None:
    """Switch OBS directly with obsws-python (the test's own hand on the peer)."""
    client = obsws_python.ReqClient(host="127.0.0.1", port=obs.port, password=obs.password)
    try:
        client.set_current_program_scene(scene)
    finally:
        client.disconnect()


async def add_connection(hass: HomeAssistant, title: str, data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, title=title, data=data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_stream_start_sequence_drives_obs_and_discord(
    hass: HomeAssistant,
    obs_server: HeadlessObs,
    discord: DiscordPeer,
    seed_workflows: Any,
    mock_entry: MockConfigEntry,
    setup_entry: Callable[[], Any],
) -> None:
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry, options={"variables": {"config": {"discord_channel_id": WEBHOOK_CHANNEL}}}
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    obs_entry = await add_connection(
        hass,
        "OBS",
        {
            "connection": "obs",
            "host": "127.0.0.1",
            "port": obs_server.port,
            "password": obs_server.password,
        },
    )
    await add_connection(hass, "Discord", {"connection": "discord", "bot_token": BOT_TOKEN})
    scene_sensor = entity_id(hass, "sensor", f"{obs_entry.entry_id}_scene")
    watcher = ObsEventWatcher(obs_server)
    try:
        # Start from another scene, so that switching to "Starting Soon" is a change OBS reports.
        await hass.async_add_executor_job(set_scene, obs_server, "BRB")
        assert await asyncio.wait_for(watcher.scenes.get(), 10) == "BRB"
        # The seed's "trigger": "stream_started", fired the way OBS's own event arrives.
        hass.bus.async_fire(EVENT_STREAM, {"event": "stream_started", "source": "obs"})
        sensor = entity_id(hass, "sensor", "stream_start_sequence_state")
        await until(hass, lambda: hass.states.get(sensor).state == "start_countdown", "countdown")
        assert await asyncio.wait_for(watcher.scenes.get(), 10) == "Starting Soon"
        await until(
            hass, lambda: hass.states.get(scene_sensor).state == "Starting Soon", "scene sensor"
        )
        assert [m["content"] for m in discord.messages(WEBHOOK_CHANNEL)] == [
            "Stream starting soon!"
        ]
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=301))
        await until(hass, lambda: hass.states.get(sensor).state == "succeeded", "the end")
        assert await asyncio.wait_for(watcher.scenes.get(), 10) == "Main"
        state = hass.states.get(sensor)
        assert state.attributes["last_error"] is None
    finally:
        watcher.close()
