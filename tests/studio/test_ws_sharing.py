"""The Studio's template and sharing websocket commands on a real Home Assistant core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import CONF_FOLDER, DOMAIN
from custom_components.stream_workflows.runtime import get_coordinator
from custom_components.stream_workflows.sharing.share import encode_share
from custom_components.stream_workflows.studio.sharing_ws import async_register_sharing_commands
from tests.studio.ws_client import Client, failed, ok, sender

ON_EVENT: dict[str, Any] = {
    "id": "on_event",
    "name": "On event",
    "triggers": [{"trigger": "event", "event_type": "ws_sharing_go"}],
    "steps": [
        {
            "id": "light",
            "service": "homeassistant",
            "action": "light.turn_on",
            "params": {"target": {"entity_id": "light.desk"}},
        },
        {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 1}},
    ],
}


@pytest.fixture
async def ws(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    tmp_path: Path,
    hass_ws_client: Any,
) -> Client:
    """The integration set up with the commands registered; a `send(type, **data)`."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "stream_workflows").mkdir()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Stream Workflows",
        data={CONF_FOLDER: "stream_workflows"},
        entry_id="stream_workflows_entry",
        unique_id="core",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert await async_setup_component(hass, "websocket_api", {})
    async_register_sharing_commands(hass)
    async_register_sharing_commands(hass)  # idempotent
    client = await hass_ws_client(hass)
    return sender(client)


async def test_templates_lists_each_with_its_form(ws: Client) -> None:
    templates = ok(await ws("templates"))["templates"]
    by_id = {t["id"]: t for t in templates}
    assert len(by_id) >= 10
    brb = by_id["be_right_back"]
    assert brb["name"]
    fields = {f["name"]: f for f in brb["inputs"]}
    assert {"brb_scene", "seconds"} <= set(fields)
    assert fields["seconds"]["default"] == 300


async def test_create_from_template_saves_and_refuses_bad_input(
    hass: HomeAssistant, ws: Client
) -> None:
    made = ok(
        await ws(
            "create_from_template",
            template="be_right_back",
            inputs={"seconds": 60, "brb_scene": "Pause"},
            workflow_id="my_brb",
        )
    )
    assert made["workflow_id"] == "my_brb"
    coordinator = get_coordinator(hass)
    assert coordinator.stored_documents["my_brb"]["steps"][0]["params"]["scene_name"] == "Pause"
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("switch", DOMAIN, "my_brb_running") is not None

    # no id given: the template's id, then a free one next to it
    first = ok(await ws("create_from_template", template="be_right_back"))["workflow_id"]
    second = ok(await ws("create_from_template", template="be_right_back"))["workflow_id"]
    assert second == f"{first}_2"

    message = failed(
        await ws("create_from_template", template="be_right_back", workflow_id="my_brb"),
        "id_collision",
    )
    assert "id collision: a workflow 'my_brb' exists already" in message
    message = failed(
        await ws("create_from_template", template="be_right_back", inputs={"seconds": 1}),
        "invalid_inputs",
    )
    assert message.startswith("Cannot create: inputs.seconds: at least 10")
    assert "no template 'nope'" in failed(
        await ws("create_from_template", template="nope"), "invalid_inputs"
    )
    assert "not a valid workflow id" in failed(
        await ws("create_from_template", template="raid", workflow_id="Bad Id!"), "invalid_id"
    )
    huge = {"seconds": "x" * 5000}
    failed(
        await ws("create_from_template", template="be_right_back", inputs=huge), "invalid_format"
    )


async def test_export_preview_import_copy_replace_and_collision(
    hass: HomeAssistant, ws: Client
) -> None:
    coordinator = get_coordinator(hass)
    assert await coordinator.async_save_workflow(dict(ON_EVENT)) == "on_event"
    exported = ok(await ws("export", workflow_ids=["on_event"], name="Mine"))
    share = exported["share"]
    assert share.startswith("sw1:")
    assert "on_event" in exported["yaml"]
    assert exported["removed_secrets"] == []
    assert "no valid workflow with the id ghost" in failed(
        await ws("export", workflow_ids=["on_event", "ghost"]), "unknown_workflow"
    )

    preview = ok(await ws("import_preview", share=share))["preview"]
    assert preview["name"] == "Mine"
    item = preview["workflows"][0]
    assert (item["exists"], item["new_id"], item["choice"]) == (True, "on_event_2", "copy")
    assert "light.desk" in preview["missing"]["entities"]
    assert [c["action"] for c in item["calls"]] == ["light.turn_on", "wait"]
    assert "on_event_2" not in coordinator.stored_documents  # a preview writes nothing
    same = ok(await ws("import_preview", yaml=exported["yaml"]))["preview"]
    assert same["workflows"][0]["new_id"] == "on_event_2"

    copied = ok(
        await ws("import", share=share, remap={"entities": {"light.desk": "light.kitchen"}})
    )
    assert copied == {"workflow_ids": ["on_event_2"]}
    stored = coordinator.stored_documents["on_event_2"]
    assert stored["triggers"][0]["enabled"] is False
    assert stored["steps"][0]["params"]["target"]["entity_id"] == "light.kitchen"
    assert stored["name"] == "On event (copy)"

    named = ok(await ws("import", yaml=exported["yaml"], new_ids={"on_event": "chosen"}))
    assert named == {"workflow_ids": ["chosen"]}
    replaced = ok(await ws("import", share=share, choices={"on_event": "replace"}))
    assert replaced == {"workflow_ids": ["on_event"]}
    assert coordinator.stored_documents["on_event"]["triggers"][0]["enabled"] is False

    before = dict(coordinator.stored_documents)
    message = failed(
        await ws("import", share=share, new_ids={"on_event": "on_event_2"}), "invalid_share"
    )
    assert "id collision: a workflow 'on_event_2' exists already" in message
    assert coordinator.stored_documents == before


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (
            {"share": encode_share({"schema_version": 2, "workflows": [ON_EVENT]})[:-8]},
            "invalid_share",
            "cut short",
        ),
        ({"share": "sw1:abc$def"}, "invalid_share", "damaged"),
        (
            {"share": encode_share({"schema_version": 7, "workflows": []})},
            "invalid_share",
            "newer Stream Workflows",
        ),
        ({"yaml": "id: [unclosed"}, "invalid_share", "Cannot import"),
        ({}, "invalid_share", "paste a share string"),
        ({"share": "sw1:" + "A" * 1_600_000}, "invalid_format", "length"),
        ({"share": "sw1:x", "yaml": "a: 1"}, "invalid_format", "source"),
    ],
)
async def test_bad_share_strings_are_located_errors(
    hass: HomeAssistant, ws: Client, data: dict[str, Any], code: str, words: str
) -> None:
    assert words in failed(await ws("import_preview", **data), code)
    before = dict(get_coordinator(hass).stored_documents)
    assert words in failed(await ws("import", **data), code)
    assert get_coordinator(hass).stored_documents == before


async def test_a_template_share_is_refused_by_import(hass: HomeAssistant, ws: Client) -> None:
    template = {
        "template": {
            "name": "T",
            "input": {"s": {"name": "S", "default": 20, "selector": {"number": {}}}},
        },
        "workflow": {
            "id": "t",
            "steps": [
                {
                    "id": "w",
                    "service": "internal",
                    "action": "wait",
                    "params": {"seconds": "${inputs.s}"},
                }
            ],
        },
    }
    share = encode_share({"schema_version": 2, "template": template})
    preview = ok(await ws("import_preview", share=share))["preview"]
    assert preview["kind"] == "template"
    assert "this is a template" in failed(await ws("import", share=share), "invalid_share")
    made = ok(await ws("create_from_template", template=template, inputs={"s": 30}))
    assert made["workflow_id"] == "t"
    from_share = ok(await ws("create_from_template", share=share, inputs={"s": 40}))
    assert from_share["workflow_id"] == "t_2"
    assert get_coordinator(hass).stored_documents["t_2"]["steps"][0]["params"]["seconds"] == 40
    workflows = encode_share({"schema_version": 2, "workflows": [ON_EVENT]})
    assert "not a template" in failed(
        await ws("create_from_template", share=workflows), "invalid_inputs"
    )
    assert "damaged" in failed(
        await ws("create_from_template", share="sw1:abc$def"), "invalid_inputs"
    )
    assert "name a template" in failed(await ws("create_from_template"), "invalid_inputs")


async def test_a_user_who_is_not_admin_can_look_but_not_write(
    hass: HomeAssistant,
    ws: Client,
    hass_ws_client: Any,
    hass_read_only_access_token: str,
) -> None:
    coordinator = get_coordinator(hass)
    await coordinator.async_save_workflow(dict(ON_EVENT))
    reader = sender(await hass_ws_client(hass, hass_read_only_access_token))
    assert ok(await reader("templates"))["templates"]
    share = ok(await reader("export", workflow_ids=["on_event"]))["share"]
    assert ok(await reader("import_preview", share=share))["preview"]["workflows"]
    failed(await reader("import", share=share), "unauthorized")
    failed(await reader("create_from_template", template="be_right_back"), "unauthorized")
    assert set(coordinator.stored_documents) == {"on_event"}
