"""Stream events over EventSub's websocket, from the local Twitch, through twitchAPI."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from custom_components.stream_workflows.adapters.twitch import EVENT_TOPICS
from local_peers.twitch_server import BROADCASTER
from tests.adapters.twitch_fixtures import twitch_world
from tests.peers.harness import build, finish, make_engine, wait_until

pytestmark = pytest.mark.usefixtures("socket_enabled")
ME = BROADCASTER["id"]
USER = {"user_id": "1337", "user_login": "awesome_user", "user_name": "Awesome_User"}
CHANNEL = {
    "broadcaster_user_id": ME,
    "broadcaster_user_login": "twitchdev",
    "broadcaster_user_name": "TwitchDev",
}

# Event payloads as Twitch documents them, by topic.
EVENTS: dict[str, dict[str, Any]] = {
    "stream.online": {
        "id": "9001",
        **CHANNEL,
        "type": "live",
        "started_at": "2026-01-01T20:00:00Z",
    },
    "stream.offline": dict(CHANNEL),
    "channel.follow": {**USER, **CHANNEL, "followed_at": "2026-01-01T20:05:00.123456789Z"},
    "channel.subscribe": {**USER, **CHANNEL, "tier": "1000", "is_gift": False},
    "channel.subscription.gift": {
        **USER,
        **CHANNEL,
        "total": 2,
        "tier": "1000",
        "cumulative_total": 284,
        "is_anonymous": False,
    },
    "channel.cheer": {
        "is_anonymous": False,
        **USER,
        **CHANNEL,
        "message": "pogchamp",
        "bits": 1000,
    },
    "channel.raid": {
        "from_broadcaster_user_id": "1234",
        "from_broadcaster_user_login": "cool_user",
        "from_broadcaster_user_name": "Cool_User",
        "to_broadcaster_user_id": ME,
        "to_broadcaster_user_login": "twitchdev",
        "to_broadcaster_user_name": "TwitchDev",
        "viewers": 9001,
    },
    "channel.channel_points_custom_reward_redemption.add": {
        "id": "17fa2df1-ad76-4804-bfa5-a40ef63efe63",
        **CHANNEL,
        **USER,
        "user_input": "pogchamp",
        "status": "unfulfilled",
        "reward": {
            "id": "92af127c-7326-4483-a52b-b0da0be61c01",
            "title": "Hydrate",
            "cost": 100,
            "prompt": "Drink water",
        },
        "redeemed_at": "2026-01-01T20:10:00.000Z",
    },
    "channel.ad_break.begin": {
        "duration_seconds": 60,
        "started_at": "2026-01-01T20:15:00Z",
        "is_automatic": False,
        **CHANNEL,
        "requester_user_id": ME,
        "requester_user_login": "twitchdev",
        "requester_user_name": "TwitchDev",
    },
}


async def test_subscriptions_are_made_as_twitch_expects() -> None:
    async with twitch_world() as world:
        session = world.peer.active_session()
        subs = world.peer.enabled()
        assert sorted((s["type"], s["version"]) for s in subs) == sorted(
            (topic, version) for topic, version, _scope in EVENT_TOPICS.values()
        )
        assert {s["transport"]["session_id"] for s in subs} == {session.id}
        conditions = {s["type"]: s["condition"] for s in subs}
        assert conditions["stream.online"] == {"broadcaster_user_id": ME}
        assert conditions["channel.follow"] == {
            "broadcaster_user_id": ME,
            "moderator_user_id": ME,
        }
        assert conditions["channel.raid"]["to_broadcaster_user_id"] == ME
        assert conditions["channel.raid"].get("from_broadcaster_user_id") is None
        posts = world.peer.requests("POST", "/helix/eventsub/subscriptions")
        assert posts[0].body["transport"] == {"method": "websocket", "session_id": session.id}
        assert {p.token for p in posts} == {world.access}
        assert world.connection.eventsub_connected
        assert set(world.connection.subscribed) == set(EVENT_TOPICS)
        assert world.connection.failed_events == {}


@pytest.mark.parametrize(("name", "topic"), [(n, t[0]) for n, t in EVENT_TOPICS.items()])
async def test_every_stream_event_arrives_with_twitchs_payload(name: str, topic: str) -> None:
    async with twitch_world() as world:
        await world.peer.notify(topic, EVENTS[topic])
        await wait_until(lambda: bool(world.events))
        assert world.events == [(name, EVENTS[topic])]


async def test_a_repeated_message_is_delivered_once() -> None:
    async with twitch_world() as world:
        message_id = await world.peer.notify("channel.cheer", EVENTS["channel.cheer"])
        await world.peer.notify("channel.cheer", EVENTS["channel.cheer"], message_id=message_id)
        await world.peer.notify("stream.offline", EVENTS["stream.offline"])
        await wait_until(lambda: len(world.events) >= 2)
        assert [name for name, _ in world.events] == ["cheer", "stream_stopped"]


async def test_a_notification_starts_the_workflow_it_triggers() -> None:
    from custom_components.stream_workflows.adapters.discord.connection import DiscordConnection
    from local_peers.discord_server import WEBHOOK_CHANNEL, DiscordPeer
    from tests.peers.harness import seed

    async with DiscordPeer() as discord, twitch_world() as world:
        connection = DiscordConnection(bot_token=discord.bot_token, api_base=discord.api_base)
        engine, clock, obs = make_engine(
            twitch=world.connection,
            discord=connection,
            globals_={"config": {"discord_channel_id": WEBHOOK_CHANNEL}},
        )
        definitions = [seed("stream_start_sequence.json", engine)]
        runs = []

        def on_event(name: str, data: dict[str, Any]) -> None:
            for definition in definitions:
                if any(t.config.get("event") == name for t in definition.triggers):
                    runs.append(engine.start(definition, trigger={"event": name, **data}))

        world.connection.on_event = on_event
        await world.peer.notify("stream.offline", EVENTS["stream.offline"])
        await world.peer.notify("stream.online", EVENTS["stream.online"])
        await wait_until(lambda: bool(runs))
        (run,) = runs
        assert run.trigger is not None
        assert run.trigger["type"] == "live"
        assert await finish(run, clock) == "succeeded", run.error
        await connection.close()
        assert [m["content"] for m in discord.messages(WEBHOOK_CHANNEL)] == [
            "Stream starting soon!"
        ]
        assert obs.calls == [
            ("set_current_scene", {"scene_name": "Starting Soon"}),
            ("set_current_scene", {"scene_name": "Main"}),
        ]


async def test_session_reconnect_moves_to_the_new_url_and_keeps_subscriptions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with twitch_world() as world:
        old = world.peer.active_session()
        posts = len(world.peer.requests("POST", "/helix/eventsub/subscriptions"))
        new = await world.peer.request_reconnect()
        assert new.id != old.id
        await wait_until(lambda: old.closed.is_set())
        # Twitch keeps the subscriptions across a session_reconnect: none are made again.
        assert len(world.peer.requests("POST", "/helix/eventsub/subscriptions")) == posts
        await world.peer.notify("channel.follow", EVENTS["channel.follow"])
        await wait_until(lambda: bool(world.events))
        assert world.events == [("follow", EVENTS["channel.follow"])]
        assert world.connection.eventsub_connected
        secrets = world.secrets
    for secret in secrets:
        assert secret not in caplog.text


async def test_a_lost_connection_is_reopened_and_subscribed_again() -> None:
    async with twitch_world() as world:
        first = world.peer.active_session()
        await world.peer.drop()
        second = await world.peer.wait_sessions(2)
        assert second.id != first.id
        await wait_until(lambda: len(world.peer.enabled()) == len(EVENT_TOPICS))
        assert {s["transport"]["session_id"] for s in world.peer.enabled()} == {second.id}
        await world.peer.notify("channel.raid", EVENTS["channel.raid"])
        await wait_until(lambda: bool(world.events))
        assert world.events == [("raid", EVENTS["channel.raid"])]


async def test_a_fresh_session_is_started_after_twitchapi_gives_up() -> None:
    async with twitch_world() as world:
        world.peer.refuse_websocket = True
        await world.peer.drop()
        # twitchAPI retries (delays 0, 0), gives up; this connection then starts over.
        await wait_until(lambda: len(world.peer.requests("GET", "/ws")) >= 6)
        assert not world.connection.eventsub_connected
        world.peer.refuse_websocket = False
        session = await world.peer.wait_sessions(2)
        await wait_until(lambda: len(world.peer.enabled()) == len(EVENT_TOPICS))
        assert {s["transport"]["session_id"] for s in world.peer.enabled()} == {session.id}
        await world.peer.notify("stream.online", EVENTS["stream.online"])
        await wait_until(lambda: bool(world.events))
        assert world.events == [("stream_started", EVENTS["stream.online"])]


async def test_missed_keepalives_make_the_client_reconnect() -> None:
    async with twitch_world() as world:
        # The next session announces a keepalive of 0.3 s and the peer then stays silent:
        # twitchAPI's watchdog reconnects after twice that without any message.
        world.peer.keepalive = 0.3
        await world.peer.drop()
        second = await world.peer.wait_sessions(2)
        world.peer.keepalive = 10
        third = await world.peer.wait_sessions(3)
        assert len({second.id, third.id}) == 2
        await wait_until(lambda: len(world.peer.enabled()) == len(EVENT_TOPICS))
        assert {s["transport"]["session_id"] for s in world.peer.enabled()} == {third.id}


async def test_revocation_is_recorded_and_a_revoked_authorization_asks_for_reauth() -> None:
    async with twitch_world() as world:
        await world.peer.revoke("channel.cheer", "user_removed")
        await wait_until(lambda: bool(world.connection.revoked))
        assert world.connection.revoked == [{"type": "channel.cheer", "status": "user_removed"}]
        assert "cheer" not in world.connection.subscribed
        assert world.auth_failures == []

        await world.peer.revoke("channel.follow", "authorization_revoked")
        await wait_until(lambda: bool(world.auth_failures))
        assert world.auth_failures == ["the broadcaster revoked the app's authorization"]
        assert not world.connection.connected

        engine, clock, _obs = make_engine(twitch=world.connection)
        definition = build(
            {
                "id": "after_revocation",
                "steps": [
                    {
                        "id": "chat",
                        "service": "twitch",
                        "action": "send_chat_message",
                        "params": {"message": "hello?"},
                    }
                ],
            },
            engine,
        )
        run = engine.start(definition)
        await finish(run, clock)
        assert run.error is not None
        assert run.error.type == "auth_failed"
        assert world.peer.requests("POST", "/helix/chat/messages") == []


async def test_stop_closes_the_session() -> None:
    async with twitch_world() as world:
        session = world.peer.active_session()
        await world.connection.stop()
        await wait_until(session.closed.is_set)
        assert not world.connection.eventsub_connected
        assert not world.connection.connected


async def test_without_an_event_callback_no_socket_is_opened() -> None:
    async with twitch_world(events=False) as world:
        assert world.peer.sessions == {}
        assert world.peer.requests("POST", "/helix/eventsub/subscriptions") == []
