"""Connections to OBS, Twitch and Discord: config entries of their own beside the core entry.

The core entry (added with one submit) owns the workflows. Each connection is a separate
entry of this integration, so it can be added, validated, re-authenticated and removed on its
own. All entries share one adapter registry (in `hass.data`), so a connection that comes up
before or after the core entry is used by every run from that moment on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .adapters.base import ConnectedAdapter
from .adapters.discord import DiscordAdapter
from .adapters.discord_client import DISCORD_API, DiscordConnection
from .adapters.internal import InternalAdapter
from .adapters.obs import ObsAdapter
from .adapters.obs_client import ObsConnection, ObsSnapshot
from .adapters.twitch import TwitchAdapter
from .const import DOMAIN, EVENT_STREAM
from .engine import AdapterRegistry
from .hass_engine import homeassistant_adapter

_LOGGER = logging.getLogger(__name__)

CONF_CONNECTION: Final = "connection"
CONF_BOT_TOKEN: Final = "bot_token"
CONF_WEBHOOK_URL: Final = "webhook_url"
KIND_CORE: Final = "core"
KIND_OBS: Final = "obs"
KIND_TWITCH: Final = "twitch"
KIND_DISCORD: Final = "discord"
DATA_REGISTRY: Final = f"{DOMAIN}_adapters"

# Where Discord is reached; tests point it at a local server speaking Discord's REST format.
discord_api_base: str = DISCORD_API


def entry_kind(entry: ConfigEntry) -> str:
    """`core`, `obs`, `twitch` or `discord`."""
    return str(entry.data.get(CONF_CONNECTION, KIND_CORE))


def shared_registry(hass: HomeAssistant) -> AdapterRegistry:
    """The adapters every run uses; connections plug into them."""
    registry: AdapterRegistry | None = hass.data.get(DATA_REGISTRY)
    if registry is None:
        registry = hass.data[DATA_REGISTRY] = AdapterRegistry(
            [
                InternalAdapter(),
                homeassistant_adapter(hass),
                ObsAdapter(),
                TwitchAdapter(),
                DiscordAdapter(),
            ]
        )
    return registry


def _adapter(hass: HomeAssistant, service: str) -> ConnectedAdapter:
    adapter = shared_registry(hass).get(service)
    assert isinstance(adapter, ConnectedAdapter)
    return adapter


def fire_stream_event(hass: HomeAssistant, source: str, name: str, data: dict[str, Any]) -> None:
    """Put a stream event on the bus, where workflow triggers and automations see it."""
    hass.bus.async_fire(EVENT_STREAM, {**data, "event": name, "source": source})


@dataclass(slots=True)
class ObsLink:
    """A running OBS connection and the entities that show it."""

    connection: ObsConnection
    listeners: list[CALLBACK_TYPE] = field(default_factory=list)

    @property
    def snapshot(self) -> ObsSnapshot:
        return self.connection.snapshot()

    @callback
    def add_listener(self, listener: CALLBACK_TYPE) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    @callback
    def changed(self) -> None:
        for listener in list(self.listeners):
            listener()


async def async_setup_obs(hass: HomeAssistant, entry: ConfigEntry) -> ObsLink:
    """Connect to OBS; it reconnects by itself afterwards. A wrong password starts reauth."""
    link: ObsLink | None = None

    @callback
    def on_event(name: str, data: dict[str, Any]) -> None:
        fire_stream_event(hass, KIND_OBS, name, data)
        if link is not None:
            link.changed()

    @callback
    def on_state(connected: bool) -> None:
        _LOGGER.info(
            "OBS at %s:%s %s",
            entry.data[CONF_HOST],
            entry.data[CONF_PORT],
            "connected" if connected else "disconnected",
        )
        if link is not None:
            link.changed()

    connection = ObsConnection(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data.get(CONF_PASSWORD, ""),
        on_event=on_event,
        on_state=on_state,
    )
    await connection.start()
    if connection.last_error == "invalid_auth":
        await connection.stop()
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="obs_invalid_auth")
    link = ObsLink(connection)
    _adapter(hass, KIND_OBS).connection = connection
    return link


async def async_unload_obs(hass: HomeAssistant, link: ObsLink) -> None:
    adapter = _adapter(hass, KIND_OBS)
    if adapter.connection is link.connection:
        adapter.connection = None
    await link.connection.stop()


async def async_setup_discord(hass: HomeAssistant, entry: ConfigEntry) -> DiscordConnection:
    """Discord needs no standing connection: plug the REST client into the adapter."""
    try:
        connection = DiscordConnection(
            bot_token=entry.data.get(CONF_BOT_TOKEN) or None,
            webhook_url=entry.data.get(CONF_WEBHOOK_URL) or None,
            session=async_get_clientsession(hass),
            api_base=discord_api_base,
        )
    except ValueError as err:
        raise ConfigEntryNotReady(str(err)) from err
    _adapter(hass, KIND_DISCORD).connection = connection
    return connection


async def async_unload_discord(hass: HomeAssistant, connection: DiscordConnection) -> None:
    adapter = _adapter(hass, KIND_DISCORD)
    if adapter.connection is connection:
        adapter.connection = None
    await connection.close()
