"""Which workflow a device or an entity belongs to, read from Home Assistant's registries.

A workflow's device carries the identifier `(DOMAIN, workflow_id)` and every entity of the
workflow sits on it, so the registries answer; no unique id is taken apart.
"""

from __future__ import annotations

from collections.abc import Container

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN


def device_identifier(hass: HomeAssistant, device_id: str | None) -> str | None:
    """Our identifier of the device (a workflow id, or a connection's entry id), or None."""
    device = dr.async_get(hass).async_get(device_id) if device_id is not None else None
    if device is None:
        return None
    return next((ident for domain, ident in device.identifiers if domain == DOMAIN), None)


def entity_workflow(hass: HomeAssistant, entity_id: str, workflows: Container[str]) -> str | None:
    """The id of the workflow (one of `workflows`) whose device holds the entity, or None."""
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None or entry.platform != DOMAIN:
        return None
    identifier = device_identifier(hass, entry.device_id)
    return identifier if identifier is not None and identifier in workflows else None
