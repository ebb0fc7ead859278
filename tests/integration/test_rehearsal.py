"""Rehearsals in Home Assistant: on virtual time (a 30 s wait takes no real time), marked on
the sensor, the bus events and the logbook, and their response lists the calls recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE
from homeassistant.core import Event, HomeAssistant, callback

from custom_components.stream_workflows import logbook
from custom_components.stream_workflows.const import DOMAIN, EVENT_RUN_FINISHED, EVENT_RUN_STARTED

from .test_setup import entity_id

HANG_GUARD = 10  # seconds: far less than the raid's 30 s wait, far more than a rehearsal needs


def describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, str]]]:
    found: dict[str, Callable[[Event], dict[str, str]]] = {}
    logbook.async_describe_events(
        hass, lambda _domain, kind, describe: found.__setitem__(kind, describe)
    )
    return found


async def test_rehearsal_runs_on_virtual_time_and_lists_its_calls(
    hass: HomeAssistant, seed_workflows: Any, setup_entry: Callable[[], Any]
) -> None:
    await setup_entry()
    events: list[Event] = []

    @callback
    def record(event: Event) -> None:
        events.append(event)

    hass.bus.async_listen(EVENT_RUN_STARTED, record)
    hass.bus.async_listen(EVENT_RUN_FINISHED, record)
    # Real time runs (no freezer): on the real clock this would wait 30 s and hit the guard.
    response = await asyncio.wait_for(
        hass.services.async_call(
            DOMAIN,
            "run",
            {
                "workflow_id": "raid_workflow",
                "variables": {"raid_target": "friend"},
                "rehearsal": True,
                "wait": True,
            },
            blocking=True,
            return_response=True,
        ),
        HANG_GUARD,
    )
    assert response is not None
    (outcome,) = response["runs"]
    assert outcome["status"] == "succeeded"
    assert outcome["rehearsal"] is True
    assert outcome["path"] == [
        "prepare_raid",
        "announce_raid",
        "wait_for_raid",
        "execute_raid",
        "end_stream",
    ]
    assert outcome["calls"] == [
        {
            "step": "prepare_raid",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "Raid Screen"},
        },
        {
            "step": "announce_raid",
            "service": "twitch",
            "action": "send_chat_message",
            "params": {"message": "We're raiding friend in 30 seconds! Get ready!"},
        },
        {
            "step": "wait_for_raid",
            "service": "internal",
            "action": "wait",
            "params": {"seconds": 30},
        },
        {
            "step": "execute_raid",
            "service": "twitch",
            "action": "raid_channel",
            "params": {"target_channel": "friend"},
        },
        {"step": "end_stream", "service": "obs", "action": "stop_streaming", "params": {}},
    ]
    state = hass.states.get(entity_id(hass, "sensor", "raid_workflow_state"))
    assert state.state == "succeeded"
    assert state.attributes["rehearsal"] is True
    await hass.async_block_till_done()
    assert [event.data["rehearsal"] for event in events] == [True, True]
    describe = describers(hass)
    assert [describe[e.event_type](e)[LOGBOOK_ENTRY_MESSAGE] for e in events] == [
        "rehearsal started",
        "rehearsal finished: succeeded",
    ]


async def test_real_runs_are_not_marked_and_list_no_calls(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Callable[[], Any]
) -> None:
    write_workflow(
        "quick.json",
        {"id": "quick", "steps": [{"id": "only", "service": "internal", "action": "noop"}]},
    )
    await setup_entry()
    response = await hass.services.async_call(
        DOMAIN, "quick", {}, blocking=True, return_response=True
    )
    assert response["rehearsal"] is False
    assert "calls" not in response
    state = hass.states.get(entity_id(hass, "sensor", "quick_state"))
    assert state.attributes["rehearsal"] is False


async def test_a_rehearsal_that_loops_for_ever_is_stopped(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Callable[[], Any]
) -> None:
    """On virtual time a loop never waits: as the command line does, the rehearsal is
    stopped after a bounded number of actions (here lowered to keep the test short)."""
    write_workflow(
        "loop.json",
        {
            "id": "loop",
            "initial_state": "tick",
            "states": [
                {
                    "name": "tick",
                    "action": {"service": "internal", "action": "wait", "params": {"seconds": 60}},
                    "transitions": {"success": "tick"},
                }
            ],
        },
    )
    entry = await setup_entry()
    entry.runtime_data.rehearsals.limit = 50
    response = await asyncio.wait_for(
        hass.services.async_call(
            DOMAIN,
            "run",
            {"workflow_id": "loop", "rehearsal": True, "wait": True},
            blocking=True,
            return_response=True,
        ),
        HANG_GUARD,
    )
    (outcome,) = response["runs"]
    assert outcome["status"] == "cancelled"
    assert outcome["error"]["type"] == "rehearsal_limit"
    assert len(outcome["calls"]) == 50
