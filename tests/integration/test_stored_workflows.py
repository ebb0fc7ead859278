"""Stored workflows: validated like files before they are stored, never "saved" when the
write failed, and never able to break reload or setup; a bad one can always be deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.checked_store import CheckedStore, StoreWriteError
from custom_components.stream_workflows.const import (
    DOMAIN,
    GENERIC_SERVICES,
    STORAGE_KEY_WORKFLOWS,
    STORAGE_VERSION,
)

from .test_coordinator_restore import start_again, stop
from .test_setup import entity_id

BAD_TRIGGER = {"trigger": "state", "entity_id": 5}


def workflow(workflow_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": workflow_id,
        "name": workflow_id.title(),
        "steps": [{"id": "one", "service": "internal", "action": "noop"}],
        **extra,
    }


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"d": value}
    return value


async def save(hass: HomeAssistant, definition: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, "save_workflow", {"definition": definition}, blocking=True, return_response=True
    )


def stored(hass_storage: dict[str, Any]) -> dict[str, Any]:
    return dict(hass_storage.get(STORAGE_KEY_WORKFLOWS, {}).get("data", {}))


async def test_a_bad_trigger_in_a_file_is_that_files_problem(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Path], setup_entry: Any
) -> None:
    write_workflow("a_bad.json", workflow("a_bad", triggers=[BAD_TRIGGER]))
    write_workflow("b_good.json", workflow("b_good"))
    await setup_entry()
    await hass.services.async_call(DOMAIN, "reload", {}, blocking=True)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "invalid_workflow_a_bad_json")
    assert issue is not None
    assert "invalid trigger" in issue.translation_placeholders["errors"]
    # the workflow after it in the folder loaded and runs
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "b_good"}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, "sensor", "b_good_state")).state == "succeeded"
    assert not hass.services.has_service(DOMAIN, "a_bad")


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (workflow("run"), "built-in Stream Workflows action"),
        (workflow("list"), "built-in Stream Workflows action"),
        (workflow("export"), "built-in Stream Workflows action"),
        (workflow("draft_from_text"), "built-in Stream Workflows action"),
        (workflow("on_disk"), "already used by a workflow file"),
        (workflow("badtrig", triggers=[BAD_TRIGGER]), "invalid trigger"),
        ({"id": "nosteps", "steps": "nope"}, "steps"),
    ],
)
async def test_save_refuses_what_could_never_load(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Any,
    definition: dict[str, Any],
    expected: str,
) -> None:
    write_workflow("on_disk.json", workflow("on_disk"))
    await setup_entry()
    with pytest.raises(ServiceValidationError) as raised:
        await save(hass, definition)
    assert raised.value.translation_key == "invalid_definition"
    assert expected in raised.value.translation_placeholders["errors"]
    assert stored(hass_storage) == {}  # nothing stored


@pytest.mark.parametrize(
    "definition",
    [
        workflow("nested", variables={"v": deep(300)}),
        {
            "id": "huge",
            "steps": [
                {"id": f"s{index}", "service": "internal", "action": "noop"}
                for index in range(20000)
            ],
        },
    ],
    ids=["nested_300_deep", "20000_steps"],
)
async def test_oversized_definitions_are_refused_before_validation(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_entry: Any,
    definition: dict[str, Any],
) -> None:
    await setup_entry()
    with pytest.raises(ServiceValidationError) as raised:
        await save(hass, definition)
    assert raised.value.translation_key == "definition_too_large"
    assert raised.value.translation_placeholders["max_kib"] == "256"
    assert stored(hass_storage) == {}


async def test_a_failed_write_is_an_error_not_saved(
    hass: HomeAssistant, hass_storage: dict[str, Any], setup_entry: Any
) -> None:
    """Home Assistant's own Store (its real write path) refuses a value its JSON encoder
    cannot write; `async_save_checked` says so where `async_save` would only log it."""
    await setup_entry()
    store: CheckedStore[dict[str, Any]] = CheckedStore(hass, STORAGE_VERSION, "sw_test")
    with pytest.raises(StoreWriteError):
        await store.async_save_checked({"number": 2**80})  # beyond 64 bits: orjson refuses
    assert "sw_test" not in hass_storage
    # The same through save_workflow: refused, and nothing stored, nothing loaded.
    with pytest.raises(ServiceValidationError):
        await save(hass, workflow("big_number", variables={"n": 2**80}))
    assert stored(hass_storage) == {}
    assert not hass.services.has_service(DOMAIN, "big_number")
    assert isinstance(StoreWriteError("x"), HomeAssistantError)


async def test_bad_stored_workflows_never_break_setup_and_can_be_deleted(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    write_workflow: Callable[[str, Any], Path],
    config_dir: Path,
    setup_entry: Any,
) -> None:
    """What an older version may have stored: a reserved id, a bad trigger, a file's id,
    nesting no encoder writes, junk. Setup still succeeds, each is a Repairs issue naming
    how to delete it, and each can be deleted."""
    write_workflow("on_disk.json", workflow("on_disk"))
    hass_storage[STORAGE_KEY_WORKFLOWS] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": STORAGE_KEY_WORKFLOWS,
        "data": {
            "run": workflow("run"),
            "badtrig": workflow("badtrig", triggers=[BAD_TRIGGER]),
            "on_disk": workflow("on_disk"),
            "nested": workflow("nested", variables={"v": deep(300)}),
            "junk": "not a workflow",
            "fine": workflow("fine"),
        },
    }
    entry: MockConfigEntry = await setup_entry()
    assert entry.state.value == "loaded"
    issues = ir.async_get(hass)
    for workflow_id in ("run", "badtrig", "junk"):
        issue = issues.async_get_issue(DOMAIN, f"invalid_workflow_storage_{workflow_id}")
        assert issue is not None, workflow_id
        assert issue.translation_key == "invalid_stored_workflow"
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "fine"}, blocking=True)
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "on_disk"}, blocking=True)
    for workflow_id in ("run", "badtrig", "on_disk", "nested", "junk"):
        await hass.services.async_call(
            DOMAIN, "delete_workflow", {"workflow_id": workflow_id}, blocking=True
        )
    assert set(stored(hass_storage)) == {"fine"}
    assert issues.async_get_issue(DOMAIN, "invalid_workflow_storage_badtrig") is None
    await hass.async_stop()

    # And after a restart too: the entry loads with what is left.
    context, hass2 = await start_again(config_dir, entry)
    try:
        await hass2.services.async_call(DOMAIN, "run", {"workflow_id": "fine"}, blocking=True)
        await hass2.async_block_till_done()
        assert hass2.states.get(entity_id(hass2, "sensor", "fine_state")).state == "succeeded"
    finally:
        await stop(context, hass2)


async def test_a_saved_workflow_is_stored_and_runs(
    hass: HomeAssistant, hass_storage: dict[str, Any], setup_entry: Any
) -> None:
    await setup_entry()
    assert await save(hass, workflow("greeting")) == {"workflow_id": "greeting"}
    assert stored(hass_storage)["greeting"]["id"] == "greeting"
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "greeting"}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, "sensor", "greeting_state")).state == "succeeded"


async def test_a_bad_stored_workflow_is_deleted_from_its_repairs_issue(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hass_client: Any,
    setup_entry: Any,
) -> None:
    """The UI's way: the issue's Fix button, one confirmation."""
    hass_storage[STORAGE_KEY_WORKFLOWS] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": STORAGE_KEY_WORKFLOWS,
        "data": {"badtrig": workflow("badtrig", triggers=[BAD_TRIGGER]), "fine": workflow("fine")},
    }
    assert await async_setup_component(hass, "repairs", {})
    await setup_entry()
    issue_id = "invalid_workflow_storage_badtrig"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    client = await hass_client()
    resp = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert resp.status == 200
    flow = await resp.json()
    assert flow["type"] == "form"
    assert flow["step_id"] == "confirm"
    resp = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert resp.status == 200
    assert (await resp.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    assert set(stored(hass_storage)) == {"fine"}
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_every_action_the_integration_registers_is_a_reserved_id(
    hass: HomeAssistant, setup_entry: Any
) -> None:
    """A workflow gets an action named by its id: none may take a built-in action's name."""
    await setup_entry()
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    assert registered  # the built-in actions are there
    assert registered <= GENERIC_SERVICES, registered - GENERIC_SERVICES
