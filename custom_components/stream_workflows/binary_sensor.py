"""OBS connection state, streaming and recording, as binary sensors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import StreamWorkflowsConfigEntry
from .adapters.obs_client import ObsSnapshot
from .connections import KIND_OBS, entry_kind
from .obs_entity import ObsEntity

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
    """Add the OBS binary sensors of an OBS connection entry."""
    if entry_kind(entry) != KIND_OBS:
        return
    async_add_entities(
        ObsBinarySensor(entry, entry.runtime_data, description)
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
