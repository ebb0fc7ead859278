"""A local Twitch: Helix, the OAuth endpoints and the EventSub websocket, on 127.0.0.1.

It speaks Twitch's documented wire formats, so the real twitchAPI client talks to it through
its own endpoint overrides (`base_url`, `auth_base_url`, EventSub's `connection_url`):

- Helix answers `{"data": [...]}` envelopes and errors as `{"error", "status", "message"}`;
  it checks the `Client-Id` header, the bearer token, its scopes and the broadcaster id.
- `GET /oauth2/authorize` is the authorization code flow's consent page, answered at once:
  it redirects to `redirect_uri` with `code` and `state` (the user `authorizing` agreed), or
  with `error=access_denied` when `deny_authorization` is set.
- `POST /oauth2/token` trades an authorization code (grant_type=authorization_code) for a
  token pair, or rotates a pair (grant_type=refresh_token); `GET /oauth2/validate`
  (header `Authorization: OAuth <token>`) answers client_id, login, scopes, user_id.
- `GET /ws` is the EventSub websocket: `session_welcome` on connect, then whatever the test
  sends: `notification`, `session_keepalive`, `session_reconnect`, `revocation`, each with
  `metadata` and `payload` as Twitch documents them. `POST /helix/eventsub/subscriptions`
  creates websocket subscriptions bound to a session.
- Rate limiting: `rate_limit(method, path)` answers 429 with the `Ratelimit-*` headers.
- For a long-running demo (`scripts/develop`): `send_keepalives` keeps EventSub sessions alive,
  `raid_lasts` lets a raid go out after a while, and `export_tokens` / `import_tokens` carry the
  issued tokens over a restart.

Every request is recorded in `received` so tests can assert what the client sent.

The parts, by role: `twitch_state` (users, tokens, sessions: what tests read and set),
`twitch_wire` (envelopes and errors), `twitch_oauth`, `twitch_helix`, `twitch_eventsub`.
This module serves them and answers the failures and holds tests ask for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict

from . import twitch_wire as wire
from .twitch_eventsub import EventSub
from .twitch_helix import HelixRoutes
from .twitch_oauth import OAuthRoutes
from .twitch_state import (
    ALL_SCOPES,
    BROADCASTER,
    CLIENT_ID,
    CLIENT_SECRET,
    GAMES,
    OTHER_USERS,
    TOPIC_SCOPES,
    Failure,
    Received,
    Token,
    TwitchState,
    WsSession,
)
from .twitch_wire import now_iso


class TwitchPeer(TwitchState):
    """The local Twitch. `async with TwitchPeer() as twitch:` starts and stops it."""

    def __init__(
        self,
        *,
        keepalive: float = 10,
        live: bool = True,
        port: int = 0,
        raid_lasts: float | None = None,
        send_keepalives: bool = False,
    ) -> None:
        super().__init__(keepalive=keepalive, live=live, raid_lasts=raid_lasts)
        self.port = port
        self.send_keepalives = send_keepalives
        """Send `session_keepalive` as Twitch does (tests send their own when they mean to)."""
        self._keepalive_task: asyncio.Task[None] | None = None
        self._oauth = OAuthRoutes(self)
        self._helix = HelixRoutes(self)
        self._eventsub = EventSub(self, lambda: self.eventsub_url)
        self._failures: dict[tuple[str, str], deque[Failure]] = {}
        self._holds: dict[tuple[str, str], asyncio.Event] = {}
        self._server: TestServer | None = None

    # -- life ---------------------------------------------------------------------------

    async def __aenter__(self) -> TwitchPeer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._oauth.add_to(app.router)
        self._eventsub.add_to(app.router)
        self._helix.add_to(app.router)
        self._server = TestServer(app, host="127.0.0.1", port=self.port or None)
        await self._server.start_server(access_log=None)
        if self.send_keepalives:
            self._keepalive_task = asyncio.get_running_loop().create_task(
                self._eventsub.keep_alive()
            )

    async def close(self) -> None:
        if self._keepalive_task is not None:
            self._keepalive_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive_task
            self._keepalive_task = None
        for hold in self._holds.values():
            hold.set()
        for session in list(self.sessions.values()):
            with contextlib.suppress(Exception):
                await session.ws.close()
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_base(self) -> str:
        return f"{self.url}/helix/"

    @property
    def auth_base(self) -> str:
        return f"{self.url}/oauth2/"

    @property
    def eventsub_url(self) -> str:
        return f"ws://127.0.0.1:{self._server.port if self._server else 0}/ws"

    # -- test controls ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        message: str,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests to `method path` with a Twitch error."""
        queue = self._failures.setdefault((method, path), deque())
        for _ in range(times):
            queue.append(Failure(status, message, dict(headers or {})))

    def rate_limit(self, method: str, path: str, *, times: int = 1, reset_in: int = 0) -> None:
        """Answer the next requests with 429 Too Many Requests and the Ratelimit headers."""
        headers = {
            "Ratelimit-Limit": "800",
            "Ratelimit-Remaining": "0",
            "Ratelimit-Reset": str(int(time.time()) + reset_in),
        }
        self.fail(method, path, 429, "Too Many Requests", times=times, headers=headers)

    def hold(self, method: str, path: str) -> asyncio.Event:
        """Keep requests to `method path` waiting until the returned event is set."""
        event = self._holds[(method, path)] = asyncio.Event()
        return event

    def requests(self, method: str | None = None, path: str | None = None) -> list[Received]:
        return [
            request
            for request in self.received
            if (method is None or request.method == method)
            and (path is None or request.path == path)
        ]

    # -- EventSub controls --------------------------------------------------------------

    async def wait_sessions(self, count: int = 1) -> WsSession:
        """Wait until `count` sessions have connected in all; return the newest."""
        return await self._eventsub.wait_sessions(count)

    def active_session(self) -> WsSession:
        return self._eventsub.active_session()

    def enabled(self, topic: str | None = None) -> list[dict[str, Any]]:
        return self._eventsub.enabled(topic)

    async def notify(
        self, topic: str, event: dict[str, Any], *, message_id: str | None = None
    ) -> str:
        """Send a notification for the enabled subscription of `topic`; return its id."""
        return await self._eventsub.notify(topic, event, message_id=message_id)

    async def keepalive_now(self) -> None:
        await self._eventsub.keepalive_now()

    async def request_reconnect(self) -> WsSession:
        """Send session_reconnect; return the new session once the client moved to it."""
        return await self._eventsub.request_reconnect()

    async def revoke(self, topic: str, status: str = "authorization_revoked") -> None:
        """Revoke the enabled subscription of `topic` with `status`."""
        await self._eventsub.revoke(topic, status)

    async def drop(self, code: int = 4005) -> None:
        """Close the active session from the server side (network timeout by default)."""
        await self._eventsub.drop(code)

    # -- plumbing -----------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                body = json.loads(raw or b"null")
            elif request.content_type == "application/x-www-form-urlencoded":
                body = dict((await request.post()).items())
            else:
                body = raw.decode() or None
        record = Received(
            request.method, request.path, wire.query(request), body, CIMultiDict(request.headers)
        )
        self.received.append(record)
        request["body"] = body
        try:
            response = await self._answer(request, handler)
        except web.HTTPException as answer:
            record.status = answer.status
            raise
        record.status = response.status
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        hold = self._holds.get((request.method, request.path))
        if hold is not None:
            await hold.wait()
        queue = self._failures.get((request.method, request.path))
        if queue:
            failure = queue.popleft()
            return wire.error(failure.status, failure.message, failure.headers)
        try:
            return await handler(request)
        except wire.HelixFailure as failure:
            return wire.error(failure.status, failure.message)


__all__ = [
    "ALL_SCOPES",
    "BROADCASTER",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "GAMES",
    "OTHER_USERS",
    "TOPIC_SCOPES",
    "Failure",
    "Received",
    "Token",
    "TwitchPeer",
    "WsSession",
    "now_iso",
]
