"""The Discord connection: REST v10 through aiohttp, with a bot token and/or a webhook.

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

from ..engine.adapter import ActionContext
from ..engine.errors import ActionError

_LOGGER = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
USER_AGENT = "DiscordBot (https://github.com/stream-workflows/stream-workflows, 0.1.0)"
_WEBHOOK_PATH = re.compile(r"^/api(?:/v\d+)?/webhooks/\d+/[A-Za-z0-9_-]+/?$")
_MAX_MESSAGE = 300


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


def _clean(message: Any) -> str:
    text = " ".join(str(message or "").split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


async def _body(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def _describe(body: Any, status: int) -> str:
    """Discord's error message with its code, e.g. `Missing Permissions (code 50013)`."""
    if not isinstance(body, Mapping):
        return f"HTTP {status}"
    message = _clean(body.get("message")) or f"HTTP {status}"
    detail = _first_field_error(body.get("errors"))
    if detail:
        message = f"{message}: {detail}"
    code = body.get("code")
    return f"{message} (code {code})" if code else message


def _first_field_error(errors: Any, path: str = "") -> str:
    if not isinstance(errors, Mapping):
        return ""
    found = errors.get("_errors")
    if isinstance(found, list) and found and isinstance(found[0], Mapping):
        return f"{path or 'body'}: {_clean(found[0].get('message'))}"
    for key, value in errors.items():
        detail = _first_field_error(value, f"{path}.{key}" if path else str(key))
        if detail:
            return detail
    return ""


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
        """Do a Discord action; failures raise `ActionError` with a readable message."""
        if action != "send_channel_message":
            raise ActionError(f"unknown discord action '{action}'", error_type="unknown_action")
        channel_id: str | None = params.get("channel_id")
        payload = {"content": params["message"]}
        if channel_id is not None and self._bot_token is not None:
            message = await self._request(
                "POST",
                URL(f"{self.api_base}/channels/{channel_id}/messages"),
                payload,
                channel_id=channel_id,
            )
            return _result(message, channel_id, "bot")
        if self._webhook_url is not None:
            if channel_id is not None:
                ctx.log(
                    f"channel_id {channel_id} not used: the Discord webhook posts in its own "
                    "channel"
                )
            message = await self._request(
                "POST", URL(self._webhook_url).update_query(wait="true"), payload
            )
            return _result(message, None, "webhook")
        raise ActionError(
            "send channel message: give 'channel_id' (Discord is connected through a bot)",
            error_type="invalid_params",
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
                raise ActionError(
                    f"cannot reach Discord ({type(err).__name__})", error_type="cannot_connect"
                ) from None
            if status == 429:
                if attempt >= self.max_attempts or retry_after > self.max_retry_after:
                    raise ActionError(
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
                raise _error(status, body, where, via_bot)
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


def _error(status: int, body: Any, where: str, via_bot: bool) -> ActionError:
    detail = _describe(body, status)
    if not via_bot and status in (401, 404):
        return ActionError(
            f"the Discord webhook was deleted or its address is wrong ({detail}); update it in "
            "Stream Workflows",
            error_type="invalid_webhook",
        )
    if status == 401:
        return ActionError(
            f"Discord refused the bot token ({detail}); update it in Stream Workflows",
            error_type="auth_failed",
        )
    if status == 403:
        return ActionError(
            f"the Discord bot may not post in {where} ({detail})", error_type="forbidden"
        )
    if status == 404:
        return ActionError(f"Discord {where} was not found ({detail})", error_type="not_found")
    if status >= 500:
        return ActionError(
            f"Discord had a server error posting to {where} (HTTP {status})",
            error_type="unavailable",
        )
    return ActionError(f"Discord refused the message to {where} ({detail})", error_type="rejected")


def _result(message: Any, channel_id: str | None, via: str) -> dict[str, Any]:
    if not isinstance(message, Mapping) or "id" not in message:
        raise ActionError("Discord accepted the message but did not return it")
    return {
        "id": str(message["id"]),
        "channel_id": str(message.get("channel_id") or channel_id or ""),
        "via": via,
    }


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
