"""Stream Workflows: run your stream's rituals as workflows from Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_VARIABLES, DOMAIN
from .manager import WorkflowManager
from .services import async_register_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[Platform] = [Platform.BUTTON, Platform.SENSOR, Platform.SWITCH]

type StreamWorkflowsConfigEntry = ConfigEntry[WorkflowManager]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_register_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: StreamWorkflowsConfigEntry) -> bool:
    """Load workflows, restore runs and add the entities."""
    manager = WorkflowManager(hass, entry)
    await manager.async_setup()
    entry.runtime_data = manager
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    async def options_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
        manager.engine.globals = dict(entry.options.get(CONF_VARIABLES, {}))

    async def stop(event: Event) -> None:
        await manager.async_stop()

    entry.async_on_unload(entry.add_update_listener(options_updated))
    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: StreamWorkflowsConfigEntry) -> bool:
    """Save and stop every run, then remove the entities."""
    await entry.runtime_data.async_stop()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
