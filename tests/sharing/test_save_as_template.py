"""Save any workflow as a template (websocket commands and the action, real core): the values
offered, the chosen ones made inputs, the template kept in Home Assistant's storage and listed
with the shipped ones, a workflow made from it, refusals that write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.runtime import get_coordinator
from custom_components.stream_workflows.sharing_store import STORAGE_KEY, TemplateStore
from tests.studio.ws_client import failed, ok

from .test_authoring import BREAK

SCENE = "steps[0].params.scene_name"
LAMP = "steps[1].params.target.entity_id[0]"


def write_break(config_dir: Path) -> None:
    (config_dir / "stream_workflows" / "break_time.yaml").write_text(yaml.safe_dump(BREAK))


async def test_save_a_workflow_as_a_template_and_create_from_it(
    hass: HomeAssistant, config_dir: Path, ws_send: Any, hass_storage: dict[str, Any]
) -> None:
    del config_dir
    send = ws_send
    await get_coordinator(hass).async_save_workflow(dict(BREAK))
    offered = ok(await send("template_candidates", workflow_id="break_time"))
    assert offered["name"] == "Break time"
    assert "obs_scene" in offered["selectors"]
    paths = {value["path"]: value for value in offered["values"]}
    assert paths[SCENE]["value"] == "Pause Screen"
    assert paths[LAMP]["selector"] == {"entity": {"domain": "input_boolean"}}

    made = ok(
        await send(
            "save_as_template",
            workflow_id="break_time",
            name="My break",
            description="Mine",
            inputs={
                SCENE: {"name": "scene", "label": "Break scene", "selector": {"obs_scene": {}}},
                LAMP: {"name": "lamp", "selector": {"entity": {"domain": "input_boolean"}}},
            },
        )
    )
    assert made["template_id"] == "my_break"
    assert [i["name"] for i in made["template"]["inputs"]] == ["scene", "lamp"]
    # kept in Home Assistant's storage, as a template document
    kept = hass_storage[STORAGE_KEY]["data"]["templates"]["my_break"]
    assert kept["template"]["input"]["scene"]["default"] == "Pause Screen"
    assert kept["workflow"]["steps"][0]["params"]["scene_name"] == "${inputs.scene}"

    listed = {t["id"]: t for t in ok(await send("templates"))["templates"]}
    assert listed["my_break"]["origin"] == "user"
    assert listed["my_break"]["name"] == "My break"
    assert listed["be_right_back"]["origin"] == "bundled"

    created = ok(
        await send(
            "create_from_template",
            template="my_break",
            inputs={"scene": "BRB", "lamp": "input_boolean.studio"},
        )
    )
    document = get_coordinator(hass).stored_documents[created["workflow_id"]]
    assert created["workflow_id"] == "my_break"
    assert document["steps"][0]["params"]["scene_name"] == "BRB"
    assert document["steps"][1]["params"]["target"]["entity_id"] == ["input_boolean.studio"]

    # the same name again: a free id, the first one is kept
    again = ok(
        await send(
            "save_as_template", workflow_id="break_time", name="My break", inputs={SCENE: "s"}
        )
    )
    assert again["template_id"] == "my_break_2"
    assert "my_break" in hass_storage[STORAGE_KEY]["data"]["templates"]

    # refusals: located, nothing written
    before = dict(hass_storage[STORAGE_KEY]["data"]["templates"])
    message = failed(
        await send(
            "save_as_template",
            workflow_id="break_time",
            name="Bad",
            inputs={"steps[3].params.seconds": {"name": "p", "selector": {"number": {"max": 5}}}},
        ),
        "invalid_inputs",
    )
    assert "steps[3].params.seconds.selector: the value 90: at most 5" in message
    assert "there is no single value" in failed(
        await send(
            "save_as_template", workflow_id="break_time", name="Bad", inputs={"steps[9].x": "x"}
        ),
        "invalid_inputs",
    )
    failed(
        await send("save_as_template", workflow_id="nope", name="Bad", inputs={SCENE: "s"}),
        "unknown_workflow",
    )
    assert hass_storage[STORAGE_KEY]["data"]["templates"] == before

    ok(await send("delete_template", template_id="my_break_2"))
    failed(await send("delete_template", template_id="be_right_back"), "unknown_template")
    listed = {t["id"] for t in ok(await send("templates"))["templates"]}
    assert "my_break_2" not in listed
    assert "my_break" in listed


async def test_the_action_saves_a_template_that_survives_a_restart(
    hass: HomeAssistant, config_dir: Path, ws_send: Any, hass_storage: dict[str, Any]
) -> None:
    write_break(config_dir)
    await hass.services.async_call(DOMAIN, "reload", {}, blocking=True)
    answer = await hass.services.async_call(
        DOMAIN,
        "save_as_template",
        {"workflow_id": "break_time", "name": "Break from a file", "inputs": {SCENE: "scene"}},
        blocking=True,
        return_response=True,
    )
    assert answer is not None
    assert answer["template_id"] == "break_from_a_file"
    assert "${inputs.scene}" in str(answer["yaml"])
    # a new store reads what was written (as after a restart)
    store = TemplateStore(hass)
    await store.async_load()
    assert set(store.templates) == {"break_from_a_file"}
    made = await hass.services.async_call(
        DOMAIN,
        "create_from_template",
        {"template": "break_from_a_file", "inputs": {"scene": "Main"}, "workflow_id": "b2"},
        blocking=True,
        return_response=True,
    )
    assert made == {"workflow_id": "b2"}
    assert get_coordinator(hass).stored_documents["b2"]["steps"][0]["params"] == {
        "scene_name": "Main"
    }
    with pytest.raises(ServiceValidationError, match="not a path to a value"):
        await hass.services.async_call(
            DOMAIN,
            "save_as_template",
            {"workflow_id": "break_time", "name": "X", "inputs": {"id": "x"}},
            blocking=True,
            return_response=True,
        )
    assert set(hass_storage[STORAGE_KEY]["data"]["templates"]) == {"break_from_a_file"}


async def test_saving_a_template_needs_an_administrator(
    hass: HomeAssistant,
    setup_core: Any,
    hass_ws_client: Any,
    hass_read_only_access_token: str,
) -> None:
    from homeassistant.setup import async_setup_component

    from custom_components.stream_workflows.studio.sharing_ws import (
        async_register_sharing_commands,
    )
    from tests.studio.ws_client import sender

    await setup_core()
    assert await async_setup_component(hass, "websocket_api", {})
    async_register_sharing_commands(hass)
    send = sender(await hass_ws_client(hass, hass_read_only_access_token))
    failed(
        await send("save_as_template", workflow_id="x", name="X", inputs={SCENE: "s"}),
        "unauthorized",
    )
    assert ok(await send("templates"))["templates"]
