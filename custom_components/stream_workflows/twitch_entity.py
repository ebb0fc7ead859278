"""The base of the entities of a Twitch connection: one device per Twitch account."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .connections import TwitchLink
from .const import DOMAIN
from .runtime import StreamWorkflowsConfigEntry


class TwitchEntity(Entity):
    """Shows part of the state of a Twitch connection."""

    _attr_has_entity_name = True

    def __init__(
        self, entry: StreamWorkflowsConfigEntry, link: TwitchLink, description: EntityDescription
    ) -> None:
        self.link = link
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        login = link.connection.login or entry.title
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=f"Twitch ({login})",
            manufacturer="Twitch",
            model="Twitch channel",
            configuration_url=f"https://dashboard.twitch.tv/u/{login}",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(self.link.add_listener(self.async_write_ha_state))
