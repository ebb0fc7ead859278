"""OBS connection state, streaming and recording; Twitch EventSub connection: binary sensors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .adapters.obs.events import ObsSnapshot
from .connections import KIND_OBS, KIND_TWITCH, entry_kind
from .obs_entity import ObsEntity
from .runtime import StreamWorkflowsConfigEntry, obs_link_of, twitch_link_of
from .twitch_entity import TwitchEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ObsBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no fact about OBS."""

    is_on: Callable[[ObsSnapshot], bool]
    needs_connection: bool = True


OBS_BINARY_SENSORS: tuple[ObsBinarySensorDescription, ...] = (
    ObsBinarySensorDescription(
        key="connected",
        translation_key="obs_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on=lambda snapshot: snapshot.connected,
        needs_connection=False,
    ),
    ObsBinarySensorDescription(
        key="streaming",
        translation_key="obs_streaming",
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on=lambda snapshot: bool(snapshot.streaming),
    ),
    ObsBinarySensorDescription(
        key="recording",
        translation_key="obs_recording",
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on=lambda snapshot: bool(snapshot.recording),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StreamWorkflowsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the OBS binary sensors of an OBS entry, or the connection sensor of a Twitch entry."""
    if entry_kind(entry) == KIND_TWITCH:
        async_add_entities([TwitchConnectedSensor(entry, twitch_link_of(entry), TWITCH_CONNECTED)])
        return
    if entry_kind(entry) != KIND_OBS:
        return
    async_add_entities(
        ObsBinarySensor(entry, obs_link_of(entry), description)
        for description in OBS_BINARY_SENSORS
    )


class ObsBinarySensor(ObsEntity, BinarySensorEntity):
    """Connected, streaming or recording."""

    entity_description: ObsBinarySensorDescription

    @property
    def available(self) -> bool:
        return self.link.snapshot.connected or not self.entity_description.needs_connection

    @property
    def is_on(self) -> bool:
        return self.entity_description.is_on(self.link.snapshot)


TWITCH_CONNECTED = BinarySensorEntityDescription(
    key="connected",
    translation_key="twitch_connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class TwitchConnectedSensor(TwitchEntity, BinarySensorEntity):
    """On while Twitch's EventSub session is open (stream events arrive).

    twitchAPI reports no connection changes, so the state is also polled; an event or a lost
    authorization updates it at once.
    """

    _attr_should_poll = True

    @property
    def is_on(self) -> bool:
        connection = self.link.connection
        return connection.connected and connection.eventsub_connected

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        connection = self.link.connection
        return {
            "login": connection.login,
            "authorized": connection.connected,
            "events": sorted(connection.subscribed),
            "unavailable_events": dict(connection.failed_events),
            "missing_scopes": connection.missing_scopes,
        }
