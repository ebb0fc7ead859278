"""The base of the entities of an OBS connection: one device per OBS, pushed updates."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .connections import ObsLink
from .const import DOMAIN
from .runtime import StreamWorkflowsConfigEntry


class ObsEntity(Entity):
    """Shows part of what OBS last reported."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: StreamWorkflowsConfigEntry, link: ObsLink, description: EntityDescription
    ) -> None:
        self.link = link
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=f"OBS Studio ({entry.data[CONF_HOST]}:{entry.data[CONF_PORT]})",
            manufacturer="OBS Project",
            model="OBS Studio",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(self.link.add_listener(self.async_write_ha_state))
