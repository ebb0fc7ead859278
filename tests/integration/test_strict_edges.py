"""Strict edges: what an action's schema can know is a schema error for every caller (the REST
API answers 400, the websocket a validation error naming the field); what depends on state is
a translated `ServiceValidationError`; no traceback is logged for any of them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component

from custom_components.stream_workflows.const import DOMAIN

from .test_setup import entity_id

COUNTDOWN = {
    "id": "countdown",
    "name": "Countdown",
    "inputs": {"seconds": {"type": "integer", "default": 20, "description": "How long"}},
    "steps": [
        {
            "id": "count",
            "service": "internal",
            "action": "wait",
            "params": {"seconds": "${seconds}"},
        }
    ],
}


@pytest.fixture
async def loaded(
    hass: HomeAssistant,
    seed_workflows: Any,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Callable[[], Any],
) -> None:
    write_workflow("countdown.json", COUNTDOWN)
    assert await async_setup_component(hass, "api", {})
    await setup_entry()


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    # (Home Assistant's websocket handler adds the exception at DEBUG level: not a log line
    # anybody sees at the default levels.)
    tracebacks = [
        record
        for record in caplog.records
        if (record.exc_info or record.exc_text) and record.levelno >= logging.INFO
    ]
    assert not tracebacks, [record.getMessage() for record in tracebacks]
    assert "Traceback" not in caplog.text


@pytest.mark.usefixtures("loaded")
async def test_rest_api_answers_400_for_what_the_schema_knows(
    hass: HomeAssistant, hass_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = await hass_client()
    refused = [
        ("run", {"workflow_id": "nope"}),
        ("run", {"workflow_id": "countdown", "variables": {"secondz": 5}}),
        ("run", {"workflow_id": "countdown", "variables": {"seconds": "five"}}),
        ("run", {"workflow_id": "countdown", "entity_id": ["sensor.countdown_state"]}),
        ("run", {"entity_id": ["sun.sun"]}),
        ("pause", {"workflow_id": "nope"}),
        ("countdown", {"secondz": 5}),
        ("countdown", {"seconds": 2.5}),
        ("raid_workflow", {}),  # ${raid_target} is a derived, required input
        ("pause", {"workflow_id": "countdown"}),  # state: nothing is running
        ("resume", {"workflow_id": "countdown"}),
    ]
    for service, data in refused:
        response = await client.post(f"/api/services/{DOMAIN}/{service}", json=data)
        assert response.status == HTTPStatus.BAD_REQUEST, (service, data, response.status)
    # nothing started
    assert hass.states.get(entity_id(hass, "sensor", "countdown_state")).state == "idle"
    assert hass.states.get(entity_id(hass, "sensor", "raid_workflow_state")).state == "idle"
    no_traceback(caplog)


@pytest.mark.usefixtures("loaded")
async def test_schema_errors_name_the_field(hass: HomeAssistant) -> None:
    with pytest.raises(vol.Invalid, match="secondz") as unknown:
        await hass.services.async_call(DOMAIN, "countdown", {"secondz": 5}, blocking=True)
    assert "its inputs: seconds" in str(unknown.value)
    with pytest.raises(vol.Invalid, match="variables.seconds: must be an integer"):
        await hass.services.async_call(
            DOMAIN,
            "run",
            {"workflow_id": "countdown", "variables": {"seconds": "five"}},
            blocking=True,
        )
    with pytest.raises(vol.Invalid, match="at most one"):
        await hass.services.async_call(
            DOMAIN,
            "run",
            {
                "workflow_id": "countdown",
                "entity_id": [entity_id(hass, "sensor", "raid_workflow_state")],
            },
            blocking=True,
        )
    with pytest.raises(vol.Invalid, match="raid_target: required input is missing"):
        await hass.services.async_call(DOMAIN, "raid_workflow", {}, blocking=True)
    with pytest.raises(vol.Invalid, match="no valid workflow with the id nope"):
        await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "nope"}, blocking=True)
    for sensor in ("countdown_state", "raid_workflow_state"):
        assert hass.states.get(entity_id(hass, "sensor", sensor)).state == "idle"


@pytest.mark.usefixtures("loaded")
async def test_websocket_gets_validation_errors_without_tracebacks(
    hass: HomeAssistant, hass_ws_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = await hass_ws_client(hass)
    calls = [
        ("run", {"workflow_id": "nope"}, "invalid_format", "nope"),
        ("countdown", {"secondz": 5}, "invalid_format", "secondz"),
        # state, not schema: the translated message of a ServiceValidationError
        ("pause", {"workflow_id": "countdown"}, "invalid_format", "has no run that is running"),
    ]
    for number, (service, data, code, text) in enumerate(calls, start=1):
        await client.send_json(
            {
                "id": number,
                "type": "call_service",
                "domain": DOMAIN,
                "service": service,
                "service_data": data,
            }
        )
        reply = await client.receive_json()
        assert reply["success"] is False, reply
        assert reply["error"]["code"] == code, reply
        assert text in reply["error"]["message"], reply
    no_traceback(caplog)


@pytest.mark.usefixtures("loaded")
async def test_state_errors_stay_translated_service_validation_errors(
    hass: HomeAssistant,
) -> None:
    with pytest.raises(ServiceValidationError) as not_running:
        await hass.services.async_call(DOMAIN, "pause", {"workflow_id": "countdown"}, blocking=True)
    assert not_running.value.translation_key == "not_running"
    await hass.services.async_call(DOMAIN, "countdown", {"seconds": 30}, blocking=True)
    with pytest.raises(ServiceValidationError) as already:
        await hass.services.async_call(DOMAIN, "countdown", {}, blocking=True)
    assert already.value.translation_key == "already_running"
    await hass.services.async_call(DOMAIN, "cancel", {"workflow_id": "countdown"}, blocking=True)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("loaded")
async def test_derived_inputs_are_the_actions_fields(hass: HomeAssistant) -> None:
    descriptions = await async_get_all_descriptions(hass)
    raid = descriptions[DOMAIN]["raid_workflow"]["fields"]
    assert set(raid) == {"raid_target"}
    assert raid["raid_target"]["required"] is True
    assert raid["raid_target"]["selector"] == {"text": {}}
    assert "${raid_target}" in raid["raid_target"]["description"]
    # config.discord_channel_id comes from the shared variables of the options: no field
    start = descriptions[DOMAIN]["stream_start_sequence"]["fields"]
    assert "config" not in start
    # a derived input is accepted (and used) like a declared one
    response = await hass.services.async_call(
        DOMAIN,
        "run",
        {
            "workflow_id": "raid_workflow",
            "variables": {"raid_target": "pal"},
            "rehearsal": True,
            "wait": True,
        },
        blocking=True,
        return_response=True,
    )
    calls = response["runs"][0]["calls"]
    assert calls[1]["params"] == {"message": "We're raiding pal in 30 seconds! Get ready!"}
