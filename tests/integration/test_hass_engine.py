"""`homeassistant` steps, template conditions and events, all through the real Home Assistant."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import voluptuous as vol
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, ServiceCall, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component

from custom_components.stream_workflows.const import DOMAIN

from .test_setup import entity_id


def sequence(workflow_id: str, *steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": workflow_id, "name": workflow_id.title(), "steps": list(steps), **top}


def ha_step(step_id: str, action: str, **params: Any) -> dict[str, Any]:
    return {"id": step_id, "service": "homeassistant", "action": action, "params": params}


async def run_and_wait(hass: HomeAssistant, workflow_id: str, **variables: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": workflow_id, "variables": variables, "wait": True},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    outcome: dict[str, Any] = response["runs"][0]
    return outcome


async def test_step_calls_a_real_action(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"lamp": {}}})
    write_workflow(
        "lamp.json",
        sequence(
            "lamp",
            ha_step("on", "input_boolean.turn_on", target={"entity_id": "input_boolean.lamp"}),
        ),
    )
    await setup_entry()
    assert hass.states.get("input_boolean.lamp").state == "off"
    outcome = await run_and_wait(hass, "lamp")
    assert outcome["status"] == "succeeded", outcome
    assert outcome["results"]["on"] == {}
    assert hass.states.get("input_boolean.lamp").state == "on"


async def test_return_response_becomes_the_result(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    seen: list[dict[str, Any]] = []

    async def answer(call: ServiceCall) -> dict[str, Any]:
        seen.append(dict(call.data))
        return {"value": call.data["n"] * 2, "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}

    hass.services.async_register(
        "test",
        "double",
        answer,
        schema=vol.Schema({vol.Required("n"): int}),
        supports_response=SupportsResponse.ONLY,
    )
    write_workflow(
        "double.json",
        sequence(
            "double",
            ha_step("ask", "test.double", data={"n": "${n}"}, return_response=True),
            {
                "id": "tell",
                "service": "internal",
                "action": "log",
                "params": {"message": "got ${ask.value}"},
            },
            inputs={"n": {"type": "integer", "default": 21}},
        ),
    )
    await setup_entry()
    outcome = await run_and_wait(hass, "double")
    assert outcome["status"] == "succeeded", outcome
    assert seen == [{"n": 21}]
    # Home Assistant's datetimes come back as JSON text, so the run can be saved.
    assert outcome["results"]["ask"] == {"value": 42, "at": "2026-01-02T03:04:05+00:00"}
    assert outcome["results"]["tell"] == {"message": "got 42"}


async def test_action_errors_have_types(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    async def strict(call: ServiceCall) -> None:
        return None

    async def broken(call: ServiceCall) -> None:
        raise HomeAssistantError("the device is on fire")

    hass.services.async_register(
        "test", "strict", strict, schema=vol.Schema({vol.Required("n"): int})
    )
    hass.services.async_register("test", "broken", broken)
    write_workflow("missing.json", sequence("missing", ha_step("call", "nope.nothing")))
    write_workflow("invalid.json", sequence("invalid", ha_step("call", "test.strict", data={})))
    write_workflow("broken.json", sequence("broken", ha_step("call", "test.broken")))
    await setup_entry()

    outcome = await run_and_wait(hass, "missing")
    assert outcome["status"] == "failed"
    assert outcome["error"]["type"] == "unknown_action"
    assert "nope.nothing" in outcome["error"]["message"]

    outcome = await run_and_wait(hass, "invalid")
    assert outcome["status"] == "failed"
    assert outcome["error"]["type"] == "invalid_params"
    assert "test.strict rejected its data" in outcome["error"]["message"]

    outcome = await run_and_wait(hass, "broken")
    assert outcome["status"] == "failed"
    assert outcome["error"]["step"] == "call"
    assert "the device is on fire" in outcome["error"]["message"]
    sensor = hass.states.get(entity_id(hass, "sensor", "broken_state"))
    assert sensor.state == "failed"
    assert sensor.attributes["last_error"]["step"] == "call"


TEMPLATE_ROUTE = {
    "id": "route",
    "name": "Route",
    "initial_state": "check",
    "states": [
        {
            "name": "check",
            "action": {"service": "internal", "action": "noop"},
            "transitions": {
                "success": [
                    {
                        "if": {"template": "{{ is_state('input_boolean.lamp', 'on') and n > 2 }}"},
                        "target": "lit",
                    },
                    {"target": "dark"},
                ]
            },
        },
        {"name": "lit", "action": {"service": "internal", "action": "noop"}},
        {"name": "dark", "action": {"service": "internal", "action": "noop"}},
    ],
    "inputs": {"n": {"type": "integer", "default": 3}},
}


async def test_template_conditions_are_rendered_by_home_assistant(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"lamp": {}}})
    write_workflow("route.json", TEMPLATE_ROUTE)
    broken = {**TEMPLATE_ROUTE, "id": "broken_route"}
    broken["states"] = [dict(state) for state in TEMPLATE_ROUTE["states"]]
    broken["states"][0]["transitions"] = {
        "success": [{"if": {"template": "{{ 1 | no_such_filter }}"}, "target": "lit"}]
    }
    write_workflow("broken_route.json", broken)
    await setup_entry()

    assert (await run_and_wait(hass, "route"))["path"] == ["check", "dark"]
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": "input_boolean.lamp"}, blocking=True
    )
    assert (await run_and_wait(hass, "route"))["path"] == ["check", "lit"]
    assert (await run_and_wait(hass, "route", n=1))["path"] == ["check", "dark"]

    outcome = await run_and_wait(hass, "broken_route")
    assert outcome["status"] == "failed"
    assert outcome["error"]["type"] == "condition_error"
    assert "template error" in outcome["error"]["message"]


async def test_fire_and_wait_for_events_use_the_bus(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow(
        "events.json",
        sequence(
            "events",
            {
                "id": "announce",
                "service": "internal",
                "action": "fire_event",
                "params": {"event": "workflow_ready", "data": {"who": "${who}"}},
            },
            {
                "id": "answer",
                "service": "internal",
                "action": "wait_for_event",
                "params": {"event": "workflow_go", "match": {"key": "yes"}, "timeout": 60},
            },
            inputs={"who": {"type": "string", "default": "chat"}},
        ),
    )
    await setup_entry()
    fired: list[Event] = []

    @callback
    def record(event: Event) -> None:
        fired.append(event)

    hass.bus.async_listen("workflow_ready", record)
    task = asyncio.get_running_loop().create_task(run_and_wait(hass, "events"))
    await hass.async_block_till_done()
    assert [event.data for event in fired] == [{"who": "chat"}]
    sensor = entity_id(hass, "sensor", "events_state")
    assert hass.states.get(sensor).state == "answer"
    hass.bus.async_fire("workflow_go", {"key": "no"})
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "answer"  # not a match: still waiting
    when = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    hass.bus.async_fire("workflow_go", {"key": "yes", "when": when})
    outcome = await asyncio.wait_for(task, 10)
    assert outcome["status"] == "succeeded", outcome
    assert outcome["results"]["answer"] == {"key": "yes", "when": "2026-05-06T07:08:09+00:00"}
    assert hass.states.get(sensor).state == "succeeded"


async def test_run_times_are_in_home_assistants_zone_and_follow_a_change_of_it(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A run's times carry Home Assistant's time zone offset (the `time` built-in is the
    wall clock there); a change of zone shows in the runs that start a minute later."""
    write_workflow(
        "clock.json",
        sequence(
            "clock",
            {
                "id": "say",
                "service": "internal",
                "action": "log",
                "params": {"message": "${time}"},
            },
        ),
    )
    await hass.config.async_update(time_zone="America/New_York")
    freezer.move_to("2026-07-01T12:00:00+00:00")  # 08:00 in New York (daylight saving)
    await setup_entry()
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    first = coordinator.start("clock")
    assert first.started_at.utcoffset() == timedelta(hours=-4)
    assert first.started_at.isoformat() == "2026-07-01T08:00:00-04:00"
    assert first.results["say"]["message"] == "08-00-00"

    await hass.config.async_update(time_zone="Asia/Tokyo")
    freezer.tick(timedelta(seconds=61))
    later = coordinator.start("clock")
    assert later.started_at.isoformat() == "2026-07-01T21:01:01+09:00"
    assert later.results["say"]["message"] == "21-01-01"
    assert (later.started_at - first.started_at).total_seconds() == 61
