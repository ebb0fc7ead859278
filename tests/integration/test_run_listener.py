"""The coordinator's run-change listener API, and the Home Assistant action name pattern."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback

from custom_components.stream_workflows.adapters.homeassistant import HomeAssistantAdapter
from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.engine import Run, RunChange
from custom_components.stream_workflows.runtime import get_coordinator

from .test_coalesced_writes import chain
from .test_setup import entity_id


async def test_run_listener_sees_every_change_after_the_view_and_can_be_removed(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("chain.json", chain(5))
    await setup_entry()
    coordinator = get_coordinator(hass)
    sensor = entity_id(hass, "sensor", "chain_state")
    seen: list[tuple[str, RunChange, str | None]] = []

    def listener(run: Run, change: RunChange) -> None:
        view = coordinator.views[run.definition.id]
        shown = hass.states.get(sensor)
        assert shown is not None
        state = shown.state if change is RunChange.FINISHED else view.status
        seen.append((run.run_id, change, state))

    remove = coordinator.async_add_run_listener(listener)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()

    changes = [change for _run_id, change, _state in seen]
    assert changes[0] is RunChange.STARTED
    assert changes[-1] is RunChange.FINISHED
    assert changes.count(RunChange.STEP_ENTERED) == 5
    # A finished run's entity is written before the listener hears of it.
    assert seen[-1][2] == "succeeded"
    assert len({run_id for run_id, _change, _state in seen}) == 1

    remove()
    remove()  # removing twice is harmless
    before = len(seen)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    assert len(seen) == before


async def test_a_run_listener_hears_only_the_changes_it_names(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("chain.json", chain(4))
    await setup_entry()
    coordinator = get_coordinator(hass)
    everything: list[RunChange] = []
    ends: list[RunChange] = []
    coordinator.async_add_run_listener(lambda _run, change: everything.append(change))
    remove = coordinator.async_add_run_listener(
        lambda _run, change: ends.append(change), (RunChange.STARTED, RunChange.FINISHED)
    )
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    assert ends == [RunChange.STARTED, RunChange.FINISHED]
    assert everything.count(RunChange.ACTION_STARTED) == 4  # the default is every change
    remove()
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    assert ends == [RunChange.STARTED, RunChange.FINISHED]
    assert everything.count(RunChange.FINISHED) == 2


async def test_a_failing_run_listener_does_not_stop_the_run(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("chain.json", chain(3))
    await setup_entry()
    coordinator = get_coordinator(hass)

    def broken(_run: Run, _change: RunChange) -> None:
        raise RuntimeError("listener bug")

    coordinator.async_add_run_listener(broken)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    shown = hass.states.get(entity_id(hass, "sensor", "chain_state"))
    assert shown is not None
    assert shown.state == "succeeded"


def test_home_assistant_action_names_must_match_whole() -> None:
    adapter = HomeAssistantAdapter.__new__(HomeAssistantAdapter)
    assert adapter.spec("light.turn_on") is not None
    assert adapter.spec("light.turn_on\n") is None  # `$` would accept a trailing newline
    assert adapter.spec("light.turn_on.extra") is None
    assert adapter.spec("Light.turn_on") is None
    assert adapter.spec("light") is None


async def test_a_step_left_listener_hears_every_step_left_and_only_while_it_listens(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    """The coordinator does not ask the engine for a machine's `STEP_LEFT` (the next
    `STEP_ENTERED` does its work) until a run listener names it."""
    write_workflow("chain.json", chain(4))
    await setup_entry()
    coordinator = get_coordinator(hass)
    assert coordinator.engine.tell_steps_left is False
    left: list[str] = []

    def on_left(run: Run, change: RunChange) -> None:
        assert change is RunChange.STEP_LEFT
        # heard as the step is left: the next one is not entered yet
        left.append(run.path[-1])

    remove = coordinator.async_add_run_listener(on_left, (RunChange.STEP_LEFT,))
    assert coordinator.engine.tell_steps_left is True
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    assert left == ["s0", "s1", "s2", "s3"]
    remove()
    assert coordinator.engine.tell_steps_left is False
    states: list[str] = []

    @callback
    def on_state(event: Event) -> None:  # on the loop, in the order fired
        states.append(event.data["state"])

    hass.bus.async_listen("stream_workflows_state_changed", on_state)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "chain"}, blocking=True)
    await hass.async_block_till_done()
    assert left == ["s0", "s1", "s2", "s3"]
    assert states == ["s0", "s1", "s2", "s3"]  # still one bus event per state entered
