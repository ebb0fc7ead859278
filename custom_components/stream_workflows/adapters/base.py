"""What the external adapters (OBS, Twitch, Discord, Home Assistant) share.

An external adapter is its catalog of actions plus a connection that performs them. Without a
connection (not configured, or disconnected) every action fails fast with `not_connected`,
which a workflow can route on; rehearsals never need one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..engine.adapter import ActionContext, ActionSpec, Adapter
from ..engine.errors import NotConnectedError


class Connection(Protocol):
    """Performs a service's actions against the real peer."""

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        """Do `action`; raise `ActionError` with a readable message on failure."""


class ConnectedAdapter(Adapter):
    """An adapter whose actions go through a replaceable connection."""

    catalog: Mapping[str, ActionSpec] = {}
    setup_hint = "add its connection in the Stream Workflows integration"

    def __init__(self, connection: Connection | None = None) -> None:
        self.connection = connection

    def actions(self) -> Mapping[str, ActionSpec]:
        return self.catalog

    async def execute(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        connection = self.connection
        if connection is None:
            raise NotConnectedError(f"{self.service} is not connected: {self.setup_hint}")
        return await connection.perform(action, params, ctx)
