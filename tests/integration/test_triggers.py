"""Workflows started by Home Assistant triggers and by stream events; bad triggers in Repairs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

from custom_components.stream_workflows.const import DOMAIN, EVENT_STREAM

from .test_setup import entity_id

LOG = {"id": "say", "service": "internal", "action": "log", "params": {"message": "hi"}}
WAIT = {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 60}}


def workflow(workflow_id: str, *steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": workflow_id, "steps": list(steps or [LOG]), **top}


async def test_state_trigger_starts_a_run(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"go": {}}})
    write_workflow(
        "on_go.json",
        workflow(
            "on_go",
            triggers=[
                {"trigger": "state", "entity_id": "input_boolean.go", "to": "on"},
                # A disabled trigger never fires.
                {"trigger": "state", "entity_id": "input_boolean.go", "enabled": False},
            ],
        ),
    )
    await setup_entry()
    started: list[Any] = []
    hass.bus.async_listen("stream_workflows_run_started", started.append)
    sensor = entity_id(hass, "sensor", "on_go_state")
    assert hass.states.get(sensor).state == "idle"
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": "input_boolean.go"}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "succeeded"
    assert len(started) == 1
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.go"}, blocking=True
    )
    await hass.async_block_till_done()
    assert len(started) == 1  # only "to: on" starts it; the disabled trigger stays quiet
    response = await hass.services.async_call(
        DOMAIN, "list", {}, blocking=True, return_response=True
    )
    assert response["workflows"][0]["valid"] is True


async def test_stream_event_trigger_passes_its_data(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_workflow(
        "on_raid.json",
        workflow(
            "on_raid",
            {
                "id": "thank",
                "service": "internal",
                "action": "log",
                "params": {"message": "thanks ${raider}"},
            },
            WAIT,
            triggers=[{"trigger": "stream_event", "event": "raid"}],
            inputs={"raider": {"type": "string", "default": "nobody"}},
        ),
    )
    await setup_entry()
    sensor = entity_id(hass, "sensor", "on_raid_state")
    hass.bus.async_fire(EVENT_STREAM, {"event": "stream_started", "source": "obs"})
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "idle"  # another stream event
    hass.bus.async_fire(EVENT_STREAM, {"event": "raid", "source": "twitch", "raider": "friend"})
    await hass.async_block_till_done()
    state = hass.states.get(sensor)
    assert state.state == "hold"
    assert state.attributes["inputs"] == {"raider": "friend"}
    run_id = state.attributes["run_id"]
    # Single mode: a second raid while the first run holds is refused, and logged.
    hass.bus.async_fire(EVENT_STREAM, {"event": "raid", "source": "twitch", "raider": "other"})
    await hass.async_block_till_done()
    assert hass.states.get(sensor).attributes["run_id"] == run_id
    assert "Trigger did not start on_raid" in caplog.text
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "on_raid"}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "cancelled"


async def test_invalid_triggers_become_repairs_issues(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow(
        "bad_platform.json",
        workflow("bad_platform", triggers=[{"trigger": "no_such_trigger_platform"}]),
    )
    write_workflow(
        "bad_stream.json", workflow("bad_stream", triggers=[{"trigger": "stream_event"}])
    )
    write_workflow("good.json", workflow("good", trigger="stream_started"))
    await setup_entry()
    issues = ir.async_get(hass)
    issue = issues.async_get_issue(DOMAIN, "invalid_workflow_bad_platform_json")
    assert issue is not None
    assert issue.translation_placeholders["file"] == "bad_platform.json"
    assert issue.translation_placeholders["errors"].startswith("- triggers[0]: invalid trigger")
    issue = issues.async_get_issue(DOMAIN, "invalid_workflow_bad_stream_json")
    assert issue is not None
    assert issue.translation_placeholders["errors"] == (
        "- triggers[0]: a stream_event trigger needs 'event'"
    )
    # The bad workflows are not loaded; the good one is, and its trigger works.
    assert not hass.services.has_service(DOMAIN, "bad_platform")
    assert not hass.services.has_service(DOMAIN, "bad_stream")
    hass.bus.async_fire(EVENT_STREAM, {"event": "stream_started"})
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, "sensor", "good_state")).state == "succeeded"
