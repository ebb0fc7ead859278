"""The Describe box's websocket commands on a real core: AI Task through the real Ollama
integration and the local server, the drafts a conversation made, saving one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.stream_workflows.runtime import core_coordinator
from local_peers.ollama_server import OllamaServer
from tests.studio.ws_client import Client, failed, ok, sender

from .ollama_agent import ollama_entry
from .test_draft_from_text import needs_ai_task
from .test_tools import BRB, _call

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def ws(hass: HomeAssistant, setup_entry: Callable[[], Any], hass_ws_client: Any) -> Client:
    await setup_entry()
    return sender(await hass_ws_client(hass))


@needs_ai_task
async def test_describe_shows_the_flowchart_then_saves(
    hass: HomeAssistant, ws: Client, ollama_server: OllamaServer
) -> None:
    await ollama_entry(hass, ollama_server, ai_task=True)
    status = ok(await ws("describe/status"))
    assert status["available"] is True
    assert status["entities"][0].startswith("ai_task.")
    ollama_server.script = [{"json": {"definition": BRB, "summary": "BRB for five minutes"}}]

    shown = ok(await ws("describe", text="switch to BRB, wait five minutes, switch back"))

    assert shown["valid"] is True
    assert shown["origin"] == "ai_task"
    assert shown["definition"]["id"] == "quick_brb"
    assert shown["summary"] == "BRB for five minutes"
    assert shown["replaces_existing"] is False
    steps = {node["step"] for node in shown["graph"]["nodes"]}
    assert {"to_brb", "pause", "back"} <= steps
    assert not hass.services.has_service("stream_workflows", "quick_brb")  # shown, not saved

    saved = ok(await ws("draft/save", draft_id=shown["draft_id"]))
    await hass.async_block_till_done()
    assert saved["saved"] is True
    assert saved["workflow_id"] == "quick_brb"
    assert hass.services.has_service("stream_workflows", "quick_brb")
    again = ok(await ws("draft/save", draft_id=shown["draft_id"]))
    assert again == {
        "saved": False,
        "problems": [{"path": "draft_id", "message": "this draft was saved already"}],
    }


@needs_ai_task
async def test_an_invalid_answer_shows_its_problems_and_cannot_be_saved(
    hass: HomeAssistant, ws: Client, ollama_server: OllamaServer
) -> None:
    await ollama_entry(hass, ollama_server, ai_task=True)
    wrong = {**BRB, "steps": [{**BRB["steps"][1], "action": "sleep"}]}
    ollama_server.script = [{"json": {"definition": wrong}}, {"json": {"definition": wrong}}]
    shown = ok(await ws("describe", text="wait a bit"))
    assert shown["valid"] is False
    assert shown["graph"] is None
    assert shown["problems"][0]["path"].startswith("steps[0]")
    refused = ok(await ws("draft/save", draft_id=shown["draft_id"]))
    assert refused["saved"] is False
    assert refused["problems"] == shown["problems"]
    coordinator = core_coordinator(hass)
    assert coordinator is not None
    assert "quick_brb" not in coordinator.workflows


async def test_without_ai_task_the_box_is_not_offered(hass: HomeAssistant, ws: Client) -> None:
    assert ok(await ws("describe/status")) == {
        "available": False,
        "reason": "ai_task_missing",
        "entities": [],
    }
    message = failed(await ws("describe", text="anything"), "ai_task_missing")
    assert "AI Task" in message
    failed(await ws("describe", text=""), "invalid_format")


async def test_a_draft_made_by_voice_is_listed_and_shown(hass: HomeAssistant, ws: Client) -> None:
    made = await _call(hass, "draft_workflow", {"definition": BRB})
    drafts = ok(await ws("drafts"))["drafts"]
    assert [d["draft_id"] for d in drafts] == [made["draft_id"]]
    assert drafts[0]["origin"] == "conversation"
    assert "definition" not in drafts[0]
    shown = ok(await ws("draft", draft_id=made["draft_id"]))
    assert shown["definition"] == BRB
    assert shown["graph"]["nodes"]
    failed(await ws("draft", draft_id="draft_gone"), "unknown_draft")
