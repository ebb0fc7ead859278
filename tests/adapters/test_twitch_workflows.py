"""The repository's workflows, run by the engine against the local Twitch and Discord.

OBS steps go to a recording stand-in (OBS has its own tests against a real OBS).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest

from custom_components.stream_workflows.adapters.discord.connection import DiscordConnection
from local_peers.discord_server import WEBHOOK_CHANNEL, DiscordPeer
from local_peers.twitch_server import BROADCASTER
from tests.adapters.twitch_fixtures import TwitchWorld, twitch_world
from tests.peers.harness import ManualClock, RecordingConnection, finish, make_engine, seed

pytestmark = pytest.mark.usefixtures("socket_enabled")
CONFIG = {"config": {"discord_channel_id": WEBHOOK_CHANNEL}}


@asynccontextmanager
async def world_with_discord() -> AsyncIterator[
    tuple[TwitchWorld, DiscordPeer, Any, ManualClock, RecordingConnection]
]:
    async with DiscordPeer() as discord, twitch_world(events=False) as world:
        connection = DiscordConnection(bot_token=discord.bot_token, api_base=discord.api_base)
        engine, clock, obs = make_engine(
            twitch=world.connection, discord=connection, globals_=CONFIG
        )
        try:
            yield world, discord, engine, clock, obs
        finally:
            await engine.cancel_all()
            await connection.close()


async def test_raid_workflow_announces_waits_and_raids_by_name() -> None:
    async with world_with_discord() as (world, _discord, engine, clock, obs):
        run = engine.start(seed("raid_workflow.json", engine), {"raid_target": "Someone"})
        assert await finish(run, clock) == "succeeded", run.error
        assert run.path == [
            "prepare_raid",
            "announce_raid",
            "wait_for_raid",
            "execute_raid",
            "end_stream",
        ]
        (chat,) = world.peer.requests("POST", "/helix/chat/messages")
        assert chat.arg("message") == "We're raiding Someone in 30 seconds! Get ready!"
        (lookup,) = world.peer.requests("GET", "/helix/users")
        assert lookup.query == {"login": ["someone"]}
        (raid,) = world.peer.requests("POST", "/helix/raids")
        assert raid.query == {
            "from_broadcaster_id": [BROADCASTER["id"]],
            "to_broadcaster_id": ["98765"],
        }
        assert run.results["execute_raid"]["target_login"] == "someone"
        assert [call[0] for call in obs.calls] == ["set_current_scene", "stop_streaming"]
        # The wait ran on the engine's clock: the raid came 30 s after the announcement.
        entered = {
            e["step"]: datetime.fromisoformat(e["at"])
            for e in run.history.as_dicts()
            if e["event"] == "step_entered"
        }
        assert (entered["execute_raid"] - entered["wait_for_raid"]).total_seconds() == 30


async def test_raid_on_an_unknown_channel_takes_the_error_route(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with world_with_discord() as (world, _discord, engine, clock, obs):
        run = engine.start(seed("raid_workflow.json", engine), {"raid_target": "nobody_here"})
        assert await finish(run, clock) == "succeeded"
        assert run.path[-2:] == ["execute_raid", "end_stream"]
        failed = [e for e in run.history.as_dicts() if e["event"] == "action_failed"]
        assert failed[0]["message"] == "there is no Twitch channel named 'nobody_here'"
        assert world.peer.requests("POST", "/helix/raids") == []
        assert obs.calls[-1][0] == "stop_streaming"
        secrets = world.secrets
    for secret in secrets:
        assert secret not in caplog.text


async def test_stream_end_processing_shares_the_clip_url_on_discord() -> None:
    async with world_with_discord() as (world, discord, engine, clock, obs):
        run = engine.start(seed("stream_end_processing.json", engine))
        assert await finish(run, clock) == "succeeded", run.error
        (clip,) = world.peer.requests("POST", "/helix/clips")
        assert clip.query["title"] == ["Stream Highlight - 2026-01-01"]
        url = run.results["create_highlight"]["url"]
        assert url == f"https://clips.twitch.tv/{run.results['create_highlight']['id']}"
        contents = sorted(m["content"] for m in discord.messages(WEBHOOK_CHANNEL))
        assert contents == [f"Check out this highlight: {url}", "Stream ended! VOD processing."]
        posts = [r for r in discord.received if r.method == "POST"]
        assert {r.path for r in posts} == {f"/api/v10/channels/{WEBHOOK_CHANNEL}/messages"}
        assert {r.headers["Authorization"] for r in posts} == {f"Bot {discord.bot_token}"}
        assert [call[0] for call in obs.calls] == ["stop_streaming", "save_replay_buffer"]
