"""Service adapters. Importing this package imports nothing from Home Assistant."""

from __future__ import annotations

from ..engine.adapter import AdapterRegistry
from .discord import DiscordAdapter
from .homeassistant import HomeAssistantAdapter
from .internal import InternalAdapter
from .obs import ObsAdapter
from .twitch import TwitchAdapter


def default_registry() -> AdapterRegistry:
    """Every service, none connected: enough to validate and rehearse any workflow."""
    return AdapterRegistry(
        [InternalAdapter(), HomeAssistantAdapter(), ObsAdapter(), TwitchAdapter(), DiscordAdapter()]
    )


__all__ = ["default_registry"]
