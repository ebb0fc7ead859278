"""A big input stays whole in the run but is shortened in the sensor's attributes, and the
error for an input of the wrong type quotes it short."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant

from custom_components.stream_workflows.const import DOMAIN

from .test_setup import entity_id

HOLDER = {
    "id": "holder",
    "name": "Holder",
    "inputs": {
        "note": {"type": "string", "required": True},
        "count": {"type": "integer", "default": 1},
    },
    "steps": [
        {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 600}},
    ],
}


async def test_long_input_is_shortened_in_the_attribute(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Path], setup_entry: Any
) -> None:
    write_workflow("holder.json", HOLDER)
    await setup_entry()
    note = "x" * 50_000
    await hass.services.async_call(DOMAIN, "holder", {"note": note}, blocking=True)
    state = hass.states.get(entity_id(hass, "sensor", "holder_state"))
    shown = state.attributes["inputs"]["note"]
    assert shown.startswith("xxx")
    assert len(shown) <= 256
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    (run,) = coordinator.engine.active_runs("holder")
    assert run.variables["note"] == note  # the run itself has the whole value
    with pytest.raises(vol.Invalid) as raised:
        await hass.services.async_call(
            DOMAIN, "holder", {"note": "n", "count": "y" * 50_000}, blocking=True
        )
    assert len(str(raised.value)) < 300
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "holder"}, blocking=True)
    await hass.async_block_till_done()
