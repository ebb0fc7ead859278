"""Device triggers of a workflow device, attached through a real automation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.stream_workflows import device_trigger
from custom_components.stream_workflows.const import DOMAIN

GOOD = {
    "id": "good",
    "name": "Good",
    "steps": [
        {"id": "first", "service": "internal", "action": "noop"},
        {"id": "second", "service": "internal", "action": "noop"},
    ],
}
BAD = {
    "id": "bad",
    "name": "Bad",
    "steps": [{"id": "call", "service": "homeassistant", "action": "nope.nothing"}],
}


def device_id(hass: HomeAssistant, workflow_id: str) -> str:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, workflow_id)})
    assert device is not None
    return device.id


def automation(device: str, kind: str, tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "alias": tag,
        "triggers": [
            {"trigger": "device", "domain": DOMAIN, "device_id": device, "type": kind, **extra}
        ],
        "actions": [{"action": "test.automation", "data": {"tag": tag}}],
    }


async def test_triggers_of_a_workflow_device(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("good.json", GOOD)
    await setup_entry()
    device = device_id(hass, "good")
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device)
    base = {"platform": "device", "domain": DOMAIN, "device_id": device, "metadata": {}}
    expected = [
        {**base, "type": "finished"},
        {**base, "type": "failed"},
        {**base, "type": "entered_state", "state": "first"},
        {**base, "type": "entered_state", "state": "second"},
    ]
    ours = [trigger for trigger in triggers if trigger["domain"] == DOMAIN]
    assert sorted(ours, key=repr) == sorted(expected, key=repr)
    # The device's entities bring their own (a button's "pressed") beside the workflow's.
    assert {"button", "switch"} <= {trigger["domain"] for trigger in triggers}


async def test_automations_fire_on_state_finished_and_failed(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("good.json", GOOD)
    write_workflow("bad.json", BAD)
    await setup_entry()
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    good, bad = device_id(hass, "good"), device_id(hass, "bad")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                automation(good, "entered_state", "good_second", state="second"),
                automation(good, "finished", "good_finished"),
                automation(good, "failed", "good_failed"),
                automation(bad, "finished", "bad_finished"),
                automation(bad, "failed", "bad_failed"),
            ]
        },
    )
    await hass.async_block_till_done()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "good"}, blocking=True)
    await hass.async_block_till_done()
    assert [call.data["tag"] for call in calls] == ["good_second", "good_finished"]
    calls.clear()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "bad"}, blocking=True)
    await hass.async_block_till_done()
    assert sorted(call.data["tag"] for call in calls) == ["bad_failed", "bad_finished"]


async def test_invalid_device_trigger_configs(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Any,
) -> None:
    write_workflow("good.json", GOOD)
    await setup_entry()
    device = device_id(hass, "good")
    base = {"platform": "device", "domain": DOMAIN, "device_id": device}
    with pytest.raises(InvalidDeviceAutomationConfig, match="needs a state"):
        await device_trigger.async_validate_trigger_config(hass, {**base, "type": "entered_state"})
    config = await device_trigger.async_validate_trigger_config(
        hass, {**base, "type": "entered_state", "state": "first"}
    )
    assert config["state"] == "first"
    other = MockConfigEntry(domain="test")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("test", "thing")}
    )
    with pytest.raises(InvalidDeviceAutomationConfig, match="not a Stream Workflows workflow"):
        await device_trigger.async_get_triggers(hass, foreign.id)
    with pytest.raises(InvalidDeviceAutomationConfig):
        await device_trigger.async_get_triggers(hass, "no-such-device")
