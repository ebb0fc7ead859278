"""All three seed workflows, loaded unchanged, run in Home Assistant against a real headless OBS,
the local Twitch (signed in through Home Assistant's OAuth2 flow) and the local Discord. The test
checks what each peer received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import obsws_python
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.stream_workflows import connections
from custom_components.stream_workflows.const import DOMAIN
from local_peers.discord_server import BOT_TOKEN, WEBHOOK_CHANNEL, DiscordPeer
from local_peers.obs_headless import HeadlessObs
from local_peers.twitch_server import TwitchPeer
from tests.adapters.obs_fixture import ObsEventWatcher
from tests.integration.test_twitch_connection import SignIn, add_twitch

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host")


@pytest.fixture
async def discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordPeer]:
    async with DiscordPeer() as peer:
        monkeypatch.setattr(connections, "discord_api_base", peer.api_base)
        yield peer


def obs_request(obs: HeadlessObs, name: str, *args: Any) -> None:
    """The test's own hand on OBS (obsws-python directly)."""
    client = obsws_python.ReqClient(host="127.0.0.1", port=obs.port, password=obs.password)
    try:
        getattr(client, name)(*args)
    finally:
        client.disconnect()


async def until_true(check: Callable[[], bool], what: str) -> None:
    """OBS starts outputs asynchronously: wait (bounded) until it reports the change."""
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def finish(
    hass: HomeAssistant, workflow_id: str, wait_step: str | None = None, skip_seconds: float = 0
) -> dict[str, Any]:
    """Run a workflow to its end, moving Home Assistant's timers past its wait step (only there:
    moving them while a real request is in flight would fire that request's timeout)."""
    sensor = next(
        state.entity_id
        for state in hass.states.async_all("sensor")
        if state.attributes.get("workflow_id") == workflow_id
    )
    task = asyncio.get_running_loop().create_task(
        hass.services.async_call(
            DOMAIN,
            "run",
            {"workflow_id": workflow_id, "wait": True},
            blocking=True,
            return_response=True,
        )
    )
    for _ in range(400):
        await hass.async_block_till_done()
        if task.done():
            break
        if wait_step and hass.states.get(sensor).state == wait_step:
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=skip_seconds))
        await asyncio.sleep(0.025)
    response = await asyncio.wait_for(task, 10)
    assert response is not None
    outcome: dict[str, Any] = response["runs"][0]  # type: ignore[index]
    return outcome


async def test_the_three_seed_workflows_against_real_peers(
    hass: HomeAssistant,
    obs_server: HeadlessObs,
    twitch: TwitchPeer,
    discord: DiscordPeer,
    credentials: None,
    sign_in: SignIn,
    seed_workflows: Path,
    mock_entry: MockConfigEntry,
) -> None:
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry,
        options={"variables": {"config": {"discord_channel_id": WEBHOOK_CHANNEL}}},
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    for title, data in (
        (
            "OBS",
            {
                "connection": "obs",
                "host": "127.0.0.1",
                "port": obs_server.port,
                "password": obs_server.password,
            },
        ),
        ("Discord", {"connection": "discord", "bot_token": BOT_TOKEN}),
    ):
        entry = MockConfigEntry(domain=DOMAIN, title=title, data=data)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await add_twitch(hass, sign_in)
    await hass.async_block_till_done()
    watcher = ObsEventWatcher(obs_server)
    try:
        await hass.async_add_executor_job(
            obs_request, obs_server, "set_current_program_scene", "BRB"
        )
        assert await asyncio.wait_for(watcher.scenes.get(), 10) == "BRB"

        # The raid: OBS's raid scene, chat told, 30 s later the raid, then the stream ends.
        hass.config_entries.async_update_entry(
            mock_entry,
            options={
                "variables": {
                    "config": {"discord_channel_id": WEBHOOK_CHANNEL},
                    "raid_target": "friendlystreamer",
                }
            },
        )
        await hass.async_block_till_done()
        raid = await finish(hass, "raid_workflow", "wait_for_raid", 31)
        assert raid["status"] == "succeeded", raid
        assert raid["path"] == [
            "prepare_raid",
            "announce_raid",
            "wait_for_raid",
            "execute_raid",
            "end_stream",
        ]
        assert await asyncio.wait_for(watcher.scenes.get(), 10) == "Raid Screen"
        chat = [r.arg("message") for r in twitch.requests("POST", "/helix/chat/messages")]
        assert chat == ["We're raiding friendlystreamer in 30 seconds! Get ready!"]
        (raid_request,) = twitch.requests("POST", "/helix/raids")
        assert raid_request.arg("to_broadcaster_id") == "55555"

        # Going live: Starting Soon, Discord told, the countdown, Main.
        start = await finish(hass, "stream_start_sequence", "start_countdown", 301)
        assert start["status"] == "succeeded", start
        # OBS reports closely spaced switches once, as the last scene: collect until "Main".
        scenes = [await asyncio.wait_for(watcher.scenes.get(), 10)]
        while scenes[-1] != "Main":
            scenes.append(await asyncio.wait_for(watcher.scenes.get(), 10))
        assert set(scenes) <= {"Starting Soon", "Main"}
        assert start["results"]["switch_scene"] == {"scene_name": "Starting Soon"}
        assert [m["content"] for m in discord.messages(WEBHOOK_CHANNEL)] == [
            "Stream starting soon!"
        ]

        # Stream end: stop, save the replay, tell Discord, clip, share the clip's address.
        await hass.async_add_executor_job(obs_request, obs_server, "start_replay_buffer")
        obs = connections.shared_registry(hass).get("obs")
        await until_true(
            lambda: obs.connection.snapshot().replay_buffer_active,  # type: ignore[union-attr]
            "the replay buffer to be reported active",
        )
        end = await finish(hass, "stream_end_processing")
        assert end["status"] == "succeeded", end
        assert set(end["path"]) == {
            "end_stream",
            "save_vod",
            "update_discord",
            "create_highlight",
            "share_highlight",
        }
        saved = Path(end["results"]["save_vod"]["path"])
        assert saved.exists()
        assert saved.stem.startswith("stream_")
        clip_url = end["results"]["create_highlight"]["url"]
        posted = [m["content"] for m in discord.messages(WEBHOOK_CHANNEL)]
        assert posted[1:] in (
            ["Stream ended! VOD processing.", f"Check out this highlight: {clip_url}"],
            [f"Check out this highlight: {clip_url}", "Stream ended! VOD processing."],
        )
        (clip,) = twitch.requests("POST", "/helix/clips")
        assert clip.arg("title") is not None
    finally:
        watcher.close()
        status = obsws_python.ReqClient(
            host="127.0.0.1", port=obs_server.port, password=obs_server.password
        )
        try:
            if status.get_replay_buffer_status().output_active:
                status.stop_replay_buffer()
        finally:
            status.disconnect()
