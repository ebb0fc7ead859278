"""A local Discord REST API (v10) on 127.0.0.1: channel messages, webhooks, `/users/@me`.

It answers as Discord does: message objects, errors as `{"message", "code"}` (with `errors` for
invalid form bodies), and 429 answers with `retry_after` in the JSON body and the
`Retry-After` / `X-RateLimit-*` headers. Every request is recorded in `received`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict

BOT_TOKEN = "MTA5ODc2NTQzMjE5ODc2NTQz.GpeerX.bot0token0for0the0local0peer00000000"
BOT_USER = {"id": "1098765432198765432", "username": "stream-workflows", "bot": True}
GUILD_ID = "290926798626357250"
WEBHOOK_ID = "1200000000000000001"
WEBHOOK_TOKEN = "webhook-token-of-the-local-peer-0000000000000000000000000000000000"
WEBHOOK_CHANNEL = "123456789012345678"


@dataclass
class Received:
    """One request as the peer saw it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: CIMultiDict[str]
    status: int | None = None
    """The status the peer answered with (None while the request is handled)."""


@dataclass
class Channel:
    id: str
    name: str
    writable: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)


class DiscordPeer:
    """The local Discord. `async with DiscordPeer() as discord:` starts and stops it."""

    def __init__(self, *, port: int = 0) -> None:
        self.port = port
        self.bot_token = BOT_TOKEN
        self.channels: dict[str, Channel] = {
            WEBHOOK_CHANNEL: Channel(WEBHOOK_CHANNEL, "stream-announcements"),
            "223456789012345678": Channel("223456789012345678", "mod-only", writable=False),
        }
        self.webhooks: dict[str, tuple[str, str]] = {WEBHOOK_ID: (WEBHOOK_TOKEN, WEBHOOK_CHANNEL)}
        self.received: list[Received] = []
        self._ids = itertools.count(1_300_000_000_000_000_001)
        self._rate_limits: deque[tuple[float, bool]] = deque()
        self._failures: deque[tuple[int, dict[str, Any]]] = deque()
        self._server: TestServer | None = None

    async def __aenter__(self) -> DiscordPeer:
        app = web.Application(middlewares=[self._middleware])
        for prefix in ("/api/v10", "/api"):
            app.router.add_post(prefix + "/channels/{channel_id}/messages", self._post_message)
            app.router.add_get(prefix + "/users/@me", self._me)
            app.router.add_post(prefix + "/webhooks/{webhook_id}/{token}", self._execute_webhook)
            app.router.add_get(prefix + "/webhooks/{webhook_id}/{token}", self._get_webhook)
        self._server = TestServer(app, host="127.0.0.1", port=self.port or None)
        await self._server.start_server(access_log=None)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"

    def rate_limit(self, *, times: int = 1, retry_after: float = 0.01, scope: bool = False) -> None:
        """Answer the next `times` requests with 429 and `retry_after` seconds."""
        for _ in range(times):
            self._rate_limits.append((retry_after, scope))

    def fail(self, status: int, body: dict[str, Any], *, times: int = 1) -> None:
        """Answer the next `times` requests with `status` and `body`."""
        for _ in range(times):
            self._failures.append((status, body))

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        return self.channels[channel_id].messages

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        record = Received(
            request.method, request.path, dict(request.query), body, CIMultiDict(request.headers)
        )
        self.received.append(record)
        request["body"] = body
        response = await self._answer(request, handler)
        record.status = response.status
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if self._rate_limits:
            retry_after, _scope = self._rate_limits.popleft()
            return web.json_response(
                {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": False,
                },
                status=429,
                headers={
                    "Retry-After": str(math.ceil(retry_after)),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": "abcd1234",
                    "X-RateLimit-Scope": "user",
                },
            )
        if self._failures:
            status, failure = self._failures.popleft()
            return web.json_response(failure, status=status)
        await asyncio.sleep(0)
        return await handler(request)

    def _bot_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.bot_token}"

    async def _me(self, request: web.Request) -> web.Response:
        if not self._bot_ok(request):
            return _error(401, "401: Unauthorized", 0)
        return web.json_response(
            {
                **BOT_USER,
                "discriminator": "0",
                "global_name": None,
                "avatar": None,
                "flags": 0,
                "mfa_enabled": False,
                "verified": True,
            }
        )

    async def _post_message(self, request: web.Request) -> web.Response:
        if not self._bot_ok(request):
            return _error(401, "401: Unauthorized", 0)
        channel = self.channels.get(request.match_info["channel_id"])
        if channel is None:
            return _error(404, "Unknown Channel", 10003)
        if not channel.writable:
            return _error(403, "Missing Permissions", 50013)
        problem = _check_content(request["body"])
        if problem is not None:
            return problem
        message = self._message(channel, request["body"]["content"], BOT_USER)
        return web.json_response(message)

    async def _execute_webhook(self, request: web.Request) -> web.StreamResponse:
        found = self.webhooks.get(request.match_info["webhook_id"])
        if found is None:
            return _error(404, "Unknown Webhook", 10015)
        token, channel_id = found
        if request.match_info["token"] != token:
            return _error(401, "Invalid Webhook Token", 50027)
        problem = _check_content(request["body"])
        if problem is not None:
            return problem
        author = {"id": WEBHOOK_ID, "username": "Stream Workflows", "bot": True}
        message = self._message(self.channels[channel_id], request["body"]["content"], author)
        message["webhook_id"] = WEBHOOK_ID
        if request.query.get("wait") != "true":
            return web.Response(status=204)
        return web.json_response(message)

    async def _get_webhook(self, request: web.Request) -> web.Response:
        found = self.webhooks.get(request.match_info["webhook_id"])
        if found is None:
            return _error(404, "Unknown Webhook", 10015)
        token, channel_id = found
        if request.match_info["token"] != token:
            return _error(401, "Invalid Webhook Token", 50027)
        return web.json_response(
            {
                "application_id": None,
                "avatar": None,
                "channel_id": channel_id,
                "guild_id": GUILD_ID,
                "id": WEBHOOK_ID,
                "name": "Stream Workflows",
                "type": 1,
                "token": token,
            }
        )

    def _message(self, channel: Channel, content: str, author: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": str(next(self._ids)),
            "type": 0,
            "content": content,
            "channel_id": channel.id,
            "author": {"discriminator": "0", "avatar": None, **author},
            "attachments": [],
            "embeds": [],
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
        }
        channel.messages.append(message)
        return message


def _check_content(body: Any) -> web.Response | None:
    content = body.get("content") if isinstance(body, dict) else None
    if not content:
        return _error(400, "Cannot send an empty message", 50006)
    if len(content) > 2000:
        return web.json_response(
            {
                "code": 50035,
                "errors": {
                    "content": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 2000 or fewer in length.",
                            }
                        ]
                    }
                },
                "message": "Invalid Form Body",
            },
            status=400,
        )
    return None


def _error(status: int, message: str, code: int) -> web.Response:
    return web.json_response({"message": message, "code": code}, status=status)
