"""The generic actions, each workflow's own action, bad input and bus events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import voluptuous as vol
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.stream_workflows.const import DOMAIN

from .test_setup import entity_id

# A rehearsal at real speed: these tests pause, resume and cancel it while it waits.
RAID = {
    "workflow_id": "raid_workflow",
    "variables": {"raid_target": "friend"},
    "rehearsal": True,
    "virtual_time": False,
}

GREETING = {
    "id": "greeting",
    "name": "Greeting",
    "description": "Say hello.",
    "mode": "queued",
    "inputs": {
        "who": {"description": "Who to greet", "type": "string", "required": True},
        "times": {"description": "How often", "type": "integer", "default": 1},
    },
    "steps": [
        {
            "id": "say",
            "service": "internal",
            "action": "log",
            "params": {"message": "hello ${who} x${times}"},
        },
        {"id": "pause_here", "service": "internal", "action": "wait", "params": {"seconds": 5}},
    ],
}


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_run_with_wait_returns_outcome(
    hass: HomeAssistant,
    seed_workflows: Any,
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry()
    call = hass.services.async_call(
        DOMAIN, "run", {**RAID, "wait": True}, blocking=True, return_response=True
    )
    # Not a Home Assistant task: async_block_till_done must not wait for it.
    task = asyncio.get_running_loop().create_task(call)
    await hass.async_block_till_done()
    for _ in range(5):
        await tick(hass, freezer, 10)
    response = await task
    outcome = response["runs"][0]
    assert outcome["status"] == "succeeded"
    assert outcome["path"][-1] == "end_stream"
    assert outcome["rehearsal"] is True
    assert outcome["results"]["execute_raid"]["is_mature"] is False


async def test_pause_resume_cancel_and_events(
    hass: HomeAssistant,
    seed_workflows: Any,
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry()
    events: list[Event] = []

    @callback
    def record(event: Event) -> None:  # a callback runs in the loop, in order
        events.append(event)

    for name in ("run_started", "state_changed", "run_finished"):
        hass.bus.async_listen(f"stream_workflows_{name}", record)
    await hass.services.async_call(DOMAIN, "run", RAID, blocking=True)
    await hass.async_block_till_done()
    sensor = entity_id(hass, "sensor", "raid_workflow_state")
    assert hass.states.get(sensor).state == "wait_for_raid"
    await tick(hass, freezer, 10)
    await hass.services.async_call(DOMAIN, "pause", {"workflow_id": "raid_workflow"}, blocking=True)
    assert hass.states.get(sensor).state == "paused"
    paused = hass.states.get(sensor).attributes
    assert "wait_ends_at" not in paused
    assert paused["wait_remaining"] == pytest.approx(20, abs=0.5)  # the deck shows it
    assert paused["wait_total"] == 30
    assert paused["finished_at"] is None
    await tick(hass, freezer, 100)  # paused: the wait does not count
    assert hass.states.get(sensor).state == "paused"
    assert hass.states.get(sensor).attributes["wait_remaining"] == pytest.approx(20, abs=0.5)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "pause", {"workflow_id": "raid_workflow"}, blocking=True
        )
    await hass.services.async_call(DOMAIN, "resume", {"entity_id": [sensor]}, blocking=True)
    assert hass.states.get(sensor).state == "wait_for_raid"
    await tick(hass, freezer, 15)
    assert hass.states.get(sensor).state == "wait_for_raid"  # 25 of 30 s
    await hass.services.async_call(
        DOMAIN, "cancel", {"workflow_id": "raid_workflow"}, blocking=True
    )
    await hass.async_block_till_done()
    state = hass.states.get(sensor)
    assert state.state == "cancelled"
    assert state.attributes["finished_at"] is not None
    assert "wait_remaining" not in state.attributes
    kinds = [(e.event_type.removeprefix("stream_workflows_"), e.data["state"]) for e in events]
    assert kinds[0][0] == "run_started"
    assert kinds[1] == ("state_changed", "prepare_raid")
    assert ("state_changed", "end_stream") in kinds  # the cancel route ran its cleanup
    assert kinds[-1] == ("run_finished", "cancelled")
    finished = events[-1].data
    assert finished["workflow_id"] == "raid_workflow"
    assert finished["status"] == "cancelled"
    assert finished["error"] is None
    assert finished["run_id"] == state.attributes["run_id"]


async def test_per_workflow_service_fields_and_response(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    write_workflow("greeting.json", GREETING)
    await setup_entry()
    descriptions = await async_get_all_descriptions(hass)
    described = descriptions[DOMAIN]["greeting"]
    assert described["name"] == "Greeting"
    assert described["fields"]["who"]["required"] is True
    assert described["fields"]["times"]["default"] == 1
    assert described["fields"]["who"]["selector"] == {"text": {}}
    task = asyncio.get_running_loop().create_task(
        hass.services.async_call(
            DOMAIN, "greeting", {"who": "chat"}, blocking=True, return_response=True
        )
    )
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    response = await task
    assert response["status"] == "succeeded"
    assert response["results"]["say"] == {"message": "hello chat x1"}


async def test_bad_input_is_rejected_and_nothing_starts(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Callable[[], Any]
) -> None:
    write_workflow("greeting.json", GREETING)
    await setup_entry()
    # what the schema can know is a schema error (vol.Invalid), naming the field
    with pytest.raises(vol.Invalid, match="who"):
        await hass.services.async_call(DOMAIN, "greeting", {}, blocking=True)
    with pytest.raises(vol.Invalid, match="integer"):
        await hass.services.async_call(
            DOMAIN, "greeting", {"who": "x", "times": "two"}, blocking=True
        )
    with pytest.raises(vol.Invalid, match="nope"):
        await hass.services.async_call(DOMAIN, "run", {"workflow_id": "nope"}, blocking=True)
    with pytest.raises(vol.Invalid, match="sun.sun"):
        await hass.services.async_call(DOMAIN, "run", {"entity_id": ["sun.sun"]}, blocking=True)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "greeting"}, blocking=True)
    sensor = entity_id(hass, "sensor", "greeting_state")
    assert hass.states.get(sensor).state == "idle"


async def test_single_mode_rejects_second_run(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    await setup_entry()
    await hass.services.async_call(DOMAIN, "run", RAID, blocking=True)
    with pytest.raises(ServiceValidationError, match="already running"):
        await hass.services.async_call(DOMAIN, "run", RAID, blocking=True)
    await hass.services.async_call(
        DOMAIN, "cancel", {"workflow_id": "raid_workflow"}, blocking=True
    )
    await hass.async_block_till_done()


async def test_queued_mode_runs_one_after_another(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    write_workflow("greeting.json", GREETING)
    await setup_entry()
    await hass.services.async_call(DOMAIN, "greeting", {"who": "a"}, blocking=True)
    await hass.services.async_call(DOMAIN, "greeting", {"who": "b"}, blocking=True)
    await hass.async_block_till_done()
    switch = entity_id(hass, "switch", "greeting_running")
    assert hass.states.get(switch).attributes["current"] == 1
    sensor = entity_id(hass, "sensor", "greeting_state")
    first = hass.states.get(sensor).attributes["run_id"]
    await tick(hass, freezer, 6)
    second = hass.states.get(sensor).attributes["run_id"]
    assert second != first
    assert hass.states.get(sensor).attributes["inputs"]["who"] == "b"
    await tick(hass, freezer, 6)
    assert hass.states.get(sensor).state == "succeeded"
    assert hass.states.get(switch).state == "off"


async def test_switch_and_buttons(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    await setup_entry()
    switch = entity_id(hass, "switch", "stream_start_sequence_running")
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    sensor = entity_id(hass, "sensor", "stream_start_sequence_state")
    # OBS is not connected: the first step fails fast and the sequence stops on error.
    await hass.async_block_till_done()
    state = hass.states.get(sensor)
    assert state.state == "failed"
    assert state.attributes["last_error"]["type"] == "not_connected"
    assert hass.states.get(switch).state == "off"
    raid_run = entity_id(hass, "button", "raid_workflow_run")
    await hass.services.async_call("button", "press", {"entity_id": raid_run}, blocking=True)
    await hass.async_block_till_done()
    raid = entity_id(hass, "sensor", "raid_workflow_state")
    # prepare_raid fails (OBS not connected), routes to end_stream, which fails too.
    assert hass.states.get(raid).state == "failed"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": entity_id(hass, "button", "raid_workflow_resume")},
            blocking=True,
        )


async def test_switch_off_cancels(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Callable[[], Any]
) -> None:
    write_workflow("greeting.json", GREETING)
    await setup_entry()
    await hass.services.async_call(DOMAIN, "greeting", {"who": "a"}, blocking=True)
    switch = entity_id(hass, "switch", "greeting_running")
    assert hass.states.get(switch).state == "on"
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == "off"
    assert hass.states.get(entity_id(hass, "sensor", "greeting_state")).state == "cancelled"


async def test_list_reports_validity(
    hass: HomeAssistant,
    seed_workflows: Any,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
) -> None:
    write_workflow("broken.yaml", "id: broken\nsteps: [\n")
    await setup_entry()
    response = await hass.services.async_call(
        DOMAIN, "list", {}, blocking=True, return_response=True
    )
    by_source = {item["source"]: item for item in response["workflows"]}
    assert by_source["raid_workflow.json"]["valid"] is True
    assert by_source["raid_workflow.json"]["status"] == "idle"
    assert by_source["broken.yaml"]["valid"] is False
    assert by_source["broken.yaml"]["errors"]


async def test_save_and_delete_stored_workflow(
    hass: HomeAssistant,
    config_dir: Any,
    setup_entry: Callable[[], Any],
    hass_storage: dict[str, Any],
) -> None:
    await setup_entry()
    response = await hass.services.async_call(
        DOMAIN, "save_workflow", {"definition": GREETING}, blocking=True, return_response=True
    )
    assert response == {"workflow_id": "greeting"}
    assert hass.services.has_service(DOMAIN, "greeting")
    assert hass_storage["stream_workflows.workflows"]["data"]["greeting"]["name"] == "Greeting"
    with pytest.raises(ServiceValidationError, match="not valid"):
        await hass.services.async_call(
            DOMAIN, "save_workflow", {"definition": {"id": "x", "steps": []}}, blocking=True
        )
    await hass.services.async_call(
        DOMAIN, "delete_workflow", {"workflow_id": "greeting"}, blocking=True
    )
    assert not hass.services.has_service(DOMAIN, "greeting")
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "delete_workflow", {"workflow_id": "greeting"}, blocking=True
        )


async def test_reserved_id_is_rejected(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Callable[[], Any]
) -> None:
    write_workflow("run.json", {**GREETING, "id": "run"})
    await setup_entry()
    response = await hass.services.async_call(
        DOMAIN, "list", {}, blocking=True, return_response=True
    )
    item = response["workflows"][0]
    assert item["valid"] is False
    assert "built-in" in item["errors"][0]


async def test_every_action_schema_is_compiled_once(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    """Each action's schema is a `vol.Schema`, compiled when registered: a bare `vol.All`
    called as a schema compiles its parts again at every call (voluptuous 0.15)."""
    await setup_entry()
    services = hass.services.async_services()[DOMAIN]
    assert {"run", "pause", "raid_workflow"} <= set(services)
    for name, service in services.items():
        assert service.schema is None or isinstance(service.schema, vol.Schema), name
    compiled: list[Any] = []
    original = vol.Schema.__init__

    def counting(self: vol.Schema, *args: Any, **kwargs: Any) -> None:
        compiled.append(args[0] if args else None)
        original(self, *args, **kwargs)

    vol.Schema.__init__ = counting  # type: ignore[method-assign]
    try:
        await hass.services.async_call(
            DOMAIN,
            "run",
            {
                "workflow_id": "raid_workflow",
                "variables": {"raid_target": "x"},
                "rehearsal": True,
                "wait": True,
            },
            blocking=True,
        )
    finally:
        vol.Schema.__init__ = original  # type: ignore[method-assign]
    assert compiled == []  # nothing compiled to check a call
