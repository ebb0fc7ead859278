"""The workflows-changed hook, the per-workflow actions it keeps, and trigger removers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.coordinator import WorkflowsChanged
from custom_components.stream_workflows.engine import WorkflowDefinition, load_definition
from custom_components.stream_workflows.runtime import get_coordinator
from custom_components.stream_workflows.triggers import (
    async_attach_triggers,
    validate_triggers,
)

from .test_coalesced_writes import chain
from .test_setup import entity_id


def definition_of(hass: HomeAssistant, document: dict[str, Any]) -> WorkflowDefinition:
    definition, problems = load_definition(document, get_coordinator(hass).registry)
    assert definition is not None, problems
    return definition


def with_event_trigger(document: dict[str, Any], event: str) -> dict[str, Any]:
    return {**document, "triggers": [{"trigger": "event", "event_type": event}]}


async def test_reload_tells_added_installed_removed_and_actions_follow(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
) -> None:
    first = write_workflow("a.json", {**chain(2), "id": "alpha"})
    write_workflow("b.json", {**chain(2), "id": "beta"})
    await setup_entry()
    coordinator = get_coordinator(hass)
    assert hass.services.has_service(DOMAIN, "alpha")
    assert hass.services.has_service(DOMAIN, "beta")
    changes: list[WorkflowsChanged] = []
    remove = coordinator.async_add_workflows_listener(changes.append)

    first.unlink()
    write_workflow("b.json", {**chain(3), "id": "beta"})  # changed: installed again
    write_workflow("c.json", {**chain(2), "id": "gamma"})  # new
    await coordinator.async_reload()

    assert len(changes) == 1
    assert changes[0].added == ("gamma",)
    assert changes[0].removed == ("alpha",)
    assert sorted(changes[0].installed) == ["beta", "gamma"]
    assert not hass.services.has_service(DOMAIN, "alpha")
    assert hass.services.has_service(DOMAIN, "gamma")
    assert hass.states.get(entity_id(hass, "sensor", "gamma_state")) is not None  # platforms

    await coordinator.async_reload()  # nothing changed: nobody is told
    assert len(changes) == 1
    remove()

    await coordinator.async_stop()
    assert not hass.services.has_service(DOMAIN, "beta")
    assert not hass.services.has_service(DOMAIN, "gamma")


async def test_triggers_call_the_given_start_until_removed(
    hass: HomeAssistant, setup_entry: Any
) -> None:
    await setup_entry()
    definition = definition_of(hass, with_event_trigger(chain(1), "go_now"))
    started: list[tuple[dict[str, Any], dict[str, Any]]] = []

    assert await validate_triggers(hass, definition) == []
    remove = await async_attach_triggers(
        hass, definition, lambda variables, trigger: started.append((variables, trigger))
    )
    hass.bus.async_fire("go_now", {"x": 1})
    await hass.async_block_till_done()
    assert len(started) == 1
    assert started[0][1]["event"]["event_type"] == "go_now"

    remove()
    hass.bus.async_fire("go_now")
    await hass.async_block_till_done()
    assert len(started) == 1


async def test_invalid_trigger_attaches_nothing_and_names_its_place(
    hass: HomeAssistant, setup_entry: Any
) -> None:
    await setup_entry()
    document = {**chain(1), "triggers": [{"trigger": "stream_event"}]}
    definition = definition_of(hass, document)
    problems = await validate_triggers(hass, definition)
    assert [problem.message for problem in problems] == ["a stream_event trigger needs 'event'"]
    with pytest.raises(HomeAssistantError, match="needs 'event'"):
        await async_attach_triggers(hass, definition, lambda _v, _t: None)
