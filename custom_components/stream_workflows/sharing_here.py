"""What this Home Assistant has, for the sharing actions and the Studio's sharing commands
alike: what an import or a template is checked against (`here_of`, `async_here` with the
connected OBS's scenes) and the secret values an export must never carry (`known_secrets`)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .runtime import get_coordinator
from .sharing.live import obs_scenes
from .sharing.preview import Here
from .sharing.secrets import secret_values


def here_of(hass: HomeAssistant) -> Here:
    """What this Home Assistant has: workflow ids, connected services, actions, entities."""
    coordinator = get_coordinator(hass)
    registry = coordinator.registry
    file_ids = {
        s.definition.id for s in coordinator.sources if not s.stored and s.definition is not None
    }
    services: set[str] = set()
    actions: set[str] = set()
    for service in registry.services():
        adapter = registry.get(service)
        if adapter is None:
            continue
        if getattr(adapter, "connection", True) is not None:  # not a connection: always there
            services.add(service)
        actions.update(f"{service}.{action}" for action in adapter.actions())
    for domain, names in hass.services.async_services().items():
        actions.update(f"homeassistant.{domain}.{name}" for name in names)
    return Here(
        workflow_ids=set(coordinator.workflows) | set(coordinator.stored_documents),
        file_ids=file_ids,
        services=services,
        actions=actions,
        entities=set(hass.states.async_entity_ids()),
    )


async def async_here(hass: HomeAssistant) -> Here:
    """`here_of`, with the connected OBS's scenes (asked of OBS, bounded in time)."""
    here = here_of(hass)
    here.obs_scenes = (await obs_scenes(get_coordinator(hass).registry)).scenes
    return here


def known_secrets(
    hass: HomeAssistant, variables: dict[str, Any], marked: frozenset[str]
) -> list[str]:
    """The secret shared variables' values and every connection's credentials."""
    known = secret_values(variables, marked)
    for entry in hass.config_entries.async_entries(DOMAIN):
        known.extend(secret_values(dict(entry.data), []))
        known.extend(secret_values(dict(entry.options), []))
    return known
