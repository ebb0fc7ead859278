"""Device triggers of a workflow: it entered a state, it finished, it failed."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_PLATFORM, CONF_STATE, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, EVENT_RUN_FINISHED, EVENT_STATE_CHANGED
from .runtime import core_coordinator
from .workflow_devices import device_identifier

TRIGGER_ENTERED_STATE = "entered_state"
TRIGGER_FINISHED = "finished"
TRIGGER_FAILED = "failed"
TRIGGER_TYPES = (TRIGGER_ENTERED_STATE, TRIGGER_FINISHED, TRIGGER_FAILED)

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In(TRIGGER_TYPES),
        vol.Optional(CONF_STATE): str,
    }
)


def _workflow_id(hass: HomeAssistant, device_id: str) -> str:
    identifier = device_identifier(hass, device_id)
    if identifier is not None:
        return identifier
    raise InvalidDeviceAutomationConfig(f"Device {device_id} is not a Stream Workflows workflow")


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """Validate a device trigger; `entered_state` needs the state."""
    config = TRIGGER_SCHEMA(config)
    if config[CONF_TYPE] == TRIGGER_ENTERED_STATE and CONF_STATE not in config:
        raise InvalidDeviceAutomationConfig("The entered_state trigger needs a state")
    return config


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The triggers of a workflow device: one per state or step, finished and failed."""
    workflow_id = _workflow_id(hass, device_id)
    base = {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id}
    triggers = [
        {**base, CONF_TYPE: TRIGGER_FINISHED},
        {**base, CONF_TYPE: TRIGGER_FAILED},
    ]
    coordinator = core_coordinator(hass)
    definition = coordinator.workflows.get(workflow_id) if coordinator else None
    if definition is not None:
        triggers.extend(
            {**base, CONF_TYPE: TRIGGER_ENTERED_STATE, CONF_STATE: step}
            for step in definition.all_steps()
        )
    return triggers


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the workflow's bus events."""
    workflow_id = _workflow_id(hass, config[CONF_DEVICE_ID])
    data: dict[str, Any] = {"workflow_id": workflow_id}
    if config[CONF_TYPE] == TRIGGER_ENTERED_STATE:
        event_type = EVENT_STATE_CHANGED
        data["state"] = config[CONF_STATE]
    else:
        event_type = EVENT_RUN_FINISHED
        if config[CONF_TYPE] == TRIGGER_FAILED:
            data["status"] = "failed"
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: event_type,
            "event_data": data,
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
