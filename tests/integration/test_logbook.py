"""Logbook descriptions of run started and finished events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from custom_components.stream_workflows import logbook
from custom_components.stream_workflows.const import (
    DOMAIN,
    EVENT_RUN_FINISHED,
    EVENT_RUN_STARTED,
)

WORKFLOW = {
    "id": "announce",
    "name": "Announce the stream",
    "steps": [{"id": "call", "service": "homeassistant", "action": "nope.nothing"}],
}


def describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, str]]]:
    found: dict[str, Callable[[Event], dict[str, str]]] = {}

    def collect(domain: str, event_type: str, describe: Callable[[Event], dict[str, str]]) -> None:
        assert domain == DOMAIN
        found[event_type] = describe

    logbook.async_describe_events(hass, collect)
    assert set(found) == {EVENT_RUN_STARTED, EVENT_RUN_FINISHED}
    return found


async def test_runs_are_described_with_the_workflow_name(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("announce.json", WORKFLOW)
    await setup_entry()
    events: list[Event] = []

    @callback
    def record(event: Event) -> None:
        events.append(event)

    hass.bus.async_listen(EVENT_RUN_STARTED, record)
    hass.bus.async_listen(EVENT_RUN_FINISHED, record)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "announce"}, blocking=True)
    await hass.async_block_till_done()
    describe = describers(hass)
    described = [describe[event.event_type](event) for event in events]
    assert described == [
        {LOGBOOK_ENTRY_NAME: "Announce the stream", LOGBOOK_ENTRY_MESSAGE: "started"},
        {
            LOGBOOK_ENTRY_NAME: "Announce the stream",
            LOGBOOK_ENTRY_MESSAGE: "finished: failed (call: Home Assistant has no action "
            "nope.nothing)",
        },
    ]


async def test_description_without_the_workflow(hass: HomeAssistant) -> None:
    # The integration is not loaded (or the workflow is gone): the id stands for the name.
    describe = describers(hass)
    finished = Event(
        EVENT_RUN_FINISHED,
        {"workflow_id": "gone", "status": "failed", "error": {"step": None, "message": "boom"}},
    )
    assert describe[EVENT_RUN_FINISHED](finished) == {
        LOGBOOK_ENTRY_NAME: "gone",
        LOGBOOK_ENTRY_MESSAGE: "finished: failed (run: boom)",
    }
    succeeded = Event(EVENT_RUN_FINISHED, {"status": "succeeded", "error": None})
    assert describe[EVENT_RUN_FINISHED](succeeded) == {
        LOGBOOK_ENTRY_NAME: "workflow",
        LOGBOOK_ENTRY_MESSAGE: "finished: succeeded",
    }
