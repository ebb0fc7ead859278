"""Logbook entries for workflow runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_RUN_FINISHED, EVENT_RUN_STARTED
from .outcomes import finished_message
from .runtime import core_coordinator


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe run started and finished events."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        data: Mapping[str, Any] = event.data
        name = data.get("workflow_id", "workflow")
        coordinator = core_coordinator(hass)
        view = coordinator.views.get(name) if coordinator else None
        if view is not None:
            name = view.name
        if event.event_type == EVENT_RUN_STARTED:
            message = "rehearsal started" if data.get("rehearsal") else "started"
        else:
            message = finished_message(data)
        return {LOGBOOK_ENTRY_NAME: name, LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_RUN_STARTED, describe)
    async_describe_event(DOMAIN, EVENT_RUN_FINISHED, describe)
