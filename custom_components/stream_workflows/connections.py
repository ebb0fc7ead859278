"""Connections to OBS, Twitch and Discord: config entries of their own beside the core entry.

The core entry (added with one submit) owns the workflows. Each connection is a separate
entry of this integration, so it can be added, validated, re-authenticated and removed on its
own. All entries share one adapter registry (`hass.data[ADAPTERS]`), so a connection that comes up
before or after the core entry is used by every run from that moment on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import ClientError, ClientResponseError
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_TOKEN,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    LocalOAuth2Implementation,
    OAuth2Session,
    async_get_config_entry_implementation,
)
from twitchAPI.helper import (
    TWITCH_API_BASE_URL,
    TWITCH_AUTH_BASE_URL,
    TWITCH_EVENT_SUB_WEBSOCKET_URL,
)

from .adapters.base import ConnectedAdapter
from .adapters.discord import DiscordAdapter
from .adapters.discord.connection import DISCORD_API, DiscordConnection
from .adapters.internal import InternalAdapter
from .adapters.obs import ObsAdapter
from .adapters.obs.connection import ObsConnection, ObsSnapshot
from .adapters.twitch import TwitchAdapter
from .adapters.twitch.connection import TwitchAuthError, TwitchConnectError, TwitchConnection
from .const import DOMAIN, EVENT_STREAM
from .data_keys import ADAPTERS
from .engine import AdapterRegistry
from .hass_engine import homeassistant_adapter
from .issues import delete_scope_issue, update_scope_issue

_LOGGER = logging.getLogger(__name__)

CONF_CONNECTION: Final = "connection"
CONF_BOT_TOKEN: Final = "bot_token"
CONF_WEBHOOK_URL: Final = "webhook_url"
CONF_REFRESH_TOKEN: Final = "refresh_token"
KIND_CORE: Final = "core"
KIND_OBS: Final = "obs"
KIND_TWITCH: Final = "twitch"
KIND_DISCORD: Final = "discord"

# Where Discord is reached; tests point it at a local server speaking Discord's REST format.
discord_api_base: str = DISCORD_API
# Where Twitch is reached (Helix, OAuth, EventSub); tests point them at a local Twitch.
twitch_base_url: str = TWITCH_API_BASE_URL
twitch_auth_base_url: str = TWITCH_AUTH_BASE_URL
twitch_eventsub_url: str = TWITCH_EVENT_SUB_WEBSOCKET_URL


def entry_kind[T](entry: ConfigEntry[T]) -> str:
    """`core`, `obs`, `twitch` or `discord`."""
    return str(entry.data.get(CONF_CONNECTION, KIND_CORE))


def shared_registry(hass: HomeAssistant) -> AdapterRegistry:
    """The adapters every run uses; connections plug into them."""
    registry = hass.data.get(ADAPTERS)
    if registry is None:
        registry = hass.data[ADAPTERS] = AdapterRegistry(
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


@dataclass(slots=True, kw_only=True)
class _Link:
    """What a connection entry keeps: the entities to tell when the connection changes."""

    listeners: list[CALLBACK_TYPE] = field(default_factory=list)

    @callback
    def add_listener(self, listener: CALLBACK_TYPE) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    @callback
    def changed(self) -> None:
        for listener in list(self.listeners):
            listener()


@dataclass(slots=True, kw_only=True)
class ObsLink(_Link):
    """A running OBS connection and the entities that show it."""

    connection: ObsConnection

    @property
    def snapshot(self) -> ObsSnapshot:
        return self.connection.snapshot()


def _unplug(hass: HomeAssistant, service: str, connection: object) -> None:
    """Take `connection` out of its adapter (unless another entry's replaced it already)."""
    adapter = _adapter(hass, service)
    if adapter.connection is connection:
        adapter.connection = None


async def async_setup_obs[T](hass: HomeAssistant, entry: ConfigEntry[T]) -> ObsLink:
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
    link = ObsLink(connection=connection)
    _adapter(hass, KIND_OBS).connection = connection

    async def stop_on_shutdown(_event: Event) -> None:
        await connection.stop()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop_on_shutdown))
    return link


async def async_unload_obs(hass: HomeAssistant, link: ObsLink) -> None:
    _unplug(hass, KIND_OBS, link.connection)
    await link.connection.stop()


async def async_setup_discord[T](hass: HomeAssistant, entry: ConfigEntry[T]) -> DiscordConnection:
    """Discord needs no standing connection: plug the REST client into the adapter."""
    try:
        connection = DiscordConnection(
            bot_token=entry.data.get(CONF_BOT_TOKEN) or None,
            webhook_url=entry.data.get(CONF_WEBHOOK_URL) or None,
            session=async_get_clientsession(hass),
            api_base=discord_api_base,
        )
    except ValueError as err:  # the entry's data was changed by hand: retrying cannot help
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="discord_invalid_entry",
            translation_placeholders={"error": str(err)},
        ) from err
    _adapter(hass, KIND_DISCORD).connection = connection
    return connection


async def async_unload_discord(hass: HomeAssistant, connection: DiscordConnection) -> None:
    _unplug(hass, KIND_DISCORD, connection)
    await connection.close()


@dataclass(slots=True, kw_only=True)
class TwitchLink(_Link):
    """A running Twitch connection and the entities that show it."""

    connection: TwitchConnection


async def _twitch_implementation[T](
    hass: HomeAssistant, entry: ConfigEntry[T]
) -> LocalOAuth2Implementation:
    """The application credentials the entry was authorized with."""
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except (ValueError, HomeAssistantError) as err:  # newer cores: ImplementationUnavailableError
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="twitch_no_credentials"
        ) from err
    if not isinstance(implementation, LocalOAuth2Implementation):
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="twitch_no_credentials"
        )
    return implementation


async def async_setup_twitch[T](hass: HomeAssistant, entry: ConfigEntry[T]) -> TwitchLink:
    """Connect to Twitch as the authorized broadcaster and listen for stream events.

    Home Assistant's OAuth2 session refreshes an expired token first; afterwards twitchAPI
    refreshes it whenever Twitch answers 401, and each new pair is written to the entry.
    Tokens that cannot be refreshed (revoked, or the app's secret changed) start a reauth.
    """
    implementation = await _twitch_implementation(hass, entry)
    session = OAuth2Session(hass, entry, implementation)
    try:
        await session.async_ensure_token_valid()
    except ClientResponseError as err:
        if 400 <= err.status < 500:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="twitch_invalid_auth"
            ) from err
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="twitch_cannot_connect"
        ) from err
    except (ClientError, TimeoutError) as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="twitch_cannot_connect"
        ) from err
    link: TwitchLink | None = None

    @callback
    def on_event(name: str, data: dict[str, Any]) -> None:
        fire_stream_event(hass, KIND_TWITCH, name, data)
        if link is not None:
            link.changed()

    @callback
    def on_tokens(access_token: str, refresh_token: str) -> None:
        old: dict[str, Any] = dict(entry.data[CONF_TOKEN])
        # twitchAPI's refresh does not say how long the new token lives: assume as long as
        # the last one. Should it expire sooner, twitchAPI refreshes it on Twitch's 401.
        lifetime = int(old.get("expires_in") or 3600)
        token = {
            **old,
            CONF_ACCESS_TOKEN: access_token,
            CONF_REFRESH_TOKEN: refresh_token,
            "expires_at": time.time() + lifetime,
        }
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_TOKEN: token})

    @callback
    def on_auth_failed(reason: str) -> None:
        entry.async_start_reauth(hass)
        if link is not None:
            link.changed()

    token = entry.data[CONF_TOKEN]
    connection = TwitchConnection(
        app_id=implementation.client_id,
        app_secret=implementation.client_secret,
        access_token=token[CONF_ACCESS_TOKEN],
        refresh_token=token.get(CONF_REFRESH_TOKEN, ""),
        base_url=twitch_base_url,
        auth_base_url=twitch_auth_base_url,
        eventsub_url=twitch_eventsub_url,
        on_event=on_event,
        on_tokens=on_tokens,
        on_auth_failed=on_auth_failed,
    )
    try:
        await connection.start()
    except TwitchAuthError as err:
        await connection.stop()
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="twitch_invalid_auth"
        ) from err
    except TwitchConnectError as err:
        await connection.stop()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="twitch_cannot_connect"
        ) from err
    link = TwitchLink(connection=connection)
    update_scope_issue(hass, entry, connection.missing_scopes)
    _adapter(hass, KIND_TWITCH).connection = connection

    async def stop_on_shutdown(_event: Event) -> None:
        await connection.stop()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop_on_shutdown))
    return link


async def async_unload_twitch[T](
    hass: HomeAssistant, entry: ConfigEntry[T], link: TwitchLink
) -> None:
    _unplug(hass, KIND_TWITCH, link.connection)
    await link.connection.stop()
    # Raised again by the next setup if still true; gone with the entry otherwise.
    delete_scope_issue(hass, entry)
