"""By voice, through HA's real conversation machinery and Ollama integration (the local server
plays the model): change an existing workflow's wait after a "yes", run and cancel a workflow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant

from custom_components.stream_workflows.language import previous_document
from custom_components.stream_workflows.runtime import core_coordinator
from local_peers.ollama_server import OllamaServer, last_tool_result

from .ollama_agent import ollama_agent
from .test_tools import BRB

pytestmark = pytest.mark.usefixtures("socket_enabled")

COUNTDOWN = {
    "id": "brb_countdown",
    "name": "BRB countdown",
    "steps": [
        {"id": "countdown", "service": "internal", "action": "wait", "params": {"seconds": 300}},
        {"id": "done", "service": "internal", "action": "log", "params": {"message": "back"}},
    ],
}


async def _say(hass: HomeAssistant, agent: str, text: str, conversation_id: str | None) -> Any:
    return await conversation.async_converse(
        hass, text, conversation_id, Context(), language="en", agent_id=agent
    )


def _speech(result: Any) -> str:
    return str(result.response.speech["plain"]["speech"])


async def test_make_the_brb_countdown_two_minutes_after_yes(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    await setup_entry()
    await hass.services.async_call(
        "stream_workflows", "save_workflow", {"definition": BRB}, blocking=True
    )
    coordinator = core_coordinator(hass)
    assert coordinator is not None
    agent = await ollama_agent(hass, ollama_server)
    seen: dict[str, Any] = {}

    def change(messages: list[dict[str, Any]]) -> dict[str, Any]:
        got = last_tool_result(messages)
        seen["wait"] = got["definition"]["steps"][1]
        return {
            "tool_calls": [
                {
                    "name": "change_workflow",
                    "arguments": {
                        "workflow_id": got["workflow_id"],
                        "operations": [
                            {"op": "set", "path": "steps.pause.params.seconds", "value": 120}
                        ],
                    },
                }
            ]
        }

    def ask(messages: list[dict[str, Any]]) -> dict[str, Any]:
        seen["draft"] = last_tool_result(messages)
        return {"content": "The wait goes from 300 to 120 seconds. Save it?"}

    def apply(messages: list[dict[str, Any]]) -> dict[str, Any]:
        arguments = {"draft_id": seen["draft"]["draft_id"], "confirmed": True}
        return {"tool_calls": [{"name": "apply_draft", "arguments": arguments}]}

    def done(messages: list[dict[str, Any]]) -> dict[str, Any]:
        seen["applied"] = last_tool_result(messages)
        return {"content": "Saved: the BRB countdown is two minutes now."}

    ollama_server.script = [
        {"tool_calls": [{"name": "get_workflow", "arguments": {"workflow_id": "Quick BRB"}}]},
        change,
        ask,
        apply,
        done,
    ]
    first = await _say(hass, agent, "make the BRB countdown two minutes", None)
    assert _speech(first).endswith("Save it?")
    assert seen["wait"]["params"] == {"seconds": 300}
    assert seen["draft"]["valid"], seen["draft"]
    assert seen["draft"]["replaces_existing"] is True
    assert "seconds=120" in seen["draft"]["graph"]
    # asked, not yet saved
    assert coordinator.stored_documents["quick_brb"]["steps"][1]["params"]["seconds"] == 300

    second = await _say(hass, agent, "yes", first.conversation_id)
    await hass.async_block_till_done()
    assert _speech(second).startswith("Saved")
    assert seen["applied"]["saved"] is True
    assert seen["applied"]["previous_version_kept"] is True
    assert coordinator.stored_documents["quick_brb"]["steps"][1]["params"]["seconds"] == 120
    assert coordinator.workflows["quick_brb"].raw["steps"][1]["params"]["seconds"] == 120
    previous = previous_document(hass, "quick_brb")
    assert previous is not None
    assert previous["steps"][1]["params"]["seconds"] == 300
    # the yes went with the conversation: the model saw it after its own question
    last_request = ollama_server.requests[-2]["messages"]
    assert [m["content"] for m in last_request if m["role"] == "user"][-1] == "yes"


async def test_run_and_cancel_a_workflow_by_voice(
    hass: HomeAssistant,
    setup_entry: Callable[[], Any],
    write_workflow: Callable[[str, Any], Any],
    ollama_server: OllamaServer,
) -> None:
    write_workflow("brb_countdown.json", COUNTDOWN)
    await setup_entry()
    agent = await ollama_agent(hass, ollama_server)
    results: list[dict[str, Any]] = []

    def said(text: str) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        def reply(messages: list[dict[str, Any]]) -> dict[str, Any]:
            results.append(last_tool_result(messages))
            return {"content": text}

        return reply

    ollama_server.script = [
        {"tool_calls": [{"name": "run", "arguments": {"workflow_id": "BRB countdown"}}]},
        said("Started the BRB countdown."),
    ]
    first = await _say(hass, agent, "start the BRB countdown", None)
    await hass.async_block_till_done()
    assert _speech(first) == "Started the BRB countdown."
    assert results[0]["started"] is True
    assert hass.states.get("switch.brb_countdown_running").state == "on"  # type: ignore[union-attr]
    assert hass.states.get("sensor.brb_countdown_state").state == "countdown"  # type: ignore[union-attr]

    ollama_server.script = [
        {"tool_calls": [{"name": "cancel", "arguments": {"workflow_id": "brb_countdown"}}]},
        said("Cancelled."),
    ]
    second = await _say(hass, agent, "stop it", first.conversation_id)
    await hass.async_block_till_done()
    assert _speech(second) == "Cancelled."
    assert results[1]["workflow_id"] == "brb_countdown"
    assert hass.states.get("switch.brb_countdown_running").state == "off"  # type: ignore[union-attr]
    assert hass.states.get("sensor.brb_countdown_state").state == "cancelled"  # type: ignore[union-attr]
