"""EventSub on the local Twitch: the websocket (`GET /ws`) and its subscriptions.

`session_welcome` on connect, then whatever the test sends: `notification`,
`session_keepalive`, `session_reconnect`, `revocation`, each with `metadata` and `payload`
as Twitch documents them. `POST /helix/eventsub/subscriptions` creates websocket
subscriptions bound to a session; Twitch closes a session that sends anything (4001).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from . import twitch_wire as wire
from .twitch_helix import bearer
from .twitch_state import TOPIC_SCOPES, TwitchState, WsSession


class EventSub:
    """The EventSub routes and the controls a test drives sessions with."""

    def __init__(self, state: TwitchState, eventsub_url: Callable[[], str]) -> None:
        self.state = state
        self.eventsub_url = eventsub_url
        self.session_count = 0
        """Sessions connected in all (`wait_sessions` waits on it)."""
        self.connected = asyncio.Condition()

    def add_to(self, router: web.UrlDispatcher) -> None:
        router.add_get("/ws", self.websocket)
        router.add_post("/helix/eventsub/subscriptions", self.subscribe)
        router.add_get("/helix/eventsub/subscriptions", self.list_subscriptions)
        router.add_delete("/helix/eventsub/subscriptions", self.delete_subscription)

    async def wait_sessions(self, count: int = 1) -> WsSession:
        """Wait until `count` sessions have connected in all; return the newest."""
        async with self.connected:
            await self.connected.wait_for(lambda: self.session_count >= count)
        return self.active_session()

    def active_session(self) -> WsSession:
        active = [s for s in self.state.sessions.values() if s.status == "connected"]
        assert active, "no EventSub session is connected"
        return active[-1]

    def enabled(self, topic: str | None = None) -> list[dict[str, Any]]:
        return [
            sub
            for sub in self.state.subscriptions.values()
            if sub["status"] == "enabled" and (topic is None or sub["type"] == topic)
        ]

    async def notify(
        self, topic: str, event: dict[str, Any], *, message_id: str | None = None
    ) -> str:
        """Send a notification for the enabled subscription of `topic`; return its id."""
        subs = self.enabled(topic)
        assert subs, f"no enabled '{topic}' subscription"
        sub = subs[-1]
        session = self.state.sessions[sub["transport"]["session_id"]]
        message_id = message_id or str(uuid.uuid4())
        await self.send(
            session,
            {
                "metadata": {
                    "message_id": message_id,
                    "message_type": "notification",
                    "message_timestamp": wire.now_iso(),
                    "subscription_type": sub["type"],
                    "subscription_version": sub["version"],
                },
                "payload": {"subscription": sub, "event": event},
            },
        )
        return message_id

    async def keepalive_now(self) -> None:
        session = self.active_session()
        await self.send(session, wire.message("session_keepalive", {}))

    async def request_reconnect(self) -> WsSession:
        """Send session_reconnect; return the new session once the client moved to it."""
        old = self.active_session()
        count = self.session_count
        await self.send(
            old,
            wire.message(
                "session_reconnect",
                {
                    "session": {
                        "id": old.id,
                        "status": "reconnecting",
                        "keepalive_timeout_seconds": None,
                        "reconnect_url": f"{self.eventsub_url()}?reconnect={old.id}",
                        "connected_at": wire.now_iso(),
                    }
                },
            ),
        )
        return await self.wait_sessions(count + 1)

    async def revoke(self, topic: str, status: str = "authorization_revoked") -> None:
        """Revoke the enabled subscription of `topic` with `status`."""
        sub = self.enabled(topic)[-1]
        sub["status"] = status
        session = self.state.sessions[sub["transport"]["session_id"]]
        message = wire.message("revocation", {"subscription": sub})
        message["metadata"]["subscription_type"] = sub["type"]
        message["metadata"]["subscription_version"] = sub["version"]
        await self.send(session, message)

    async def drop(self, code: int = 4005) -> None:
        """Close the active session from the server side (network timeout by default)."""
        session = self.active_session()
        session.status = "disconnected"
        for sub in self.state.subscriptions.values():
            if sub["transport"]["session_id"] == session.id and sub["status"] == "enabled":
                sub["status"] = "websocket_disconnected"
        await session.ws.close(code=code, message=b"network timeout")

    async def send(self, session: WsSession, message: dict[str, Any]) -> None:
        self.state.sent.append(message)
        await session.ws.send_str(json.dumps(message))

    async def subscribe(self, request: web.Request) -> web.Response:
        token = bearer(self.state, request)
        body = request["body"] or {}
        topic = body.get("type")
        if topic not in TOPIC_SCOPES:
            raise wire.HelixFailure(
                400, "The combination of values in the type and version fields is not valid"
            )
        transport = body.get("transport") or {}
        session = self.state.sessions.get(transport.get("session_id", ""))
        if (
            transport.get("method") != "websocket"
            or session is None
            or session.status != "connected"
        ):
            raise wire.HelixFailure(
                400, "websocket transport session does not exist or has already disconnected"
            )
        needed = TOPIC_SCOPES[topic]
        if needed is not None and needed not in token.scopes:
            raise wire.HelixFailure(403, "subscription missing proper authorization")
        condition = body.get("condition") or {}
        for sub in self.enabled(topic):
            if sub["condition"] == condition and sub["transport"]["session_id"] == session.id:
                raise wire.HelixFailure(409, "subscription already exists")
        sub = {
            "id": str(uuid.uuid4()),
            "status": "enabled",
            "type": topic,
            "version": body.get("version"),
            "condition": condition,
            "created_at": wire.now_iso(),
            "transport": {
                "method": "websocket",
                "session_id": session.id,
                "connected_at": wire.now_iso(),
            },
            "cost": 0,
        }
        self.state.subscriptions[sub["id"]] = sub
        return web.json_response(
            {
                "data": [sub],
                "total": len(self.state.subscriptions),
                "total_cost": 0,
                "max_total_cost": 10,
            },
            status=202,
        )

    async def list_subscriptions(self, request: web.Request) -> web.Response:
        bearer(self.state, request)
        subs = list(self.state.subscriptions.values())
        return web.json_response(
            {
                "data": subs,
                "total": len(subs),
                "total_cost": 0,
                "max_total_cost": 10,
                "pagination": {},
            }
        )

    async def delete_subscription(self, request: web.Request) -> web.Response:
        bearer(self.state, request)
        if self.state.subscriptions.pop(wire.arg(request, "id") or "", None) is None:
            raise wire.HelixFailure(404, "subscription not found")
        return web.Response(status=204)

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if self.state.refuse_websocket:
            return web.Response(status=503, text="Service Unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = WsSession(id=secrets.token_urlsafe(20), ws=ws, keepalive=self.state.keepalive)
        self.state.sessions[session.id] = session
        old_id = request.query.get("reconnect")
        if old_id is not None:
            # Twitch moves the subscriptions of the old session to the new one.
            for sub in self.state.subscriptions.values():
                if sub["transport"]["session_id"] == old_id:
                    sub["transport"]["session_id"] = session.id
        await self.send(
            session,
            wire.message(
                "session_welcome",
                {
                    "session": {
                        "id": session.id,
                        "status": "connected",
                        "connected_at": wire.now_iso(),
                        "keepalive_timeout_seconds": session.keepalive,
                        "reconnect_url": None,
                        "recovery_url": None,
                    }
                },
            ),
        )
        if old_id is not None and old_id in self.state.sessions:
            self.state.sessions[old_id].status = "reconnected"
        async with self.connected:
            self.session_count += 1
            self.connected.notify_all()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    # Twitch closes the connection on any inbound text (4001).
                    await ws.close(code=4001, message=b"client sent inbound traffic")
        finally:
            if session.status == "connected":
                session.status = "disconnected"
                for sub in self.state.subscriptions.values():
                    if sub["transport"]["session_id"] == session.id and sub["status"] == "enabled":
                        sub["status"] = "websocket_disconnected"
            session.closed.set()
        return ws

    async def keep_alive(self) -> None:
        """Twitch sends a keepalive when a session has been quiet for its keepalive time."""
        while True:
            await asyncio.sleep(self.state.keepalive / 2)
            for session in list(self.state.sessions.values()):
                if session.status == "connected" and not session.ws.closed:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await session.ws.send_str(json.dumps(wire.message("session_keepalive", {})))
