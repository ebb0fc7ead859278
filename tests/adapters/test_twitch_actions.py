"""Every Twitch action, run by the engine, against the local Twitch (Helix wire format)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.adapters.twitch import ACTIONS
from local_peers.twitch_server import BROADCASTER
from tests.adapters.twitch_fixtures import twitch_world
from tests.peers.harness import build, finish, make_engine

pytestmark = pytest.mark.usefixtures("socket_enabled")
ME = BROADCASTER["id"]


def step(step_id: str, action: str, **params: Any) -> dict[str, Any]:
    return {"id": step_id, "service": "twitch", "action": action, "params": params}


EVERY_ACTION: dict[str, Any] = {
    "id": "every_twitch_action",
    "steps": [
        step("chat", "send_chat_message", message="Hello chat"),
        step("clip", "create_clip", title="Big play", duration=45),
        step("marker", "create_stream_marker", description="boss down"),
        step(
            "channel",
            "update_channel",
            title="New title",
            category="Minecraft",
            tags=["English", "Cozy"],
        ),
        step("announce", "send_announcement", message="Giveaway!", color="purple"),
        step("shoutout", "send_shoutout", to_channel="@FriendlyStreamer"),
        step("ad", "start_commercial", length=60),
        step(
            "poll",
            "create_poll",
            title="Next game?",
            choices=["Minecraft", "Celeste"],
            duration=120,
        ),
        step(
            "prediction",
            "create_prediction",
            title="Will we win?",
            outcomes=["Yes", "No"],
            window=60,
        ),
        step("raid", "raid_channel", target_channel="https://twitch.tv/Someone"),
        step("cancel", "cancel_raid"),
        step("echo", "send_chat_message", message="Clip: ${clip.url} (${raid.target_login})"),
    ],
}


def test_every_action_has_a_documented_result_and_rehearsal() -> None:
    assert set(ACTIONS) == {
        "send_chat_message",
        "create_clip",
        "raid_channel",
        "cancel_raid",
        "create_stream_marker",
        "update_channel",
        "send_announcement",
        "send_shoutout",
        "start_commercial",
        "create_poll",
        "create_prediction",
    }
    for spec in ACTIONS.values():
        assert spec.timeout is not None
        assert spec.timeout > 0
        assert spec.description
        assert spec.result
        rehearsed = spec.rehearsal(spec.params(_sample(spec.name)))
        assert rehearsed is not None
        assert set(rehearsed) <= set(spec.result)


def _sample(action: str) -> dict[str, Any]:
    for item in EVERY_ACTION["steps"]:
        if item["action"] == action:
            return dict(item["params"])
    raise AssertionError(action)


async def test_every_action_reaches_helix() -> None:
    async with twitch_world(events=False) as world:
        engine, clock, _obs = make_engine(twitch=world.connection)
        run = engine.start(build(EVERY_ACTION, engine))
        assert await finish(run, clock) == "succeeded", run.error
        peer = world.peer

        chat = peer.requests("POST", "/helix/chat/messages")
        assert [r.arg("message") for r in chat] == [
            "Hello chat",
            f"Clip: {run.results['clip']['url']} (someone)",
        ]
        assert {r.arg("broadcaster_id") for r in chat} == {ME}
        assert {r.arg("sender_id") for r in chat} == {ME}
        assert chat[0].headers["Client-Id"] == peer.client_id
        assert chat[0].token == world.access

        (clip,) = peer.requests("POST", "/helix/clips")
        assert clip.query == {
            "broadcaster_id": [ME],
            "has_delay": ["false"],
            "title": ["Big play"],
            "duration": ["45"],
        }
        clip_id = run.results["clip"]["id"]
        assert run.results["clip"] == {
            "id": clip_id,
            "url": f"https://clips.twitch.tv/{clip_id}",
            "edit_url": f"https://clips.twitch.tv/{clip_id}/edit",
            "title": "Big play",
        }

        (marker,) = peer.requests("POST", "/helix/streams/markers")
        assert marker.body == {"user_id": ME, "description": "boss down"}
        assert run.results["marker"]["description"] == "boss down"
        assert run.results["marker"]["position_seconds"] == 244

        games = peer.requests("GET", "/helix/games")
        assert games[0].query == {"name": ["Minecraft"]}
        (channel,) = peer.requests("PATCH", "/helix/channels")
        assert channel.query == {"broadcaster_id": [ME]}
        assert channel.body == {
            "game_id": "27471",
            "title": "New title",
            "tags": ["English", "Cozy"],
        }
        assert run.results["channel"]["category_id"] == "27471"

        (announce,) = peer.requests("POST", "/helix/chat/announcements")
        assert announce.query == {"broadcaster_id": [ME], "moderator_id": [ME]}
        assert announce.body == {"message": "Giveaway!", "color": "purple"}

        (shoutout,) = peer.requests("POST", "/helix/chat/shoutouts")
        assert shoutout.query == {
            "from_broadcaster_id": [ME],
            "to_broadcaster_id": ["55555"],
            "moderator_id": [ME],
        }
        assert run.results["shoutout"] == {"to_id": "55555", "to_login": "friendlystreamer"}

        (ad,) = peer.requests("POST", "/helix/channels/commercial")
        assert ad.arg("length") == "60"
        assert run.results["ad"] == {"length": 60, "message": "", "retry_after": 480}

        (poll,) = peer.requests("POST", "/helix/polls")
        assert poll.body["title"] == "Next game?"
        assert poll.body["choices"] == [{"title": "Minecraft"}, {"title": "Celeste"}]
        assert poll.body["duration"] == 120
        assert run.results["poll"]["status"] == "ACTIVE"
        assert [c["title"] for c in run.results["poll"]["choices"]] == ["Minecraft", "Celeste"]

        (prediction,) = peer.requests("POST", "/helix/predictions")
        assert prediction.body["outcomes"] == [{"title": "Yes"}, {"title": "No"}]
        assert prediction.body["prediction_window"] == 60
        assert [o["color"] for o in run.results["prediction"]["outcomes"]] == ["BLUE", "PINK"]

        users = peer.requests("GET", "/helix/users")
        assert [u.query for u in users] == [{"login": ["friendlystreamer"]}, {"login": ["someone"]}]
        (raid,) = peer.requests("POST", "/helix/raids")
        assert raid.query == {"from_broadcaster_id": [ME], "to_broadcaster_id": ["98765"]}
        assert run.results["raid"]["target_id"] == "98765"
        assert run.results["raid"]["is_mature"] is False
        (cancel,) = peer.requests("DELETE", "/helix/raids")
        assert cancel.query == {"broadcaster_id": [ME]}
        assert run.results["cancel"] == {"cancelled": True}
        assert peer.pending_raid is None


async def _one(world: Any, action: str, **params: Any) -> Any:
    engine, clock, _obs = make_engine(twitch=world.connection)
    definition = build({"id": "one", "steps": [step("only", action, **params)]}, engine)
    run = engine.start(definition)
    await finish(run, clock)
    return run


@pytest.mark.parametrize(
    ("method", "path", "status", "message", "action", "params", "error_type", "expected"),
    [
        (
            "POST",
            "/helix/raids",
            409,
            "The broadcaster is already in the process of raiding.",
            "raid_channel",
            {"target_channel": "someone"},
            "conflict",
            "raid channel: Twitch refused it (HTTP 409: The broadcaster is already in the "
            "process of raiding.)",
        ),
        (
            "POST",
            "/helix/chat/shoutouts",
            403,
            "The broadcaster may not give a Shoutout to a channel that is not live.",
            "send_shoutout",
            {"to_channel": "someone"},
            "forbidden",
            "send shoutout: Twitch refused it (HTTP 403: The broadcaster may not give a "
            "Shoutout to a channel that is not live.)",
        ),
        (
            "POST",
            "/helix/chat/announcements",
            400,
            "The message field is required",
            "send_announcement",
            {"message": "hi"},
            "bad_request",
            "send announcement: Twitch refused it (HTTP 400: The message field is required)",
        ),
        (
            "POST",
            "/helix/channels/commercial",
            425,
            "Too early: the last commercial ended 2 minutes ago.",
            "start_commercial",
            {"length": 30},
            "rejected",
            "start commercial: Twitch refused it (HTTP 425: Too early: the last commercial "
            "ended 2 minutes ago.)",
        ),
        (
            "POST",
            "/helix/polls",
            500,
            "Internal Server Error",
            "create_poll",
            {"title": "t", "choices": ["a", "b"]},
            "unavailable",
            "create poll: Twitch had a server error (HTTP 500)",
        ),
    ],
)
async def test_helix_errors_become_readable_action_errors(
    method: str,
    path: str,
    status: int,
    message: str,
    action: str,
    params: dict[str, Any],
    error_type: str,
    expected: str,
) -> None:
    async with twitch_world(events=False) as world:
        world.peer.fail(method, path, status, message)
        run = await _one(world, action, **params)
        assert run.status.value == "failed"
        assert run.error is not None
        assert (run.error.type, run.error.message) == (error_type, expected)


async def test_service_unavailable_is_retried_once_then_reported() -> None:
    async with twitch_world(events=False) as world:
        world.peer.fail("POST", "/helix/streams/markers", 503, "Service Unavailable")
        run = await _one(world, "create_stream_marker")
        assert run.status.value == "succeeded"
        assert len(world.peer.requests("POST", "/helix/streams/markers")) == 2

        world.peer.fail("POST", "/helix/streams/markers", 503, "Service Unavailable", times=2)
        run = await _one(world, "create_stream_marker")
        assert run.error is not None
        assert run.error.type == "unavailable"


async def test_names_that_do_not_exist() -> None:
    async with twitch_world(events=False) as world:
        run = await _one(world, "raid_channel", target_channel="nobody_here")
        assert run.error is not None
        assert (run.error.type, run.error.message) == (
            "not_found",
            "there is no Twitch channel named 'nobody_here'",
        )
        assert world.peer.requests("POST", "/helix/raids") == []

        run = await _one(world, "update_channel", category="Minecraf")
        assert run.error is not None
        assert run.error.message == (
            "there is no Twitch category named 'Minecraf' (did you mean 'Minecraft'?)"
        )
        assert world.peer.requests("PATCH", "/helix/channels") == []

        run = await _one(world, "cancel_raid")
        assert run.error is not None
        assert run.error.type == "not_found"
        assert "doesn't have a pending raid" in run.error.message


async def test_category_cleared_and_found_by_search() -> None:
    async with twitch_world(events=False) as world:
        run = await _one(world, "update_channel", category="")
        assert run.status.value == "succeeded", run.error
        assert world.peer.requests("PATCH", "/helix/channels")[-1].body == {"game_id": ""}

        # Get Games matches names exactly; a differently written name is found by search.
        run = await _one(world, "update_channel", category="just chatting")
        assert run.status.value == "succeeded", run.error
        assert run.results["only"]["category_id"] == "509658"
        assert world.peer.requests("GET", "/helix/search/categories")[-1].query["query"] == [
            "just chatting"
        ]
        assert world.peer.requests("PATCH", "/helix/channels")[-1].body == {"game_id": "509658"}


async def test_dropped_chat_message_is_an_error() -> None:
    async with twitch_world(events=False) as world:
        world.peer.dropped_messages.add("again")
        run = await _one(world, "send_chat_message", message="again")
        assert run.error is not None
        assert run.error.type == "message_dropped"
        assert "identical to the one you sent" in run.error.message


async def test_offline_channel_cannot_be_clipped() -> None:
    async with twitch_world(events=False) as world:
        world.peer.live = False
        run = await _one(world, "create_clip")
        assert run.error is not None
        assert run.error.type == "not_found"
        assert "Clipping is not possible for an offline channel." in run.error.message


async def test_rate_limit_waits_for_reset_then_retries() -> None:
    async with twitch_world(events=False) as world:
        world.peer.rate_limit("POST", "/helix/clips")
        run = await _one(world, "create_clip", title="after the limit")
        assert run.status.value == "succeeded", run.error
        clips = world.peer.requests("POST", "/helix/clips")
        assert len(clips) == 2
        assert clips[1].query["title"] == ["after the limit"]


async def test_rate_limit_that_persists_or_resets_too_late_fails() -> None:
    async with twitch_world(events=False) as world:
        world.peer.rate_limit("POST", "/helix/clips", times=2)
        run = await _one(world, "create_clip")
        assert run.error is not None
        assert (run.error.type, run.error.message) == (
            "rate_limited",
            "create clip: Twitch's rate limit was reached; try again later",
        )
        assert len(world.peer.requests("POST", "/helix/clips")) == 2

        world.peer.rate_limit("POST", "/helix/polls", reset_in=3600)
        run = await _one(world, "create_poll", title="t", choices=["a", "b"])
        assert run.error is not None
        assert run.error.type == "rate_limited"
        assert len(world.peer.requests("POST", "/helix/polls")) == 1


async def test_missing_scope_is_reported_before_asking_twitch() -> None:
    scopes = ["user:write:chat", "channel:manage:raids"]
    async with twitch_world(scopes=scopes) as world:
        assert "clips:edit" in world.connection.missing_scopes
        run = await _one(world, "create_clip")
        assert run.error is not None
        assert (run.error.type, run.error.message) == (
            "missing_scope",
            "create clip: the Twitch account has not granted 'clips:edit'; reauthorize it in "
            "Stream Workflows to allow this",
        )
        assert world.peer.requests("POST", "/helix/clips") == []
        # Events needing scopes the token lacks are not subscribed to; the others are.
        assert set(world.connection.subscribed) == {"stream_started", "stream_stopped", "raid"}
        assert world.connection.failed_events["follow"] == (
            "the token lacks the 'moderator:read:followers' scope"
        )


async def test_action_that_never_answers_times_out() -> None:
    async with twitch_world(events=False) as world:
        release = world.peer.hold("POST", "/helix/raids")
        engine, clock, _obs = make_engine(twitch=world.connection)
        definition = build(
            {
                "id": "slow",
                "initial_state": "raid",
                "states": [
                    {
                        "name": "raid",
                        "action": {
                            "service": "twitch",
                            "method": "raid_channel",
                            "params": {"target_channel": "someone"},
                        },
                        "transitions": {"success": "done", "timeout": "too_slow"},
                    },
                    {"name": "done", "action": {"service": "internal", "method": "noop"}},
                    {"name": "too_slow", "action": {"service": "internal", "method": "noop"}},
                ],
            },
            engine,
        )
        run = engine.start(definition)
        from tests.peers.harness import wait_until

        await wait_until(lambda: bool(world.peer.requests("POST", "/helix/raids")))
        assert clock.pending() == [ACTIONS["raid_channel"].timeout]
        clock.advance(ACTIONS["raid_channel"].timeout or 0)
        assert await run.wait() is not None
        release.set()
        assert run.path == ["raid", "too_slow"]
        assert run.status.value == "succeeded"
        failures = [e for e in run.history.as_dicts() if e["event"] == "action_failed"]
        assert failures[0]["type"] == "timeout"


async def test_not_started_connection_fails_fast() -> None:
    from custom_components.stream_workflows.adapters.twitch.connection import TwitchConnection

    connection = TwitchConnection(app_id="x", app_secret="y", access_token="a", refresh_token="r")
    engine, clock, _obs = make_engine(twitch=connection)
    run = engine.start(build({"id": "one", "steps": [step("s", "cancel_raid")]}, engine))
    await finish(run, clock)
    assert run.error is not None
    assert run.error.type == "not_connected"
