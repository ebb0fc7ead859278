"""Helix, the local Twitch's REST API (`/helix/...`, without EventSub's subscriptions).

Each route checks the `Client-Id` header, the bearer token and its scope (`bearer`), and
that the broadcaster ids are the token's own user (`own`), answering as Twitch does.
"""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import web

from . import twitch_wire as wire
from .twitch_state import Token, TwitchState


def bearer(state: TwitchState, request: web.Request, scope: str | None = None) -> Token:
    """The token a Helix request carries, checked as Twitch does (else a 401)."""
    if request.headers.get("Client-Id") != state.client_id:
        raise wire.HelixFailure(401, "Client ID and OAuth token do not match")
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise wire.HelixFailure(401, "OAuth token is missing")
    token = state.tokens.get(header[7:])
    if token is None or token.expired:
        raise wire.HelixFailure(401, "Invalid OAuth token")
    if scope is not None and scope not in token.scopes:
        raise wire.HelixFailure(401, f"Missing scope: {scope}")
    return token


def own(token: Token, request: web.Request, *names: str) -> None:
    """Each of `names` must be the token's own user id (Twitch answers 400, or 403)."""
    for name in names:
        value = wire.arg(request, name)
        if value is None:
            raise wire.HelixFailure(400, f'Missing required parameter "{name}"')
        if value != token.user_id:
            raise wire.HelixFailure(
                403 if name == "moderator_id" else 400,
                f"The ID in {name} must match the user ID found in the request's OAuth token.",
            )


class HelixRoutes:
    """The handlers of Helix's users, games, chat, clips, raids, channel, polls, ..."""

    def __init__(self, state: TwitchState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher) -> None:
        for method, path, handler in (
            ("GET", "/helix/users", self.users),
            ("GET", "/helix/games", self.games),
            ("GET", "/helix/search/categories", self.search_categories),
            ("POST", "/helix/chat/messages", self.chat_message),
            ("POST", "/helix/clips", self.clip),
            ("POST", "/helix/raids", self.start_raid),
            ("DELETE", "/helix/raids", self.cancel_raid),
            ("POST", "/helix/streams/markers", self.marker),
            ("PATCH", "/helix/channels", self.modify_channel),
            ("POST", "/helix/chat/announcements", self.announcement),
            ("POST", "/helix/chat/shoutouts", self.shoutout),
            ("POST", "/helix/channels/commercial", self.commercial),
            ("POST", "/helix/polls", self.poll),
            ("POST", "/helix/predictions", self.prediction),
        ):
            router.add_route(method, path, handler)

    async def users(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request)
        query = wire.query(request)
        logins = [login.lower() for login in query.get("login", [])]
        ids = query.get("id", [])
        if not logins and not ids:
            found = [u for u in self.state.users.values() if u["id"] == token.user_id]
        else:
            found = [u for u in self.state.users.values() if u["login"] in logins or u["id"] in ids]
        return wire.data([wire.user(u) for u in found], pagination=True)

    async def games(self, request: web.Request) -> web.Response:
        bearer(self.state, request)
        query = wire.query(request)
        names = query.get("name", [])  # Twitch matches names exactly
        ids = query.get("id", [])
        found = [g for g in self.state.games if g["name"] in names or g["id"] in ids]
        return wire.data(found, pagination=True)

    async def search_categories(self, request: web.Request) -> web.Response:
        bearer(self.state, request)
        words = (wire.arg(request, "query") or "").lower()
        found = [
            {"id": g["id"], "name": g["name"], "box_art_url": g["box_art_url"]}
            for g in self.state.games
            if words and words in g["name"].lower()
        ]
        return wire.data(found, pagination=True)

    async def chat_message(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "user:write:chat")
        own(token, request, "sender_id")
        message = wire.arg(request, "message")
        if not message:
            raise wire.HelixFailure(400, "The message field is required")
        if message in self.state.dropped_messages:
            return wire.data(
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
        return wire.data([{"message_id": str(uuid.uuid4()), "is_sent": True, "drop_reason": None}])

    async def clip(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "clips:edit")
        own(token, request, "broadcaster_id")
        if not self.state.live:
            raise wire.HelixFailure(404, "Clipping is not possible for an offline channel.")
        clip_id = self.state.next_id("AwkwardHelplessSalamanderSwiftRage-")
        return wire.data(
            [{"id": clip_id, "edit_url": f"https://clips.twitch.tv/{clip_id}/edit"}], status=202
        )

    async def start_raid(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:manage:raids")
        own(token, request, "from_broadcaster_id")
        target = wire.arg(request, "to_broadcaster_id")
        if target == token.user_id:
            raise wire.HelixFailure(
                400, "The IDs in from_broadcaster_id and to_broadcaster_id cannot be the same ID."
            )
        if target not in {u["id"] for u in self.state.users.values()}:
            raise wire.HelixFailure(404, "The targeted channel was not found.")
        if self.state.pending_raid is not None:
            raise wire.HelixFailure(409, "The broadcaster is already in the process of raiding.")
        self.state.pending_raid = target
        if self.state.raid_lasts is not None:
            asyncio.get_running_loop().call_later(self.state.raid_lasts, self._raid_gone, target)
        return wire.data([{"created_at": wire.now_iso(), "is_mature": False}])

    def _raid_gone(self, target: str) -> None:
        """The raid went out (Twitch does this 90 s after the request, or at "Raid now")."""
        if self.state.pending_raid == target:
            self.state.pending_raid = None

    async def cancel_raid(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:manage:raids")
        own(token, request, "broadcaster_id")
        if self.state.pending_raid is None:
            raise wire.HelixFailure(404, "The broadcaster doesn't have a pending raid to cancel.")
        self.state.pending_raid = None
        return web.Response(status=204)

    async def marker(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:manage:broadcast")
        own(token, request, "user_id")
        if not self.state.live:
            raise wire.HelixFailure(404, "The user is not streaming live.")
        return wire.data(
            [
                {
                    "id": self.state.next_id("marker-"),
                    "created_at": wire.now_iso(),
                    "description": wire.arg(request, "description") or "",
                    "position_seconds": 244,
                }
            ]
        )

    async def modify_channel(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:manage:broadcast")
        own(token, request, "broadcaster_id")
        body = request["body"] or {}
        if not body:
            raise wire.HelixFailure(400, "The request must update at least one property.")
        game_id = body.get("game_id")
        if game_id not in (None, "", "0") and game_id not in {g["id"] for g in self.state.games}:
            raise wire.HelixFailure(400, "The ID in game_id is not valid.")
        self.state.channel.update(body)
        return web.Response(status=204)

    async def announcement(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "moderator:manage:announcements")
        own(token, request, "broadcaster_id", "moderator_id")
        return web.Response(status=204)

    async def shoutout(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "moderator:manage:shoutouts")
        own(token, request, "from_broadcaster_id", "moderator_id")
        if wire.arg(request, "to_broadcaster_id") == token.user_id:
            raise wire.HelixFailure(400, "The broadcaster may not give themselves a Shoutout.")
        return web.Response(status=204)

    async def commercial(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:edit:commercial")
        own(token, request, "broadcaster_id")
        length = int(wire.arg(request, "length") or 0)
        return wire.data([{"length": length, "message": "", "retry_after": 480}])

    async def poll(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:manage:polls")
        own(token, request, "broadcaster_id")
        body = request["body"]
        return wire.data(
            [
                {
                    "id": self.state.next_id("ed961efd-8a3f-4cf5-a9d0-"),
                    "broadcaster_id": token.user_id,
                    "broadcaster_name": self.state.broadcaster["display_name"],
                    "broadcaster_login": self.state.broadcaster["login"],
                    "title": body["title"],
                    "choices": [
                        {
                            "id": self.state.next_id("choice-"),
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
                    "started_at": wire.now_iso(),
                }
            ]
        )

    async def prediction(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request, "channel:manage:predictions")
        own(token, request, "broadcaster_id")
        body = request["body"]
        return wire.data(
            [
                {
                    "id": self.state.next_id("bc637af0-7766-4525-9308-"),
                    "broadcaster_id": token.user_id,
                    "broadcaster_name": self.state.broadcaster["display_name"],
                    "broadcaster_login": self.state.broadcaster["login"],
                    "title": body["title"],
                    "winning_outcome_id": None,
                    "outcomes": [
                        {
                            "id": self.state.next_id("outcome-"),
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
                    "created_at": wire.now_iso(),
                    "ended_at": None,
                    "locked_at": None,
                }
            ]
        )
