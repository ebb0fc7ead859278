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
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from yarl import URL

CLIENT_ID = "peer0client0id0000000000000000"
CLIENT_SECRET = "peer0client0secret000000000000"
BROADCASTER = {"id": "141981764", "login": "twitchdev", "display_name": "TwitchDev"}
OTHER_USERS = [
    {"id": "98765", "login": "someone", "display_name": "Someone"},
    {"id": "55555", "login": "friendlystreamer", "display_name": "FriendlyStreamer"},
]
GAMES = [
    {"id": "509658", "name": "Just Chatting", "box_art_url": "", "igdb_id": ""},
    {"id": "27471", "name": "Minecraft", "box_art_url": "", "igdb_id": "121"},
    {"id": "1469308723", "name": "Software and Game Development", "box_art_url": "", "igdb_id": ""},
]
# What each EventSub topic needs of the token (Twitch's rules, not the client's).
TOPIC_SCOPES: dict[str, str | None] = {
    "stream.online": None,
    "stream.offline": None,
    "channel.follow": "moderator:read:followers",
    "channel.subscribe": "channel:read:subscriptions",
    "channel.subscription.gift": "channel:read:subscriptions",
    "channel.cheer": "bits:read",
    "channel.raid": None,
    "channel.channel_points_custom_reward_redemption.add": "channel:read:redemptions",
    "channel.ad_break.begin": "channel:read:ads",
}
ALL_SCOPES = [
    "user:write:chat",
    "clips:edit",
    "channel:manage:raids",
    "channel:manage:broadcast",
    "moderator:manage:announcements",
    "moderator:manage:shoutouts",
    "channel:edit:commercial",
    "channel:manage:polls",
    "channel:manage:predictions",
    "moderator:read:followers",
    "channel:read:subscriptions",
    "bits:read",
    "channel:read:redemptions",
    "channel:read:ads",
]


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Received:
    """One request as the peer saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: CIMultiDict[str]
    status: int | None = None
    """The status the peer answered with (None while the request is handled)."""

    def arg(self, name: str) -> Any:
        """A parameter from the query string (first value) or the JSON body."""
        if name in self.query:
            return self.query[name][0]
        if isinstance(self.body, dict):
            return self.body.get(name)
        return None

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth.split(" ", 1)[1] if " " in auth else None


@dataclass
class Token:
    user_id: str
    scopes: list[str]
    expired: bool = False


@dataclass
class WsSession:
    id: str
    ws: web.WebSocketResponse
    keepalive: float
    status: str = "connected"
    closed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Failure:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


class TwitchPeer:
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
        self.port = port
        self.send_keepalives = send_keepalives
        """Send `session_keepalive` as Twitch does (tests send their own when they mean to)."""
        self._keepalive_task: asyncio.Task[None] | None = None
        self.raid_lasts = raid_lasts
        """Seconds after which a started raid has gone out (None: it stays pending)."""
        self.on_tokens: Callable[[], None] | None = None
        """Called whenever the peer issues tokens (the demo saves them across restarts)."""
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.broadcaster = dict(BROADCASTER)
        self.users = {user["login"]: user for user in [self.broadcaster, *OTHER_USERS]}
        self.games = [dict(game) for game in GAMES]
        self.keepalive = keepalive
        self.live = live
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, Token] = {}
        self.received: list[Received] = []
        self.sessions: dict[str, WsSession] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []
        self.pending_raid: str | None = None
        self.channel: dict[str, Any] = {"title": "", "game_id": "", "tags": []}
        self.dropped_messages: set[str] = set()
        self.refuse_websocket = False
        self.authorizing: dict[str, Any] = self.broadcaster
        """The user who signs in on the authorize page."""
        self.deny_authorization = False
        self.codes: dict[str, tuple[Token, str]] = {}
        """Authorization codes not yet traded: code -> (token to issue, redirect_uri)."""
        self._failures: dict[tuple[str, str], deque[Failure]] = {}
        self._holds: dict[tuple[str, str], asyncio.Event] = {}
        self._ids = itertools.count(1)
        self._server: TestServer | None = None
        self._connected = asyncio.Condition()

    # -- life ---------------------------------------------------------------------------

    async def __aenter__(self) -> TwitchPeer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/oauth2/authorize", self._authorize)
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_get("/oauth2/validate", self._validate)
        app.router.add_get("/ws", self._websocket)
        helix: list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = [
            ("GET", "/helix/users", self._users),
            ("GET", "/helix/games", self._games),
            ("GET", "/helix/search/categories", self._search_categories),
            ("POST", "/helix/chat/messages", self._chat_message),
            ("POST", "/helix/clips", self._clip),
            ("POST", "/helix/raids", self._start_raid),
            ("DELETE", "/helix/raids", self._cancel_raid),
            ("POST", "/helix/streams/markers", self._marker),
            ("PATCH", "/helix/channels", self._modify_channel),
            ("POST", "/helix/chat/announcements", self._announcement),
            ("POST", "/helix/chat/shoutouts", self._shoutout),
            ("POST", "/helix/channels/commercial", self._commercial),
            ("POST", "/helix/polls", self._poll),
            ("POST", "/helix/predictions", self._prediction),
            ("POST", "/helix/eventsub/subscriptions", self._subscribe),
            ("GET", "/helix/eventsub/subscriptions", self._list_subscriptions),
            ("DELETE", "/helix/eventsub/subscriptions", self._delete_subscription),
        ]
        for method, path, handler in helix:
            app.router.add_route(method, path, handler)
        self._server = TestServer(app, host="127.0.0.1", port=self.port or None)
        await self._server.start_server(access_log=None)
        if self.send_keepalives:
            self._keepalive_task = asyncio.get_running_loop().create_task(self._keep_alive())

    async def _keep_alive(self) -> None:
        """Twitch sends a keepalive when a session has been quiet for its keepalive time."""
        while True:
            await asyncio.sleep(self.keepalive / 2)
            for session in list(self.sessions.values()):
                if session.status == "connected" and not session.ws.closed:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await session.ws.send_str(json.dumps(_message("session_keepalive", {})))

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

    def issue_tokens(self, scopes: list[str] | None = None) -> tuple[str, str]:
        """A fresh (access, refresh) pair for the broadcaster."""
        token = Token(self.broadcaster["id"], list(ALL_SCOPES if scopes is None else scopes))
        access, refresh = _token(), _token(50)
        self.tokens[access] = token
        self.refresh_tokens[refresh] = token
        return access, refresh

    def export_tokens(self) -> dict[str, Any]:
        """The issued tokens, as JSON, for `import_tokens` after a restart."""
        return {
            "access": {key: vars(token) for key, token in self.tokens.items()},
            "refresh": {key: vars(token) for key, token in self.refresh_tokens.items()},
        }

    def import_tokens(self, saved: dict[str, Any]) -> None:
        """Accept again the tokens `export_tokens` returned (a token pair stays one object)."""
        shared: dict[tuple[str, tuple[str, ...]], Token] = {}

        def token(fields: dict[str, Any]) -> Token:
            key = (str(fields["user_id"]), tuple(fields["scopes"]))
            return shared.setdefault(key, Token(key[0], list(key[1]), bool(fields["expired"])))

        self.tokens.update({k: token(v) for k, v in saved.get("access", {}).items()})
        self.refresh_tokens.update({k: token(v) for k, v in saved.get("refresh", {}).items()})

    def _issued(self) -> None:
        if self.on_tokens is not None:
            self.on_tokens()

    def expire(self, access: str) -> None:
        """Make an access token expired (Helix and validate answer 401)."""
        self.tokens[access].expired = True

    def revoke_refresh(self, refresh: str) -> None:
        """Make a refresh token unusable (the token endpoint answers 400)."""
        self.refresh_tokens.pop(refresh, None)

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
        async with self._connected:
            await self._connected.wait_for(lambda: self._session_count >= count)
        return self.active_session()

    _session_count = 0

    def active_session(self) -> WsSession:
        active = [s for s in self.sessions.values() if s.status == "connected"]
        assert active, "no EventSub session is connected"
        return active[-1]

    def enabled(self, topic: str | None = None) -> list[dict[str, Any]]:
        return [
            sub
            for sub in self.subscriptions.values()
            if sub["status"] == "enabled" and (topic is None or sub["type"] == topic)
        ]

    async def notify(
        self, topic: str, event: dict[str, Any], *, message_id: str | None = None
    ) -> str:
        """Send a notification for the enabled subscription of `topic`; return its id."""
        subs = self.enabled(topic)
        assert subs, f"no enabled '{topic}' subscription"
        sub = subs[-1]
        session = self.sessions[sub["transport"]["session_id"]]
        message_id = message_id or str(uuid.uuid4())
        await self._send(
            session,
            {
                "metadata": {
                    "message_id": message_id,
                    "message_type": "notification",
                    "message_timestamp": now_iso(),
                    "subscription_type": sub["type"],
                    "subscription_version": sub["version"],
                },
                "payload": {"subscription": sub, "event": event},
            },
        )
        return message_id

    async def keepalive_now(self) -> None:
        session = self.active_session()
        await self._send(session, _message("session_keepalive", {}))

    async def request_reconnect(self) -> WsSession:
        """Send session_reconnect; return the new session once the client moved to it."""
        old = self.active_session()
        count = self._session_count
        await self._send(
            old,
            _message(
                "session_reconnect",
                {
                    "session": {
                        "id": old.id,
                        "status": "reconnecting",
                        "keepalive_timeout_seconds": None,
                        "reconnect_url": f"{self.eventsub_url}?reconnect={old.id}",
                        "connected_at": now_iso(),
                    }
                },
            ),
        )
        return await self.wait_sessions(count + 1)

    async def revoke(self, topic: str, status: str = "authorization_revoked") -> None:
        """Revoke the enabled subscription of `topic` with `status`."""
        sub = self.enabled(topic)[-1]
        sub["status"] = status
        session = self.sessions[sub["transport"]["session_id"]]
        message = _message("revocation", {"subscription": sub})
        message["metadata"]["subscription_type"] = sub["type"]
        message["metadata"]["subscription_version"] = sub["version"]
        await self._send(session, message)

    async def drop(self, code: int = 4005) -> None:
        """Close the active session from the server side (network timeout by default)."""
        session = self.active_session()
        session.status = "disconnected"
        for sub in self.subscriptions.values():
            if sub["transport"]["session_id"] == session.id and sub["status"] == "enabled":
                sub["status"] = "websocket_disconnected"
        await session.ws.close(code=code, message=b"network timeout")

    async def _send(self, session: WsSession, message: dict[str, Any]) -> None:
        self.sent.append(message)
        await session.ws.send_str(json.dumps(message))

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
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        record = Received(request.method, request.path, query, body, CIMultiDict(request.headers))
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
            return _error(failure.status, failure.message, failure.headers)
        try:
            return await handler(request)
        except _HelixFailure as failure:
            return _error(failure.status, failure.message)

    def _auth(self, request: web.Request, scope: str | None = None) -> Token:
        if request.headers.get("Client-Id") != self.client_id:
            raise _error_exc(401, "Client ID and OAuth token do not match")
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise _error_exc(401, "OAuth token is missing")
        token = self.tokens.get(header[7:])
        if token is None or token.expired:
            raise _error_exc(401, "Invalid OAuth token")
        if scope is not None and scope not in token.scopes:
            raise _error_exc(401, f"Missing scope: {scope}")
        return token

    def _own(self, token: Token, request: web.Request, *names: str) -> None:
        for name in names:
            value = _arg(request, name)
            if value is None:
                raise _error_exc(400, f'Missing required parameter "{name}"')
            if value != token.user_id:
                raise _error_exc(
                    403 if name == "moderator_id" else 400,
                    f"The ID in {name} must match the user ID found in the request's OAuth token.",
                )

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    # -- OAuth --------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        query = {k: v[0] for k, v in _query(request).items()}
        if query.get("client_id") != self.client_id:
            return _oauth_error(400, "invalid client")
        if query.get("response_type") != "code" or not query.get("redirect_uri"):
            return _oauth_error(400, "invalid request")
        target = URL(query["redirect_uri"])
        params: dict[str, str] = {}
        if self.deny_authorization:
            params["error"] = "access_denied"
            params["error_description"] = "The user denied you access"
        else:
            code = _token()
            scopes = query.get("scope", "").split()
            self.codes[code] = (Token(self.authorizing["id"], scopes), query["redirect_uri"])
            params["code"] = code
            params["scope"] = " ".join(scopes)
        if "state" in query:
            params["state"] = query["state"]
        raise web.HTTPFound(str(target.update_query(params)))

    async def _token(self, request: web.Request) -> web.Response:
        form = request["body"] or {}
        form = {**{k: v[0] for k, v in _query(request).items()}, **form}
        if form.get("client_id") != self.client_id:
            return _oauth_error(400, "invalid client")
        if form.get("client_secret") != self.client_secret:
            return web.json_response(
                {"status": 403, "message": "invalid client secret"}, status=403
            )
        if form.get("grant_type") == "authorization_code":
            return self._trade_code(form)
        if form.get("grant_type") != "refresh_token":
            return web.json_response(
                {"status": 400, "message": "unsupported grant type"}, status=400
            )
        token = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if token is None:
            return web.json_response(
                {"status": 400, "message": "Invalid refresh token"}, status=400
            )
        access, refresh = _token(), _token(50)
        fresh = Token(token.user_id, list(token.scopes))
        self.tokens[access] = fresh
        self.refresh_tokens[refresh] = fresh
        self._issued()
        return web.json_response(
            {
                "access_token": access,
                "refresh_token": refresh,
                "scope": fresh.scopes,
                "token_type": "bearer",
                "expires_in": 14400,
            }
        )

    def _trade_code(self, form: dict[str, Any]) -> web.Response:
        issued = self.codes.pop(form.get("code", ""), None)
        if issued is None or issued[1] != form.get("redirect_uri"):
            return web.json_response(
                {"status": 400, "message": "Invalid authorization code"}, status=400
            )
        token, _redirect = issued
        access, refresh = _token(), _token(50)
        self.tokens[access] = token
        self.refresh_tokens[refresh] = token
        self._issued()
        return web.json_response(
            {
                "access_token": access,
                "expires_in": 14124,
                "refresh_token": refresh,
                "scope": token.scopes,
                "token_type": "bearer",
            }
        )

    async def _validate(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        token = self.tokens.get(header.split(" ", 1)[1]) if " " in header else None
        if not header.startswith("OAuth ") or token is None or token.expired:
            return _oauth_error(401, "invalid access token")
        user = next(u for u in self.users.values() if u["id"] == token.user_id)
        return web.json_response(
            {
                "client_id": self.client_id,
                "login": user["login"],
                "scopes": token.scopes,
                "user_id": token.user_id,
                "expires_in": 5520838,
            }
        )

    # -- Helix --------------------------------------------------------------------------

    async def _users(self, request: web.Request) -> web.Response:
        token = self._auth(request)
        query = _query(request)
        logins = [login.lower() for login in query.get("login", [])]
        ids = query.get("id", [])
        if not logins and not ids:
            found = [u for u in self.users.values() if u["id"] == token.user_id]
        else:
            found = [u for u in self.users.values() if u["login"] in logins or u["id"] in ids]
        return _data([_user(u) for u in found], pagination=True)

    async def _games(self, request: web.Request) -> web.Response:
        self._auth(request)
        query = _query(request)
        names = query.get("name", [])  # Twitch matches names exactly
        ids = query.get("id", [])
        found = [g for g in self.games if g["name"] in names or g["id"] in ids]
        return _data(found, pagination=True)

    async def _search_categories(self, request: web.Request) -> web.Response:
        self._auth(request)
        words = (_arg(request, "query") or "").lower()
        found = [
            {"id": g["id"], "name": g["name"], "box_art_url": g["box_art_url"]}
            for g in self.games
            if words and words in g["name"].lower()
        ]
        return _data(found, pagination=True)

    async def _chat_message(self, request: web.Request) -> web.Response:
        token = self._auth(request, "user:write:chat")
        self._own(token, request, "sender_id")
        message = _arg(request, "message")
        if not message:
            raise _error_exc(400, "The message field is required")
        if message in self.dropped_messages:
            return _data(
                [
                    {
                        "message_id": "",
                        "is_sent": False,
                        "drop_reason": {
                            "code": "msg_duplicate",
                            "message": "Your message is identical to the one you sent within "
                            "the last 30 seconds.",
                        },
                    }
                ]
            )
        return _data([{"message_id": str(uuid.uuid4()), "is_sent": True, "drop_reason": None}])

    async def _clip(self, request: web.Request) -> web.Response:
        token = self._auth(request, "clips:edit")
        self._own(token, request, "broadcaster_id")
        if not self.live:
            raise _error_exc(404, "Clipping is not possible for an offline channel.")
        clip_id = self._next_id("AwkwardHelplessSalamanderSwiftRage-")
        return _data(
            [{"id": clip_id, "edit_url": f"https://clips.twitch.tv/{clip_id}/edit"}], status=202
        )

    async def _start_raid(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:manage:raids")
        self._own(token, request, "from_broadcaster_id")
        target = _arg(request, "to_broadcaster_id")
        if target == token.user_id:
            raise _error_exc(
                400, "The IDs in from_broadcaster_id and to_broadcaster_id cannot be the same ID."
            )
        if target not in {u["id"] for u in self.users.values()}:
            raise _error_exc(404, "The targeted channel was not found.")
        if self.pending_raid is not None:
            raise _error_exc(409, "The broadcaster is already in the process of raiding.")
        self.pending_raid = target
        if self.raid_lasts is not None:
            asyncio.get_running_loop().call_later(self.raid_lasts, self._raid_gone, target)
        return _data([{"created_at": now_iso(), "is_mature": False}])

    def _raid_gone(self, target: str) -> None:
        """The raid went out (Twitch does this 90 s after the request, or at "Raid now")."""
        if self.pending_raid == target:
            self.pending_raid = None

    async def _cancel_raid(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:manage:raids")
        self._own(token, request, "broadcaster_id")
        if self.pending_raid is None:
            raise _error_exc(404, "The broadcaster doesn't have a pending raid to cancel.")
        self.pending_raid = None
        return web.Response(status=204)

    async def _marker(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:manage:broadcast")
        self._own(token, request, "user_id")
        if not self.live:
            raise _error_exc(404, "The user is not streaming live.")
        return _data(
            [
                {
                    "id": self._next_id("marker-"),
                    "created_at": now_iso(),
                    "description": _arg(request, "description") or "",
                    "position_seconds": 244,
                }
            ]
        )

    async def _modify_channel(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:manage:broadcast")
        self._own(token, request, "broadcaster_id")
        body = request["body"] or {}
        if not body:
            raise _error_exc(400, "The request must update at least one property.")
        game_id = body.get("game_id")
        if game_id not in (None, "", "0") and game_id not in {g["id"] for g in self.games}:
            raise _error_exc(400, "The ID in game_id is not valid.")
        self.channel.update(body)
        return web.Response(status=204)

    async def _announcement(self, request: web.Request) -> web.Response:
        token = self._auth(request, "moderator:manage:announcements")
        self._own(token, request, "broadcaster_id", "moderator_id")
        return web.Response(status=204)

    async def _shoutout(self, request: web.Request) -> web.Response:
        token = self._auth(request, "moderator:manage:shoutouts")
        self._own(token, request, "from_broadcaster_id", "moderator_id")
        if _arg(request, "to_broadcaster_id") == token.user_id:
            raise _error_exc(400, "The broadcaster may not give themselves a Shoutout.")
        return web.Response(status=204)

    async def _commercial(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:edit:commercial")
        self._own(token, request, "broadcaster_id")
        length = int(_arg(request, "length") or 0)
        return _data([{"length": length, "message": "", "retry_after": 480}])

    async def _poll(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:manage:polls")
        self._own(token, request, "broadcaster_id")
        body = request["body"]
        return _data(
            [
                {
                    "id": self._next_id("ed961efd-8a3f-4cf5-a9d0-"),
                    "broadcaster_id": token.user_id,
                    "broadcaster_name": self.broadcaster["display_name"],
                    "broadcaster_login": self.broadcaster["login"],
                    "title": body["title"],
                    "choices": [
                        {
                            "id": self._next_id("choice-"),
                            "title": choice["title"],
                            "votes": 0,
                            "channel_points_votes": 0,
                            "bits_votes": 0,
                        }
                        for choice in body["choices"]
                    ],
                    "bits_voting_enabled": False,
                    "bits_per_vote": 0,
                    "channel_points_voting_enabled": body.get(
                        "channel_points_voting_enabled", False
                    ),
                    "channel_points_per_vote": body.get("channel_points_per_vote", 0),
                    "status": "ACTIVE",
                    "duration": body["duration"],
                    "started_at": now_iso(),
                }
            ]
        )

    async def _prediction(self, request: web.Request) -> web.Response:
        token = self._auth(request, "channel:manage:predictions")
        self._own(token, request, "broadcaster_id")
        body = request["body"]
        return _data(
            [
                {
                    "id": self._next_id("bc637af0-7766-4525-9308-"),
                    "broadcaster_id": token.user_id,
                    "broadcaster_name": self.broadcaster["display_name"],
                    "broadcaster_login": self.broadcaster["login"],
                    "title": body["title"],
                    "winning_outcome_id": None,
                    "outcomes": [
                        {
                            "id": self._next_id("outcome-"),
                            "title": outcome["title"],
                            "users": 0,
                            "channel_points": 0,
                            "top_predictors": None,
                            "color": "BLUE" if index == 0 else "PINK",
                        }
                        for index, outcome in enumerate(body["outcomes"])
                    ],
                    "prediction_window": body["prediction_window"],
                    "status": "ACTIVE",
                    "created_at": now_iso(),
                    "ended_at": None,
                    "locked_at": None,
                }
            ]
        )

    # -- EventSub -----------------------------------------------------------------------

    async def _subscribe(self, request: web.Request) -> web.Response:
        token = self._auth(request)
        body = request["body"] or {}
        topic = body.get("type")
        if topic not in TOPIC_SCOPES:
            raise _error_exc(
                400, "The combination of values in the type and version fields is not valid"
            )
        transport = body.get("transport") or {}
        session = self.sessions.get(transport.get("session_id", ""))
        if (
            transport.get("method") != "websocket"
            or session is None
            or session.status != "connected"
        ):
            raise _error_exc(
                400, "websocket transport session does not exist or has already disconnected"
            )
        needed = TOPIC_SCOPES[topic]
        if needed is not None and needed not in token.scopes:
            raise _error_exc(403, "subscription missing proper authorization")
        condition = body.get("condition") or {}
        for sub in self.enabled(topic):
            if sub["condition"] == condition and sub["transport"]["session_id"] == session.id:
                raise _error_exc(409, "subscription already exists")
        sub = {
            "id": str(uuid.uuid4()),
            "status": "enabled",
            "type": topic,
            "version": body.get("version"),
            "condition": condition,
            "created_at": now_iso(),
            "transport": {
                "method": "websocket",
                "session_id": session.id,
                "connected_at": now_iso(),
            },
            "cost": 0,
        }
        self.subscriptions[sub["id"]] = sub
        return web.json_response(
            {
                "data": [sub],
                "total": len(self.subscriptions),
                "total_cost": 0,
                "max_total_cost": 10,
            },
            status=202,
        )

    async def _list_subscriptions(self, request: web.Request) -> web.Response:
        self._auth(request)
        subs = list(self.subscriptions.values())
        return web.json_response(
            {
                "data": subs,
                "total": len(subs),
                "total_cost": 0,
                "max_total_cost": 10,
                "pagination": {},
            }
        )

    async def _delete_subscription(self, request: web.Request) -> web.Response:
        self._auth(request)
        if self.subscriptions.pop(_arg(request, "id") or "", None) is None:
            raise _error_exc(404, "subscription not found")
        return web.Response(status=204)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self.refuse_websocket:
            return web.Response(status=503, text="Service Unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = WsSession(id=secrets.token_urlsafe(20), ws=ws, keepalive=self.keepalive)
        self.sessions[session.id] = session
        old_id = request.query.get("reconnect")
        if old_id is not None:
            # Twitch moves the subscriptions of the old session to the new one.
            for sub in self.subscriptions.values():
                if sub["transport"]["session_id"] == old_id:
                    sub["transport"]["session_id"] = session.id
        await self._send(
            session,
            _message(
                "session_welcome",
                {
                    "session": {
                        "id": session.id,
                        "status": "connected",
                        "connected_at": now_iso(),
                        "keepalive_timeout_seconds": session.keepalive,
                        "reconnect_url": None,
                        "recovery_url": None,
                    }
                },
            ),
        )
        if old_id is not None and old_id in self.sessions:
            self.sessions[old_id].status = "reconnected"
        async with self._connected:
            self._session_count += 1
            self._connected.notify_all()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    # Twitch closes the connection on any inbound text (4001).
                    await ws.close(code=4001, message=b"client sent inbound traffic")
        finally:
            if session.status == "connected":
                session.status = "disconnected"
                for sub in self.subscriptions.values():
                    if sub["transport"]["session_id"] == session.id and sub["status"] == "enabled":
                        sub["status"] = "websocket_disconnected"
            session.closed.set()
        return ws


def _totals(total: int) -> dict[str, int]:
    return {"total": total, "total_cost": 0, "max_total_cost": 10}


def _oauth_error(status: int, message: str) -> web.Response:
    return web.json_response({"status": status, "message": message}, status=status)


def _token(length: int = 30) -> str:
    return secrets.token_hex(length // 2 + 1)[:length]


def _message(message_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {
            "message_id": str(uuid.uuid4()),
            "message_type": message_type,
            "message_timestamp": now_iso(),
        },
        "payload": payload,
    }


def _query(request: web.Request) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for key, value in request.query.items():
        query.setdefault(key, []).append(value)
    return query


def _arg(request: web.Request, name: str) -> Any:
    if name in request.query:
        return request.query[name]
    body = request["body"]
    return body.get(name) if isinstance(body, dict) else None


def _user(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "login": user["login"],
        "display_name": user["display_name"],
        "type": "",
        "broadcaster_type": "partner",
        "description": "",
        "profile_image_url": "",
        "offline_image_url": "",
        "view_count": 0,
        "created_at": "2016-12-14T20:32:28Z",
    }


def _data(items: list[Any], *, status: int = 200, pagination: bool = False) -> web.Response:
    body: dict[str, Any] = {"data": items}
    if pagination:
        body["pagination"] = {}
    return web.json_response(body, status=status)


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    425: "Too Early",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"error": _REASONS.get(status, "Error"), "status": status, "message": message},
        status=status,
        headers=headers,
    )


class _HelixFailure(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_exc(status: int, message: str) -> _HelixFailure:
    return _HelixFailure(status, message)
