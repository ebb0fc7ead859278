"""The sharing actions on a real Home Assistant core: templates, export, import."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.runtime import get_coordinator
from custom_components.stream_workflows.sharing.share import encode_share
from custom_components.stream_workflows.sharing_services import fetch_text, raw_url

HOOK = "https://discord.com/api/webhooks/1234567/very-secret-webhook-part"
BOT_TOKEN = "MTIzNDU2Nzg5.bot-token-value-xyz"
LEAKY: dict[str, Any] = {
    "id": "leaky",
    "name": "Leaky",
    "triggers": [{"trigger": "event", "event_type": "sharing_test_go"}],
    "steps": [
        {
            "id": "say",
            "service": "internal",
            "action": "log",
            "params": {"message": "door pin-7731-x and bot MTIzNDU2Nzg5.bot-token-value-xyz"},
        },
        {
            "id": "hook",
            "service": "homeassistant",
            "action": "rest_command.post",
            "params": {"data": {"url": HOOK, "api_token": "plain-token-1"}},
        },
        {
            "id": "light",
            "service": "homeassistant",
            "action": "light.turn_on",
            "params": {"target": {"entity_id": "light.desk"}},
        },
    ],
}


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def test_create_from_template_saves_a_workflow_with_entities(
    hass: HomeAssistant, setup_core: Callable[[], Any]
) -> None:
    await setup_core()
    response = await call(
        hass,
        "create_from_template",
        {
            "template": "be_right_back",
            "inputs": {"seconds": 60, "brb_scene": "Pause"},
            "workflow_id": "my_brb",
        },
    )
    assert response == {"workflow_id": "my_brb"}
    coordinator = get_coordinator(hass)
    assert "my_brb" in coordinator.workflows
    steps = coordinator.stored_documents["my_brb"]["steps"]
    assert steps[0]["params"]["scene_name"] == "Pause"
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("switch", DOMAIN, "my_brb_running") is not None
    with pytest.raises(ServiceValidationError, match="at least 10"):
        await call(
            hass, "create_from_template", {"template": "be_right_back", "inputs": {"seconds": 1}}
        )
    with pytest.raises(ServiceValidationError, match="no template"):
        await call(hass, "create_from_template", {"template": "nope"})


async def _saved_leaky(hass: HomeAssistant, setup_core: Callable[[], Any]) -> None:
    await setup_core()
    MockConfigEntry(
        domain=DOMAIN,
        title="Discord",
        data={"bot_token": BOT_TOKEN},
        entry_id="discord_entry",
        unique_id="discord",
    ).add_to_hass(hass)
    await hass.services.async_call(DOMAIN, "save_workflow", {"definition": LEAKY}, blocking=True)


async def test_export_never_carries_a_secret(
    hass: HomeAssistant, setup_core: Callable[[], Any]
) -> None:
    await _saved_leaky(hass, setup_core)
    response = await call(hass, "export", {"workflow_id": "leaky"})
    packed = response["share"][4:]
    inflated = zlib.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
    for text in (response["yaml"], inflated.decode()):
        for secret in ("pin-7731-x", BOT_TOKEN, HOOK, "plain-token-1"):
            assert secret not in text
    document = json.loads(inflated)
    removed = {item["path"] for item in document["requires"]["removed_secrets"]}
    assert removed == {
        "steps[0].params.message",
        "steps[1].params.data.url",
        "steps[1].params.data.api_token",
    }


async def test_import_preview_copy_replace_and_triggers_off(
    hass: HomeAssistant, setup_core: Callable[[], Any]
) -> None:
    await _saved_leaky(hass, setup_core)
    share = (await call(hass, "export", {"workflow_id": "leaky"}))["share"]
    result = await call(hass, "import", {"share": share, "preview": True})
    item = result["preview"]["workflows"][0]
    assert item["exists"] is True
    assert item["new_id"] == "leaky_2"
    missing = result["preview"]["missing"]
    assert "light.desk" in missing["entities"]
    assert "homeassistant.rest_command.post" in missing["actions"]  # no rest_command here
    assert "homeassistant.light.turn_on" in missing["actions"]
    assert "internal" not in missing["services"]
    assert [c["action"] for c in item["calls"]] == ["log", "rest_command.post", "light.turn_on"]
    coordinator = get_coordinator(hass)
    assert "leaky_2" not in coordinator.stored_documents  # a preview writes nothing

    copied = await call(
        hass, "import", {"share": share, "remap": {"entities": {"light.desk": "light.kitchen"}}}
    )
    assert copied == {"workflow_ids": ["leaky_2"]}
    stored = coordinator.stored_documents["leaky_2"]
    assert stored["triggers"][0]["enabled"] is False
    assert stored["steps"][2]["params"]["target"]["entity_id"] == "light.kitchen"
    hass.bus.async_fire("sharing_test_go")
    await hass.async_block_till_done()
    assert coordinator.active_runs("leaky_2") == []

    replaced = await call(hass, "import", {"share": share, "choices": {"leaky": "replace"}})
    assert replaced == {"workflow_ids": ["leaky"]}
    assert coordinator.stored_documents["leaky"]["triggers"][0]["enabled"] is False

    before = dict(coordinator.stored_documents)
    with pytest.raises(ServiceValidationError, match="id collision"):
        await call(hass, "import", {"share": share, "new_ids": {"leaky": "leaky_2"}})
    assert coordinator.stored_documents == before


async def test_an_imported_stream_event_trigger_starts_off(
    hass: HomeAssistant, setup_core: Callable[[], Any]
) -> None:
    await setup_core()
    workflow = {
        "id": "on_follow",
        "trigger": "channel_follow",
        "steps": [
            {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 60}}
        ],
    }
    share = encode_share({"schema_version": 2, "workflows": [workflow]})
    assert await call(hass, "import", {"share": share}) == {"workflow_ids": ["on_follow"]}
    coordinator = get_coordinator(hass)
    hass.bus.async_fire("stream_workflows_stream_event", {"event": "channel_follow"})
    await hass.async_block_till_done()
    started = coordinator.active_runs("on_follow")
    if started:
        coordinator.cancel("on_follow")
        await hass.async_block_till_done()
    assert started == []


def _pack(raw: bytes) -> str:
    return "sw1:" + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("share", "words"),
    [
        (encode_share({"schema_version": 2, "workflows": [LEAKY]})[:-8], "cut short"),
        ("sw1:abc$def", "damaged"),
        (_pack(b" " * (30 * 1024 * 1024)), "decompression bomb"),
        (encode_share({"schema_version": 7, "workflows": []}), "newer Stream Workflows"),
        (
            encode_share({"schema_version": 2, "workflows": [{**LEAKY, "id": "Bad Id!"}]}),
            "not a valid workflow id",
        ),
    ],
)
async def test_hostile_imports_write_nothing(
    hass: HomeAssistant, setup_core: Callable[[], Any], share: str, words: str
) -> None:
    await setup_core()
    coordinator = get_coordinator(hass)
    before = dict(coordinator.stored_documents)
    with pytest.raises(ServiceValidationError, match=words):
        await call(hass, "import", {"share": share})
    assert coordinator.stored_documents == before


@pytest.fixture
async def local_server(socket_enabled: None) -> AsyncIterator[str]:
    document = {
        "id": "served",
        "steps": [{"id": "a", "service": "internal", "action": "log", "params": {"message": "hi"}}],
    }

    async def workflow(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps(document))

    async def gist(request: web.Request) -> web.Response:
        return web.json_response(
            {"files": {"served.yaml": {"content": json.dumps({**document, "id": "gisted"})}}}
        )

    async def huge(request: web.Request) -> web.Response:
        return web.Response(text="x" * 2_000_000)

    app = web.Application()
    app.router.add_get("/served.json", workflow)
    app.router.add_get("/gists/{id}", gist)
    app.router.add_get("/huge", huge)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_import_from_a_url(
    hass: HomeAssistant, setup_core: Callable[[], Any], local_server: str
) -> None:
    await setup_core()
    result = await call(hass, "import", {"url": f"{local_server}/served.json"})
    assert result == {"workflow_ids": ["served"]}
    text = await fetch_text(
        hass, "https://gist.github.com/someone/0123456789abcdef", gist_api=f"{local_server}/gists"
    )
    assert json.loads(text)["id"] == "gisted"
    with pytest.raises(ServiceValidationError, match="larger than"):
        await call(hass, "import", {"url": f"{local_server}/huge"})
    with pytest.raises(ServiceValidationError, match="HTTP 404"):
        await call(hass, "import", {"url": f"{local_server}/missing"})


def test_github_links_are_rewritten_as_blueprints_do() -> None:
    assert raw_url("https://github.com/me/repo/blob/main/brb.yaml") == (
        "https://raw.githubusercontent.com/me/repo/main/brb.yaml"
    )
    assert raw_url("http://127.0.0.1:8000/x.yaml") == "http://127.0.0.1:8000/x.yaml"


async def test_templates_as_documents_and_file_workflows(
    hass: HomeAssistant, setup_core: Callable[[], Any], config_dir: Any
) -> None:
    (config_dir / "stream_workflows" / "from_file.yaml").write_text(
        "steps:\n  - {id: a, service: obs, action: set_current_scene, params: {scene_name: Main}}\n"
    )
    await setup_core()
    exported = await call(hass, "export", {"workflow_id": "from_file"})
    preview = (await call(hass, "import", {"yaml": exported["yaml"], "preview": True}))["preview"]
    item = preview["workflows"][0]
    assert item["from_file"] is True
    assert item["new_id"] == "from_file_2"
    with pytest.raises(ServiceValidationError, match="workflow file"):
        await call(hass, "import", {"yaml": exported["yaml"], "choices": {"from_file": "replace"}})
    template = {
        "template": {"name": "Scene", "input": {"scene": {"selector": {"obs_scene": {}}}}},
        "workflow": {
            "id": "scene_switch",
            "steps": [
                {
                    "id": "a",
                    "service": "obs",
                    "action": "set_current_scene",
                    "params": {"scene_name": "${inputs.scene}"},
                }
            ],
        },
    }
    share = encode_share({"schema_version": 2, "template": template})
    preview = (await call(hass, "import", {"share": share, "preview": True}))["preview"]
    assert preview["kind"] == "template"
    assert preview["template"]["inputs"][0]["name"] == "scene"
    created = await call(
        hass, "create_from_template", {"template": template, "inputs": {"scene": "Cam"}}
    )
    assert created == {"workflow_id": "scene_switch"}
