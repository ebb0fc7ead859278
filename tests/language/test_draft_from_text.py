"""`stream_workflows.draft_from_text` through Home Assistant's real AI Task and Ollama
integrations, the local Ollama server playing the model (structured answers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.stream_workflows.language import list_drafts
from custom_components.stream_workflows.language.from_text import availability
from local_peers.ollama_server import OllamaServer

from .ollama_agent import has_subentries, ollama_entry
from .test_tools import BRB

pytestmark = pytest.mark.usefixtures("socket_enabled")
TRANSLATIONS = Path(__file__).parents[2] / "custom_components/stream_workflows/translations/en.json"
SENTENCE = "switch to BRB, wait five minutes, switch back to Main"
needs_ai_task = pytest.mark.skipif(
    not has_subentries(), reason="AI Task is Home Assistant 2025.8+ (this is older)"
)


async def _draft(hass: HomeAssistant, text: str = SENTENCE) -> dict[str, Any]:
    response = await hass.services.async_call(
        "stream_workflows",
        "draft_from_text",
        {"text": text},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def _user_text(request: dict[str, Any]) -> str:
    return "\n".join(m.get("content", "") for m in request["messages"] if m["role"] == "user")


@needs_ai_task
async def test_a_sentence_becomes_a_valid_draft_nothing_saved(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    await setup_entry()
    await ollama_entry(hass, ollama_server, ai_task=True)
    assert availability(hass)["available"]
    ollama_server.script = [{"json": {"definition": BRB, "summary": "BRB for five minutes"}}]

    result = await _draft(hass)

    assert result["valid"], result
    assert result["problems"] == []
    assert result["definition"]["id"] == "quick_brb"
    assert result["summary"] == "BRB for five minutes"
    assert "to_brb" in result["graph"]
    (draft,) = [d for d in list_drafts(hass) if d["draft_id"] == result["draft_id"]]
    assert draft["origin"] == "ai_task"
    assert not hass.services.has_service("stream_workflows", "quick_brb")
    (request,) = ollama_server.requests
    # structured output: Ollama was asked for the structure's JSON schema
    assert set(request["format"]["properties"]) == {"definition", "summary"}
    assert request["format"]["required"] == ["definition"]
    asked = _user_text(request)
    assert SENTENCE in asked
    assert "obs.set_current_scene(scene_name*)" in asked


@needs_ai_task
async def test_problems_go_back_to_the_model_once_then_the_repair_is_the_draft(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    await setup_entry()
    await ollama_entry(hass, ollama_server, ai_task=True)
    wrong = {**BRB, "steps": [BRB["steps"][0], {**BRB["steps"][1], "action": "sleep"}]}
    ollama_server.script = [{"json": {"definition": wrong}}, {"json": {"definition": BRB}}]

    result = await _draft(hass)

    assert result["valid"], result
    assert result["attempts"] == 2
    assert [d["draft_id"] for d in list_drafts(hass)] == [result["draft_id"]]  # the last only
    repair = _user_text(ollama_server.requests[1])
    assert "- steps[1]" in repair  # the located problem of the first answer
    assert '"sleep"' in repair


@needs_ai_task
async def test_answers_that_stay_wrong_are_located_problems_never_saved(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    await setup_entry()
    await ollama_entry(hass, ollama_server, ai_task=True)
    hostile = {
        **BRB,
        "steps": [
            {
                "id": "x",
                "service": "internal",
                "action": "log",
                "params": {"message": "${__import__('os').system('id')}"},
            }
        ],
    }
    ollama_server.script = [
        {"json": {"summary": "no definition at all"}},
        {"json": {"definition": hostile}},
    ]
    result = await _draft(hass)
    assert not result["valid"]
    assert result["attempts"] == 2
    assert result["problems"]
    assert all(p["path"] for p in result["problems"])
    assert "draft_id" in result  # a draft with its problems, for the panel to show

    blank = await _draft(hass, "   ")
    assert blank["problems"] == [{"path": "text", "message": "say what it should do"}]

    ollama_server.script = [
        {"json": {"definition": {**BRB, "description": "x" * 400_000}}},
        {"json": [1, 2, 3]},
    ]
    result = await _draft(hass)
    assert not result["valid"]
    assert result["problems"][0]["path"] == "definition"
    assert not hass.services.has_service("stream_workflows", "quick_brb")


@needs_ai_task
async def test_a_model_that_answers_no_json_is_a_translated_error(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    await setup_entry()
    await ollama_entry(hass, ollama_server, ai_task=True)
    ollama_server.script = [{"content": "Sure! Here is your workflow: {not json"}]
    with pytest.raises(HomeAssistantError) as caught:
        await _draft(hass)
    assert caught.value.translation_key == "ai_task_failed"
    assert caught.value.translation_placeholders["entity_id"].startswith("ai_task.")


@needs_ai_task
async def test_without_an_ai_task_entity_the_action_says_so(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    await setup_entry()
    await ollama_entry(hass, ollama_server, ai_task=False)  # ai_task loaded, no entity
    assert availability(hass) == {
        "available": False,
        "reason": "ai_task_no_entity",
        "entities": [],
    }
    with pytest.raises(ServiceValidationError) as caught:
        await _draft(hass)
    assert caught.value.translation_key == "ai_task_no_entity"
    assert ollama_server.requests == []


async def test_without_ai_task_the_action_is_there_and_says_what_is_missing(
    hass: HomeAssistant, setup_entry: Callable[[], Any]
) -> None:
    """Home Assistant 2025.4 has no AI Task; 2026.2 without it loaded behaves the same."""
    await setup_entry()
    assert hass.services.has_service("stream_workflows", "draft_from_text")
    assert availability(hass)["reason"] == "ai_task_missing"
    with pytest.raises(ServiceValidationError) as caught:
        await _draft(hass)
    assert caught.value.translation_key == "ai_task_missing"
    strings = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    assert "AI Task" in strings["exceptions"]["ai_task_missing"]["message"]
