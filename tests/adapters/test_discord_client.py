"""Discord messages through a bot token and a webhook, against the local Discord REST API."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest

from custom_components.stream_workflows.adapters.discord import ACTIONS
from custom_components.stream_workflows.adapters.discord.connection import (
    DiscordConnection,
    is_webhook_url,
    validate_discord_bot,
    validate_discord_webhook,
)
from local_peers.discord_server import (
    BOT_TOKEN,
    WEBHOOK_CHANNEL,
    WEBHOOK_ID,
    WEBHOOK_TOKEN,
    DiscordPeer,
)
from tests.peers.harness import build, finish, make_engine

pytestmark = pytest.mark.usefixtures("socket_enabled")
MOD_ONLY = "223456789012345678"


def post(message: str, channel_id: str | None = None, step_id: str = "post") -> dict[str, Any]:
    params: dict[str, Any] = {"message": message}
    if channel_id is not None:
        params["channel_id"] = channel_id
    return {
        "id": step_id,
        "service": "discord",
        "action": "send_channel_message",
        "params": params,
    }


async def run_steps(connection: DiscordConnection, *steps: dict[str, Any]) -> Any:
    engine, clock, _obs = make_engine(discord=connection)
    run = engine.start(build({"id": "discord", "steps": list(steps)}, engine))
    await finish(run, clock)
    return run


def test_the_action_has_a_timeout() -> None:
    assert ACTIONS["send_channel_message"].timeout is not None


async def test_bot_posts_in_the_channel() -> None:
    async with DiscordPeer() as peer:
        async with DiscordConnection(bot_token=BOT_TOKEN, api_base=peer.api_base) as connection:
            run = await run_steps(connection, post("Stream starting soon!", WEBHOOK_CHANNEL))
        assert run.status.value == "succeeded", run.error
        (request,) = peer.received
        assert (request.method, request.path) == (
            "POST",
            f"/api/v10/channels/{WEBHOOK_CHANNEL}/messages",
        )
        assert request.headers["Authorization"] == f"Bot {BOT_TOKEN}"
        assert request.headers["User-Agent"].startswith("DiscordBot (")
        assert request.body == {"content": "Stream starting soon!"}
        (message,) = peer.messages(WEBHOOK_CHANNEL)
        assert run.results["post"] == {
            "id": message["id"],
            "channel_id": WEBHOOK_CHANNEL,
            "via": "bot",
        }


async def test_webhook_posts_without_a_channel_id() -> None:
    async with DiscordPeer() as peer:
        async with DiscordConnection(webhook_url=peer.webhook_url) as connection:
            run = await run_steps(
                connection,
                post("no channel needed", step_id="plain"),
                post("channel ignored", "999999999999999999", step_id="ignored"),
            )
        assert run.status.value == "succeeded", run.error
        assert [r.path for r in peer.received] == [
            f"/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}",
            f"/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}",
        ]
        assert {r.query["wait"] for r in peer.received} == {"true"}
        assert all("Authorization" not in r.headers for r in peer.received)
        assert [m["content"] for m in peer.messages(WEBHOOK_CHANNEL)] == [
            "no channel needed",
            "channel ignored",
        ]
        assert run.results["plain"]["channel_id"] == WEBHOOK_CHANNEL
        assert run.results["plain"]["via"] == "webhook"
        logs = [e["message"] for e in run.history.as_dicts() if e["event"] == "log"]
        assert logs == [
            "channel_id 999999999999999999 not used: the Discord webhook posts in its own channel"
        ]


async def test_bot_and_webhook_together_route_by_channel_id() -> None:
    async with DiscordPeer() as peer:
        async with DiscordConnection(
            bot_token=BOT_TOKEN, webhook_url=peer.webhook_url, api_base=peer.api_base
        ) as connection:
            run = await run_steps(
                connection,
                post("by bot", WEBHOOK_CHANNEL, step_id="bot"),
                post("by webhook", step_id="hook"),
            )
        assert run.status.value == "succeeded", run.error
        assert (run.results["bot"]["via"], run.results["hook"]["via"]) == ("bot", "webhook")

    async with DiscordPeer() as peer:
        async with DiscordConnection(bot_token=BOT_TOKEN, api_base=peer.api_base) as connection:
            run = await run_steps(connection, post("where to?"))
        assert run.error is not None
        assert (run.error.type, run.error.message) == (
            "invalid_params",
            "send channel message: give 'channel_id' (Discord is connected through a bot)",
        )
        assert peer.received == []


async def test_rate_limit_is_honoured_then_retried() -> None:
    async with DiscordPeer() as peer:
        peer.rate_limit(retry_after=0.01)
        async with DiscordConnection(bot_token=BOT_TOKEN, api_base=peer.api_base) as connection:
            run = await run_steps(connection, post("patience", WEBHOOK_CHANNEL))
        assert run.status.value == "succeeded", run.error
        assert len(peer.received) == 2
        assert len(peer.messages(WEBHOOK_CHANNEL)) == 1


async def test_rate_limit_too_long_or_repeated_fails() -> None:
    async with DiscordPeer() as peer:
        peer.rate_limit(retry_after=64.57)
        async with DiscordConnection(
            bot_token=BOT_TOKEN, api_base=peer.api_base, max_retry_after=5
        ) as connection:
            run = await run_steps(connection, post("now", WEBHOOK_CHANNEL))
            assert run.error is not None
            assert (run.error.type, run.error.message) == (
                "rate_limited",
                "Discord's rate limit was reached; it asks to wait 64.57 s",
            )
            assert len(peer.received) == 1

            peer.rate_limit(retry_after=0.001, times=3)
            run = await run_steps(connection, post("again", WEBHOOK_CHANNEL))
            assert run.error is not None
            assert run.error.type == "rate_limited"
            assert len(peer.received) == 4  # three attempts in all


@pytest.mark.parametrize(
    ("channel", "token", "error_type", "message"),
    [
        (
            WEBHOOK_CHANNEL,
            "wrong-token",
            "auth_failed",
            "Discord refused the bot token (401: Unauthorized); update it in Stream Workflows",
        ),
        (
            MOD_ONLY,
            BOT_TOKEN,
            "forbidden",
            f"the Discord bot may not post in channel {MOD_ONLY} (Missing Permissions "
            "(code 50013))",
        ),
        (
            "999999999999999999",
            BOT_TOKEN,
            "not_found",
            "Discord channel 999999999999999999 was not found (Unknown Channel (code 10003))",
        ),
    ],
)
async def test_bot_errors_are_readable(
    channel: str, token: str, error_type: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with (
        DiscordPeer() as peer,
        DiscordConnection(bot_token=token, api_base=peer.api_base) as connection,
    ):
        run = await run_steps(connection, post("hi", channel))
    assert run.error is not None
    assert (run.error.type, run.error.message) == (error_type, message)
    for secret in (BOT_TOKEN, token):
        assert secret not in caplog.text
        assert secret not in run.error.message


async def test_invalid_form_body_names_the_field() -> None:
    async with DiscordPeer() as peer:
        peer.fail(
            400,
            {
                "code": 50035,
                "errors": {"content": {"_errors": [{"code": "X", "message": "Too long."}]}},
                "message": "Invalid Form Body",
            },
        )
        peer.fail(502, {"message": "Bad Gateway", "code": 0})
        async with DiscordConnection(bot_token=BOT_TOKEN, api_base=peer.api_base) as connection:
            run = await run_steps(connection, post("x", WEBHOOK_CHANNEL))
            assert run.error is not None
            assert (run.error.type, run.error.message) == (
                "rejected",
                f"Discord refused the message to channel {WEBHOOK_CHANNEL} (Invalid Form Body: "
                "content: Too long. (code 50035))",
            )
            run = await run_steps(connection, post("x", WEBHOOK_CHANNEL))
            assert run.error is not None
            assert run.error.type == "unavailable"


async def test_a_deleted_webhook_is_reported_without_its_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with DiscordPeer() as peer:
        url = peer.webhook_url
        peer.webhooks.clear()
        peer.rate_limit(retry_after=0.001)
        async with DiscordConnection(webhook_url=url) as connection:
            run = await run_steps(connection, post("hello"))
    assert run.error is not None
    assert (run.error.type, run.error.message) == (
        "invalid_webhook",
        "the Discord webhook was deleted or its address is wrong (Unknown Webhook (code 10015)); "
        "update it in Stream Workflows",
    )
    assert WEBHOOK_TOKEN not in caplog.text
    assert WEBHOOK_TOKEN not in run.error.message
    assert "Discord rate limit reached posting to the webhook" in caplog.text


async def test_unreachable_discord() -> None:
    async with DiscordPeer() as peer:
        api_base = peer.api_base
    async with DiscordConnection(bot_token=BOT_TOKEN, api_base=api_base) as connection:
        run = await run_steps(connection, post("hello", WEBHOOK_CHANNEL))
    assert run.error is not None
    assert run.error.type == "cannot_connect"
    assert run.error.message.startswith("cannot reach Discord (")


async def test_an_injected_session_is_used_and_left_open() -> None:
    async with DiscordPeer() as peer, aiohttp.ClientSession() as session:
        connection = DiscordConnection(bot_token=BOT_TOKEN, api_base=peer.api_base, session=session)
        run = await run_steps(connection, post("shared session", WEBHOOK_CHANNEL))
        assert run.status.value == "succeeded", run.error
        await connection.close()
        assert not session.closed


async def test_validate_bot_token() -> None:
    async with DiscordPeer() as peer:
        assert await validate_discord_bot(BOT_TOKEN, api_base=peer.api_base) is None
        assert await validate_discord_bot("wrong", api_base=peer.api_base) == "invalid_auth"
        assert await validate_discord_bot("  ", api_base=peer.api_base) == "invalid_auth"
        (request, *_rest) = peer.received
        assert request.path == "/api/v10/users/@me"
        assert request.headers["Authorization"] == f"Bot {BOT_TOKEN}"
        api_base = peer.api_base
    assert await validate_discord_bot(BOT_TOKEN, api_base=api_base) == "cannot_connect"


async def test_validate_webhook() -> None:
    async with DiscordPeer() as peer:
        assert await validate_discord_webhook(peer.webhook_url) is None
        wrong = f"{peer.url}/api/webhooks/{WEBHOOK_ID}/not-the-token"
        assert await validate_discord_webhook(wrong) == "invalid_webhook"
        unknown = f"{peer.url}/api/webhooks/1/{WEBHOOK_TOKEN}"
        assert await validate_discord_webhook(unknown) == "invalid_webhook"
        assert await validate_discord_webhook(f"{peer.url}/not/a/webhook") == "invalid_webhook"
        assert [r.method for r in peer.received] == ["GET", "GET", "GET"]
        url = peer.webhook_url
    assert await validate_discord_webhook(url) == "cannot_connect"
    assert await validate_discord_webhook("discord please") == "invalid_webhook"


def test_webhook_addresses() -> None:
    assert is_webhook_url(f"https://discord.com/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}")
    assert is_webhook_url(f"https://discord.com/api/v10/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}")
    assert not is_webhook_url("https://discord.com/channels/1/2")
    assert not is_webhook_url(f"ftp://discord.com/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}")
    with pytest.raises(ValueError, match="webhook"):
        DiscordConnection(webhook_url="https://example.com/hook")
    with pytest.raises(ValueError, match="bot token"):
        DiscordConnection()
    connection = DiscordConnection(bot_token=BOT_TOKEN)
    assert BOT_TOKEN not in repr(connection)
