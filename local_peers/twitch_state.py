"""What the local Twitch knows: its users, games, channel, tokens, sessions, subscriptions.

Every part of the peer (OAuth, Helix, EventSub) reads and changes this one state; tests
read it too (`tokens`, `sessions`, `received`) and set it (`live`, `authorizing`, ...).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from . import twitch_wire as wire

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


class TwitchState:
    """The peer's data, and the controls tests use on its tokens."""

    def __init__(self, *, keepalive: float, live: bool, raid_lasts: float | None) -> None:
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
        self._ids = itertools.count(1)

    def issue_tokens(self, scopes: list[str] | None = None) -> tuple[str, str]:
        """A fresh (access, refresh) pair for the broadcaster."""
        token = Token(self.broadcaster["id"], list(ALL_SCOPES if scopes is None else scopes))
        access, refresh = wire.new_token(), wire.new_token(50)
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

    def tokens_issued(self) -> None:
        """Tell `on_tokens` that the OAuth endpoints issued a pair."""
        if self.on_tokens is not None:
            self.on_tokens()

    def expire(self, access: str) -> None:
        """Make an access token expired (Helix and validate answer 401)."""
        self.tokens[access].expired = True

    def revoke_refresh(self, refresh: str) -> None:
        """Make a refresh token unusable (the token endpoint answers 400)."""
        self.refresh_tokens.pop(refresh, None)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"
