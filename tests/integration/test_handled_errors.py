"""Handled errors are visible everywhere: a run that got past a failed step still succeeds,
and says so on its response, its sensor, its bus event, the logbook and the log; a new run
starts with none; a persistent notification can be asked for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows import logbook
from custom_components.stream_workflows.const import DOMAIN, EVENT_RUN_FINISHED
from local_peers.obs_headless import HeadlessObs
from tests.adapters.obs_fixture import obs_server, rtmp_url  # noqa: F401

from .test_setup import entity_id

ANNOUNCE = {
    "id": "announce",
    "name": "Announce",
    "steps": [
        {
            "id": "tell_ha",
            "service": "homeassistant",
            "action": "nope.nothing",
            "continue_on_error": True,
        },
        {"id": "done", "service": "internal", "action": "noop"},
    ],
}
FAILING = {
    "id": "failing",
    "name": "Failing",
    "notify": {"on_failure": True},
    "steps": [{"id": "call", "service": "homeassistant", "action": "nope.nothing"}],
}


def describe_finished(hass: HomeAssistant, event: Event) -> str:
    found: dict[str, Callable[[Event], dict[str, str]]] = {}
    logbook.async_describe_events(
        hass, lambda _domain, kind, describe: found.__setitem__(kind, describe)
    )
    return found[EVENT_RUN_FINISHED](event)[LOGBOOK_ENTRY_MESSAGE]


def finished_events(hass: HomeAssistant) -> list[Event]:
    events: list[Event] = []

    @callback
    def record(event: Event) -> None:
        events.append(event)

    hass.bus.async_listen(EVENT_RUN_FINISHED, record)
    return events


@pytest.mark.usefixtures("socket_enabled")
async def test_raid_without_twitch_reports_its_handled_error_everywhere(
    hass: HomeAssistant,
    obs_server: HeadlessObs,  # noqa: F811
    seed_workflows: Any,
    setup_entry: Callable[[], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The seed raid, OBS connected and Twitch not: announce_raid fails and routes to
    end_stream, which stops the stream; the run succeeds, with one handled error."""
    await setup_entry()
    obs = MockConfigEntry(
        domain=DOMAIN,
        title="OBS",
        data={
            "connection": "obs",
            "host": "127.0.0.1",
            "port": obs_server.port,
            "password": obs_server.password,
        },
    )
    obs.add_to_hass(hass)
    assert await hass.config_entries.async_setup(obs.entry_id)
    await hass.async_block_till_done()
    events = finished_events(hass)
    response = await hass.services.async_call(
        DOMAIN, "raid_workflow", {"raid_target": "x"}, blocking=True, return_response=True
    )
    assert response is not None
    assert response["status"] == "succeeded", response
    assert response["path"] == ["prepare_raid", "announce_raid", "end_stream"]
    assert response["error"] is None
    (handled,) = response["errors"]
    assert handled["step"] == "announce_raid"
    assert handled["type"] == "not_connected"
    assert handled["handled"] == "route: end_stream"
    assert "twitch" in handled["message"].lower()

    state = hass.states.get(entity_id(hass, "sensor", "raid_workflow_state"))
    assert state.state == "succeeded"
    assert state.attributes["handled_errors"] == 1
    assert state.attributes["last_handled_error"] == handled
    assert state.attributes["last_error"] == handled
    assert state.attributes["rehearsal"] is False

    await hass.async_block_till_done()
    (event,) = events
    assert event.data["status"] == "succeeded"
    assert event.data["errors"] == [handled]
    assert describe_finished(hass, event) == (
        f"finished with 1 handled error: announce_raid: {handled['message']}"
    )
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and "announce_raid" in record.getMessage()
    ]
    assert len(warnings) == 1
    assert "took the route: end_stream" in warnings[0]


async def test_continue_on_error_is_shown_and_a_new_run_starts_clean(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
) -> None:
    write_workflow("announce.json", ANNOUNCE)
    await setup_entry()
    response = await hass.services.async_call(
        DOMAIN, "announce", {}, blocking=True, return_response=True
    )
    assert response["status"] == "succeeded"
    assert [(e["step"], e["handled"]) for e in response["errors"]] == [("tell_ha", "continued")]
    sensor = entity_id(hass, "sensor", "announce_state")
    attributes = hass.states.get(sensor).attributes
    assert attributes["handled_errors"] == 1
    assert attributes["last_error"]["step"] == "tell_ha"  # no longer None

    # The next run starts without the last run's errors.
    write_workflow(
        "announce.json",
        {
            **ANNOUNCE,
            "steps": [
                {"id": "first", "service": "internal", "action": "noop"},
                {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 60}},
            ],
        },
    )
    await hass.services.async_call(DOMAIN, "reload", {}, blocking=True)
    await hass.services.async_call(DOMAIN, "announce", {}, blocking=True)
    attributes = hass.states.get(sensor).attributes
    assert hass.states.get(sensor).state == "hold"
    assert attributes["handled_errors"] == 0
    assert attributes["last_handled_error"] is None
    assert attributes["last_error"] is None  # not the previous run's
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "announce"}, blocking=True)
    await hass.async_block_till_done()


async def test_persistent_notification_per_workflow_and_by_default(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    mock_entry: MockConfigEntry,
    setup_entry: Callable[[], Any],
) -> None:
    write_workflow("failing.json", FAILING)
    write_workflow("announce.json", ANNOUNCE)
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry, options={**mock_entry.options, "notify_on_handled_errors": True}
    )
    await setup_entry()
    shown: dict[str, Any] = {}
    remove = persistent_notification.async_register_callback(
        hass, lambda _kind, changed: shown.update(changed)
    )
    await hass.services.async_call(DOMAIN, "failing", {}, blocking=True, return_response=True)
    await hass.async_block_till_done()
    failed = shown[f"{DOMAIN}_failing"]
    assert failed["title"] == "Stream Workflows: Failing"
    assert failed["message"] == "Failing failed: call: Home Assistant has no action nope.nothing"
    # the integration's default (options) for handled errors
    await hass.services.async_call(DOMAIN, "announce", {}, blocking=True, return_response=True)
    await hass.async_block_till_done()
    handled = shown[f"{DOMAIN}_announce"]
    assert handled["message"] == (
        "Announce finished, but 1 of its steps failed and were handled: "
        "tell_ha: Home Assistant has no action nope.nothing"
    )
    # rehearsals never notify
    shown.clear()
    await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": "announce", "rehearsal": True, "wait": True},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    assert shown == {}
    remove()


async def test_options_flow_sets_the_default_and_a_workflow_can_opt_out(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
) -> None:
    write_workflow("failing.json", {**FAILING, "id": "quiet", "notify": {"on_failure": False}})
    write_workflow("loud.json", {**FAILING, "id": "loud", "name": "Loud", "notify": None})
    # (a workflow with `notify: null` is refused: only a mapping is accepted)
    write_workflow("plain.json", {key: v for key, v in FAILING.items() if key != "notify"})
    entry = await setup_entry()
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"variables": {}, "notify_on_failure": True}
    )
    assert result["type"] == "create_entry"
    assert entry.options["notify_on_failure"] is True
    await hass.async_block_till_done()
    assert not hass.services.has_service(DOMAIN, "loud")
    shown: dict[str, Any] = {}
    remove = persistent_notification.async_register_callback(
        hass, lambda _kind, changed: shown.update(changed)
    )
    for workflow_id in ("quiet", "failing"):
        await hass.services.async_call(DOMAIN, workflow_id, {}, blocking=True, return_response=True)
    await hass.async_block_till_done()
    assert set(shown) == {f"{DOMAIN}_failing"}  # the default; "quiet" opted out
    remove()


async def test_logbook_line_of_a_failed_run_with_handled_errors(hass: HomeAssistant) -> None:
    event = Event(
        EVENT_RUN_FINISHED,
        {
            "workflow_id": "raid",
            "status": "failed",
            "error": {"step": "end_stream", "type": "not_connected", "message": "OBS is down"},
            "errors": [
                {"step": "prepare_raid", "message": "OBS is down", "handled": "route: x"},
                {"step": "announce_raid", "message": "no Twitch", "handled": "route: y"},
            ],
            "rehearsal": True,
        },
    )
    assert describe_finished(hass, event) == (
        "rehearsal finished: failed (end_stream: OBS is down); "
        "2 handled errors: prepare_raid: OBS is down; announce_raid: no Twitch"
    )
