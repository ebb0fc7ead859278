"""Where the integration's runtime objects are found: the loaded core entry's coordinator.

Every module that needs the coordinator outside an entity platform asks here, so that how it
is stored (the core config entry's runtime data) is known in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .state_errors import WorkflowStateError

if TYPE_CHECKING:
    from .coordinator import WorkflowCoordinator


def core_coordinator(hass: HomeAssistant) -> WorkflowCoordinator | None:
    """The coordinator of the loaded core entry, if any."""
    from .coordinator import WorkflowCoordinator

    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        coordinator = getattr(entry, "runtime_data", None)
        if isinstance(coordinator, WorkflowCoordinator):
            return coordinator
    return None


def get_coordinator(hass: HomeAssistant) -> WorkflowCoordinator:
    """The loaded coordinator; a translated error when the integration is not set up."""
    coordinator = core_coordinator(hass)
    if coordinator is None:
        raise WorkflowStateError("not_loaded")
    return coordinator
