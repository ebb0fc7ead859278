"""Setting up and unloading the config entries (the integration module delegates here)."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .connections import (
    KIND_DISCORD,
    KIND_OBS,
    KIND_TWITCH,
    async_setup_discord,
    async_setup_obs,
    async_setup_twitch,
    async_unload_discord,
    async_unload_obs,
    async_unload_twitch,
    entry_kind,
)
from .const import CONF_VARIABLES, DOMAIN
from .coordinator import WorkflowCoordinator
from .language import async_setup_language
from .redaction import install_log_filter, remove_log_filter
from .runtime import (
    StreamWorkflowsConfigEntry,
    coordinator_of,
    discord_connection_of,
    obs_link_of,
    twitch_link_of,
)
from .services import async_register_services
from .services_per_workflow import async_track_workflow_services
from .sharing_services import async_register_sharing_services
from .studio import async_setup_studio

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: dict[str, list[Platform]] = {
    "core": [Platform.BUTTON, Platform.SENSOR, Platform.SWITCH],
    KIND_OBS: [Platform.BINARY_SENSOR, Platform.SENSOR],
    KIND_TWITCH: [Platform.BINARY_SENSOR],
    KIND_DISCORD: [],
}


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_register_services(hass)
    async_register_sharing_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: StreamWorkflowsConfigEntry) -> bool:
    """Set up the core entry (workflows) or a connection entry."""
    kind = entry_kind(entry)
    if kind == KIND_OBS:
        entry.runtime_data = await async_setup_obs(hass, entry)
    elif kind == KIND_TWITCH:
        entry.runtime_data = await async_setup_twitch(hass, entry)
    elif kind == KIND_DISCORD:
        entry.runtime_data = await async_setup_discord(hass, entry)
    else:
        entry.runtime_data = await _async_setup_core(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS.get(kind, []))
    return True


async def _async_setup_core(
    hass: HomeAssistant, entry: StreamWorkflowsConfigEntry
) -> WorkflowCoordinator:
    coordinator = WorkflowCoordinator(hass, entry)
    # The integration's log records lose the secret shared variables' values.
    log_filter = install_log_filter(coordinator.secrets)
    entry.async_on_unload(lambda: remove_log_filter(log_filter))
    await coordinator.async_setup()
    entry.async_on_unload(async_track_workflow_services(coordinator))
    entry.async_on_unload(async_setup_language(hass, coordinator))
    entry.async_on_unload(await async_setup_studio(hass, coordinator))

    async def options_updated(hass: HomeAssistant, entry: StreamWorkflowsConfigEntry) -> None:
        coordinator.engine.globals = dict(entry.options.get(CONF_VARIABLES, {}))
        coordinator.update_secrets()

    async def stop(event: Event) -> None:
        await coordinator.async_stop()

    entry.async_on_unload(entry.add_update_listener(options_updated))
    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop))
    return coordinator


async def async_unload_entry(hass: HomeAssistant, entry: StreamWorkflowsConfigEntry) -> bool:
    """Save and stop every run (core), or disconnect (connections)."""
    kind = entry_kind(entry)
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS.get(kind, []))
    if kind == KIND_OBS:
        await async_unload_obs(hass, obs_link_of(entry))
    elif kind == KIND_TWITCH:
        await async_unload_twitch(hass, entry, twitch_link_of(entry))
    elif kind == KIND_DISCORD:
        await async_unload_discord(hass, discord_connection_of(entry))
    else:
        await coordinator_of(entry).async_stop()
    return unloaded
