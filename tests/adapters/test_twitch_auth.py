"""Twitch tokens: refresh through /oauth2/token, persistence, reauth, validation, secrecy."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from custom_components.stream_workflows.adapters.twitch import REQUIRED_SCOPES
from custom_components.stream_workflows.adapters.twitch.connection import (
    REQUIRED_SCOPES as CLIENT_SCOPES,
)
from custom_components.stream_workflows.adapters.twitch.connection import (
    TwitchAuthError,
    TwitchConnectError,
    TwitchConnection,
    validate_twitch,
)
from local_peers.twitch_server import ALL_SCOPES, TwitchPeer
from tests.adapters.twitch_fixtures import connection_for, twitch_world
from tests.peers.harness import build, finish, make_engine

pytestmark = pytest.mark.usefixtures("socket_enabled")


def chat(message: str) -> dict[str, Any]:
    return {
        "id": "chat",
        "steps": [
            {
                "id": "say",
                "service": "twitch",
                "action": "send_chat_message",
                "params": {"message": message},
            }
        ],
    }


async def run_chat(connection: Any, message: str = "hello") -> Any:
    engine, clock, _obs = make_engine(twitch=connection)
    run = engine.start(build(chat(message), engine))
    await finish(run, clock)
    return run


def test_required_scopes_cover_every_action_and_event() -> None:
    assert CLIENT_SCOPES is REQUIRED_SCOPES
    assert sorted(REQUIRED_SCOPES) == sorted(ALL_SCOPES)


async def test_an_expired_token_is_refreshed_and_handed_to_the_host(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with twitch_world(events=False) as world:
        world.peer.expire(world.access)
        run = await run_chat(world.connection)
        assert run.status.value == "succeeded", run.error

        sent = world.peer.requests("POST", "/helix/chat/messages")
        assert len(sent) == 2
        assert sent[0].token == world.access
        (refresh,) = world.peer.requests("POST", "/oauth2/token")
        assert refresh.body["grant_type"] == "refresh_token"
        assert refresh.body["refresh_token"] == world.refresh
        assert refresh.body["client_id"] == world.peer.client_id
        (new_pair,) = world.tokens
        assert sent[1].token == new_pair[0]
        assert world.connection.tokens == new_pair
        assert world.auth_failures == []

        # The rotated refresh token is the one used next time.
        world.peer.expire(new_pair[0])
        run = await run_chat(world.connection, "again")
        assert run.status.value == "succeeded", run.error
        assert world.peer.requests("POST", "/oauth2/token")[-1].body["refresh_token"] == new_pair[1]
        assert len(world.tokens) == 2
        secrets = world.secrets
    for secret in secrets:
        assert secret not in caplog.text


async def test_a_token_expired_before_start_is_refreshed_at_start() -> None:
    async with TwitchPeer() as peer:
        access, refresh = peer.issue_tokens()
        peer.expire(access)
        tokens: list[tuple[str, str]] = []
        connection = connection_for(
            peer, access, refresh, on_tokens=lambda a, r: tokens.append((a, r))
        )
        await connection.start()
        try:
            assert len(tokens) == 1
            assert connection.tokens == tokens[0]
            assert connection.connected
            assert connection.login == "twitchdev"
            run = await run_chat(connection)
            assert run.status.value == "succeeded", run.error
        finally:
            await connection.stop()


async def test_refused_refresh_asks_for_reauth_once_and_fails_readably(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with twitch_world(events=False) as world:
        world.peer.expire(world.access)
        world.peer.revoke_refresh(world.refresh)
        run = await run_chat(world.connection)
        assert run.error is not None
        assert (run.error.type, run.error.message) == (
            "auth_failed",
            "the Twitch authorization has expired or was revoked: reauthenticate the Twitch "
            "account in Stream Workflows",
        )
        assert world.auth_failures == ["the Twitch tokens could not be refreshed"]
        assert not world.connection.connected

        requests = len(world.peer.received)
        run = await run_chat(world.connection)
        assert run.error is not None
        assert run.error.type == "auth_failed"
        assert len(world.peer.received) == requests  # fails fast, asks Twitch nothing
        assert world.auth_failures == ["the Twitch tokens could not be refreshed"]
        secrets = world.secrets
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in run.error.message
    assert "Traceback" not in caplog.text


async def test_a_token_service_problem_is_not_a_lost_authorization() -> None:
    async with twitch_world(events=False) as world:
        world.peer.expire(world.access)
        world.peer.fail("POST", "/oauth2/token", 503, "Service Unavailable")
        run = await run_chat(world.connection)
        assert run.error is not None
        assert (run.error.type, run.error.message) == (
            "unavailable",
            "send chat message: Twitch had a server error; try again later",
        )
        assert world.auth_failures == []
        assert world.connection.connected
        run = await run_chat(world.connection)  # the token service is back
        assert run.status.value == "succeeded", run.error
        assert len(world.tokens) == 1


async def test_start_with_refused_tokens_or_unreachable_twitch() -> None:
    async with TwitchPeer() as peer:
        access, refresh = peer.issue_tokens()
        peer.expire(access)
        peer.revoke_refresh(refresh)
        connection = connection_for(peer, access, refresh)
        with pytest.raises(TwitchAuthError, match="authorize the account again") as caught:
            await connection.start()
        assert caught.value.error_type == "auth_failed"
        assert not connection.connected

        access, refresh = peer.issue_tokens()
        wrong = connection_for(peer, access, refresh)
        wrong._app_secret = "not-the-secret"
        peer.expire(access)
        with pytest.raises(TwitchAuthError, match="app id or secret"):
            await wrong.start()
        url = peer.url
    # The peer is gone: nothing listens on its port any more.
    connection = TwitchConnection(
        app_id="a",
        app_secret="b",
        access_token="c",
        refresh_token="d",
        base_url=f"{url}/helix/",
        auth_base_url=f"{url}/oauth2/",
    )
    with pytest.raises(TwitchConnectError, match="cannot reach Twitch") as caught_connect:
        await connection.start()
    assert caught_connect.value.error_type == "cannot_connect"


async def test_validate_twitch_for_a_config_flow() -> None:
    async with TwitchPeer() as peer:
        access, refresh = peer.issue_tokens(["user:write:chat"])
        result = await validate_twitch(
            peer.client_id, peer.client_secret, access, refresh, auth_base_url=peer.auth_base
        )
        assert result.error is None
        assert (result.user_id, result.login, result.refreshed) == ("141981764", "twitchdev", False)
        assert result.scopes == ("user:write:chat",)
        assert "clips:edit" in result.missing_scopes
        assert access not in repr(result)
        assert refresh not in repr(result)

        peer.expire(access)
        result = await validate_twitch(
            peer.client_id, peer.client_secret, access, refresh, auth_base_url=peer.auth_base
        )
        assert result.error is None
        assert result.refreshed
        assert result.access_token in peer.tokens
        assert result.refresh_token in peer.refresh_tokens

        result = await validate_twitch(
            peer.client_id, peer.client_secret, "nope", "nope", auth_base_url=peer.auth_base
        )
        assert result.error == "invalid_auth"

        other_access, other_refresh = peer.issue_tokens()
        peer.expire(other_access)
        result = await validate_twitch(
            peer.client_id, "wrong", other_access, other_refresh, auth_base_url=peer.auth_base
        )
        assert result.error == "invalid_client"

        fresh, fresh_refresh = peer.issue_tokens()
        result = await validate_twitch(
            "another-app", peer.client_secret, fresh, fresh_refresh, auth_base_url=peer.auth_base
        )
        assert result.error == "invalid_client"
        url = peer.url
    result = await validate_twitch("a", "b", "c", "d", auth_base_url=f"{url}/oauth2/")
    assert result.error == "cannot_connect"
