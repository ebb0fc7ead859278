"""A started `TwitchConnection` against the local Twitch peer, for the Twitch tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from custom_components.stream_workflows.adapters.twitch.connection import TwitchConnection
from local_peers.twitch_server import TwitchPeer


@dataclass
class TwitchWorld:
    """The peer, the connection and what the connection reported."""

    peer: TwitchPeer
    connection: TwitchConnection
    access: str
    refresh: str
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tokens: list[tuple[str, str]] = field(default_factory=list)
    auth_failures: list[str] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        """Every secret a log line or error message must never show."""
        return [
            self.peer.client_secret,
            self.access,
            self.refresh,
            *(token for pair in self.tokens for token in pair),
        ]


def connection_for(peer: TwitchPeer, access: str, refresh: str, **kwargs: Any) -> TwitchConnection:
    options: dict[str, Any] = {
        "reconnect_delays": (0, 0),
        "restart_delays": (0.01,),
        "connect_timeout": 5.0,
        **kwargs,
    }
    return TwitchConnection(
        app_id=peer.client_id,
        app_secret=peer.client_secret,
        access_token=access,
        refresh_token=refresh,
        base_url=peer.api_base,
        auth_base_url=peer.auth_base,
        eventsub_url=peer.eventsub_url,
        **options,
    )


@contextlib.asynccontextmanager
async def twitch_world(
    *,
    scopes: list[str] | None = None,
    events: bool = True,
    keepalive: float = 10,
    **kwargs: Any,
) -> AsyncIterator[TwitchWorld]:
    """A local Twitch and a connection to it, started; everything is stopped afterwards."""
    async with TwitchPeer(keepalive=keepalive) as peer:
        access, refresh = peer.issue_tokens(scopes)
        connection = connection_for(peer, access, refresh, **kwargs)
        world = TwitchWorld(peer, connection, access, refresh)
        if events:
            connection.on_event = lambda name, data: world.events.append((name, data))
        connection.on_tokens = lambda a, r: world.tokens.append((a, r))
        connection.on_auth_failed = world.auth_failures.append
        await connection.start()
        try:
            yield world
        finally:
            await connection.stop()
