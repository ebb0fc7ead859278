"""The Discord connection: REST v10 through aiohttp, with a bot token and/or a webhook.

Actions are the `actions.TABLE` handlers; this class is the `DiscordClient` they use.

Messages with a `channel_id` go through the bot (`POST /channels/{id}/messages`,
`Authorization: Bot <token>`); messages without one go through the webhook
(`POST <webhook_url>?wait=true`, which answers with the message). A 429 answer is retried after
its `retry_after` when that is short enough (`max_retry_after`), a bounded number of times.

Secrets stay secret: neither the bot token nor the webhook address (its last part is a token)
ever appears in a log line or an error message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from ...engine.adapter import ActionContext
from .actions import TABLE
from .errors import DiscordError, answer_error

_LOGGER = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
USER_AGENT = "DiscordBot (https://github.com/stream-workflows/stream-workflows, 0.1.0)"
_WEBHOOK_PATH = re.compile(r"^/api(?:/v\d+)?/webhooks/\d+/[A-Za-z0-9_-]+/?$")


def is_webhook_url(url: str) -> bool:
    """True for an address shaped like a Discord webhook (`.../api/webhooks/<id>/<token>`)."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return False
    return (
        parsed.scheme in ("http", "https")
        and bool(parsed.host)
        and bool(_WEBHOOK_PATH.match(parsed.path))
    )


async def _body(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


class DiscordConnection:
    """Posts Discord messages through a bot token, a webhook, or both."""

    def __init__(
        self,
        *,
        bot_token: str | None = None,
        webhook_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        api_base: str = DISCORD_API,
        request_timeout: float = 15.0,
        max_retry_after: float = 10.0,
        max_attempts: int = 3,
    ) -> None:
        if not bot_token and not webhook_url:
            raise ValueError("give a bot token, a webhook URL, or both")
        if webhook_url and not is_webhook_url(webhook_url):
            raise ValueError("the webhook URL is not a Discord webhook address")
        self._bot_token = bot_token or None
        self._webhook_url = webhook_url or None
        self._session = session
        self._own_session = session is None
        self.api_base = api_base.rstrip("/")
        self.request_timeout = request_timeout
        self.max_retry_after = max_retry_after
        self.max_attempts = max(1, max_attempts)

    def __repr__(self) -> str:
        return (
            f"DiscordConnection(bot={self._bot_token is not None}, "
            f"webhook={self._webhook_url is not None})"
        )

    @property
    def has_bot(self) -> bool:
        return self._bot_token is not None

    @property
    def has_webhook(self) -> bool:
        return self._webhook_url is not None

    async def close(self) -> None:
        """Close the session this connection opened itself (an injected one stays open)."""
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        """Do one action of `actions.TABLE`; a `DiscordError` (a step error) on failure."""
        return await TABLE.handler(action)(self, params, ctx)

    async def post_in_channel(self, channel_id: str, payload: Mapping[str, Any]) -> Any:
        url = URL(f"{self.api_base}/channels/{channel_id}/messages")
        return await self._request("POST", url, payload, channel_id=channel_id)

    async def post_by_webhook(self, payload: Mapping[str, Any]) -> Any:
        if self._webhook_url is None:
            raise DiscordError("Discord has no webhook configured", error_type="invalid_params")
        return await self._request(
            "POST", URL(self._webhook_url).update_query(wait="true"), payload
        )

    async def _request(
        self,
        method: str,
        url: URL,
        payload: Mapping[str, Any] | None,
        *,
        channel_id: str | None = None,
    ) -> Any:
        headers = {"User-Agent": USER_AGENT}
        via_bot = channel_id is not None
        if via_bot:
            headers["Authorization"] = f"Bot {self._bot_token}"
        where = f"channel {channel_id}" if via_bot else "the webhook"
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._client().request(
                    method, url, json=payload, headers=headers, timeout=timeout
                ) as response:
                    status = response.status
                    body = await _body(response)
                    retry_after = _retry_after(response, body)
            except (aiohttp.ClientError, OSError, TimeoutError) as err:
                raise DiscordError(
                    f"cannot reach Discord ({type(err).__name__})", error_type="cannot_connect"
                ) from None
            if status == 429:
                if attempt >= self.max_attempts or retry_after > self.max_retry_after:
                    raise DiscordError(
                        f"Discord's rate limit was reached; it asks to wait {retry_after:g} s",
                        error_type="rate_limited",
                    )
                _LOGGER.warning(
                    "Discord rate limit reached posting to %s; retrying in %.2f s",
                    where,
                    retry_after,
                )
                await asyncio.sleep(retry_after)
                continue
            if status >= 400:
                raise answer_error(status, body, where, via_bot)
            return body

    async def __aenter__(self) -> DiscordConnection:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


def _retry_after(response: aiohttp.ClientResponse, body: Any) -> float:
    if isinstance(body, Mapping):
        value = body.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return max(0.0, float(value))
    for header in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            return max(0.0, float(response.headers[header]))
        except (KeyError, ValueError):
            continue
    return 1.0


async def validate_discord_bot(
    token: str,
    *,
    session: aiohttp.ClientSession | None = None,
    api_base: str = DISCORD_API,
    request_timeout: float = 15.0,
) -> str | None:
    """Check a bot token (`GET /users/@me`): None, "invalid_auth" or "cannot_connect"."""
    if not token or not token.strip():
        return "invalid_auth"
    headers = {"Authorization": f"Bot {token.strip()}", "User-Agent": USER_AGENT}
    status, body = await _get(
        f"{api_base.rstrip('/')}/users/@me", headers, session, request_timeout
    )
    if status is None:
        return "cannot_connect"
    if status in (401, 403):
        return "invalid_auth"
    if status != 200 or not isinstance(body, Mapping) or "id" not in body:
        return "cannot_connect"
    return None


async def validate_discord_webhook(
    url: str,
    *,
    session: aiohttp.ClientSession | None = None,
    request_timeout: float = 15.0,
) -> str | None:
    """Check a webhook address (`GET <url>`): None, "invalid_webhook" or "cannot_connect"."""
    if not is_webhook_url(url):
        return "invalid_webhook"
    status, body = await _get(url, {"User-Agent": USER_AGENT}, session, request_timeout)
    if status is None:
        return "cannot_connect"
    if status in (401, 403, 404):
        return "invalid_webhook"
    if status != 200 or not isinstance(body, Mapping) or "id" not in body:
        return "cannot_connect" if status >= 500 or status == 429 else "invalid_webhook"
    return None


async def _get(
    url: str,
    headers: Mapping[str, str],
    session: aiohttp.ClientSession | None,
    request_timeout: float,
) -> tuple[int | None, Any]:
    own = session is None
    client = session or aiohttp.ClientSession()
    try:
        async with client.get(
            url, headers=dict(headers), timeout=aiohttp.ClientTimeout(total=request_timeout)
        ) as response:
            return response.status, await _body(response)
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        _LOGGER.debug("Discord could not be reached: %s", type(err).__name__)
        return None, None
    finally:
        if own:
            await client.close()


__all__ = [
    "DISCORD_API",
    "DiscordConnection",
    "is_webhook_url",
    "validate_discord_bot",
    "validate_discord_webhook",
]
